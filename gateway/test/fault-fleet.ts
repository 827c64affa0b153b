import {
  newMqttReadingPublisher,
  newSimulatedDevice,
  waitForConnection,
  type DeviceKeyStore,
  type ReadingPublisher,
  type SequenceStore,
  type SimulatedDevice,
  type SimulatedDeviceOptions,
} from '@provena/iot-simulator';
import type { LedgerPort } from '../src/ledger/ledger.port';

export interface FaultFleetOptions {
  readonly ledger: Pick<LedgerPort, 'submit'>;
  readonly brokerUrl: string;
  readonly keys: DeviceKeyStore;
  readonly sequences: SequenceStore;
  readonly deviceIds: readonly string[];
  /** The organisation that registers and owns the devices. */
  readonly owner: string;
  /** What the case wants of each device beyond its identity and connection (receipts, callbacks...). */
  readonly device: Omit<SimulatedDeviceOptions, 'deviceId' | 'sealer' | 'sequences' | 'publisher'>;
}

/**
 * Registers each device on the ledger and gives it its own MQTT connection, as loggers in the field have (each
 * rides out a broker restart on its own). The caller closes the publishers and detaches the devices.
 */
export async function startFaultFleet(
  options: FaultFleetOptions,
): Promise<{ publishers: ReadingPublisher[]; devices: SimulatedDevice[] }> {
  const publishers: ReadingPublisher[] = [];
  const devices: SimulatedDevice[] = [];
  for (const deviceId of options.deviceIds) {
    await options.ledger.submit({ org: options.owner, role: 'admin' }, 'device:RegisterDevice', [
      JSON.stringify({
        deviceId,
        publicKeyPem: await options.keys.ensureKey(deviceId),
        ownerOrg: options.owner,
        kind: 'logger',
      }),
    ]);
    const publisher = newMqttReadingPublisher({
      url: options.brokerUrl,
      clientId: `${deviceId}-pub`,
      reconnectPeriodMs: 200,
    });
    publishers.push(publisher);
    if (!(await waitForConnection(publisher, 5000))) {
      throw new Error(`${deviceId} could not connect to ${options.brokerUrl} within 5 s`);
    }
    devices.push(
      newSimulatedDevice({
        deviceId,
        sealer: options.keys,
        sequences: options.sequences,
        publisher,
        ...options.device,
      }),
    );
  }
  return { publishers, devices };
}
