import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../support/local-ports';

// Drives the real script with the real Mosquitto binary, on a free port of its own (never the system broker's).
const script = resolve(__dirname, '../../scripts/start-mosquitto.sh');

let state: string;
let pids: number[];
beforeEach(() => {
  state = mkdtempSync(join(tmpdir(), 'provena-broker-'));
  pids = [];
});
afterEach(() => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(state, { recursive: true, force: true });
});

function run(url: string) {
  const result = spawnSync('bash', [script], {
    env: { ...process.env, PROVENA_MQTT_URL: url, PROVENA_MOSQUITTO_STATE: state },
    encoding: 'utf8',
  });
  const pidFile = join(state, 'mosquitto.pid');
  if (existsSync(pidFile)) pids.push(Number(readFileSync(pidFile, 'utf8').trim()));
  return { code: result.status, out: result.stdout + result.stderr };
}

it('starts a persistent Mosquitto of its own where no broker answers, and reuses it on the next run', async () => {
  const port = await freePort();
  const first = run(`mqtt://127.0.0.1:${port}`);
  expect(first.out).toContain(`started on 127.0.0.1:${port}`);
  expect(first.code).toBe(0);
  // Persistent through the settings Provena ships, which the generated config includes.
  const conf = readFileSync(join(state, 'mosquitto.conf'), 'utf8');
  const shipped = /^include_dir (.+)$/m.exec(conf)?.[1];
  expect(shipped).toMatch(/network\/mosquitto\/conf\.d$/);
  expect(readFileSync(join(shipped as string, 'provena-delivery.conf'), 'utf8')).toMatch(
    /^persistence true$/m,
  );

  const second = run(`mqtt://127.0.0.1:${port}`);
  expect(second.code).toBe(0);
  expect(second.out).toContain(`a broker answers on 127.0.0.1:${port}; using it`);
  expect(new Set(pids).size).toBe(1);
});

it('refuses a broker URL without a port, naming the URL', () => {
  const result = run('mqtt://127.0.0.1');
  expect(result.code).toBe(2);
  expect(result.out).toContain('PROVENA_MQTT_URL=mqtt://127.0.0.1 has no port');
});
