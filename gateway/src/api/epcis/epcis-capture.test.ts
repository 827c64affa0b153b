import { generateKeyPairSync } from 'node:crypto';
import { canonicalJson, publicKeyPem, sealReading, type Reading } from '@provena/wire';
import { GatewayError } from '../../errors/gateway-error';
import { checkCaptureDocument, judgeEvent, MAX_CAPTURE_EVENTS, type EdgeVerdict } from './epcis-capture';
import { readingEvent, shipmentDocument, type RecordedReading } from './epcis-export';
import { signatureRefusal } from './epcis.service';

// The edge of capture: what is refused before any ledger call, per document and per event, with the code and
// the JSON Pointer a partner needs to find the problem.

const NOW = Date.UTC(2026, 11, 6, 2, 0, 0);
const MAX_AHEAD = 300_000;
const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const device = {
  status: 'active' as const,
  keys: [{ publicKeyPem: publicKeyPem(pair.publicKey), fromSeq: 1 }],
};

function recorded(seq: number, overrides: Partial<Reading> = {}): RecordedReading {
  const reading: Reading = {
    v: 1,
    deviceId: 'logger-1',
    seq,
    measuredAt: NOW - 60_000 * (10 - seq),
    shipmentId: 'SHP-1',
    measurements: { temperatureC: 4.5, humidityPct: 60, location: { lat: 51.9, lon: 4.5 } },
    ...overrides,
  };
  return { ...sealReading(reading, pair.privateKey), txId: 'tx-1', recordedAt: NOW };
}

const exported = (r: RecordedReading): Record<string, unknown> =>
  JSON.parse(JSON.stringify(readingEvent(r, new Map()))) as Record<string, unknown>;

const documentOf = (events: unknown[]): Record<string, unknown> =>
  JSON.parse(
    JSON.stringify({
      ...shipmentDocument({
        shipment: null,
        readings: [],
        blocks: new Map(),
        nowMs: NOW,
        nextBookmark: null,
      }),
      epcisBody: { eventList: events },
    }),
  ) as Record<string, unknown>;

const judge = (event: unknown, index = 0): EdgeVerdict => judgeEvent(event, index, NOW, MAX_AHEAD);

function refusalOf(verdict: EdgeVerdict): { code?: string; path?: string; reason?: string } {
  if (verdict.kind !== 'refused') throw new Error(`expected a refusal, got ${verdict.kind}`);
  return { code: verdict.result.code, path: verdict.result.path, reason: verdict.result.reason };
}

function documentRefusal(body: unknown): Record<string, unknown> | undefined {
  try {
    checkCaptureDocument(body);
    return undefined;
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    return { code: err.code, ...err.details };
  }
}

describe('checkCaptureDocument', () => {
  it('takes an exported document as it is', () => {
    expect(checkCaptureDocument(documentOf([exported(recorded(1))])).events).toHaveLength(1);
  });

  it.each([
    ['an array', [], 'type'],
    ['an EPCISQueryDocument', { ...documentOf([]), type: 'EPCISQueryDocument' }, 'type'],
    ['EPCIS 1.2', { ...documentOf([]), schemaVersion: '1.2' }, 'schemaVersion'],
    [
      'a document without the EPCIS 2.0 context',
      { ...documentOf([]), '@context': ['https://x.example/c'] },
      '@context',
    ],
  ])('refuses %s as not EPCIS 2.0, before looking at any event', (_what, body, field) => {
    expect(documentRefusal(body)).toMatchObject({
      code: 'VALIDATION_FAILED',
      reason: 'NOT_EPCIS_2_0',
      field,
    });
  });

  it("refuses a document whose own fields break the schema, with the problem's path", () => {
    const body = { ...documentOf([]), creationDate: 'yesterday' };
    expect(documentRefusal(body)).toMatchObject({
      code: 'VALIDATION_FAILED',
      reason: 'EPCIS_SCHEMA_VIOLATION',
      field: '/creationDate',
    });
  });

  it(`refuses more than ${MAX_CAPTURE_EVENTS} events as a whole`, () => {
    const event = exported(recorded(1));
    expect(checkCaptureDocument(documentOf(Array(MAX_CAPTURE_EVENTS).fill(event))).events).toHaveLength(200);
    expect(documentRefusal(documentOf(Array(MAX_CAPTURE_EVENTS + 1).fill(event)))).toMatchObject({
      reason: 'TOO_MANY_EVENTS',
    });
  });

  it('refuses provena: fields when the context does not bind the prefix to Provena’s namespace', () => {
    const body = {
      ...documentOf([exported(recorded(1))]),
      '@context': [(documentOf([])['@context'] as unknown[])[0]],
    };
    expect(documentRefusal(body)).toMatchObject({ reason: 'PROVENA_NAMESPACE', field: '@context' });
  });
});

describe('judgeEvent', () => {
  it('gives back exactly the envelope the device signed, from an exported event', () => {
    const r = recorded(3);
    const verdict = judge(exported(r));
    if (verdict.kind !== 'reading') throw new Error(`not a reading: ${JSON.stringify(verdict)}`);
    expect(canonicalJson(verdict.signed.reading)).toBe(canonicalJson(r.reading));
    expect(verdict.signed.signature).toBe(r.signature);
    expect(signatureRefusal(verdict.signed, device)).toBeUndefined();
  });

  it('refuses a schema violation with the path of the field', () => {
    const event = { ...exported(recorded(1)), eventTimeZoneOffset: 'UTC' };
    expect(refusalOf(judge(event, 4))).toMatchObject({
      code: 'EPCIS_SCHEMA_VIOLATION',
      path: '/epcisBody/eventList/4/eventTimeZoneOffset',
    });
  });

  it('refuses another event type', () => {
    const aggregation = {
      type: 'AggregationEvent',
      eventTime: '2026-12-06T01:00:00.000Z',
      eventTimeZoneOffset: '+00:00',
      parentID: 'urn:provena:shipment:SHP-1',
      childEPCs: ['urn:provena:shipment:SHP-2'],
      action: 'ADD',
    };
    expect(refusalOf(judge(aggregation, 2))).toMatchObject({
      code: 'UNSUPPORTED_EVENT_TYPE',
      path: '/epcisBody/eventList/2/type',
    });
  });

  it.each(['provena:signature', 'provena:reading'])(
    'refuses an ObjectEvent without %s: the ledger records only device-signed readings',
    (field) => {
      const event = exported(recorded(1));
      delete event[field];
      expect(refusalOf(judge(event))).toMatchObject({
        code: 'MISSING_SIGNATURE',
        path: `/epcisBody/eventList/0/${field}`,
      });
    },
  );

  it('refuses an envelope the wire format refuses, with the path into provena:reading', () => {
    const event = exported(recorded(1));
    (event['provena:reading'] as { measurements: { humidityPct: number } }).measurements.humidityPct = 140;
    expect(refusalOf(judge(event, 1))).toMatchObject({
      code: 'SCHEMA_VIOLATION',
      path: '/epcisBody/eventList/1/provena:reading/measurements/humidityPct',
    });
  });

  it.each([
    [
      'a sensor value',
      (e: Record<string, unknown>) => ((sensorReports(e)[0] as { value: number }).value = 9.5),
      '/epcisBody/eventList/0/sensorElementList/0/sensorReport/0/value',
    ],
    [
      'a unit',
      (e: Record<string, unknown>) => ((sensorReports(e)[1] as { uom: string }).uom = 'P2'),
      '/epcisBody/eventList/0/sensorElementList/0/sensorReport/1/uom',
    ],
    [
      'a report the device did not sign',
      (e: Record<string, unknown>) => sensorReports(e).push({ type: 'Illuminance', value: 800, uom: 'LUX' }),
      '/epcisBody/eventList/0/sensorElementList/0/sensorReport/4',
    ],
    [
      'a dropped report',
      (e: Record<string, unknown>) => sensorReports(e).splice(2, 1),
      '/epcisBody/eventList/0/sensorElementList/0/sensorReport',
    ],
    [
      'the event time',
      (e: Record<string, unknown>) => (e.eventTime = new Date(NOW).toISOString()),
      '/epcisBody/eventList/0/eventTime',
    ],
    [
      'the device',
      (e: Record<string, unknown>) =>
        (sensorElement(e).sensorMetadata = { deviceID: 'urn:provena:device:logger-2' }),
      '/epcisBody/eventList/0/sensorElementList/0/sensorMetadata/deviceID',
    ],
    [
      'the shipment',
      (e: Record<string, unknown>) => (e.epcList = ['urn:provena:shipment:SHP-2']),
      '/epcisBody/eventList/0/epcList',
    ],
  ])('refuses BAD_SIGNATURE when the standard fields change %s the device signed', (_what, tamper, path) => {
    const event = exported(recorded(1));
    tamper(event);
    expect(refusalOf(judge(event))).toMatchObject({ code: 'BAD_SIGNATURE', path });
  });

  it('passes a consistently changed envelope to the signature check, which refuses it BAD_SIGNATURE', () => {
    const event = exported(recorded(1));
    (event['provena:reading'] as { measurements: { temperatureC: number } }).measurements.temperatureC = 9.5;
    (sensorReports(event)[0] as { value: number }).value = 9.5;
    const verdict = judge(event);
    if (verdict.kind !== 'reading') throw new Error(`not a reading: ${JSON.stringify(verdict)}`);
    expect(signatureRefusal(verdict.signed, device)).toMatchObject({ code: 'BAD_SIGNATURE' });
  });

  it('refuses a reading from too far in the future, as MQTT ingest does', () => {
    expect(refusalOf(judge(exported(recorded(1, { measuredAt: NOW + MAX_AHEAD + 1000 }))))).toMatchObject({
      code: 'CLOCK_SKEW',
      path: '/epcisBody/eventList/0/eventTime',
    });
  });

  it("sends Provena's own custody events on to be looked up, and refuses other custody claims", () => {
    const custody = JSON.parse(
      JSON.stringify(
        shipmentDocument({
          shipment: {
            shipmentId: 'SHP-1',
            productCode: 'p',
            quantity: 1,
            origin: 'A',
            destination: 'B',
            ownerOrg: 'ProducerMSP',
            complianceProfile: {},
            custody: [
              {
                action: 'created',
                byOrg: 'ProducerMSP',
                custodianOrg: 'ProducerMSP',
                fromOrg: null,
                toOrg: null,
                reason: null,
                txId: 'tx-c',
                at: NOW - 1000,
              },
            ],
          },
          readings: [],
          blocks: new Map(),
          nowMs: NOW,
          nextBookmark: null,
        }).epcisBody.eventList[0],
      ),
    ) as Record<string, unknown>;
    expect(judge(custody)).toMatchObject({
      kind: 'custody',
      shipmentId: 'SHP-1',
      action: 'created',
      txId: 'tx-c',
    });
    expect(refusalOf(judge({ ...custody, 'provena:custodyAction': 'stolen' }))).toMatchObject({
      code: 'CUSTODY_NOT_CAPTURED',
    });
  });
});

describe('signatureRefusal', () => {
  it('refuses an unknown device and a sequence number no key covers', () => {
    const { reading, signature } = recorded(1);
    expect(signatureRefusal({ reading, signature }, undefined)).toMatchObject({ code: 'UNKNOWN_DEVICE' });
    const later = { ...device, keys: [{ ...device.keys[0]!, fromSeq: 5 }] };
    expect(signatureRefusal({ reading, signature }, later)).toMatchObject({ code: 'BAD_SIGNATURE' });
  });
});

function sensorElement(event: Record<string, unknown>): Record<string, unknown> {
  return (event.sensorElementList as Record<string, unknown>[])[0] as Record<string, unknown>;
}

function sensorReports(event: Record<string, unknown>): unknown[] {
  return sensorElement(event).sensorReport as unknown[];
}
