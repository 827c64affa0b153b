import type { RejectionNotice } from '@provena/wire';
import type { RejectionFeed } from './rejection-feed.port';

/** An in-memory {@link RejectionFeed}: a test plays the gateway and sends notices with {@link notify}. */
export interface MemoryRejectionFeed extends RejectionFeed {
  /** Devices someone is watching. */
  readonly watched: ReadonlySet<string>;
  /** Delivers a notice as the gateway would; false when nobody watches its device (it is lost, as on MQTT). */
  notify(notice: RejectionNotice): boolean;
}

export function newMemoryRejectionFeed(): MemoryRejectionFeed {
  const listeners = new Map<string, ((notice: RejectionNotice) => void)[]>();
  return {
    get watched() {
      return new Set(listeners.keys());
    },
    watch(deviceIds, listener) {
      for (const id of deviceIds) listeners.set(id, [...(listeners.get(id) ?? []), listener]);
      return Promise.resolve();
    },
    notify(notice) {
      const forDevice = listeners.get(notice.deviceId);
      for (const listener of forDevice ?? []) listener(notice);
      return forDevice !== undefined;
    },
    close() {
      listeners.clear();
      return Promise.resolve();
    },
  };
}
