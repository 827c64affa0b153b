import { WEEKLY_OFFSETS, syntheticSeries } from '../testing/synthetic-series';
import { cleanOutliers } from './outliers';

describe('cleanOutliers', () => {
  const weekly = syntheticSeries({ length: 70, level: 300, additive: WEEKLY_OFFSETS, noise: 3, seed: 11 });

  it('replaces a one-day collapse, inside the history or at its end, by its season’s median', () => {
    for (const t of [30, 69]) {
      const shocked = weekly.slice();
      shocked[t] = 27;
      const { cleaned, replaced } = cleanOutliers(shocked, 7);
      expect(replaced).toEqual([t]);
      expect(cleaned[t]).toBeGreaterThan(250);
      cleaned.forEach((v, s) => s !== t && expect(v).toBe(shocked[s]));
    }
  });

  it('leaves regular noise alone, and a lasting shift of the level, inside the history or in its last days', () => {
    expect(cleanOutliers(weekly, 7).replaced).toEqual([]);
    for (const at of [40, 66]) {
      const shifted = weekly.map((v, t) => (t >= at ? v + 400 : v));
      expect(cleanOutliers(shifted, 7).replaced).toEqual([]);
    }
  });

  it('cannot tell a shift in the very last value from a shock, and undoes it', () => {
    const shifted = weekly.map((v, t) => (t === 69 ? v + 400 : v));
    expect(cleanOutliers(shifted, 7).replaced).toEqual([69]);
  });

  it('does nothing to a history too short to judge or without variation', () => {
    expect(cleanOutliers([1, 2, 900, 3], 7).replaced).toEqual([]);
    expect(cleanOutliers(Array<number>(40).fill(5), 1).replaced).toEqual([]);
  });
});
