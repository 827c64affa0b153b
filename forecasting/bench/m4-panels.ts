import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseM4Csv } from '../src/series/m4-csv';

/** An M4 panel: each series' history (train) and the next `horizon` values (test). */
export interface M4Panel {
  readonly name: 'Weekly' | 'Hourly';
  readonly horizon: number;
  /** Season length the benchmarks and Provena use (M4 ran its weekly benchmarks with frequency 1). */
  readonly period: number;
  /** Season length of MASE's scale, as M4 scores the panel. */
  readonly masePeriod: number;
  readonly series: { id: string; history: number[]; future: number[] }[];
}

export const M4_PANELS = {
  Weekly: { horizon: 13, period: 1, masePeriod: 1 },
  Hourly: { horizon: 48, period: 24, masePeriod: 24 },
} as const;

/**
 * Where shared reference data lives: PROVENA_SHARED_DATA when set, else ../shared/data beside the repository root
 * (the bench runs from the root).
 */
export function sharedDataDir(): string {
  return resolve(process.env.PROVENA_SHARED_DATA ?? join(process.cwd(), '..', 'shared', 'data'));
}

function readPanelFile(dir: string, file: string) {
  const path = join(dir, 'm4', file);
  const text = existsSync(path)
    ? readFileSync(path, 'utf8')
    : gunzipSync(readFileSync(`${path}.gz`)).toString('utf8');
  return parseM4Csv(text, file);
}

/** Which series of a panel to run, and on which split. */
export interface M4Selection {
  /** Every `stride`-th series (1: all). */
  readonly stride?: number;
  /** At most this many series. */
  readonly limit?: number;
  /**
   * `test`: the official split (history = train file, future = test file). `dev`: the train file's last horizon
   * held out as the future, for developing without looking at the test file.
   */
  readonly split?: 'test' | 'dev';
}

/** Reads an M4 panel from `<shared data>/m4/<Name>-{train,test}.csv[.gz]`. */
export function readM4Panel(
  name: 'Weekly' | 'Hourly',
  selection: M4Selection = {},
  dir = sharedDataDir(),
): M4Panel {
  const train = readPanelFile(dir, `${name}-train.csv`);
  const test = readPanelFile(dir, `${name}-test.csv`);
  const { horizon, period, masePeriod } = M4_PANELS[name];
  const stride = selection.stride ?? 1;
  const series = train
    .map((s, i) => {
      const future = test[i]!;
      if (future.id !== s.id || future.values.length !== horizon) {
        throw new Error(
          `${name}: test row ${i + 1} is ${future.id} with ${future.values.length} values, expected ${s.id} with ${horizon}`,
        );
      }
      return selection.split === 'dev'
        ? { id: s.id, history: s.values.slice(0, -horizon), future: s.values.slice(-horizon) }
        : { id: s.id, history: s.values, future: future.values };
    })
    .filter((_, i) => i % stride === 0)
    .slice(0, selection.limit ?? Infinity);
  return { name, horizon, period, masePeriod, series };
}
