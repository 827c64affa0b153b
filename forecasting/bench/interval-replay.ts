import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { coverageByStepGroups, coverageIntervalText } from '../src/cli/backtest-report';
import { backtestOrigins } from '../src/evaluation/backtest';
import { panelCoverage, type CoverageCount } from '../src/evaluation/coverage-interval';
import { intervalBounds, intervalWidths } from '../src/evaluation/intervals';
import {
  classicalMembers,
  defaultSelectionOptions,
  selectAndForecast,
  type SelectionOptions,
} from '../src/evaluation/model-selection';
import type { Forecaster } from '../src/models/forecaster';
import { seasonPeriod } from '../src/series/time-series';
import { EXTRA_PERIODS } from './m4-bench';
import { readM4Panel } from './m4-panels';
import {
  co2,
  departuresPerAirport,
  employmentBySector,
  panelBacktestOptions,
  unemploymentByIndustry,
} from './public-panels';

// `npm run bench:intervals -- record <weekly|hourly|public|public-all>` forecasts every test case of a panel once
// and keeps what its intervals were calibrated on (the validation errors and origins, the point, the actual
// future) in reports/interval-calibration-<part>.json.gz. `npm run bench:intervals -- replay [files]` re-applies
// the interval rule as it is now in src/evaluation/intervals.ts to those recordings and prints the coverage: a
// change to the rule is measured on M4 hourly in seconds instead of the half hour that refitting takes. The point
// forecasts do not depend on the rule, so the replay is exact; a change to the members or the combination needs a
// new recording. `public-all` tests the public panels from every origin (as PROVENA_PUBLIC_TEST_ORIGINS=100).

/** One forecast and what its intervals were calibrated on. */
interface Recorded {
  readonly panel: string;
  readonly series: string;
  /** Steps between the forecast origin and the end of the series (0 for M4's test file). */
  readonly before: number;
  readonly history: number[];
  readonly actual: number[];
  readonly point: number[];
  readonly errors: readonly (readonly number[])[];
  readonly origins: readonly number[];
  readonly horizon: number;
  readonly period: number;
  readonly level: number;
}

function recordOne(
  panel: string,
  series: string,
  before: number,
  history: number[],
  actual: number[],
  options: SelectionOptions,
  members?: readonly Forecaster[],
): Recorded {
  const selected = selectAndForecast(history, options, members);
  return {
    panel,
    series,
    before,
    history,
    actual,
    point: selected.point,
    errors: selected.calibration.errors,
    origins: selected.calibration.origins,
    horizon: options.horizon,
    period: options.period,
    level: options.level,
  };
}

async function record(part: string): Promise<Recorded[]> {
  const out: Recorded[] = [];
  if (part === 'weekly' || part === 'hourly') {
    const name = part === 'weekly' ? 'Weekly' : 'Hourly';
    const split = process.env.PROVENA_M4_SPLIT === 'dev' ? 'dev' : 'test';
    const panel = readM4Panel(name, { split, stride: Number(process.env.PROVENA_M4_STRIDE ?? 1) });
    const options = defaultSelectionOptions(panel.horizon, panel.period, EXTRA_PERIODS[name]);
    panel.series.forEach((s, i) => {
      out.push(recordOne(`M4 ${name} (${split})`, s.id, 0, s.history, s.future, options));
      if ((i + 1) % 50 === 0) process.stderr.write(`${name}: ${i + 1}/${panel.series.length}\n`);
    });
    return out;
  }
  if (part !== 'public' && part !== 'public-all') throw new Error(`unknown part ${part}`);
  const panels = [unemploymentByIndustry(), employmentBySector(), co2(), await departuresPerAirport()];
  for (const panel of panels) {
    for (const s of panel.series) {
      const horizon = panel.horizon;
      const period = seasonPeriod(s.step);
      const options = defaultSelectionOptions(horizon, period);
      const members = classicalMembers(period, options.extraPeriods);
      const layout = { ...panelBacktestOptions(panel, part === 'public-all' ? 100 : 0), period };
      for (const origin of backtestOrigins(s.values.length, layout)) {
        const history = s.values.slice(0, origin);
        const actual = s.values.slice(origin, origin + horizon);
        out.push(recordOne(panel.name, s.id, s.values.length - origin, history, actual, options, members));
      }
    }
    process.stderr.write(`${panel.name}: recorded\n`);
  }
  return out;
}

/** Coverage of the current rule's intervals on recorded forecasts, per panel, as the bench reports it. */
function replay(recorded: readonly Recorded[]): void {
  const panels = new Map<string, Recorded[]>();
  for (const r of recorded) {
    if (!panels.has(r.panel)) panels.set(r.panel, []);
    panels.get(r.panel)!.push(r);
  }
  for (const [panel, cases] of panels) {
    const bySeries = new Map<
      string,
      { inside: number; total: number; byOrigin: Record<number, CoverageCount> }
    >();
    const horizon = Math.max(...cases.map((c) => c.horizon));
    const insideByStep = new Array<number>(horizon).fill(0);
    const testedByStep = new Array<number>(horizon).fill(0);
    for (const c of cases) {
      const widths = intervalWidths(c.errors, c.level, c.horizon, c.history, c.period, c.origins);
      const { lower, upper } = intervalBounds(c.point, widths, c.history);
      const here = { inside: 0, total: c.actual.length };
      c.actual.forEach((a, h) => {
        testedByStep[h]!++;
        if (a >= lower[h]! && a <= upper[h]!) {
          here.inside++;
          insideByStep[h]!++;
        }
      });
      const entry = bySeries.get(c.series) ?? { inside: 0, total: 0, byOrigin: {} };
      entry.inside += here.inside;
      entry.total += here.total;
      entry.byOrigin[c.before] = here;
      bySeries.set(c.series, entry);
    }
    const coverage = panelCoverage([...bySeries.values()]);
    console.log(
      `${panel}: ${cases.length} forecasts, 80 % intervals cover ${(100 * coverage.measured).toFixed(1)} % ` +
        `(${coverageIntervalText(coverage.bootstrap95)}); by step: ` +
        coverageByStepGroups(insideByStep.map((inside, h) => inside / testedByStep[h]!)),
    );
  }
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'record' && args[0]) {
    const split = process.env.PROVENA_M4_SPLIT === 'dev' ? '-dev' : '';
    const file = args[1] ?? join('reports', `interval-calibration-${args[0]}${split}.json.gz`);
    const recorded = await record(args[0]);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, gzipSync(JSON.stringify(recorded)));
    console.log(`recorded ${recorded.length} forecasts in ${file}`);
    return;
  }
  if (command === 'replay' && args.length > 0) {
    replay(args.flatMap((f) => JSON.parse(gunzipSync(readFileSync(f)).toString('utf8')) as Recorded[]));
    return;
  }
  console.error(
    'usage: bench:intervals -- record <weekly|hourly|public|public-all> [file.json.gz] | replay <file.json.gz ...>',
  );
  process.exitCode = 2;
}

void main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
