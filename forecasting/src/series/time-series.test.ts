import { ForecastError, ForecastErrorCode } from '../forecast-error';
import { addSteps, formatDay, parseDay, seasonPeriod, stepsBetween } from './time-series';

describe('parseDay', () => {
  it('reads YYYY-MM-DD as midnight UTC', () => {
    expect(parseDay('2001-02-28')).toBe(Date.UTC(2001, 1, 28));
    expect(formatDay(parseDay('2024-02-29'))).toBe('2024-02-29');
  });

  it.each([
    '2001-02-30',
    '2001-02-29',
    '2001-13-01',
    '2001-00-10',
    '2001-1-1',
    '2001-01-01T00:00:00Z',
    ' 2001-01-01',
    '',
  ])('refuses %j with BAD_SERIES instead of rolling it over', (text) => {
    expect(() => parseDay(text)).toThrow(ForecastError);
    expect(() => parseDay(text)).toThrow(expect.objectContaining({ code: ForecastErrorCode.BadSeries }));
  });
});

describe('addSteps', () => {
  it('counts days across a month end, a leap day and a year end', () => {
    expect(addSteps('2024-01-31', 'day', 1)).toBe('2024-02-01');
    expect(addSteps('2024-02-28', 'day', 1)).toBe('2024-02-29');
    expect(addSteps('2023-02-28', 'day', 1)).toBe('2023-03-01');
    expect(addSteps('2023-12-31', 'day', 1)).toBe('2024-01-01');
    expect(addSteps('2024-03-01', 'day', -1)).toBe('2024-02-29');
    expect(addSteps('2024-01-01', 'day', 366)).toBe('2025-01-01');
  });

  it('counts months across a year end, landing on the first of the month', () => {
    expect(addSteps('2024-01-01', 'month', 1)).toBe('2024-02-01');
    expect(addSteps('2023-11-01', 'month', 3)).toBe('2024-02-01');
    expect(addSteps('2024-01-01', 'month', -1)).toBe('2023-12-01');
    expect(addSteps('2024-01-01', 'month', 24)).toBe('2026-01-01');
    // Monthly series are dated by their first day; a month-end date does not roll into the month after next.
    expect(addSteps('2024-01-31', 'month', 1)).toBe('2024-02-01');
  });
});

describe('stepsBetween', () => {
  it('counts days and months, including across a year end, and backwards', () => {
    expect(stepsBetween('2023-12-30', '2024-01-02', 'day')).toBe(3);
    expect(stepsBetween('2024-02-28', '2024-03-01', 'day')).toBe(2);
    expect(stepsBetween('2024-01-02', '2023-12-30', 'day')).toBe(-3);
    expect(stepsBetween('2023-11-01', '2024-02-01', 'month')).toBe(3);
    expect(stepsBetween('2024-02-01', '2023-11-01', 'month')).toBe(-3);
  });

  it('is the inverse of addSteps', () => {
    for (const [start, step] of [
      ['2023-12-25', 'day'],
      ['2023-10-01', 'month'],
    ] as const) {
      for (const n of [0, 1, 7, 40, -5]) expect(stepsBetween(start, addSteps(start, step, n), step)).toBe(n);
    }
  });
});

describe('seasonPeriod', () => {
  it('is a week of days and a year of months', () => {
    expect(seasonPeriod('day')).toBe(7);
    expect(seasonPeriod('month')).toBe(12);
  });
});
