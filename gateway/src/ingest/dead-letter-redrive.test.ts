import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReadingReceipt, RejectionNotice } from '@provena/wire';
import { fromChaincodeMessage } from '../errors/gateway-error';
import { InMemoryLedgerAdapter } from '../testing/in-memory-ledger.adapter';
import { TestDevice } from '../testing/test-devices';
import { redriveDeadLetters } from './dead-letter-redrive';
import { deadLetterId, newFileDeadLetterStore, type DeadLetter } from './dead-letter.store';

const operator = { org: 'ProducerMSP', role: 'operator' } as const;

function letter(payload: Buffer, deviceId: string, seq: number): DeadLetter {
  return {
    id: deadLetterId(payload),
    deviceId,
    seq,
    topic: `provena/v1/devices/${deviceId}/readings`,
    envelope: payload.toString('utf8'),
    reason: { code: 'INTERNAL', message: 'boom' },
    firstAttemptAt: '2025-01-01T00:00:00.000Z',
    lastAttemptAt: '2025-01-01T00:00:00.000Z',
    attempts: 4,
  };
}

describe('redriveDeadLetters', () => {
  it('records what now commits, drops duplicates and refusals, and keeps what still fails with a new attempt', async () => {
    const ledger = new InMemoryLedgerAdapter();
    const device = new TestDevice('d1');
    await device.register(ledger);
    const readings = [1, 2, 3, 4].map(() => device.reading());
    // Reading 2 is on the ledger already (its first attempt committed after all).
    await ledger.submit(operator, 'reading:RecordReadings', [
      JSON.stringify([JSON.parse((readings[1]?.payload ?? Buffer.alloc(0)).toString('utf8'))]),
    ]);
    const stray = device.reading({ shipmentId: 'S-unknown' });
    const entries = [...readings, stray].map((r) => letter(r.payload, 'd1', r.reading.seq));
    const store = newFileDeadLetterStore({
      directory: mkdtempSync(join(tmpdir(), 'provena-dl-')),
      maxEntries: 10,
    });
    await store.put(entries);

    // The chaincode still fails on reading 4 alone.
    const submit = ledger.submit.bind(ledger);
    ledger.submit = async <T>(actor: typeof operator, fn: string, args: readonly string[]) => {
      if ((args[0] ?? '').includes('"seq":4')) throw fromChaincodeMessage('INTERNAL: still broken');
      return submit<T>(actor, fn, args);
    };
    const notices: RejectionNotice[] = [];
    const receipts: ReadingReceipt[] = [];
    const result = await redriveDeadLetters(
      {
        ledger,
        actor: operator,
        store,
        notify: (n) => notices.push(n),
        receipt: (r) => receipts.push(r),
        now: () => Date.parse('2025-02-01T00:00:00Z'),
        batchSize: 50,
      },
      entries,
    );

    expect(result.outcomes.map((o) => [o.seq, o.outcome])).toEqual([
      [1, 'accepted'],
      [2, 'duplicate'],
      [3, 'accepted'],
      [4, 'failed'],
      [5, 'refused'],
    ]);
    expect(notices).toEqual([expect.objectContaining({ deviceId: 'd1', seq: 5, code: 'SHIPMENT_MISMATCH' })]);
    // The device hears of every reading the redrive placed on the ledger, so it stops resending them.
    expect(receipts.flatMap((r) => r.seqs).sort()).toEqual([1, 2, 3]);
    expect(result.remaining).toBe(1);
    expect((await store.list(10)).items).toEqual([
      expect.objectContaining({
        seq: 4,
        attempts: 5,
        lastAttemptAt: '2025-02-01T00:00:00.000Z',
        firstAttemptAt: '2025-01-01T00:00:00.000Z',
        reason: { code: 'INTERNAL', message: 'still broken' },
      }),
    ]);
    const onLedger = await ledger.evaluate(operator, 'reading:GetReading', ['d1', '3']);
    expect(onLedger).toMatchObject({ reading: { seq: 3 } });
  });
});
