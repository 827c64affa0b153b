const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;
const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2}))?$/;

export const DAY_MS = UNIT_MS.d;
export const HOUR_MS = UNIT_MS.h;

/**
 * Milliseconds of a duration such as `90s`, `15m`, `36h`, `7d`, `2w` or a sum of them (`1d6h`, `9m50s`);
 * undefined when the text is not one.
 */
export function parseDuration(text: string): number | undefined {
  if (text.length === 0) return undefined;
  let total = 0;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < text.length) {
    const match = DURATION_PART.exec(text);
    if (!match) return undefined;
    total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  }
  return Math.round(total);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Unix milliseconds of an ISO 8601 instant with a zone (`2026-03-02T06:00:00Z`, `...+01:00`) or a UTC date
 * (`2026-03-02`). Parsed by hand because `Date.parse` quietly rolls 30 February over into March.
 */
export function parseIsoInstant(text: string): number | undefined {
  const m = ISO_INSTANT.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (m[4] !== undefined && m[8] === undefined) return undefined;
  const hour = Number(m[4] ?? 0);
  const minute = Number(m[5] ?? 0);
  const second = Number(m[6] ?? 0);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = Number((m[7] ?? '0').padEnd(3, '0'));
  let offsetMs = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const [oh, om] = zone.slice(1).split(':').map(Number) as [number, number];
    if (oh > 23 || om > 59) return undefined;
    offsetMs = sign * (oh * 60 + om) * 60_000;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMs;
}

/**
 * An instant in a scenario: absolute ISO 8601 ({@link parseIsoInstant}) or `+<duration>` after the scenario's
 * start, which keeps a scenario valid when its start moves.
 */
export function parseInstant(text: string, startMs: number | undefined): number | undefined {
  if (text.startsWith('+')) {
    const offset = parseDuration(text.slice(1));
    return offset === undefined || startMs === undefined ? undefined : startMs + offset;
  }
  return parseIsoInstant(text);
}

/** `2026-03-02T06:00:00Z` for display: seconds precision, milliseconds only when present. */
export function formatInstant(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/** `2026-03-02` (UTC). */
export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `3d 4h`, `12m 5s`, `850ms`: two most significant units, for summaries and ETAs. */
export function formatDuration(ms: number): string {
  if (Math.round(ms) < 1000) return `${Math.round(ms)}ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, seconds] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= seconds) {
      parts.push(`${Math.floor(rest / seconds)}${unit}`);
      rest %= seconds;
    }
  }
  return parts.slice(0, 2).join(' ');
}
