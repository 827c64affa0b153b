import { MaintenanceError, MaintenanceErrorCode } from './maintenance-error';

/** Probabilities at which residual quantiles are kept: 0, 0.05, ..., 1. */
const GRID = Array.from({ length: 21 }, (_, i) => i / 20);

/** Fewest residuals a bin needs; below this a bin's tails are guesses. */
const MIN_PER_BIN = 30;

/**
 * A {@link ResidualProfile} as JSON. `edges[i]` is the upper prediction bound of bin `i` (the last bin is
 * open-ended); `quantiles[i][k]` is the residual (truth - prediction) at probability `k / 20` in bin `i`.
 */
export interface ResidualProfileJson {
  readonly edges: readonly number[];
  readonly quantiles: readonly (readonly number[])[];
}

/**
 * How far the truth falls from a prediction, learned from out-of-fold (cross-validation) predictions, never from
 * the fit itself, which would understate the spread. Residuals are kept per band of predicted value because the
 * errors are not alike: a unit predicted to fail in 10 cycles is rarely 40 cycles off, one predicted at 100 often is.
 */
export interface ResidualProfile {
  /** The central `coverage` interval of the truth around `prediction`, clamped to >= 0. */
  interval(prediction: number, coverage: number): [number, number];
  /** Probability that the truth is at most `threshold`, read off the residual distribution. */
  probabilityAtMost(prediction: number, threshold: number): number;
  toJSON(): ResidualProfileJson;
}

/**
 * Learns a {@link ResidualProfile} from paired out-of-fold predictions and truths, with up to `bins` bands of
 * predicted value of equal count, fewer when there are too few residuals to fill them.
 * @throws {@link MaintenanceError} MAINTENANCE_INVALID_INPUT when there are no pairs or their counts differ.
 */
export function fitResidualProfile(
  predictions: readonly number[],
  truths: readonly number[],
  bins = 3,
): ResidualProfile {
  if (predictions.length === 0 || predictions.length !== truths.length) {
    throw new MaintenanceError(
      MaintenanceErrorCode.InvalidInput,
      `residuals: ${predictions.length} predictions for ${truths.length} truths`,
    );
  }
  const pairs = predictions.map((p, i) => ({ p, r: truths[i]! - p })).sort((a, b) => a.p - b.p);
  const count = Math.max(1, Math.min(bins, Math.floor(pairs.length / MIN_PER_BIN)));
  const edges: number[] = [];
  const quantiles: number[][] = [];
  for (let b = 0; b < count; b += 1) {
    const slice = pairs.slice(
      Math.floor((b * pairs.length) / count),
      Math.floor(((b + 1) * pairs.length) / count),
    );
    if (b < count - 1) edges.push(slice.at(-1)?.p ?? 0);
    const residuals = slice.map((pair) => pair.r).sort((x, y) => x - y);
    quantiles.push(GRID.map((q) => quantileOfSorted(residuals, q)));
  }
  return restoreResidualProfile({ edges, quantiles });
}

/**
 * Rebuilds a {@link ResidualProfile} from JSON.
 * @throws {@link MaintenanceError} MAINTENANCE_MODEL_INVALID on a shape mismatch or non-finite value.
 */
export function restoreResidualProfile(json: ResidualProfileJson): ResidualProfile {
  const edges = [...json.edges];
  const quantiles = json.quantiles.map((row) => [...row]);
  if (
    quantiles.length !== edges.length + 1 ||
    !quantiles.every((row) => row.length === GRID.length && row.every(Number.isFinite)) ||
    !edges.every(Number.isFinite)
  ) {
    throw new MaintenanceError(MaintenanceErrorCode.ModelInvalid, 'residual profile: bad edges or quantiles');
  }
  const band = (prediction: number): number[] => {
    const index = edges.findIndex((edge) => prediction <= edge);
    return quantiles[index < 0 ? quantiles.length - 1 : index]!;
  };
  return {
    interval(prediction, coverage) {
      const q = band(prediction);
      const low = Math.max(0, prediction + quantileOfGrid(q, (1 - coverage) / 2));
      const high = Math.max(low, prediction + quantileOfGrid(q, (1 + coverage) / 2));
      return [low, high];
    },
    probabilityAtMost(prediction, threshold) {
      return cdfOfGrid(band(prediction), threshold - prediction);
    },
    toJSON: () => ({ edges: [...edges], quantiles: quantiles.map((row) => [...row]) }),
  };
}

/** Linear-interpolation quantile of ascending `sorted` at probability `q`. */
export function quantileOfSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const position = Math.min(1, Math.max(0, q)) * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(sorted.length - 1, lower + 1);
  return sorted[lower]! + (position - lower) * (sorted[upper]! - sorted[lower]!);
}

function quantileOfGrid(grid: readonly number[], q: number): number {
  return quantileOfSorted(grid, q);
}

/** Inverse of {@link quantileOfGrid}: the probability at which the grid's quantile function reaches `x`. */
function cdfOfGrid(grid: readonly number[], x: number): number {
  if (x < grid[0]!) return 0;
  if (x >= grid.at(-1)!) return 1;
  for (let k = 1; k < grid.length; k += 1) {
    const upper = grid[k]!;
    if (x < upper) {
      const lower = grid[k - 1]!;
      const within = upper > lower ? (x - lower) / (upper - lower) : 1;
      return (k - 1 + within) / (grid.length - 1);
    }
  }
  return 1;
}
