import { checkId, LedgerErrorCode, Limits, parseStrictJson, WireError, type JsonValue } from '@provena/wire';
import { LedgerError } from './ledger-error';

// Transaction arguments arrive as strings from any client, so everything is checked here, and every refusal is
// INVALID_ARGUMENT naming the argument or field.

/** A JSON object as parsed by `parseStrictJson`. */
export type JsonObject = { [key: string]: JsonValue };

// C0 and C1 controls and DEL: invisible in logs and UIs, and U+0000 would split Fabric composite keys.
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}
const DECIMAL_INTEGER = /^(?:0|[1-9][0-9]{0,15})$/;

function invalid(detail: string): LedgerError {
  return new LedgerError(LedgerErrorCode.InvalidArgument, detail);
}

/**
 * Parses a JSON argument with the wire package's strict parser (no duplicate keys, NaN, lone surrogates...).
 * @throws {@link LedgerError} INVALID_ARGUMENT carrying the wire code, e.g. "deviceJson: MALFORMED_JSON: ...".
 */
export function parseJsonArgument(text: string, name: string, maxStringLength?: number): JsonValue {
  try {
    return parseStrictJson(text, maxStringLength === undefined ? {} : { maxStringLength });
  } catch (err) {
    if (err instanceof WireError) throw invalid(`${name}: ${err.message}`);
    throw err;
  }
}

/** Narrows to a JSON object. */
export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Requires a JSON object holding only the named fields, all `required` ones present.
 * @throws {@link LedgerError} INVALID_ARGUMENT naming the unknown or missing field.
 */
export function requireObject(
  value: JsonValue | undefined,
  name: string,
  required: readonly string[],
  optional: readonly string[] = [],
): JsonObject {
  if (!isJsonObject(value)) throw invalid(`${name} must be a JSON object`);
  for (const key of Object.keys(value)) {
    if (!required.includes(key) && !optional.includes(key)) {
      throw invalid(`${name}.${key} is not a known field`);
    }
  }
  for (const key of required) {
    if (!Object.hasOwn(value, key)) throw invalid(`${name}.${key} is required`);
  }
  return value;
}

/**
 * An identifier (device, shipment, organisation, product): the wire package's id rule.
 * @throws {@link LedgerError} INVALID_ARGUMENT
 */
export function requireId(value: unknown, field: string): string {
  try {
    return checkId(value, field);
  } catch (err) {
    if (err instanceof WireError) throw invalid(err.message);
    throw err;
  }
}

/**
 * Free text (notes, reasons, places, metadata values): at most `Limits.maxTextLength` characters, no control
 * characters.
 * @throws {@link LedgerError} INVALID_ARGUMENT
 */
export function requireText(value: unknown, field: string, options: { allowEmpty?: boolean } = {}): string {
  if (typeof value !== 'string') throw invalid(`${field} must be a string`);
  if (value.length === 0 && !options.allowEmpty) throw invalid(`${field} must not be empty`);
  if (value.length > Limits.maxTextLength) {
    throw invalid(`${field} must be at most ${Limits.maxTextLength} characters`);
  }
  if (hasControlCharacter(value)) throw invalid(`${field} must not contain control characters`);
  return value;
}

/**
 * An integer in [min, max] from a JSON number.
 * @throws {@link LedgerError} INVALID_ARGUMENT
 */
export function requireInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalid(`${field} must be an integer`);
  if (value < min || value > max) throw invalid(`${field} must be between ${min} and ${max}`);
  return value;
}

/**
 * An integer in [min, max] from a string argument (Fabric passes every argument as a string): plain decimal
 * digits only, so "NaN", "1e3", "+1", "0x10" and " 1" are refused.
 * @throws {@link LedgerError} INVALID_ARGUMENT
 */
export function parseIntegerArgument(text: string, field: string, min: number, max: number): number {
  if (!DECIMAL_INTEGER.test(text)) throw invalid(`${field} must be a decimal integer`);
  return requireInteger(Number(text), field, min, max);
}

/**
 * A finite JSON number in [min, max].
 * @throws {@link LedgerError} INVALID_ARGUMENT
 */
export function requireNumber(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${field} must be a finite number`);
  if (value < min || value > max) throw invalid(`${field} must be between ${min} and ${max}`);
  return value;
}

/**
 * A JSON array argument of distinct ids, 1 to `max` of them, in the given order.
 * @throws {@link LedgerError} INVALID_ARGUMENT
 */
export function parseIdList(text: string, name: string, max: number): string[] {
  const value = parseJsonArgument(text, name);
  if (!Array.isArray(value)) throw invalid(`${name} must be a JSON array`);
  if (value.length === 0 || value.length > max) throw invalid(`${name} must hold 1 to ${max} ids`);
  const ids = value.map((id, i) => requireId(id, `${name}[${i}]`));
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate !== undefined) throw invalid(`${name} names ${duplicate} twice`);
  return ids;
}

/**
 * One of a fixed set of words.
 * @throws {@link LedgerError} INVALID_ARGUMENT listing the allowed words.
 */
export function requireOneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(`${field} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}
