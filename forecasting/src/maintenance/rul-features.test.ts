import { isMaintenanceError, MaintenanceErrorCode } from './maintenance-error';
import {
  fitFeatureScaler,
  recentSlopes,
  restoreFeatureScaler,
  rulFeatureNames,
  rulFeatures,
  rulFeatureSeries,
} from './rul-features';

/** Channel 0 rises by 0.25 a cycle from 5; channel 1 is constant at 10. */
const linear = Array.from({ length: 50 }, (_, i) => [5 + 0.25 * i, 10]);

describe('rulFeatures', () => {
  it('gives the slope, window mean and smoothed level of a known linear channel', () => {
    const f = rulFeatures(linear, { window: 30 });
    expect(rulFeatureNames(['a', 'b'])).toEqual([
      'a.mean',
      'a.slope',
      'a.smoothed',
      'b.mean',
      'b.slope',
      'b.smoothed',
      'cycles',
    ]);
    expect(f).toHaveLength(7);
    expect(f[1]).toBeCloseTo(0.25, 12);
    // Rows 20..49 of 5 + 0.25 i: mean at i = 34.5.
    expect(f[0]).toBeCloseTo(5 + 0.25 * 34.5, 12);
    // An exponential smoother lags a ramp by slope * (1 - a) / a once warmed up: 0.25 * 9 behind the last value.
    expect(f[2]).toBeCloseTo(5 + 0.25 * 49 - 0.25 * 9, 1);
    expect(f.slice(3, 6)).toEqual([10, 0, 10]);
    expect(f[6]).toBe(50);
  });

  it('uses what exists when the history is shorter than the window, and a slope of 0 for one row', () => {
    const short = rulFeatures(linear.slice(0, 4), { window: 30 });
    expect(short[0]).toBeCloseTo(5 + 0.25 * 1.5, 12);
    expect(short[1]).toBeCloseTo(0.25, 12);
    expect(rulFeatures([[7, 1]])).toEqual([7, 0, 7, 1, 0, 1, 1]);
  });

  it('matches rulFeatures at every length when computed as a series', () => {
    const series = rulFeatureSeries(linear, { window: 10 }, [1, 9, 50]);
    expect(series[0]).toEqual(rulFeatures(linear.slice(0, 1), { window: 10 }));
    expect(series[1]).toEqual(rulFeatures(linear.slice(0, 9), { window: 10 }));
    expect(series[2]).toEqual(rulFeatures(linear, { window: 10 }));
  });

  it('reports the recent slope per channel in the channel units', () => {
    const slopes = recentSlopes(linear, { window: 30 });
    expect(slopes[0]).toBeCloseTo(0.25, 12);
    expect(slopes[1]).toBe(0);
  });

  it('rejects an empty history and a window below 2', () => {
    expect(() => rulFeatures([])).toThrow(/at least one row/);
    try {
      rulFeatures(linear, { window: 1 });
      throw new Error('expected a throw');
    } catch (error) {
      expect(isMaintenanceError(error, MaintenanceErrorCode.InvalidInput)).toBe(true);
    }
  });
});

describe('FeatureScaler', () => {
  const rows = [
    [1, 100, 3],
    [3, 300, 3],
    [5, 500, 3],
  ];

  it('standardises with training statistics and maps a constant feature to 0', () => {
    const scaler = fitFeatureScaler(rows);
    const z = rows.map((row) => scaler.transform(row));
    [-Math.sqrt(1.5), 0, Math.sqrt(1.5)].forEach((expected, i) => expect(z[i]![0]).toBeCloseTo(expected, 12));
    expect(z.map((row) => row[2])).toEqual([0, 0, 0]);
    // A new row is scaled with the training statistics, not its own.
    expect(scaler.transform([7, 700, 9])[0]).toBeCloseTo(4 / Math.sqrt(8 / 3), 12);
  });

  it('round-trips through JSON', () => {
    const scaler = fitFeatureScaler(rows);
    const restored = restoreFeatureScaler(JSON.parse(JSON.stringify(scaler.toJSON())));
    expect(restored.transform([2, 250, 4])).toEqual(scaler.transform([2, 250, 4]));
  });

  it('refuses a row of the wrong width', () => {
    expect(() => fitFeatureScaler(rows).transform([1, 2])).toThrow(/expects 3 features/);
  });
});
