import {
  canonicalBytesHash,
  canonicalJson,
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
  palletAttachmentKey,
  palletKey,
  readingKey,
  readingKeyRange,
} from './ledger-keys';
import { decodeRecord, emitEvent, readRecord, scanRange, writeCanonical, writeRecord } from './ledger-state';
import { readStates, stateBatchEnabled } from './state-batch';
import type { PalletAttachmentRecord, PalletRecord } from './pallet.model';
import { cachePure } from './pure-cache';
import { ReadingIndexBuilder } from './reading-index';
import { breachIdOf, type AttachmentRecord, type BreachRecord, type ShipmentRecord } from './shipment.model';
import type { TxScope } from './tx-scope';

/**
 * How far a device clock may run ahead of the transaction timestamp. Device clocks drift and the proposal's
 * timestamp comes from the submitting client's clock; five minutes absorbs both without letting a device
 * post-date readings meaningfully.
 */
export const MAX_CLOCK_AHEAD_MS = 5 * 60_000;

/** A reading as the ledger stores it under `reading/<deviceId>/<seq16>`. */
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

/** The value of an index key: small, and names the transaction that recorded the fact. */
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
 * The canonical JSON of a {@link ReadingRecord}, from the reading's canonical text already made for its signature:
 * RFC 8785 orders the record's members `hash, reading, recordedAt, signature, txId`, so the record is that text
 * with the other members around it, and the reading is canonicalised once, not twice.
 */
export function readingRecordJson(canonicalReading: string, record: Omit<ReadingRecord, 'reading'>): string {
  return (
    `{"hash":${canonicalJson(record.hash)},"reading":${canonicalReading},` +
    `"recordedAt":${canonicalJson(record.recordedAt)},"signature":${canonicalJson(record.signature)},` +
    `"txId":${canonicalJson(record.txId)}}`
  );
}

/**
 * Parsing a PEM costs about three verifications (FACTS.md), and small batches would parse their device's key in
 * every transaction: keys are remembered by their PEM text across transactions, which is safe because the key
 * is a pure function of the text (which key a reading needs is read from the ledger in each transaction).
 */
const publicKeyOf = cachePure(parseDevicePublicKey, 10_000);

/** A reading whose device is registered and whose signature holds, with what the later steps need. */
interface VerifiedReading {
  /** Its place in the batch. */
  readonly index: number;
  readonly reading: Reading;
  readonly signature: string;
  readonly device: DeviceRecord;
  /** RFC 8785 text of the reading: what the signature covers, hashed and stored. */
  readonly canonical: string;
  readonly hash: string;
  readonly key: string;
}

/**
 * One RecordReadings transaction. Caches live only as long as the transaction: another transaction may have
 * rotated a key or revoked the device in between, and a cache across transactions would make endorsers disagree.
 *
 * Every state call is a round trip to the peer that the transaction waits for, so the batch is judged in steps
 * that each read what they need at once: every device; then the reading keys of all verified readings; then every
 * attachment. With the peer's batched calls (state-batch.ts) each step is one message; without, one GET per device
 * and attachment, and one range per run of consecutive sequence numbers of a device. A new reading then costs one
 * write, plus its share of one index entry per device (and shipment) of the batch (`reading-index.ts`).
 *
 * Reads only device, attachment and reading keys (exactly the keys of the verified readings: a range covers only
 * consecutive sequence numbers all in the batch) and writes only reading, index and breach keys, each unique to
 * this transaction: no counter, no shipment key, so batches from different devices (or the same device) never
 * conflict under MVCC. A batch with readings of a pallet's logger also reads that pallet's key, once: a batch
 * committed against contents that a concurrent pack, unpack or pallet handover changed is invalidated (MVCC) and
 * retried, so a reading is never judged against cases that were no longer, or not yet, on the pallet.
 */
class IngestSession {
  readonly #tx: TxScope;
  readonly #devices = new Map<string, DeviceRecord | undefined>();
  readonly #attachments = new Map<string, AttachmentRecord | undefined>();
  readonly #palletAttachments = new Map<string, PalletAttachmentRecord | undefined>();
  /** Each pallet a reading of the batch named, read once per batch: a pallet lists its cases and their profiles. */
  readonly #pallets = new Map<string, PalletRecord | undefined>();
  /** Hashes of the readings already on the ledger, by reading key, for the verified readings. */
  readonly #recorded = new Map<string, string>();
  /**
   * Hashes of readings this transaction wrote. Fabric's GetState does not see the transaction's own writes, so
   * without this a reading twice in one batch would be written twice instead of being reported a duplicate.
   */
  readonly #written = new Map<string, string>();
  readonly #index = new ReadingIndexBuilder();
  readonly accepted: { deviceId: string; seq: number }[] = [];
  readonly breaches: ComplianceBreachPayload[] = [];

  constructor(tx: TxScope) {
    this.#tx = tx;
  }

  /** One verdict per envelope, in input order. */
  async judge(envelopes: readonly JsonValue[]): Promise<ReadingVerdict[]> {
    const verdicts: ReadingVerdict[] = new Array<ReadingVerdict>(envelopes.length);
    const refuse = (index: number, named: Pick<ReadingVerdict, 'deviceId' | 'seq'>, err: unknown): void => {
      if (!(err instanceof WireError)) throw err;
      const { deviceId, seq } = named;
      verdicts[index] = { deviceId, seq, status: 'refused', code: err.code, reason: err.reason };
    };

    const checked: { index: number; signed: SignedReading }[] = [];
    envelopes.forEach((envelope, index) => {
      try {
        checked.push({ index, signed: checkSignedReading(envelope) });
      } catch (err) {
        refuse(index, identify(envelope), err);
      }
    });
    await this.#readDevices(checked.map(({ signed }) => signed.reading.deviceId));

    const verified: VerifiedReading[] = [];
    for (const { index, signed } of checked) {
      try {
        verified.push(this.#verify(index, signed));
      } catch (err) {
        refuse(index, signed.reading, err);
      }
    }
    await this.#readRecorded(verified);
    await this.#readAttachments(verified);

    for (const v of verified) {
      const { deviceId, seq } = v.reading;
      try {
        verdicts[v.index] = { deviceId, seq, status: await this.#record(v) };
      } catch (err) {
        refuse(v.index, v.reading, err);
      }
    }
    const { ctx, txId } = this.#tx;
    for (const { key, value } of this.#index.entries(ctx.stub, txId)) await writeRecord(ctx, key, value);
    return verdicts;
  }

  #verify(index: number, { reading, signature }: SignedReading): VerifiedReading {
    const { deviceId, seq } = reading;
    const device = this.#devices.get(deviceId);
    if (!device) throw new WireError(RefusalCode.UnknownDevice, `device ${deviceId} is not registered`);
    const key = keyForSeq(device, seq);
    if (!key)
      throw new WireError(RefusalCode.BadSignature, `device ${deviceId} has no key for sequence ${seq}`);
    // Canonicalised once: the signature covers these bytes, the stored hash is theirs, and the stored record
    // holds this text.
    const canonical = canonicalJson(reading);
    const bytes = Buffer.from(canonical, 'utf8');
    verifyCanonicalSignature(bytes, signature, publicKeyOf(key.publicKeyPem));
    return {
      index,
      reading,
      signature,
      device,
      canonical,
      hash: canonicalBytesHash(bytes),
      key: readingKey(deviceId, seq),
    };
  }

  /** Every device of the batch, in one read. */
  async #readDevices(deviceIds: readonly string[]): Promise<void> {
    const { ctx } = this.#tx;
    const keys = new Map<string, string>();
    for (const deviceId of deviceIds) {
      if (!this.#devices.has(deviceId)) keys.set(deviceKey(ctx.stub, deviceId), deviceId);
    }
    const found = await readStates(ctx, keys.keys());
    for (const [key, deviceId] of keys) {
      const bytes = found.get(key);
      this.#devices.set(deviceId, bytes && decodeRecord<DeviceRecord>(key, bytes));
    }
  }

  // The duplicate check of every verified reading at once. Batched (state-batch.ts), one multi-key read of the
  // readings' own keys. Otherwise, per device, one range per run of consecutive sequence numbers (a single one is
  // a GET): a range reads only keys of readings in the batch, so its phantom-read check at validation catches
  // exactly what the point reads' version check would. The multi-key read is preferred where the peer takes it:
  // every peer re-runs each range at validation, sorting the block's pending writes for each, which cost the
  // committing peers more than the reads themselves (a peer profile under load: 12.5 % of its CPU).
  async #readRecorded(verified: readonly VerifiedReading[]): Promise<void> {
    const { ctx } = this.#tx;
    if (stateBatchEnabled()) {
      const found = await readStates(
        ctx,
        verified.map((v) => v.key),
      );
      for (const [key, bytes] of found) this.#recorded.set(key, decodeRecord<ReadingRecord>(key, bytes).hash);
      return;
    }
    const seqsByDevice = new Map<string, Set<number>>();
    for (const { reading } of verified) {
      let seqs = seqsByDevice.get(reading.deviceId);
      if (!seqs) seqsByDevice.set(reading.deviceId, (seqs = new Set()));
      seqs.add(reading.seq);
    }
    for (const [deviceId, seqSet] of seqsByDevice) {
      const seqs = [...seqSet].sort((a, b) => a - b);
      for (let i = 0; i < seqs.length;) {
        let j = i;
        while (j + 1 < seqs.length && seqs[j + 1] === seqs[j]! + 1) j++;
        const first = seqs[i]!;
        const last = seqs[j]!;
        if (first === last) {
          const key = readingKey(deviceId, first);
          const hash = (await readRecord<ReadingRecord>(ctx, key))?.hash;
          if (hash !== undefined) this.#recorded.set(key, hash);
        } else {
          const [start, end] = readingKeyRange(deviceId, first, last);
          for await (const { key, value } of scanRange(ctx, start, end)) {
            this.#recorded.set(key, decodeRecord<ReadingRecord>(key, value).hash);
          }
        }
        i = j + 1;
      }
    }
  }

  /**
   * The attachments the batch's new readings name, in one read: only those of readings not already recorded and
   * whose device is not revoked, which `#record` goes on to attach (a reading then refused for its clock had its
   * attachment read too; a read set may hold more than the transaction used, never less).
   */
  async #readAttachments(verified: readonly VerifiedReading[]): Promise<void> {
    const { ctx } = this.#tx;
    const keys = new Set<string>();
    for (const { reading, device, key } of verified) {
      if (reading.shipmentId === undefined || device.status === 'revoked' || this.#recorded.has(key))
        continue;
      const attachment = attachmentKey(ctx.stub, reading.shipmentId, reading.deviceId);
      if (!this.#attachments.has(attachment)) keys.add(attachment);
    }
    const found = await readStates(ctx, keys);
    for (const key of keys) {
      const bytes = found.get(key);
      this.#attachments.set(key, bytes && decodeRecord<AttachmentRecord>(key, bytes));
    }
  }

  async #record(v: VerifiedReading): Promise<'accepted' | 'duplicate'> {
    const { ctx, txId, nowMs } = this.#tx;
    const { reading, device, hash, key } = v;
    const { deviceId, seq } = reading;
    const earlier = this.#written.get(key) ?? this.#recorded.get(key);
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
    let pallet: PalletRecord | undefined;
    if (reading.shipmentId !== undefined) {
      attachment = await this.#attachment(reading.shipmentId, deviceId);
      if (attachment?.status !== 'attached') {
        attachment = undefined;
        // A pallet logger's reading names the pallet in the same field; pallet and shipment ids never coincide.
        pallet = await this.#palletOf(reading.shipmentId, deviceId);
        if (pallet === undefined) {
          throw new WireError(
            RefusalCode.ShipmentMismatch,
            `device ${deviceId} is not attached to shipment ${reading.shipmentId}`,
          );
        }
      }
    }

    await writeCanonical(
      ctx,
      key,
      readingRecordJson(v.canonical, { signature: v.signature, hash, txId, recordedAt: nowMs }),
    );
    // A pallet logger's readings are indexed under the pallet too, so they stay findable by the id they name even
    // while the pallet is empty (the `shipment~readings` layout serves both).
    this.#index.add(deviceId, reading.measuredAt, seq, attachment?.shipmentId ?? pallet?.palletId);
    if (attachment) await this.#judgeCompliance(reading, attachment);
    if (pallet) {
      // The reading applies to each case that was on the pallet when it was measured: it joins the case's reading
      // view and is judged against the case's own profile, as a reading of the case's own logger would be.
      for (const content of pallet.contents) {
        if (content.packedAt > reading.measuredAt) continue;
        this.#index.addForShipment(content.caseId, deviceId, seq);
        await this.#judgeCompliance(reading, {
          shipmentId: content.caseId,
          complianceProfile: content.complianceProfile,
          palletId: pallet.palletId,
        });
      }
    }
    this.#written.set(key, hash);
    this.accepted.push({ deviceId, seq });
    return 'accepted';
  }

  async #judgeCompliance(
    reading: Reading,
    target: Pick<ShipmentRecord, 'shipmentId' | 'complianceProfile'> & { palletId?: string },
  ): Promise<void> {
    const { ctx, txId, nowMs } = this.#tx;
    const { deviceId, seq } = reading;
    const { shipmentId } = target;
    for (const violation of evaluateCompliance(target.complianceProfile, reading.measurements)) {
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
        ...(target.palletId !== undefined && { palletId: target.palletId }),
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

  /** The pallet, when the device is attached to a pallet of this id: one attachment and one pallet read per batch. */
  async #palletOf(palletId: string, deviceId: string): Promise<PalletRecord | undefined> {
    const { ctx } = this.#tx;
    const key = palletAttachmentKey(ctx.stub, palletId, deviceId);
    if (!this.#palletAttachments.has(key)) {
      this.#palletAttachments.set(key, await readRecord<PalletAttachmentRecord>(ctx, key));
    }
    if (this.#palletAttachments.get(key)?.status !== 'attached') return undefined;
    if (!this.#pallets.has(palletId)) {
      this.#pallets.set(palletId, await readRecord<PalletRecord>(ctx, palletKey(ctx.stub, palletId)));
    }
    return this.#pallets.get(palletId);
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
  const verdicts = await session.judge(envelopes);
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
