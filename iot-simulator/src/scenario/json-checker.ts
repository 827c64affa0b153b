import { ID_PATTERN, Limits } from '@provena/wire';
import type { ScenarioIssue } from '../errors';
import { parseDuration, parseInstant } from './time-units';

export type JsonObject = { [key: string]: unknown };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short rendering of a bad value for messages: enough to recognise it, never a whole subtree. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (isJsonObject(value)) return 'an object';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/**
 * Collects every problem instead of stopping at the first: a scenario author fixes a file in one pass when
 * told everything that is wrong with it.
 */
export class IssueCollector {
  readonly issues: ScenarioIssue[] = [];

  add(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  /** Reads `value` as an object with only the `allowed` keys (or any key); undefined (and an issue) otherwise. */
  fields(value: unknown, path: string, allowed: readonly string[] | 'any'): Fields | undefined {
    if (!isJsonObject(value)) {
      this.add(path, `must be an object, got ${describeValue(value)}`);
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (allowed !== 'any' && !allowed.includes(key)) {
        this.add(`${path}.${key}`, `is not a known field (known here: ${allowed.join(', ')})`);
      }
    }
    return new Fields(this, value, path);
  }

  /**
   * Reads an instant: ISO 8601 with a zone, a UTC date, or `+<duration>` after the scenario start. When the
   * start itself is invalid, relative instants cannot be resolved; that is already reported, so stay quiet.
   */
  instant(value: unknown, path: string, startMs: number | undefined): number | undefined {
    if (typeof value === 'string' && value.startsWith('+') && startMs === undefined) {
      if (parseDuration(value.slice(1)) !== undefined) return undefined;
    }
    const ms = typeof value === 'string' ? parseInstant(value, startMs) : undefined;
    if (ms === undefined) {
      this.add(
        path,
        `must be an ISO 8601 instant with a zone ("2026-03-02T06:00:00Z"), a date or "+<duration>", got ${describeValue(value)}`,
      );
    }
    return ms;
  }
}

interface NumberRule {
  min?: number;
  max?: number;
  /** Strictly greater than. */
  above?: number;
  integer?: boolean;
}

function describeRule(rule: NumberRule): string {
  const what = rule.integer ? 'an integer' : 'a number';
  if (rule.min !== undefined && rule.max !== undefined) return `${what} from ${rule.min} to ${rule.max}`;
  const parts = [what];
  if (rule.above !== undefined) parts.push(`above ${rule.above}`);
  if (rule.min !== undefined) parts.push(`≥ ${rule.min}`);
  if (rule.max !== undefined) parts.push(`${rule.above !== undefined ? 'and ' : ''}≤ ${rule.max}`);
  return parts.join(' ');
}

/** Typed readers over one JSON object; each records an issue naming the field's path when the value is wrong. */
export class Fields {
  constructor(
    private readonly collector: IssueCollector,
    readonly value: JsonObject,
    readonly path: string,
  ) {}

  at(key: string): string {
    return `${this.path}.${key}`;
  }

  has(key: string): boolean {
    return this.value[key] !== undefined;
  }

  #missing(key: string, what: string): undefined {
    this.collector.add(this.at(key), `is required (${what})`);
    return undefined;
  }

  #wrong(key: string, expected: string): undefined {
    this.collector.add(this.at(key), `must be ${expected}, got ${describeValue(this.value[key])}`);
    return undefined;
  }

  string(key: string, options: { required?: boolean; maxLength?: number } = {}): string | undefined {
    const v = this.value[key];
    if (v === undefined) return options.required ? this.#missing(key, 'a string') : undefined;
    const maxLength = options.maxLength ?? Limits.maxTextLength;
    if (typeof v !== 'string' || v.length > maxLength) {
      return this.#wrong(key, `a string of at most ${maxLength} characters`);
    }
    return v;
  }

  /** An identifier as the wire format allows it ({@link ID_PATTERN}), so it can reach the ledger unchanged. */
  id(key: string, options: { required?: boolean } = { required: true }): string | undefined {
    const v = this.value[key];
    if (v === undefined) return options.required ? this.#missing(key, 'an id') : undefined;
    if (typeof v !== 'string' || !ID_PATTERN.test(v)) {
      return this.#wrong(key, 'an id: 1-64 letters, digits and ._:- starting with a letter or digit');
    }
    return v;
  }

  number(key: string, rule: NumberRule & { required?: boolean } = {}): number | undefined {
    const v = this.value[key];
    if (v === undefined) return rule.required ? this.#missing(key, describeRule(rule)) : undefined;
    const ok =
      typeof v === 'number' &&
      Number.isFinite(v) &&
      (!rule.integer || Number.isInteger(v)) &&
      (rule.min === undefined || v >= rule.min) &&
      (rule.max === undefined || v <= rule.max) &&
      (rule.above === undefined || v > rule.above);
    return ok ? v : this.#wrong(key, describeRule(rule));
  }

  /** A number with a default; a wrong value is reported and the default returned so checking can go on. */
  numberOr(key: string, fallback: number, rule: NumberRule = {}): number {
    return this.number(key, rule) ?? fallback;
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.value[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') {
      this.#wrong(key, 'true or false');
      return fallback;
    }
    return v;
  }

  oneOf<T extends string>(
    key: string,
    choices: readonly T[],
    options: { required?: boolean } = {},
  ): T | undefined {
    const v = this.value[key];
    if (v === undefined)
      return options.required ? this.#missing(key, `one of ${choices.join(', ')}`) : undefined;
    if (typeof v !== 'string' || !choices.includes(v as T))
      return this.#wrong(key, `one of ${choices.join(', ')}`);
    return v as T;
  }

  /** A duration string such as `30s`, `15m`, `36h`, `7d` (see {@link parseDuration}), in milliseconds. */
  duration(key: string, options: { required?: boolean; minMs?: number } = {}): number | undefined {
    const v = this.value[key];
    if (v === undefined) return options.required ? this.#missing(key, 'a duration such as "15m"') : undefined;
    const ms = typeof v === 'string' ? parseDuration(v) : undefined;
    if (ms === undefined)
      return this.#wrong(key, 'a duration: numbers with units ms, s, m, h, d, w (e.g. "15m", "1d6h")');
    if (ms < (options.minMs ?? 1)) return this.#wrong(key, `a duration of at least ${options.minMs ?? 1} ms`);
    return ms;
  }

  /** An instant (see {@link IssueCollector.instant}); undefined when absent (and not required) or wrong. */
  instant(
    key: string,
    startMs: number | undefined,
    options: { required?: boolean } = {},
  ): number | undefined {
    const v = this.value[key];
    if (v === undefined) return options.required ? this.#missing(key, 'an instant') : undefined;
    return this.collector.instant(v, this.at(key), startMs);
  }

  array(
    key: string,
    options: { required?: boolean; minItems?: number; maxItems?: number } = {},
  ): unknown[] | undefined {
    const v = this.value[key];
    if (v === undefined) return options.required ? this.#missing(key, 'an array') : undefined;
    const minItems = options.minItems ?? 0;
    const maxItems = options.maxItems ?? Infinity;
    if (!Array.isArray(v) || v.length < minItems || v.length > maxItems) {
      const bounds = maxItems === Infinity ? `at least ${minItems}` : `${minItems}..${maxItems}`;
      return this.#wrong(key, `an array of ${bounds} items`);
    }
    return v;
  }

  /** A nested object's fields, or undefined when absent (and not required) or wrong. */
  object(
    key: string,
    allowed: readonly string[] | 'any',
    options: { required?: boolean } = {},
  ): Fields | undefined {
    const v = this.value[key];
    if (v === undefined) return options.required ? this.#missing(key, 'an object') : undefined;
    return this.collector.fields(v, this.at(key), allowed);
  }

  /** Adds an issue about this object's field. */
  report(key: string, message: string): void {
    this.collector.add(this.at(key), message);
  }
}
