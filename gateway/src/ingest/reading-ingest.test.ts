import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeSignedReading,
  publicKeyPem,
  sealReading,
  type ReadingReceipt,
  type RejectionNotice,
} from '@provena/wire';
import { GatewayError, GatewayErrorCode, fromChaincodeMessage } from '../errors/gateway-error';
import { InMemoryLedgerAdapter } from '../testing/in-memory-ledger.adapter';
import { TestDevice, delivery } from '../testing/test-devices';
import { newFileDeadLetterStore } from './dead-letter.store';
import { DeviceKeyDirectory } from './device-keys';
import { ReadingIngest, type IngestMetrics } from './reading-ingest';

const operator = { org: 'ProducerMSP', role: 'operator' } as const;

/** The in-memory ledger, made to fail every RecordReadings whose batch holds a reading `poisoned` picks. */
class PoisonedLedger extends InMemoryLedgerAdapter {
  constructor(private readonly failure: () => Error) {
    super();
  }
  override async submit<T>(
    actor: Parameters<InMemoryLedgerAdapter['submit']>[0],
    fn: string,
    args: readonly string[],
  ) {
    if (fn === 'reading:RecordReadings' && !this.unreachable) {
      const batch = JSON.parse(args[0] ?? '[]') as { reading: { measurements: Record<string, number> } }[];
      if (batch.some((s) => s.reading.measurements['temperatureC'] === POISON)) {
        this.submitted.push(fn);
        throw this.failure();
      }
    }
    return super.submit<T>(actor, fn, args);
  }
}
const POISON = 66.6;

function setUp(
  batch = { maxSize: 50, windowMs: 5, maxConcurrent: 2 },
  options: { ledger?: InMemoryLedgerAdapter; boundMs?: number } = {},
) {
  const ledger = options.ledger ?? new InMemoryLedgerAdapter();
  const deadLetterDir = mkdtempSync(join(tmpdir(), 'provena-dead-letters-'));
  const deadLetters = newFileDeadLetterStore({ directory: deadLetterDir, maxEntries: 100 });
  const deadLettered: string[] = [];
  const notices: RejectionNotice[] = [];
  const receipts: ReadingReceipt[] = [];
  const refusals: string[] = [];
  const committed: number[] = [];
  const metrics: IngestMetrics = {
    received: () => undefined,
    refused: (code, stage) => refusals.push(`${stage}:${code}`),
    committed: (b) => committed.push(b.size),
    acknowledged: () => undefined,
    retried: () => undefined,
    deadLettered: (code, count) => deadLettered.push(...Array<string>(count).fill(code)),
  };
  const devices = new DeviceKeyDirectory({
    ledger,
    actor: operator,
    ttlMs: 60_000,
    unknownTtlMs: 1000,
    now: Date.now,
  });
  const ingest = new ReadingIngest({
    ledger,
    actor: operator,
    devices,
    notify: (n) => notices.push(n),
    receipt: (r) => receipts.push(r),
    metrics,
    log: { warn: () => undefined, error: () => undefined },
    now: Date.now,
    maxClockAheadMs: 300_000,
    batch,
    retry: { minDelayMs: 5, maxDelayMs: 20, boundMs: options.boundMs ?? 60_000 },
    deadLetters,
  });
  return {
    ledger,
    ingest,
    notices,
    receipts,
    refusals,
    committed,
    deadLetters,
    deadLetterDir,
    deadLettered,
  };
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function recorded(ledger: InMemoryLedgerAdapter, deviceId: string, seq: number): Promise<unknown> {
  return ledger.evaluate(operator, 'reading:GetReading', [deviceId, String(seq)]).catch(() => undefined);
}

describe('ReadingIngest', () => {
  it('records good readings in batched transactions and acknowledges each one only after its commit', async () => {
    const { ledger, ingest, committed } = setUp({ maxSize: 50, windowMs: 5, maxConcurrent: 2 });
    const device = new TestDevice('d1');
    await device.register(ledger);
    const deliveries = Array.from({ length: 120 }, () => delivery('d1', device.reading().payload));
    deliveries.forEach((d) => ingest.accept(d));
    expect(deliveries.some((d) => d.acked())).toBe(false);
    await until(() => deliveries.every((d) => d.acked()));
    expect(committed.reduce((a, b) => a + b, 0)).toBe(120);
    expect(committed.length).toBeLessThanOrEqual(4);
    expect(await recorded(ledger, 'd1', 120)).toMatchObject({ reading: { seq: 120 } });
  });

  it('sends each device a receipt naming its readings on the ledger, duplicates included, refusals not', async () => {
    const { ledger, ingest, receipts, notices } = setUp({ maxSize: 50, windowMs: 20, maxConcurrent: 1 });
    const d1 = new TestDevice('d1');
    const d2 = new TestDevice('d2');
    await d1.register(ledger);
    await d2.register(ledger);
    const first = delivery('d1', d1.reading().payload);
    ingest.accept(first);
    await until(first.acked);
    expect(receipts).toEqual([{ deviceId: 'd1', seqs: [1], txId: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    receipts.length = 0;

    // One transaction: d1's resend of seq 1 (a duplicate), d1's seq 2, d2's seq 1, and a reading the chaincode
    // refuses (d2 reusing seq 1 with other content).
    const batch = [
      delivery('d1', first.payload),
      delivery('d1', d1.reading().payload),
      delivery('d2', d2.reading().payload),
      delivery('d2', d2.reading({ seq: 1, measurements: { temperatureC: 9 } }).payload),
    ];
    batch.forEach((d) => ingest.accept(d));
    await until(() => batch.every((d) => d.acked()));
    const byDevice = Object.fromEntries(receipts.map((r) => [r.deviceId, r.seqs]));
    expect(byDevice).toEqual({ d1: [1, 2], d2: [1] });
    expect(new Set(receipts.map((r) => r.txId)).size).toBe(1);
    expect(notices).toEqual([expect.objectContaining({ deviceId: 'd2', seq: 1 })]);
  });

  it('acknowledges a redelivered reading as a duplicate without writing it again', async () => {
    const { ledger, ingest, refusals } = setUp();
    const device = new TestDevice('d1');
    await device.register(ledger);
    const { payload } = device.reading();
    const first = delivery('d1', payload);
    ingest.accept(first);
    await until(first.acked);
    const before = ledger.ledger.dump();
    const again = delivery('d1', payload);
    ingest.accept(again);
    await until(again.acked);
    expect(ledger.ledger.dump()).toBe(before);
    expect(refusals).toEqual([]);
  });

  it('refuses a tampered reading at the edge, tells the device why and spends no transaction', async () => {
    const { ledger, ingest, notices, refusals } = setUp();
    const device = new TestDevice('d1');
    await device.register(ledger);
    const submittedBefore = ledger.submitted.length;
    const envelope = JSON.parse(device.reading().payload.toString('utf8'));
    envelope.reading.measurements.temperatureC = 3.9;
    const tampered = delivery('d1', Buffer.from(JSON.stringify(envelope)));
    ingest.accept(tampered);
    await until(tampered.acked);
    expect(refusals).toEqual(['edge:BAD_SIGNATURE']);
    expect(notices).toEqual([expect.objectContaining({ deviceId: 'd1', seq: 1, code: 'BAD_SIGNATURE' })]);
    expect(ledger.submitted.length).toBe(submittedBefore);
  });

  it.each([
    ['malformed JSON', Buffer.from('{"reading":'), 'MALFORMED_JSON'],
    ['an oversized payload', Buffer.alloc(4096, 0x20), 'TOO_LARGE'],
  ])('refuses %s at the edge', async (_name, payload, code) => {
    const { ingest, notices } = setUp();
    const message = delivery('d1', payload);
    ingest.accept(message);
    await until(message.acked);
    expect(notices[0]).toMatchObject({ deviceId: 'd1', code });
  });

  it('refuses a reading published on another device’s topic', async () => {
    const { ledger, ingest, notices } = setUp();
    const device = new TestDevice('d1');
    await device.register(ledger);
    const message = delivery('d2', device.reading().payload);
    ingest.accept(message);
    await until(message.acked);
    expect(notices[0]).toMatchObject({ deviceId: 'd2', code: 'SCHEMA_VIOLATION' });
  });

  it('refuses a reading from a clock running too far ahead', async () => {
    const { ledger, ingest, notices } = setUp();
    const device = new TestDevice('d1');
    await device.register(ledger);
    const message = delivery('d1', device.reading({ measuredAt: Date.now() + 3_600_000 }).payload);
    ingest.accept(message);
    await until(message.acked);
    expect(notices[0]).toMatchObject({ code: 'CLOCK_SKEW' });
  });

  it('refuses an unknown device', async () => {
    const { ingest, notices } = setUp();
    const message = delivery('ghost', new TestDevice('ghost').reading().payload);
    ingest.accept(message);
    await until(message.acked);
    expect(notices[0]).toMatchObject({ deviceId: 'ghost', code: 'UNKNOWN_DEVICE' });
  });

  it('accepts a reading signed with a key rotated in after the gateway cached the old one', async () => {
    const { ledger, ingest, notices } = setUp();
    const device = new TestDevice('d1');
    await device.register(ledger);
    const first = delivery('d1', device.reading().payload);
    ingest.accept(first);
    await until(first.acked); // the gateway now holds the first key
    const next = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await ledger.submit({ org: 'ProducerMSP', role: 'admin' }, 'device:RotateDeviceKey', [
      'd1',
      publicKeyPem(next.publicKey),
      '2',
    ]);
    const reading = {
      v: 1 as const,
      deviceId: 'd1',
      seq: 2,
      measuredAt: Date.now(),
      measurements: { humidityPct: 40 },
    };
    const rotated = delivery('d1', encodeSignedReading(sealReading(reading, next.privateKey)));
    ingest.accept(rotated);
    await until(rotated.acked);
    expect(notices).toEqual([]);
    expect(await recorded(ledger, 'd1', 2)).toBeDefined();
  });

  it('acknowledges nothing while the ledger is unreachable, and everything once it is back', async () => {
    const { ledger, ingest } = setUp();
    const device = new TestDevice('d1');
    await device.register(ledger);
    await ledger.evaluate(operator, 'device:GetDevice', ['d1']);
    ledger.unreachable = true;
    const deliveries = Array.from({ length: 10 }, () => delivery('d1', device.reading().payload));
    deliveries.forEach((d) => ingest.accept(d));
    await new Promise((r) => setTimeout(r, 100));
    expect(deliveries.filter((d) => d.acked())).toHaveLength(0);
    ledger.unreachable = false;
    await until(() => deliveries.every((d) => d.acked()));
    expect(await recorded(ledger, 'd1', 10)).toBeDefined();
  });

  it('passes the chaincode’s refusal of one reading to its device and records the rest of the batch', async () => {
    const { ledger, ingest, notices, refusals } = setUp();
    const device = new TestDevice('d1');
    await device.register(ledger);
    const good = delivery('d1', device.reading().payload);
    // Names a shipment the device is not attached to: only the chaincode can know.
    const stray = delivery('d1', device.reading({ shipmentId: 'S-unknown' }).payload);
    [good, stray].forEach((d) => ingest.accept(d));
    await until(() => good.acked() && stray.acked());
    expect(refusals).toEqual(['ledger:SHIPMENT_MISMATCH']);
    expect(notices[0]).toMatchObject({ seq: 2, code: 'SHIPMENT_MISMATCH' });
    expect(await recorded(ledger, 'd1', 1)).toBeDefined();
    expect(await recorded(ledger, 'd1', 2)).toBeUndefined();
  });

  it('leaves a batch unacknowledged when stopped during retries, for the broker to redeliver', async () => {
    const { ledger, ingest } = setUp();
    const device = new TestDevice('d1');
    await device.register(ledger);
    await ledger.evaluate(operator, 'device:GetDevice', ['d1']);
    ledger.unreachable = true;
    const message = delivery('d1', device.reading().payload);
    ingest.accept(message);
    await new Promise((r) => setTimeout(r, 30));
    await ingest.stop();
    ledger.unreachable = false;
    await new Promise((r) => setTimeout(r, 50));
    expect(message.acked()).toBe(false);
  });

  it('isolates a reading that makes the chaincode fail unexpectedly: every other reading committed, it dead-lettered', async () => {
    const ledger = new PoisonedLedger(() =>
      fromChaincodeMessage('chaincode response 500, INTERNAL: Cannot read properties of undefined'),
    );
    const { ingest, notices, deadLetters, deadLettered } = setUp(
      { maxSize: 50, windowMs: 5, maxConcurrent: 2 },
      { ledger },
    );
    const device = new TestDevice('d1');
    await device.register(ledger);
    const deliveries = Array.from({ length: 120 }, (_, i) =>
      delivery('d1', device.reading(i === 60 ? { measurements: { temperatureC: POISON } } : {}).payload),
    );
    deliveries.forEach((d) => ingest.accept(d));
    await until(() => deliveries.every((d) => d.acked()));
    for (let seq = 1; seq <= 120; seq++) {
      if (seq === 61) expect(await recorded(ledger, 'd1', seq)).toBeUndefined();
      else expect(await recorded(ledger, 'd1', seq)).toBeDefined();
    }
    // Not the device's fault: kept for a redrive, not refused.
    expect(notices).toEqual([]);
    expect(deadLettered).toEqual(['INTERNAL']);
    const { items } = await deadLetters.list(10);
    expect(items).toEqual([
      expect.objectContaining({
        deviceId: 'd1',
        seq: 61,
        envelope: (deliveries[60] as { payload: Buffer }).payload.toString('utf8'),
        reason: { code: 'INTERNAL', message: 'Cannot read properties of undefined' },
      }),
    ]);
    expect(items[0]?.attempts).toBeGreaterThan(1);
    expect(ingest.inFlight).toBe(0);
    expect(ingest.oldestUnacknowledgedAgeMs).toBe(0);
  });

  it('refuses to its device a reading the chaincode refuses as a whole batch (INVALID_ARGUMENT), after halving', async () => {
    const ledger = new PoisonedLedger(() =>
      fromChaincodeMessage('INVALID_ARGUMENT: measurements.temperatureC is out of range'),
    );
    const { ingest, notices, refusals, deadLettered } = setUp(undefined, { ledger });
    const device = new TestDevice('d1');
    await device.register(ledger);
    const deliveries = Array.from({ length: 20 }, (_, i) =>
      delivery('d1', device.reading(i === 7 ? { measurements: { temperatureC: POISON } } : {}).payload),
    );
    deliveries.forEach((d) => ingest.accept(d));
    await until(() => deliveries.every((d) => d.acked()));
    expect(refusals).toEqual(['ledger:INVALID_ARGUMENT']);
    expect(notices).toEqual([expect.objectContaining({ deviceId: 'd1', seq: 8, code: 'INVALID_ARGUMENT' })]);
    expect(deadLettered).toEqual([]);
    expect(await recorded(ledger, 'd1', 20)).toBeDefined();
  });

  it('dead-letters a reading still failing transiently at its bound while the ledger takes other transactions', async () => {
    const ledger = new PoisonedLedger(
      () =>
        new GatewayError(GatewayErrorCode.CommitFailed, 'not committed: MVCC_READ_CONFLICT', {
          validationCode: 'MVCC_READ_CONFLICT',
        }),
    );
    const { ingest, deadLetters, deadLettered } = setUp(undefined, { ledger, boundMs: 300 });
    const device = new TestDevice('d1');
    await device.register(ledger);
    const deliveries = Array.from({ length: 10 }, (_, i) =>
      delivery('d1', device.reading(i === 3 ? { measurements: { temperatureC: POISON } } : {}).payload),
    );
    const startedAt = Date.now();
    deliveries.forEach((d) => ingest.accept(d));
    // The other nine commit once the failing batch is halved, well before the bound.
    await until(() => deliveries.filter((d) => d.acked()).length === 9);
    expect((deliveries[3] as { acked: () => boolean }).acked()).toBe(false);
    await until(() => deliveries.every((d) => d.acked()));
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(300);
    expect(deadLettered).toEqual(['COMMIT_FAILED']);
    const [entry] = (await deadLetters.list(10)).items;
    expect(entry).toMatchObject({ seq: 4, reason: { code: 'COMMIT_FAILED' } });
    expect(Date.parse(entry?.lastAttemptAt ?? '')).toBeGreaterThan(Date.parse(entry?.firstAttemptAt ?? ''));
  });

  it('holds readings past the bound while the ledger is unreachable, and records them when it is back', async () => {
    const { ledger, ingest, deadLettered } = setUp(undefined, { boundMs: 50 });
    const device = new TestDevice('d1');
    await device.register(ledger);
    await ledger.evaluate(operator, 'device:GetDevice', ['d1']);
    ledger.unreachable = true;
    const deliveries = Array.from({ length: 5 }, () => delivery('d1', device.reading().payload));
    deliveries.forEach((d) => ingest.accept(d));
    await new Promise((r) => setTimeout(r, 200));
    expect(deliveries.filter((d) => d.acked())).toHaveLength(0);
    expect(ingest.holdingForLedger).toBe(true);
    expect(ingest.oldestUnacknowledgedAgeMs).toBeGreaterThanOrEqual(150);
    ledger.unreachable = false;
    await until(() => deliveries.every((d) => d.acked()));
    expect(deadLettered).toEqual([]);
    expect(await recorded(ledger, 'd1', 5)).toBeDefined();
  });
});
