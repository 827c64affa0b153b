import { backtestSeries, PROVENA, summarisePanel, type PanelSummary } from '../src/evaluation/backtest';
import {
  co2,
  departuresPerAirport,
  employmentBySector,
  unemploymentByIndustry,
  type Panel,
} from './public-panels';

const METHODS = ['seasonal-naive', 'holt-winters', 'theta', PROVENA];

function fmt(v: number | undefined, digits = 3): string {
  return v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);
}

function report(summary: PanelSummary, panel: Panel): void {
  console.log(
    `\n### ${summary.panel}\n${summary.series} series, horizon ${panel.horizon}, source ${panel.source}\n`,
  );
  console.log(`| method | mean MASE | mean sMAPE % |\n|---|---|---|`);
  for (const m of METHODS) console.log(`| ${m} | ${fmt(summary.mase[m])} | ${fmt(summary.smape[m], 2)} |`);
  const sn = summary.mase['seasonal-naive']!;
  const th = summary.mase.theta!;
  const p = summary.mase[PROVENA]!;
  console.log(
    `\nProvena / seasonal naive ${fmt(p / sn)} (target <= 0.90), Provena / Theta ${fmt(p / th)} (target <= 1.05), ` +
      `worst series ${summary.worstRatioToSeasonalNaive.seriesId} at ${fmt(summary.worstRatioToSeasonalNaive.ratio)} x seasonal naive (target < 3), ` +
      `max CPU ${fmt(summary.maxCpuSecondsPerSeries, 2)} s per series (target <= 3), fallbacks ${summary.fallbacks}`,
  );
  console.log(
    `chosen: ${Object.entries(summary.chosen)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
}

async function main(): Promise<void> {
  const only = process.argv[2];
  const panels: Panel[] = [
    unemploymentByIndustry(),
    employmentBySector(),
    co2(),
    await departuresPerAirport(),
  ];
  console.log(
    '## Demand forecasting on real public series (rolling origins, MASE and sMAPE, lower is better)',
  );
  for (const panel of panels) {
    if (only && !panel.name.toLowerCase().includes(only.toLowerCase())) continue;
    const origins = panel.series[0]!.values.length > 400 ? 10 : 3;
    const results = panel.series.map((s) =>
      backtestSeries(s, {
        horizon: panel.horizon,
        testOrigins: origins,
        originSpacing: Math.round(panel.horizon / 2),
      }),
    );
    report(summarisePanel(panel.name, results), panel);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
