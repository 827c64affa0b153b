import { mulberry32 } from '../maintenance/seeded-random';
import { quantile } from './intervals';

/** How many of one series' test values fell inside their prediction interval. */
export interface SeriesCoverage {
  readonly inside: number;
  readonly total: number;
}

/**
 * A percentile bootstrap interval for a panel's pooled interval coverage, resampling whole series. The test values
 * of one series share its level, noise and model, so they are not independent draws: resampling single values
 * would make the interval too narrow. Resampling series asks what the pooled coverage would be on another panel
 * of the same kind and size. Seeded, so a report reprints the same interval.
 */
export function coverageBootstrapInterval(
  series: readonly SeriesCoverage[],
  confidence = 0.95,
  resamples = 2000,
  seed = 17,
): { readonly low: number; readonly high: number } {
  if (series.length === 0) return { low: NaN, high: NaN };
  const random = mulberry32(seed);
  const pooled: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let inside = 0;
    let total = 0;
    for (let i = 0; i < series.length; i++) {
      const s = series[Math.floor(random() * series.length)]!;
      inside += s.inside;
      total += s.total;
    }
    pooled.push(total > 0 ? inside / total : NaN);
  }
  const tail = (1 - confidence) / 2;
  return { low: quantile(pooled, tail), high: quantile(pooled, 1 - tail) };
}
