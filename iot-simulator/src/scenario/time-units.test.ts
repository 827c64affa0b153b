import { formatDuration, formatInstant, parseDuration, parseInstant, parseIsoInstant } from './time-units';

describe('time units', () => {
  it('parses durations, including sums of units', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1d6h')).toBe(30 * 3_600_000);
    expect(parseDuration('9m50s')).toBe(590_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    for (const bad of ['', '7', '7 days', 'd7', '1h 30m', '-1h']) expect(parseDuration(bad)).toBeUndefined();
  });

  it('parses ISO instants with zones and dates, and refuses impossible ones', () => {
    expect(parseIsoInstant('2026-03-02T06:00:00Z')).toBe(Date.UTC(2026, 2, 2, 6));
    expect(parseIsoInstant('2026-03-02T07:00:00+01:00')).toBe(Date.UTC(2026, 2, 2, 6));
    expect(parseIsoInstant('2026-03-02T06:00:00.5Z')).toBe(Date.UTC(2026, 2, 2, 6, 0, 0, 500));
    expect(parseIsoInstant('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    for (const bad of [
      '2026-02-30T00:00:00Z',
      '2025-02-29',
      '2026-03-02T06:00:00',
      '2026-03-02T24:00:00Z',
      'tomorrow',
    ]) {
      expect(parseIsoInstant(bad)).toBeUndefined();
    }
  });

  it('resolves +durations against the start', () => {
    expect(parseInstant('+1d', 1000)).toBe(1000 + 86_400_000);
    expect(parseInstant('+1d', undefined)).toBeUndefined();
  });

  it('formats for people', () => {
    expect(formatInstant(Date.UTC(2026, 2, 2, 6))).toBe('2026-03-02T06:00:00Z');
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000 + 5000)).toBe('3d 4h');
    expect(formatDuration(65_000)).toBe('1m 5s');
    expect(formatDuration(850)).toBe('850ms');
  });
});
