import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { KeyObject } from 'node:crypto';
import { openSignedReading, encodeSignedReading, parseDevicePublicKey, type Reading } from '@provena/wire';
import { openFileKeyStore, type DeviceKeyStore } from './key-store';

const reading = (deviceId: string): Reading => ({
  v: 1,
  deviceId,
  seq: 1,
  measuredAt: Date.UTC(2026, 2, 2),
  measurements: { temperatureC: 4.5 },
});

describe('file key store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provena-keys-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes one PEM file per device, mode 0600, in a folder with mode 0700', async () => {
    const keysDir = join(dir, 'keys');
    const keys = await openFileKeyStore({ directory: keysDir });
    await keys.ensureKey('logger-1');
    await keys.ensureKey('logger-2');
    expect((await readdir(keysDir)).sort()).toEqual(['logger-1.key.pem', 'logger-2.key.pem']);
    expect((await stat(keysDir)).mode & 0o777).toBe(0o700);
    for (const name of await readdir(keysDir))
      expect((await stat(join(keysDir, name))).mode & 0o777).toBe(0o600);
  });

  it('seals readings that verify with the public key it hands out', async () => {
    const keys = await openFileKeyStore({ directory: dir });
    const pem = await keys.ensureKey('logger-1');
    const signed = keys.seal(reading('logger-1'));
    expect(() => openSignedReading(encodeSignedReading(signed), parseDevicePublicKey(pem))).not.toThrow();
    expect(keys.publicKeyPem('logger-1')).toBe(pem);
  });

  it('keeps keys across a reopen, and ensureKey never replaces an existing key', async () => {
    const first = await openFileKeyStore({ directory: dir });
    const pem = await first.ensureKey('logger-1');
    const [a, b] = await Promise.all([first.ensureKey('logger-9'), first.ensureKey('logger-9')]);
    expect(a).toBe(b);
    const reopened = await openFileKeyStore({ directory: dir });
    expect(reopened.deviceIds()).toEqual(['logger-1', 'logger-9']);
    expect(reopened.publicKeyPem('logger-1')).toBe(pem);
    expect(await reopened.ensureKey('logger-1')).toBe(pem);
  });

  it('never exposes a private key through its API, JSON or inspection', async () => {
    const keys: DeviceKeyStore = await openFileKeyStore({ directory: dir });
    await keys.ensureKey('logger-1');
    const results: unknown[] = [
      keys.publicKeyPem('logger-1'),
      keys.deviceIds(),
      keys.has('logger-1'),
      keys.seal(reading('logger-1')),
      await keys.ensureKey('logger-1'),
      JSON.stringify(keys),
      inspect(keys, { depth: 10, showHidden: true }),
    ];
    const text = JSON.stringify(results);
    expect(text).not.toContain('PRIVATE KEY');
    for (const r of results) expect(r).not.toBeInstanceOf(KeyObject);
    expect(Object.keys(keys)).toEqual([]);
  });

  it('refuses to seal for a device it has no key for', async () => {
    const keys = await openFileKeyStore({ directory: dir });
    expect(() => keys.seal(reading('nobody'))).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_DEVICE_KEY' }),
    );
  });

  it('refuses a key file or folder other users can read', async () => {
    const keys = await openFileKeyStore({ directory: dir });
    await keys.ensureKey('logger-1');
    await chmod(join(dir, 'logger-1.key.pem'), 0o644);
    await expect(openFileKeyStore({ directory: dir })).rejects.toMatchObject({ code: 'KEY_FILE_INSECURE' });
    await chmod(join(dir, 'logger-1.key.pem'), 0o600);
    await chmod(dir, 0o755);
    await expect(openFileKeyStore({ directory: dir })).rejects.toMatchObject({ code: 'KEY_FILE_INSECURE' });
  });

  it('refuses a device id that could escape the folder', async () => {
    const keys = await openFileKeyStore({ directory: dir });
    await expect(keys.ensureKey('../outside')).rejects.toThrow(/deviceId/);
    await writeFile(join(dir, 'unrelated.txt'), 'not a key');
    expect((await openFileKeyStore({ directory: dir })).deviceIds()).toEqual([]);
  });
});
