import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { startTestBroker, type TestBroker } from '../../test/support/mosquitto.harness';
import { ApiKeyStore } from '../src/api/auth/api-key.store';
import type { ApiRole } from '../src/api/auth/principal';
import { TestDevice } from '../src/testing/test-devices';
import { testGatewayConfig, startGatewayApp } from './ingest.harness';
import { LEDGER_NAME, newLedgerUnderTest, runId } from './ledger-under-test';

// Issue 7, fault case 11: REST API abuse. Another organisation's records, fields a role may not set, expired,
// revoked and forged keys, a missing or malformed Authorization header, and the rate limit. The ledger runs the
// real chaincode (the Fabric test network in the Fabric tier, else the in-memory double), so the chaincode's own
// refusals are the ones under test. "Writing nothing" is read back from the ledger: on Fabric, from the blocks
// the peers committed meanwhile.

const RATE_LIMIT = 5;
const PRODUCER = 'ProducerMSP';
const CARRIER = 'CarrierMSP';
const CARRIER_SHIPMENT = runId('abuse-carrier-shipment');

describe(`REST API abuse (${LEDGER_NAME})`, () => {
  let broker: TestBroker;
  let app: INestApplication;
  let keysFile: string;
  const ledger = newLedgerUnderTest();
  const producerDevice = new TestDevice(runId('abuse-producer-device'), PRODUCER);

  // Every key may make only RATE_LIMIT requests a minute, so each check uses fresh keys.
  const key = async (role: ApiRole, org: string): Promise<string> =>
    (await app.get(ApiKeyStore).create({ role, org, label: `abuse ${role} ${org}` })).key;
  const api = () => request(app.getHttpServer());

  beforeAll(async () => {
    broker = await startTestBroker({ persistence: false });
    const dir = mkdtempSync(join(tmpdir(), 'provena-abuse-'));
    const config = testGatewayConfig({
      brokerUrl: broker.url,
      dir,
      clientId: 'gateway-abuse-test',
      rateLimitPerMinute: RATE_LIMIT,
    });
    keysFile = config.api.apiKeysFile;
    app = await startGatewayApp(config, ledger);
    await producerDevice.register(ledger);
    await ledger.submit({ org: CARRIER, role: 'operator' }, 'shipment:CreateShipment', [
      JSON.stringify({
        shipmentId: CARRIER_SHIPMENT,
        productCode: 'P-1',
        quantity: 5,
        origin: 'Rotterdam',
        destination: 'Basel',
      }),
    ]);
  });

  afterAll(async () => {
    await app?.close();
    await broker?.cleanup();
    await ledger.close();
  });

  describe("another organisation's records", () => {
    it.each([
      ['offer custody of', 'custody/offer', { toOrg: PRODUCER }],
      ['attach a device to', 'devices', { deviceIds: [producerDevice.deviceId] }],
      ['detach devices from', 'devices/detach', { deviceIds: [producerDevice.deviceId] }],
      ['deliver', 'deliver', {}],
    ])(
      'refuses a ProducerMSP operator who tries to %s a CarrierMSP shipment with 403, writing nothing',
      async (_action, route, body) => {
        const operator = await key('operator', PRODUCER);
        const before = await ledger.mark();
        const response = await api()
          .post(`/shipments/${CARRIER_SHIPMENT}/${route}`)
          .set('authorization', `Bearer ${operator}`)
          .send(body)
          .expect(403);
        expect(response.body).toMatchObject({ code: 'FORBIDDEN', message: expect.any(String) });
        expect(await before.writtenSince()).toEqual([]);
      },
    );

    it('lets every member organisation read the shipment: reads are shared on the channel, writes are not', async () => {
      const operator = await key('operator', PRODUCER);
      const response = await api()
        .get(`/shipments/${CARRIER_SHIPMENT}`)
        .set('authorization', `Bearer ${operator}`)
        .expect(200);
      expect(response.body).toMatchObject({ shipmentId: CARRIER_SHIPMENT, ownerOrg: CARRIER });
    });

    it('refuses an admin of ProducerMSP provisioning a device owned by CarrierMSP with 403, before any ledger call', async () => {
      const admin = await key('admin', PRODUCER);
      const before = await ledger.mark();
      const submitted = ledger.submitted.length;
      const response = await api()
        .post('/devices')
        .set('authorization', `Bearer ${admin}`)
        .send({
          deviceId: runId('abuse-foreign-device'),
          publicKeyPem: producerDevice.publicKeyPem,
          ownerOrg: CARRIER,
          kind: 'logger',
        })
        .expect(403);
      expect(response.body).toMatchObject({ code: 'FORBIDDEN' });
      expect(ledger.submitted).toHaveLength(submitted);
      expect(await before.writtenSince()).toEqual([]);
    });

    it("refuses a ProducerMSP admin revoking CarrierMSP's device with 403", async () => {
      const carrierDevice = new TestDevice(runId('abuse-carrier-device'), CARRIER);
      await carrierDevice.register(ledger);
      const admin = await key('admin', PRODUCER);
      const before = await ledger.mark();
      await api()
        .post(`/devices/${carrierDevice.deviceId}/revoke`)
        .set('authorization', `Bearer ${admin}`)
        .send({ reason: 'not ours' })
        .expect(403);
      expect(await before.writtenSince()).toEqual([]);
    });
  });

  describe('fields a role may not set', () => {
    it.each(['custodianOrg', 'ownerOrg', 'status', 'createdAt'])(
      'refuses %s on create shipment with 400 naming the field, writing nothing',
      async (field) => {
        const operator = await key('operator', PRODUCER);
        const before = await ledger.mark();
        const response = await api()
          .post('/shipments')
          .set('authorization', `Bearer ${operator}`)
          .send({
            shipmentId: runId('abuse-fields'),
            productCode: 'P-1',
            quantity: 1,
            origin: 'A',
            destination: 'B',
            [field]: CARRIER,
          })
          .expect(400);
        expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', details: { field } });
        expect(await before.writtenSince()).toEqual([]);
      },
    );

    it('refuses an auditor key on a write route with 403', async () => {
      const auditor = await key('auditor', 'AuditorMSP');
      const before = await ledger.mark();
      const response = await api()
        .post(`/shipments/${CARRIER_SHIPMENT}/custody/offer`)
        .set('authorization', `Bearer ${auditor}`)
        .send({ toOrg: PRODUCER })
        .expect(403);
      expect(response.body).toMatchObject({ code: 'FORBIDDEN' });
      expect(await before.writtenSince()).toEqual([]);
    });
  });

  describe('keys', () => {
    const expectUnauthenticated = (response: request.Response): void => {
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expect(response.body).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.any(String) });
    };

    it('refuses a key with 401 from the moment it is revoked', async () => {
      const store = app.get(ApiKeyStore);
      const { key: revoked, info } = await store.create({
        role: 'operator',
        org: PRODUCER,
        label: 'to revoke',
      });
      await api().get('/shipments').set('authorization', `Bearer ${revoked}`).expect(200);
      await store.revoke(info.id);
      expectUnauthenticated(await api().get('/shipments').set('authorization', `Bearer ${revoked}`));
    });

    it('refuses an expired key with 401 (expiry set in the key file, which the API re-reads when it changes)', async () => {
      const { key: expiring, info } = await app
        .get(ApiKeyStore)
        .create({ role: 'operator', org: PRODUCER, label: 'to expire', expiresInDays: 1 });
      await api().get('/shipments').set('authorization', `Bearer ${expiring}`).expect(200);
      const file = JSON.parse(await readFile(keysFile, 'utf8')) as {
        keys: { id: string; expiresAt: number }[];
      };
      for (const record of file.keys) if (record.id === info.id) record.expiresAt = Date.now() - 1000;
      await writeFile(`${keysFile}.tmp`, JSON.stringify(file));
      await rename(`${keysFile}.tmp`, keysFile);
      expectUnauthenticated(await api().get('/shipments').set('authorization', `Bearer ${expiring}`));
    });

    it('refuses forged keys of the right format with 401: a random id, and a known id with a random secret', async () => {
      const secret = () => randomBytes(32).toString('base64url');
      const { info } = await app.get(ApiKeyStore).create({ role: 'admin', org: PRODUCER, label: 'known id' });
      for (const forged of [
        `pvk_${randomBytes(6).toString('hex')}_${secret()}`,
        `pvk_${info.id}_${secret()}`,
      ]) {
        expectUnauthenticated(await api().get('/devices').set('authorization', `Bearer ${forged}`));
        expectUnauthenticated(
          await api()
            .post('/devices')
            .set('authorization', `Bearer ${forged}`)
            .send({ deviceId: 'x', publicKeyPem: producerDevice.publicKeyPem, kind: 'k' }),
        );
      }
    });

    it.each([
      ['no Authorization header', undefined],
      ['an empty header', ''],
      ['Bearer without a key', 'Bearer'],
      ['a key without Bearer', 'pvk_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
      ['Basic credentials', `Basic ${Buffer.from('admin:admin').toString('base64')}`],
      ['two tokens', 'Bearer pvk_a pvk_b'],
      ['a truncated key', 'Bearer pvk_0123456789ab_short'],
    ])('refuses %s with 401', async (_name, header) => {
      const call = api().get('/shipments');
      expectUnauthenticated(await (header === undefined ? call : call.set('authorization', header)));
    });
  });

  describe('rate limit', () => {
    it(`answers the request after the ${RATE_LIMIT}th in a minute with 429 and Retry-After, for that key only`, async () => {
      const busy = await key('auditor', 'AuditorMSP');
      for (let i = 0; i < RATE_LIMIT; i++) {
        await api().get('/shipments').set('authorization', `Bearer ${busy}`).expect(200);
      }
      const limited = await api().get('/shipments').set('authorization', `Bearer ${busy}`).expect(429);
      expect(limited.body).toMatchObject({
        code: 'RATE_LIMITED',
        details: { retryAfterSeconds: expect.any(Number) },
      });
      const retryAfter = Number(limited.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Throttled before the role check: a write it may not make is counted and refused as 429 too.
      await api().post('/shipments').set('authorization', `Bearer ${busy}`).send({}).expect(429);
      // Another key is not starved by this one.
      await api()
        .get('/shipments')
        .set('authorization', `Bearer ${await key('auditor', 'AuditorMSP')}`)
        .expect(200);
    });
  });
});
