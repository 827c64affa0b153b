/** A reading the ledger has committed, named as the wire format names it. */
export interface CommittedReading {
  deviceId: string;
  seq: number;
}

/**
 * Where a load run learns that readings are on the ledger: the gateway's event stream. Without one, a run
 * measures publish → broker acknowledgement only.
 */
export interface CommitFeed {
  /** Starts listening; resolves once the stream is open, so no commit after it is missed. */
  watch(listener: (readings: readonly CommittedReading[]) => void): Promise<void>;
  close(): Promise<void>;
}
