import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, Global, Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { publicKeyPem, sealReading, type Reading } from '@provena/wire';
import request from 'supertest';
import { LEDGER } from '../ledger/ledger.port';
import { InMemoryLedgerAdapter } from '../testing/in-memory-ledger.adapter';
import { ApiModule, type ApiOptions } from './api.module';
import { ApiKeyStore } from './auth/api-key.store';
import type { ApiRole } from './auth/principal';
import { Public } from './auth/public.decorator';
import { setupOpenApi } from './openapi';

// The whole API over the real chaincode contracts on the in-memory ledger: keys, roles, validation, the
// chaincode's refusals, and an auditor's view of a shipment's journey.

const DAY = 24 * 60 * 60 * 1000;

// Stands in for the health routes the application adds beside the API.
@Controller('probe')
class PublicProbeController {
  @Public()
  @Get()
  probe(): { ok: true } {
    return { ok: true };
  }
}

interface TestApp {
  app: INestApplication;
  ledger: InMemoryLedgerAdapter;
  http: () => request.Agent;
}

async function boot(apiKeysFile: string, options: Partial<ApiOptions> = {}): Promise<TestApp> {
  const ledger = new InMemoryLedgerAdapter();
  const ledgerModule = {
    module: class InMemoryLedgerModule {},
    providers: [{ provide: LEDGER, useValue: ledger }],
    exports: [LEDGER],
  };
  const moduleRef = await Test.createTestingModule({
    controllers: [PublicProbeController],
    imports: [
      ApiModule.forRoot(
        { apiKeysFile, rateLimitPerMinute: 10_000, maxPageSize: 100, ...options },
        { ledgerModule },
      ),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  setupOpenApi(app);
  await app.init();
  return { app, ledger, http: () => request.agent(app.getHttpServer()) };
}

function newDeviceKey(): { privateKey: KeyObject; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKeyPem: publicKeyPem(publicKey) };
}

describe('REST API over the in-memory ledger', () => {
  let dir: string;
  let keysFile: string;
  let api: TestApp;
  const keys = {} as Record<
    | 'producerAdmin'
    | 'producerOperator'
    | 'carrierAdmin'
    | 'carrierOperator'
    | 'auditor'
    | 'revoked'
    | 'expired',
    string
  >;
  const device = newDeviceKey();
  const rotatedDevice = newDeviceKey();
  const DEVICE = 'logger-1';
  const SHIPMENT = 'SHP-1';

  const as = (key: string) => ({ Authorization: `Bearer ${key}` });
  const get = (path: string, key: string) => api.http().get(path).set(as(key));
  const post = (path: string, key: string, body?: object) => {
    const req = api.http().post(path).set(as(key));
    return body === undefined ? req : req.send(body);
  };

  // Readings reach the ledger through ingest, not the API: record them as ingest's operator identity does.
  async function recordReading(seq: number, temperatureC: number, signer = device.privateKey): Promise<void> {
    const reading: Reading = {
      v: 1,
      deviceId: DEVICE,
      seq,
      measuredAt: Date.now() - 60_000 + seq,
      shipmentId: SHIPMENT,
      measurements: { temperatureC },
    };
    const { result } = await api.ledger.submit<{ accepted: number }>(
      { org: 'ProducerMSP', role: 'operator' },
      'reading:RecordReadings',
      [JSON.stringify([sealReading(reading, signer)])],
    );
    expect(result.accepted).toBe(1);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'provena-api-'));
    keysFile = join(dir, 'api-keys.json');
    const store = new ApiKeyStore({ file: keysFile });
    const create = async (role: ApiRole, org: string) => (await store.create({ role, org, label: role })).key;
    keys.producerAdmin = await create('admin', 'ProducerMSP');
    keys.producerOperator = await create('operator', 'ProducerMSP');
    keys.carrierAdmin = await create('admin', 'CarrierMSP');
    keys.carrierOperator = await create('operator', 'CarrierMSP');
    keys.auditor = await create('auditor', 'AuditorMSP');
    const revoked = await store.create({ role: 'admin', org: 'ProducerMSP', label: 'left the company' });
    await store.revoke(revoked.info.id);
    keys.revoked = revoked.key;
    // Created two days ago, valid for one.
    const past = new ApiKeyStore({ file: keysFile, now: () => Date.now() - 2 * DAY });
    keys.expired = (
      await past.create({ role: 'admin', org: 'ProducerMSP', label: 'temp', expiresInDays: 1 })
    ).key;
    api = await boot(keysFile);
  });

  afterAll(async () => {
    await api?.app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('the story: provision, ship, hand over, audit', () => {
    let attachTxId: string;

    it('provisions a device for the admin organisation and returns the transaction and its block', async () => {
      const res = await post('/devices', keys.producerAdmin, {
        deviceId: DEVICE,
        publicKeyPem: device.publicKeyPem,
        kind: 'reefer-logger',
        metadata: { model: 'RX-1' },
      }).expect(201);
      expect(res.body).toMatchObject({
        deviceId: DEVICE,
        ownerOrg: 'ProducerMSP',
        status: 'active',
        keys: [{ fromSeq: 1, publicKeyPem: device.publicKeyPem }],
        txId: expect.any(String),
        blockNumber: expect.stringMatching(/^[1-9][0-9]*$/),
      });
    });

    it('lets any key read devices, a page at a time', async () => {
      const res = await get('/devices?pageSize=10', keys.auditor).expect(200);
      expect(res.body.items).toEqual([expect.objectContaining({ deviceId: DEVICE })]);
      await get(`/devices/${DEVICE}`, keys.carrierOperator).expect(200);
    });

    it('creates a shipment owned and held by the operator organisation', async () => {
      const res = await post('/shipments', keys.producerOperator, {
        shipmentId: SHIPMENT,
        productCode: 'VACCINE-X',
        quantity: 1200,
        origin: 'Amsterdam',
        destination: 'Lyon',
        complianceProfile: { temperatureC: { min: 2, max: 8 } },
      }).expect(201);
      expect(res.body).toMatchObject({
        shipmentId: SHIPMENT,
        ownerOrg: 'ProducerMSP',
        custodianOrg: 'ProducerMSP',
      });
    });

    it('lists shipments to any key', async () => {
      const res = await get('/shipments', keys.carrierOperator).expect(200);
      expect(res.body.items).toEqual([expect.objectContaining({ shipmentId: SHIPMENT })]);
    });

    it('attaches the device to the shipment', async () => {
      const res = await post(`/shipments/${SHIPMENT}/devices`, keys.producerOperator, {
        deviceIds: [DEVICE],
      }).expect(200);
      expect(res.body.attachments).toEqual([
        expect.objectContaining({ deviceId: DEVICE, status: 'attached' }),
      ]);
      attachTxId = res.body.txId;
    });

    it('serves the readings ingest recorded, by shipment, by device and time, and one by one', async () => {
      await recordReading(1, 4.5);
      await recordReading(2, 5.0);
      await recordReading(3, 9.5); // above the 8 °C limit: a breach
      const byShipment = await get(`/shipments/${SHIPMENT}/readings`, keys.auditor).expect(200);
      expect(byShipment.body.items.map((r: { reading: Reading }) => r.reading.seq)).toEqual([1, 2, 3]);
      const one = await get(`/devices/${DEVICE}/readings/2`, keys.carrierOperator).expect(200);
      expect(one.body.reading).toMatchObject({ seq: 2, measurements: { temperatureC: 5 } });
      const from = one.body.reading.measuredAt;
      const byDevice = await get(`/devices/${DEVICE}/readings?from=${from}&pageSize=1`, keys.auditor).expect(
        200,
      );
      expect(byDevice.body.items.map((r: { reading: Reading }) => r.reading.seq)).toEqual([2]);
      expect(byDevice.body.bookmark).not.toBe('');
      const next = await get(
        `/devices/${DEVICE}/readings?from=${from}&pageSize=1&bookmark=${encodeURIComponent(byDevice.body.bookmark)}`,
        keys.auditor,
      ).expect(200);
      expect(next.body.items.map((r: { reading: Reading }) => r.reading.seq)).toEqual([3]);
    });

    it('refuses the handover while a breach has no disposition (409 OPEN_BREACH)', async () => {
      await post(`/shipments/${SHIPMENT}/custody/offer`, keys.producerOperator, {
        toOrg: 'CarrierMSP',
      }).expect(200);
      const res = await post(`/shipments/${SHIPMENT}/custody/accept`, keys.carrierOperator).expect(409);
      expect(res.body).toMatchObject({
        code: 'OPEN_BREACH',
        message: expect.stringContaining(`${DEVICE}/3/temperatureC.max`),
      });
    });

    it('records a disposition, after which the receiver takes custody', async () => {
      const disposed = await post(`/shipments/${SHIPMENT}/breaches/disposition`, keys.producerOperator, {
        breachIds: [`${DEVICE}/3/temperatureC.max`],
        decision: 'release',
        note: 'probe touched the wall; product core stayed at 6 °C',
      }).expect(200);
      expect(disposed.body.breaches).toEqual([
        expect.objectContaining({ disposition: expect.objectContaining({ decision: 'release' }) }),
      ]);
      const accepted = await post(`/shipments/${SHIPMENT}/custody/accept`, keys.carrierOperator).expect(200);
      expect(accepted.body).toMatchObject({ custodianOrg: 'CarrierMSP', status: 'in-custody' });
    });

    it("gives auditors the provenance with every transaction's block and validation code", async () => {
      const res = await get(`/shipments/${SHIPMENT}/provenance`, keys.auditor).expect(200);
      expect(res.body.shipment.custody.map((c: { action: string }) => c.action)).toEqual([
        'created',
        'offered',
        'accepted',
      ]);
      expect(res.body.openBreaches).toBe(0);
      const named = [
        ...res.body.shipment.custody.map((c: { txId: string }) => c.txId),
        attachTxId,
        ...res.body.readings[0].txIds,
        res.body.breaches[0].disposition.txId,
      ];
      for (const txId of named) {
        expect(res.body.transactions[txId]).toEqual({
          blockNumber: expect.stringMatching(/^[1-9][0-9]*$/),
          validationCode: 'VALID',
        });
      }
      // Each transaction sits in its own block on the in-memory ledger: the blocks are those of the writes.
      const offerBlock = Number(res.body.transactions[res.body.shipment.custody[1].txId].blockNumber);
      const acceptBlock = Number(res.body.transactions[res.body.shipment.custody[2].txId].blockNumber);
      expect(acceptBlock).toBeGreaterThan(offerBlock);
    });

    it('re-verifies a reading with the key that covered its sequence number, across a key rotation', async () => {
      await post(`/devices/${DEVICE}/rotate`, keys.producerAdmin, {
        publicKeyPem: rotatedDevice.publicKeyPem,
        effectiveFromSeq: 4,
      }).expect(200);
      await recordReading(4, 5.5, rotatedDevice.privateKey);
      const reading2 = await get(`/devices/${DEVICE}/readings/2`, keys.auditor).expect(200);
      const old = await get(`/devices/${DEVICE}/readings/2/verification`, keys.auditor).expect(200);
      expect(old.body).toEqual({
        deviceId: DEVICE,
        seq: 2,
        signatureValid: true,
        hashValid: true,
        keyFromSeq: 1,
        publicKeyPem: device.publicKeyPem,
        txId: reading2.body.txId,
        blockNumber: expect.stringMatching(/^[1-9][0-9]*$/),
        validationCode: 'VALID',
      });
      const fresh = await get(`/devices/${DEVICE}/readings/4/verification`, keys.auditor).expect(200);
      expect(fresh.body).toMatchObject({
        signatureValid: true,
        keyFromSeq: 4,
        publicKeyPem: rotatedDevice.publicKeyPem,
      });
    });

    it('delivers the shipment by its new custodian, after which it is closed (409 SHIPMENT_DELIVERED)', async () => {
      await post(`/shipments/${SHIPMENT}/deliver`, keys.carrierOperator).expect(200);
      const res = await post(`/shipments/${SHIPMENT}/custody/offer`, keys.carrierOperator, {
        toOrg: 'ProducerMSP',
      }).expect(409);
      expect(res.body.code).toBe('SHIPMENT_DELIVERED');
    });
  });

  describe('the other writes: detach, reject, revoke', () => {
    const SPARE = 'logger-2';
    const SHIPMENT_3 = 'SHP-3';

    beforeAll(async () => {
      await post('/devices', keys.producerAdmin, {
        deviceId: SPARE,
        publicKeyPem: newDeviceKey().publicKeyPem,
        kind: 'reefer-logger',
      }).expect(201);
      await post('/shipments', keys.producerOperator, {
        shipmentId: SHIPMENT_3,
        productCode: 'VACCINE-X',
        quantity: 5,
        origin: 'Amsterdam',
        destination: 'Oslo',
      }).expect(201);
    });

    it('detaches a device, keeping the attachment record as detached', async () => {
      await post(`/shipments/${SHIPMENT_3}/devices`, keys.producerOperator, { deviceIds: [SPARE] }).expect(
        200,
      );
      const res = await post(`/shipments/${SHIPMENT_3}/devices/detach`, keys.producerOperator, {
        deviceIds: [SPARE],
      }).expect(200);
      expect(res.body.attachments).toEqual([
        expect.objectContaining({ deviceId: SPARE, status: 'detached' }),
      ]);
    });

    it('lets the organisation offered custody reject it, after which nothing is pending (409 NO_PENDING_OFFER)', async () => {
      await post(`/shipments/${SHIPMENT_3}/custody/offer`, keys.producerOperator, {
        toOrg: 'CarrierMSP',
      }).expect(200);
      const rejected = await post(`/shipments/${SHIPMENT_3}/custody/reject`, keys.carrierOperator, {
        reason: 'no reefer truck free',
      }).expect(200);
      expect(rejected.body).toMatchObject({ custodianOrg: 'ProducerMSP', pendingOffer: null });
      const res = await post(`/shipments/${SHIPMENT_3}/custody/accept`, keys.carrierOperator).expect(409);
      expect(res.body.code).toBe('NO_PENDING_OFFER');
    });

    it('revokes a device, which then cannot be attached (409 DEVICE_REVOKED)', async () => {
      const revoked = await post(`/devices/${SPARE}/revoke`, keys.producerAdmin, {
        reason: 'lost in transit',
      }).expect(200);
      expect(revoked.body).toMatchObject({ status: 'revoked', revocation: { reason: 'lost in transit' } });
      const res = await post(`/shipments/${SHIPMENT_3}/devices`, keys.producerOperator, {
        deviceIds: [SPARE],
      }).expect(409);
      expect(res.body.code).toBe('DEVICE_REVOKED');
    });
  });

  describe('authentication (401)', () => {
    it('lets a route marked @Public() through without a key', async () => {
      await api.http().get('/probe').expect(200, { ok: true });
    });

    const forged = `pvk_${randomBytes(6).toString('hex')}_${randomBytes(32).toString('base64url')}`;

    it.each([
      ['no key', undefined],
      ['a forged key', `Bearer ${forged}`],
      ['a malformed key', 'Bearer letmein'],
      ['another scheme', 'Basic dXNlcjpwYXNz'],
    ])('refuses %s with UNAUTHENTICATED', async (_case, header) => {
      const req = api.http().get('/devices');
      const res = await (header === undefined ? req : req.set('Authorization', header)).expect(401);
      expect(res.body).toEqual({ code: 'UNAUTHENTICATED', message: expect.any(String) });
      expect(res.headers['www-authenticate']).toBe('Bearer');
    });

    it('refuses a revoked key and an expired key with the same answer as a forged one', async () => {
      const bodies = await Promise.all(
        [keys.revoked, keys.expired, forged].map(
          async (key) => (await get('/devices', key).expect(401)).body,
        ),
      );
      expect(bodies[0]).toEqual(bodies[2]);
      expect(bodies[1]).toEqual(bodies[2]);
    });

    it('accepts a key created after start-up (by the keys command) without a restart', async () => {
      const { key } = await new ApiKeyStore({ file: keysFile }).create({
        role: 'auditor',
        org: 'AuditorMSP',
        label: 'new auditor',
      });
      await get('/devices', key).expect(200);
    });
  });

  describe('authorisation (403)', () => {
    it('refuses auditors every write route, before any ledger call', async () => {
      const docs = await api.http().get('/docs/json').expect(200);
      const writes = Object.entries(docs.body.paths as Record<string, Record<string, unknown>>).flatMap(
        ([path, methods]) =>
          Object.keys(methods)
            .filter((m) => ['post', 'put', 'patch', 'delete'].includes(m))
            // A check that takes its input as a body and writes nothing: the auditor's own route.
            .filter(() => !path.endsWith('/commercial-terms/verification'))
            .map(
              (m) =>
                [
                  m,
                  path
                    .replace('{deviceId}', DEVICE)
                    .replace('{shipmentId}', SHIPMENT)
                    .replace('{palletId}', 'PALLET-1'),
                ] as const,
            ),
      );
      expect(writes.length).toBe(21);
      const before = api.ledger.submitted.length;
      for (const [method, path] of writes) {
        const res = await api.http()[method as 'post'](path).set(as(keys.auditor)).send({}).expect(403);
        expect(res.body.code).toBe('FORBIDDEN');
      }
      expect(api.ledger.submitted.length).toBe(before);
    });

    it('refuses operators device provisioning (an admin act)', async () => {
      const res = await post('/devices', keys.producerOperator, {
        deviceId: 'logger-op',
        publicKeyPem: device.publicKeyPem,
        kind: 'reefer-logger',
      }).expect(403);
      expect(res.body.message).toContain('admin');
    });

    it("refuses an admin provisioning another organisation's device, before any ledger call", async () => {
      const before = api.ledger.submitted.length;
      const res = await post('/devices', keys.producerAdmin, {
        deviceId: 'logger-x',
        publicKeyPem: device.publicKeyPem,
        ownerOrg: 'CarrierMSP',
        kind: 'reefer-logger',
      }).expect(403);
      expect(res.body.code).toBe('FORBIDDEN');
      expect(api.ledger.submitted.length).toBe(before);
    });

    it("refuses a Carrier operator revoking the Producer's device (admin only)", async () => {
      await post(`/devices/${DEVICE}/revoke`, keys.carrierOperator, { reason: 'mine now' }).expect(403);
    });

    it("passes on the chaincode's refusal of a Carrier admin rotating the Producer's device key", async () => {
      const res = await post(`/devices/${DEVICE}/rotate`, keys.carrierAdmin, {
        publicKeyPem: rotatedDevice.publicKeyPem,
        effectiveFromSeq: 100,
      }).expect(403);
      expect(res.body).toEqual({
        code: 'FORBIDDEN',
        message: expect.stringContaining('only an admin of ProducerMSP'),
      });
    });

    it("passes on the chaincode's refusal of a Carrier operator attaching devices to a Producer shipment", async () => {
      await post('/shipments', keys.producerOperator, {
        shipmentId: 'SHP-2',
        productCode: 'VACCINE-X',
        quantity: 10,
        origin: 'Amsterdam',
        destination: 'Oslo',
      }).expect(201);
      const res = await post('/shipments/SHP-2/devices', keys.carrierOperator, {
        deviceIds: [DEVICE],
      }).expect(403);
      expect(res.body.message).toContain('ProducerMSP');
    });
  });

  describe('refusals of the request itself', () => {
    it('answers an unknown record with 404 NOT_FOUND', async () => {
      const res = await get('/devices/no-such-device', keys.auditor).expect(404);
      expect(res.body.code).toBe('NOT_FOUND');
      await get('/devices/no-such-device/readings/1/verification', keys.auditor).expect(404);
    });

    it('answers an unknown route with 404 NOT_FOUND in the same shape', async () => {
      const res = await get('/no-such-route', keys.auditor).expect(404);
      expect(res.body).toEqual({ code: 'NOT_FOUND', message: expect.any(String) });
    });

    it('answers a second registration of a device with 409 ALREADY_EXISTS', async () => {
      const res = await post('/devices', keys.producerAdmin, {
        deviceId: DEVICE,
        publicKeyPem: device.publicKeyPem,
        kind: 'reefer-logger',
      }).expect(409);
      expect(res.body.code).toBe('ALREADY_EXISTS');
    });

    it.each([
      [
        'an unknown body field',
        '/shipments',
        { shipmentId: 'S9', productCode: 'P', quantity: 1, origin: 'a', destination: 'b', priority: 'high' },
        'priority',
      ],
      [
        'a nested field',
        '/shipments',
        {
          shipmentId: 'S9',
          productCode: 'P',
          quantity: 1,
          origin: 'a',
          destination: 'b',
          complianceProfile: { temperatureC: { max: '8' } },
        },
        'complianceProfile.temperatureC.max',
      ],
      ['a bad id in the body', `/shipments/${SHIPMENT}/custody/offer`, { toOrg: 'Carrier MSP' }, 'toOrg'],
      ['an element of a list', `/shipments/${SHIPMENT}/devices`, { deviceIds: ['ok', ''] }, 'deviceIds.1'],
    ])('answers %s with 400 VALIDATION_FAILED naming the field', async (_case, path, body, field) => {
      const res = await post(path, keys.producerOperator, body).expect(400);
      expect(res.body).toEqual({
        code: 'VALIDATION_FAILED',
        message: expect.stringContaining(field),
        details: { field },
      });
    });

    it.each([
      ['/devices/bad%20id', 'deviceId'],
      [`/devices/${DEVICE}/readings/0`, 'seq'],
      ['/devices?pageSize=0', 'pageSize'],
      ['/devices?pageSize=101', 'pageSize'],
      ['/shipments?limit=5', 'limit'],
      [`/devices/${DEVICE}/readings?from=10&to=5`, 'to'],
    ])('answers GET %s with 400 naming %s', async (path, field) => {
      const res = await get(path, keys.auditor).expect(400);
      expect(res.body.details).toEqual({ field });
    });

    it('answers malformed JSON with 400 VALIDATION_FAILED', async () => {
      const res = await api
        .http()
        .post('/shipments')
        .set(as(keys.producerOperator))
        .set('Content-Type', 'application/json')
        .send('{"shipmentId":')
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    });

    it('answers an argument the chaincode refuses with 422 INVALID_ARGUMENT', async () => {
      const notAKey = `-----BEGIN PUBLIC KEY-----\n${Buffer.alloc(91, 7).toString('base64')}\n-----END PUBLIC KEY-----\n`;
      const res = await post('/devices', keys.producerAdmin, {
        deviceId: 'logger-bad-key',
        publicKeyPem: notAKey,
        kind: 'reefer-logger',
      }).expect(422);
      expect(res.body).toEqual({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('publicKeyPem'),
      });
    });

    it('answers 503 LEDGER_UNAVAILABLE without naming the ledger when it cannot be reached', async () => {
      api.ledger.unreachable = true;
      try {
        const res = await get('/devices', keys.auditor).expect(503);
        expect(res.body).toEqual({
          code: 'LEDGER_UNAVAILABLE',
          message: 'the ledger is unavailable; retry later',
        });
      } finally {
        api.ledger.unreachable = false;
      }
    });
  });

  describe('OpenAPI', () => {
    it('lists every route with its method, the bearer scheme, and body schemas from the validators', async () => {
      const res = await api.http().get('/docs/json').expect(200);
      const routes = Object.entries(res.body.paths as Record<string, object>)
        .filter(([path]) => path !== '/probe')
        .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
      expect(routes.sort()).toEqual(
        [
          'POST /devices',
          'GET /devices',
          'GET /devices/{deviceId}',
          'POST /devices/{deviceId}/rotate',
          'POST /devices/{deviceId}/revoke',
          'GET /devices/{deviceId}/readings',
          'GET /devices/{deviceId}/readings/{seq}',
          'GET /devices/{deviceId}/readings/{seq}/verification',
          'POST /shipments',
          'GET /shipments',
          'GET /shipments/{shipmentId}',
          'POST /shipments/{shipmentId}/devices',
          'POST /shipments/{shipmentId}/devices/detach',
          'POST /shipments/{shipmentId}/custody/offer',
          'POST /shipments/{shipmentId}/custody/accept',
          'POST /shipments/{shipmentId}/custody/reject',
          'POST /shipments/{shipmentId}/breaches/disposition',
          'POST /shipments/{shipmentId}/deliver',
          'GET /shipments/{shipmentId}/readings',
          'GET /shipments/{shipmentId}/provenance',
          'GET /shipments/{shipmentId}/epcis',
          'PUT /shipments/{shipmentId}/commercial-terms',
          'GET /shipments/{shipmentId}/commercial-terms',
          'GET /shipments/{shipmentId}/commercial-terms/hash',
          'POST /shipments/{shipmentId}/commercial-terms/verification',
          'POST /pallets',
          'GET /pallets',
          'GET /pallets/{palletId}',
          'POST /pallets/{palletId}/pack',
          'POST /pallets/{palletId}/unpack',
          'POST /pallets/{palletId}/devices',
          'POST /pallets/{palletId}/devices/detach',
          'GET /pallets/{palletId}/readings',
          'POST /pallets/{palletId}/custody/offer',
          'POST /pallets/{palletId}/custody/accept',
          'POST /pallets/{palletId}/custody/reject',
          'POST /epcis/capture',
          'GET /forecasts',
          'GET /forecasts/scorecard',
          'GET /forecasts/series/{seriesId}',
          'GET /forecasts/{runId}',
          'GET /maintenance-flags',
        ].sort(),
      );
      expect(res.body.components.securitySchemes['api-key']).toMatchObject({
        type: 'http',
        scheme: 'bearer',
      });
      const provision = res.body.paths['/devices'].post;
      expect(provision.security).toEqual([{ 'api-key': [] }]);
      expect(provision.requestBody.content['application/json'].schema).toMatchObject({
        required: ['deviceId', 'publicKeyPem', 'kind'],
        additionalProperties: false,
      });
      await api.http().get('/docs').expect(200);
    });
  });
});

describe('rate limit (429)', () => {
  it('refuses a key past its requests per minute with RATE_LIMITED and Retry-After, other keys unaffected', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'provena-api-rate-'));
    const file = join(dir, 'api-keys.json');
    const store = new ApiKeyStore({ file });
    const busy = (await store.create({ role: 'auditor', org: 'AuditorMSP', label: 'busy' })).key;
    const calm = (await store.create({ role: 'auditor', org: 'AuditorMSP', label: 'calm' })).key;
    const api = await boot(file, { rateLimitPerMinute: 3 });
    try {
      const call = (key: string) => api.http().get('/devices').set('Authorization', `Bearer ${key}`);
      for (let i = 0; i < 3; i++) await call(busy).expect(200);
      const res = await call(busy).expect(429);
      expect(res.body).toMatchObject({ code: 'RATE_LIMITED' });
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      await call(calm).expect(200);
    } finally {
      await api.app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ApiModule wiring', () => {
  it('finds LEDGER in a @Global() module when no ledger module is passed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'provena-api-global-'));
    const file = join(dir, 'api-keys.json');
    const { key } = await new ApiKeyStore({ file }).create({
      role: 'auditor',
      org: 'AuditorMSP',
      label: 'a',
    });
    @Global()
    @Module({ providers: [{ provide: LEDGER, useValue: new InMemoryLedgerAdapter() }], exports: [LEDGER] })
    class GlobalLedgerModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        GlobalLedgerModule,
        ApiModule.forRoot({ apiKeysFile: file, rateLimitPerMinute: 10, maxPageSize: 10 }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      await request(app.getHttpServer()).get('/shipments').set('Authorization', `Bearer ${key}`).expect(200);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start on a malformed key file, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'provena-api-bad-keys-'));
    const file = join(dir, 'api-keys.json');
    writeFileSync(file, 'not json');
    try {
      await expect(boot(file)).rejects.toThrow(`the API key file ${file} is not JSON`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
