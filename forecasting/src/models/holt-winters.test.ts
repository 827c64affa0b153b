import { MONTHLY_FACTORS, syntheticSeries } from '../testing/synthetic-series';
import { holtWinters } from './holt-winters';

const ADDITIVE_MONTHS = [5, -3, 8, 2, -6, 0, 4, -2, -7, 3, 1, -5];

function maxRelativeError(point: readonly number[], truth: readonly number[]): number {
  return Math.max(...point.map((p, h) => Math.abs(p - truth[h]!) / Math.abs(truth[h]!)));
}

describe('holtWinters', () => {
  it('forecasts a noise-free additive trend and season within 1 % of the truth', () => {
    const series = syntheticSeries({ length: 84, level: 100, slope: 0.5, additive: ADDITIVE_MONTHS });
    const fit = holtWinters.fit(series.slice(0, 72), 12, 12);
    expect(fit.parameters.mode).toBe('additive');
    expect(maxRelativeError(fit.point, series.slice(72))).toBeLessThan(0.01);
  });

  it('picks the multiplicative variant for a positive series whose season grows with its level, and forecasts it within 1 %', () => {
    const series = syntheticSeries({ length: 84, level: 100, slope: 0.5, multiplicative: MONTHLY_FACTORS });
    const fit = holtWinters.fit(series.slice(0, 72), 12, 12);
    expect(fit.parameters.mode).toBe('multiplicative');
    expect(maxRelativeError(fit.point, series.slice(72))).toBeLessThan(0.01);
  });

  it('does not offer the multiplicative variant when the history has a zero', () => {
    const history = syntheticSeries({ length: 48, level: 10, additive: [-10, 0, 5, 5] });
    expect(history).toContain(0);
    const fit = holtWinters.fit(history, 8, 4);
    expect(fit.parameters.mode).toBe('additive');
    expect(fit.point.every(Number.isFinite)).toBe(true);
  });

  it.each([1, 2, 5, 18, 23])(
    'gives finite forecasts from %i values (less than two seasons: damped Holt without a season)',
    (length) => {
      const history = syntheticSeries({ length, level: 50, slope: 1, additive: ADDITIVE_MONTHS });
      const fit = holtWinters.fit(history, 12, 12);
      expect(fit.point).toHaveLength(12);
      expect(fit.point.every(Number.isFinite)).toBe(true);
      expect(fit.parameters.mode).toBe('none');
    },
  );

  it('reports finite smoothing parameters in their admissible ranges', () => {
    const history = syntheticSeries({ length: 60, level: 100, additive: ADDITIVE_MONTHS, noise: 2, seed: 4 });
    const p = holtWinters.fit(history, 6, 12).parameters as Record<string, number>;
    expect(p.alpha).toBeGreaterThan(0);
    expect(p.alpha).toBeLessThan(1);
    expect(p.beta).toBeLessThanOrEqual(p.alpha!);
    expect(p.gamma).toBeLessThanOrEqual(1 - p.alpha!);
    expect(p.phi).toBeGreaterThanOrEqual(0.8);
    expect(p.phi).toBeLessThanOrEqual(0.98);
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });
});
