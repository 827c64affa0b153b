import { AIR_PASSENGERS_1949_1954 as AIR } from '../testing/air-passengers';
import { theta, thetaClassic } from './theta';

describe('theta (the M4 benchmark)', () => {
  it('forecasts airline passengers 1949-1954 as M4 code in R 4.2 / forecast 8.20 does', () => {
    const expected = [
      230.19128208183, 232.666662514089, 268.344817927603, 254.377305714715, 252.70987535816,
      281.099086050567, 304.89264266903, 308.511422435015, 276.580877508486, 241.917489179562,
      210.900452003007, 240.203818610048,
    ];
    const fit = theta.fit(AIR, 12, 12);
    expect(fit.parameters.seasonal).toBe(true);
    fit.point.forEach((v, h) => expect(Math.abs(v - expected[h]!)).toBeLessThan(1e-9 * expected[h]!));
  });

  it('grows a straight line at half its slope: SES sits on the last value, the theta = 0 line adds the rest', () => {
    const line = Array.from({ length: 40 }, (_, t) => 10 + 2 * t);
    const { point, parameters } = thetaClassic(line, 5);
    expect(parameters.slope).toBeCloseTo(2, 10);
    // 0.5 (SES level on the theta = 2 line, ~88) + 0.5 (line at t = 41.. = 90, 92, ...)
    point.forEach((v, h) => expect(v).toBeCloseTo(0.5 * 88 + 0.5 * (10 + 2 * (40 + h)), 2));
  });

  it('floors the forecast at 0, as the benchmark does', () => {
    const falling = Array.from({ length: 30 }, (_, t) => 100 - 4 * t);
    expect(Math.min(...theta.fit(falling, 40, 1).point)).toBe(0);
  });
});
