import { createHash } from 'node:crypto';
import {
  checkForecastAnchorInput,
  forecastValuesHash,
  modelHash,
  parseStrictJson,
  RefusalCode,
  WireError,
  type ForecastAnchorInput,
  type ForecastValues,
} from './index';

const values: ForecastValues = {
  seriesId: 'VACCINE-X@ProducerMSP',
  step: 'day',
  origin: '2026-11-03',
  point: [120, 118.5],
  lower: [100, 97],
  upper: [140, 139.25],
  level: 0.8,
};

const model = {
  kind: 'holt-winters',
  config: { season: 7 },
  weights: { alpha: 0.3, beta: 0.1, level: [1, 2] },
};

const anchor: ForecastAnchorInput = {
  runId: 'run-2026-11-02.001',
  seriesId: 'VACCINE-X@ProducerMSP',
  purpose: 'demand',
  horizon: 14,
  valuesHash: 'a'.repeat(64),
  modelKind: 'holt-winters',
  modelHash: 'b'.repeat(64),
  trainingBlocks: { from: '0', to: '18446744073709551615' },
  trainingPoints: 365,
  metrics: { mape: 0.12, 'coverage.80': 0.79 },
};

/** A three-element array with a hole at index 1: forEach and map skip it, and canonicalize drops it. */
function withHole(first: number, last: number): number[] {
  const array = new Array<number>(3);
  array[0] = first;
  array[2] = last;
  return array;
}

function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reversedKeys(v)]),
    );
  }
  return value;
}

/** The WireError a call throws, so a test can check its code, field and message together. */
function refusal(fn: () => unknown): WireError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WireError) return err;
    throw err;
  }
  throw new Error('expected a WireError');
}

describe('forecastValuesHash', () => {
  it('is SHA-256 of the RFC 8785 canonical JSON, lowercase hex', () => {
    const canonical =
      '{"level":0.8,"lower":[100,97],"origin":"2026-11-03","point":[120,118.5],"seriesId":"VACCINE-X@ProducerMSP","step":"day","upper":[140,139.25]}';
    expect(forecastValuesHash(values)).toBe(createHash('sha256').update(canonical).digest('hex'));
  });

  it('does not depend on key order, so every party recomputing it agrees', () => {
    expect(forecastValuesHash(reversedKeys(values) as ForecastValues)).toBe(forecastValuesHash(values));
  });

  it.each<[string, Partial<ForecastValues>]>([
    ['one point value', { point: [120, 118.6] }],
    ['one lower bound', { lower: [100, 96] }],
    ['one upper bound', { upper: [141, 139.25] }],
    ['the level', { level: 0.9 }],
    ['the origin', { origin: '2026-11-04' }],
    ['the step', { step: 'month' }],
    ['the series', { seriesId: 'VACCINE-Y' }],
  ])('changes when %s changes', (_what, change) => {
    expect(forecastValuesHash({ ...values, ...change })).not.toBe(forecastValuesHash(values));
  });

  it.each([
    ['NaN in point', { point: [120, NaN] }, 'values.point[1]'],
    ['Infinity in lower', { lower: [Infinity, 97] }, 'values.lower[0]'],
    ['-Infinity in upper', { upper: [140, -Infinity] }, 'values.upper[1]'],
    ['a NaN level', { level: NaN }, 'values.level'],
  ])('refuses %s, which canonical JSON cannot express', (_what, change, field) => {
    const err = refusal(() => forecastValuesHash({ ...values, ...change }));
    expect(err.code).toBe(RefusalCode.SchemaViolation);
    expect(err.field).toBe(field);
    expect(err.reason).toBe(`${field} must be a finite number`);
  });

  it.each([
    ['a shorter lower', { lower: [100] }, 'values.lower', 'has 1 values but values.point has 2'],
    ['a longer upper', { upper: [140, 139, 138] }, 'values.upper', 'has 3 values but values.point has 2'],
  ])('refuses %s than point', (_what, change, field, problem) => {
    const err = refusal(() => forecastValuesHash({ ...values, ...change }));
    expect([err.field, err.reason]).toEqual([field, `${field} ${problem}`]);
  });

  it.each([
    ['an array hole', { point: withHole(120, 118), lower: [1, 2, 3], upper: [1, 2, 3] }, 'values.point[1]'],
    ['a string number', { point: [120, '118'] as unknown as number[] }, 'values.point[1]'],
    ['an unknown field', { generatedAt: 1 } as Partial<ForecastValues>, 'values.generatedAt'],
    ['an unknown step', { step: 'week' as ForecastValues['step'] }, 'values.step'],
    ['an unpadded date', { origin: '2026-1-5' }, 'values.origin'],
    ['an impossible date', { origin: '2026-02-30' }, 'values.origin'],
    ['a date for cycles', { step: 'cycle' as const, origin: '2026-11-03' }, 'values.origin'],
    ['a level as a percentage', { level: 80 }, 'values.level'],
    ['a bad series id', { seriesId: '-x' }, 'values.seriesId'],
  ])('refuses %s, naming the field', (_what, change, field) => {
    expect(refusal(() => forecastValuesHash({ ...values, ...change })).field).toBe(field);
  });

  it('refuses a missing field', () => {
    const rest: Partial<ForecastValues> = { ...values };
    delete rest.level;
    expect(refusal(() => forecastValuesHash(rest as ForecastValues)).reason).toBe('values.level is required');
  });

  it('accepts cycle numbers as origins of cycle steps', () => {
    expect(forecastValuesHash({ ...values, step: 'cycle', origin: '1204' })).toMatch(/^[0-9a-f]{64}$/);
    expect(refusal(() => forecastValuesHash({ ...values, step: 'cycle', origin: '01204' })).field).toBe(
      'values.origin',
    );
  });
});

describe('modelHash', () => {
  it('is SHA-256 of the canonical JSON of {kind, config, weights}, whatever the key order', () => {
    const canonical =
      '{"config":{"season":7},"kind":"holt-winters","weights":{"alpha":0.3,"beta":0.1,"level":[1,2]}}';
    expect(modelHash(model)).toBe(createHash('sha256').update(canonical).digest('hex'));
    expect(modelHash(reversedKeys(model) as typeof model)).toBe(modelHash(model));
  });

  it('changes when one weight changes', () => {
    expect(modelHash({ ...model, weights: { ...model.weights, level: [1, 2.0001] } })).not.toBe(
      modelHash(model),
    );
  });

  it.each([
    ['NaN deep in the weights', { weights: { layers: [[0.1], [0.2, NaN]] } }, 'model.weights.layers[1][1]'],
    ['Infinity in the config', { config: { rate: Infinity } }, 'model.config.rate'],
    ['undefined in an array', { weights: [1, undefined] }, 'model.weights[1]'],
    ['an array hole', { weights: withHole(1, 2) }, 'model.weights[1]'],
    ['a typed array', { weights: new Float32Array([1, 2]) }, 'model.weights'],
    ['a function', { config: { activation: () => 0 } }, 'model.config.activation'],
    ['a bigint', { config: { seed: 1n } }, 'model.config.seed'],
    ['a bad kind', { kind: 'Holt Winters' }, 'model.kind'],
    ['an unknown field', { trainedAt: 1 }, 'model.trainedAt'],
  ])('refuses %s, naming the path', (_what, change, field) => {
    const err = refusal(() => modelHash({ ...model, ...change }));
    expect([err.code, err.field]).toEqual([RefusalCode.SchemaViolation, field]);
  });

  it('refuses a cycle instead of overflowing the stack', () => {
    const weights: Record<string, unknown> = { a: 1 };
    weights.self = weights;
    expect(refusal(() => modelHash({ ...model, weights })).reason).toBe(
      'model.weights.self refers back to itself',
    );
  });

  it('accepts the same object twice in different branches', () => {
    const shared = [1, 2];
    expect(modelHash({ ...model, weights: { a: shared, b: shared } })).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('checkForecastAnchorInput', () => {
  it('accepts a valid anchor as strictly parsed JSON and returns only its fields', () => {
    expect(checkForecastAnchorInput(parseStrictJson(JSON.stringify(anchor)))).toEqual(anchor);
    expect(
      checkForecastAnchorInput({ ...anchor, metrics: {}, trainingPoints: 0, horizon: 1000 }),
    ).toMatchObject({ metrics: {}, trainingPoints: 0, horizon: 1000 });
  });

  const tooManyMetrics = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`m${i}`, i]));

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['not an object', { anchor: [] }, 'anchor', /must be an object/],
    ['an unknown field', { note: 'x' }, 'anchor.note', /is not a known field/],
    ['a missing runId', { runId: undefined }, 'anchor.runId', /is required/],
    ['a runId with a slash', { runId: 'run/1' }, 'anchor.runId', /letters, digits and \._:-/],
    ['a runId of 65 characters', { runId: 'r'.repeat(65) }, 'anchor.runId', /at most 64/],
    ['a seriesId starting with a dot', { seriesId: '.x' }, 'anchor.seriesId', /at most 128/],
    ['a seriesId of 129 characters', { seriesId: 's'.repeat(129) }, 'anchor.seriesId', /at most 128/],
    ['a seriesId with a space', { seriesId: 'a b' }, 'anchor.seriesId', /letters, digits/],
    ['an unknown purpose', { purpose: 'pricing' }, 'anchor.purpose', /one of demand, maintenance/],
    ['a zero horizon', { horizon: 0 }, 'anchor.horizon', /between 1 and 1000/],
    ['a horizon of 1001', { horizon: 1001 }, 'anchor.horizon', /between 1 and 1000/],
    ['a fractional horizon', { horizon: 1.5 }, 'anchor.horizon', /must be an integer/],
    ['a horizon as a string', { horizon: '14' }, 'anchor.horizon', /must be an integer/],
    ['an uppercase valuesHash', { valuesHash: 'A'.repeat(64) }, 'anchor.valuesHash', /64 lowercase hex/],
    ['a short modelHash', { modelHash: 'b'.repeat(63) }, 'anchor.modelHash', /64 lowercase hex/],
    ['an uppercase modelKind', { modelKind: 'LSTM' }, 'anchor.modelKind', /lowercase letters/],
    [
      'a modelKind starting with a digit',
      { modelKind: '2lstm' },
      'anchor.modelKind',
      /starting with a letter/,
    ],
    [
      'trainingBlocks as numbers',
      { trainingBlocks: { from: 1, to: 2 } },
      'anchor.trainingBlocks.from',
      /string/,
    ],
    [
      'a block number with a leading zero',
      { trainingBlocks: { from: '01', to: '2' } },
      'anchor.trainingBlocks.from',
      /no leading zeros/,
    ],
    [
      'a negative block number',
      { trainingBlocks: { from: '0', to: '-1' } },
      'anchor.trainingBlocks.to',
      /no leading zeros/,
    ],
    [
      'a block number beyond uint64',
      { trainingBlocks: { from: '0', to: '18446744073709551616' } },
      'anchor.trainingBlocks.to',
      /uint64/,
    ],
    [
      'from after to (compared as numbers, not text)',
      { trainingBlocks: { from: '10', to: '9' } },
      'anchor.trainingBlocks.from',
      /must not exceed/,
    ],
    [
      'an extra field in trainingBlocks',
      { trainingBlocks: { from: '1', to: '2', step: '1' } },
      'anchor.trainingBlocks.step',
      /not a known field/,
    ],
    ['a missing block bound', { trainingBlocks: { from: '1' } }, 'anchor.trainingBlocks.to', /is required/],
    ['negative trainingPoints', { trainingPoints: -1 }, 'anchor.trainingPoints', /between 0 and/],
    ['fractional trainingPoints', { trainingPoints: 0.5 }, 'anchor.trainingPoints', /must be an integer/],
    ['metrics as an array', { metrics: [1] }, 'anchor.metrics', /must be an object/],
    ['33 metrics', { metrics: tooManyMetrics }, 'anchor.metrics', /at most 32 entries/],
    [
      'a metric name starting with a digit',
      { metrics: { '1mape': 1 } },
      'anchor.metrics.1mape',
      /metric name/,
    ],
    [
      'a metric named __proto__',
      { metrics: { ['__proto__']: 1 } },
      'anchor.metrics.__proto__',
      /metric name/,
    ],
    ['a metric that is not a number', { metrics: { mape: '0.1' } }, 'anchor.metrics.mape', /finite number/],
  ])('refuses %s, naming the field', (_what, change, field, message) => {
    const input = 'anchor' in change ? change.anchor : { ...anchor, ...change };
    // Through strict JSON where JSON can express the input, as the chaincode receives it.
    const parsed = Object.values(change).includes(undefined) ? input : parseStrictJson(JSON.stringify(input));
    const err = refusal(() => checkForecastAnchorInput(parsed));
    expect(err.code).toBe(RefusalCode.SchemaViolation);
    expect(err.field).toBe(field);
    expect(err.reason.startsWith(`${field} `)).toBe(true);
    expect(err.reason).toMatch(message);
  });

  it('refuses a non-finite metric handed over as a value', () => {
    expect(refusal(() => checkForecastAnchorInput({ ...anchor, metrics: { rmse: NaN } })).reason).toBe(
      'anchor.metrics.rmse must be a finite number',
    );
  });

  it('keeps a metric named __proto__ out even when built as an own key', () => {
    const metrics = JSON.parse('{"__proto__": 1}') as Record<string, number>;
    expect(refusal(() => checkForecastAnchorInput({ ...anchor, metrics })).field).toBe(
      'anchor.metrics.__proto__',
    );
  });
});
