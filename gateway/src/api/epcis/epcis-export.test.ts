import { generateKeyPairSync } from 'node:crypto';
import { sealReading, type Reading } from '@provena/wire';
import { shipmentDocument, type CustodyStep, type RecordedReading, type ShipmentFacts } from './epcis-export';
import { validateEpcisDocument } from './epcis-schema';

// The mapping from the ledger's records to EPCIS 2.0, checked against GS1's JSON schema and against the table of
// measurement types and UN/ECE Rec 20 units the README documents.

const T0 = Date.UTC(2026, 11, 6, 1, 0, 0);
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const step = (action: CustodyStep['action'], at: number, extra: Partial<CustodyStep> = {}): CustodyStep => ({
  action,
  byOrg: 'ProducerMSP',
  custodianOrg: 'ProducerMSP',
  fromOrg: null,
  toOrg: null,
  reason: null,
  txId: `tx-${action}-${at}`,
  at,
  ...extra,
});

const shipment: ShipmentFacts = {
  shipmentId: 'SHP-1',
  productCode: 'mrna-vaccine',
  quantity: 24,
  origin: 'Basel',
  destination: 'Rotterdam',
  ownerOrg: 'ProducerMSP',
  complianceProfile: { temperatureC: { min: 2, max: 8 } },
  custody: [
    step('created', T0),
    step('offered', T0 + 1000, { toOrg: 'CarrierMSP' }),
    step('rejected', T0 + 2000, { byOrg: 'CarrierMSP', toOrg: 'CarrierMSP', reason: 'no reefer free' }),
    step('offered', T0 + 3000, { toOrg: 'CarrierMSP' }),
    step('accepted', T0 + 4000, { byOrg: 'CarrierMSP', custodianOrg: 'CarrierMSP', fromOrg: 'ProducerMSP' }),
    step('delivered', T0 + 5000, { byOrg: 'CarrierMSP', custodianOrg: 'CarrierMSP' }),
  ],
};

function recorded(seq: number, measurements: Reading['measurements']): RecordedReading {
  const reading: Reading = {
    v: 1,
    deviceId: 'logger-1',
    seq,
    measuredAt: T0 + seq * 60_000,
    shipmentId: 'SHP-1',
    measurements,
  };
  const { signature } = sealReading(reading, privateKey);
  return {
    reading,
    signature,
    txId: `tx-readings-${seq <= 1 ? 1 : 2}`,
    recordedAt: reading.measuredAt + 500,
  };
}

const everyMeasurement = recorded(1, {
  temperatureC: 4.25,
  humidityPct: 61.5,
  shockG: 2.5,
  vibrationMmS: 7.1,
  batteryPct: 88,
  location: { lat: 51.9225, lon: 4.47917 },
});
const temperatureOnly = recorded(2, { temperatureC: 9.75 });

const blocks = new Map<string, string | null>([
  ['tx-readings-1', '10'],
  ['tx-readings-2', null],
  ...shipment.custody.map((s, i): [string, string] => [s.txId, String(5 + i)]),
]);

const document = shipmentDocument({
  shipment,
  readings: [everyMeasurement, temperatureOnly],
  blocks,
  nowMs: T0 + 10_000,
  nextBookmark: null,
});
const events = document.epcisBody.eventList;
const readingEvents = events.filter((e) => e.bizStep === 'sensor_reporting');

describe('shipmentDocument', () => {
  it('is valid against the EPCIS 2.0 JSON schema, custody steps, readings and extension fields included', () => {
    expect(validateEpcisDocument(document)).toEqual([]);
    expect(events).toHaveLength(shipment.custody.length + 2);
  });

  it('maps each custody step to an ObjectEvent with its CBV business step, disposition and parties', () => {
    const custody = events.slice(0, shipment.custody.length).map((e) => ({
      action: e.action,
      custody: e['provena:custodyAction'],
      bizStep: e.bizStep,
      disposition: e.disposition,
      source: e.sourceList,
      destination: e.destinationList,
    }));
    const possessing = (org: string) => [{ type: 'possessing_party', org: `urn:provena:org:${org}` }];
    const as = (key: 'source' | 'destination', list: { type: string; org: string }[]) =>
      list.map(({ type, org }) => ({ type, [key]: org }));
    expect(custody).toEqual([
      {
        action: 'ADD',
        custody: 'created',
        bizStep: 'commissioning',
        disposition: 'active',
        source: undefined,
        destination: as('destination', [
          { type: 'owning_party', org: 'urn:provena:org:ProducerMSP' },
          ...possessing('ProducerMSP'),
        ]),
      },
      {
        action: 'OBSERVE',
        custody: 'offered',
        bizStep: 'shipping',
        disposition: 'in_transit',
        source: as('source', possessing('ProducerMSP')),
        destination: as('destination', possessing('CarrierMSP')),
      },
      {
        action: 'OBSERVE',
        custody: 'rejected',
        bizStep: 'void_shipping',
        disposition: 'in_progress',
        source: undefined,
        destination: undefined,
      },
      {
        action: 'OBSERVE',
        custody: 'offered',
        bizStep: 'shipping',
        disposition: 'in_transit',
        source: as('source', possessing('ProducerMSP')),
        destination: as('destination', possessing('CarrierMSP')),
      },
      {
        action: 'OBSERVE',
        custody: 'accepted',
        bizStep: 'accepting',
        disposition: 'in_progress',
        source: as('source', possessing('ProducerMSP')),
        destination: as('destination', possessing('CarrierMSP')),
      },
      {
        action: 'OBSERVE',
        custody: 'delivered',
        bizStep: 'receiving',
        disposition: undefined,
        source: undefined,
        destination: undefined,
      },
    ]);
  });

  it('names the Fabric transaction of every fact as its eventID or certificationInfo, with its block', () => {
    const created = events[0] as Record<string, unknown>;
    expect(created).toMatchObject({
      eventID: `urn:provena:tx:tx-created-${T0}`,
      certificationInfo: `urn:provena:tx:tx-created-${T0}`,
      'provena:txId': `tx-created-${T0}`,
      'provena:blockNumber': '5',
      quantityList: [{ epcClass: 'urn:provena:product:mrna-vaccine', quantity: 24 }],
    });
    expect(events[2]).toMatchObject({ 'provena:reason': 'no reefer free', 'provena:byOrg': 'CarrierMSP' });
    expect(readingEvents.map((e) => [e.eventID, e.certificationInfo, e['provena:blockNumber']])).toEqual([
      ['urn:provena:reading:logger-1:1', 'urn:provena:tx:tx-readings-1', '10'],
      // A transaction no block holds is shown as such, not hidden.
      ['urn:provena:reading:logger-1:2', 'urn:provena:tx:tx-readings-2', null],
    ]);
  });

  it('maps every measurement of the wire format to its GS1 measurement type and UN/ECE Rec 20 unit', () => {
    const [element] = readingEvents[0]?.sensorElementList as {
      sensorMetadata: unknown;
      sensorReport: unknown[];
    }[];
    expect(element?.sensorMetadata).toEqual({
      time: new Date(everyMeasurement.reading.measuredAt).toISOString(),
      deviceID: 'urn:provena:device:logger-1',
    });
    const wgs84 = 'http://www.opengis.net/def/crs/EPSG/0/4326';
    expect(element?.sensorReport).toEqual([
      { type: 'Temperature', value: 4.25, uom: 'CEL' },
      { type: 'RelativeHumidity', value: 61.5, uom: 'P1' },
      { type: 'Acceleration', value: 2.5, uom: 'K40' },
      { type: 'Speed', value: 7.1, uom: 'C16' },
      { type: 'urn:provena:epcis:BatteryCharge', value: 88, uom: 'P1' },
      { type: 'Angle', value: 51.9225, uom: 'DD', component: 'latitude', coordinateReferenceSystem: wgs84 },
      { type: 'Angle', value: 4.47917, uom: 'DD', component: 'longitude', coordinateReferenceSystem: wgs84 },
    ]);
    const [only] = readingEvents[1]?.sensorElementList as { sensorReport: unknown[] }[];
    expect(only?.sensorReport).toEqual([{ type: 'Temperature', value: 9.75, uom: 'CEL' }]);
  });

  it('carries the device-signed envelope unchanged, so it can be verified and captured again', () => {
    expect(readingEvents[0]).toMatchObject({
      eventTime: new Date(everyMeasurement.reading.measuredAt).toISOString(),
      recordTime: new Date(everyMeasurement.recordedAt).toISOString(),
      epcList: ['urn:provena:shipment:SHP-1'],
      action: 'OBSERVE',
      'provena:reading': everyMeasurement.reading,
      'provena:signature': everyMeasurement.signature,
    });
  });

  it('declares the provena prefix and the EPCIS 2.0 context, and names the next page when there is one', () => {
    expect(document['@context'][0]).toBe('https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld');
    expect(document['@context'][1]).toMatchObject({ provena: 'urn:provena:epcis:' });
    expect(document).not.toHaveProperty('provena:nextBookmark');
    const paged = shipmentDocument({
      shipment: null,
      readings: [temperatureOnly],
      blocks,
      nowMs: T0,
      nextBookmark: 'bm-2',
    });
    expect(paged['provena:nextBookmark']).toBe('bm-2');
    expect(paged.epcisBody.eventList).toHaveLength(1);
    expect(validateEpcisDocument(paged)).toEqual([]);
  });
});
