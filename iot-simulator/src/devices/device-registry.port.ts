/**
 * Where devices are provisioned: the gateway's device registration (which records the public key on the
 * ledger): `newGatewayDeviceRegistry` in `gateway/gateway-client.ts`. Tests use {@link newMemoryDeviceRegistry}.
 */
export interface DeviceRegistry {
  /** Registers a device and the public key its readings will be verified with. */
  provision(
    deviceId: string,
    publicKeyPem: string,
    kind: string,
    metadata: Readonly<Record<string, string>>,
  ): Promise<void>;
}

export interface ProvisionedDevice {
  deviceId: string;
  publicKeyPem: string;
  kind: string;
  metadata: Readonly<Record<string, string>>;
}

/** An in-memory registry that remembers what it was given, for tests and dry runs. */
export interface MemoryDeviceRegistry extends DeviceRegistry {
  readonly devices: ReadonlyMap<string, ProvisionedDevice>;
}

export function newMemoryDeviceRegistry(): MemoryDeviceRegistry {
  const devices = new Map<string, ProvisionedDevice>();
  return {
    devices,
    provision(deviceId, publicKeyPem, kind, metadata) {
      devices.set(deviceId, { deviceId, publicKeyPem, kind, metadata: { ...metadata } });
      return Promise.resolve();
    },
  };
}
