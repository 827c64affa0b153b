import {
  formatOutstanding,
  formatRefusals,
  newCommitTracker,
  seqRanges,
  type CommitTracker,
} from './commit-tracker';

const tx = (n: number, duplicates = 0) => ({
  txId: `tx-${n}`,
  blockNumber: String(n),
  duplicates,
  refused: 0,
});

function publish(tracker: CommitTracker, deviceId: string, seqs: number[]): void {
  for (const seq of seqs) tracker.published({ deviceId, seq, measuredAt: 1_000 * seq });
}

describe('commit tracker', () => {
  it('counts a reading committed only when an ingest event names it, whatever the broker acknowledged', () => {
    const tracker = newCommitTracker({ total: 3, onLedgerBefore: 0 });
    publish(tracker, 'logger-1', [1, 2, 3]);
    for (const seq of [1, 2, 3]) tracker.acknowledged({ deviceId: 'logger-1', seq });
    expect(tracker.progress()).toMatchObject({ published: 3, acknowledged: 3, committed: 0, outstanding: 3 });
    expect(tracker.settled()).toBe(false);

    expect(
      tracker.committed(
        [
          { deviceId: 'logger-1', seq: 1 },
          { deviceId: 'other-device', seq: 1 },
        ],
        tx(7),
      ),
    ).toBe(1);
    tracker.committed(
      [
        { deviceId: 'logger-1', seq: 2 },
        { deviceId: 'logger-1', seq: 3 },
      ],
      tx(9),
    );
    expect(tracker.progress()).toMatchObject({
      committed: 3,
      outstanding: 0,
      transactions: 2,
      blocks: { first: '7', last: '9' },
    });
    expect(tracker.settled()).toBe(true);
  });

  it('counts a reading two ingest events name once', () => {
    const tracker = newCommitTracker({ total: 1, onLedgerBefore: 0 });
    publish(tracker, 'logger-1', [1]);
    tracker.committed([{ deviceId: 'logger-1', seq: 1 }], tx(1));
    tracker.committed([{ deviceId: 'logger-1', seq: 1 }], tx(2));
    expect(tracker.progress()).toMatchObject({ committed: 1, outstanding: 0, transactions: 1 });
  });

  it('is not settled before every reading to publish was published, even with nothing outstanding', () => {
    const tracker = newCommitTracker({ total: 3, onLedgerBefore: 1 });
    publish(tracker, 'logger-1', [1]);
    tracker.committed([{ deviceId: 'logger-1', seq: 1 }], tx(1));
    expect(tracker.progress()).toMatchObject({ toPublish: 2, published: 1, committed: 2, outstanding: 0 });
    expect(tracker.settled()).toBe(false);
    publish(tracker, 'logger-1', [2]);
    tracker.committed([{ deviceId: 'logger-1', seq: 2 }], tx(2));
    expect(tracker.settled()).toBe(true);
    expect(tracker.progress().committed).toBe(3);
  });

  it('settles with refusals, which name their reading, code and reason; a notice about no reading of ours is kept apart', () => {
    const tracker = newCommitTracker({ total: 3, onLedgerBefore: 0 });
    publish(tracker, 'logger-1', [1, 2, 3]);
    tracker.committed([{ deviceId: 'logger-1', seq: 1 }], tx(1));
    expect(
      tracker.notice({ deviceId: 'logger-1', seq: 2, code: 'CLOCK_SKEW', reason: 'measured 9 min ahead' }),
    ).toBe(true);
    tracker.lost({ deviceId: 'logger-1', seq: 3 }, 'broker', 'PUBLISH_REFUSED', 'reason code 0x87');
    expect(tracker.notice({ deviceId: 'logger-1', code: 'SCHEMA_VIOLATION', reason: 'no seq' })).toBe(false);
    expect(tracker.notice({ deviceId: 'logger-1', seq: 99, code: 'BAD_SIGNATURE', reason: 'old run' })).toBe(
      false,
    );

    expect(tracker.settled()).toBe(true);
    expect(tracker.progress()).toMatchObject({ committed: 1, refused: 2, outstanding: 0 });
    expect(tracker.refusals()).toEqual([
      expect.objectContaining({ seq: 2, code: 'CLOCK_SKEW', reason: 'measured 9 min ahead', by: 'gateway' }),
      expect.objectContaining({ seq: 3, code: 'PUBLISH_REFUSED', by: 'broker' }),
    ]);
    expect(tracker.unattributed().map((n) => n.code)).toEqual(['SCHEMA_VIOLATION', 'BAD_SIGNATURE']);
  });

  it('adds up the duplicates ingest events report, and counts readings a look-up finds on the ledger as committed', () => {
    const tracker = newCommitTracker({ total: 4, onLedgerBefore: 0 });
    publish(tracker, 'logger-1', [1, 2, 3, 4]);
    tracker.committed([{ deviceId: 'logger-1', seq: 1 }], tx(1));
    // A transaction of nothing but duplicates: the event does not say whose.
    tracker.committed([], tx(2, 2));
    expect(tracker.progress()).toMatchObject({ committed: 1, duplicatesReported: 2, outstanding: 3 });
    expect(
      tracker.foundOnLedger([
        { deviceId: 'logger-1', seq: 1 },
        { deviceId: 'logger-1', seq: 2 },
        { deviceId: 'logger-1', seq: 3 },
      ]),
    ).toBe(2);
    expect(tracker.progress()).toMatchObject({ committed: 3, foundByLookup: 2, outstanding: 1 });
    expect(tracker.outstanding()).toEqual([
      { deviceId: 'logger-1', seq: 4, measuredAt: 4_000, acknowledged: false },
    ]);
  });

  it('counts readings an earlier run left on the ledger as committed from the start', () => {
    const tracker = newCommitTracker({ total: 140, onLedgerBefore: 140 });
    expect(tracker.progress()).toMatchObject({ toPublish: 0, committed: 140, outstanding: 0 });
    expect(tracker.settled()).toBe(true);
  });

  it('takes the ledger’s word over a refusal notice about a reading it then records', () => {
    const tracker = newCommitTracker({ total: 1, onLedgerBefore: 0 });
    publish(tracker, 'logger-1', [1]);
    tracker.notice({ deviceId: 'logger-1', seq: 1, code: 'CLOCK_SKEW', reason: 'ahead' });
    tracker.committed([{ deviceId: 'logger-1', seq: 1 }], tx(1));
    expect(tracker.progress()).toMatchObject({ committed: 1, refused: 0 });
    expect(tracker.refusals()).toEqual([]);
  });
});

describe('listing what did not reach the ledger', () => {
  it('writes sequence numbers as ranges', () => {
    expect(seqRanges([7, 3, 4, 5, 9, 12, 13, 4])).toBe('3–5, 7, 9, 12–13');
    expect(seqRanges([])).toBe('');
  });

  it('lists readings never seen committed per device, those the broker never acknowledged apart', () => {
    const tracker = newCommitTracker({ total: 6, onLedgerBefore: 0 });
    publish(tracker, 'tracker-1', [1, 2]);
    publish(tracker, 'logger-1', [1, 2, 3, 4]);
    for (const seq of [1, 2, 3]) tracker.acknowledged({ deviceId: 'logger-1', seq });
    tracker.committed([{ deviceId: 'logger-1', seq: 2 }], tx(1));
    expect(formatOutstanding(tracker.outstanding())).toEqual([
      'logger-1: seq 1, 3 acknowledged by the broker, not seen committed',
      'logger-1: seq 4 never acknowledged by the broker',
      'tracker-1: seq 1–2 never acknowledged by the broker',
    ]);
  });

  it('groups refusals by who refused and why, with one reason as the example', () => {
    const lines = formatRefusals([
      {
        deviceId: 'logger-1',
        seq: 1,
        measuredAt: 0,
        code: 'SEQUENCE_REUSED',
        reason: 'reading 1 reused',
        by: 'gateway',
      },
      {
        deviceId: 'logger-1',
        seq: 2,
        measuredAt: 0,
        code: 'SEQUENCE_REUSED',
        reason: 'reading 2 reused',
        by: 'gateway',
      },
      {
        deviceId: 'tracker-1',
        seq: 5,
        measuredAt: 0,
        code: 'SEQUENCE_REUSED',
        reason: 'reading 5 reused',
        by: 'gateway',
      },
      {
        deviceId: 'logger-1',
        seq: 3,
        measuredAt: 0,
        code: 'PUBLISH_REFUSED',
        reason: 'quota exceeded',
        by: 'broker',
      },
    ]);
    expect(lines).toEqual([
      'SEQUENCE_REUSED from the gateway, 3 readings (e.g. "reading 1 reused"): logger-1 seq 1–2; tracker-1 seq 5',
      'PUBLISH_REFUSED from the broker, 1 reading ("quota exceeded"): logger-1 seq 3',
    ]);
  });
});
