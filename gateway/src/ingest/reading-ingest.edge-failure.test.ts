import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryLedgerAdapter } from '../testing/in-memory-ledger.adapter';
import { TestDevice, delivery } from '../testing/test-devices';
import { newFileDeadLetterStore } from './dead-letter.store';
import { DeviceKeyDirectory } from './device-keys';
import { ReadingIngest } from './reading-ingest';

// A bug in the edge check, for one reading: the clock check throws what no check should (not a WireError).
jest.mock('@provena/wire', () => {
  const actual = jest.requireActual<typeof import('@provena/wire')>('@provena/wire');
  return {
    ...actual,
    checkClockSkew: (reading: { seq: number }, ...rest: [number, number]) => {
      if (reading.seq === 2) throw new TypeError('a bug in the clock check');
      actual.checkClockSkew(reading as Parameters<typeof actual.checkClockSkew>[0], ...rest);
    },
  };
});

const operator = { org: 'ProducerMSP', role: 'operator' } as const;

it('dead-letters and acknowledges a reading the edge check fails on unexpectedly, and logs an error', async () => {
  const ledger = new InMemoryLedgerAdapter();
  const deadLetters = newFileDeadLetterStore({
    directory: mkdtempSync(join(tmpdir(), 'provena-dl-')),
    maxEntries: 10,
  });
  const errors: string[] = [];
  const ingest = new ReadingIngest({
    ledger,
    actor: operator,
    devices: new DeviceKeyDirectory({
      ledger,
      actor: operator,
      ttlMs: 60_000,
      unknownTtlMs: 1000,
      now: Date.now,
    }),
    notify: () => undefined,
    metrics: {
      received: () => undefined,
      refused: () => undefined,
      committed: () => undefined,
      acknowledged: () => undefined,
      retried: () => undefined,
    },
    log: { warn: () => undefined, error: (message) => errors.push(message) },
    now: Date.now,
    maxClockAheadMs: 300_000,
    batch: { maxSize: 10, windowMs: 5, maxConcurrent: 1 },
    retry: { minDelayMs: 5, maxDelayMs: 20, boundMs: 60_000 },
    deadLetters,
  });
  const device = new TestDevice('d1');
  await device.register(ledger);
  const deliveries = [1, 2, 3].map(() => delivery('d1', device.reading().payload));
  deliveries.forEach((d) => ingest.accept(d));
  const deadline = Date.now() + 5000;
  while (!deliveries.every((d) => d.acked()) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 5));
  expect(deliveries.map((d) => d.acked())).toEqual([true, true, true]);
  expect(errors).toEqual(['edge check failed unexpectedly; reading dead-lettered']);
  expect((await deadLetters.list(10)).items).toEqual([
    expect.objectContaining({
      deviceId: 'd1',
      seq: null,
      reason: { code: 'INTERNAL', message: 'edge check failed: a bug in the clock check' },
    }),
  ]);
  await expect(ledger.evaluate(operator, 'reading:GetReading', ['d1', '3'])).resolves.toBeDefined();
});
