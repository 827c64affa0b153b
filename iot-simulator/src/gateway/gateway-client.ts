import type { ComplianceProfile } from '@provena/wire';
import type { DeviceRegistry } from '../devices/device-registry.port';
import type { ShipmentPlan } from '../models/demand.model';
import type { Scenario } from '../scenario/scenario.types';

/** API keys by organisation and role, as `provena-gateway keys create` printed them. */
export type GatewayApiKeys = Readonly<Record<string, Readonly<{ admin?: string; operator?: string }>>>;

/** A refusal from the gateway's REST API: its HTTP status and the body's stable code. */
export class GatewayRequestError extends Error {
  override readonly name = 'GatewayRequestError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${status} ${code}: ${message}`);
  }
}

export interface GatewayClientOptions {
  /** e.g. `http://127.0.0.1:3000` */
  readonly baseUrl: string;
  readonly apiKeys: GatewayApiKeys;
}

/**
 * The few gateway REST calls the simulator makes to set a scenario up: devices (as an admin of their owner),
 * shipments and attachments (as an operator of the shipment's origin).
 */
export class GatewayClient {
  constructor(private readonly options: GatewayClientOptions) {}

  async provisionDevice(device: {
    deviceId: string;
    publicKeyPem: string;
    ownerOrg: string;
    kind: string;
    metadata: Readonly<Record<string, string>>;
  }): Promise<void> {
    await this.#post(this.#key(device.ownerOrg, 'admin'), '/devices', device);
  }

  async createShipment(
    org: string,
    shipment: {
      shipmentId: string;
      productCode: string;
      quantity: number;
      origin: string;
      destination: string;
      complianceProfile?: ComplianceProfile;
      orderedAt?: number;
    },
  ): Promise<void> {
    await this.#post(this.#key(org, 'operator'), '/shipments', shipment);
  }

  async attachDevices(org: string, shipmentId: string, deviceIds: readonly string[]): Promise<void> {
    await this.#post(this.#key(org, 'operator'), `/shipments/${encodeURIComponent(shipmentId)}/devices`, {
      deviceIds,
    });
  }

  #key(org: string, role: 'admin' | 'operator'): string {
    const key = this.options.apiKeys[org]?.[role];
    if (!key) throw new Error(`no ${role} API key for ${org}: add it to the API keys file`);
    return key;
  }

  async #post(key: string, path: string, body: unknown): Promise<void> {
    const response = await fetch(new URL(path, this.options.baseUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.ok) return;
    const error = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
    throw new GatewayRequestError(
      response.status,
      error.code ?? 'UNKNOWN',
      error.message ?? response.statusText,
    );
  }
}

/**
 * Sets a scenario up through the gateway: every shipment, then every device with its public key, then the
 * attachments. Safe to run again: shipments and devices that exist (ALREADY_EXISTS) and attachments that exist
 * (CONFLICT) are left as they are.
 */
export async function provisionScenarioOnGateway(
  scenario: Scenario,
  publicKeys: (deviceId: string) => Promise<string>,
  client: GatewayClient,
): Promise<void> {
  const ignoreExisting = (err: unknown): void => {
    if (!(err instanceof GatewayRequestError && err.code === 'ALREADY_EXISTS')) throw err;
  };
  for (const shipment of scenario.shipments) {
    await client
      .createShipment(shipment.originOrg, {
        shipmentId: shipment.id,
        productCode: shipment.productId,
        quantity: shipment.quantity,
        origin: shipment.originOrg,
        destination: shipment.destinationOrg,
        complianceProfile: shipment.compliance,
      })
      .catch(ignoreExisting);
  }
  for (const device of scenario.devices) {
    await client
      .provisionDevice({
        deviceId: device.id,
        publicKeyPem: await publicKeys(device.id),
        ownerOrg: device.ownerOrg,
        kind: device.kind,
        metadata: { sensorModel: device.model.type, ...device.metadata },
      })
      .catch(ignoreExisting);
  }
  for (const shipment of scenario.shipments) {
    const deviceIds = scenario.devices.filter((d) => d.shipmentId === shipment.id).map((d) => d.id);
    if (deviceIds.length === 0) continue;
    await client.attachDevices(shipment.originOrg, shipment.id, deviceIds).catch((err: unknown) => {
      // A second run: the chaincode answers CONFLICT for a device already attached.
      if (!(err instanceof GatewayRequestError && err.code === 'CONFLICT')) throw err;
    });
  }
}

/** A {@link DeviceRegistry} that registers through the gateway, for code written against the port. */
export function newGatewayDeviceRegistry(client: GatewayClient): DeviceRegistry {
  return {
    provision: (deviceId, publicKeyPem, kind, metadata) => {
      const { ownerOrg, ...rest } = metadata;
      if (!ownerOrg) return Promise.reject(new Error(`device ${deviceId} has no ownerOrg in its metadata`));
      return client.provisionDevice({ deviceId, publicKeyPem, ownerOrg, kind, metadata: rest });
    },
  };
}

/**
 * Turns a demand scenario's planned shipments into shipments on the ledger through the gateway, each with the day
 * its orders were for as `orderedAt`, so the ledger holds a demand history to forecast from. Shipments that exist
 * are left as they are, so an interrupted run can simply be repeated.
 * @returns how many were created now and how many existed.
 */
export async function createDemandShipments(
  plans: readonly ShipmentPlan[],
  client: GatewayClient,
  options: { concurrency?: number; onProgress?: (done: number) => void } = {},
): Promise<{ created: number; existing: number }> {
  const counts = { created: 0, existing: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < plans.length) {
      const plan = plans[next++] as ShipmentPlan;
      try {
        await client.createShipment(plan.originOrg, {
          shipmentId: plan.shipmentId,
          productCode: plan.productId,
          quantity: plan.quantity,
          origin: plan.originOrg,
          destination: plan.location,
          orderedAt: plan.createAtMs,
        });
        counts.created++;
      } catch (err) {
        if (!(err instanceof GatewayRequestError && err.code === 'ALREADY_EXISTS')) throw err;
        counts.existing++;
      }
      options.onProgress?.(counts.created + counts.existing);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker));
  return counts;
}
