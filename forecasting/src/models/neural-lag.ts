import { NeuralNetwork } from 'brain.js';
import { withSeededRandom } from '../maintenance/seeded-random';
import type { Forecaster, ModelFit } from './forecaster';
import { applySeason, isSeasonal, seasonalIndices } from './seasonality';

export interface NeuralLagOptions {
  /** Lags fed to the network, in seasons (at least `minLags` values). */
  readonly lagSeasons: number;
  readonly minLags: number;
  readonly hiddenLayers: readonly number[];
  readonly iterations: number;
  /** Only the most recent windows train the network: old regimes matter less, and CPU stays bounded. */
  readonly maxWindows: number;
  readonly seed: number;
}

export const DEFAULT_NEURAL_LAG: NeuralLagOptions = {
  lagSeasons: 2,
  minLags: 8,
  hiddenLayers: [8],
  iterations: 300,
  maxWindows: 150,
  seed: 20261123,
};

/**
 * How a change is mapped into the sigmoid's (0, 1) output: ±`SPREAD` scale units reach 0.1 and 0.9. Changes
 * beyond are clamped, which is the point: a network extrapolating outside its training range is where forecasts
 * explode.
 */
const SPREAD = 4;

/** A trained {@link neuralLag} network that can forecast from its training history or any extension of it. */
export interface NeuralLagModel {
  /** Parameters of the training: options, the preparation (log, season indices, scale) and the network. */
  readonly parameters: Record<string, unknown>;
  /**
   * Forecasts `horizon` steps after `history`, which starts where the training history started and may be longer:
   * rolling-origin validation trains once and forecasts from every later origin, without refitting.
   */
  forecast(history: readonly number[]): number[];
}

/**
 * Trains the network of {@link neuralLag} on `history` for a `horizon`-step forecast; the preparation (log,
 * season indices phased to the history's first value, scale) is fixed at training and reused for every forecast.
 */
export function trainNeuralLag(
  history: readonly number[],
  horizon: number,
  period: number,
  options: NeuralLagOptions = DEFAULT_NEURAL_LAG,
): NeuralLagModel {
  const n = history.length;
  const logged = history.every((v) => v > 0);
  const z = logged ? history.map(Math.log) : history.slice();
  const seasonal = isSeasonal(z, period);
  const indices = seasonal ? seasonalIndices(z, period, 'additive') : [];
  const lags = Math.max(options.minLags, options.lagSeasons * period);
  const prepare = (y: readonly number[]): number[] | null => {
    if (logged && !y.every((v) => v > 0)) return null;
    const zz = logged ? y.map(Math.log) : y.slice();
    return seasonal ? applySeason(zz, indices, 'additive', 0, -1) : zz;
  };
  const x = prepare(history)!;
  const scale = typicalChange(x);
  const window = (xs: readonly number[], end: number): number[] =>
    xs.slice(end - lags, end).map((v) => clamp01(0.5 + (v - xs[end - 1]!) / (2 * SPREAD * scale)));
  const training: { input: number[]; output: number[] }[] = [];
  for (let end = Math.max(lags, n - horizon - options.maxWindows + 1); end + horizon <= n; end++) {
    const output = x
      .slice(end, end + horizon)
      .map((v) => clamp01(0.5 + (v - x[end - 1]!) / (2 * SPREAD * scale)));
    training.push({ input: window(x, end), output });
  }
  const base = {
    ...options,
    hiddenLayers: [...options.hiddenLayers],
    logged,
    seasonal,
    indices,
    scale,
  };
  const finish = (adjusted: number[], length: number): number[] => {
    const reseasoned = seasonal ? applySeason(adjusted, indices, 'additive', length, 1) : adjusted;
    return logged ? reseasoned.map(Math.exp) : reseasoned;
  };
  const lastLevel = (y: readonly number[]): number[] => Array<number>(horizon).fill(y[y.length - 1]!);
  if (training.length < 8 || !(scale > 0)) {
    // Too short to learn anything: the network would be noise. Say so in the parameters; predict the last level.
    return {
      parameters: { ...base, trained: false, reason: 'too few windows' },
      forecast: (y) => {
        const xs = prepare(y);
        return xs ? finish(Array<number>(horizon).fill(xs[xs.length - 1]!), y.length) : lastLevel(y);
      },
    };
  }
  const net = new NeuralNetwork({ hiddenLayers: [...options.hiddenLayers], activation: 'sigmoid' });
  const trainedOn = withSeededRandom(options.seed, () =>
    net.train(training, { iterations: options.iterations, errorThresh: 1e-4, learningRate: 0.2 }),
  );
  return {
    parameters: {
      ...base,
      trained: true,
      error: trainedOn.error,
      iterations: trainedOn.iterations,
      network: net.toJSON(),
    },
    forecast: (y) => {
      const xs = prepare(y);
      if (!xs || xs.length < lags) return lastLevel(y);
      const last = xs[xs.length - 1]!;
      const output = Array.from(net.run(window(xs, xs.length)) as ArrayLike<number>);
      return finish(
        output.map((o) => last + (clamp01(o) - 0.5) * 2 * SPREAD * scale),
        xs.length,
      );
    },
  };
}

/**
 * A brain.js feed-forward network on lag windows, prepared the way forecasters prepare series for neural nets
 * (raw scaled data loses to seasonal naive by 1.5–4×, see FACTS.md): log transform for positive data,
 * deseasonalised when the season is significant, each window expressed as changes from its last value in units
 * of the series' typical one-step change, and all `horizon` steps predicted at once (no recursion to compound
 * errors). Outputs are clamped into the network's trained range, then transformed back.
 */
export function neuralLag(options: NeuralLagOptions = DEFAULT_NEURAL_LAG): Forecaster {
  return {
    kind: 'neural-lag',
    fit(history: readonly number[], horizon: number, period: number): ModelFit {
      const model = trainNeuralLag(history, horizon, period, options);
      return { kind: 'neural-lag', point: model.forecast(history), parameters: model.parameters };
    },
  };
}

function clamp01(v: number): number {
  return Math.min(0.98, Math.max(0.02, v));
}

/** Mean absolute one-step change: the unit in which the network sees the series. */
function typicalChange(x: readonly number[]): number {
  let sum = 0;
  for (let t = 1; t < x.length; t++) sum += Math.abs(x[t]! - x[t - 1]!);
  return x.length > 1 ? sum / (x.length - 1) : 0;
}
