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
      const n = history.length;
      const logged = history.every((v) => v > 0);
      const z = logged ? history.map(Math.log) : history.slice();
      const seasonal = isSeasonal(z, period);
      const indices = seasonal ? seasonalIndices(z, period, 'additive') : [];
      const x = seasonal ? applySeason(z, indices, 'additive', 0, -1) : z;
      const lags = Math.max(options.minLags, options.lagSeasons * period);
      const scale = typicalChange(x);
      const window = (end: number): number[] =>
        x.slice(end - lags, end).map((v) => 0.5 + (v - x[end - 1]!) / (2 * SPREAD * scale));
      const training: { input: number[]; output: number[] }[] = [];
      for (let end = Math.max(lags, n - horizon - options.maxWindows + 1); end + horizon <= n; end++) {
        const output = x
          .slice(end, end + horizon)
          .map((v) => clamp01(0.5 + (v - x[end - 1]!) / (2 * SPREAD * scale)));
        training.push({ input: window(end).map(clamp01), output });
      }
      const last = x[n - 1]!;
      if (training.length < 8 || !(scale > 0)) {
        // Too short to learn anything: the network would be noise. Say so in the parameters; predict the last level.
        return finish(Array<number>(horizon).fill(last), { trained: false, reason: 'too few windows' });
      }
      const net = new NeuralNetwork({ hiddenLayers: [...options.hiddenLayers], activation: 'sigmoid' });
      const trainedOn = withSeededRandom(options.seed, () =>
        net.train(training, { iterations: options.iterations, errorThresh: 1e-4, learningRate: 0.2 }),
      );
      const output = Array.from(net.run(window(n).map(clamp01)) as ArrayLike<number>);
      const adjusted = output.map((o) => last + (clamp01(o) - 0.5) * 2 * SPREAD * scale);
      return finish(adjusted, {
        trained: true,
        error: trainedOn.error,
        iterations: trainedOn.iterations,
        network: net.toJSON(),
      });

      function finish(adjusted: number[], extra: Record<string, unknown>): ModelFit {
        const reseasoned = seasonal ? applySeason(adjusted, indices, 'additive', n, 1) : adjusted;
        const point = logged ? reseasoned.map(Math.exp) : reseasoned;
        return {
          kind: 'neural-lag',
          point,
          parameters: {
            ...options,
            hiddenLayers: [...options.hiddenLayers],
            logged,
            seasonal,
            indices,
            scale,
            ...extra,
          },
        };
      }
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
