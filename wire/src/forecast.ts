import { createHash } from 'node:crypto';
import { RefusalCode, WireError } from './errors';
import { checkId } from './reading';
import { canonicalJson } from './signature';

/** How far apart a forecast's steps lie: calendar days, calendar months, or a machine's operating cycles. */
export type ForecastStep = 'day' | 'month' | 'cycle';
/** What a forecast is for: product demand (orders) or equipment maintenance. */
export type ForecastPurpose = 'demand' | 'maintenance';

/** Every {@link ForecastStep}, in the order error messages list them. */
export const FORECAST_STEPS: readonly ForecastStep[] = ['day', 'month', 'cycle'];
/** Every {@link ForecastPurpose}, in the order error messages list them. */
export const FORECAST_PURPOSES: readonly ForecastPurpose[] = ['demand', 'maintenance'];

/**
 * Series ids: wider than `ID_PATTERN` because a series is often named after what it aggregates
 * (`VACCINE-X@ProducerMSP/Lyon`); still no U+0000, so they are safe inside Fabric composite keys.
 */
export const SERIES_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;
/** Model kinds, e.g. `holt-winters`, `lstm(2x16)`, `ets+arima`. */
export const MODEL_KIND_PATTERN = /^[a-z][a-z0-9+()-]{0,63}$/;

/** Bounds of a forecast anchor. */
export const ForecastLimits = {
  /** Steps one forecast run may cover. */
  maxHorizon: 1000,
  /** Accuracy metrics one anchor may carry: a summary, not an evaluation report. */
  maxMetrics: 32,
} as const;

const HASH_PATTERN = /^[0-9a-f]{64}$/;
const METRIC_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
// uint64 in decimal, one spelling per number: leading zeros would give one block range two anchors' worth of text.
const BLOCK_NUMBER_PATTERN = /^(?:0|[1-9][0-9]{0,19})$/;
const MAX_BLOCK_NUMBER = 2n ** 64n - 1n;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const CYCLE_NUMBER = /^(?:0|[1-9][0-9]{0,15})$/;

/** The numbers of one forecast run for one series, as {@link forecastValuesHash} hashes them. */
export interface ForecastValues {
  seriesId: string;
  step: ForecastStep;
  /** The first forecast step: an ISO date `YYYY-MM-DD` for `day` and `month`, a decimal cycle number for `cycle`. */
  origin: string;
  /** One value per step, from `origin` on; `lower` and `upper` bound the prediction interval. */
  point: number[];
  lower: number[];
  upper: number[];
  /** Prediction interval level, e.g. 0.8, strictly between 0 and 1. */
  level: number;
}

/** What `forecast:AnchorForecast` records: a forecast run, identified by hashes of its values and its model. */
export interface ForecastAnchorInput {
  /** `ID_PATTERN`; one anchor per run id. */
  runId: string;
  /** {@link SERIES_ID_PATTERN}; equals `ForecastValues.seriesId` of the hashed values. */
  seriesId: string;
  purpose: ForecastPurpose;
  /** Steps forecast, 1 to {@link ForecastLimits.maxHorizon}. */
  horizon: number;
  /** {@link forecastValuesHash} of the run's output. */
  valuesHash: string;
  /** {@link MODEL_KIND_PATTERN}. */
  modelKind: string;
  /** {@link modelHash} of the trained model. */
  modelHash: string;
  /** The ledger blocks the training data came from, inclusive; uint64 block numbers as decimal strings. */
  trainingBlocks: { from: string; to: string };
  /** Observations the model was trained on. */
  trainingPoints: number;
  /** Accuracy metrics by name (`mape`, `rmse`, `coverage.80`, ...), at most {@link ForecastLimits.maxMetrics}. */
  metrics: Record<string, number>;
}

type JsonObject = { [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function schemaError(field: string, problem: string): WireError {
  return new WireError(RefusalCode.SchemaViolation, `${field} ${problem}`, field);
}

// Exactly these fields: an extra one would either change the hash or be silently left out of it.
function requireFields(value: unknown, path: string, fields: readonly string[]): JsonObject {
  if (!isObject(value)) throw schemaError(path, 'must be an object');
  for (const key of Object.keys(value)) {
    if (!fields.includes(key)) throw schemaError(`${path}.${key}`, 'is not a known field');
  }
  for (const key of fields) {
    if (!Object.hasOwn(value, key) || value[key] === undefined)
      throw schemaError(`${path}.${key}`, 'is required');
  }
  return value;
}

function checkFinite(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw schemaError(field, 'must be a finite number');
  return value;
}

function checkInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw schemaError(field, 'must be an integer');
  if (value < min || value > max) throw schemaError(field, `must be between ${min} and ${max}`);
  return value;
}

function checkPattern(value: unknown, field: string, pattern: RegExp, rule: string): string {
  if (typeof value !== 'string') throw schemaError(field, 'must be a string');
  if (!pattern.test(value)) throw schemaError(field, `must be ${rule}`);
  return value;
}

function checkOneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw schemaError(field, `must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/**
 * Checks a series id ({@link SERIES_ID_PATTERN}).
 * @throws {@link WireError} SCHEMA_VIOLATION naming `field`.
 */
export function checkSeriesId(value: unknown, field: string): string {
  return checkPattern(
    value,
    field,
    SERIES_ID_PATTERN,
    'at most 128 letters, digits and ._:@/- starting with a letter or digit',
  );
}

function checkModelKind(value: unknown, field: string): string {
  return checkPattern(
    value,
    field,
    MODEL_KIND_PATTERN,
    'at most 64 lowercase letters, digits and +()- starting with a letter',
  );
}

function checkNumbers(value: unknown, field: string): number[] {
  if (!Array.isArray(value)) throw schemaError(field, 'must be an array of numbers');
  const out: number[] = [];
  // An index loop, not map/forEach: those skip holes, which canonical JSON would then also drop.
  for (let i = 0; i < value.length; i++) out.push(checkFinite(value[i], `${field}[${i}]`));
  return out;
}

// One spelling per origin, so the same forecast cannot hash two ways ("2026-1-5" next to "2026-01-05").
function checkOrigin(value: unknown, step: ForecastStep, field: string): string {
  if (typeof value !== 'string') throw schemaError(field, 'must be a string');
  if (step === 'cycle') {
    if (!CYCLE_NUMBER.test(value))
      throw schemaError(field, 'must be a cycle number: decimal digits, no leading zeros');
    return value;
  }
  const match = ISO_DATE.exec(value);
  const [year, month, day] = (match ?? []).slice(1).map(Number);
  const date = new Date(Date.UTC(year ?? 0, (month ?? 0) - 1, day ?? 0));
  if (!match || date.toISOString().slice(0, 10) !== value) {
    throw schemaError(field, `must be a calendar date YYYY-MM-DD for step ${step}`);
  }
  return value;
}

/**
 * Checks forecast values before they are hashed: known fields only, finite numbers, `point`, `lower` and `upper`
 * of equal length, a level strictly between 0 and 1, an origin in the form its step prescribes.
 * @throws {@link WireError} SCHEMA_VIOLATION naming the field, e.g. `values.lower[3] must be a finite number`.
 */
export function checkForecastValues(value: unknown): ForecastValues {
  const v = requireFields(value, 'values', [
    'seriesId',
    'step',
    'origin',
    'point',
    'lower',
    'upper',
    'level',
  ]);
  const step = checkOneOf(v.step, 'values.step', FORECAST_STEPS);
  const values: ForecastValues = {
    seriesId: checkSeriesId(v.seriesId, 'values.seriesId'),
    step,
    origin: checkOrigin(v.origin, step, 'values.origin'),
    point: checkNumbers(v.point, 'values.point'),
    lower: checkNumbers(v.lower, 'values.lower'),
    upper: checkNumbers(v.upper, 'values.upper'),
    level: checkFinite(v.level, 'values.level'),
  };
  for (const field of ['lower', 'upper'] as const) {
    if (values[field].length !== values.point.length) {
      throw schemaError(
        `values.${field}`,
        `has ${values[field].length} values but values.point has ${values.point.length}`,
      );
    }
  }
  if (values.level <= 0 || values.level >= 1)
    throw schemaError('values.level', 'must lie strictly between 0 and 1');
  return values;
}

/**
 * The content hash of a forecast run's output: lowercase hex SHA-256 of its RFC 8785 canonical JSON, so the
 * forecaster, the gateway and an auditor recomputing it from the published values get the same hash whatever
 * the key order. Values are checked first ({@link checkForecastValues}): canonical JSON cannot express NaN or
 * Infinity, and would turn array holes into `null`, so two different forecasts could otherwise share a text.
 *
 * @example
 * forecastValuesHash({ seriesId: 'VACCINE-X', step: 'day', origin: '2026-11-03', point: [120, 118],
 *   lower: [100, 97], upper: [140, 139], level: 0.8 }); // => 64 hex digits
 * @throws {@link WireError} SCHEMA_VIOLATION naming the offending field.
 */
export function forecastValuesHash(values: ForecastValues): string {
  return sha256Hex(canonicalJson(checkForecastValues(values)));
}

// JSON data only, checked before canonicalisation: canonicalize turns undefined array elements and holes into
// null, drops undefined properties, calls toJSON and serialises a typed array as an object keyed "0", "1", "10",
// ... — each a way for two different models to share a hash, or for one model to hash differently than expected.
function checkJsonData(value: unknown, path: string, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      checkFinite(value, path);
      return;
    case 'object': {
      if (value === null) return;
      if (ancestors.has(value)) throw schemaError(path, 'refers back to itself');
      ancestors.add(value);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) checkJsonData(value[i] as unknown, `${path}[${i}]`, ancestors);
      } else {
        const prototype = Object.getPrototypeOf(value) as unknown;
        if (prototype !== Object.prototype && prototype !== null) {
          throw schemaError(
            path,
            'must be a plain object or array; convert typed arrays, Maps, Dates and class instances first',
          );
        }
        for (const [key, item] of Object.entries(value)) checkJsonData(item, `${path}.${key}`, ancestors);
      }
      ancestors.delete(value);
      return;
    }
    default:
      throw schemaError(path, `must be JSON data, not ${typeof value}`);
  }
}

/**
 * The identity of a trained model: lowercase hex SHA-256 of the canonical JSON of `{kind, config, weights}`.
 * `config` and `weights` must be plain JSON data (objects, arrays, strings, booleans, null, finite numbers).
 *
 * @example
 * modelHash({ kind: 'holt-winters', config: { season: 7 }, weights: { alpha: 0.3, beta: 0.1, gamma: 0.2 } });
 * @throws {@link WireError} SCHEMA_VIOLATION naming the offending path, e.g. `model.weights.layers[1][4]`.
 */
export function modelHash(model: { kind: string; config: unknown; weights: unknown }): string {
  const m = requireFields(model, 'model', ['kind', 'config', 'weights']);
  checkModelKind(m.kind, 'model.kind');
  checkJsonData(m.config, 'model.config', new Set());
  checkJsonData(m.weights, 'model.weights', new Set());
  return sha256Hex(canonicalJson({ kind: m.kind, config: m.config, weights: m.weights }));
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function checkHash(value: unknown, field: string): string {
  return checkPattern(value, field, HASH_PATTERN, '64 lowercase hex digits (SHA-256)');
}

function checkBlockNumber(value: unknown, field: string): bigint {
  checkPattern(value, field, BLOCK_NUMBER_PATTERN, 'a block number: decimal digits, no leading zeros');
  const n = BigInt(value as string);
  if (n > MAX_BLOCK_NUMBER) throw schemaError(field, `must be at most ${MAX_BLOCK_NUMBER} (uint64)`);
  return n;
}

function checkTrainingBlocks(value: unknown): { from: string; to: string } {
  const blocks = requireFields(value, 'anchor.trainingBlocks', ['from', 'to']);
  const from = checkBlockNumber(blocks.from, 'anchor.trainingBlocks.from');
  const to = checkBlockNumber(blocks.to, 'anchor.trainingBlocks.to');
  if (from > to) throw schemaError('anchor.trainingBlocks.from', 'must not exceed anchor.trainingBlocks.to');
  return { from: from.toString(), to: to.toString() };
}

function checkMetrics(value: unknown): Record<string, number> {
  if (!isObject(value)) throw schemaError('anchor.metrics', 'must be an object of numbers');
  const entries = Object.entries(value);
  if (entries.length > ForecastLimits.maxMetrics) {
    throw schemaError('anchor.metrics', `must hold at most ${ForecastLimits.maxMetrics} entries`);
  }
  const metrics: Record<string, number> = {};
  for (const [name, metric] of entries) {
    // The pattern also keeps out `__proto__`, which would not become an own key of `metrics`.
    if (!METRIC_NAME_PATTERN.test(name)) {
      throw schemaError(
        `anchor.metrics.${name}`,
        'is not a metric name: at most 64 letters, digits and _.- starting with a letter',
      );
    }
    metrics[name] = checkFinite(metric, `anchor.metrics.${name}`);
  }
  return metrics;
}

const ANCHOR_FIELDS = [
  'runId',
  'seriesId',
  'purpose',
  'horizon',
  'valuesHash',
  'modelKind',
  'modelHash',
  'trainingBlocks',
  'trainingPoints',
  'metrics',
] as const;

/**
 * Checks `forecast:AnchorForecast`'s argument, as parsed by `parseStrictJson`: every field present, no
 * other, each in its form. Returns a fresh object holding only the checked fields.
 *
 * @example
 * checkForecastAnchorInput(parseStrictJson(anchorJson));
 * @throws {@link WireError} SCHEMA_VIOLATION naming the field, e.g. `anchor.horizon must be between 1 and 1000`.
 */
export function checkForecastAnchorInput(value: unknown): ForecastAnchorInput {
  const a = requireFields(value, 'anchor', ANCHOR_FIELDS);
  return {
    runId: checkId(a.runId, 'anchor.runId'),
    seriesId: checkSeriesId(a.seriesId, 'anchor.seriesId'),
    purpose: checkOneOf(a.purpose, 'anchor.purpose', FORECAST_PURPOSES),
    horizon: checkInteger(a.horizon, 'anchor.horizon', 1, ForecastLimits.maxHorizon),
    valuesHash: checkHash(a.valuesHash, 'anchor.valuesHash'),
    modelKind: checkModelKind(a.modelKind, 'anchor.modelKind'),
    modelHash: checkHash(a.modelHash, 'anchor.modelHash'),
    trainingBlocks: checkTrainingBlocks(a.trainingBlocks),
    trainingPoints: checkInteger(a.trainingPoints, 'anchor.trainingPoints', 0, Number.MAX_SAFE_INTEGER),
    metrics: checkMetrics(a.metrics),
  };
}
