import { generateKeyPairSync } from 'node:crypto';
import { encodeSignedReading, publicKeyPem, sealReading, type RejectionNotice } from '@provena/wire';
import { InMemoryLedgerAdapter } from '../testing/in-memory-ledger.adapter';
import { TestDevice, delivery } from '../testing/test-devices';
import { DeviceKeyDirectory } from './device-keys';
import { ReadingIngest, type IngestMetrics } from './reading-ingest';

const operator = { org: 'ProducerMSP', role: 'operator' } as const;

function setUp(batch = { maxSize: 50, windowMs: 5, maxConcurrent: 2 }) {
  const ledger = new InMemoryLedgerAdapter();
  const notices: RejectionNotice[] = [];
  const refusals: string[] = [];
  const committed: number[] = [];
  const metrics: IngestMetrics = {
    received: () => undefined,
    refused: (code, stage) => refusals.push(`${stage}:${code}`),
    committed: (b) => committed.push(b.size),
    acknowledged: () => undefined,
    retried: () => undefined,
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
    metrics,
    log: { warn: () => undefined, error: () => undefined },
    now: Date.now,
    maxClockAheadMs: 300_000,
    batch,
    retry: { minDelayMs: 5, maxDelayMs: 20 },
  });
  return { ledger, ingest, notices, refusals, committed };
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
});
