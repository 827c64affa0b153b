import { LedgerErrorCode, parseDevicePublicKey, publicKeyPem, WireError } from '@provena/wire';
import { isJsonObject, parseJsonArgument, requireId, requireObject, requireText } from './input';
import { LedgerError } from './ledger-error';

/** One signing key of a device and the first sequence number it signs. */
export interface DeviceKey {
  /** PEM SPKI as re-exported by node:crypto: one canonical text per key. */
  publicKeyPem: string;
  fromSeq: number;
  /** The transaction that registered (for the first key) or rotated in this key. */
  rotatedAtTxId: string;
  /** Fabric's client id of the identity that did (a person's, when enrolled with Fabric CA). */
  rotatedBy: string;
}

/** Who revoked a device, when and why. */
export interface Revocation {
  reason: string;
  txId: string;
  at: number;
  by: string;
}

/** A registered device as the ledger stores it under `device [deviceId]`. */
export interface DeviceRecord {
  deviceId: string;
  ownerOrg: string;
  kind: string;
  metadata: Record<string, string>;
  /** Ascending by `fromSeq`; never shrinks, so readings signed with an older key stay verifiable. */
  keys: DeviceKey[];
  status: 'active' | 'revoked';
  revocation: Revocation | null;
  registeredAtTxId: string;
  registeredAt: number;
  /** Fabric's client id of the identity that registered the device. */
  registeredBy: string;
}

/** What RegisterDevice accepts, validated. */
export interface DeviceRegistration {
  deviceId: string;
  publicKeyPem: string;
  ownerOrg: string;
  kind: string;
  metadata: Record<string, string>;
}

/** Metadata is a small label set (model, firmware, ...), not a document store. */
export const MAX_METADATA_ENTRIES = 16;

// A PEM P-256 SPKI key is 178 characters; anything much longer is not one.
const MAX_PEM_LENGTH = 1024;

/**
 * Validates a device public key and returns its canonical PEM.
 * @throws {@link LedgerError} INVALID_ARGUMENT carrying BAD_PUBLIC_KEY.
 */
export function canonicalPublicKey(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length > MAX_PEM_LENGTH) {
    throw new LedgerError(LedgerErrorCode.InvalidArgument, `${field} must be a PEM string`);
  }
  try {
    return publicKeyPem(parseDevicePublicKey(value));
  } catch (err) {
    if (err instanceof WireError) {
      throw new LedgerError(LedgerErrorCode.InvalidArgument, `${field}: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

/**
 * Parses RegisterDevice's argument.
 * @throws {@link LedgerError} INVALID_ARGUMENT
 */
export function parseDeviceRegistration(deviceJson: string): DeviceRegistration {
  const value = requireObject(
    parseJsonArgument(deviceJson, 'deviceJson'),
    'device',
    ['deviceId', 'publicKeyPem', 'ownerOrg', 'kind'],
    ['metadata'],
  );
  const metadata: Record<string, string> = {};
  if (value.metadata !== undefined) {
    if (!isJsonObject(value.metadata)) {
      throw new LedgerError(LedgerErrorCode.InvalidArgument, 'device.metadata must be a JSON object');
    }
    const entries = Object.entries(value.metadata);
    if (entries.length > MAX_METADATA_ENTRIES) {
      throw new LedgerError(
        LedgerErrorCode.InvalidArgument,
        `device.metadata must hold at most ${MAX_METADATA_ENTRIES} entries`,
      );
    }
    for (const [key, text] of entries) {
      metadata[requireId(key, 'device.metadata key')] = requireText(text, `device.metadata.${key}`, {
        allowEmpty: true,
      });
    }
  }
  return {
    deviceId: requireId(value.deviceId, 'device.deviceId'),
    publicKeyPem: canonicalPublicKey(value.publicKeyPem, 'device.publicKeyPem'),
    ownerOrg: requireId(value.ownerOrg, 'device.ownerOrg'),
    kind: requireId(value.kind, 'device.kind'),
    metadata,
  };
}

/**
 * The key that signs reading `seq`: the one with the greatest `fromSeq` not above it. Keys are stored in
 * ascending order, and the first starts at 1.
 */
export function keyForSeq(device: DeviceRecord, seq: number): DeviceKey | undefined {
  let chosen: DeviceKey | undefined;
  for (const key of device.keys) if (key.fromSeq <= seq) chosen = key;
  return chosen;
}
