import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayConfig } from '../config/gateway-config';
import { InMemoryLedgerAdapter } from '../testing/in-memory-ledger.adapter';
import { TestDevice } from '../testing/test-devices';
import { FileEventCheckpoint } from './event-checkpoint';
import { LedgerEventsService, feedEventsOf, type FeedEvent } from './ledger-events.service';

function service(
  ledger: InMemoryLedgerAdapter,
  checkpointFile: string,
): { svc: LedgerEventsService; seen: FeedEvent[] } {
  const config = { events: { checkpointFile } } as GatewayConfig;
  const svc = new LedgerEventsService(config, ledger);
  const seen: FeedEvent[] = [];
  svc.feed.subscribe((e) => seen.push(e));
  svc.onApplicationBootstrap();
  return { svc, seen };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('LedgerEventsService', () => {
  it('resumes after a restart from its checkpoint: no event missed, none repeated', async () => {
    const ledger = new InMemoryLedgerAdapter();
    const file = join(mkdtempSync(join(tmpdir(), 'provena-events-')), 'checkpoint.json');
    for (const id of ['d1', 'd2']) await new TestDevice(id).register(ledger);

    const first = service(ledger, file);
    await until(() => first.svc.handled === 2);
    await first.svc.onApplicationShutdown();
    // Committed while the listener is down.
    for (const id of ['d3', 'd4']) await new TestDevice(id).register(ledger);

    const second = service(ledger, file);
    await new TestDevice('d5').register(ledger);
    await until(() => second.svc.handled === 3);
    await new Promise((r) => setTimeout(r, 50));
    await second.svc.onApplicationShutdown();
    const ids = (seen: FeedEvent[]) => seen.map((e) => e.data.deviceId);
    expect(ids(first.seen)).toEqual(['d1', 'd2']);
    expect(ids(second.seen)).toEqual(['d3', 'd4', 'd5']);
  });

  it('reopens the stream after the ledger goes away and comes back', async () => {
    const ledger = new InMemoryLedgerAdapter();
    const file = join(mkdtempSync(join(tmpdir(), 'provena-events-')), 'checkpoint.json');
    const { svc, seen } = service(ledger, file);
    await new TestDevice('d1').register(ledger);
    await until(() => seen.length === 1);
    ledger.unreachable = true;
    await new Promise((r) => setTimeout(r, 50));
    ledger.unreachable = false;
    await new TestDevice('d2').register(ledger);
    await until(() => seen.length === 2);
    await svc.onApplicationShutdown();
    expect(seen.map((e) => e.data.deviceId)).toEqual(['d1', 'd2']);
  });
});

describe('feedEventsOf', () => {
  it('fans the breaches of a ReadingsRecorded event out as breach events with the same id', () => {
    const breach = {
      shipmentId: 'S1',
      breachId: 'd1/7/temperatureC.max',
      deviceId: 'd1',
      seq: 7,
      rule: 'temperatureC.max',
      limit: 8,
      observed: 9.5,
    };
    const events = feedEventsOf({
      name: 'ReadingsRecorded',
      txId: 'tx9',
      blockNumber: 12n,
      payload: {
        accepted: 3,
        duplicates: 1,
        refused: 0,
        breaches: [breach],
        readings: [{ deviceId: 'd1', seq: 6 }],
      },
    });
    expect(events).toEqual([
      {
        type: 'ingest',
        id: '12:tx9',
        data: {
          event: 'ReadingsRecorded',
          txId: 'tx9',
          blockNumber: '12',
          accepted: 3,
          duplicates: 1,
          refused: 0,
          readings: [{ deviceId: 'd1', seq: 6 }],
        },
      },
      {
        type: 'breach',
        id: '12:tx9',
        data: expect.objectContaining({ breachId: breach.breachId, observed: 9.5 }),
      },
    ]);
  });

  it('marks custody changes as custody events', () => {
    const [event] = feedEventsOf({
      name: 'CustodyAccepted',
      txId: 't',
      blockNumber: 1n,
      payload: { shipmentId: 'S1' },
    });
    expect(event?.type).toBe('custody');
  });
});

describe('FileEventCheckpoint', () => {
  it('starts empty and reads back what it saved', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'provena-cp-')), 'sub', 'cp.json');
    const empty = await FileEventCheckpoint.open(file);
    expect(empty.getBlockNumber()).toBeUndefined();
    await empty.save({ blockNumber: 2n ** 60n, transactionId: 'abc' });
    const again = await FileEventCheckpoint.open(file);
    expect([again.getBlockNumber(), again.getTransactionId()]).toEqual([2n ** 60n, 'abc']);
  });
});
