import './quiet-fabric-logs';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  publicKeyPem,
  READING_FORMAT_VERSION,
  sealReading,
  type Measurements,
  type Reading,
  type SignedReading,
} from '@provena/wire';
import { DeviceContract } from '../device.contract';
import { ForecastContract } from '../forecast.contract';
import { ReadingContract } from '../reading.contract';
import { ShipmentContract } from '../shipment.contract';
import type { IngestSummary } from '../reading-ingest';
import { InMemoryLedger, type SubmitResult, type TestIdentity } from './in-memory-context';
import { CARRIER, deviceJson, PRODUCER, RETAILER, shipmentJson } from './transaction-arguments';

export { CARRIER, deviceJson, PRODUCER, RETAILER, shipmentJson };

export const AUDITOR = 'AuditorMSP';

/** The identities tests act as. */
export const as = {
  producerAdmin: { mspId: PRODUCER, ou: 'admin' },
  producerOperator: { mspId: PRODUCER, ou: 'client' },
  carrierAdmin: { mspId: CARRIER, ou: 'admin' },
  carrierOperator: { mspId: CARRIER, ou: 'client' },
  retailerOperator: { mspId: RETAILER, ou: 'client' },
  auditor: { mspId: AUDITOR, ou: 'client' },
} as const satisfies Record<string, TestIdentity>;

/** The contracts as the chaincode exports them, one instance each (they hold no state). */
export const contracts = {
  device: new DeviceContract(),
  shipment: new ShipmentContract(),
  reading: new ReadingContract(),
  forecast: new ForecastContract(),
};

/** A device with a fresh P-256 key pair. */
export interface TestDevice {
  deviceId: string;
  privateKey: KeyObject;
  publicKeyPem: string;
}

/** A fresh P-256 key pair, public key in the PEM form the ledger stores. */
export function newKeyPair(): { privateKey: KeyObject; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKeyPem: publicKeyPem(publicKey) };
}

/** A device id with a fresh key pair; register it with {@link Scenario.registerDevice}. */
export function newTestDevice(deviceId: string): TestDevice {
  return { deviceId, ...newKeyPair() };
}

/** A reading measured at `measuredAt` (default: a minute before the ledger's first tick). */
export function reading(
  deviceId: string,
  seq: number,
  options: { measuredAt?: number; shipmentId?: string; measurements?: Measurements } = {},
): Reading {
  const value: Reading = {
    v: READING_FORMAT_VERSION,
    deviceId,
    seq,
    measuredAt: options.measuredAt ?? Date.UTC(2026, 10, 1, 23, 59),
    measurements: options.measurements ?? { temperatureC: 4.5 },
  };
  if (options.shipmentId !== undefined) value.shipmentId = options.shipmentId;
  return value;
}

/** Signs readings as the device would. */
export function sign(device: Pick<TestDevice, 'privateKey'>, ...readings: Reading[]): SignedReading[] {
  return readings.map((r) => sealReading(r, device.privateKey));
}

/** A ledger with the usual first steps at hand. */
export class Scenario {
  readonly ledger: InMemoryLedger;

  constructor(ledger = new InMemoryLedger()) {
    this.ledger = ledger;
  }

  async registerDevice(device: TestDevice, ownerOrg = PRODUCER): Promise<SubmitResult> {
    const admin = { mspId: ownerOrg, ou: 'admin' } as const;
    return this.ledger.submit(admin, contracts.device, 'RegisterDevice', deviceJson(device, ownerOrg));
  }

  async createShipment(
    shipmentId: string,
    by: TestIdentity = as.producerOperator,
    extra = {},
  ): Promise<SubmitResult> {
    return this.ledger.submit(by, contracts.shipment, 'CreateShipment', shipmentJson(shipmentId, extra));
  }

  async attach(
    shipmentId: string,
    deviceIds: string[],
    by: TestIdentity = as.producerOperator,
  ): Promise<SubmitResult> {
    return this.ledger.submit(by, contracts.shipment, 'AttachDevices', shipmentId, JSON.stringify(deviceIds));
  }

  async record(
    envelopes: SignedReading[] | string,
    by: TestIdentity = as.producerOperator,
  ): Promise<SubmitResult<IngestSummary>> {
    const json = typeof envelopes === 'string' ? envelopes : JSON.stringify(envelopes);
    return this.ledger.submit<IngestSummary>(by, contracts.reading, 'RecordReadings', json);
  }
}
