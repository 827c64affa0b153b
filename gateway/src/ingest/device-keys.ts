import type { KeyObject } from 'node:crypto';
import { parseDevicePublicKey } from '@provena/wire';
import { GatewayError, GatewayErrorCode } from '../errors/gateway-error';
import type { LedgerActor, LedgerPort } from '../ledger/ledger.port';

/** The parts of the chaincode's device record the edge check needs. */
interface DeviceRecordView {
  deviceId: string;
  status: 'active' | 'revoked';
  keys: { publicKeyPem: string; fromSeq: number }[];
}

interface KnownDevice {
  /** Ascending by fromSeq, parsed once: parsing a PEM costs ~3× a verification. */
  keys: { key: KeyObject; fromSeq: number }[];
  fetchedAtMs: number;
}

/** What a ledger read found: a device's keys, or `unknown` with when that was learnt. */
type Fetched = KnownDevice | { unknownAtMs: number };

/** Devices whose keys are held at once unless the settings say otherwise (PROVENA_DEVICE_CACHE_MAX_ENTRIES). */
export const DEFAULT_DEVICE_CACHE_MAX_ENTRIES = 10_000;

/** What the directory reports; the metrics adapter turns it into Prometheus series. */
export interface DeviceKeyMetrics {
  /** A ledger query found no such device: each one is a Fabric query an unregistered id cost us. */
  unknownDeviceQueried(): void;
  /** An entry dropped to stay within the bound: a device's keys, or an id remembered as unknown. */
  deviceKeysEvicted(kind: 'known' | 'unknown'): void;
}

/**
 * Whether a metrics object counts the directory's events too. The app's metrics do; the stand-ins that tests and
 * the benchmark hand to the ingest wiring need not.
 */
export function isDeviceKeyMetrics<T extends object>(metrics: T): metrics is T & DeviceKeyMetrics {
  const m = metrics as Partial<DeviceKeyMetrics>;
  return typeof m.unknownDeviceQueried === 'function' && typeof m.deviceKeysEvicted === 'function';
}

export interface DeviceKeyDirectoryOptions {
  readonly ledger: LedgerPort;
  readonly actor: LedgerActor;
  /** How long a device's keys are trusted before asking the ledger again. */
  readonly ttlMs: number;
  /**
   * How long "no such device" is remembered, so a flood from an unknown id costs one query per interval. A
   * reading from a device registered within this interval after one of its readings was found unknown is
   * refused UNKNOWN_DEVICE too: the price of not asking the ledger again for every reading of a made-up id.
   */
  readonly unknownTtlMs: number;
  /**
   * Devices whose keys are held at most, the least recently used dropped first ({@link DEFAULT_DEVICE_CACHE_MAX_ENTRIES}
   * by default). As many ids are remembered as unknown, apart from them, so a flood of made-up ids never pushes
   * a real device's keys out.
   */
  readonly maxEntries?: number;
  readonly now: () => number;
  readonly metrics?: DeviceKeyMetrics;
}

/** A device's key for one sequence number, and how old our knowledge of it is (0: just read from the ledger). */
export type KeyLookup = { found: true; key: KeyObject; ageMs: number } | { found: false; ageMs: number };

/** What the directory holds and has cost, for tests and metrics. */
export interface DeviceKeyDirectoryStats {
  /** Devices whose keys are held. */
  readonly known: number;
  /** Ids remembered as unknown. */
  readonly unknown: number;
  /** Ledger queries that found no such device, since start. */
  readonly unknownQueries: number;
  /** Entries dropped to stay within the bound, since start. */
  readonly evictions: number;
}

/**
 * Device public keys for the edge check, read from the ledger and cached in two bounded LRU maps: devices' keys,
 * and ids the ledger does not know. The chaincode re-checks every signature, so the cache only has to be right
 * often enough to save Fabric transactions; a reading the cache would refuse is re-checked against a fresh copy
 * first (see {@link refresh}), so a key rotation never makes the gateway drop a good reading.
 */
export class DeviceKeyDirectory {
  readonly #options: DeviceKeyDirectoryOptions;
  readonly #maxEntries: number;
  /** Insertion order is recency: a hit moves the entry to the end, eviction takes the first. */
  readonly #known = new Map<string, KnownDevice>();
  /** When each id was found unknown; insertion order is that time's order. */
  readonly #unknown = new Map<string, number>();
  readonly #loading = new Map<string, Promise<Fetched>>();
  #unknownQueries = 0;
  #evictions = 0;

  /** @throws RangeError when maxEntries is not a positive integer. */
  constructor(options: DeviceKeyDirectoryOptions) {
    const maxEntries = options.maxEntries ?? DEFAULT_DEVICE_CACHE_MAX_ENTRIES;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError('maxEntries must be a positive integer');
    }
    this.#options = options;
    this.#maxEntries = maxEntries;
  }

  /** The key that signs `seq` of `deviceId` (the newest key whose fromSeq ≤ seq). */
  async keyFor(deviceId: string, seq: number): Promise<KeyLookup> {
    const now = this.#options.now();
    const known = this.#known.get(deviceId);
    if (known && now - known.fetchedAtMs < this.#options.ttlMs) {
      this.#known.delete(deviceId);
      this.#known.set(deviceId, known);
      return lookup(known, seq, now - known.fetchedAtMs);
    }
    const unknownAtMs = this.#unknown.get(deviceId);
    if (unknownAtMs !== undefined && now - unknownAtMs < this.#options.unknownTtlMs) {
      return { found: false, ageMs: now - unknownAtMs };
    }
    return lookup(await this.#load(deviceId), seq, 0);
  }

  /**
   * Forgets the cached copy and reads the device again (single-flight per device). An id found unknown less than
   * `unknownTtlMs` ago is not asked about again: the edge check asks for a refresh whenever the cache would
   * refuse, so otherwise every reading of a made-up id would cost a ledger query.
   */
  async refresh(deviceId: string, seq: number): Promise<KeyLookup> {
    const now = this.#options.now();
    const unknownAtMs = this.#unknown.get(deviceId);
    if (unknownAtMs !== undefined && now - unknownAtMs < this.#options.unknownTtlMs) {
      return { found: false, ageMs: now - unknownAtMs };
    }
    this.#known.delete(deviceId);
    this.#unknown.delete(deviceId);
    return lookup(await this.#load(deviceId), seq, 0);
  }

  /** What the directory holds and has cost. */
  stats(): DeviceKeyDirectoryStats {
    return {
      known: this.#known.size,
      unknown: this.#unknown.size,
      unknownQueries: this.#unknownQueries,
      evictions: this.#evictions,
    };
  }

  #load(deviceId: string): Promise<Fetched> {
    const inFlight = this.#loading.get(deviceId);
    if (inFlight) return inFlight;
    const loading = this.#fetch(deviceId).finally(() => this.#loading.delete(deviceId));
    this.#loading.set(deviceId, loading);
    return loading;
  }

  async #fetch(deviceId: string): Promise<Fetched> {
    const fetchedAtMs = this.#options.now();
    let record: DeviceRecordView;
    try {
      record = await this.#options.ledger.evaluate<DeviceRecordView>(
        this.#options.actor,
        'device:GetDevice',
        [deviceId],
      );
    } catch (err) {
      if (!(err instanceof GatewayError && err.code === GatewayErrorCode.NotFound)) throw err;
      this.#unknownQueries += 1;
      this.#options.metrics?.unknownDeviceQueried();
      this.#known.delete(deviceId);
      this.#remember(this.#unknown, deviceId, fetchedAtMs, 'unknown');
      return { unknownAtMs: fetchedAtMs };
    }
    const known: KnownDevice = {
      keys: record.keys.map((k) => ({ key: parseDevicePublicKey(k.publicKeyPem), fromSeq: k.fromSeq })),
      fetchedAtMs,
    };
    this.#unknown.delete(deviceId);
    this.#remember(this.#known, deviceId, known, 'known');
    return known;
  }

  #remember<V>(map: Map<string, V>, deviceId: string, value: V, kind: 'known' | 'unknown'): void {
    map.delete(deviceId);
    map.set(deviceId, value);
    while (map.size > this.#maxEntries) {
      const oldest = map.keys().next().value as string;
      map.delete(oldest);
      this.#evictions += 1;
      this.#options.metrics?.deviceKeysEvicted(kind);
    }
  }
}

function lookup(fetched: Fetched, seq: number, ageMs: number): KeyLookup {
  if (!('keys' in fetched)) return { found: false, ageMs };
  let key: KeyObject | undefined;
  for (const k of fetched.keys) if (k.fromSeq <= seq) key = k.key;
  // The chaincode gives every device a key from seq 1, so a miss here means an unusable record.
  return key ? { found: true, key, ageMs } : { found: false, ageMs };
}
