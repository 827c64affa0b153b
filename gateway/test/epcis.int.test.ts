import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { Reading, SignedReading } from '@provena/wire';
import { startTestBroker, type TestBroker } from '../../test/support/mosquitto.harness';
import { ApiKeyStore } from '../src/api/auth/api-key.store';
import type { ApiRole } from '../src/api/auth/principal';
import type { CaptureResult } from '../src/api/epcis/epcis.service';
import { sensorReportsOf, type EpcisDocument } from '../src/api/epcis/epcis-export';
import { validateEpcisDocument } from '../src/api/epcis/epcis-schema';
import { TestDevice } from '../src/testing/test-devices';
import { startGatewayApp, testGatewayConfig, until } from './ingest.harness';
import { LEDGER_NAME, newLedgerUnderTest, runId } from './ledger-under-test';

// Issue 15 item 3: a shipment exported as GS1 EPCIS 2.0 and documents captured back, through the whole gateway
// app on the ledger under test (the Fabric test network in the Fabric tier, else the in-memory double running the
// real chaincode). Custody and readings are put on the ledger through the ledger port, as the organisations and
// MQTT ingest would; everything EPCIS goes through REST.

const PRODUCER = 'ProducerMSP';
const CARRIER = 'CarrierMSP';
const PRODUCER_OPERATOR = { org: PRODUCER, role: 'operator' } as const;
const AUDITOR = { org: 'AuditorMSP', role: 'auditor' } as const;
const READINGS = 5;

interface DevicesReadings {
  items: { reading: { seq: number; measurements: Record<string, unknown> }; txId: string }[];
}

describe(`GS1 EPCIS 2.0 export and capture (${LEDGER_NAME})`, () => {
  let broker: TestBroker;
  let app: INestApplication;
  const ledger = newLedgerUnderTest();
  const shipmentId = runId('epcis-shipment');
  const device = new TestDevice(runId('epcis-logger'), PRODUCER);
  const keys: Partial<Record<string, string>> = {};

  const key = async (role: ApiRole, org: string): Promise<string> =>
    (keys[`${role} ${org}`] ??= (
      await app.get(ApiKeyStore).create({ role, org, label: `epcis ${role}` })
    ).key);
  const api = () => request(app.getHttpServer());
  const signed = (overrides: Partial<Reading> = {}): SignedReading =>
    JSON.parse(device.reading({ shipmentId, ...overrides }).payload.toString('utf8')) as SignedReading;

  // What a partner's system sends: the documented event shape around a reading the device signed.
  const partnerEvent = ({ reading, signature }: SignedReading): Record<string, unknown> => ({
    type: 'ObjectEvent',
    eventTime: new Date(reading.measuredAt).toISOString(),
    eventTimeZoneOffset: '+00:00',
    epcList: [`urn:provena:shipment:${shipmentId}`],
    action: 'OBSERVE',
    bizStep: 'sensor_reporting',
    sensorElementList: [
      {
        sensorMetadata: { deviceID: `urn:provena:device:${reading.deviceId}` },
        sensorReport: sensorReportsOf(reading),
      },
    ],
    'provena:reading': reading,
    'provena:signature': signature,
  });
  const partnerDocument = (events: unknown[]) => ({
    '@context': [
      'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld',
      { provena: 'urn:provena:epcis:' },
    ],
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: new Date().toISOString(),
    epcisBody: { eventList: events },
  });

  const exportPage = async (query: string): Promise<request.Response> =>
    api()
      .get(`/shipments/${shipmentId}/epcis${query}`)
      .set('authorization', `Bearer ${await key('auditor', 'AuditorMSP')}`)
      .expect(200);

  const capture = async (body: unknown, type = 'application/json'): Promise<CaptureResult> =>
    (
      await api()
        .post('/epcis/capture')
        .set('authorization', `Bearer ${await key('operator', PRODUCER)}`)
        .set('content-type', type)
        .send(JSON.stringify(body))
        .expect(200)
    ).body as CaptureResult;

  beforeAll(async () => {
    broker = await startTestBroker({ persistence: false });
    const config = testGatewayConfig({
      brokerUrl: broker.url,
      dir: mkdtempSync(join(tmpdir(), 'provena-epcis-')),
      clientId: 'gateway-epcis-test',
    });
    app = await startGatewayApp(config, ledger);
    await device.register(ledger);
    await ledger.submit(PRODUCER_OPERATOR, 'shipment:CreateShipment', [
      JSON.stringify({
        shipmentId,
        productCode: 'mrna-vaccine',
        quantity: 24,
        origin: 'Basel',
        destination: 'Rotterdam',
        complianceProfile: { temperatureC: { min: 2, max: 8 } },
      }),
    ]);
    await ledger.submit(PRODUCER_OPERATOR, 'shipment:AttachDevices', [
      shipmentId,
      JSON.stringify([device.deviceId]),
    ]);
    const envelopes = Array.from({ length: READINGS }, () =>
      signed({ measurements: { temperatureC: 4.5, humidityPct: 55, location: { lat: 51.9, lon: 4.48 } } }),
    );
    await ledger.submit(PRODUCER_OPERATOR, 'reading:RecordReadings', [JSON.stringify(envelopes)]);
    await ledger.submit(PRODUCER_OPERATOR, 'shipment:OfferCustody', [shipmentId, CARRIER]);
    await ledger.submit({ org: CARRIER, role: 'operator' }, 'shipment:AcceptCustody', [shipmentId]);
    // On Fabric the auditor reads its own peer, which commits each block at its own pace.
    await until(
      async () =>
        (await ledger.evaluate<{ custody: unknown[] }>(AUDITOR, 'shipment:GetShipment', [shipmentId])).custody
          .length === 3,
    );
  });

  afterAll(async () => {
    await app?.close();
    await broker?.cleanup();
    await ledger.close();
  });

  let exported: EpcisDocument;

  it('exports the shipment as a document valid against the EPCIS 2.0 JSON schema, every fact with its block', async () => {
    const response = await exportPage('');
    expect(response.headers['content-type']).toMatch(/^application\/ld\+json/);
    exported = response.body as EpcisDocument;
    expect(validateEpcisDocument(exported)).toEqual([]);
    const events = exported.epcisBody.eventList;
    expect(events.map((e) => e['provena:custodyAction'] ?? e.bizStep)).toEqual([
      'created',
      'offered',
      'accepted',
      ...Array<string>(READINGS).fill('sensor_reporting'),
    ]);
    // Each certificationInfo names a transaction the ledger holds, in the block the document says.
    for (const event of events) {
      const txId = event['provena:txId'] as string;
      expect(event.certificationInfo).toBe(`urn:provena:tx:${txId}`);
      const info = await ledger.transactionInfo(AUDITOR, txId);
      expect(event['provena:blockNumber']).toBe(info.blockNumber.toString());
    }
  });

  it('pages a shipment by its readings, custody on the first page, with a Link to the next', async () => {
    const seqs: number[] = [];
    let query = '?pageSize=2';
    let pages = 0;
    let custodyEvents = 0;
    for (;;) {
      const response = await exportPage(query);
      const document = response.body as EpcisDocument;
      expect(validateEpcisDocument(document)).toEqual([]);
      for (const event of document.epcisBody.eventList) {
        if (event['provena:reading'] === undefined) custodyEvents++;
        else seqs.push((event['provena:reading'] as Reading).seq);
      }
      pages++;
      const link = response.headers.link as string | undefined;
      if (link === undefined) break;
      expect(document['provena:nextBookmark']).toEqual(expect.any(String));
      query = /<[^?]+(\?[^>]+)>; rel="next"/.exec(link)?.[1] ?? 'no link';
    }
    expect(custodyEvents).toBe(3);
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
    expect(pages).toBe(3);
  });

  it('captures the exported document again as all duplicates, writing nothing (the round trip)', async () => {
    const before = await ledger.mark();
    // As EPCIS 2.0 clients send it: JSON-LD.
    const result = await capture(exported, 'application/ld+json');
    expect(result).toMatchObject({ accepted: 0, duplicates: 3 + READINGS, refused: 0 });
    expect(result.events.map((e) => e.status)).toEqual(Array(3 + READINGS).fill('duplicate'));
    expect(await before.writtenSince()).toEqual([]);
  });

  it('records new signed readings captured from a partner, refusing only the one whose value was changed', async () => {
    const [first, tampered, last] = [signed(), signed(), signed()] as [
      SignedReading,
      SignedReading,
      SignedReading,
    ];
    const changed = partnerEvent(tampered);
    const [element] = changed.sensorElementList as { sensorReport: { value: number }[] }[];
    (element?.sensorReport[0] as { value: number }).value = 3.9;

    const result = await capture(partnerDocument([partnerEvent(first), changed, partnerEvent(last)]));

    expect(result).toMatchObject({ accepted: 2, duplicates: 0, refused: 1, txId: expect.any(String) });
    expect(result.events.map(({ status, code, seq }) => ({ status, code, seq }))).toEqual([
      { status: 'accepted', code: undefined, seq: first.reading.seq },
      { status: 'refused', code: 'BAD_SIGNATURE', seq: tampered.reading.seq },
      { status: 'accepted', code: undefined, seq: last.reading.seq },
    ]);
    expect(result.events[1]?.path).toBe('/epcisBody/eventList/1/sensorElementList/0/sensorReport/0/value');

    const readDevice = async (): Promise<DevicesReadings> =>
      (
        await api()
          .get(`/devices/${device.deviceId}/readings`)
          .set('authorization', `Bearer ${await key('auditor', 'AuditorMSP')}`)
          .expect(200)
      ).body as DevicesReadings;
    let onLedger = await readDevice();
    await until(async () => (onLedger = await readDevice()).items.length === READINGS + 2);
    const recorded = new Map(onLedger.items.map((r) => [r.reading.seq, r]));
    expect([...recorded.keys()].sort((a, b) => a - b)).toEqual([
      1,
      2,
      3,
      4,
      5,
      first.reading.seq,
      last.reading.seq,
    ]);
    expect(recorded.get(first.reading.seq)?.txId).toBe(result.txId);
    expect(recorded.get(first.reading.seq)?.reading.measurements).toEqual(first.reading.measurements);
  });

  it('refuses a document that is not EPCIS 2.0 as a whole, before any ledger call', async () => {
    const submitted = ledger.submitted.length;
    const response = await api()
      .post('/epcis/capture')
      .set('authorization', `Bearer ${await key('operator', PRODUCER)}`)
      .send({ ...partnerDocument([partnerEvent(signed())]), schemaVersion: '1.2' })
      .expect(400);
    expect(response.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { reason: 'NOT_EPCIS_2_0', field: 'schemaVersion' },
    });
    expect(ledger.submitted).toHaveLength(submitted);
  });

  it.each(['application/json', 'application/ld+json'])(
    'refuses a body over 100 KB sent as %s with 413, before any ledger call',
    async (type) => {
      const submitted = ledger.submitted.length;
      const padding = 'x'.repeat(100 * 1024);
      const response = await api()
        .post('/epcis/capture')
        .set('authorization', `Bearer ${await key('operator', PRODUCER)}`)
        .set('content-type', type)
        .send(JSON.stringify({ ...partnerDocument([]), 'provena:padding': padding }));
      expect(response.status).toBe(413);
      expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(ledger.submitted).toHaveLength(submitted);
    },
  );

  it('lets only operators and admins of member organisations capture', async () => {
    const submitted = ledger.submitted.length;
    const response = await api()
      .post('/epcis/capture')
      .set('authorization', `Bearer ${await key('auditor', 'AuditorMSP')}`)
      .send(partnerDocument([partnerEvent(signed())]))
      .expect(403);
    expect(response.body).toMatchObject({ code: 'FORBIDDEN' });
    expect(ledger.submitted).toHaveLength(submitted);
  });

  it('answers 404 for a shipment the ledger does not hold', async () => {
    await api()
      .get(`/shipments/${runId('no-such-shipment')}/epcis`)
      .set('authorization', `Bearer ${await key('auditor', 'AuditorMSP')}`)
      .expect(404);
  });
});
