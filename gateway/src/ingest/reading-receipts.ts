import { readingReceipts, type ReadingReceipt, type SignedReading } from '@provena/wire';

/** The chaincode's verdict on one reading of a RecordReadings transaction. */
export interface ReadingVerdict {
  readonly status: 'accepted' | 'duplicate' | 'refused';
  readonly code?: string;
  readonly reason?: string;
}

/**
 * The receipts one committed RecordReadings transaction earns: per device, the sequence numbers it accepted or
 * found on the ledger already (a duplicate is a resend of a reading that is there, and the device needs to hear
 * so to stop resending it), split so that each receipt fits an envelope. Refused readings earn a rejection notice
 * instead.
 */
export function receiptsOf(
  readings: readonly SignedReading[],
  verdicts: readonly ReadingVerdict[],
  txId: string,
): ReadingReceipt[] {
  const byDevice = new Map<string, number[]>();
  readings.forEach((signed, i) => {
    if (verdicts[i]?.status === 'refused' || verdicts[i] === undefined) return;
    const { deviceId, seq } = signed.reading;
    const seqs = byDevice.get(deviceId);
    if (seqs) seqs.push(seq);
    else byDevice.set(deviceId, [seq]);
  });
  return [...byDevice].flatMap(([deviceId, seqs]) => readingReceipts(deviceId, seqs, txId));
}
