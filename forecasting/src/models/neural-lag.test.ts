import { mae } from '../evaluation/metrics';
import { WEEKLY_OFFSETS, syntheticSeries } from '../testing/synthetic-series';
import { DEFAULT_NEURAL_LAG, neuralLag, trainNeuralLag } from './neural-lag';

// A weekly season under a little noise: enough windows to train on, something to learn.
const series = syntheticSeries({ length: 200, level: 60, additive: WEEKLY_OFFSETS, noise: 1, seed: 3 });
const history = series.slice(0, 186);
const future = series.slice(186);

describe('neuralLag', () => {
  const first = neuralLag().fit(history, 14, 7);

  it('gives identical forecasts and an identical network for the same seed', () => {
    const again = neuralLag().fit(history, 14, 7);
    expect(first.parameters.trained).toBe(true);
    expect(again.point).toEqual(first.point);
    expect(JSON.stringify(again.parameters.network)).toBe(JSON.stringify(first.parameters.network));
  });

  it('trains a different network from another seed', () => {
    const other = neuralLag({ ...DEFAULT_NEURAL_LAG, seed: DEFAULT_NEURAL_LAG.seed + 1 }).fit(history, 14, 7);
    expect(JSON.stringify(other.parameters.network)).not.toBe(JSON.stringify(first.parameters.network));
  });

  it('beats the naive forecast on a clean seasonal series', () => {
    const naive = Array<number>(14).fill(history[history.length - 1]!);
    expect(first.point.every(Number.isFinite)).toBe(true);
    expect(mae(future, first.point)).toBeLessThan(0.5 * mae(future, naive));
  });

  it('falls back to the last level, untrained, when the series is too short to learn from', () => {
    const fit = neuralLag().fit([3, 5, 4, 6, 5, 7, 6, 8, 7, 9], 5, 7);
    expect(fit.parameters).toMatchObject({ trained: false, reason: 'too few windows' });
    expect(fit.point).toHaveLength(5);
    fit.point.forEach((v) => expect(v).toBeCloseTo(9, 10));
  });

  it('falls back on a constant series (no change to scale by) instead of dividing by 0', () => {
    const fit = neuralLag().fit(Array<number>(60).fill(4), 7, 7);
    expect(fit.parameters.trained).toBe(false);
    fit.point.forEach((v) => expect(v).toBeCloseTo(4, 10));
  });

  it('keeps parameters JSON-clean (finite numbers only) for the model hash', () => {
    const json = JSON.stringify(first.parameters);
    expect(json).not.toMatch(/null|NaN|Infinity/);
  });
});

describe('trainNeuralLag', () => {
  it('forecasts from a later origin with the network trained at an earlier one, and from its own as neuralLag', () => {
    const model = trainNeuralLag(history.slice(0, 170), 14, 7);
    expect(model.forecast(history.slice(0, 170))).toEqual(
      neuralLag().fit(history.slice(0, 170), 14, 7).point,
    );
    const later = model.forecast(history);
    expect(later).toHaveLength(14);
    expect(mae(future, later)).toBeLessThan(
      mae(future, Array<number>(14).fill(history[history.length - 1]!)),
    );
  });
});
