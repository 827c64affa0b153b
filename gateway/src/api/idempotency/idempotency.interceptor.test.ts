import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { publicKeyPem } from '@provena/wire';
import request from 'supertest';
import type { Committed, LedgerActor } from '../../ledger/ledger.port';
import { LEDGER } from '../../ledger/ledger.port';
import { InMemoryLedgerAdapter } from '../../testing/in-memory-ledger.adapter';
import { ApiModule } from '../api.module';
import { ApiKeyStore } from '../auth/api-key.store';
import { setupOpenApi } from '../openapi';

// Idempotency-Key on the REST API's writes, over the real chaincode on the in-memory ledger: what a client that
// retries a write gets, and what it cannot do with a key.

/** The in-memory ledger, whose submits a test may hold until it lets them go. */
class GatedLedger extends InMemoryLedgerAdapter {
  #gate: Promise<void> | undefined;
  #open: () => void = () => undefined;
  #arrived: () => void = () => undefined;

  /** Holds submits from now on; resolves when the first one waits at the gate. */
  hold(): Promise<void> {
    this.#gate = new Promise((resolve) => (this.#open = resolve));
    return new Promise((resolve) => (this.#arrived = resolve));
  }

  release(): void {
    this.#gate = undefined;
    this.#open();
  }

  override async submit<T>(actor: LedgerActor, fn: string, args: readonly string[]): Promise<Committed<T>> {
    if (this.#gate) {
      this.#arrived();
      await this.#gate;
    }
    return super.submit<T>(actor, fn, args);
  }
}

const newPem = (): string => publicKeyPem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);

describe('Idempotency-Key on writes', () => {
  let dir: string;
  let app: INestApplication;
  const ledger = new GatedLedger();
  const keys = { admin: '', otherAdmin: '' };
  let devices = 0;

  const http = () => request(app.getHttpServer());
  const provision = (key: string, body: object, idempotencyKey?: string) => {
    const req = http().post('/devices').set('Authorization', `Bearer ${key}`);
    return (idempotencyKey === undefined ? req : req.set('Idempotency-Key', idempotencyKey)).send(body);
  };
  const newDevice = () => ({ deviceId: `idem-${++devices}`, publicKeyPem: newPem(), kind: 'logger' });
  const registrations = () => ledger.submitted.filter((fn) => fn === 'device:RegisterDevice').length;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'provena-idempotency-'));
    const file = join(dir, 'api-keys.json');
    const store = new ApiKeyStore({ file });
    keys.admin = (await store.create({ role: 'admin', org: 'ProducerMSP', label: 'admin' })).key;
    keys.otherAdmin = (await store.create({ role: 'admin', org: 'ProducerMSP', label: 'other admin' })).key;
    const moduleRef = await Test.createTestingModule({
      imports: [
        ApiModule.forRoot(
          { apiKeysFile: file, rateLimitPerMinute: 10_000, maxPageSize: 100 },
          {
            ledgerModule: {
              module: class GatedLedgerModule {},
              providers: [{ provide: LEDGER, useValue: ledger }],
              exports: [LEDGER],
            },
          },
        ),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    setupOpenApi(app);
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a retry after a successful create with the first answer, not 409 ALREADY_EXISTS', async () => {
    const device = newDevice();
    const before = registrations();
    const first = await provision(keys.admin, device, 'create-1').expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const retry = await provision(keys.admin, device, 'create-1').expect(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.body).toMatchObject({ txId: expect.any(String), blockNumber: expect.any(String) });
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(registrations()).toBe(before + 1);
    // Without the key the same create runs again, and the chaincode refuses it.
    const again = await provision(keys.admin, device).expect(409);
    expect(again.body).toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  it('sees the same body with its keys in another order as the same request', async () => {
    const device = newDevice();
    await provision(keys.admin, device, 'reordered').expect(201);
    const reordered = { kind: device.kind, publicKeyPem: device.publicKeyPem, deviceId: device.deviceId };
    const retry = await provision(keys.admin, reordered, 'reordered').expect(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
  });

  it('refuses the key with another body, or on another route, with 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const device = newDevice();
    await provision(keys.admin, device, 'reused').expect(201);
    const before = ledger.submitted.length;
    const otherBody = await provision(keys.admin, { ...device, kind: 'tracker' }, 'reused').expect(422);
    expect(otherBody.body).toEqual({
      code: 'IDEMPOTENCY_KEY_REUSED',
      message: expect.stringContaining('another request'),
      details: { field: 'Idempotency-Key' },
    });
    await http()
      .post(`/devices/${device.deviceId}/revoke`)
      .set('Authorization', `Bearer ${keys.admin}`)
      .set('Idempotency-Key', 'reused')
      .send({ reason: 'lost' })
      .expect(422);
    expect(ledger.submitted.length).toBe(before);
  });

  it.each([
    ['an empty key', ''],
    ['a space', 'a b'],
    ['a tab', 'a\tb'],
    ['129 characters', 'k'.repeat(129)],
    ['a character outside ASCII', 'clé'],
    ['the header twice', ['one', 'two']],
  ])('refuses %s with 400 VALIDATION_FAILED before running anything', async (_case, value) => {
    const before = ledger.submitted.length;
    const res = await http()
      .post('/devices')
      .set('Authorization', `Bearer ${keys.admin}`)
      // An array sends the header once per value (superagent's types allow that for Cookie only).
      .set('Idempotency-Key', value as string)
      .send(newDevice())
      .expect(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'Idempotency-Key' } });
    expect(ledger.submitted.length).toBe(before);
  });

  it('accepts 128 visible ASCII characters', async () => {
    const key = Array.from({ length: 128 }, (_, i) => String.fromCharCode(0x21 + (i % 94))).join('');
    await provision(keys.admin, newDevice(), key).expect(201);
  });

  it('answers 409 IDEMPOTENCY_IN_PROGRESS with Retry-After while the first request runs, then its answer', async () => {
    const device = newDevice();
    const before = registrations();
    const held = ledger.hold();
    const first = provision(keys.admin, device, 'slow').then((res) => res);
    try {
      await held;
      const waiting = await provision(keys.admin, device, 'slow').expect(409);
      expect(waiting.body).toMatchObject({
        code: 'IDEMPOTENCY_IN_PROGRESS',
        details: { retryAfterSeconds: 1 },
      });
      expect(waiting.headers['retry-after']).toBe('1');
    } finally {
      ledger.release();
    }
    const answered = await first;
    expect(answered.status).toBe(201);
    const retry = await provision(keys.admin, device, 'slow').expect(201);
    expect(retry.body).toEqual(answered.body);
    expect(registrations()).toBe(before + 1);
  });

  it('keeps no 5xx answer: a retry after the ledger comes back runs the write', async () => {
    const device = newDevice();
    ledger.unreachable = true;
    try {
      await provision(keys.admin, device, 'outage').expect(503);
    } finally {
      ledger.unreachable = false;
    }
    const retry = await provision(keys.admin, device, 'outage').expect(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
  });

  it('replays a refusal of the request itself (400) like any other answer', async () => {
    const withoutKind = { deviceId: `idem-${++devices}`, publicKeyPem: newPem() };
    const first = await provision(keys.admin, withoutKind, 'invalid').expect(400);
    const retry = await provision(keys.admin, withoutKind, 'invalid').expect(400);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
  });

  it('scopes keys to the API key: another key sending the same one runs its own request', async () => {
    const device = newDevice();
    await provision(keys.admin, device, 'shared-name').expect(201);
    const other = await provision(keys.otherAdmin, device, 'shared-name').expect(409);
    expect(other.body).toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  it('ignores the header on reads', async () => {
    await http()
      .get('/devices')
      .set('Authorization', `Bearer ${keys.admin}`)
      .set('Idempotency-Key', 'not checked here')
      .expect(200);
  });

  it('documents the header, and its two answers, on writes only', async () => {
    const docs = (await http().get('/docs/json').expect(200)).body as {
      paths: Record<
        string,
        Record<string, { parameters?: { name: string; in: string }[]; responses: object }>
      >;
    };
    const write = docs.paths['/devices']?.post;
    expect(write?.parameters).toContainEqual(
      expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }),
    );
    expect(write?.responses).toMatchObject({
      '409': { description: expect.stringContaining('IDEMPOTENCY_IN_PROGRESS') },
      '422': { description: expect.stringContaining('IDEMPOTENCY_KEY_REUSED') },
    });
    const read = docs.paths['/devices']?.get;
    expect(read?.parameters?.some((p) => p.name === 'Idempotency-Key')).toBe(false);
  });
});
