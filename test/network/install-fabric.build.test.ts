import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

// The real thing: install-fabric.sh with this machine's Go, the real source tarball and the real per-user cache, so
// only the first run on a machine pays for the build (about a minute on 2 cores) and later runs take seconds.
// Release binaries named by PROVENA_FABRIC_BIN are used instead when set, as the script does.
const repoRoot = resolve(__dirname, '../..');
const script = join(repoRoot, 'network/install-fabric.sh');
const defaultTarball = resolve(repoRoot, '../shared/fabric/fabric-3.1.5-src.tar.gz');
const BUILD_TIMEOUT_MS = 15 * 60_000;

function install() {
  const started = Date.now();
  const result = spawnSync('bash', [script], {
    env: process.env,
    encoding: 'utf8',
    timeout: BUILD_TIMEOUT_MS - 60_000,
  });
  return {
    code: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    seconds: (Date.now() - started) / 1000,
  };
}

/** The four `KEY=value` lines the script promises on stdout, and nothing else. */
function parse(stdout: string): Record<string, string> {
  const lines = stdout.trimEnd().split('\n');
  expect(lines.map((l) => l.split('=')[0])).toEqual([
    'FABRIC_VERSION',
    'FABRIC_BIN',
    'FABRIC_CCAAS_BUILDER',
    'FABRIC_CONFIG',
  ]);
  return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

function isExecutable(path: string): boolean {
  return existsSync(path) && (statSync(path).mode & 0o111) !== 0;
}

describe('install-fabric.sh, for real', () => {
  it(
    'provides Fabric 3.1.5 (peer version says so, ccaas builder included), and a second run builds nothing',
    () => {
      const src = process.env.PROVENA_FABRIC_SRC ?? defaultTarball;
      if (!process.env.PROVENA_FABRIC_BIN && !existsSync(src)) {
        throw new Error(
          `Fabric cannot be provided on this machine: PROVENA_FABRIC_BIN is not set and there is no source tarball ` +
            `at ${src}. Either set PROVENA_FABRIC_BIN to the bin/ folder of Fabric 3.1.x's official release ` +
            `binaries, unpacked (config/ and builders/ccaas/ beside it), or put fabric-3.1.5-src.tar.gz ` +
            `(sha256 eaa6e6d8043976708d4ea517e465aaae6b58e8332893cd9ee480062a44ae029b) at ${defaultTarball} ` +
            `or name it with PROVENA_FABRIC_SRC, with Go on PATH.`,
        );
      }

      const first = install();
      // The script's stderr carries the reason and the build log's path when it fails.
      expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
      const fabric = parse(first.stdout);
      expect(fabric.FABRIC_VERSION).toMatch(/^3\.1\.\d+$/);

      const version = spawnSync(join(fabric.FABRIC_BIN!, 'peer'), ['version'], {
        env: { ...process.env, FABRIC_CFG_PATH: fabric.FABRIC_CONFIG },
        encoding: 'utf8',
      });
      expect(version.status).toBe(0);
      expect(version.stdout).toContain(
        `Version: ${process.env.PROVENA_FABRIC_BIN ? fabric.FABRIC_VERSION : '3.1.5'}`,
      );
      for (const b of [
        'peer',
        'orderer',
        'configtxgen',
        'cryptogen',
        'osnadmin',
        'configtxlator',
        'discover',
      ]) {
        expect(isExecutable(join(fabric.FABRIC_BIN!, b))).toBe(true);
      }
      for (const b of ['detect', 'build', 'release']) {
        expect(isExecutable(join(fabric.FABRIC_CCAAS_BUILDER!, 'bin', b))).toBe(true);
      }
      for (const c of ['core.yaml', 'orderer.yaml', 'configtx.yaml']) {
        expect(existsSync(join(fabric.FABRIC_CONFIG!, c))).toBe(true);
      }

      const second = install();
      expect(second.code).toBe(0);
      expect(second.stdout).toBe(first.stdout);
      if (!process.env.PROVENA_FABRIC_BIN) expect(second.stderr).toContain('nothing to build');
      expect(second.seconds).toBeLessThan(10);
    },
    BUILD_TIMEOUT_MS,
  );
});
