import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// The Fabric CA install step's own decisions, with stand-in programs and a temporary cache: which source it takes,
// what it reports, and how it says what is missing. The real build runs in every `npm test` (scripts/test.sh).
const script = resolve(__dirname, '../../network/install-fabric-ca.sh');

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'provena-install-ca-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

function run(env: Record<string, string>) {
  const result = spawnSync('bash', [script], {
    env: { PATH: '/usr/bin:/bin', HOME: work, PROVENA_CACHE: join(work, 'cache'), ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A folder with fabric-ca-server and fabric-ca-client that report `version`. */
function fakeRelease(version: string): string {
  const bin = join(work, 'release', 'bin');
  mkdirSync(bin, { recursive: true });
  for (const name of ['fabric-ca-server', 'fabric-ca-client']) {
    writeFileSync(join(bin, name), `#!/bin/sh\necho "${name}:"\necho " Version: ${version}"\n`);
    chmodSync(join(bin, name), 0o755);
  }
  return bin;
}

it('uses release binaries named by PROVENA_FABRIC_CA_BIN and reports exactly two lines', () => {
  const bin = fakeRelease('1.5.15');
  const result = run({ PROVENA_FABRIC_CA_BIN: bin });
  expect(result.code).toBe(0);
  expect(result.stdout).toBe(`FABRIC_CA_VERSION=1.5.15\nFABRIC_CA_BIN=${bin}\n`);
});

it('refuses release binaries of another version with exit 6', () => {
  const result = run({ PROVENA_FABRIC_CA_BIN: fakeRelease('1.4.9') });
  expect(result.code).toBe(6);
  expect(result.stderr).toMatch(/must hold fabric-ca-server and fabric-ca-client 1\.5\.x/);
  expect(result.stdout).toBe('');
});

it('says how to provide Fabric CA when neither binaries nor the source tarball exist (exit 8)', () => {
  const result = run({ PROVENA_FABRIC_CA_SRC: join(work, 'missing.tar.gz') });
  expect(result.code).toBe(8);
  expect(result.stderr).toMatch(
    /set PROVENA_FABRIC_CA_BIN to the bin\/ folder of Fabric CA 1\.5\.x's release binaries/,
  );
});

it('refuses a source tarball that is not the pinned one (exit 7) before building anything', () => {
  const tarball = join(work, 'fabric-ca-1.5.21-src.tar.gz');
  writeFileSync(tarball, 'not the real tarball');
  const result = run({ PROVENA_FABRIC_CA_SRC: tarball });
  expect(result.code).toBe(7);
  expect(result.stderr).toMatch(/is not Fabric CA 1\.5\.21's source tarball: sha256 [0-9a-f]{64}/);
});
