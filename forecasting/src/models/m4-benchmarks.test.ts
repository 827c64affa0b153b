import { AIR_PASSENGERS_1949_1954 as AIR } from '../testing/air-passengers';
import { comb, dampedTrend, holt, m4SeasonalAdjustment, naive2, ses, smoothingFit } from './m4-benchmarks';

// Known answers: M4's "Benchmarks and Evaluation.R" run on ts(AIR, frequency = 12), h = 12, with R 4.2 and
// forecast 8.20 (which reproduces the official M4 figures on the weekly panel to the third decimal).
const R = {
  indices: [
    0.909559450641325, 0.915728433415541, 1.052017044844249, 0.993371286487218, 0.983027639453094,
    1.089230449816782, 1.176875732533283, 1.186273100118628, 1.059428750611273, 0.923122615488445,
    0.801712134022289, 0.909653362567874,
  ],
  naive2: [
    228.976358212848, 230.529364130737, 264.839237871071, 250.075505644711, 247.471552019863,
    274.207498451842, 296.271694076229, 298.637427294615, 266.705092151934, 232.390806922434,
    201.826416793359, 229.0,
  ],
  ses: [
    229.039734431748, 230.593170191581, 264.912540240117, 250.144721698765, 247.540047350012, 274.28339377388,
    296.35369634006, 298.720084347559, 266.778910953288, 232.455128194572, 201.882278434579, 229.063382762488,
  ],
  holt: [
    231.250781794135, 234.440710660322, 271.195538947356, 257.83644880128, 256.892347893836, 286.57480370557,
    311.71805375877, 316.307681629047, 284.361872973113, 249.410455731789, 218.027221873713, 248.992795037002,
  ],
  damped: [
    230.422636352647, 233.028257453174, 268.884091005292, 254.981301357676, 253.379877429522,
    281.898230146062, 305.792691504421, 309.431129745199, 277.392007060446, 242.59708744135, 211.451536372568,
    240.767425919966,
  ],
};

function expectClose(actual: readonly number[], expected: readonly number[], relative = 1e-9): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) =>
    expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(relative * Math.abs(expected[i]!)),
  );
}

describe('M4 benchmarks', () => {
  it('find the season by the 90 % autocorrelation test and take the indices of a multiplicative decomposition', () => {
    const adjustment = m4SeasonalAdjustment(AIR, 12);
    expect(adjustment.seasonal).toBe(true);
    expectClose(adjustment.indices, R.indices, 1e-13);
    expect(m4SeasonalAdjustment(AIR, 1).seasonal).toBe(false);
  });

  it.each([
    ['naive2', naive2],
    ['ses', ses],
    ['holt', holt],
    ['damped', dampedTrend],
  ] as const)('%s forecasts what M4 code in R does', (name, method) => {
    expectClose(method.fit(AIR, 12, 12).point, R[name]);
  });

  it('fit SES, Holt and damped trend by MSE with R optim path: the parameters R reports', () => {
    const adjusted = m4SeasonalAdjustment(AIR, 12).adjusted;
    expect(smoothingFit(adjusted, 'ses')!.parameters.alpha).toBeCloseTo(0.805907696035681, 9);
    const damped = smoothingFit(adjusted, 'damped')!;
    expect(damped.parameters.alpha).toBeCloseTo(0.6919952653078527, 9);
    expect(damped.parameters.beta).toBeCloseTo(0.0212926278470986, 9);
    expect(damped.parameters.phi).toBeCloseTo(0.9799999972604836, 9);
    expect(damped.initialState[0]).toBeCloseTo(126.1175243658954628, 6);
  });

  it('Comb is the mean of SES, Holt and damped trend', () => {
    const expected = R.ses.map((s, h) => (s + R.holt[h]! + R.damped[h]!) / 3);
    expectClose(comb.fit(AIR, 12, 12).point, expected);
  });

  it('leave a non-seasonal series as it is and reseason nothing', () => {
    const fit = naive2.fit([3, 4, 5, 6], 3, 1);
    expect(fit.point).toEqual([6, 6, 6]);
    expect(fit.parameters).toMatchObject({ seasonal: false, indices: [] });
  });
});
