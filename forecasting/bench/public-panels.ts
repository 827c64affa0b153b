import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TimeSeries } from '../src/series/time-series';
import type { BacktestOptions } from '../src/evaluation/backtest';

/**
 * Real public series shipped by the `vega-datasets` npm package (a dev dependency): BLS unemployment by industry,
 * BLS employment by sector, Mauna Loa CO2, and daily departures per airport from the BTS on-time data.
 */
export interface Panel {
  readonly name: string;
  readonly source: string;
  readonly horizon: number;
  readonly series: TimeSeries[];
}

function dataDir(): string {
  // The package exports only its index (build/index.js); the data folder sits beside build/.
  return join(require.resolve('vega-datasets'), '..', '..', 'data');
}

function monthStart(date: string): string {
  return `${date.slice(0, 7)}-01`;
}

export function unemploymentByIndustry(): Panel {
  const rows = JSON.parse(readFileSync(join(dataDir(), 'unemployment-across-industries.json'), 'utf8')) as {
    series: string;
    year: number;
    month: number;
    count: number;
  }[];
  const bySeries = new Map<string, { start: string; values: number[] }>();
  for (const r of rows) {
    const entry = bySeries.get(r.series) ?? {
      start: `${r.year}-${String(r.month).padStart(2, '0')}-01`,
      values: [],
    };
    entry.values.push(r.count);
    bySeries.set(r.series, entry);
  }
  return {
    name: 'Unemployed by industry (BLS, monthly 2000-2010)',
    source: 'vega-datasets unemployment-across-industries.json',
    horizon: 12,
    series: [...bySeries].map(([id, s]) => ({ id, step: 'month', start: s.start, values: s.values })),
  };
}

export function employmentBySector(): Panel {
  const [header, ...lines] = readFileSync(join(dataDir(), 'us-employment.csv'), 'utf8').trim().split('\n');
  const columns = header!.split(',');
  const start = monthStart(lines[0]!.split(',')[0]!);
  const series: TimeSeries[] = columns
    .slice(1)
    .filter((c) => c !== 'nonfarm_change')
    .map((column) => {
      const index = columns.indexOf(column);
      return {
        id: column,
        step: 'month',
        start,
        values: lines.map((l) => Number(l.split(',')[index])),
      };
    });
  return {
    name: 'Employed by sector (BLS, monthly 2006-2015)',
    source: 'vega-datasets us-employment.csv',
    horizon: 12,
    series,
  };
}

export function co2(): Panel {
  const [, ...lines] = readFileSync(join(dataDir(), 'co2-concentration.csv'), 'utf8').trim().split('\n');
  return {
    name: 'CO2 at Mauna Loa (monthly 1958-2020)',
    source: 'vega-datasets co2-concentration.csv',
    horizon: 12,
    series: [
      {
        id: 'co2',
        step: 'month',
        start: monthStart(lines[0]!.split(',')[0]!),
        values: lines.map((l) => Number(l.split(',')[1])),
      },
    ],
  };
}

/** Daily departures of the `top` busiest airports, Jan–Jun 2001 (181 days), from 3 million flights. */
export async function departuresPerAirport(top = 20): Promise<Panel> {
  // hyparquet is an ES module; Node ≥ 20.19 loads it with require().
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parquetReadObjects } = require('hyparquet') as typeof import('hyparquet');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { compressors } = require('hyparquet-compressors') as typeof import('hyparquet-compressors');
  const buffer = readFileSync(join(dataDir(), 'flights-3m.parquet'));
  const file = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
  const rows = (await parquetReadObjects({ file, columns: ['date', 'origin'], compressors })) as {
    date: Date;
    origin: string;
  }[];
  const first = Date.UTC(2001, 0, 1);
  const days = 181;
  const counts = new Map<string, number[]>();
  let total = new Map<string, number>();
  for (const r of rows) {
    const day = Math.floor((r.date.getTime() - first) / 86_400_000);
    if (day < 0 || day >= days) continue;
    const c = counts.get(r.origin) ?? new Array<number>(days).fill(0);
    c[day]! += 1;
    counts.set(r.origin, c);
    total.set(r.origin, (total.get(r.origin) ?? 0) + 1);
  }
  total = new Map([...total].sort((a, b) => b[1] - a[1]).slice(0, top));
  return {
    name: `Daily departures per airport (BTS, top ${top}, Jan-Jun 2001)`,
    source: 'vega-datasets flights-3m.parquet',
    horizon: 14,
    series: [...total.keys()].map((id) => ({
      id,
      step: 'day',
      start: '2001-01-01',
      values: counts.get(id)!,
    })),
  };
}

/**
 * How the bench backtests a panel: test origins half a horizon apart, `requested` of them where given (as many as
 * each series allows), else 3, or 10 for a panel of long series (CO2's 741 months).
 */
export function panelBacktestOptions(panel: Panel, requested = 0): BacktestOptions {
  return {
    horizon: panel.horizon,
    testOrigins: requested || (panel.series[0]!.values.length > 400 ? 10 : 3),
    originSpacing: Math.round(panel.horizon / 2),
  };
}
