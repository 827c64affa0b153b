/** A reading the ledger has committed, named as the wire format names it. */
export interface CommittedReading {
  deviceId: string;
  seq: number;
}

/** One committed RecordReadings transaction, as the gateway's ingest event reports it. */
export interface IngestTransaction {
  txId: string;
  /** Decimal string: JSON numbers cannot hold every block number exactly. */
  blockNumber: string;
  /**
   * Readings the transaction found already recorded with the same content (a redelivery or a replay). The event
   * counts them but does not name them: only accepted readings are listed.
   */
  duplicates: number;
  /** Readings the chaincode refused; the gateway tells their devices on their rejection topics. */
  refused: number;
}

/**
 * Where a run learns that readings are on the ledger: the gateway's event stream. Without one, a run
 * measures publish → broker acknowledgement only.
 */
export interface CommitFeed {
  /**
   * Starts listening; resolves once the stream is open, so no commit after it is missed. The listener hears every
   * ingest transaction, also one that recorded none of its readings (only duplicates or refusals).
   */
  watch(
    listener: (readings: readonly CommittedReading[], transaction: IngestTransaction) => void,
  ): Promise<void>;
  close(): Promise<void>;
}
