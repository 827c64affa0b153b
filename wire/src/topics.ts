import { ID_PATTERN, Limits } from './limits';
import { parseStrictJson } from './strict-json';

const PREFIX = 'provena/v1/devices';

/** MQTT topic names shared by devices and the gateway. Device ids cannot contain `/`, `+` or `#` ({@link ID_PATTERN}). */
export const Topics = {
  /** Where a device publishes its signed readings (QoS 1). */
  readings: (deviceId: string): string => `${PREFIX}/${deviceId}/readings`,
  /** Where the gateway tells a device why a reading was refused. */
  rejections: (deviceId: string): string => `${PREFIX}/${deviceId}/rejections`,
  /** Where the gateway tells a device which of its readings are on the ledger (see {@link ReadingReceipt}). */
  receipts: (deviceId: string): string => `${PREFIX}/${deviceId}/receipts`,
  /** Every device's readings: the gateway's subscription when it runs alone (see `sharedReadings`). */
  allReadings: (): string => `${PREFIX}/+/readings`,
  /**
   * The gateway replicas' shared subscription: the broker splits readings across them. Mosquitto 2.0 does not keep
   * shared subscriptions in its persistent store, so after a broker restart readings published before the gateway
   * subscribes again reach no one (devices get "no matching subscribers", which MQTT counts as delivered).
   */
  sharedReadings: (group = 'provena-gateway'): string => `$share/${group}/${PREFIX}/+/readings`,
} as const;

/** The device id a reading topic names, or undefined if the topic is not a reading topic. */
export function deviceIdOfReadingTopic(topic: string): string | undefined {
  const parts = topic.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}/${parts[2]}` !== PREFIX || parts[4] !== 'readings')
    return undefined;
  const id = parts[3];
  return id !== undefined && ID_PATTERN.test(id) ? id : undefined;
}

/** What the gateway publishes on a device's rejection topic. */
export interface RejectionNotice {
  deviceId: string;
  seq?: number;
  code: string;
  reason: string;
}

/**
 * What the gateway publishes on a device's receipts topic once a transaction holding some of its readings is
 * committed: the sequence numbers now on the ledger, whether this transaction wrote them or found them there
 * already (a resent reading is a `duplicate` to the chaincode, and is on the ledger all the same).
 *
 * Receipts are what end a device's responsibility for a reading; a broker's PUBACK only says the broker has it.
 * They are sent at QoS 0 and may be lost: a device resends what no receipt covered after its timeout, and the
 * resend earns a receipt of its own, so a lost receipt costs one duplicate transaction entry, never a reading.
 */
export interface ReadingReceipt {
  deviceId: string;
  /** Ascending, no repeats, at least one and at most `Limits.maxReceiptSeqs`. */
  seqs: number[];
  /** The Fabric transaction that committed (or found) them. */
  txId: string;
}

const TX_ID_PATTERN = /^[0-9a-f]{64}$/;

/**
 * The receipts for the sequence numbers of one device committed in one transaction (any order, repeats allowed):
 * ascending, at most `Limits.maxReceiptSeqs` per receipt.
 */
export function readingReceipts(deviceId: string, seqs: Iterable<number>, txId: string): ReadingReceipt[] {
  const sorted = [...new Set(seqs)].sort((a, b) => a - b);
  const receipts: ReadingReceipt[] = [];
  for (let i = 0; i < sorted.length; i += Limits.maxReceiptSeqs) {
    receipts.push({ deviceId, seqs: sorted.slice(i, i + Limits.maxReceiptSeqs), txId });
  }
  return receipts;
}

/**
 * Reads a receipt from a device's receipts topic, for the device named by the topic. Returns undefined for
 * anything that is not a well-formed receipt for that device: a device must never drop a reading on a receipt it
 * cannot trust, so a malformed one is ignored and the reading is sent again.
 */
export function parseReadingReceipt(deviceId: string, payload: Uint8Array): ReadingReceipt | undefined {
  if (payload.byteLength > Limits.maxEnvelopeBytes) return undefined;
  let value: unknown;
  try {
    value = parseStrictJson(Buffer.from(payload).toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  if (Object.keys(r).some((k) => k !== 'deviceId' && k !== 'seqs' && k !== 'txId')) return undefined;
  if (r.deviceId !== deviceId || typeof r.txId !== 'string' || !TX_ID_PATTERN.test(r.txId)) return undefined;
  const seqs = r.seqs;
  if (!Array.isArray(seqs) || seqs.length === 0 || seqs.length > Limits.maxReceiptSeqs) return undefined;
  for (let i = 0; i < seqs.length; i++) {
    const seq: unknown = seqs[i];
    if (!Number.isSafeInteger(seq) || (seq as number) < 1) return undefined;
    if (i > 0 && (seq as number) <= (seqs[i - 1] as number)) return undefined;
  }
  return { deviceId, seqs: seqs as number[], txId: r.txId };
}
