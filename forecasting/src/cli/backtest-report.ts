import { BASELINE_METHODS, PROVENA, type PanelSummary, type SeriesBacktest } from '../evaluation/backtest';
import type { Step } from '../series/time-series';

/** The methods every backtest scores, in the order the tables list them. */
export const BACKTEST_METHODS: readonly string[] = [...BASELINE_METHODS.map((m) => m.kind), PROVENA];

/** A number for a table: fixed digits, `n/a` where there is none (a MASE over a history without variation). */
export function fixed(value: number | undefined, digits = 3): string {
  return value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);
}

/** One series' backtest as Markdown: a MASE and sMAPE table per method, then Provena's choices. */
export function seriesReport(result: SeriesBacktest, step: Step, horizon: number): string[] {
  const lines = [
    `### ${result.seriesId}`,
    '',
    `${step === 'day' ? 'daily' : 'monthly'}, ${result.length} values, horizon ${horizon}, ${result.origins} test origins`,
    '',
    '| method | MASE | sMAPE % |',
    '|---|---:|---:|',
  ];
  for (const method of BACKTEST_METHODS) {
    const score = result.scores[method];
    lines.push(`| ${method} | ${fixed(score?.mase)} | ${fixed(score?.smape, 2)} |`);
  }
  const { inside, total, level } = result.coverage;
  lines.push(
    '',
    `${Math.round(100 * level)} % interval: ${inside} of ${total} test values inside (${fixed((100 * inside) / total, 1)} %)`,
    `chosen per origin: ${result.chosen.join(', ')}; fallbacks ${result.fallbacks}; ` +
      `CPU ${fixed(result.cpuSecondsPerForecast, 2)} s per forecast`,
    '',
  );
  return lines;
}

/** A panel's coverage interval in words, as the reports print it beside the measured coverage. */
export function coverageIntervalText(interval: { readonly low: number; readonly high: number }): string {
  return `95 % bootstrap interval over series and test origins ${fixed(100 * interval.low, 1)}–${fixed(100 * interval.high, 1)} %`;
}

/** A panel's summary as Markdown: mean scores per method, Provena against the baselines, the worst series, CPU. */
export function panelReport(summary: PanelSummary): string[] {
  const provena = summary.mase[PROVENA];
  const ratio = (method: string): number | undefined =>
    provena === undefined || summary.mase[method] === undefined ? undefined : provena / summary.mase[method]!;
  const worst = summary.worstRatioToSeasonalNaive;
  const lines = [
    `## Panel summary: ${summary.panel}`,
    '',
    `${summary.series} series; lower is better`,
    '',
    '| method | mean MASE | mean sMAPE % |',
    '|---|---:|---:|',
  ];
  for (const method of BACKTEST_METHODS) {
    lines.push(`| ${method} | ${fixed(summary.mase[method])} | ${fixed(summary.smape[method], 2)} |`);
  }
  lines.push(
    '',
    `- Provena / seasonal naive (mean MASE): ${fixed(ratio('seasonal-naive'))}`,
    `- Provena / Theta (mean MASE): ${fixed(ratio('theta'))}`,
    `- Provena / Comb (mean MASE): ${fixed(ratio('comb'))}`,
    `- ${Math.round(100 * summary.coverage.nominal)} % interval coverage: ${fixed(100 * summary.coverage.measured, 1)} % ` +
      `(${coverageIntervalText(summary.coverage.bootstrap95)})`,
    `- published values non-finite or outside the plausible range: ${summary.implausible}`,
    `- worst series: ${worst.seriesId ? `${worst.seriesId} at ${fixed(worst.ratio)} × seasonal naive` : 'n/a'}`,
    `- CPU per forecast: mean ${fixed(summary.meanCpuSecondsPerForecast, 2)} s, max ${fixed(summary.maxCpuSecondsPerForecast, 2)} s`,
    `- fallbacks: ${summary.fallbacks}`,
    `- chosen per origin: ${Object.entries(summary.chosen)
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .map(([kind, n]) => `${kind} ${n}`)
      .join(', ')}`,
  );
  return lines;
}

/**
 * Coverage by forecast step (`byStep[h]`: the share inside at step h + 1) in at most eight groups of consecutive
 * steps, each group the mean of its steps: "1–6 84.6 %, 7–12 82.1 %, ...".
 */
export function coverageByStepGroups(byStep: readonly number[]): string {
  const size = Math.ceil(byStep.length / 8);
  const groups: string[] = [];
  for (let from = 0; from < byStep.length; from += size) {
    const steps = byStep.slice(from, from + size);
    const to = from + steps.length;
    const label = steps.length === 1 ? `${to}` : `${from + 1}–${to}`;
    groups.push(`${label} ${fixed((100 * steps.reduce((a, b) => a + b, 0)) / steps.length, 1)} %`);
  }
  return groups.join(', ');
}
