import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import request from 'supertest';
import { decodeSignedReading, LedgerErrorCode, Limits, RefusalCode, WireError } from '@provena/wire';
import { startTestBroker, type TestBroker } from '../../test/support/mosquitto.harness';
import { ApiKeyStore } from '../src/api/auth/api-key.store';
import { GatewayError, GatewayErrorCode } from '../src/errors/gateway-error';
import { TestDevice } from '../src/testing/test-devices';
import { testGatewayConfig, startGatewayApp } from './ingest.harness';
import { LEDGER_NAME, newLedgerUnderTest, runId } from './ledger-under-test';

// Issue 7, fault case 10: fuzzed envelopes and API bodies (NaN, Infinity, U+0000, deep nesting, duplicate keys,
// oversize, one field of a valid envelope mutated) end in a typed refusal, never a crash, and nothing is written.
// Fixed seeds keep every run the same; a failure prints the counterexample and the seed to replay it. The ledger
// is the Fabric test network in the Fabric tier (nothing written: no valid transaction in the blocks committed
// meanwhile wrote a key), else the in-memory double (nothing written: its world state unchanged).

const SEED = 20_260_707;
const REFUSAL_CODES: readonly string[] = Object.values(RefusalCode);
const LEDGER_CODES: readonly string[] = Object.values(LedgerErrorCode);
const PRODUCER_OPERATOR = { org: 'ProducerMSP', role: 'operator' } as const;

type Json = ReturnType<typeof JSON.parse>;

/** A fuzzed payload and the refusal it must get: a code, any code, or none required (it may still decode). */
interface Fuzzed {
  readonly kind: string;
  readonly payload: string | Uint8Array;
  readonly refuse: RefusalCode | 'any' | 'maybe';
  /** Set for mutated envelopes: the object, to submit inside a JSON batch as well as as text. */
  readonly envelope?: Json;
}

const device = new TestDevice(runId('fuzz-0001'));
const valid = JSON.parse(device.reading().payload.toString('utf8')) as {
  reading: Record<string, Json>;
  signature: string;
};
const validText = JSON.stringify(valid);

/** The valid envelope's text with the value at `path` replaced by raw JSON text (which may be invalid JSON). */
function withRaw(path: readonly string[], raw: string): string {
  const marker = '__FUZZ_MARKER__';
  const copy = structuredClone(valid) as Json;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key];
  at[path[path.length - 1] as string] = marker;
  return JSON.stringify(copy).replace(JSON.stringify(marker), raw);
}

const NUMBER_PATHS = [
  ['reading', 'v'],
  ['reading', 'seq'],
  ['reading', 'measuredAt'],
  ['reading', 'measurements', 'temperatureC'],
] as const;
const ID_PATHS = [
  ['reading', 'deviceId'],
  ['reading', 'shipmentId'],
] as const;
const MUTABLE_PATHS = [
  ['signature'],
  ['reading'],
  ['extra'],
  ...NUMBER_PATHS,
  ...ID_PATHS,
  ['reading', 'measurements'],
  ['reading', 'measurements', 'location'],
  ['reading', 'extra'],
] as const;

const randomText = fc
  .string({ unit: 'binary', maxLength: 300 })
  .map((payload): Fuzzed => ({ kind: 'random text', payload, refuse: 'any' }));

const randomBytes = fc
  .uint8Array({ maxLength: 300 })
  .map((payload): Fuzzed => ({ kind: 'random bytes', payload, refuse: 'any' }));

const nonFinite = fc
  .tuple(
    fc.constantFrom(...NUMBER_PATHS),
    fc.constantFrom('NaN', 'Infinity', '-Infinity', '+1', '0x10', '.5'),
  )
  .map(([path, literal]): Fuzzed => ({
    kind: `${literal} at ${path.join('.')}`,
    payload: withRaw(path, literal),
    refuse: RefusalCode.MalformedJson,
  }));

const hugeNumber = fc
  .tuple(fc.constantFrom(...NUMBER_PATHS), fc.constantFrom('1e400', '-1e400', '1e-400', '9007199254740993'))
  .map(([path, literal]): Fuzzed => ({
    kind: `${literal} at ${path.join('.')}`,
    payload: withRaw(path, literal),
    // 1e-400 underflows to 0, which may be a valid value: only the signature (checked later) refuses it then.
    refuse: 'maybe',
  }));

const nulInId = fc
  .tuple(fc.constantFrom(...ID_PATHS), fc.string({ maxLength: 10 }), fc.boolean())
  .map(([path, prefix, escaped]): Fuzzed => ({
    kind: `U+0000 in ${path.join('.')}`,
    // Escaped it is valid JSON (the schema refuses it); raw it is not valid JSON at all.
    payload: withRaw(
      path,
      escaped ? JSON.stringify(`${prefix}\u0000x`) : `"${prefix.replace(/["\\]/g, '')}\u0000x"`,
    ),
    refuse: 'any',
  }));

const deepNesting = fc
  .tuple(fc.integer({ min: Limits.maxJsonDepth + 1, max: 1000 }), fc.constantFrom('[', '{"a":'), fc.boolean())
  .map(([depth, open, inside]): Fuzzed => {
    const close = open === '[' ? ']' : '}';
    const nested = `${open.repeat(depth)}1${close.repeat(depth)}`;
    return {
      kind: `nesting ${depth} ${open}`,
      payload: inside ? withRaw(['reading', 'measurements', 'location'], nested) : nested,
      refuse: RefusalCode.TooLarge,
    };
  });

const duplicateKey = fc
  .tuple(
    fc.constantFrom('reading', 'signature', 'v', 'deviceId', 'seq', 'measuredAt', 'measurements'),
    fc.jsonValue({ maxDepth: 2 }),
  )
  .map(([key, value]): Fuzzed => ({
    kind: `duplicate key ${key}`,
    payload: validText.replace(`"${key}":`, `"${key}":${JSON.stringify(value)},"${key}":`),
    refuse: RefusalCode.DuplicateKey,
  }));

const oversize = fc
  .tuple(
    fc.integer({ min: Limits.maxEnvelopeBytes + 1, max: 200_000 }),
    fc.constantFrom(...ID_PATHS, ['signature'] as const),
  )
  .map(([bytes, path]): Fuzzed => ({
    kind: `oversize ${bytes} at ${path.join('.')}`,
    payload: withRaw(path, JSON.stringify('a'.repeat(bytes))),
    refuse: RefusalCode.TooLarge,
  }));

const longId = fc
  .tuple(fc.integer({ min: Limits.maxIdLength + 1, max: 1500 }), fc.constantFrom(...ID_PATHS))
  .map(([length, path]): Fuzzed => ({
    kind: `id of ${length} characters at ${path.join('.')}`,
    payload: withRaw(path, JSON.stringify('d'.repeat(length))),
    refuse: 'any',
  }));

const strangeValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(-0, 0.1, -1, 2 ** 53, 1e308, '', '\u0000', '__proto__', [], {}, null, true),
  fc.string({ unit: 'binary', maxLength: 80 }),
);

/** The valid envelope with one field set to something else or deleted: the signature no longer covers it. */
const mutated = fc
  .tuple(fc.constantFrom(...MUTABLE_PATHS), fc.option(strangeValue, { nil: undefined }))
  .map(([path, value]) => {
    const copy = structuredClone(valid) as Json;
    let at = copy;
    for (const key of path.slice(0, -1)) at = at[key];
    const last = path[path.length - 1] as string;
    if (value === undefined) delete at[last];
    else at[last] = value;
    return { path, copy };
  })
  .filter(({ copy }) => JSON.stringify(copy) !== validText)
  .map(({ path, copy }): Fuzzed => ({
    kind: `mutated ${path.join('.')}`,
    payload: JSON.stringify(copy),
    refuse: 'maybe',
    envelope: copy,
  }));

const fuzzedEnvelope: fc.Arbitrary<Fuzzed> = fc.oneof(
  randomText,
  randomBytes,
  nonFinite,
  hugeNumber,
  nulInId,
  deepNesting,
  duplicateKey,
  oversize,
  longId,
  mutated,
  mutated,
);

function textOf(payload: string | Uint8Array): string {
  return typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
}

describe('fuzzed envelopes at the edge check (decodeSignedReading)', () => {
  it('refuses every malformed payload with a WireError carrying a RefusalCode, and throws nothing else', () => {
    fc.assert(
      fc.property(fuzzedEnvelope, (fuzzed) => {
        let refusal: unknown;
        try {
          decodeSignedReading(fuzzed.payload);
        } catch (err) {
          refusal = err;
        }
        if (refusal === undefined) {
          expect(fuzzed.refuse).toBe('maybe');
          return;
        }
        expect(refusal).toBeInstanceOf(WireError);
        const code = (refusal as WireError).code;
        expect(REFUSAL_CODES).toContain(code);
        if (fuzzed.refuse !== 'any' && fuzzed.refuse !== 'maybe') expect(code).toBe(fuzzed.refuse);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('decodes the untouched envelope (the generators start from a valid one)', () => {
    expect(decodeSignedReading(validText).reading.deviceId).toBe(device.deviceId);
  });
});

describe(`fuzzed batches at the chaincode (RecordReadings through the ${LEDGER_NAME})`, () => {
  const ledger = newLedgerUnderTest();

  beforeAll(async () => {
    await device.register(ledger);
  });

  afterAll(async () => {
    await ledger.close();
  });

  // Batches in every shape: fuzzed envelopes as JSON text, mutated envelopes as objects, envelopes as strings,
  // batch arguments that are not arrays, empty or over the batch limit, and arbitrary text.
  const batch: fc.Arbitrary<{ kind: string; arg: string }> = fc.oneof(
    fc.array(fuzzedEnvelope, { minLength: 1, maxLength: 5 }).map((items) => ({
      kind: `text batch: ${items.map((i) => i.kind).join(', ')}`,
      arg: `[${items.map((i) => textOf(i.payload)).join(',')}]`,
    })),
    fc.array(mutated, { minLength: 1, maxLength: 5 }).map((items) => ({
      kind: `object batch: ${items.map((i) => i.kind).join(', ')}`,
      arg: JSON.stringify(items.map((i) => i.envelope)),
    })),
    fc.array(fuzzedEnvelope, { minLength: 1, maxLength: 3 }).map((items) => ({
      kind: 'envelopes as strings',
      arg: JSON.stringify(items.map((i) => textOf(i.payload))),
    })),
    fuzzedEnvelope.map((item) => ({ kind: `bare ${item.kind}`, arg: textOf(item.payload) })),
    fc
      .jsonValue({ maxDepth: 3 })
      .map((value) => ({ kind: 'any JSON', arg: JSON.stringify(value) ?? 'null' })),
    fc
      .constantFrom('[]', '{}', 'null', '', '[null]', `[${'[]'.repeat(0)}]`)
      .map((arg) => ({ kind: 'edge', arg })),
    mutated.map((item) => ({
      kind: 'over the batch limit',
      arg: JSON.stringify(Array.from({ length: Limits.maxReadingsPerBatch + 1 }, () => item.envelope)),
    })),
  );

  it('answers every fuzzed batch with a coded refusal (of the batch or of each reading) and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(batch, async ({ arg }) => {
        const before = await ledger.mark();
        let outcome: unknown;
        try {
          outcome = (await ledger.submit(PRODUCER_OPERATOR, 'reading:RecordReadings', [arg])).result;
        } catch (err) {
          expect(err).toBeInstanceOf(GatewayError);
          const code = (err as GatewayError).code;
          expect(LEDGER_CODES).toContain(code);
          expect(code).not.toBe(GatewayErrorCode.Internal);
        }
        if (outcome !== undefined) {
          const summary = (typeof outcome === 'string' ? JSON.parse(outcome) : outcome) as {
            accepted: number;
            duplicates: number;
            verdicts: { status: string; code?: string }[];
          };
          expect([summary.accepted, summary.duplicates]).toEqual([0, 0]);
          expect(summary.verdicts.length).toBeGreaterThan(0);
          for (const verdict of summary.verdicts) {
            expect(verdict.status).toBe('refused');
            expect(REFUSAL_CODES).toContain(verdict.code);
          }
        }
        expect(await before.writtenSince()).toEqual([]);
      }),
      { seed: SEED, numRuns: 250 },
    );
  });
});

describe(`fuzzed bodies at the REST API (${LEDGER_NAME})`, () => {
  let broker: TestBroker;
  let app: INestApplication;
  const ledger = newLedgerUnderTest();
  const keys: Record<'admin' | 'operator', string> = { admin: '', operator: '' };
  const SHIPMENT = runId('fz-shipment-1');

  beforeAll(async () => {
    broker = await startTestBroker({ persistence: false });
    const dir = mkdtempSync(join(tmpdir(), 'provena-fuzz-'));
    app = await startGatewayApp(
      testGatewayConfig({
        brokerUrl: broker.url,
        dir,
        clientId: 'gateway-fuzz-test',
        rateLimitPerMinute: 100_000,
      }),
      ledger,
    );
    const store = app.get(ApiKeyStore);
    keys.admin = (await store.create({ role: 'admin', org: 'ProducerMSP', label: 'fuzz admin' })).key;
    keys.operator = (
      await store.create({ role: 'operator', org: 'ProducerMSP', label: 'fuzz operator' })
    ).key;
    // Registered already where the ledger outlives a describe (the Fabric network): that refusal changes nothing.
    await device.register(ledger).catch(() => undefined);
    await ledger.submit(PRODUCER_OPERATOR, 'shipment:CreateShipment', [
      JSON.stringify({
        shipmentId: SHIPMENT,
        productCode: 'P-1',
        quantity: 1,
        origin: 'A',
        destination: 'B',
      }),
    ]);
  });

  afterAll(async () => {
    await app?.close();
    await broker?.cleanup();
    await ledger.close();
  });

  /** Each route with a body that would succeed, the key allowed to send it, and its fields' types. */
  const routes = [
    {
      path: '/devices',
      key: 'admin',
      body: {
        deviceId: runId('fz-new-device'),
        publicKeyPem: device.publicKeyPem,
        kind: 'logger',
      } as Record<string, Json>,
      allowed: ['deviceId', 'publicKeyPem', 'ownerOrg', 'kind', 'metadata'],
    },
    {
      path: '/shipments',
      key: 'operator',
      body: {
        shipmentId: runId('fz-new-shipment'),
        productCode: 'P-1',
        quantity: 10,
        origin: 'Lyon',
        destination: 'Hamburg',
      } as Record<string, Json>,
      allowed: [
        'shipmentId',
        'productCode',
        'quantity',
        'origin',
        'destination',
        'complianceProfile',
        'orderedAt',
      ],
    },
    {
      path: `/shipments/${SHIPMENT}/custody/offer`,
      key: 'operator',
      body: { toOrg: 'CarrierMSP' } as Record<string, Json>,
      allowed: ['toOrg'],
    },
  ] as const;

  const notAString = fc.oneof(
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
  );
  const notAnInteger = fc.oneof(
    fc.string({ maxLength: 10 }),
    fc.boolean(),
    fc.constant(null),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
    fc.constant([1]),
    fc.constant({ value: 1 }),
  );
  const nested = fc
    .tuple(fc.integer({ min: 100, max: 20_000 }), fc.constantFrom('[', '{"a":'))
    .map(([depth, open]) => `${open.repeat(depth)}1${(open === '[' ? ']' : '}').repeat(depth)}`);

  /** A body that must be refused: raw JSON text (so `__proto__` and duplicate keys survive), or not JSON at all. */
  const garbage = (route: (typeof routes)[number]): fc.Arbitrary<{ kind: string; text: string }> => {
    const fields = Object.keys(route.body);
    const splice = (key: string, rawValue: string): string =>
      `{${JSON.stringify(key)}:${rawValue},${JSON.stringify(route.body).slice(1)}`;
    const field = fc.constantFrom(...fields);
    return fc.oneof(
      field.chain((name) =>
        (typeof route.body[name] === 'number' ? notAnInteger : notAString).map((value) => ({
          kind: `wrong type for ${name}`,
          text: JSON.stringify({ ...route.body, [name]: value }),
        })),
      ),
      fc
        .tuple(
          fc.oneof(
            fc.constantFrom(
              '__proto__',
              'constructor',
              'prototype',
              'custodianOrg',
              'ownerOrg',
              'status',
              'txId',
            ),
            fc.string({ minLength: 1, maxLength: 20 }),
          ),
          fc.jsonValue({ maxDepth: 2 }),
        )
        .filter(([key]) => !(route.allowed as readonly string[]).includes(key))
        .map(([key, value]) => ({ kind: `extra field ${key}`, text: splice(key, JSON.stringify(value)) })),
      fc.tuple(field, fc.integer({ min: Limits.maxTextLength + 1, max: 300_000 })).map(([name, length]) => ({
        kind: `huge ${name} (${length})`,
        text: JSON.stringify({ ...route.body, [name]: 'x'.repeat(length) }),
      })),
      fc.tuple(field, nested).map(([name, value]) => ({
        kind: `deep nesting at ${name}`,
        text: JSON.stringify({ ...route.body, [name]: '__N__' }).replace('"__N__"', value),
      })),
      nested.map((text) => ({ kind: 'deep nesting as the body', text })),
      fc.tuple(field, notAString).map(([name, value]) => ({
        // The last of two values wins in JSON.parse; the last one here is always of the wrong type.
        kind: `duplicate ${name}, wrong type last`,
        text: `${JSON.stringify(route.body).slice(0, -1)},${JSON.stringify(name)}:${JSON.stringify(value)}}`,
      })),
      fc
        .tuple(field, fc.constantFrom('NaN', 'Infinity', '-Infinity', 'undefined'))
        .map(([name, literal]) => ({
          kind: `${literal} for ${name}`,
          text: JSON.stringify({ ...route.body, [name]: '__L__' }).replace('"__L__"', literal),
        })),
      fc.tuple(field, fc.string({ maxLength: 8 })).map(([name, prefix]) => ({
        kind: `U+0000 in ${name}`,
        text: JSON.stringify({ ...route.body, [name]: `${prefix}\u0000` }),
      })),
      fc.string({ unit: 'binary', maxLength: 200 }).map((text) => ({ kind: 'random text', text })),
      fc
        .constantFrom('', 'null', '[]', '"text"', '42', '{}', '{"a":1,"a":2}')
        .map((text) => ({ kind: 'edge', text })),
    );
  };

  const ALLOWED_STATUSES = [400, 401, 403, 404, 409, 413, 422];

  it('refuses every fuzzed body with a 4xx and a {code, message} body, and writes nothing', async () => {
    const cases = fc
      .constantFrom(...routes)
      .chain((route) => garbage(route).map((body) => ({ route, body })));
    await fc.assert(
      fc.asyncProperty(cases, async ({ route, body }) => {
        const before = await ledger.mark();
        const response = await request(app.getHttpServer())
          .post(route.path)
          .set('authorization', `Bearer ${keys[route.key]}`)
          .set('content-type', 'application/json')
          .send(body.text);
        expect(ALLOWED_STATUSES).toContain(response.status);
        expect(response.body).toEqual(
          expect.objectContaining({ code: expect.any(String), message: expect.any(String) }),
        );
        expect(await before.writtenSince()).toEqual([]);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('still accepts the unfuzzed bodies (the garbage is refused for being garbage, not for the route)', async () => {
    const api = request(app.getHttpServer());
    for (const route of routes) {
      await api
        .post(route.path)
        .set('authorization', `Bearer ${keys[route.key]}`)
        .send(route.body)
        .expect((r) => expect([200, 201]).toContain(r.status));
    }
  });
});
