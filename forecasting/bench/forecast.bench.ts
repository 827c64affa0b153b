import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { addSteps } from '../src/series/time-series';
import { backtestSeries, PROVENA, summarisePanel, type PanelSummary } from '../src/evaluation/backtest';
import { runCmapssReport } from '../src/maintenance/cmapss-report';
import { coverageByStepGroups, coverageIntervalText } from '../src/cli/backtest-report';
import { OFFICIAL, runM4Panel, type M4PanelResult } from './m4-bench';
import { readM4Panel, sharedDataDir } from './m4-panels';
import {
  co2,
  departuresPerAirport,
  employmentBySector,
  panelBacktestOptions,
  unemploymentByIndustry,
  type Panel,
} from './public-panels';

// `npm run bench:forecast [part]`, part one of m4, weekly, hourly, public, cmapss or a public panel's name part.
// Demand: the M4 weekly and hourly panels beside M4's official figures, then real public series; maintenance: the
// RUL model on NASA C-MAPSS FD001. Shared data (M4, C-MAPSS) is read from PROVENA_SHARED_DATA, default
// ../shared/data beside the repository root; FD001 falls back to the repository's copy in forecasting/test-data.
// PROVENA_M4_STRIDE=k runs every k-th M4 series (a quick look); PROVENA_M4_SPLIT=dev holds out the training
// part's last horizon instead of using the test file (for development: the official figures do not apply then).
// PROVENA_PUBLIC_TEST_ORIGINS=n tests the public panels from their last n origins instead of 3 (10 for CO2), as
// far back as each series allows: more test periods measure the intervals' coverage more precisely.
// Prints a Markdown report and writes it, with the numbers as JSON, to reports/forecast-bench.{md,json}.

const lines: string[] = [];
const out = (line = ''): void => {
  lines.push(line);
  console.log(line);
};

function fmt(v: number | undefined, digits = 3): string {
  return v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);
}

function pct(v: number): string {
  return `${v >= 0 ? '+' : ''}${(100 * v).toFixed(2)} %`;
}

function check(ok: boolean, text: string): string {
  return `- ${ok ? 'PASS' : 'FAIL'} ${text}`;
}

/** Where FD001 is read from: the shared data's cmapss/ if it holds FD001, else the repository's copy. */
function cmapssDir(): string {
  const shared = join(sharedDataDir(), 'cmapss');
  if (existsSync(join(shared, 'train_FD001.txt')) || existsSync(join(shared, 'train_FD001.txt.gz')))
    return shared;
  return resolve('forecasting', 'test-data', 'cmapss');
}

const COVERAGE_BAND = [0.77, 0.83] as const;

function reportM4(result: M4PanelResult, split: string, stride: number): void {
  const official = OFFICIAL[result.panel as 'Weekly' | 'Hourly'];
  const comparable = split === 'test' && stride === 1;
  out(
    `\n### M4 ${result.panel}: ${result.series} series${stride > 1 ? ` (every ${stride}th)` : ''}, split ${split}\n`,
  );
  out('| method | sMAPE % | MASE | OWA | official sMAPE % | official MASE | Δ sMAPE | Δ MASE |');
  out('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const [method, s] of Object.entries(result.scores)) {
    const o = official[method];
    const delta = (ours: number, theirs: number | undefined): string =>
      comparable && theirs !== undefined ? pct(ours / theirs - 1) : '';
    out(
      `| ${method} | ${fmt(s.smape)} | ${fmt(s.mase)} | ${fmt(s.owa)} | ${fmt(o?.smape)} | ${fmt(o?.mase)} | ` +
        `${delta(s.smape, o?.smape)} | ${delta(s.mase, o?.mase)} |`,
    );
  }
  for (const [method, o] of Object.entries(official)) {
    if (!result.scores[method]) out(`| ${method} | | | | ${fmt(o.smape)} | ${fmt(o.mase)} | | |`);
  }
  const p = result.scores[PROVENA]!;
  const theta = result.scores.theta!;
  const comb = result.scores.comb!;
  const snaive = result.scores['seasonal-naive']!;
  out('');
  out(
    `Provena / Theta: MASE **${fmt(p.mase / theta.mase)}**, sMAPE ${fmt(p.smape / theta.smape)}; ` +
      `Provena / Comb: MASE **${fmt(p.mase / comb.mase)}**, sMAPE ${fmt(p.smape / comb.smape)}` +
      (comparable
        ? `; against the official figures: / Theta ${fmt(p.mase / official.theta!.mase)}, / Comb ${fmt(p.mase / official.comb!.mase)}`
        : ''),
  );
  out(
    `80 % intervals cover **${fmt(100 * result.coverage.measured, 1)} %** of the ${result.series} × horizon test values; ` +
      `${result.worseThanSeasonalNaive} of ${result.series} series above seasonal naive's MASE; ` +
      `CPU per series: Provena ${fmt(result.cpuSecondsPerSeries.provena, 2)} s (max ${fmt(result.cpuSecondsPerSeries.max, 2)} s), ` +
      `all baselines together ${fmt(result.cpuSecondsPerSeries.baselines, 2)} s`,
  );
  out(
    `\nCoverage, 95 % bootstrap interval over series: ${fmt(100 * result.coverage.bootstrap95.low, 1)}–` +
      `${fmt(100 * result.coverage.bootstrap95.high, 1)} %. By forecast step: ${coverageByStepGroups(result.coverage.byStep)}`,
  );
  out('');
  if (comparable) {
    for (const method of ['naive2', 'ses', 'theta', 'comb']) {
      const s = result.scores[method]!;
      const o = official[method]!;
      const off = Math.max(Math.abs(s.smape / o.smape - 1), Math.abs(s.mase / o.mase - 1));
      out(check(off <= 0.01, `${method} reproduces M4's figures within 1 % (largest gap ${pct(off)})`));
    }
  }
  out(
    check(
      p.mase <= 0.97 * theta.mase,
      `Provena's MASE <= 0.97 × standard Theta's (${fmt(p.mase / theta.mase)})`,
    ),
  );
  out(check(p.mase <= comb.mase, `Provena's MASE <= Comb's (${fmt(p.mase / comb.mase)})`));
  out(
    check(p.mase <= snaive.mase, `not worse than seasonal naive on the panel (${fmt(p.mase / snaive.mase)})`),
  );
  out(
    check(
      result.implausible === 0,
      `every forecast finite and inside its plausibility range (${result.implausible} not)`,
    ),
  );
  out(
    check(
      result.coverage.measured >= COVERAGE_BAND[0] && result.coverage.measured <= COVERAGE_BAND[1],
      `80 % intervals cover 77-83 % (${fmt(100 * result.coverage.measured, 1)} %)`,
    ),
  );
  out(
    `\ncombinations chosen: ${Object.entries(result.chosen)
      .sort(([, a], [, b]) => b - a)
      .slice(0, 8)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}${Object.keys(result.chosen).length > 8 ? ', ...' : ''}`,
  );
}

const PUBLIC_METHODS = ['seasonal-naive', 'naive2', 'theta', 'ets', 'comb', PROVENA];

function reportPublic(summary: PanelSummary, panel: Panel): void {
  out(
    `\n### ${summary.panel}\n\n${summary.series} series, horizon ${panel.horizon}, ${summary.coverage.byOrigin.length} rolling test origins, ` +
      `source ${panel.source}\n`,
  );
  out('| method | mean MASE | mean sMAPE % |');
  out('|---|---:|---:|');
  for (const m of PUBLIC_METHODS) out(`| ${m} | ${fmt(summary.mase[m])} | ${fmt(summary.smape[m], 2)} |`);
  const p = summary.mase[PROVENA]!;
  out('');
  out(
    `Provena / seasonal naive **${fmt(p / summary.mase['seasonal-naive']!)}**, / Theta **${fmt(p / summary.mase.theta!)}**, ` +
      `/ Comb **${fmt(p / summary.mase.comb!)}**; 80 % intervals cover **${fmt(100 * summary.coverage.measured, 1)} %** ` +
      `(${coverageIntervalText(summary.coverage.bootstrap95)}); ` +
      `worst series ${summary.worstRatioToSeasonalNaive.seriesId} at ${fmt(summary.worstRatioToSeasonalNaive.ratio)} × seasonal naive; ` +
      `CPU per forecast ${fmt(summary.meanCpuSecondsPerForecast, 2)} s (max ${fmt(summary.maxCpuSecondsPerForecast, 2)} s)`,
  );
  // Every series of a public panel shares its start and length, so one date names each origin.
  const first = panel.series[0]!;
  out(
    `\nCoverage by test origin (first forecast step): ${summary.coverage.byOrigin
      .map(
        (o) =>
          `${addSteps(first.start, first.step, first.values.length - o.stepsBeforeEnd).slice(0, first.step === 'month' ? 7 : 10)} ` +
          `${fmt(100 * o.measured, 1)} %`,
      )
      .join(', ')}`,
  );
  out('');
  out(check(p <= summary.mase['seasonal-naive']!, 'not worse than seasonal naive on the panel'));
  out(
    check(
      summary.implausible === 0,
      `every forecast finite and inside its plausibility range (${summary.implausible} not)`,
    ),
  );
  out(
    check(
      summary.coverage.measured >= COVERAGE_BAND[0] && summary.coverage.measured <= COVERAGE_BAND[1],
      `80 % intervals cover 77-83 % (${fmt(100 * summary.coverage.measured, 1)} %)`,
    ),
  );
}

async function main(): Promise<void> {
  const only = process.argv[2]?.toLowerCase();
  const wants = (part: string): boolean => !only || only === part;
  const results: Record<string, unknown> = {};
  const stride = Number(process.env.PROVENA_M4_STRIDE ?? 1);
  const split = process.env.PROVENA_M4_SPLIT === 'dev' ? 'dev' : 'test';

  const m4Panels = (['Weekly', 'Hourly'] as const).filter((name) => wants('m4') || wants(name.toLowerCase()));
  if (m4Panels.length > 0) {
    out('## Demand: the M4 weekly and hourly panels');
    out(
      "\nEach series forecast once from the end of its training part and scored on the test part with M4's own " +
        'sMAPE and MASE (scale: in-sample mean absolute difference at lag 1 weekly, 24 hourly); OWA against our ' +
        "Naive 2. The baselines are M4's benchmark code (forecast 8.2 semantics) re-implemented: seasonality test " +
        "at 90 %, multiplicative classical decomposition, ETS-style SES/Holt/damped fitted by MSE with R's " +
        'Nelder-Mead, weekly with frequency 1, hourly 24; ETS is forecast::ets with AICc choice. Official figures ' +
        'from the data README. Provena also knows the longer season (52 weeks, 168 hours).',
    );
    const dir = sharedDataDir();
    for (const name of m4Panels) {
      if (
        !existsSync(join(dir, 'm4', `${name}-train.csv.gz`)) &&
        !existsSync(join(dir, 'm4', `${name}-train.csv`))
      ) {
        out(`\n### M4 ${name}: skipped, no data in ${join(dir, 'm4')} (set PROVENA_SHARED_DATA)`);
        continue;
      }
      const panel = readM4Panel(name, { stride, split });
      const result = runM4Panel(panel, (done) => {
        if (done % 50 === 0) process.stderr.write(`${name}: ${done}/${panel.series.length}\n`);
      });
      reportM4(result, split, stride);
      results[`m4-${name.toLowerCase()}`] = result;
    }
  }

  const publicParts = !only || only === 'public' || !['m4', 'weekly', 'hourly', 'cmapss'].includes(only);
  if (publicParts) {
    out('\n## Demand: real public series');
    const testOrigins = Number(process.env.PROVENA_PUBLIC_TEST_ORIGINS) || 0;
    const described = testOrigins > 0 ? `up to ${testOrigins}` : '3; 10 for the 741-month CO2 series';
    out(
      `\nRolling origins (${described}), spaced half a horizon; every method sees only the ` +
        'values before each origin, so Provena validates and combines on the training part alone. MASE is scaled ' +
        'by the in-sample seasonal naive error (lag 12 monthly, 7 daily); lower is better.',
    );
    const panels: Panel[] = [
      unemploymentByIndustry(),
      employmentBySector(),
      co2(),
      await departuresPerAirport(),
    ];
    for (const panel of panels) {
      if (only && only !== 'public' && !panel.name.toLowerCase().includes(only)) continue;
      const options = panelBacktestOptions(panel, testOrigins);
      const summary = summarisePanel(
        panel.name,
        panel.series.map((s) => backtestSeries(s, options)),
      );
      reportPublic(summary, panel);
      results[panel.name] = summary;
    }
  }

  if (wants('cmapss')) {
    const dir = cmapssDir();
    out('\n## Maintenance: remaining useful life on NASA C-MAPSS FD001\n');
    out(`data: ${dir}\n`);
    out('```');
    const cmapss = runCmapssReport(dir, { write: (line) => out(line) });
    out('```');
    const { measured } = cmapss.intervalCoverage;
    out('');
    out(check(cmapss.test.chosen.rmse <= 12.5, `RUL RMSE <= 12.5 (${fmt(cmapss.test.chosen.rmse, 2)})`));
    out(
      check(
        measured >= COVERAGE_BAND[0] && measured <= COVERAGE_BAND[1],
        `80 % RUL intervals hold 77-83 % of test engines (${fmt(100 * measured, 0)} %)`,
      ),
    );
    results.cmapss = cmapss;
  }
  mkdirSync('reports', { recursive: true });
  writeFileSync('reports/forecast-bench.md', `${lines.join('\n')}\n`);
  writeFileSync('reports/forecast-bench.json', JSON.stringify(results, null, 2));
  console.log('\nwritten: reports/forecast-bench.md, reports/forecast-bench.json');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
