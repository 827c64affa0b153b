import { ForecastError, ForecastErrorCode } from '../forecast-error';
import { parseSeriesCsv, type SeriesCsvOptions } from './csv-series';

const csv = (...rows: string[]): string => ['series_id,timestamp,value', ...rows].join('\n');

/** The BAD_SERIES error `text` is refused with. */
function refusal(text: string, options?: SeriesCsvOptions): ForecastError {
  try {
    parseSeriesCsv(text, 'orders.csv', options);
  } catch (err) {
    expect(err).toBeInstanceOf(ForecastError);
    expect((err as ForecastError).code).toBe(ForecastErrorCode.BadSeries);
    return err as ForecastError;
  }
  throw new Error('expected a refusal');
}

describe('parseSeriesCsv', () => {
  it('reads a daily and a monthly series, rows in any order and interleaved, in order of first appearance', () => {
    const series = parseSeriesCsv(
      csv(
        'VACCINE-X,2024-01-03,7',
        'fleet/engines,2023-12-01,1.5',
        'VACCINE-X,2024-01-01,5',
        'fleet/engines,2024-01-01,-2e1',
        'VACCINE-X,2024-01-02,0',
        'fleet/engines,2023-11-01,.25',
      ),
      'orders.csv',
    );
    expect(series).toEqual([
      { id: 'VACCINE-X', step: 'day', start: '2024-01-01', values: [5, 0, 7] },
      { id: 'fleet/engines', step: 'month', start: '2023-11-01', values: [0.25, 1.5, -20] },
    ]);
  });

  it('infers days across a month end and a year end, and months across a year end', () => {
    const [days, months] = parseSeriesCsv(
      csv('d,2023-12-31,1', 'd,2024-01-01,2', 'd,2024-01-02,3', 'm,2023-12-01,1', 'm,2024-01-01,2'),
      'x.csv',
    );
    expect(days).toMatchObject({ step: 'day', start: '2023-12-31', values: [1, 2, 3] });
    expect(months).toMatchObject({ step: 'month', start: '2023-12-01', values: [1, 2] });
  });

  it('reads days that are the first of the month and the next as daily', () => {
    expect(parseSeriesCsv(csv('d,2024-03-01,1', 'd,2024-03-02,2'), 'x.csv')[0]!.step).toBe('day');
  });

  it('accepts CRLF line ends, a byte-order mark and a final newline', () => {
    const text = `\uFEFF${csv('a,2024-01-01,1', 'a,2024-01-02,2').replace(/\n/g, '\r\n')}\r\n`;
    expect(parseSeriesCsv(text, 'x.csv')).toEqual([
      { id: 'a', step: 'day', start: '2024-01-01', values: [1, 2] },
    ]);
  });

  it('fills missing days with 0 when asked to', () => {
    const [s] = parseSeriesCsv(csv('a,2024-01-04,4', 'a,2024-01-01,1'), 'x.csv', { fillMissing: 'zero' });
    expect(s).toEqual({ id: 'a', step: 'day', start: '2024-01-01', values: [1, 0, 0, 4] });
  });

  it('refuses missing days otherwise, naming the days, the series and the line after the gap', () => {
    const err = refusal(csv('a,2024-01-01,1', 'a,2024-01-02,2', 'a,2024-01-05,5'));
    expect(err.message).toBe(
      'BAD_SERIES: orders.csv line 4, timestamp: daily series "a" has no value for 2024-01-03..2024-01-04 ' +
        '(missing days are filled with 0 only when asked to)',
    );
  });

  it('refuses a missing month, also when missing days may be filled', () => {
    const err = refusal(csv('m,2024-01-01,1', 'm,2024-03-01,3'), { fillMissing: 'zero' });
    expect(err.message).toBe(
      'BAD_SERIES: orders.csv line 3, timestamp: monthly series "m" has no value for 2024-02',
    );
  });

  it('refuses a duplicate date, naming both lines', () => {
    expect(refusal(csv('a,2024-01-01,1', 'b,2024-01-01,1', 'a,2024-01-01,2')).message).toBe(
      'BAD_SERIES: orders.csv line 4, timestamp: series "a" already has 2024-01-01 on line 2',
    );
  });

  it.each([
    [
      'a wrong header',
      'id,date,value\na,2024-01-01,1',
      'line 1, header: expected "series_id,timestamp,value"',
    ],
    ['a header with a space', 'series_id, timestamp,value\na,2024-01-01,1', 'line 1, header'],
    ['an empty text', '', 'line 1, header'],
    ['a header without rows', 'series_id,timestamp,value\n', 'line 1, header: no rows after the header'],
    ['a row with four fields', csv('a,2024-01-01,1,2'), 'line 2, row: expected 3 fields, found 4'],
    [
      'a row with two fields',
      csv('a,2024-01-01,1', 'a,2024-01-02'),
      'line 3, row: expected 3 fields, found 2',
    ],
    ['an empty row in the middle', csv('a,2024-01-01,1', '', 'a,2024-01-02,2'), 'line 3, row: empty row'],
    ['an empty series id', csv(',2024-01-01,1'), 'line 2, series_id: "" is not a series id'],
    ['a series id with a space', csv('my series,2024-01-01,1'), 'line 2, series_id'],
    [
      '2001-02-30',
      csv('a,2001-02-28,1', 'a,2001-02-30,1'),
      'line 3, timestamp: "2001-02-30" is not a date YYYY-MM-DD',
    ],
    ['an unpadded date', csv('a,2001-1-1,1'), 'line 2, timestamp: "2001-1-1" is not a date YYYY-MM-DD'],
    ['a date with a time', csv('a,2001-01-01T00:00,1'), 'line 2, timestamp'],
    ['an empty value', csv('a,2024-01-01,'), 'line 2, value: "" is not a finite number'],
    ['a word as value', csv('a,2024-01-01,seven'), 'line 2, value: "seven" is not a finite number'],
    ['NaN', csv('a,2024-01-01,NaN'), 'line 2, value'],
    ['Infinity', csv('a,2024-01-01,Infinity'), 'line 2, value'],
    ['an overflowing number', csv('a,2024-01-01,1e999'), 'line 2, value: "1e999" is not a finite number'],
    ['hexadecimal', csv('a,2024-01-01,0x10'), 'line 2, value'],
    ['a value with a space', csv('a,2024-01-01, 3'), 'line 2, value'],
    [
      'a series of one row',
      csv('a,2024-01-01,1', 'b,2024-01-01,1', 'b,2024-01-02,1'),
      'line 2, timestamp: series "a" has one row',
    ],
  ])('refuses %s, naming the source, line and field', (_name, text, expected) => {
    const err = refusal(text);
    expect(err.message.startsWith('BAD_SERIES: orders.csv ')).toBe(true);
    expect(err.message).toContain(expected);
  });
});
