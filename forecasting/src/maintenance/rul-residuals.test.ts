import { fitResidualProfile, quantileOfSorted, restoreResidualProfile } from './rul-residuals';
import { mulberry32 } from './seeded-random';

describe('fitResidualProfile', () => {
  // Predictions spread 0..120; the truth scatters around them by +-2 near 0 and by +-20 near 120.
  const next = mulberry32(9);
  const predictions = Array.from({ length: 600 }, () => next() * 120);
  const truths = predictions.map((p) => p + (next() * 2 - 1) * (2 + p / 6.6));
  const profile = fitResidualProfile(predictions, truths);

  it('gives narrow intervals where errors are small and wide ones where they are large', () => {
    const [lowNear, highNear] = profile.interval(10, 0.8);
    const [lowFar, highFar] = profile.interval(110, 0.8);
    expect(highNear - lowNear).toBeLessThan(highFar - lowFar);
    expect(lowNear).toBeGreaterThanOrEqual(0);
  });

  it('covers about the requested share of the residuals it was fitted on', () => {
    const inside = predictions.filter((p, i) => {
      const [low, high] = profile.interval(p, 0.8);
      return truths[i]! >= low && truths[i]! <= high;
    }).length;
    expect(inside / predictions.length).toBeGreaterThan(0.72);
    expect(inside / predictions.length).toBeLessThan(0.88);
  });

  it('gives a probability of at most a threshold that falls as the prediction rises', () => {
    const p = [5, 25, 30, 35, 80].map((prediction) => profile.probabilityAtMost(prediction, 30));
    expect(p[0]).toBe(1);
    expect(p[4]).toBe(0);
    expect(p[1]!).toBeGreaterThan(p[2]!);
    expect(p[2]!).toBeGreaterThan(p[3]!);
    expect(p[2]!).toBeGreaterThan(0.3);
    expect(p[2]!).toBeLessThan(0.7);
  });

  it('round-trips through JSON', () => {
    const restored = restoreResidualProfile(JSON.parse(JSON.stringify(profile.toJSON())));
    expect(restored.interval(50, 0.9)).toEqual(profile.interval(50, 0.9));
  });

  it('interpolates quantiles linearly', () => {
    expect(quantileOfSorted([0, 10, 20], 0.25)).toBe(5);
    expect(quantileOfSorted([3], 0.9)).toBe(3);
  });
});
