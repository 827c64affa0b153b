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

interface Entry {
  /** Ascending by fromSeq, parsed once: parsing a PEM costs ~3× a verification. */
  keys: { key: KeyObject; fromSeq: number }[] | 'unknown';
  fetchedAtMs: number;
}

export interface DeviceKeyDirectoryOptions {
  readonly ledger: LedgerPort;
  readonly actor: LedgerActor;
  /** How long a device's keys are trusted before asking the ledger again. */
  readonly ttlMs: number;
  /** How long "no such device" is remembered, so a flood from an unknown id costs one query per interval. */
  readonly unknownTtlMs: number;
  readonly now: () => number;
}

/** A device's key for one sequence number, and how old our knowledge of it is. */
export type KeyLookup = { found: true; key: KeyObject; ageMs: number } | { found: false; ageMs: number };

/**
 * Device public keys for the edge check, read from the ledger and cached. The chaincode re-checks every
 * signature, so the cache only has to be right often enough to save Fabric transactions; a reading the cache
 * would refuse is re-checked against a fresh copy first (see {@link refresh}), so a key rotation never makes the
 * gateway drop a good reading.
 */
export class DeviceKeyDirectory {
  readonly #options: DeviceKeyDirectoryOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #loading = new Map<string, Promise<Entry>>();

  constructor(options: DeviceKeyDirectoryOptions) {
    this.#options = options;
  }

  /** The key that signs `seq` of `deviceId` (the newest key whose fromSeq ≤ seq). */
  async keyFor(deviceId: string, seq: number): Promise<KeyLookup> {
    const now = this.#options.now();
    let entry = this.#entries.get(deviceId);
    const ttl = entry?.keys === 'unknown' ? this.#options.unknownTtlMs : this.#options.ttlMs;
    if (!entry || now - entry.fetchedAtMs >= ttl) entry = await this.#load(deviceId);
    return lookup(entry, seq, now);
  }

  /** Forgets the cached copy and reads the device again (single-flight per device). */
  async refresh(deviceId: string, seq: number): Promise<KeyLookup> {
    this.#entries.delete(deviceId);
    return lookup(await this.#load(deviceId), seq, this.#options.now());
  }

  #load(deviceId: string): Promise<Entry> {
    const inFlight = this.#loading.get(deviceId);
    if (inFlight) return inFlight;
    const loading = this.#fetch(deviceId).finally(() => this.#loading.delete(deviceId));
    this.#loading.set(deviceId, loading);
    return loading;
  }

  async #fetch(deviceId: string): Promise<Entry> {
    const fetchedAtMs = this.#options.now();
    let entry: Entry;
    try {
      const record = await this.#options.ledger.evaluate<DeviceRecordView>(
        this.#options.actor,
        'device:GetDevice',
        [deviceId],
      );
      entry = {
        keys: record.keys.map((k) => ({ key: parseDevicePublicKey(k.publicKeyPem), fromSeq: k.fromSeq })),
        fetchedAtMs,
      };
    } catch (err) {
      if (!(err instanceof GatewayError && err.code === GatewayErrorCode.NotFound)) throw err;
      entry = { keys: 'unknown', fetchedAtMs };
    }
    this.#entries.set(deviceId, entry);
    return entry;
  }
}

function lookup(entry: Entry, seq: number, now: number): KeyLookup {
  const ageMs = now - entry.fetchedAtMs;
  if (entry.keys === 'unknown') return { found: false, ageMs };
  let key: KeyObject | undefined;
  for (const k of entry.keys) if (k.fromSeq <= seq) key = k.key;
  // The chaincode gives every device a key from seq 1, so a miss here means an unusable record.
  return key ? { found: true, key, ageMs } : { found: false, ageMs };
}
