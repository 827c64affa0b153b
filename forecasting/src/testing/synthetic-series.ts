import { mulberry32 } from '../maintenance/seeded-random';

/** Options of {@link syntheticSeries}; every part defaults to absent. */
export interface SyntheticSeriesOptions {
  readonly length: number;
  readonly level?: number;
  /** Added per step. */
  readonly slope?: number;
  /** One season of additive offsets (`value = line + season`) ... */
  readonly additive?: readonly number[];
  /** ... or of factors (`value = line × season`). */
  readonly multiplicative?: readonly number[];
  /** Standard deviation of Gaussian noise added last. */
  readonly noise?: number;
  readonly seed?: number;
}

/**
 * A series with a known truth: `level + slope·t`, times or plus a repeating season, plus seeded Gaussian noise.
 * Asking for more than `length` values and slicing gives the history and the future of one and the same series.
 */
export function syntheticSeries({
  length,
  level = 100,
  slope = 0,
  additive,
  multiplicative,
  noise = 0,
  seed = 1,
}: SyntheticSeriesOptions): number[] {
  const random = mulberry32(seed);
  const gaussian = (): number => {
    const u = Math.max(random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  return Array.from({ length }, (_, t) => {
    const line = level + slope * t;
    const seasonal = multiplicative
      ? line * multiplicative[t % multiplicative.length]!
      : line + (additive ? additive[t % additive.length]! : 0);
    return noise > 0 ? seasonal + noise * gaussian() : seasonal;
  });
}

/** A weekly pattern of daily orders: quiet Sunday, busy Friday. */
export const WEEKLY_OFFSETS: readonly number[] = [-8, 2, 1, 3, 10, 20, -28];
/** A monthly pattern of factors, mean 1. */
export const MONTHLY_FACTORS: readonly number[] = [
  1.1, 0.9, 1.2, 1.0, 0.8, 1.05, 0.95, 1.15, 0.85, 1.0, 0.92, 1.08,
];
