import type { ReadingReceipt } from '@provena/wire';

/**
 * Where devices hear which of their readings are on the ledger: each device's receipts topic (`Topics.receipts`).
 * The MQTT adapter subscribes to those topics; tests use the in-memory one.
 */
export interface ReceiptFeed {
  /**
   * Calls `listener` for every well-formed receipt to one of `deviceIds` (a malformed one is dropped: the device
   * resends, which is safe, rather than let a reading go on a receipt it cannot read). Resolves once the broker
   * has confirmed the subscriptions.
   * @throws {@link SimulatorError} BROKER_UNAVAILABLE when the subscriptions cannot be made.
   */
  watch(deviceIds: readonly string[], listener: (receipt: ReadingReceipt) => void): Promise<void>;
  close(): Promise<void>;
}
