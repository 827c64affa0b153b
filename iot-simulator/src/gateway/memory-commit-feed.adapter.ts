import type { CommitFeed, CommittedReading, IngestTransaction } from '../load/commit-feed.port';

/** An in-memory {@link CommitFeed}: a test plays the gateway's ingest events with {@link commit}. */
export interface MemoryCommitFeed extends CommitFeed {
  /** True between `watch` and `close`. */
  readonly watching: boolean;
  /**
   * Delivers one ingest event as the gateway would: the readings a transaction recorded, and what else it counted.
   * Transaction ids and blocks are numbered from 1 unless given. Returns false when nobody watches (it is lost).
   */
  commit(readings: readonly CommittedReading[], transaction?: Partial<IngestTransaction>): boolean;
}

export function newMemoryCommitFeed(): MemoryCommitFeed {
  let listener: ((readings: readonly CommittedReading[], transaction: IngestTransaction) => void) | undefined;
  let block = 0;
  return {
    get watching() {
      return listener !== undefined;
    },
    watch(l) {
      listener = l;
      return Promise.resolve();
    },
    commit(readings, transaction = {}) {
      if (!listener) return false;
      block++;
      listener(readings, {
        txId: transaction.txId ?? `tx-${block}`,
        blockNumber: transaction.blockNumber ?? String(block),
        duplicates: transaction.duplicates ?? 0,
        refused: transaction.refused ?? 0,
      });
      return true;
    },
    close() {
      listener = undefined;
      return Promise.resolve();
    },
  };
}
