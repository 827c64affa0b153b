import type { Measurements } from '@provena/wire';

// The words Provena speaks in GS1 EPCIS 2.0: identifiers, the JSON-LD context, and how Provena's facts map onto
// the Core Business Vocabulary (CBV 2.0). Export and capture both read this one table, so a document Provena
// exports is one it can capture again.

/** The EPCIS 2.0 JSON-LD context. It also brings the CBV 2.0 terms (bizStep, disposition, measurement types). */
export const EPCIS_CONTEXT = 'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld';

/**
 * Contexts partners' systems put first, all naming the same EPCIS 2.0 context: GS1's permanent address, and the
 * GitHub Pages copies the standard's examples use.
 */
export const EPCIS_2_CONTEXTS: readonly string[] = [
  EPCIS_CONTEXT,
  'https://gs1.github.io/EPCIS/epcis-context.jsonld',
  'https://gs1.github.io/EPCIS/epcis-context-simple.jsonld',
];

/**
 * The namespace of Provena's extension fields (`provena:reading`, ...) and vocabulary. A URN, not an HTTP URI:
 * Provena has no domain of its own to serve the vocabulary from, and a URN claims none. One constant, so moving
 * to an HTTP namespace later is a one-line change (documents already exported keep naming this one).
 */
export const PROVENA_NAMESPACE = 'urn:provena:epcis:';

/** The CBV 2.0 namespace, named in the context so the document says which CBV its bare terms come from. */
export const CBV_NAMESPACE = 'https://ref.gs1.org/cbv/';

/**
 * The `@context` of every document Provena exports. The signed reading and the shipment's facts are JSON
 * literals (JSON-LD 1.1 `@json`): a JSON-LD processor keeps them as JSON values instead of dropping their keys,
 * which no context defines, so the signed reading survives JSON-LD processing to be verified again.
 */
export const DOCUMENT_CONTEXT: readonly unknown[] = [
  EPCIS_CONTEXT,
  {
    cbv: CBV_NAMESPACE,
    provena: PROVENA_NAMESPACE,
    'provena:reading': { '@type': '@json' },
    'provena:shipment': { '@type': '@json' },
  },
];

/** Provena's extension fields, as compact IRIs in the `provena` namespace. */
export const Ext = {
  /** The reading exactly as the device signed it (the wire format's `Reading`). */
  reading: 'provena:reading',
  /** The device's signature over the reading's canonical bytes (base64url P1363, as on MQTT). */
  signature: 'provena:signature',
  /** The Fabric transaction that recorded the fact, and its block (decimal string). */
  txId: 'provena:txId',
  blockNumber: 'provena:blockNumber',
  /** The custody step as the ledger names it: created, offered, accepted, rejected, delivered. */
  custodyAction: 'provena:custodyAction',
  byOrg: 'provena:byOrg',
  reason: 'provena:reason',
  /** A shipment's facts that EPCIS has no field for (origin and destination are free text, not GLNs). */
  shipment: 'provena:shipment',
  /** On a document: the bookmark of the next page, or absent on the last one. */
  nextBookmark: 'provena:nextBookmark',
} as const;

// Identifiers. Provena ids are letters, digits and `._:-` (the wire format's ID_PATTERN), all legal in a URN.

/** `urn:provena:shipment:<shipmentId>`: the shipment, as the EPC every event of it names. */
export const shipmentUri = (shipmentId: string): string => `urn:provena:shipment:${shipmentId}`;
/** `urn:provena:product:<productCode>`: the product class a shipment carries. */
export const productUri = (productCode: string): string => `urn:provena:product:${productCode}`;
/** `urn:provena:org:<mspId>`: an organisation, as a CBV owning or possessing party. */
export const orgUri = (mspId: string): string => `urn:provena:org:${mspId}`;
/** `urn:provena:device:<deviceId>`: a device, as sensor metadata's deviceID. */
export const deviceUri = (deviceId: string): string => `urn:provena:device:${deviceId}`;
/** `urn:provena:tx:<txId>`: a Fabric transaction, as an event's certificationInfo (where its proof is). */
export const transactionUri = (txId: string): string => `urn:provena:tx:${txId}`;
/** `urn:provena:reading:<deviceId>:<seq>`: a reading's eventID, stable across exports. */
export const readingEventId = (deviceId: string, seq: number): string =>
  `urn:provena:reading:${deviceId}:${seq}`;

const SHIPMENT_URI_PREFIX = 'urn:provena:shipment:';
const DEVICE_URI_PREFIX = 'urn:provena:device:';

/** The shipment id of a {@link shipmentUri}, or undefined for any other URI. */
export function shipmentIdOfUri(uri: string): string | undefined {
  return uri.startsWith(SHIPMENT_URI_PREFIX) ? uri.slice(SHIPMENT_URI_PREFIX.length) : undefined;
}

/** The device id of a {@link deviceUri}, or undefined for any other URI. */
export function deviceIdOfUri(uri: string): string | undefined {
  return uri.startsWith(DEVICE_URI_PREFIX) ? uri.slice(DEVICE_URI_PREFIX.length) : undefined;
}

/** The CBV 2.0 terms a custody step maps to (see the README's table for why each). */
export interface CustodyMapping {
  readonly action: 'ADD' | 'OBSERVE';
  readonly bizStep: string;
  /** Absent where no CBV disposition is true of every such step. */
  readonly disposition?: string;
}

/**
 * Custody steps as EPCIS ObjectEvents. EPCIS 2.0 has no transfer event: a change of custody is an ObjectEvent
 * whose business step says which half of the hand-over it is and whose source and destination lists name the
 * possessing parties (CBV source/destination types).
 */
export const CUSTODY_MAPPING = {
  // The shipment comes into being: ADD, so it exists in EPCIS from here on.
  created: { action: 'ADD', bizStep: 'commissioning', disposition: 'active' },
  // The custodian consigns the shipment to a named party: the sending half of the hand-over.
  offered: { action: 'OBSERVE', bizStep: 'shipping', disposition: 'in_transit' },
  // The named party takes possession: CBV's step for a change of possession.
  accepted: { action: 'OBSERVE', bizStep: 'accepting', disposition: 'in_progress' },
  // The named party declines: CBV's step for "a prior shipping did not happen"; custody never moved.
  rejected: { action: 'OBSERVE', bizStep: 'void_shipping', disposition: 'in_progress' },
  // The custodian closes the shipment at its destination. No CBV disposition fits every consignee (sellable,
  // stored, dispensed...), and claiming one would say more than the ledger knows.
  delivered: { action: 'OBSERVE', bizStep: 'receiving' },
} as const satisfies Record<string, CustodyMapping>;

/** A custody step the ledger records. */
export type CustodyAction = keyof typeof CUSTODY_MAPPING;

/** The business step of a reading's event (CBV 2.0 added it for events that carry sensor data). */
export const SENSOR_REPORTING = 'sensor_reporting';

/** Where a sensor report's value comes from in the signed reading. */
export type MeasurementPath = Exclude<keyof Measurements, 'location'> | 'location.lat' | 'location.lon';

/** How one measurement of the wire format appears as an EPCIS sensor report. */
export interface SensorReportMapping {
  readonly path: MeasurementPath;
  /** A GS1 measurement type term of the EPCIS 2.0 context, or a URI of Provena's vocabulary. */
  readonly type: string;
  /** UN/ECE Recommendation 20 unit code. */
  readonly uom: string;
  /** CBV 2.0 component, for the parts of a position. */
  readonly component?: string;
  readonly coordinateReferenceSystem?: string;
}

/** WGS 84 latitude/longitude order, as the wire format's `location` is. */
const WGS84 = 'http://www.opengis.net/def/crs/EPSG/0/4326';

/**
 * Every measurement of the wire format (`Measurements` in wire/src/reading.ts), in the order sensor reports list
 * them. Units are fixed by the wire format's field names, so each maps to exactly one UN/ECE Rec 20 code.
 */
export const SENSOR_REPORT_MAPPING: readonly SensorReportMapping[] = [
  { path: 'temperatureC', type: 'Temperature', uom: 'CEL' }, // degree Celsius
  { path: 'humidityPct', type: 'RelativeHumidity', uom: 'P1' }, // percent
  // Peak acceleration in g: K40 is the standard acceleration of free fall (9.80665 m/s²).
  { path: 'shockG', type: 'Acceleration', uom: 'K40' },
  // RMS vibration velocity (ISO 10816) in mm/s: GS1 has no velocity type besides Speed. C16 is mm/s.
  { path: 'vibrationMmS', type: 'Speed', uom: 'C16' },
  // State of charge has no GS1 measurement type (Dimensionless would lose what it is): Provena's own term.
  { path: 'batteryPct', type: `${PROVENA_NAMESPACE}BatteryCharge`, uom: 'P1' },
  // A position as two angle components (CBV 2.0 components latitude/longitude) in decimal degrees (DD).
  {
    path: 'location.lat',
    type: 'Angle',
    uom: 'DD',
    component: 'latitude',
    coordinateReferenceSystem: WGS84,
  },
  {
    path: 'location.lon',
    type: 'Angle',
    uom: 'DD',
    component: 'longitude',
    coordinateReferenceSystem: WGS84,
  },
];

/** The value a mapping reads from measurements, or undefined when the reading did not measure it. */
export function measurementAt(measurements: Measurements, path: MeasurementPath): number | undefined {
  switch (path) {
    case 'location.lat':
      return measurements.location?.lat;
    case 'location.lon':
      return measurements.location?.lon;
    default:
      return measurements[path];
  }
}
