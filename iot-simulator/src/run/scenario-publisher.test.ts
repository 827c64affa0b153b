import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSignedReading } from '@provena/wire';
import { openFileKeyStore, type DeviceKeyStore } from '../devices/key-store';
import { newMemoryReadingPublisher } from '../devices/memory-publisher.adapter';
import { newMemorySequenceStore } from '../devices/sequence-store';
import { planScenario } from '../models/scenario-plan';
import { parseScenario } from '../scenario/scenario.parser';
import { publishScenario, type PublishProgress } from './scenario-publisher';

const plan = planScenario(
  parseScenario(readFileSync(join(__dirname, '..', '..', 'scenarios', 'demo.json'), 'utf8')),
);

describe('publishScenario', () => {
  let dir: string;
  let keys: DeviceKeyStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provena-pub-'));
    keys = await openFileKeyStore({ directory: dir });
    for (const d of plan.scenario.devices) await keys.ensureKey(d.id);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('publishes every reading once, paced by rate, and reports progress', async () => {
    const publisher = newMemoryReadingPublisher();
    const progress: PublishProgress[] = [];
    const started = Date.now();
    const result = await publishScenario({
      plan,
      sealer: keys,
      sequences: newMemorySequenceStore(),
      publisherFor: () => publisher,
      pacing: { ratePerSecond: 700 },
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 50,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150); // 140 readings at 700/s ≈ 200 ms
    expect(result).toMatchObject({ complete: true, sent: 140, total: 140, dropped: 0, unacknowledged: 0 });
    expect(progress.length).toBeGreaterThan(1);
    const keysSeen = publisher.acknowledged.map(
      (p) => `${p.deviceId}/${decodeSignedReading(p.payload).reading.seq}`,
    );
    expect(new Set(keysSeen).size).toBe(140);
  });

  it('reports dropped and unacknowledged readings when the broker never comes back', async () => {
    const publisher = newMemoryReadingPublisher({ connected: false });
    const result = await publishScenario({
      plan,
      sealer: keys,
      sequences: newMemorySequenceStore(),
      publisherFor: () => publisher,
      pacing: 'unpaced',
      bufferCapacity: 50,
      drainTimeoutMs: 50,
    });
    expect(result.complete).toBe(false);
    expect(result.sent).toBe(0);
    expect(result.dropped).toBe(20); // logger and tracker have 60 readings each: 10 over the bound each
    expect(result.unacknowledged).toBe(120); // 50 + 50 buffered, and the compressor monitor's 20
  });
});
