/**
 * The first six years (1949–1954) of Box & Jenkins' monthly international airline passengers, in thousands (R's
 * `AirPassengers`, series G of "Time Series Analysis: Forecasting and Control"). Known answers in the model tests
 * were computed from it with R 4.2 and forecast 8.20, using M4's benchmark code where M4 defines the method.
 */
export const AIR_PASSENGERS_1949_1954: readonly number[] = [
  112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135, 125, 149, 170, 170, 158,
  133, 114, 140, 145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166, 171, 180, 193, 181, 183, 218,
  230, 242, 209, 191, 172, 194, 196, 196, 236, 235, 229, 243, 264, 272, 237, 211, 180, 201, 204, 188, 235,
  227, 234, 264, 302, 293, 259, 229, 203, 229,
];
