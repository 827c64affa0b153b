import type { KeyObject } from 'node:crypto';
import { parseDevicePublicKey, verifyReadingSignature, WireError } from '@provena/wire';
import type { DeviceRecordView, ReadingRecordView } from './chaincode-state';

/** A transaction's place on the ledger: its block and its index in the block. */
export interface LedgerPosition {
  readonly block: bigint;
  readonly index: number;
  readonly txId: string;
}

/** Whether `a` comes before `b` on the ledger. */
export const isBefore = (a: LedgerPosition, b: LedgerPosition): boolean =>
  a.block < b.block || (a.block === b.block && a.index < b.index);

/** One version of a device record and where it was written. */
export interface DeviceVersion {
  readonly position: LedgerPosition;
  readonly record: DeviceRecordView;
}

/** Why a reading's signature cannot be accepted; undefined fields mean "not applicable". */
export interface ReadingVerdict {
  readonly ok: boolean;
  readonly code?: 'DEVICE_UNKNOWN' | 'DEVICE_REVOKED' | 'DEVICE_SIGNATURE';
  readonly message?: string;
  /** The device version the reading was judged against. */
  readonly version?: DeviceVersion;
}

/**
 * Every version of the devices' records the verified blocks wrote, in ledger order, so that a reading is judged
 * against the device as the ledger held it when the reading was recorded: the key its sequence number falls
 * under then (a later rotation does not change which key signed it), and the device's status then (a device
 * revoked before the reading's transaction makes the reading unacceptable, one revoked after does not).
 */
export class DeviceHistory {
  readonly #versions = new Map<string, DeviceVersion[]>();
  readonly #keys = new Map<string, KeyObject>();

  /** Adds the version a valid transaction wrote; versions must be added in ledger order. */
  add(deviceId: string, position: LedgerPosition, record: DeviceRecordView): void {
    let versions = this.#versions.get(deviceId);
    if (!versions) this.#versions.set(deviceId, (versions = []));
    versions.push({ position, record });
  }

  /** The version in force just before `position`. */
  at(deviceId: string, position: LedgerPosition): DeviceVersion | undefined {
    const versions = this.#versions.get(deviceId) ?? [];
    let found: DeviceVersion | undefined;
    for (const version of versions) {
      if (!isBefore(version.position, position)) break;
      found = version;
    }
    return found;
  }

  /**
   * Judges a reading recorded at `position`: its device registered and not revoked before then, and its signature
   * verifying with the key that signs its sequence number (the newest key whose fromSeq is not above it).
   */
  judge(record: ReadingRecordView, position: LedgerPosition): ReadingVerdict {
    const { deviceId, seq } = record.reading;
    const where = `reading ${seq} of device ${deviceId} (block ${position.block}, transaction ${position.txId})`;
    const version = this.at(deviceId, position);
    if (!version) {
      return {
        ok: false,
        code: 'DEVICE_UNKNOWN',
        message: `${where}: the device was not registered on the ledger before this block`,
      };
    }
    const at = `block ${version.position.block}, transaction ${version.position.txId}`;
    if (version.record.status === 'revoked') {
      return {
        ok: false,
        code: 'DEVICE_REVOKED',
        version,
        message: `${where}: the device was revoked before it (${at}${version.record.revocation ? `: "${version.record.revocation.reason}"` : ''})`,
      };
    }
    let signer: { publicKeyPem: string; fromSeq: number } | undefined;
    for (const key of version.record.keys) if (key.fromSeq <= seq) signer = key;
    if (!signer) {
      return {
        ok: false,
        code: 'DEVICE_SIGNATURE',
        version,
        message: `${where}: the device had no key for sequence ${seq} (as of ${at})`,
      };
    }
    try {
      verifyReadingSignature(record.reading, record.signature, this.#key(signer.publicKeyPem));
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      return {
        ok: false,
        code: 'DEVICE_SIGNATURE',
        version,
        message:
          `${where}: the device signature does not verify with its key for sequences from ${signer.fromSeq} ` +
          `(as registered in ${at}): the reading was changed after it was signed, or signed by another key (${err.code})`,
      };
    }
    return { ok: true, version };
  }

  // Parsing a PEM costs about three verifications (FACTS.md): once per key, not per reading.
  #key(pem: string): KeyObject {
    let key = this.#keys.get(pem);
    if (!key) this.#keys.set(pem, (key = parseDevicePublicKey(pem)));
    return key;
  }
}
