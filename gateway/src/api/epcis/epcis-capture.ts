import {
  RefusalCode,
  WireError,
  checkClockSkew,
  decodeSignedReading,
  type Reading,
  type SignedReading,
} from '@provena/wire';
import { GatewayError, GatewayErrorCode } from '../../errors/gateway-error';
import { validateEpcisDocument, validateEpcisEvent, type SchemaProblem } from './epcis-schema';
import {
  CUSTODY_MAPPING,
  EPCIS_2_CONTEXTS,
  Ext,
  PROVENA_NAMESPACE,
  SENSOR_REPORT_MAPPING,
  deviceUri,
  measurementAt,
  shipmentIdOfUri,
  shipmentUri,
  type CustodyAction,
  type SensorReportMapping,
} from './epcis-vocabulary';

// The edge check of a captured EPCIS document, before any ledger call: the document is EPCIS 2.0 and within
// bounds (else the whole request is refused), then each event on its own: schema, type, the device-signed
// envelope it must carry, and that its standard fields say what the device signed. What passes goes on to the
// device-key check and RecordReadings (epcis.service.ts), exactly as an MQTT reading does.

/**
 * Events one capture may hold: one RecordReadings transaction holds them all (the chaincode takes up to 500), so
 * a document is answered by one commit. The JSON body limit (100 KB) usually binds first: an exported reading
 * event is about 1 KB.
 */
export const MAX_CAPTURE_EVENTS = 200;

/** Why an event was refused: the wire format's codes (as for MQTT readings) and capture's own. */
export const CaptureRefusalCode = {
  ...RefusalCode,
  /** The event does not match the EPCIS 2.0 JSON schema; `path` points at the first problem. */
  EpcisSchemaViolation: 'EPCIS_SCHEMA_VIOLATION',
  /** Not an ObjectEvent: a reading observes what it measured, which EPCIS states as an ObjectEvent. */
  UnsupportedEventType: 'UNSUPPORTED_EVENT_TYPE',
  /** No device-signed envelope (`provena:reading` and `provena:signature`): the ledger records only those. */
  MissingSignature: 'MISSING_SIGNATURE',
  /** A custody event that is not on the ledger: custody is recorded by the parties through the custody routes. */
  CustodyNotCaptured: 'CUSTODY_NOT_CAPTURED',
} as const;
export type CaptureRefusalCode = (typeof CaptureRefusalCode)[keyof typeof CaptureRefusalCode];

/** What became of one captured event, in document order. */
export interface CaptureEventResult {
  /** The event's position in `epcisBody.eventList`. */
  index: number;
  eventID: string | null;
  /** The signed reading's device and sequence number, when the envelope could be read. */
  deviceId: string | null;
  seq: number | null;
  /**
   * `accepted`: recorded now; `duplicate`: the ledger already holds this very reading (or custody step);
   * `refused`: not recorded, see `code`, `reason` and, for problems with a place, `path`.
   */
  status: 'accepted' | 'duplicate' | 'refused';
  code?: CaptureRefusalCode;
  reason?: string;
  /** JSON Pointer into the captured document. */
  path?: string;
  /**
   * The transaction that recorded it: this capture's for `accepted`, the step's own for a duplicate custody step;
   * absent for a duplicate reading (`GET /devices/{id}/readings/{seq}` names the transaction that recorded it).
   */
  txId?: string;
}

/** What the edge checks made of one event: refused, or a reading or custody step for the ledger to answer. */
export type EdgeVerdict =
  | { kind: 'refused'; result: CaptureEventResult }
  | { kind: 'reading'; index: number; eventID: string | null; signed: SignedReading }
  | {
      kind: 'custody';
      index: number;
      eventID: string | null;
      shipmentId: string;
      action: CustodyAction;
      txId: string;
    };

/** A document that passed the document-level checks. */
export interface CaptureDocument {
  events: readonly unknown[];
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function documentError(
  field: string,
  reason: string,
  message: string,
  problems?: SchemaProblem[],
): GatewayError {
  return new GatewayError(GatewayErrorCode.ValidationFailed, message, {
    field,
    reason,
    ...(problems && { problems }),
  });
}

/**
 * The document-level checks: an EPCIS 2.0 EPCISDocument (type, schemaVersion, the EPCIS 2.0 context), the
 * `provena` prefix bound to Provena's namespace when events use it, the document's own fields valid against the
 * schema, and at most {@link MAX_CAPTURE_EVENTS} events.
 * @throws {@link GatewayError} VALIDATION_FAILED with `details.reason` NOT_EPCIS_2_0, PROVENA_NAMESPACE,
 * EPCIS_SCHEMA_VIOLATION (with `details.problems`) or TOO_MANY_EVENTS, and `details.field`.
 */
export function checkCaptureDocument(body: unknown): CaptureDocument {
  if (!isObject(body) || body.type !== 'EPCISDocument') {
    throw documentError('type', 'NOT_EPCIS_2_0', 'the body must be an EPCIS 2.0 EPCISDocument');
  }
  if (typeof body.schemaVersion !== 'string' || !/^2\.0(\.\d+)*$/.test(body.schemaVersion)) {
    throw documentError(
      'schemaVersion',
      'NOT_EPCIS_2_0',
      `schemaVersion must be 2.0; got ${JSON.stringify(body.schemaVersion ?? null)}`,
    );
  }
  const contexts = Array.isArray(body['@context']) ? body['@context'] : [body['@context']];
  if (!contexts.some((c) => typeof c === 'string' && EPCIS_2_CONTEXTS.includes(c))) {
    throw documentError(
      '@context',
      'NOT_EPCIS_2_0',
      `@context must name the EPCIS 2.0 context (${EPCIS_2_CONTEXTS[0]})`,
    );
  }
  const epcisBody = body.epcisBody;
  const events = isObject(epcisBody) && Array.isArray(epcisBody.eventList) ? epcisBody.eventList : undefined;
  // The document's own fields first, its events apart: one bad event should not refuse the rest.
  const problems = validateEpcisDocument({
    ...body,
    epcisBody: isObject(epcisBody) ? { ...epcisBody, eventList: [] } : epcisBody,
  });
  if (problems.length > 0 || events === undefined) {
    const first = problems[0] ?? { path: '/epcisBody/eventList', message: 'must be an array' };
    throw documentError(
      first.path,
      'EPCIS_SCHEMA_VIOLATION',
      `the document does not match the EPCIS 2.0 schema: ${first.path} ${first.message}`,
      problems,
    );
  }
  if (events.length > MAX_CAPTURE_EVENTS) {
    throw documentError(
      '/epcisBody/eventList',
      'TOO_MANY_EVENTS',
      `a capture holds at most ${MAX_CAPTURE_EVENTS} events; this one holds ${events.length}`,
    );
  }
  if (events.some((e) => isObject(e) && Object.keys(e).some((k) => k.startsWith('provena:')))) {
    const bound = contexts.some((c) => isObject(c) && c.provena === PROVENA_NAMESPACE);
    if (!bound) {
      throw documentError(
        '@context',
        'PROVENA_NAMESPACE',
        `events use provena: fields, so @context must bind "provena" to ${PROVENA_NAMESPACE}`,
      );
    }
  }
  return { events };
}

/** Where event `index` is in the document. */
export const eventPath = (index: number): string => `/epcisBody/eventList/${index}`;

// A wire-format field path (`reading.measurements.temperatureC`, `signature`) as a pointer into the event.
function envelopePointer(index: number, field: string | undefined): string {
  if (field === undefined || field === '' || field === 'envelope')
    return `${eventPath(index)}/${Ext.reading}`;
  if (field === 'signature') return `${eventPath(index)}/${Ext.signature}`;
  const inReading = field.replace(/^reading\.?/, '');
  return `${eventPath(index)}/${Ext.reading}${inReading === '' ? '' : `/${inReading.split('.').join('/')}`}`;
}

/** What the EPCIS fields of an event claim that the signed reading does not: the first such field. */
interface Mismatch {
  path: string;
  reason: string;
}

const sameMapping = (report: Json, mapping: SensorReportMapping): boolean =>
  report.type === mapping.type && (report.component ?? undefined) === mapping.component;

/**
 * Checks that an event's standard fields say what the device signed: its time, its one sensor element's device
 * and time, each sensor report's value and unit, and the shipment. A partner's system (or anyone on the way)
 * that changed a value in the standard fields has changed what the signature covers, so the refusal is
 * BAD_SIGNATURE: the signature does not vouch for the event as sent.
 */
export function mismatchOf(event: Json, reading: Reading, index: number): Mismatch | undefined {
  const at = (suffix: string) => `${eventPath(index)}${suffix}`;
  if (Date.parse(String(event.eventTime)) !== reading.measuredAt) {
    return { path: at('/eventTime'), reason: `eventTime is not the signed measuredAt ${reading.measuredAt}` };
  }
  const elements = event.sensorElementList;
  if (!Array.isArray(elements) || elements.length !== 1 || !isObject(elements[0])) {
    return {
      path: at('/sensorElementList'),
      reason: 'must hold exactly one sensor element: the signed reading',
    };
  }
  const element = elements[0];
  const metadata = isObject(element.sensorMetadata) ? element.sensorMetadata : {};
  if (metadata.deviceID !== deviceUri(reading.deviceId)) {
    return {
      path: at('/sensorElementList/0/sensorMetadata/deviceID'),
      reason: `must be ${deviceUri(reading.deviceId)}, the device that signed the reading`,
    };
  }
  if (metadata.time !== undefined && Date.parse(String(metadata.time)) !== reading.measuredAt) {
    return {
      path: at('/sensorElementList/0/sensorMetadata/time'),
      reason: 'is not the signed measuredAt',
    };
  }
  const reports = Array.isArray(element.sensorReport) ? element.sensorReport : [];
  const seen = new Set<SensorReportMapping>();
  for (const [i, report] of reports.entries()) {
    const path = at(`/sensorElementList/0/sensorReport/${i}`);
    const mapping = isObject(report) ? SENSOR_REPORT_MAPPING.find((m) => sameMapping(report, m)) : undefined;
    if (!isObject(report) || mapping === undefined) {
      return { path, reason: 'reports a measurement the device did not sign' };
    }
    if (seen.has(mapping)) return { path, reason: `reports ${mapping.path} twice` };
    seen.add(mapping);
    const signed = measurementAt(reading.measurements, mapping.path);
    if (signed === undefined) return { path, reason: `the device signed no ${mapping.path}` };
    if (report.uom !== mapping.uom) return { path: `${path}/uom`, reason: `must be ${mapping.uom}` };
    if (report.value !== signed) {
      return { path: `${path}/value`, reason: `is not the signed ${mapping.path} ${signed}` };
    }
  }
  const missing = SENSOR_REPORT_MAPPING.find(
    (m) => !seen.has(m) && measurementAt(reading.measurements, m.path) !== undefined,
  );
  if (missing !== undefined) {
    return {
      path: at('/sensorElementList/0/sensorReport'),
      reason: `lacks the signed ${missing.path}`,
    };
  }
  const epcs = Array.isArray(event.epcList) ? event.epcList.map(String) : [];
  const shipments = epcs.flatMap((epc) => shipmentIdOfUri(epc) ?? []);
  if (shipments.some((id) => id !== reading.shipmentId)) {
    return { path: at('/epcList'), reason: 'names a shipment the reading was not signed for' };
  }
  if (reading.shipmentId !== undefined && !epcs.includes(shipmentUri(reading.shipmentId))) {
    return {
      path: at('/epcList'),
      reason: `must name ${shipmentUri(reading.shipmentId)}, as the reading does`,
    };
  }
  return undefined;
}

function refused(
  index: number,
  event: unknown,
  code: CaptureRefusalCode,
  reason: string,
  extra: Partial<CaptureEventResult> = {},
): EdgeVerdict {
  const eventID = isObject(event) && typeof event.eventID === 'string' ? event.eventID : null;
  return {
    kind: 'refused',
    result: { index, eventID, deviceId: null, seq: null, status: 'refused', code, reason, ...extra },
  };
}

// Provena's own custody events (as exported) come back when a partner captures a whole exported document.
function custodyVerdict(event: Json, index: number): EdgeVerdict {
  const action = event[Ext.custodyAction];
  const txId = event[Ext.txId];
  const shipmentId = Array.isArray(event.epcList)
    ? event.epcList.map((epc) => shipmentIdOfUri(String(epc))).find((id) => id !== undefined)
    : undefined;
  const eventID = typeof event.eventID === 'string' ? event.eventID : null;
  if (typeof action !== 'string' || !(action in CUSTODY_MAPPING) || typeof txId !== 'string' || !shipmentId) {
    return refused(
      index,
      event,
      CaptureRefusalCode.CustodyNotCaptured,
      'custody steps are recorded by the organisations involved through /shipments/{id}/custody/*, not by capture',
      { path: `${eventPath(index)}/${Ext.custodyAction}` },
    );
  }
  return { kind: 'custody', index, eventID, shipmentId, action: action as CustodyAction, txId };
}

/**
 * The edge checks of one event, in order: schema, event type, the signed envelope (decoded exactly as an MQTT
 * payload is: size, strict JSON, the reading's schema), the standard fields against it, the clock. The device
 * key and the ledger come later.
 */
export function judgeEvent(
  event: unknown,
  index: number,
  nowMs: number,
  maxClockAheadMs: number,
): EdgeVerdict {
  const problems = validateEpcisEvent(event, eventPath(index));
  const first = problems[0];
  if (first !== undefined) {
    return refused(index, event, CaptureRefusalCode.EpcisSchemaViolation, `${first.path} ${first.message}`, {
      path: first.path,
    });
  }
  const e = event as Json;
  if (e.type !== 'ObjectEvent') {
    return refused(
      index,
      e,
      CaptureRefusalCode.UnsupportedEventType,
      `only ObjectEvents carrying a device-signed reading are captured; this is ${String(e.type)}`,
      { path: `${eventPath(index)}/type` },
    );
  }
  if (e[Ext.custodyAction] !== undefined) return custodyVerdict(e, index);
  const missing = [Ext.reading, Ext.signature].filter((field) => e[field] === undefined);
  if (missing.length > 0) {
    return refused(
      index,
      e,
      CaptureRefusalCode.MissingSignature,
      `no device-signed reading: ${missing.join(' and ')} missing; the ledger records only readings their device signed`,
      { path: `${eventPath(index)}/${missing[0]}` },
    );
  }
  let signed: SignedReading;
  try {
    signed = decodeSignedReading(JSON.stringify({ reading: e[Ext.reading], signature: e[Ext.signature] }));
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
    return refused(index, e, err.code, err.reason, { path: envelopePointer(index, err.field) });
  }
  const named = { deviceId: signed.reading.deviceId, seq: signed.reading.seq };
  const mismatch = mismatchOf(e, signed.reading, index);
  if (mismatch !== undefined) {
    return refused(index, e, CaptureRefusalCode.BadSignature, mismatch.reason, {
      ...named,
      path: mismatch.path,
    });
  }
  try {
    checkClockSkew(signed.reading, nowMs, maxClockAheadMs);
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
    return refused(index, e, err.code, err.reason, { ...named, path: `${eventPath(index)}/eventTime` });
  }
  return { kind: 'reading', index, eventID: typeof e.eventID === 'string' ? e.eventID : null, signed };
}
