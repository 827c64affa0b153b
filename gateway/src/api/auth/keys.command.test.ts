import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyStore } from './api-key.store';
import { runKeysCommand } from './keys.command';

describe('runKeysCommand (provena-gateway keys)', () => {
  let dir: string;
  let apiKeysFile: string;
  let out: string;
  let err: string;
  const run = (...argv: string[]) =>
    runKeysCommand(argv, {
      apiKeysFile,
      personsFile: join(dir, 'persons.json'),
      out: (t) => void (out += t),
      err: (t) => void (err += t),
      now: () => Date.UTC(2026, 0, 1),
    });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'provena-keys-cli-'));
    apiKeysFile = join(dir, 'api-keys.json');
    out = '';
    err = '';
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('create prints the key once, alone on stdout, and the key works', async () => {
    const code = await run(
      'create',
      '--role',
      'operator',
      '--org',
      'CarrierMSP',
      '--label',
      'dispatch',
      '--expires-in-days',
      '30',
    );
    expect(code).toBe(0);
    const key = out.trim();
    expect(key).toMatch(/^pvk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(err).toContain('not shown again');
    expect(err).not.toContain(key.slice(17));
    expect(readFileSync(apiKeysFile, 'utf8')).not.toContain(key.slice(17));
    const store = new ApiKeyStore({ file: apiKeysFile, now: () => Date.UTC(2026, 0, 2) });
    await expect(store.authenticate(key)).resolves.toMatchObject({ role: 'operator', org: 'CarrierMSP' });
  });

  describe("--person: a key that signs as a person enrolled with the organisation's Fabric CA", () => {
    const person = (name: string, role: string, revokedAt: string | null = null) => ({
      mspId: 'ProducerMSP',
      person: name,
      role,
      certPath: `/n/persons/producer/${name}/msp/signcerts/cert.pem`,
      keyPath: `/n/persons/producer/${name}/msp/keystore/k_sk`,
      enrolledAt: '2026-12-06T08:00:00.000Z',
      revokedAt,
    });
    beforeEach(() => {
      writeFileSync(
        join(dir, 'persons.json'),
        JSON.stringify([person('alice', 'operator'), person('gone', 'operator', '2026-12-06T09:00:00.000Z')]),
      );
    });
    const create = (name: string, role = 'operator') =>
      run('create', '--role', role, '--org', 'ProducerMSP', '--person', name, '--label', `${name}'s desk`);

    it('creates a key that authenticates as the person, and lists the person', async () => {
      expect(await create('alice')).toBe(0);
      expect(err).toContain('operator of ProducerMSP, acting as alice');
      const store = new ApiKeyStore({ file: apiKeysFile, now: () => Date.UTC(2026, 0, 2) });
      await expect(store.authenticate(out.trim())).resolves.toMatchObject({
        org: 'ProducerMSP',
        person: 'alice',
      });
      out = '';
      await run('list');
      expect(out).toMatch(/operator\s+ProducerMSP\s+alice\s+active/);
    });

    it.each([
      ['an unknown person', 'nobody', 'operator', /no person nobody of ProducerMSP is enrolled/],
      ['a revoked person', 'gone', 'operator', /gone of ProducerMSP was revoked at 2026-12-06T09:00:00.000Z/],
      [
        'another role than the enrolled one',
        'alice',
        'admin',
        /alice of ProducerMSP is enrolled as operator, not admin/,
      ],
    ])('refuses %s and writes no key', async (_what, name, role, message) => {
      expect(await create(name, role)).toBe(1);
      expect(err).toMatch(message);
      expect(out).toBe('');
      await expect(new ApiKeyStore({ file: apiKeysFile }).list()).resolves.toEqual([]);
    });
  });

  it('list shows keys with their status and never a hash or secret', async () => {
    await run('create', '--role', 'admin', '--org', 'ProducerMSP', '--label', 'ops');
    const key = out.trim();
    out = '';
    expect(await run('list')).toBe(0);
    expect(out).toMatch(/ID\s+ROLE\s+ORG\s+PERSON\s+STATUS/);
    expect(out).toContain(`${key.slice(4, 16)}  admin`);
    expect(out).toContain('active');
    const hash = (JSON.parse(readFileSync(apiKeysFile, 'utf8')) as { keys: { hash: string }[] }).keys[0]
      ?.hash;
    expect(out).not.toContain(hash);
    out = '';
    expect(await run('list', '--json')).toBe(0);
    expect(JSON.parse(out)).toEqual([expect.not.objectContaining({ hash: expect.anything() })]);
  });

  it('revoke marks the key revoked', async () => {
    await run('create', '--role', 'admin', '--org', 'ProducerMSP', '--label', 'ops');
    const id = out.trim().slice(4, 16);
    expect(await run('revoke', id)).toBe(0);
    out = '';
    await run('list');
    expect(out).toContain('revoked');
  });

  it('refuses an auditor key of any organisation but AuditorMSP, with exit code 1', async () => {
    expect(await run('create', '--role', 'auditor', '--org', 'ProducerMSP', '--label', 'x')).toBe(1);
    expect(err).toContain('AuditorMSP');
    expect(out).toBe('');
    expect(await run('create', '--role', 'auditor', '--org', 'AuditorMSP', '--label', 'audit firm')).toBe(0);
  });

  it.each([
    [['frobnicate']],
    [[]],
    [['create', '--role', 'admin', '--org', 'ProducerMSP']],
    [['create', '--role', 'king', '--org', 'ProducerMSP', '--label', 'x']],
    [['create', '--role', 'admin', '--org', 'ProducerMSP', '--label', 'x', '--colour', 'red']],
    [['create', '--role', 'admin', '--org', 'ProducerMSP', '--label', 'x', '--expires-in-days', '1.5']],
    [['revoke']],
    [['list', 'extra']],
  ])('answers %j with usage and exit code 2', async (argv) => {
    expect(await run(...argv)).toBe(2);
    expect(err).toContain('usage: provena-gateway keys');
    expect(out).toBe('');
  });
});
