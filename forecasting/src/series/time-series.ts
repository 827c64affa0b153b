import { ForecastError, ForecastErrorCode } from '../forecast-error';

/** How far apart two values of a series are. */
export type Step = 'day' | 'month';

/**
 * A regular series: one value per step from `start`, gaps already filled (a day without orders is a 0, not a
 * missing value: demand series count events).
 */
export interface TimeSeries {
  readonly id: string;
  readonly step: Step;
  /** The first value's date, `YYYY-MM-DD` (the first of the month for monthly series). */
  readonly start: string;
  readonly values: readonly number[];
}

/** The season length a step implies: a week of days, a year of months. */
export function seasonPeriod(step: Step): number {
  return step === 'day' ? 7 : 12;
}

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses `YYYY-MM-DD` as a UTC day, refusing dates like 2001-02-30 that `Date` would roll over. */
export function parseDay(text: string): number {
  const m = DATE.exec(text);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(ms) || formatDay(ms) !== text) {
    throw new ForecastError(ForecastErrorCode.BadSeries, `"${text}" is not a date YYYY-MM-DD`);
  }
  return ms;
}

export function formatDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The date `n` steps after `start`. */
export function addSteps(start: string, step: Step, n: number): string {
  const ms = parseDay(start);
  if (step === 'day') return formatDay(ms + n * DAY_MS);
  const d = new Date(ms);
  return formatDay(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1));
}

/** Steps from `from` to `to` (both on the step's grid). */
export function stepsBetween(from: string, to: string, step: Step): number {
  const a = parseDay(from);
  const b = parseDay(to);
  if (step === 'day') return Math.round((b - a) / DAY_MS);
  const da = new Date(a);
  const db = new Date(b);
  return (db.getUTCFullYear() - da.getUTCFullYear()) * 12 + db.getUTCMonth() - da.getUTCMonth();
}
