import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// These tests drive the real install script with a stand-in `go` (and stand-in Fabric programs) on PATH and a
// temporary HOME and cache, so they check the script's own decisions (which source it takes, what it reports, when
// it builds and how) in seconds. The real build is install-fabric.build.test.ts.
const repoRoot = resolve(__dirname, '../..');
const script = join(repoRoot, 'network/install-fabric.sh');
const realTarball = resolve(repoRoot, '../shared/fabric/fabric-3.1.5-src.tar.gz');
const SYSTEM_PATH = '/usr/bin:/bin';
const BINARIES = ['peer', 'orderer', 'configtxgen', 'cryptogen', 'osnadmin', 'configtxlator', 'discover'];
const CCAAS = ['detect', 'build', 'release'];
const CONFIG = ['core.yaml', 'orderer.yaml', 'configtx.yaml'];
const CACHE_NAME = 'fabric-3.1.5-86c1172bec37';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'provena-install-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

function run(path: string, env: Record<string, string> = {}, scriptPath = script) {
  const result = spawnSync('bash', [scriptPath], {
    env: { PATH: path, HOME: work, PROVENA_CACHE: join(work, 'cache'), ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The tests that build need the pinned tarball: its sha256 is checked before anything else reads it. */
function tarball(): string {
  if (!existsSync(realTarball)) {
    throw new Error(
      `Fabric's source tarball is missing at ${realTarball}; these tests check the build steps on it. ` +
        'Put the unchanged fabric-3.1.5-src.tar.gz there (see ../shared/fabric/README.md).',
    );
  }
  return realTarball;
}

function executable(path: string, body = '#!/bin/sh\nexit 0\n'): void {
  mkdirSync(resolve(path, '..'), { recursive: true });
  writeFileSync(path, body);
  chmodSync(path, 0o755);
}

/** A `peer` whose `peer version` prints what Fabric's does, with the given version. */
function fakePeer(version: string): string {
  return `#!/bin/sh
[ "$1" = version ] || exit 64
printf 'peer:\\n Version: ${version}\\n Commit SHA: 86c1172\\n Go version: go1.26.8\\n OS/Arch: linux/amd64\\n'
`;
}

/** Lays out Fabric the way its release tarball does: bin/, config/, builders/ccaas/bin/. */
function fabricLayout(root: string, peerVersion: string): void {
  for (const b of BINARIES)
    executable(join(root, 'bin', b), b === 'peer' ? fakePeer(peerVersion) : undefined);
  for (const b of CCAAS) executable(join(root, 'builders', 'ccaas', 'bin', b));
  mkdirSync(join(root, 'config'), { recursive: true });
  for (const c of CONFIG) writeFileSync(join(root, 'config', c), '# template\n');
}

function fourLines(version: string, root: string): string {
  return (
    `FABRIC_VERSION=${version}\nFABRIC_BIN=${join(root, 'bin')}\n` +
    `FABRIC_CCAAS_BUILDER=${join(root, 'builders', 'ccaas')}\nFABRIC_CONFIG=${join(root, 'config')}\n`
  );
}

/**
 * Writes a stand-in `go` that reports `version`, logs every call (working folder, the environment the script
 * must set, arguments) to go-calls.log, and answers `go build` as told: 'ok' writes a program per package into the
 * -o folder, its `peer` reporting the metadata.Version the -ldflags carried (none: "latest", as Fabric's does);
 * 'fail' prints a compile error.
 */
function fakeGo(version: string, build: 'ok' | 'fail' | 'none' = 'none'): string {
  const bin = join(work, 'fakebin');
  const calls = join(work, 'go-calls.log');
  const buildBranch = {
    none: 'echo "go build must not run in this test" >&2; exit 99',
    fail: 'echo "cmd/peer/main.go:12:2: undefined: brokenThing" >&2; exit 1',
    ok: `out= ldflags= pkgs=
    shift
    while [ $# -gt 0 ]; do
      case "$1" in
        -o) out=$2; shift;;
        -ldflags) ldflags=$2; shift;;
        ./*) pkgs="$pkgs $1";;
      esac
      shift
    done
    v=$(printf '%s\\n' "$ldflags" | sed -n 's/.*metadata\\.Version=\\([^ ]*\\).*/\\1/p')
    for p in $pkgs; do
      case "$p" in
        ./cmd/...) names="detect build release";;
        *) names=$(basename "$p");;
      esac
      for n in $names; do
        if [ "$n" = peer ]; then
          printf '#!/bin/sh\\nprintf "peer:\\\\n Version: %s\\\\n"\\n' "\${v:-latest}" > "$out/$n"
        else
          printf '#!/bin/sh\\nexit 0\\n' > "$out/$n"
        fi
        chmod +x "$out/$n"
      done
    done`,
  }[build];
  executable(
    join(bin, 'go'),
    `#!/bin/bash
printf '%s|GOTOOLCHAIN=%s|GOFLAGS=%s|%s\\n' "$PWD" "$GOTOOLCHAIN" "$GOFLAGS" "$*" >> '${calls}'
case "$1" in
  version) echo "go version go${version} linux/amd64";;
  env) [ "$2" = GOVERSION ] && echo "go${version}" || echo "";;
  build)
    ${buildBranch};;
  *) echo "unexpected go $*" >&2; exit 98;;
esac
`,
  );
  return `${bin}:${SYSTEM_PATH}`;
}

function goCalls(): string[] {
  const log = join(work, 'go-calls.log');
  return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
}

describe('install-fabric.sh', () => {
  describe('PROVENA_FABRIC_BIN (release binaries)', () => {
    it('reports the release layout on stdout and builds nothing', () => {
      const release = join(work, 'fabric-release');
      fabricLayout(release, '3.1.5');
      const { code, stdout, stderr } = run(fakeGo('1.26.8'), {
        PROVENA_FABRIC_BIN: join(release, 'bin'),
      });
      expect(stderr).toContain('using Fabric 3.1.5');
      expect(code).toBe(0);
      expect(stdout).toBe(fourLines('3.1.5', release));
      expect(goCalls()).toEqual([]);
      expect(existsSync(join(work, 'cache'))).toBe(false);
    });

    it('refuses a peer of another Fabric line', () => {
      const release = join(work, 'fabric-release');
      fabricLayout(release, '2.5.9');
      const { code, stdout, stderr } = run(SYSTEM_PATH, { PROVENA_FABRIC_BIN: join(release, 'bin') });
      expect(code).toBe(6);
      expect(stdout).toBe('');
      expect(stderr).toContain('reports version 2.5.9; Provena needs Fabric 3.1.x');
    });

    it('names every missing piece instead of falling back to another source', () => {
      const release = join(work, 'fabric-release');
      fabricLayout(release, '3.1.5');
      rmSync(join(release, 'bin', 'discover'));
      rmSync(join(release, 'builders'), { recursive: true });
      rmSync(join(release, 'config', 'configtx.yaml'));
      const { code, stdout, stderr } = run(SYSTEM_PATH, { PROVENA_FABRIC_BIN: join(release, 'bin') });
      expect(code).toBe(6);
      expect(stdout).toBe('');
      for (const missing of [
        'bin/discover',
        'builders/ccaas/bin/detect',
        'builders/ccaas/bin/build',
        'builders/ccaas/bin/release',
        'config/configtx.yaml',
      ]) {
        expect(stderr).toContain(join(release, missing));
      }
      expect(stderr).not.toContain(join(release, 'bin/peer'));
    });
  });

  describe('the cache', () => {
    it('builds nothing when an earlier build is complete', () => {
      const installed = join(work, 'cache', CACHE_NAME);
      fabricLayout(installed, '3.1.5');
      writeFileSync(join(installed, 'installed.env'), 'FABRIC_VERSION=3.1.5\n');
      // No tarball and a go that refuses to build: only the cache can satisfy this run.
      const { code, stdout, stderr } = run(fakeGo('1.26.8'), {
        PROVENA_FABRIC_SRC: join(work, 'no-such.tar.gz'),
      });
      expect(stderr).toContain('already installed');
      expect(stderr).toContain('nothing to build');
      expect(code).toBe(0);
      expect(stdout).toBe(fourLines('3.1.5', installed));
      expect(goCalls()).toEqual([]);
    });

    it('does not trust a cache folder without its stamp (an interrupted install)', () => {
      fabricLayout(join(work, 'cache', CACHE_NAME), '3.1.5');
      const { code, stderr } = run(fakeGo('1.26.8'), { PROVENA_FABRIC_SRC: join(work, 'no-such.tar.gz') });
      expect(code).toBe(8);
      expect(stderr).not.toContain('nothing to build');
    });
  });

  describe('building from the source tarball', () => {
    it('stops with a clear message when Go is missing', () => {
      const { code, stdout, stderr } = run(SYSTEM_PATH, { PROVENA_FABRIC_SRC: tarball() });
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/Go is not installed/);
    });

    it("names the Go version the tarball's go.mod needs when the local Go is older", () => {
      const { code, stderr } = run(fakeGo('1.21.4'), { PROVENA_FABRIC_SRC: tarball() });
      expect(code).toBe(3);
      expect(stderr).toContain('needs Go 1.26.4 or newer');
      expect(stderr).toContain('this machine has Go 1.21.4');
      expect(goCalls().some((c) => c.includes('|build'))).toBe(false);
    });

    it('refuses a tarball whose sha256 is not the pinned one, before Go is asked anything', () => {
      const fake = join(work, 'fabric-3.1.5');
      mkdirSync(fake);
      writeFileSync(join(fake, 'go.mod'), 'module github.com/hyperledger/fabric\n\ngo 1.21\n');
      const fakeTarball = join(work, 'fabric-3.1.5-src.tar.gz');
      expect(spawnSync('tar', ['-czf', fakeTarball, '-C', work, 'fabric-3.1.5']).status).toBe(0);
      const { code, stdout, stderr } = run(fakeGo('1.26.8'), { PROVENA_FABRIC_SRC: fakeTarball });
      expect(code).toBe(7);
      expect(stdout).toBe('');
      expect(stderr).toContain(`${fakeTarball} is not Fabric 3.1.5's source tarball`);
      expect(stderr).toContain('expected eaa6e6d8043976708d4ea517e465aaae6b58e8332893cd9ee480062a44ae029b');
      expect(goCalls()).toEqual([]);
    });

    it('builds as the shared README says, installs into the cache and reports it', () => {
      const installed = join(work, 'cache', CACHE_NAME);
      // A leftover of an interrupted install: replaced whole.
      mkdirSync(join(installed, 'bin'), { recursive: true });
      writeFileSync(join(installed, 'bin', 'peer'), 'stale');
      const { code, stdout, stderr } = run(fakeGo('1.26.8', 'ok'), { PROVENA_FABRIC_SRC: tarball() });
      expect(stderr).toMatch(/built Fabric 3\.1\.5 into .* in \d+ s/);
      expect(code).toBe(0);
      expect(stdout).toBe(fourLines('3.1.5', installed));

      const builds = goCalls().filter((c) => c.includes('|build '));
      expect(builds).toHaveLength(2);
      const [fabric, ccaas] = builds as [string, string];
      // The environment: Go may not fetch another toolchain, and go.sum is checked.
      for (const b of builds) expect(b).toContain('|GOTOOLCHAIN=local|GOFLAGS=-mod=readonly|');
      expect(fabric.split('|')[0]).toMatch(/\/fabric-3\.1\.5$/);
      expect(fabric).toContain('build -buildvcs=false -ldflags');
      expect(fabric).toContain('github.com/hyperledger/fabric/common/metadata.Version=3.1.5');
      expect(fabric).toContain('github.com/hyperledger/fabric/common/metadata.CommitSHA=86c1172');
      expect(fabric).toContain(BINARIES.map((b) => `./cmd/${b}`).join(' '));
      expect(ccaas.split('|')[0]).toMatch(/\/fabric-3\.1\.5\/ccaas_builder$/);
      expect(ccaas).toContain('build -buildvcs=false -o ');
      expect(ccaas).toMatch(/ \.\/cmd\/\.\.\.$/);

      // The config templates come from the tarball's sampleconfig, so later steps need not unpack it again.
      for (const c of CONFIG) {
        expect(readFileSync(join(installed, 'config', c), 'utf8').length).toBeGreaterThan(1000);
      }
      expect(existsSync(join(installed, 'installed.env'))).toBe(true);
      expect(readFileSync(join(installed, 'build.log'), 'utf8')).toContain('built in');
      // Nothing left behind but the install and the lock.
      expect(
        spawnSync('ls', ['-A', join(work, 'cache')], { encoding: 'utf8' })
          .stdout.trim()
          .split('\n')
          .sort(),
      ).toEqual(['.fabric-install.lock', CACHE_NAME]);

      // The second run finds it.
      const again = run(fakeGo('1.26.8'), { PROVENA_FABRIC_SRC: tarball() });
      expect(again.stderr).toContain('nothing to build');
      expect(again.stdout).toBe(stdout);
    });

    it('stops with code 5 and names the kept log when the build fails', () => {
      const { code, stdout, stderr } = run(fakeGo('1.26.8', 'fail'), { PROVENA_FABRIC_SRC: tarball() });
      expect(code).toBe(5);
      expect(stdout).toBe('');
      const log = join(work, 'cache', `${CACHE_NAME}.failed-build.log`);
      expect(stderr).toContain(`full output: ${log}`);
      expect(stderr).toContain('undefined: brokenThing');
      expect(readFileSync(log, 'utf8')).toContain('cmd/peer/main.go:12:2: undefined: brokenThing');
      // A failed build never looks installed, and its scratch folder is gone.
      expect(existsSync(join(work, 'cache', CACHE_NAME))).toBe(false);
      expect(
        spawnSync('ls', ['-A', join(work, 'cache')], { encoding: 'utf8' })
          .stdout.trim()
          .split('\n')
          .sort(),
      ).toEqual(['.fabric-install.lock', `${CACHE_NAME}.failed-build.log`]);
    });
  });

  it('names both ways to provide Fabric when neither binaries nor the tarball are there', () => {
    // A copy of the script in a repository-shaped folder whose ../shared/fabric is empty: the default path.
    const repo = join(work, 'repo');
    mkdirSync(join(repo, 'network'), { recursive: true });
    copyFileSync(script, join(repo, 'network', 'install-fabric.sh'));
    const { code, stdout, stderr } = run(fakeGo('1.26.8'), {}, join(repo, 'network', 'install-fabric.sh'));
    expect(code).toBe(8);
    expect(stdout).toBe('');
    expect(stderr.match(/ERROR/g)).toHaveLength(1);
    expect(stderr).toContain('set PROVENA_FABRIC_BIN to the bin/ folder of Fabric 3.1.x');
    expect(stderr).toContain(join(work, 'shared', 'fabric', 'fabric-3.1.5-src.tar.gz'));
    expect(stderr).toContain('PROVENA_FABRIC_SRC');
    expect(goCalls()).toEqual([]);
  });
});
