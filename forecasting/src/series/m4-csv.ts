import { ForecastError, ForecastErrorCode } from '../forecast-error';

/** One series of an M4 panel: its id (`W1`, `H1`, ...) and its values in time order. */
export interface M4Series {
  readonly id: string;
  readonly values: number[];
}

/**
 * Reads an M4 competition file (`Weekly-train.csv`, `Hourly-test.csv`, ...): a header `"V1","V2",...`, then one row
 * per series, its quoted id first, then its values, padded with empty fields to the longest series.
 *
 * @param source names the text in error messages, usually the file name.
 * @example
 * ```ts
 * const train = parseM4Csv(gunzipSync(readFileSync('Weekly-train.csv.gz')).toString('utf8'), 'Weekly-train');
 * ```
 * @throws ForecastError BAD_SERIES naming the source and line: a row without an id, a value that is not a finite
 * number, a gap (an empty field followed by a value), a series without values.
 */
export function parseM4Csv(text: string, source: string): M4Series[] {
  const lines = text.split(/\r?\n/);
  const series: M4Series[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const fields = line.split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
    const where = `${source} line ${i + 1}`;
    const id = fields[0]!;
    if (id === '') throw new ForecastError(ForecastErrorCode.BadSeries, `${where}: no series id`);
    let end = fields.length;
    while (end > 1 && fields[end - 1] === '') end--;
    const values = fields.slice(1, end).map((field, k) => {
      const value = field === '' ? NaN : Number(field);
      if (!Number.isFinite(value)) {
        throw new ForecastError(
          ForecastErrorCode.BadSeries,
          `${where}: field ${k + 2} "${field}" of ${id} is not a finite number`,
        );
      }
      return value;
    });
    if (values.length === 0)
      throw new ForecastError(ForecastErrorCode.BadSeries, `${where}: ${id} has no values`);
    series.push({ id, values });
  }
  return series;
}
