import type { KeyObject } from 'node:crypto';
import {
  canonicalBytesHash,
  canonicalReadingBytes,
  checkClockSkew,
  checkSignedReading,
  ID_PATTERN,
  LedgerErrorCode,
  LedgerEvent,
  Limits,
  parseDevicePublicKey,
  RefusalCode,
  verifyCanonicalSignature,
  WireError,
  type ComplianceBreachPayload,
  type JsonValue,
  type Reading,
  type SignedReading,
} from '@provena/wire';
import { requireWriter } from './access';
import { evaluateCompliance } from './compliance';
import { keyForSeq, type DeviceRecord } from './device.model';
import { isJsonObject, parseJsonArgument } from './input';
import { LedgerError } from './ledger-error';
import {
  attachmentKey,
  breachKey,
  deviceKey,
  readingByShipmentKey,
  readingKey,
  readingTimeKey,
} from './ledger-keys';
import { emitEvent, readRecord, writeRecord } from './ledger-state';
import { breachIdOf, type AttachmentRecord, type BreachRecord } from './shipment.model';
import type { TxScope } from './tx-scope';

/**
 * How far a device clock may run ahead of the transaction timestamp. Device clocks drift and the proposal's
 * timestamp comes from the submitting client's clock; five minutes absorbs both without letting a device
 * post-date readings meaningfully.
 */
export const MAX_CLOCK_AHEAD_MS = 5 * 60_000;

/** A reading as the ledger stores it under `reading [deviceId, seq16]`. */
export interface ReadingRecord {
  reading: Reading;
  signature: string;
  /** SHA-256 of the reading's canonical bytes: tells a replay (same hash) from a reused sequence number. */
  hash: string;
  txId: string;
  recordedAt: number;
}

/** The outcome for one envelope of a batch, in input order. */
export interface ReadingVerdict {
  /** Null when the envelope is too malformed to name its device or sequence number. */
  deviceId: string | null;
  seq: number | null;
  status: 'accepted' | 'duplicate' | 'refused';
  code?: RefusalCode;
  reason?: string;
}

/** What RecordReadings returns. */
export interface IngestSummary {
  accepted: number;
  duplicates: number;
  refused: number;
  verdicts: ReadingVerdict[];
}

/** The value of an index key: small, and names the transaction that recorded the reading. */
export interface IndexEntry {
  txId: string;
}

/**
 * Parses the batch argument. Only the batch as a whole can be malformed here; each element is judged on its own.
 * @throws {@link LedgerError} INVALID_ARGUMENT for bad JSON (with the wire code) or a batch size outside
 * 1..`Limits.maxReadingsPerBatch`.
 */
export function parseBatch(envelopesJson: string): JsonValue[] {
  // Cheap bound before parsing: no valid batch is longer than its maximum count of maximum-size envelopes.
  const maxChars = Limits.maxReadingsPerBatch * Limits.maxEnvelopeBytes;
  if (envelopesJson.length > maxChars) {
    throw new LedgerError(
      LedgerErrorCode.InvalidArgument,
      `envelopesJson: ${RefusalCode.TooLarge}: batch is ${envelopesJson.length} characters; at most ${maxChars}`,
    );
  }
  // No string inside a valid envelope is longer than an envelope.
  const value = parseJsonArgument(envelopesJson, 'envelopesJson', Limits.maxEnvelopeBytes);
  if (!Array.isArray(value)) {
    throw new LedgerError(
      LedgerErrorCode.InvalidArgument,
      'envelopesJson must be a JSON array of signed readings',
    );
  }
  if (value.length === 0 || value.length > Limits.maxReadingsPerBatch) {
    throw new LedgerError(
      LedgerErrorCode.InvalidArgument,
      `envelopesJson must hold 1 to ${Limits.maxReadingsPerBatch} signed readings; it holds ${value.length}`,
    );
  }
  return value;
}

// Names a refused envelope as far as its raw fields allow, so the gateway can tell the device.
function identify(envelope: JsonValue | undefined): Pick<ReadingVerdict, 'deviceId' | 'seq'> {
  const reading = isJsonObject(envelope) ? envelope.reading : undefined;
  if (!isJsonObject(reading)) return { deviceId: null, seq: null };
  const { deviceId, seq } = reading;
  return {
    deviceId: typeof deviceId === 'string' && ID_PATTERN.test(deviceId) ? deviceId : null,
    seq: typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 1 ? seq : null,
  };
}

/**
 * One RecordReadings transaction. Caches live only as long as the transaction: another transaction may have
 * rotated a key or revoked the device in between, and a cache across transactions would make endorsers disagree.
 *
 * Reads only device, attachment and reading keys and writes only reading, index and breach keys: no counter,
 * no shipment key, so batches from different devices (or the same device) never conflict under MVCC.
 */
class IngestSession {
  readonly #tx: TxScope;
  readonly #devices = new Map<string, DeviceRecord | undefined>();
  readonly #publicKeys = new Map<string, KeyObject>();
  readonly #attachments = new Map<string, AttachmentRecord | undefined>();
  /**
   * Hashes of readings this transaction wrote. Fabric's GetState does not see the transaction's own writes, so
   * without this a reading twice in one batch would be written twice instead of being reported a duplicate.
   */
  readonly #written = new Map<string, string>();
  readonly accepted: { deviceId: string; seq: number }[] = [];
  readonly breaches: ComplianceBreachPayload[] = [];

  constructor(tx: TxScope) {
    this.#tx = tx;
  }

  async judge(envelope: JsonValue | undefined): Promise<ReadingVerdict> {
    let signed: SignedReading;
    try {
      signed = checkSignedReading(envelope);
    } catch (err) {
      if (err instanceof WireError)
        return { ...identify(envelope), status: 'refused', code: err.code, reason: err.reason };
      throw err;
    }
    const { deviceId, seq } = signed.reading;
    try {
      return { deviceId, seq, status: await this.#record(signed) };
    } catch (err) {
      if (err instanceof WireError)
        return { deviceId, seq, status: 'refused', code: err.code, reason: err.reason };
      throw err;
    }
  }

  async #record({ reading, signature }: SignedReading): Promise<'accepted' | 'duplicate'> {
    const { ctx, txId, nowMs } = this.#tx;
    const { deviceId, seq } = reading;
    const device = await this.#device(deviceId);
    if (!device) throw new WireError(RefusalCode.UnknownDevice, `device ${deviceId} is not registered`);
    const key = keyForSeq(device, seq);
    if (!key)
      throw new WireError(RefusalCode.BadSignature, `device ${deviceId} has no key for sequence ${seq}`);
    // Canonicalised once: the signature covers these bytes and the stored hash is theirs.
    const canonical = canonicalReadingBytes(reading);
    verifyCanonicalSignature(canonical, signature, this.#publicKey(key.publicKeyPem));

    const hash = canonicalBytesHash(canonical);
    const stateKey = readingKey(ctx.stub, deviceId, seq);
    const earlier = this.#written.get(stateKey) ?? (await readRecord<ReadingRecord>(ctx, stateKey))?.hash;
    if (earlier !== undefined) {
      // A replay is harmless and stays idempotent even after revocation; other content under the same
      // sequence number is a device reset or a forgery and is never overwritten.
      if (earlier === hash) return 'duplicate';
      throw new WireError(
        RefusalCode.SequenceReused,
        `reading ${seq} of device ${deviceId} is already recorded with different content`,
      );
    }
    if (device.status === 'revoked') {
      throw new WireError(RefusalCode.DeviceRevoked, `device ${deviceId} is revoked`);
    }
    checkClockSkew(reading, nowMs, MAX_CLOCK_AHEAD_MS);
    let attachment: AttachmentRecord | undefined;
    if (reading.shipmentId !== undefined) {
      attachment = await this.#attachment(reading.shipmentId, deviceId);
      if (attachment?.status !== 'attached') {
        throw new WireError(
          RefusalCode.ShipmentMismatch,
          `device ${deviceId} is not attached to shipment ${reading.shipmentId}`,
        );
      }
    }

    const record: ReadingRecord = { reading, signature, hash, txId, recordedAt: nowMs };
    const index: IndexEntry = { txId };
    await writeRecord(ctx, stateKey, record);
    await writeRecord(ctx, readingTimeKey(deviceId, reading.measuredAt, seq), index);
    if (attachment) await this.#judgeCompliance(reading, attachment, index);
    this.#written.set(stateKey, hash);
    this.accepted.push({ deviceId, seq });
    return 'accepted';
  }

  async #judgeCompliance(reading: Reading, attachment: AttachmentRecord, index: IndexEntry): Promise<void> {
    const { ctx, txId, nowMs } = this.#tx;
    const { deviceId, seq } = reading;
    const { shipmentId } = attachment;
    await writeRecord(ctx, readingByShipmentKey(ctx.stub, shipmentId, deviceId, seq), index);
    for (const violation of evaluateCompliance(attachment.complianceProfile, reading.measurements)) {
      const breach: BreachRecord = {
        breachId: breachIdOf(deviceId, seq, violation.rule),
        shipmentId,
        deviceId,
        seq,
        rule: violation.rule,
        limit: violation.limit,
        observed: violation.observed,
        measuredAt: reading.measuredAt,
        txId,
        recordedAt: nowMs,
        disposition: null,
      };
      await writeRecord(ctx, breachKey(ctx.stub, shipmentId, deviceId, seq, violation.rule), breach);
      this.breaches.push({
        shipmentId,
        breachId: breach.breachId,
        deviceId,
        seq,
        rule: breach.rule,
        limit: breach.limit,
        observed: breach.observed,
      });
    }
  }

  async #device(deviceId: string): Promise<DeviceRecord | undefined> {
    if (!this.#devices.has(deviceId)) {
      const { ctx } = this.#tx;
      this.#devices.set(deviceId, await readRecord<DeviceRecord>(ctx, deviceKey(ctx.stub, deviceId)));
    }
    return this.#devices.get(deviceId);
  }

  // Parsing a PEM costs about three verifications (FACTS.md); a batch usually holds many readings per device.
  #publicKey(pem: string): KeyObject {
    let key = this.#publicKeys.get(pem);
    if (!key) {
      key = parseDevicePublicKey(pem);
      this.#publicKeys.set(pem, key);
    }
    return key;
  }

  async #attachment(shipmentId: string, deviceId: string): Promise<AttachmentRecord | undefined> {
    const { ctx } = this.#tx;
    const key = attachmentKey(ctx.stub, shipmentId, deviceId);
    if (!this.#attachments.has(key)) this.#attachments.set(key, await readRecord<AttachmentRecord>(ctx, key));
    return this.#attachments.get(key);
  }
}

/**
 * Verifies and records a batch of device-signed readings, one verdict per envelope in input order, and emits
 * one ReadingsRecorded event (Fabric keeps one event per transaction) carrying the counts, the accepted
 * readings and any compliance breaches.
 * @throws {@link LedgerError} FORBIDDEN for auditors; INVALID_ARGUMENT when the batch as a whole is malformed.
 */
export async function recordReadings(tx: TxScope, envelopesJson: string): Promise<IngestSummary> {
  requireWriter(tx.caller, 'record readings');
  const envelopes = parseBatch(envelopesJson);
  const session = new IngestSession(tx);
  const verdicts: ReadingVerdict[] = [];
  for (const envelope of envelopes) verdicts.push(await session.judge(envelope));
  const count = (status: ReadingVerdict['status']): number =>
    verdicts.filter((v) => v.status === status).length;
  const summary: IngestSummary = {
    accepted: count('accepted'),
    duplicates: count('duplicate'),
    refused: count('refused'),
    verdicts,
  };
  emitEvent(tx.ctx, LedgerEvent.ReadingsRecorded, {
    accepted: summary.accepted,
    duplicates: summary.duplicates,
    refused: summary.refused,
    breaches: session.breaches,
    readings: session.accepted,
  });
  return summary;
}
