import { SERIES_ID_PATTERN } from '@provena/wire';
import { ForecastError, ForecastErrorCode } from '../forecast-error';
import { addSteps, formatDay, parseDay, stepsBetween, type Step, type TimeSeries } from './time-series';

/** The one header a series file may have. */
export const SERIES_CSV_HEADER = 'series_id,timestamp,value';

/** Options of {@link parseSeriesCsv}. */
export interface SeriesCsvOptions {
  /**
   * `'zero'`: a day missing inside a daily series is a day without orders, a 0. Without it a missing day is refused,
   * because a file that lost rows and a shop that sold nothing look the same.
   */
  readonly fillMissing?: 'zero';
}

interface Row {
  readonly line: number;
  readonly day: string;
  readonly ms: number;
  readonly value: number;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Reads series from CSV text: the header `series_id,timestamp,value`, then one row per value, `timestamp` a day
 * `YYYY-MM-DD`, `value` a finite decimal number. No quoting: a field holds no comma. Rows of one series may come in
 * any order and interleaved with other series'; series come back in the order of their first row. Each series'
 * step is inferred: every date the first of a month, consecutive months → `'month'`; otherwise days one apart →
 * `'day'` (missing days only with `fillMissing: 'zero'`). CRLF line ends and a final newline are accepted.
 *
 * @param source names the text in error messages, usually the file name.
 * @example
 * ```ts
 * const [orders] = parseSeriesCsv(readFileSync('orders.csv', 'utf8'), 'orders.csv', { fillMissing: 'zero' });
 * ```
 * @throws ForecastError BAD_SERIES whose message names the source, the line and the field: a wrong header, a row
 * without three fields, a series id outside `SERIES_ID_PATTERN`, a date that does not exist, a value that is not a
 * finite number, a duplicate date, a gap in a series, a series of one row (no step to infer), no rows at all.
 */
export function parseSeriesCsv(text: string, source: string, options: SeriesCsvOptions = {}): TimeSeries[] {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  while (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const fail = (line: number, field: string, problem: string): never => {
    throw new ForecastError(ForecastErrorCode.BadSeries, `${source} line ${line}, ${field}: ${problem}`);
  };
  if (lines[0] !== SERIES_CSV_HEADER) {
    fail(1, 'header', `expected "${SERIES_CSV_HEADER}", found "${truncate(lines[0] ?? '')}"`);
  }
  if (lines.length < 2) fail(1, 'header', 'no rows after the header');

  const bySeries = new Map<string, Row[]>();
  lines.slice(1).forEach((text, i) => {
    const line = i + 2;
    if (text === '') fail(line, 'row', 'empty row');
    const fields = text.split(',');
    if (fields.length !== 3) fail(line, 'row', `expected 3 fields, found ${fields.length}`);
    const [id, day, raw] = fields as [string, string, string];
    if (!SERIES_ID_PATTERN.test(id)) {
      fail(line, 'series_id', `"${truncate(id)}" is not a series id (${SERIES_ID_PATTERN.source})`);
    }
    let ms = NaN;
    try {
      ms = parseDay(day);
    } catch {
      fail(line, 'timestamp', `"${truncate(day)}" is not a date YYYY-MM-DD`);
    }
    const value = NUMBER.test(raw) ? Number(raw) : NaN;
    if (!Number.isFinite(value)) fail(line, 'value', `"${truncate(raw)}" is not a finite number`);
    const rows = bySeries.get(id) ?? [];
    rows.push({ line, day, ms, value });
    bySeries.set(id, rows);
  });

  return [...bySeries].map(([id, rows]) => toSeries(id, rows, options, fail));
}

function toSeries(
  id: string,
  unsorted: readonly Row[],
  options: SeriesCsvOptions,
  fail: (line: number, field: string, problem: string) => never,
): TimeSeries {
  const rows = [...unsorted].sort((a, b) => a.ms - b.ms || a.line - b.line);
  for (let i = 1; i < rows.length; i++) {
    const [a, b] = [rows[i - 1]!, rows[i]!];
    if (a.ms === b.ms) fail(b.line, 'timestamp', `series "${id}" already has ${b.day} on line ${a.line}`);
  }
  if (rows.length < 2) {
    fail(
      rows[0]!.line,
      'timestamp',
      `series "${id}" has one row: its step (day or month) cannot be inferred`,
    );
  }
  const first = rows[0]!;
  // Every date a first of the month: monthly. Consecutive days cannot all be firsts, so no complete daily series is.
  const step: Step = rows.every((r) => r.day.endsWith('-01')) ? 'month' : 'day';
  const label = (day: string): string => (step === 'month' ? day.slice(0, 7) : day);
  const values: number[] = [first.value];
  for (let i = 1; i < rows.length; i++) {
    const [a, b] = [rows[i - 1]!, rows[i]!];
    const gap = stepsBetween(a.day, b.day, step);
    if (gap > 1) {
      const missing = `${label(addSteps(a.day, step, 1))}${gap > 2 ? `..${label(addSteps(a.day, step, gap - 1))}` : ''}`;
      if (step === 'month') fail(b.line, 'timestamp', `monthly series "${id}" has no value for ${missing}`);
      if (options.fillMissing !== 'zero') {
        fail(
          b.line,
          'timestamp',
          `daily series "${id}" has no value for ${missing} (missing days are filled with 0 only when asked to)`,
        );
      }
      for (let k = 1; k < gap; k++) values.push(0);
    }
    values.push(b.value);
  }
  return { id, step, start: formatDay(first.ms), values };
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
