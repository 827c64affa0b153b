import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// These tests drive the real install script with a stand-in `go` on PATH, so they check the script's own
// decisions (what it reports and when it builds) without needing the Go module proxy.
const script = resolve(__dirname, '../../network/install-fabric.sh');
const SYSTEM_PATH = '/usr/bin:/bin';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'provena-install-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

function run(path: string) {
  const result = spawnSync('bash', [script], {
    env: { PATH: path, HOME: work, PROVENA_CACHE: join(work, 'cache') },
    encoding: 'utf8',
  });
  return { code: result.status, stderr: result.stderr };
}

/** Writes a fake `go` that reports `version` and answers `mod download` as told. */
function fakeGo(version: string, download: { goDirective: string } | { error: string }): string {
  const bin = join(work, 'fakebin');
  mkdirSync(bin, { recursive: true });
  let downloadBranch: string;
  if ('error' in download) {
    downloadBranch = `echo '${download.error}' >&2; exit 1`;
  } else {
    const moduleDir = join(work, 'module');
    mkdirSync(moduleDir, { recursive: true });
    writeFileSync(
      join(moduleDir, 'go.mod'),
      `module github.com/hyperledger/fabric\n\ngo ${download.goDirective}\n`,
    );
    downloadBranch = `printf '{\\n\\t"Dir": "%s",\\n\\t"GoMod": "%s"\\n}\\n' '${moduleDir}' '${join(moduleDir, 'go.mod')}'`;
  }
  writeFileSync(
    join(bin, 'go'),
    `#!/bin/bash
case "$1 $2" in
  "env GOVERSION") echo "go${version}";;
  "env GOPROXY") echo "https://proxy.example";;
  "mod download") ${downloadBranch};;
  "install "*) echo "go install must not run in this test" >&2; exit 99;;
  *) echo "unexpected go $*" >&2; exit 98;;
esac
`,
  );
  chmodSync(join(bin, 'go'), 0o755);
  return `${bin}:${SYSTEM_PATH}`;
}

describe('install-fabric.sh', () => {
  it('stops with a clear message when Go is missing', () => {
    const { code, stderr } = run(SYSTEM_PATH);
    expect(code).toBe(2);
    expect(stderr).toMatch(/Go is not installed/);
  });

  it("names the Go version Fabric's go.mod needs when the local Go is older", () => {
    const { code, stderr } = run(fakeGo('1.21.4', { goDirective: '1.24.0' }));
    expect(code).toBe(3);
    expect(stderr).toContain('needs Go 1.24.0 or newer');
    expect(stderr).toContain('this machine has Go 1.21.4');
  });

  it('reports the proxy error verbatim when the module cannot be downloaded', () => {
    const { code, stderr } = run(
      fakeGo('1.26.8', { error: 'reading https://proxy.example/...: 403 Forbidden' }),
    );
    expect(code).toBe(4);
    expect(stderr).toContain('403 Forbidden');
  });

  it('builds nothing when the pinned binaries are already in the cache', () => {
    const dir = join(work, 'cache', 'fabric-v3.1.5-86c1172bec37');
    for (const b of ['peer', 'orderer', 'configtxgen', 'osnadmin', 'cryptogen']) {
      mkdirSync(join(dir, 'bin'), { recursive: true });
      writeFileSync(join(dir, 'bin', b), '');
      chmodSync(join(dir, 'bin', b), 0o755);
    }
    for (const b of ['detect', 'build', 'release']) {
      mkdirSync(join(dir, 'ccaas_builder', 'bin'), { recursive: true });
      writeFileSync(join(dir, 'ccaas_builder', 'bin', b), '');
      chmodSync(join(dir, 'ccaas_builder', 'bin', b), 0o755);
    }
    writeFileSync(join(dir, 'installed.env'), 'FABRIC_VERSION=v3.1.5\n');
    // No go on PATH at all: a rebuild attempt would fail with exit 2.
    const { code, stderr } = run(SYSTEM_PATH);
    expect(code).toBe(0);
    expect(stderr).toContain('already installed');
  });
});
