import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayError } from '../../errors/gateway-error';
import { ApiKeyStore } from './api-key.store';

const DAY = 24 * 60 * 60 * 1000;

describe('ApiKeyStore', () => {
  let dir: string;
  let file: string;
  let now: number;
  const clock = () => now;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'provena-keys-'));
    file = join(dir, 'keys', 'api-keys.json');
    now = Date.UTC(2026, 0, 1);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function refusal(store: ApiKeyStore, key: string | undefined): Promise<GatewayError> {
    const err = await store.authenticate(key).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }

  it('creates a key of the documented form that authenticates as its role and organisation', async () => {
    const store = new ApiKeyStore({ file, now: clock });
    const { key, info } = await store.create({ role: 'operator', org: 'CarrierMSP', label: 'dispatch' });
    expect(key).toMatch(/^pvk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(key.slice(4, 16)).toBe(info.id);
    expect(Buffer.from(key.slice(17), 'base64url')).toHaveLength(32);
    await expect(store.authenticate(key)).resolves.toEqual({
      keyId: info.id,
      role: 'operator',
      org: 'CarrierMSP',
    });
  });

  it('stores only the SHA-256 of the secret, never the key, in a file only its owner can read', async () => {
    const store = new ApiKeyStore({ file, now: clock });
    const { key, info } = await store.create({ role: 'admin', org: 'ProducerMSP', label: 'ops' });
    const secret = key.slice(17);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(secret);
    expect(text).not.toContain(key);
    const stored = JSON.parse(text) as { keys: { id: string; hash: string }[] };
    expect(stored.keys).toEqual([
      expect.objectContaining({ id: info.id, hash: createHash('sha256').update(secret).digest('hex') }),
    ]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('replaces the file atomically: no temporary file is left behind', async () => {
    const store = new ApiKeyStore({ file, now: clock });
    await store.create({ role: 'admin', org: 'ProducerMSP', label: 'a' });
    const { info } = await store.create({ role: 'admin', org: 'ProducerMSP', label: 'b' });
    await store.revoke(info.id);
    expect(readdirSync(join(dir, 'keys'))).toEqual(['api-keys.json']);
  });

  it('refuses missing, malformed, unknown and forged keys with one and the same message', async () => {
    const store = new ApiKeyStore({ file, now: clock });
    const { key } = await store.create({ role: 'admin', org: 'ProducerMSP', label: 'ops' });
    const wrongSecret = key.slice(0, 17) + (key[17] === 'A' ? 'B' : 'A') + key.slice(18);
    const unknownId = `pvk_000000000000_${key.slice(17)}`;
    const errors = await Promise.all(
      [undefined, '', 'pvk_nothex', `${key}x`, key.toUpperCase(), wrongSecret, unknownId].map((k) =>
        refusal(store, k),
      ),
    );
    for (const err of errors) expect(err.code).toBe('UNAUTHENTICATED');
    expect(new Set(errors.map((e) => e.message)).size).toBe(1);
    expect(errors[0]?.details).toBeUndefined();
  });

  it('refuses a key from its expiry on, with the same message as an unknown key', async () => {
    const store = new ApiKeyStore({ file, now: clock });
    const { key } = await store.create({
      role: 'auditor',
      org: 'AuditorMSP',
      label: 'audit',
      expiresInDays: 2,
    });
    now += 2 * DAY - 1;
    await expect(store.authenticate(key)).resolves.toMatchObject({ role: 'auditor' });
    now += 1;
    const expired = await refusal(store, key);
    const unknown = await refusal(store, `pvk_000000000000_${key.slice(17)}`);
    expect(expired.message).toBe(unknown.message);
    expect((await store.list())[0]?.expiresAt).toBe(Date.UTC(2026, 0, 3));
  });

  it('refuses a revoked key and lists when it was revoked; revoking again keeps the first time', async () => {
    const store = new ApiKeyStore({ file, now: clock });
    const { key, info } = await store.create({ role: 'operator', org: 'ProducerMSP', label: 'line 1' });
    now += 1000;
    await store.revoke(info.id);
    expect((await refusal(store, key)).code).toBe('UNAUTHENTICATED');
    now += 1000;
    await expect(store.revoke(info.id)).resolves.toMatchObject({ revokedAt: Date.UTC(2026, 0, 1) + 1000 });
    expect(await store.list()).toEqual([
      expect.objectContaining({ id: info.id, revokedAt: Date.UTC(2026, 0, 1) + 1000 }),
    ]);
  });

  it('refuses to revoke an unknown id with NOT_FOUND', async () => {
    const store = new ApiKeyStore({ file, now: clock });
    await expect(store.revoke('0123456789ab')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lists keys without their hashes', async () => {
    const store = new ApiKeyStore({ file, now: clock });
    await store.create({ role: 'admin', org: 'ProducerMSP', label: 'a' });
    await store.create({ role: 'operator', org: 'CarrierMSP', label: 'b', expiresInDays: 30 });
    const listed = await store.list();
    expect(listed.map((k) => k.label)).toEqual(['a', 'b']);
    for (const k of listed)
      expect(Object.keys(k).sort()).toEqual([
        'createdAt',
        'expiresAt',
        'id',
        'label',
        'org',
        'revokedAt',
        'role',
      ]);
  });

  it('picks up keys created and revoked by another process (the CLI) without a restart', async () => {
    const api = new ApiKeyStore({ file, now: clock });
    const cli = new ApiKeyStore({ file, now: clock });
    const first = await cli.create({ role: 'admin', org: 'ProducerMSP', label: 'first' });
    await expect(api.authenticate(first.key)).resolves.toMatchObject({ keyId: first.info.id });
    const second = await cli.create({ role: 'operator', org: 'ProducerMSP', label: 'second' });
    await expect(api.authenticate(second.key)).resolves.toMatchObject({ keyId: second.info.id });
    await cli.revoke(first.info.id);
    expect((await refusal(api, first.key)).code).toBe('UNAUTHENTICATED');
  });

  it('authenticates nothing while the file does not exist', async () => {
    const store = new ApiKeyStore({ file, now: clock });
    expect((await refusal(store, `pvk_0123456789ab_${'A'.repeat(43)}`)).code).toBe('UNAUTHENTICATED');
    await expect(store.list()).resolves.toEqual([]);
  });

  it('fails closed on a malformed key file rather than serving the keys it last read', async () => {
    const store = new ApiKeyStore({ file, now: clock });
    const { key } = await store.create({ role: 'admin', org: 'ProducerMSP', label: 'ops' });
    await store.authenticate(key);
    writeFileSync(file, '{"version":1,"keys":[{"id":"zz"}]}');
    await expect(store.authenticate(key)).rejects.toThrow(/malformed at keys\.0/);
  });

  it.each([
    [{ role: 'auditor', org: 'ProducerMSP', label: 'x' }, 'org'],
    [{ role: 'operator', org: 'AuditorMSP', label: 'x' }, 'org'],
    [{ role: 'admin', org: 'Producer MSP', label: 'x' }, 'org'],
    [{ role: 'root', org: 'ProducerMSP', label: 'x' }, 'role'],
    [{ role: 'admin', org: 'ProducerMSP', label: ' ' }, 'label'],
    [{ role: 'admin', org: 'ProducerMSP', label: 'a\nb' }, 'label'],
    [{ role: 'admin', org: 'ProducerMSP', label: 'x', expiresInDays: 0 }, 'expiresInDays'],
    [{ role: 'admin', org: 'ProducerMSP', label: 'x', expiresInDays: 1.5 }, 'expiresInDays'],
  ])('refuses to create %j (field %s) and writes nothing', async (input, field) => {
    const store = new ApiKeyStore({ file, now: clock });
    await expect(store.create(input as never)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field },
    });
    expect(() => statSync(file)).toThrow();
  });
});
