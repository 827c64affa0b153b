import type { Measurements } from '@provena/wire';
import type { ShipmentProvenanceView } from './provenance-report';

/** A reading as the ledger holds it: enough to match it with a scenario's sample. */
export interface RecordedReading {
  deviceId: string;
  seq: number;
  measuredAt: number;
  shipmentId?: string;
  measurements: Measurements;
  /** The RecordReadings transaction that recorded it. */
  txId: string;
}

/** A public key registered for a device, used for its readings from `fromSeq` on. */
export interface RegisteredDeviceKey {
  publicKeyPem: string;
  fromSeq: number;
}

/**
 * What the demo reads back from the ledger, through the gateway's REST API as an auditor: which readings are there
 * already, which keys devices are registered with, and a shipment's provenance. `GatewayClient` is the adapter;
 * unit tests use an in-memory one.
 */
export interface LedgerReader {
  /** Every reading of the device measured in [fromMs, toMs), in measurement-time order (all pages). */
  readingsOf(deviceId: string, fromMs: number, toMs: number): Promise<RecordedReading[]>;
  /** The device's keys, ascending by `fromSeq`; undefined when no such device is registered. */
  deviceKeys(deviceId: string): Promise<RegisteredDeviceKey[] | undefined>;
  /** The shipment's provenance with the block of every transaction it names. */
  shipmentProvenance(shipmentId: string): Promise<ShipmentProvenanceView>;
}
