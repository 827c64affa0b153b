import {
  WireError,
  decodeSignedReading,
  type ReadingReceipt,
  type RejectionNotice,
  type SignedReading,
} from '@provena/wire';
import type { LedgerActor, LedgerPort } from '../ledger/ledger.port';
import type { DeadLetter, DeadLetterStore } from './dead-letter.store';
import { classifyIngestFailure } from './ingest-failure';
import { receiptsOf, type ReadingVerdict } from './reading-receipts';

/** What became of one redriven dead letter. */
export interface RedriveOutcome {
  readonly id: string;
  readonly deviceId: string;
  readonly seq: number | null;
  /**
   * `accepted` or `duplicate`: on the ledger now, removed from the store. `refused`: refused for good (by the
   * chaincode, or undecodable), removed, its device told. `failed`: still cannot be placed, kept with the new reason.
   */
  readonly outcome: 'accepted' | 'duplicate' | 'refused' | 'failed';
  readonly code?: string;
  readonly reason?: string;
}

export interface RedriveResult {
  readonly outcomes: readonly RedriveOutcome[];
  /** Entries left in the store after the redrive. */
  readonly remaining: number;
}

export interface DeadLetterRedriveOptions {
  readonly ledger: LedgerPort;
  readonly actor: LedgerActor;
  readonly store: DeadLetterStore;
  readonly notify: (notice: RejectionNotice) => void;
  /** Tells a device which of its readings are on the ledger now (its receipts topic). */
  readonly receipt?: (receipt: ReadingReceipt) => void;
  readonly now: () => number;
  /** Readings per RecordReadings transaction, as ingest uses. */
  readonly batchSize: number;
}

type Verdict = ReadingVerdict;

/**
 * Submits dead letters again through RecordReadings, the path ingest uses, once each: no retry loop (the admin
 * redrives again). A batch that fails as a whole is halved down to single readings, so one still-failing entry
 * does not keep the others off the ledger.
 *
 * @example
 * const result = await redriveDeadLetters(options, await store.get(ids));
 */
export async function redriveDeadLetters(
  options: Readonly<DeadLetterRedriveOptions>,
  entries: readonly DeadLetter[],
): Promise<RedriveResult> {
  const outcomes: RedriveOutcome[] = [];
  const decoded: { entry: DeadLetter; signed: SignedReading }[] = [];
  for (const entry of entries) {
    try {
      const signed = decodeSignedReading(Buffer.from(entry.envelope, 'utf8'));
      if (signed.reading.deviceId !== entry.deviceId) {
        outcomes.push(refused(entry, 'SCHEMA_VIOLATION', 'reading.deviceId does not match its topic'));
      } else {
        decoded.push({ entry, signed });
      }
    } catch (err) {
      if (err instanceof WireError) outcomes.push(refused(entry, err.code, err.reason));
      else outcomes.push(failed(entry, 'INTERNAL', `edge check failed: ${String(err)}`));
    }
  }
  for (let i = 0; i < decoded.length; i += options.batchSize) {
    outcomes.push(...(await submit(options, decoded.slice(i, i + options.batchSize))));
  }

  const byId = new Map(entries.map((e) => [e.id, e]));
  const attemptAt = new Date(options.now()).toISOString();
  const stillFailing = outcomes
    .filter((o) => o.outcome === 'failed')
    .flatMap((o) => {
      const entry = byId.get(o.id);
      return entry === undefined
        ? []
        : [
            {
              ...entry,
              reason: { code: o.code ?? 'INTERNAL', message: o.reason ?? '' },
              lastAttemptAt: attemptAt,
              attempts: entry.attempts + 1,
            },
          ];
    });
  await options.store.update(stillFailing);
  await options.store.remove(outcomes.filter((o) => o.outcome !== 'failed').map((o) => o.id));
  for (const o of outcomes) {
    if (o.outcome === 'refused') {
      options.notify({
        deviceId: o.deviceId,
        ...(o.seq !== null && { seq: o.seq }),
        code: o.code ?? 'REFUSED',
        reason: o.reason ?? 'refused',
      });
    }
  }
  return { outcomes, remaining: options.store.size };
}

async function submit(
  options: Readonly<DeadLetterRedriveOptions>,
  batch: { entry: DeadLetter; signed: SignedReading }[],
): Promise<RedriveOutcome[]> {
  try {
    const committed = await options.ledger.submit<{ verdicts: Verdict[] }>(
      options.actor,
      'reading:RecordReadings',
      [JSON.stringify(batch.map((b) => b.signed))],
    );
    const verdicts = committed.result.verdicts;
    if (verdicts.length !== batch.length)
      throw new Error('RecordReadings returned the wrong number of verdicts');
    for (const receipt of receiptsOf(
      batch.map((b) => b.signed),
      verdicts,
      committed.txId,
    ))
      options.receipt?.(receipt);
    return batch.map(({ entry }, i) => {
      const verdict = verdicts[i] as Verdict;
      return verdict.status === 'refused'
        ? refused(entry, verdict.code ?? 'REFUSED', verdict.reason ?? 'refused by the chaincode')
        : { ...ids(entry), outcome: verdict.status };
    });
  } catch (err) {
    if (batch.length > 1) {
      const half = Math.ceil(batch.length / 2);
      return [
        ...(await submit(options, batch.slice(0, half))),
        ...(await submit(options, batch.slice(half))),
      ];
    }
    const failure = classifyIngestFailure(err);
    const entry = (batch[0] as { entry: DeadLetter }).entry;
    return [
      failure.kind === 'refuse'
        ? refused(entry, failure.code, failure.message)
        : failed(entry, failure.code, failure.message),
    ];
  }
}

function ids(entry: DeadLetter): Pick<RedriveOutcome, 'id' | 'deviceId' | 'seq'> {
  return { id: entry.id, deviceId: entry.deviceId, seq: entry.seq };
}

function refused(entry: DeadLetter, code: string, reason: string): RedriveOutcome {
  return { ...ids(entry), outcome: 'refused', code, reason };
}

function failed(entry: DeadLetter, code: string, reason: string): RedriveOutcome {
  return { ...ids(entry), outcome: 'failed', code, reason };
}
