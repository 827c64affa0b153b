import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { backtestSeries, PROVENA, summarisePanel, type PanelSummary } from '../src/evaluation/backtest';
import { runCmapssReport } from '../src/maintenance/cmapss-report';
import {
  co2,
  departuresPerAirport,
  employmentBySector,
  unemploymentByIndustry,
  type Panel,
} from './public-panels';

// `npm run bench:forecast [panel-name-part]`: demand accuracy on real public series, then the maintenance model on
// NASA C-MAPSS FD001 (read from PROVENA_SHARED_DATA, default ../shared/data beside the repository root, else the
// repository's gzipped copy in forecasting/test-data). Prints a Markdown report and writes it, with the numbers as
// JSON, to reports/forecast-bench.{md,json}.

const METHODS = ['seasonal-naive', 'holt-winters', 'theta', PROVENA];
const lines: string[] = [];
const out = (line = ''): void => {
  lines.push(line);
  console.log(line);
};

/**
 * Where FD001 is read from: PROVENA_SHARED_DATA/cmapss when set (a wrong path is then an error, not a quiet
 * fallback); otherwise ../shared/data/cmapss if it holds FD001, else the copy committed in forecasting/test-data.
 */
function cmapssDir(): string {
  const configured = process.env.PROVENA_SHARED_DATA;
  if (configured !== undefined) return join(resolve(configured), 'cmapss');
  const beside = join(process.cwd(), '..', 'shared', 'data', 'cmapss');
  if (existsSync(join(beside, 'train_FD001.txt')) || existsSync(join(beside, 'train_FD001.txt.gz')))
    return beside;
  return join(process.cwd(), 'forecasting', 'test-data', 'cmapss');
}

function fmt(v: number | undefined, digits = 3): string {
  return v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);
}

function report(summary: PanelSummary, panel: Panel): void {
  out(
    `\n### ${summary.panel}\n\n${summary.series} series, horizon ${panel.horizon}, source ${panel.source}\n`,
  );
  out('| method | mean MASE | mean sMAPE % |');
  out('|---|---|---|');
  for (const m of METHODS) out(`| ${m} | ${fmt(summary.mase[m])} | ${fmt(summary.smape[m], 2)} |`);
  const p = summary.mase[PROVENA]!;
  out(
    `\nProvena / seasonal naive **${fmt(p / summary.mase['seasonal-naive']!)}** (target <= 0.90); ` +
      `Provena / Theta **${fmt(p / summary.mase.theta!)}** (target <= 1.05); ` +
      `worst series ${summary.worstRatioToSeasonalNaive.seriesId} at ${fmt(summary.worstRatioToSeasonalNaive.ratio)} x seasonal naive (target < 3); ` +
      `max CPU ${fmt(summary.maxCpuSecondsPerForecast, 2)} s per series forecast (target <= 3); fallbacks ${summary.fallbacks}`,
  );
  out(
    `\nchosen per origin: ${Object.entries(summary.chosen)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
}

async function main(): Promise<void> {
  const only = process.argv[2]?.toLowerCase();
  const results: Record<string, unknown> = {};
  out('## Demand forecasting on real public series');
  out(
    '\nRolling origins (3; 10 for the 741-month CO2 series), spaced half a horizon; every method sees only the',
  );
  out(
    'values before each origin, so Provena selects its model on the training part alone. MASE is scaled by the',
  );
  out('in-sample seasonal naive error (lag 12 monthly, 7 daily); lower is better.');
  const panels: Panel[] = [
    unemploymentByIndustry(),
    employmentBySector(),
    co2(),
    await departuresPerAirport(),
  ];
  for (const panel of panels) {
    if (only && only !== 'cmapss' && !panel.name.toLowerCase().includes(only)) continue;
    if (only === 'cmapss') continue;
    const origins = panel.series[0]!.values.length > 400 ? 10 : 3;
    const summary = summarisePanel(
      panel.name,
      panel.series.map((s) =>
        backtestSeries(s, {
          horizon: panel.horizon,
          testOrigins: origins,
          originSpacing: Math.round(panel.horizon / 2),
        }),
      ),
    );
    report(summary, panel);
    results[panel.name] = summary;
  }
  if (!only || only === 'cmapss') {
    const dir = cmapssDir();
    out('\n## Maintenance: remaining useful life on NASA C-MAPSS FD001\n');
    out(`data: ${dir}\n`);
    out('```');
    const cmapss = runCmapssReport(dir, { write: (line) => out(line) });
    out('```');
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
