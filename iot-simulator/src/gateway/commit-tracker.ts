import type { RejectionNotice } from '@provena/wire';
import type { CommittedReading, IngestTransaction } from '../load/commit-feed.port';

/** A reading this run published: its device, sequence number and measurement time. */
export interface PublishedReading {
  deviceId: string;
  seq: number;
  measuredAt: number;
}

/** Who refused a reading: the broker (PUBACK reason code), the gateway or chaincode (notice), or the device. */
export type RefusedBy = 'broker' | 'gateway' | 'device';

export interface RefusedReading extends PublishedReading {
  code: string;
  reason: string;
  by: RefusedBy;
}

/** A published reading neither seen committed nor refused; `acknowledged` says whether the broker has it. */
export interface OutstandingReading extends PublishedReading {
  acknowledged: boolean;
}

/** Where a run stands. Every count is of this run's scenario readings unless it says otherwise. */
export interface CommitProgress {
  /** Readings of the scenario. */
  total: number;
  /** Found on the ledger before publishing (an earlier run recorded them): not published again. */
  onLedgerBefore: number;
  /** `total − onLedgerBefore`: what this run publishes. */
  toPublish: number;
  /** Numbered, signed and handed to their device. */
  published: number;
  /** Acknowledged by the broker (PUBACK): the broker has them, nothing more. */
  acknowledged: number;
  /** On the ledger: `onLedgerBefore`, those seen in ingest events, and those found by looking them up. */
  committed: number;
  /** Of `committed`, published now and found on the ledger by a look-up rather than in an ingest event. */
  foundByLookup: number;
  /**
   * Duplicates the ingest events counted while the run followed them. The events do not name them, and other
   * devices' duplicates count too, so this is what the ledger said, not a count of this run's readings.
   */
  duplicatesReported: number;
  /** Refused for good, by the broker, the gateway or the chaincode. */
  refused: number;
  /** Published, and neither committed nor refused yet. */
  outstanding: number;
  /** Ingest transactions that recorded at least one of this run's readings. */
  transactions: number;
  /** The lowest and highest block of those transactions (decimal strings), when there is one. */
  blocks: { first: string; last: string } | undefined;
}

/**
 * The accounting of a publish-until-committed run: each published reading is outstanding until it is seen
 * committed (an ingest event names it, or a look-up finds it on the ledger) or refused (a notice on its
 * device's rejection topic, or the broker's reason code). Pure: the caller feeds it what the adapters report.
 */
export interface CommitTracker {
  /** A reading was numbered and signed and is on its way. */
  published(reading: PublishedReading): void;
  /** The broker acknowledged it. */
  acknowledged(reading: CommittedReading): void;
  /** The broker refused it or the device dropped it: it never reaches the gateway. */
  lost(reading: CommittedReading, by: Exclude<RefusedBy, 'gateway'>, code: string, reason: string): void;
  /**
   * An ingest transaction committed: counts the readings of this run it names (others are ignored) and the
   * duplicates it reports. Returns how many were this run's.
   */
  committed(readings: readonly CommittedReading[], transaction: IngestTransaction): number;
  /**
   * A notice on a device's rejection topic. Returns false when it names no reading of this run (no sequence
   * number, or one this run did not publish); such notices are kept in {@link unattributed}.
   */
  notice(notice: RejectionNotice): boolean;
  /** Readings a look-up found on the ledger. Returns how many were outstanding until now. */
  foundOnLedger(readings: readonly CommittedReading[]): number;
  progress(): CommitProgress;
  /** True once every reading to publish was published and each is committed or refused. */
  settled(): boolean;
  /** Published readings neither committed nor refused, in publication order. */
  outstanding(): OutstandingReading[];
  /** Refused readings, in the order the refusals came. */
  refusals(): RefusedReading[];
  /** Notices about this run's devices that named none of its readings. */
  unattributed(): RejectionNotice[];
}

interface Entry extends PublishedReading {
  acknowledged: boolean;
  state: 'outstanding' | 'committed' | 'refused';
  refusal?: RefusedReading;
}

const keyOf = (r: CommittedReading): string => `${r.deviceId}/${r.seq}`;

/**
 * @param total the scenario's readings; `onLedgerBefore` of them were found on the ledger and are not published.
 * @example
 * const tracker = newCommitTracker({ total: plan.totalReadings, onLedgerBefore: 0 });
 * commits.watch((readings, tx) => tracker.committed(readings, tx));
 */
export function newCommitTracker(options: { total: number; onLedgerBefore: number }): CommitTracker {
  const { total, onLedgerBefore } = options;
  const entries = new Map<string, Entry>();
  const refusals: RefusedReading[] = [];
  const unattributed: RejectionNotice[] = [];
  const transactions = new Set<string>();
  let blocks: { first: bigint; last: bigint } | undefined;
  const counts = { acknowledged: 0, seen: 0, foundByLookup: 0, duplicatesReported: 0, refused: 0 };

  const commit = (entry: Entry): void => {
    if (entry.state === 'refused') {
      // The ledger has it after all (a notice about another copy of it): the ledger is what counts.
      counts.refused--;
      refusals.splice(refusals.indexOf(entry.refusal!), 1);
      delete entry.refusal;
    }
    entry.state = 'committed';
  };
  const refuse = (entry: Entry, by: RefusedBy, code: string, reason: string): void => {
    if (entry.state !== 'outstanding') return;
    entry.state = 'refused';
    entry.refusal = {
      deviceId: entry.deviceId,
      seq: entry.seq,
      measuredAt: entry.measuredAt,
      code,
      reason,
      by,
    };
    refusals.push(entry.refusal);
    counts.refused++;
  };

  const progress = (): CommitProgress => {
    const published = entries.size;
    const committedNow = counts.seen + counts.foundByLookup;
    return {
      total,
      onLedgerBefore,
      toPublish: total - onLedgerBefore,
      published,
      acknowledged: counts.acknowledged,
      committed: onLedgerBefore + committedNow,
      foundByLookup: counts.foundByLookup,
      duplicatesReported: counts.duplicatesReported,
      refused: counts.refused,
      outstanding: published - committedNow - counts.refused,
      transactions: transactions.size,
      blocks: blocks && { first: blocks.first.toString(), last: blocks.last.toString() },
    };
  };

  return {
    published(reading) {
      entries.set(keyOf(reading), { ...reading, acknowledged: false, state: 'outstanding' });
    },
    acknowledged(reading) {
      const entry = entries.get(keyOf(reading));
      if (!entry || entry.acknowledged) return;
      entry.acknowledged = true;
      counts.acknowledged++;
    },
    lost(reading, by, code, reason) {
      const entry = entries.get(keyOf(reading));
      if (entry) refuse(entry, by, code, reason);
    },
    committed(readings, transaction) {
      counts.duplicatesReported += transaction.duplicates;
      let ours = 0;
      for (const reading of readings) {
        const entry = entries.get(keyOf(reading));
        if (!entry || entry.state === 'committed') continue;
        commit(entry);
        counts.seen++;
        ours++;
      }
      if (ours > 0) {
        transactions.add(transaction.txId);
        if (/^[0-9]+$/.test(transaction.blockNumber)) {
          const block = BigInt(transaction.blockNumber);
          blocks = blocks
            ? {
                first: block < blocks.first ? block : blocks.first,
                last: block > blocks.last ? block : blocks.last,
              }
            : { first: block, last: block };
        }
      }
      return ours;
    },
    notice(notice) {
      const entry =
        notice.seq === undefined
          ? undefined
          : entries.get(keyOf({ deviceId: notice.deviceId, seq: notice.seq }));
      if (!entry) {
        unattributed.push(notice);
        return false;
      }
      refuse(entry, 'gateway', notice.code, notice.reason);
      return true;
    },
    foundOnLedger(readings) {
      let found = 0;
      for (const reading of readings) {
        const entry = entries.get(keyOf(reading));
        if (!entry || entry.state === 'committed') continue;
        commit(entry);
        counts.foundByLookup++;
        found++;
      }
      return found;
    },
    progress,
    settled() {
      const p = progress();
      return p.published >= p.toPublish && p.outstanding === 0;
    },
    outstanding() {
      return [...entries.values()]
        .filter((e) => e.state === 'outstanding')
        .map(({ deviceId, seq, measuredAt, acknowledged }) => ({ deviceId, seq, measuredAt, acknowledged }));
    },
    refusals: () => [...refusals],
    unattributed: () => [...unattributed],
  };
}

/** `3–7, 9, 12–13`: sequence numbers as ranges, ascending. */
export function seqRanges(seqs: readonly number[]): string {
  const sorted = [...new Set(seqs)].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    ranges.push(i === j ? `${sorted[i]}` : `${sorted[i]}–${sorted[j]}`);
    i = j + 1;
  }
  return ranges.join(', ');
}

/**
 * The readings never seen committed, per device with their sequence numbers as ranges, those the broker never
 * acknowledged apart: what a timed-out run prints.
 * @example
 * formatOutstanding(tracker.outstanding()) // ['logger-1: seq 3–7 acknowledged by the broker, not seen committed']
 */
export function formatOutstanding(readings: readonly OutstandingReading[]): string[] {
  const byDevice = new Map<string, { acked: number[]; unacked: number[] }>();
  for (const r of readings) {
    const device = byDevice.get(r.deviceId) ?? { acked: [], unacked: [] };
    (r.acknowledged ? device.acked : device.unacked).push(r.seq);
    byDevice.set(r.deviceId, device);
  }
  const lines: string[] = [];
  for (const [deviceId, { acked, unacked }] of [...byDevice].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (acked.length > 0) {
      lines.push(`${deviceId}: seq ${seqRanges(acked)} acknowledged by the broker, not seen committed`);
    }
    if (unacked.length > 0) {
      lines.push(`${deviceId}: seq ${seqRanges(unacked)} never acknowledged by the broker`);
    }
  }
  return lines;
}

/**
 * Refusals grouped by who refused and the code, with the first reason as an example (reasons name the reading,
 * so they differ) and the readings as ranges: `BAD_SIGNATURE from the gateway (…): logger-1 seq 1–3`.
 */
export function formatRefusals(refusals: readonly RefusedReading[]): string[] {
  const groups = new Map<string, { first: RefusedReading; seqs: Map<string, number[]> }>();
  for (const r of refusals) {
    const key = `${r.by} ${r.code}`;
    const group = groups.get(key) ?? { first: r, seqs: new Map<string, number[]>() };
    group.seqs.set(r.deviceId, [...(group.seqs.get(r.deviceId) ?? []), r.seq]);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ first, seqs }) => {
    const count = [...seqs.values()].reduce((sum, s) => sum + s.length, 0);
    return (
      `${first.code} from the ${first.by}, ${count} reading${count === 1 ? '' : 's'} ` +
      `(${count === 1 ? '' : 'e.g. '}"${first.reason}"): ` +
      [...seqs].map(([deviceId, s]) => `${deviceId} seq ${seqRanges(s)}`).join('; ')
    );
  });
}
