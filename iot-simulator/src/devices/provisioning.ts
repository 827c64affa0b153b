import type { Scenario } from '../scenario/scenario.types';
import type { DeviceRegistry } from './device-registry.port';
import type { DeviceKeyStore } from './key-store';

/**
 * Gives every device of a scenario a key pair (kept if it exists) and registers its public key. Metadata tells
 * the registry the owner and sensor model besides what the scenario lists.
 * @returns the ids provisioned, in scenario order.
 */
export async function provisionScenarioDevices(
  scenario: Scenario,
  keys: DeviceKeyStore,
  registry: DeviceRegistry,
): Promise<string[]> {
  for (const device of scenario.devices) {
    const publicKeyPem = await keys.ensureKey(device.id);
    await registry.provision(device.id, publicKeyPem, device.kind, {
      ownerOrg: device.ownerOrg,
      sensorModel: device.model.type,
      ...(device.shipmentId !== undefined && { shipmentId: device.shipmentId }),
      ...device.metadata,
    });
  }
  return scenario.devices.map((d) => d.id);
}
