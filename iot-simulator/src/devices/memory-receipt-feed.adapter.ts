import type { ReadingReceipt } from '@provena/wire';
import type { ReceiptFeed } from './receipt-feed.port';

/** An in-memory {@link ReceiptFeed}: a test plays the gateway and sends receipts with {@link send}. */
export interface MemoryReceiptFeed extends ReceiptFeed {
  /** Delivers a receipt as the gateway would; false when nobody watches its device (it is lost, as on MQTT). */
  send(receipt: ReadingReceipt): boolean;
}

export function newMemoryReceiptFeed(): MemoryReceiptFeed {
  const listeners = new Map<string, ((receipt: ReadingReceipt) => void)[]>();
  return {
    watch(deviceIds, listener) {
      for (const id of deviceIds) listeners.set(id, [...(listeners.get(id) ?? []), listener]);
      return Promise.resolve();
    },
    send(receipt) {
      const forDevice = listeners.get(receipt.deviceId);
      for (const listener of forDevice ?? []) listener(receipt);
      return forDevice !== undefined;
    },
    close() {
      listeners.clear();
      return Promise.resolve();
    },
  };
}
