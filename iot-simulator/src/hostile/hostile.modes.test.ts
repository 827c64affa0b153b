import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkClockSkew,
  decodeSignedReading,
  openSignedReading,
  parseDevicePublicKey,
  readingHash,
  RefusalCode,
  WireError,
} from '@provena/wire';
import { openFileKeyStore, type DeviceKeyStore } from '../devices/key-store';
import { newMemoryDeviceRegistry } from '../devices/device-registry.port';
import {
  buildHostileExample,
  HOSTILE_MODES,
  sequenceNumbersNeeded,
  type HostileContext,
  type HostileMode,
} from './hostile.modes';

const NOW = Date.UTC(2026, 2, 2, 12);

function refusal(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (error) {
    if (error instanceof WireError) return error.code;
    throw error;
  }
}

describe('hostile modes', () => {
  let dir: string;
  let keys: DeviceKeyStore;
  let ctx: HostileContext;
  let deviceKey: ReturnType<typeof parseDevicePublicKey>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provena-hostile-'));
    keys = await openFileKeyStore({ directory: dir });
    deviceKey = parseDevicePublicKey(await keys.ensureKey('dev-1'));
    ctx = {
      deviceId: 'dev-1',
      seal: (r) => keys.seal(r),
      foreignKey: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey,
      seqs: Array.from({ length: 50 }, (_, i) => 100 + i),
      nowMs: NOW,
      unknownDeviceId: 'ghost-1',
      floodCount: 50,
    };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const build = (mode: HostileMode) => buildHostileExample(mode, ctx);
  const open = (bytes: Buffer) => openSignedReading(bytes, deviceKey);

  it.each([
    ['tampered', RefusalCode.BadSignature],
    ['wrong-key', RefusalCode.BadSignature],
    ['malformed-json', RefusalCode.MalformedJson],
    ['oversized', RefusalCode.TooLarge],
  ] as const)('%s is refused by the wire package with %s, as the example expects', (mode, code) => {
    const [payload] = build(mode).payloads;
    expect(payload!.expect).toBe(code);
    expect(refusal(() => open(payload!.bytes))).toBe(code);
  });

  it('oversized is otherwise valid: only the size decides', () => {
    const [payload] = build('oversized').payloads;
    const trimmed = Buffer.from(payload!.bytes.toString('utf8').trimEnd());
    expect(() => open(trimmed)).not.toThrow();
  });

  it('clock-skew verifies but is refused by the skew check with CLOCK_SKEW', () => {
    const [payload] = build('clock-skew').payloads;
    const signed = open(payload!.bytes);
    expect(payload!.expect).toBe(RefusalCode.ClockSkew);
    expect(refusal(() => checkClockSkew(signed.reading, NOW, 5 * 60_000))).toBe(RefusalCode.ClockSkew);
  });

  it('replay sends an exact earlier envelope: same bytes, same (device, seq) and hash → DUPLICATE', () => {
    const [first, again] = build('replay').payloads;
    expect([first!.expect, again!.expect]).toEqual(['ACCEPTED', 'DUPLICATE']);
    expect(again!.bytes.equals(first!.bytes)).toBe(true);
    expect(readingHash(open(again!.bytes).reading)).toBe(readingHash(open(first!.bytes).reading));
  });

  it('sequence-reset reuses a sequence number for new, validly signed content → SEQUENCE_REUSED', () => {
    const [first, reset] = build('sequence-reset').payloads;
    const a = open(first!.bytes).reading;
    const b = open(reset!.bytes).reading;
    expect(b.seq).toBe(a.seq);
    expect(readingHash(b)).not.toBe(readingHash(a));
    expect(reset!.expect).toBe(RefusalCode.SequenceReused);
  });

  it('unknown-device is well-formed and self-consistent, but names a device no registry knows', async () => {
    const registry = newMemoryDeviceRegistry();
    await registry.provision('dev-1', keys.publicKeyPem('dev-1'), 'reefer-logger', {});
    const [payload] = build('unknown-device').payloads;
    const signed = decodeSignedReading(payload!.bytes);
    expect(payload!.deviceId).toBe('ghost-1');
    expect(signed.reading.deviceId).toBe('ghost-1');
    expect(registry.devices.has('ghost-1')).toBe(false);
    // Signed consistently with the attacker's own key, so the unknown id is the only reason to refuse it.
    expect(() => openSignedReading(payload!.bytes, createPublicKey(ctx.foreignKey))).not.toThrow();
    expect(payload!.expect).toBe(RefusalCode.UnknownDevice);
  });

  it('flood is many valid, distinct, increasing readings from one device, all to be accepted', () => {
    const { payloads } = build('flood');
    expect(payloads).toHaveLength(50);
    const seqs = payloads.map((p) => open(p.bytes).reading.seq);
    expect(seqs).toEqual(ctx.seqs.slice(0, 50));
    expect(payloads.every((p) => p.expect === 'ACCEPTED' && p.deviceId === 'dev-1')).toBe(true);
  });

  it('every mode builds, and asks for no more sequence numbers than it says it needs', () => {
    for (const mode of HOSTILE_MODES) {
      const needed = sequenceNumbersNeeded(mode, 50);
      expect(() => buildHostileExample(mode, { ...ctx, seqs: ctx.seqs.slice(0, needed) })).not.toThrow();
    }
    expect(() => buildHostileExample('tampered', { ...ctx, seqs: [] })).toThrow(
      expect.objectContaining({ code: 'BAD_ARGUMENT' }),
    );
  });
});
