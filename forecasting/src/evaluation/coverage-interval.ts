import { mulberry32 } from '../maintenance/seeded-random';
import { quantile } from './intervals';

/** How many test values fell inside their prediction interval, of how many. */
export interface CoverageCount {
  readonly inside: number;
  readonly total: number;
}

/**
 * How many of one series' test values fell inside their prediction interval; where the series was tested from
 * several origins, the same per origin (`byOrigin`, in the same order for every series of a panel).
 */
export interface SeriesCoverage extends CoverageCount {
  readonly byOrigin?: readonly CoverageCount[];
}

/**
 * A percentile bootstrap interval for a panel's pooled interval coverage, resampling whole series. The test values
 * of one series share its level, noise and model, so they are not independent draws: resampling single values
 * would make the interval too narrow. Resampling series asks what the pooled coverage would be on another panel
 * of the same kind and size. Seeded, so a report reprints the same interval.
 *
 * Where every series was tested from the same several origins, the origins are resampled too, independently of
 * the series (a two-way, "pigeonhole" bootstrap): one origin's test period is shared by every series (a recession,
 * a holiday), so the series of a panel are not independent draws either, and resampling series alone would
 * treat a panel of three test periods as if it had measured many. This errs wide rather than narrow.
 */
export function coverageBootstrapInterval(
  series: readonly SeriesCoverage[],
  confidence = 0.95,
  resamples = 2000,
  seed = 17,
): { readonly low: number; readonly high: number } {
  if (series.length === 0) return { low: NaN, high: NaN };
  const origins = series[0]!.byOrigin?.length ?? 0;
  const crossed = origins > 1 && series.every((s) => s.byOrigin?.length === origins);
  const random = mulberry32(seed);
  const pooled: number[] = [];
  const drawn: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let inside = 0;
    let total = 0;
    if (crossed) {
      drawn.length = 0;
      for (let j = 0; j < origins; j++) drawn.push(Math.floor(random() * origins));
    }
    for (let i = 0; i < series.length; i++) {
      const s = series[Math.floor(random() * series.length)]!;
      if (!crossed) {
        inside += s.inside;
        total += s.total;
        continue;
      }
      for (const o of drawn) {
        inside += s.byOrigin![o]!.inside;
        total += s.byOrigin![o]!.total;
      }
    }
    pooled.push(total > 0 ? inside / total : NaN);
  }
  const tail = (1 - confidence) / 2;
  return { low: quantile(pooled, tail), high: quantile(pooled, 1 - tail) };
}

/** One series' coverage in a rolling-origin test, per test origin keyed by how many steps before its end it lies. */
export interface SeriesCoverageByOrigin extends CoverageCount {
  readonly byOrigin: Readonly<Record<number, CoverageCount>>;
}

/**
 * A panel's pooled coverage, the same per test origin (oldest first; every series of a public panel shares its
 * start and length, so one origin is one test period for all of them), and its {@link coverageBootstrapInterval}
 * over series and those origins. A series not tested from an origin counts nothing there.
 */
export function panelCoverage(series: readonly SeriesCoverageByOrigin[]): {
  readonly measured: number;
  readonly byOrigin: readonly { readonly stepsBeforeEnd: number; readonly measured: number }[];
  readonly bootstrap95: { readonly low: number; readonly high: number };
} {
  const inside = series.reduce((a, s) => a + s.inside, 0);
  const total = series.reduce((a, s) => a + s.total, 0);
  const perOrigin = new Map<number, { inside: number; total: number }>();
  for (const s of series) {
    for (const [before, c] of Object.entries(s.byOrigin)) {
      const entry = perOrigin.get(Number(before)) ?? { inside: 0, total: 0 };
      entry.inside += c.inside;
      entry.total += c.total;
      perOrigin.set(Number(before), entry);
    }
  }
  const byOrigin = [...perOrigin]
    .sort((a, b) => b[0] - a[0])
    .map(([stepsBeforeEnd, c]) => ({ stepsBeforeEnd, measured: c.inside / c.total }));
  return {
    measured: total > 0 ? inside / total : NaN,
    byOrigin,
    bootstrap95: coverageBootstrapInterval(
      series.map((s) => ({
        inside: s.inside,
        total: s.total,
        byOrigin: byOrigin.map((o) => s.byOrigin[o.stepsBeforeEnd] ?? { inside: 0, total: 0 }),
      })),
    ),
  };
}
