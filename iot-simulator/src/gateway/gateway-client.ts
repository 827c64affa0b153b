import type { CustodyGateway, ShipmentState, WritePlace } from './custody-handovers';
import { AUDITOR_MSP, type ComplianceProfile } from '@provena/wire';
import type { DeviceRegistry } from '../devices/device-registry.port';
import { SimulatorError, SimulatorErrorCode } from '../errors';
import type { ShipmentPlan } from '../models/demand.model';
import type { CommercialTermsSpec, Scenario } from '../scenario/scenario.types';
import type { LedgerReader, RecordedReading, RegisteredDeviceKey } from './ledger-reader.port';
import { checkProvenanceView, type ShipmentProvenanceView } from './provenance-report';

/** The roles an API key can have, as `provena-gateway keys create --role` names them. */
export type GatewayRole = 'admin' | 'operator' | 'auditor';
const ROLES: readonly GatewayRole[] = ['admin', 'operator', 'auditor'];

/**
 * API keys by organisation and role, as `provena-gateway keys create` printed them: `admin` and `operator` keys
 * of member organisations, and the `auditor` key of `AuditorMSP`.
 */
export type GatewayApiKeys = Readonly<Record<string, Readonly<Partial<Record<GatewayRole, string>>>>>;

/**
 * Checks an API keys file's content: an object of organisations, each an object of roles (`admin`, `operator`,
 * `auditor`) with non-empty string keys.
 * @throws {@link SimulatorError} BAD_ARGUMENT naming every problem at once.
 * @example
 * const keys = parseGatewayApiKeys(await readFile('keys.json', 'utf8'), 'keys.json');
 */
export function parseGatewayApiKeys(text: string, source: string): GatewayApiKeys {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SimulatorError(
      SimulatorErrorCode.BadArgument,
      `${source} is not JSON: ${(err as Error).message}`,
    );
  }
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(value)) {
    throw new SimulatorError(
      SimulatorErrorCode.BadArgument,
      `${source} must hold an object of organisations, e.g. { "ProducerMSP": { "admin": "pvk_...", "operator": "pvk_..." } }`,
    );
  }
  const problems: string[] = [];
  for (const [org, roles] of Object.entries(value)) {
    if (!isObject(roles)) {
      problems.push(`${org}: must be an object of roles (admin, operator, auditor)`);
      continue;
    }
    for (const [role, key] of Object.entries(roles)) {
      if (!(ROLES as readonly string[]).includes(role)) {
        problems.push(`${org}.${role}: unknown role; roles are ${ROLES.join(', ')}`);
      } else if (typeof key !== 'string' || key.trim() === '') {
        problems.push(`${org}.${role}: must be an API key (a non-empty string)`);
      } else if (role === 'auditor' && org !== AUDITOR_MSP) {
        problems.push(`${org}.auditor: auditor keys belong to ${AUDITOR_MSP}`);
      }
    }
  }
  if (problems.length > 0) {
    throw new SimulatorError(
      SimulatorErrorCode.BadArgument,
      `${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n  ${problems.join('\n  ')}`,
    );
  }
  return value as GatewayApiKeys;
}

/**
 * The keys a scenario's set-up and read-back need: an admin key of each device owner, an operator key of each
 * shipment's origin and, with `auditor`, the auditor key of `AuditorMSP`.
 * @throws {@link SimulatorError} BAD_ARGUMENT listing every key missing.
 */
export function requireScenarioApiKeys(
  apiKeys: GatewayApiKeys,
  scenario: Scenario,
  source: string,
  options: { auditor?: boolean } = {},
): void {
  const needed = new Map<string, [string, GatewayRole]>();
  const need = (org: string, role: GatewayRole): void => void needed.set(`${org}.${role}`, [org, role]);
  for (const device of scenario.devices) need(device.ownerOrg, 'admin');
  for (const shipment of scenario.shipments) need(shipment.originOrg, 'operator');
  if (options.auditor) need(AUDITOR_MSP, 'auditor');
  const missing = [...needed].filter(([, [org, role]]) => !apiKeys[org]?.[role]).map(([name]) => name);
  if (missing.length > 0) {
    throw new SimulatorError(
      SimulatorErrorCode.BadArgument,
      `${source} lacks ${missing.length === 1 ? 'a key' : 'keys'} the scenario needs: ${missing.join(', ')} ` +
        '(create them with provena-gateway keys create --role <role> --org <org>)',
    );
  }
}

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

/** The error a non-2xx answer stands for, with the code and message of the gateway's JSON body when it has one. */
export async function gatewayRequestError(response: Response): Promise<GatewayRequestError> {
  const error = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
  return new GatewayRequestError(
    response.status,
    error.code ?? 'UNKNOWN',
    error.message ?? response.statusText,
  );
}

/**
 * `connect ECONNREFUSED 127.0.0.1:3000` rather than fetch's bare `fetch failed`. Duck-typed: errors from another
 * realm (a test runner's) are not `instanceof Error` here, and a connection refused on every address of a host
 * name is an AggregateError with an empty message and a code.
 */
export function causeOf(err: unknown): string {
  const text = (e: unknown): string | undefined => {
    const { message, code } = (e ?? {}) as { message?: unknown; code?: unknown };
    if (typeof message === 'string' && message !== '') return message;
    return typeof code === 'string' ? code : undefined;
  };
  return text((err as { cause?: unknown } | null)?.cause) ?? text(err) ?? String(err);
}

/** The shape of a page of readings from `GET /devices/:id/readings` (the chaincode's `ReadingRecord`s). */
interface ReadingPage {
  items: { reading: Omit<RecordedReading, 'txId'>; txId: string }[];
  bookmark: string;
}

export interface GatewayClientOptions {
  /** e.g. `http://127.0.0.1:3000` */
  readonly baseUrl: string;
  readonly apiKeys: GatewayApiKeys;
  /**
   * How many times one request waits out a 429 (the gateway's per-key rate limit) before the refusal is the
   * answer; default 20, a bulk import at the default 600 requests a minute per key waits up to 20 windows.
   */
  readonly rateLimitRetries?: number;
  /** How to wait (tests pass one that records instead). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Longest wait for one 429, whatever `Retry-After` says: a gateway's window is a minute. */
const MAX_RATE_LIMIT_WAIT_MS = 60_000;

/**
 * The few gateway REST calls the simulator makes: to set a scenario up, devices (as an admin of their owner),
 * shipments and attachments (as an operator of the shipment's origin); to read the ledger back (as the auditor,
 * `AuditorMSP`), the {@link LedgerReader} calls.
 * @throws {@link SimulatorError} GATEWAY_UNAVAILABLE from any call when the gateway cannot be reached;
 * {@link GatewayRequestError} when it refuses the request; an `Error` when the keys lack the key a call needs.
 */
const shipmentPath = (shipmentId: string): string => `/shipments/${encodeURIComponent(shipmentId)}`;

/** The outcome of {@link GatewayClient.commercialTermsCheck}. */
export interface CommercialTermsCheck {
  matches: boolean;
  termsHash: string;
}

export class GatewayClient implements LedgerReader, CustodyGateway {
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
      commercialTerms?: CommercialTermsSpec;
    },
  ): Promise<void> {
    await this.#post(this.#key(org, 'operator'), '/shipments', shipment);
  }

  async attachDevices(org: string, shipmentId: string, deviceIds: readonly string[]): Promise<void> {
    await this.#post(this.#key(org, 'operator'), `/shipments/${encodeURIComponent(shipmentId)}/devices`, {
      deviceIds,
    });
  }

  async readingsOf(deviceId: string, fromMs: number, toMs: number): Promise<RecordedReading[]> {
    const readings: RecordedReading[] = [];
    const base = `/devices/${encodeURIComponent(deviceId)}/readings?from=${fromMs}&to=${toMs}`;
    let bookmark = '';
    do {
      const page = await this.#get<ReadingPage>(
        this.#auditorKey(),
        bookmark === '' ? base : `${base}&bookmark=${encodeURIComponent(bookmark)}`,
      );
      for (const { reading, txId } of page.items) {
        readings.push({
          deviceId: reading.deviceId,
          seq: reading.seq,
          measuredAt: reading.measuredAt,
          ...(reading.shipmentId !== undefined && { shipmentId: reading.shipmentId }),
          measurements: reading.measurements,
          txId,
        });
      }
      // The bookmark of the last page is empty; an empty page ends the walk too, whatever it says.
      bookmark = page.items.length > 0 && page.bookmark !== bookmark ? page.bookmark : '';
    } while (bookmark !== '');
    return readings;
  }

  async deviceKeys(deviceId: string): Promise<RegisteredDeviceKey[] | undefined> {
    try {
      const device = await this.#get<{ keys: RegisteredDeviceKey[] }>(
        this.#auditorKey(),
        `/devices/${encodeURIComponent(deviceId)}`,
      );
      return device.keys;
    } catch (err) {
      if (err instanceof GatewayRequestError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** The shipment as it stands, read with the auditor's key or, given `asOrg`, that organisation's operator key. */
  async shipment(shipmentId: string, asOrg?: string): Promise<ShipmentState> {
    const key = asOrg === undefined ? this.#auditorKey() : this.#key(asOrg, 'operator');
    return this.#get<ShipmentState>(key, shipmentPath(shipmentId));
  }

  async openBreachIds(shipmentId: string): Promise<string[]> {
    const view = await this.shipmentProvenance(shipmentId);
    return view.breaches.filter((b) => b.disposition === null).map((b) => b.breachId);
  }

  async offerCustody(fromOrg: string, shipmentId: string, toOrg: string): Promise<WritePlace> {
    return this.#write(this.#key(fromOrg, 'operator'), `${shipmentPath(shipmentId)}/custody/offer`, {
      toOrg,
    });
  }

  async acceptCustody(toOrg: string, shipmentId: string): Promise<WritePlace> {
    return this.#write(this.#key(toOrg, 'operator'), `${shipmentPath(shipmentId)}/custody/accept`, {});
  }

  async rejectCustody(toOrg: string, shipmentId: string, reason: string): Promise<WritePlace> {
    return this.#write(this.#key(toOrg, 'operator'), `${shipmentPath(shipmentId)}/custody/reject`, {
      reason,
    });
  }

  async disposeBreaches(
    org: string,
    shipmentId: string,
    breachIds: readonly string[],
    decision: 'release' | 'quarantine' | 'destroy' | 'return',
    note: string,
  ): Promise<WritePlace> {
    return this.#write(this.#key(org, 'operator'), `${shipmentPath(shipmentId)}/breaches/disposition`, {
      breachIds,
      decision,
      note,
    });
  }

  async shipmentProvenance(shipmentId: string): Promise<ShipmentProvenanceView> {
    const view = await this.#get<unknown>(
      this.#auditorKey(),
      `/shipments/${encodeURIComponent(shipmentId)}/provenance`,
    );
    return checkProvenanceView(view, shipmentId);
  }

  /**
   * The auditor's check of a shipment's private commercial terms: `memberOrg` (a trading organisation) reads them
   * from its own peer and discloses the copy; the auditor, who can read only their hash, checks the copy against
   * it on its own peer.
   */
  async commercialTermsCheck(shipmentId: string, memberOrg: string): Promise<CommercialTermsCheck> {
    const { terms } = await this.#get<{ terms: unknown }>(
      this.#key(memberOrg, 'operator'),
      `${shipmentPath(shipmentId)}/commercial-terms`,
    );
    const response = await this.#fetch(`${shipmentPath(shipmentId)}/commercial-terms/verification`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.#auditorKey()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ terms }),
    });
    if (!response.ok) throw await gatewayRequestError(response);
    const { matches, termsHash } = (await response.json()) as CommercialTermsCheck;
    return { matches: matches === true, termsHash: String(termsHash) };
  }

  #auditorKey(): string {
    return this.#key(AUDITOR_MSP, 'auditor');
  }

  #key(org: string, role: GatewayRole): string {
    const key = this.options.apiKeys[org]?.[role];
    if (!key) throw new Error(`no ${role} API key for ${org}: add it to the API keys file`);
    return key;
  }

  async #post(key: string, path: string, body: unknown): Promise<void> {
    const response = await this.#fetch(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.ok) {
      await response.body?.cancel();
      return;
    }
    throw await gatewayRequestError(response);
  }

  /** A write route: its answer names the transaction and block that committed it. */
  async #write(key: string, path: string, body: unknown): Promise<WritePlace> {
    const response = await this.#fetch(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw await gatewayRequestError(response);
    const { txId, blockNumber } = (await response.json()) as Partial<WritePlace>;
    return { txId: String(txId), blockNumber: String(blockNumber) };
  }

  async #get<T>(key: string, path: string): Promise<T> {
    const response = await this.#fetch(path, { headers: { authorization: `Bearer ${key}` } });
    if (!response.ok) throw await gatewayRequestError(response);
    try {
      return (await response.json()) as T;
    } catch (err) {
      throw new SimulatorError(
        SimulatorErrorCode.GatewayUnavailable,
        `GET ${path} at ${this.options.baseUrl} answered ${response.status} without JSON: is that the gateway?`,
        { cause: err },
      );
    }
  }

  /**
   * One request, sent again after the wait a 429 names (`Retry-After`, in seconds; 1 s without one): the gateway
   * refuses a rate-limited request before doing anything, so a write sent again is still the first.
   */
  async #fetch(path: string, init: RequestInit): Promise<Response> {
    const url = new URL(path, this.options.baseUrl);
    const retries = this.options.rateLimitRetries ?? 20;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(url, init);
      } catch (err) {
        throw new SimulatorError(
          SimulatorErrorCode.GatewayUnavailable,
          `the gateway at ${url.origin} does not answer: ${causeOf(err)}`,
          { cause: err },
        );
      }
      if (response.status !== 429 || attempt >= retries) return response;
      const seconds = Number(response.headers.get('retry-after'));
      await response.body?.cancel();
      await sleep(
        Math.min(MAX_RATE_LIMIT_WAIT_MS, Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000),
      );
    }
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
        ...(shipment.commercialTerms && { commercialTerms: shipment.commercialTerms }),
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
    // Only the custodian may attach, and after a hand-over (an earlier run's) that is no longer the origin.
    const { custodianOrg } = await client.shipment(shipment.id, shipment.originOrg);
    await client.attachDevices(custodianOrg, shipment.id, deviceIds).catch((err: unknown) => {
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
