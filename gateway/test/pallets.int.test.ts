import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { openMqttRejectionFeed } from '@provena/iot-simulator';
import { Topics } from '@provena/wire';
import { startTestBroker, type TestBroker } from '../../test/support/mosquitto.harness';
import { ApiKeyStore } from '../src/api/auth/api-key.store';
import { IngestService } from '../src/ingest/ingest.service';
import { TestDevice } from '../src/testing/test-devices';
import { publishAll, startGatewayApp, testGatewayConfig, until } from './ingest.harness';
import { LEDGER_NAME, newLedgerUnderTest, runId } from './ledger-under-test';

const PRODUCER = 'ProducerMSP';
const CARRIER = 'CarrierMSP';

interface Breach {
  breachId: string;
  shipmentId: string;
  palletId?: string;
  disposition: unknown;
}
interface PalletTrip {
  palletId: string;
  packedAtTxId: string;
  unpackedAtTxId: string | null;
  custody: { action: string; txId: string }[];
  readings: { deviceId: string; count: number }[];
  breachIds: string[];
}
interface Provenance {
  shipment: { custodianOrg: string; custody: { action: string; palletId?: string; txId: string }[] };
  breaches: Breach[];
  pallets: PalletTrip[];
  transactions: Record<string, { blockNumber: string | null; validationCode: string | null }>;
}

// Issue 16, aggregation: two cases travel on pallet P1, whose logger reports an excursion that each case is judged
// by; P1 changes hands and carries both cases' custody; one case moves to pallet P2, which changes hands again;
// the case's provenance, as the auditor reads it, names both pallets in order with transactions on the ledger.
describe(`pallets: cases packed, carried and unpacked (${LEDGER_NAME})`, () => {
  let dir: string;
  let broker: TestBroker;
  let app: INestApplication;
  const ledger = newLedgerUnderTest();
  const c1 = runId('case-1');
  const c2 = runId('case-2');
  const p1 = runId('pallet-1');
  const p2 = runId('pallet-2');
  const p3 = runId('pallet-3');
  const logger = new TestDevice(runId('pallet-logger'));
  let key: { producer: string; carrier: string; auditor: string };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provena-pallets-'));
    broker = await startTestBroker({ persistence: false });
    app = await startGatewayApp(
      testGatewayConfig({ brokerUrl: broker.url, dir, clientId: 'gateway-pallets' }),
      ledger,
    );
    await app.get(IngestService).session.whenConnected();
    const keys = app.get(ApiKeyStore);
    key = {
      producer: (await keys.create({ role: 'operator', org: PRODUCER, label: 'pallets' })).key,
      carrier: (await keys.create({ role: 'operator', org: CARRIER, label: 'pallets' })).key,
      auditor: (await keys.create({ role: 'auditor', org: 'AuditorMSP', label: 'pallets' })).key,
    };
    await logger.register(ledger);
  });

  afterAll(async () => {
    await app?.close();
    await broker?.cleanup();
    await ledger.close();
    await rm(dir, { recursive: true, force: true });
  });

  const post = (path: string, as: string, body: object) =>
    request(app.getHttpServer()).post(path).set('authorization', `Bearer ${as}`).send(body);
  const get = (path: string, as: string) =>
    request(app.getHttpServer()).get(path).set('authorization', `Bearer ${as}`);
  const provenance = async (caseId: string): Promise<Provenance> =>
    (await get(`/shipments/${caseId}/provenance`, key.auditor).expect(200)).body as Provenance;
  const handOver = async (palletId: string, from: string, to: string, toOrg: string) => {
    await post(`/pallets/${palletId}/custody/offer`, from, { toOrg }).expect(200);
    return (await post(`/pallets/${palletId}/custody/accept`, to, {}).expect(200)).body as { txId: string };
  };

  it('records a pallet logger excursion for each case, carries custody with the pallet, and shows both pallets in provenance', async () => {
    for (const [caseId, max] of [
      [c1, 8],
      [c2, 8],
    ] as const) {
      await post('/shipments', key.producer, {
        shipmentId: caseId,
        productCode: 'VACCINE-X',
        quantity: 10,
        origin: 'Amsterdam',
        destination: 'Lyon',
        complianceProfile: { temperatureC: { min: 2, max } },
      }).expect(201);
    }
    await post('/pallets', key.producer, { palletId: p1 }).expect(201);
    await post(`/pallets/${p1}/devices`, key.producer, { deviceIds: [logger.deviceId] }).expect(200);
    const packed1 = (await post(`/pallets/${p1}/pack`, key.producer, { caseIds: [c1, c2] }).expect(200))
      .body as { txId: string };

    // The excursion, from the pallet's logger over MQTT as devices send it: the reading names the pallet.
    const excursion = logger.reading({ shipmentId: p1, measurements: { temperatureC: 14 } });
    await publishAll(broker.url, [{ topic: Topics.readings(logger.deviceId), payload: excursion.payload }]);
    const breachId = `${logger.deviceId}/${excursion.reading.seq}/temperatureC.max`;
    await until(async () => (await provenance(c2)).breaches.length === 1);
    for (const caseId of [c1, c2]) {
      const { breaches } = await provenance(caseId);
      expect(breaches).toMatchObject([{ breachId, shipmentId: caseId, palletId: p1, disposition: null }]);
    }

    // The pallet lists its logger's reading under its own id.
    const onPallet = (await get(`/pallets/${p1}/readings`, key.auditor).expect(200)).body as {
      items: { reading: { deviceId: string; seq: number } }[];
    };
    expect(onPallet.items.map((r) => [r.reading.deviceId, r.reading.seq])).toEqual([
      [logger.deviceId, excursion.reading.seq],
    ]);

    // A packed case does not change hands on its own.
    const alone = await post(`/shipments/${c2}/custody/offer`, key.producer, { toOrg: CARRIER }).expect(409);
    expect(alone.body).toMatchObject({ code: 'CONFLICT' });
    // Nor does the pallet while a case on it has an open breach.
    await post(`/pallets/${p1}/custody/offer`, key.producer, { toOrg: CARRIER }).expect(200);
    const blocked = await post(`/pallets/${p1}/custody/accept`, key.carrier, {}).expect(409);
    expect(blocked.body).toMatchObject({ code: 'OPEN_BREACH' });
    await post(`/pallets/${p1}/custody/reject`, key.carrier, { reason: 'breach open' }).expect(200);
    for (const caseId of [c1, c2]) {
      await post(`/shipments/${caseId}/breaches/disposition`, key.producer, {
        breachIds: [breachId],
        decision: 'quarantine',
      }).expect(200);
    }

    const accepted1 = await handOver(p1, key.producer, key.carrier, CARRIER);
    for (const caseId of [c1, c2]) {
      const shipment = (await get(`/shipments/${caseId}`, key.auditor).expect(200))
        .body as Provenance['shipment'];
      expect(shipment.custodianOrg).toBe(CARRIER);
      expect(shipment.custody.at(-1)).toMatchObject({
        action: 'accepted',
        palletId: p1,
        txId: accepted1.txId,
      });
    }

    const unpacked = (await post(`/pallets/${p1}/unpack`, key.carrier, { caseIds: [c1] }).expect(200))
      .body as { txId: string };
    await post('/pallets', key.carrier, { palletId: p2 }).expect(201);
    const packed2 = (await post(`/pallets/${p2}/pack`, key.carrier, { caseIds: [c1] }).expect(200)).body as {
      txId: string;
    };
    const accepted2 = await handOver(p2, key.carrier, key.producer, PRODUCER);

    // Listed in id order, page by page (the ledger may hold other test files' pallets too).
    const listed: string[] = [];
    let bookmark = '';
    do {
      const page = (
        await get(`/pallets?pageSize=50&bookmark=${encodeURIComponent(bookmark)}`, key.auditor).expect(200)
      ).body as { items: { palletId: string }[]; bookmark: string };
      listed.push(...page.items.map((p) => p.palletId));
      bookmark = page.bookmark;
    } while (bookmark !== '');
    expect(listed).toEqual([...listed].sort());
    expect(listed).toEqual(expect.arrayContaining([p1, p2]));

    const pallet2 = (await get(`/pallets/${p2}`, key.auditor).expect(200)).body as {
      custodianOrg: string;
      contents: { caseId: string }[];
    };
    expect(pallet2).toMatchObject({ custodianOrg: PRODUCER, contents: [{ caseId: c1 }] });
    expect(
      ((await get(`/shipments/${c2}`, key.auditor).expect(200)).body as { custodianOrg: string })
        .custodianOrg,
    ).toBe(CARRIER);

    const trail = await provenance(c1);
    expect(trail.shipment.custodianOrg).toBe(PRODUCER);
    expect(trail.pallets).toMatchObject([
      {
        palletId: p1,
        packedAtTxId: packed1.txId,
        unpackedAtTxId: unpacked.txId,
        custody: [
          { action: 'offered' },
          { action: 'rejected' },
          { action: 'offered' },
          { action: 'accepted', txId: accepted1.txId },
        ],
        readings: [{ deviceId: logger.deviceId, count: 1 }],
        breachIds: [breachId],
      },
      {
        palletId: p2,
        packedAtTxId: packed2.txId,
        unpackedAtTxId: null,
        custody: [{ action: 'offered' }, { action: 'accepted', txId: accepted2.txId }],
        readings: [],
        breachIds: [],
      },
    ]);
    // Every transaction of both trips is placed on the ledger, as the auditor's own peer sees it.
    for (const txId of [packed1.txId, unpacked.txId, accepted1.txId, packed2.txId, accepted2.txId]) {
      expect(trail.transactions[txId]).toMatchObject({ validationCode: 'VALID' });
      expect(trail.transactions[txId]?.blockNumber).not.toBeNull();
    }
  });

  it('refuses, from its detach on, the readings of a logger detached from the pallet; only the custodian detaches', async () => {
    await post('/pallets', key.producer, { palletId: p3 }).expect(201);
    await post(`/pallets/${p3}/devices`, key.producer, { deviceIds: [logger.deviceId] }).expect(200);
    const forbidden = await post(`/pallets/${p3}/devices/detach`, key.carrier, {
      deviceIds: [logger.deviceId],
    }).expect(403);
    expect(forbidden.body).toMatchObject({ code: 'FORBIDDEN' });
    const badBody = await post(`/pallets/${p3}/devices/detach`, key.producer, { deviceIds: [] }).expect(400);
    expect(badBody.body).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'deviceIds' } });

    const detached = (
      await post(`/pallets/${p3}/devices/detach`, key.producer, { deviceIds: [logger.deviceId] }).expect(200)
    ).body as { txId: string; attachments: { status: string; detachedAtTxId: string }[] };
    expect(detached.attachments).toEqual([
      expect.objectContaining({ status: 'detached', detachedAtTxId: detached.txId }),
    ]);
    const again = await post(`/pallets/${p3}/devices/detach`, key.producer, {
      deviceIds: [logger.deviceId],
    }).expect(409);
    expect(again.body).toMatchObject({ code: 'CONFLICT' });
    const listed = (await get(`/pallets/${p3}`, key.auditor).expect(200)).body as {
      attachments: { deviceId: string; status: string; detachedAtTxId: string | null }[];
    };
    expect(listed.attachments).toEqual([
      expect.objectContaining({
        deviceId: logger.deviceId,
        status: 'detached',
        detachedAtTxId: detached.txId,
      }),
    ]);

    const rejections = await openMqttRejectionFeed({
      url: broker.url,
      clientId: runId('pallets-rejections'),
    });
    try {
      const refused: { seq: number | undefined; code: string }[] = [];
      await rejections.watch([logger.deviceId], (n) => refused.push({ seq: n.seq, code: n.code }));
      const late = logger.reading({ shipmentId: p3, measurements: { temperatureC: 5 } });
      await publishAll(broker.url, [{ topic: Topics.readings(logger.deviceId), payload: late.payload }]);
      await until(async () => refused.length > 0);
      expect(refused).toEqual([{ seq: late.reading.seq, code: 'SHIPMENT_MISMATCH' }]);
    } finally {
      await rejections.close();
    }
  });
});
