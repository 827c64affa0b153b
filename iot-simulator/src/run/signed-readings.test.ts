import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSignedReading, openSignedReading, parseDevicePublicKey } from '@provena/wire';
import { openFileKeyStore, type DeviceKeyStore } from '../devices/key-store';
import { newFileSequenceStore } from '../devices/sequence-store';
import { planScenario } from '../models/scenario-plan';
import { parseScenario } from '../scenario/scenario.parser';
import { signedReadings } from './signed-readings';
import { formatSummary, newSummaryCollector } from './run-summary';

const scenario = parseScenario(readFileSync(join(__dirname, '..', '..', 'scenarios', 'demo.json'), 'utf8'));

describe('signed readings', () => {
  let dir: string;
  let keys: DeviceKeyStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provena-run-'));
    keys = await openFileKeyStore({ directory: join(dir, 'keys') });
    for (const d of scenario.devices) await keys.ensureKey(d.id);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function collect(sequencesDir: string) {
    const out = [];
    const sequences = newFileSequenceStore({ directory: join(dir, sequencesDir) });
    for await (const { signed } of signedReadings(planScenario(scenario), keys, sequences)) out.push(signed);
    return out;
  }

  it('gives byte-identical readings from the same seed with fresh sequence stores; only signatures differ', async () => {
    const a = await collect('seq-a');
    const b = await collect('seq-b');
    expect(a.map((s) => JSON.stringify(s.reading))).toEqual(b.map((s) => JSON.stringify(s.reading)));
    expect(a.filter((s, i) => s.signature === b[i]!.signature)).toHaveLength(0);
  });

  it('continues sequence numbers from the store on a second run, and every envelope verifies', async () => {
    const first = await collect('seq-c');
    const second = await collect('seq-c');
    const lastSeq = (list: typeof first, id: string) =>
      Math.max(...list.filter((s) => s.reading.deviceId === id).map((s) => s.reading.seq));
    const firstSeqOfSecond = second.find((s) => s.reading.deviceId === 'logger-demo-1')!.reading.seq;
    expect(firstSeqOfSecond).toBeGreaterThan(lastSeq(first, 'logger-demo-1'));
    const publicKeys = new Map(
      scenario.devices.map((d) => [d.id, parseDevicePublicKey(keys.publicKeyPem(d.id))]),
    );
    for (const s of second)
      expect(() =>
        openSignedReading(encodeSignedReading(s), publicKeys.get(s.reading.deviceId)!),
      ).not.toThrow();
  });

  it('summarises devices, readings per kind and the expected breach', () => {
    const plan = planScenario(scenario);
    const summary = newSummaryCollector(plan);
    for (const sample of plan.samples()) summary.observe(sample);
    const result = summary.result();
    expect(result).toMatchObject({
      devices: 3,
      readings: 140,
      readingsByKind: { 'reefer-logger': 60, 'pallet-tracker': 60, 'compressor-monitor': 20 },
      custody: { handovers: 1, rejected: 0 },
    });
    expect(formatSummary(result)).toMatch(
      /expected breaches: 23 readings outside limits, 1 excursion \(temperatureC\.max 23\)/,
    );
  });
});
