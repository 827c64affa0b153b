import { AIR_PASSENGERS_1949_1954 as AIR } from '../testing/air-passengers';
import { syntheticSeries } from '../testing/synthetic-series';
import { autoEts, ets, etsCandidates, fitEts, rootsWithinUnitCircle } from './ets';

function expectClose(actual: readonly number[], expected: readonly number[], relative = 1e-9): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) =>
    expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(relative * Math.abs(expected[i]!)),
  );
}

describe('autoEts (forecast::ets with its defaults)', () => {
  it('picks ETS(M,Ad,M) on airline passengers 1949-1954 by AICc and forecasts what R 4.2 / forecast 8.20 does', () => {
    const fit = autoEts(AIR, 12);
    expect(fit.name).toBe('ETS(M,Ad,M)');
    expect(fit.aicc).toBeCloseTo(621.13267062816, 6);
    expectClose(
      fit.forecast(12),
      [
        230.33802271352, 234.250964088773, 268.760774440156, 256.003208190588, 252.643205048297,
        280.156293698239, 307.76347072979, 307.916684503377, 276.169524294719, 241.155174530783,
        211.147500795534, 239.46990162405,
      ],
    );
  });

  it("includes the season's noise term in the mean past one season, as R's forecast.ets does (class 3 models)", () => {
    const fit = fitEts(AIR, 12, { error: 'M', trend: 'A', damped: true, season: 'M' })!;
    expect(fit.lik).toBeCloseTo(572.227010250802, 6);
    const f = fit.forecast(24);
    expectClose(
      f.slice(12),
      [
        240.455127318633, 244.293177822975, 280.007180385579, 266.460861336825, 262.71895594712,
        291.065422807065, 319.465590328823, 319.350081581213, 286.184462403886, 249.696680479649,
        218.452549521205, 247.563105557255,
      ],
    );
  });

  it('fits non-seasonal models only for period 1: ETS(A,N,N) on the first 40 values, as R', () => {
    const fit = autoEts(AIR.slice(0, 40), 1);
    expect(fit.name).toBe('ETS(A,N,N)');
    expectClose(fit.forecast(6), Array<number>(6).fill(181.001199968626), 1e-8);
  });

  it('offers the models R offers: no multiplicative error for data with a zero, no season for period 1', () => {
    expect(etsCandidates(AIR, 12)).toHaveLength(15);
    expect(etsCandidates([0, ...AIR], 12).every((s) => s.error === 'A')).toBe(true);
    expect(etsCandidates(AIR, 1).every((s) => s.season === 'N')).toBe(true);
    expect(etsCandidates(AIR.slice(0, 12), 12).every((s) => s.season === 'N')).toBe(true);
  });

  it('refuses a model with more parameters than the data can carry, and still forecasts a short series', () => {
    expect(fitEts(AIR.slice(0, 14), 12, { error: 'A', trend: 'A', damped: true, season: 'A' })).toBeNull();
    const fit = ets.fit([5, 6, 5], 3, 12);
    expect(fit.point.every(Number.isFinite)).toBe(true);
    expect(ets.fit([4, 4, 4, 4, 4, 4], 2, 1).point).toEqual([4, 4]);
  });

  it('gives finite forecasts and finite JSON parameters on a noisy seasonal series with zeros', () => {
    const y = syntheticSeries({
      length: 60,
      level: 3,
      additive: [-3, 0, 1, 2, 0, 0, -1],
      noise: 1,
      seed: 9,
    }).map((v) => Math.max(0, Math.round(v)));
    const fit = ets.fit(y, 14, 7);
    expect(fit.point.every(Number.isFinite)).toBe(true);
    expect(JSON.parse(JSON.stringify(fit.parameters))).toEqual(fit.parameters);
  });
});

describe('rootsWithinUnitCircle', () => {
  it('accepts roots inside or on the unit circle and refuses one outside, as R tests max |root| <= 1 + 1e-10', () => {
    expect(rootsWithinUnitCircle([1, -0.5])).toBe(true); // z = 0.5
    expect(rootsWithinUnitCircle([1, -1.5])).toBe(false); // z = 1.5
    expect(rootsWithinUnitCircle([1, 0, 0.25])).toBe(true); // z = ±0.5i
    expect(rootsWithinUnitCircle([1, -1.5, 0.5])).toBe(true); // z = 1 and 0.5
    expect(rootsWithinUnitCircle([1, -2.5, 1.5])).toBe(false); // z = 1 and 1.5
    expect(rootsWithinUnitCircle([1, 0, 0, -1])).toBe(true); // cube roots of unity
  });
});
