import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:net';
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

function run(settings: { url?: string; port?: number }) {
  const env: NodeJS.ProcessEnv = { ...process.env, PROVENA_MOSQUITTO_STATE: state };
  delete env.PROVENA_MQTT_URL;
  if (settings.url !== undefined) env.PROVENA_MQTT_URL = settings.url;
  if (settings.port !== undefined) env.PROVENA_BROKER_PORT = String(settings.port);
  const result = spawnSync('bash', [script], { env, encoding: 'utf8' });
  const pidFile = join(state, 'mosquitto.pid');
  if (existsSync(pidFile)) pids.push(Number(readFileSync(pidFile, 'utf8').trim()));
  return { code: result.status, stdout: result.stdout, out: result.stdout + result.stderr };
}

/** A process of the test's own listening on `port`: not Provena's broker. */
async function squat(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

it("starts Provena's own persistent Mosquitto on its port, and reuses it on the next run", async () => {
  const port = await freePort();
  const first = run({ port });
  expect(first.out).toContain(`started Provena's broker on 127.0.0.1:${port}`);
  expect(first.code).toBe(0);
  expect(first.stdout).toBe(`mqtt://127.0.0.1:${port}\n`);
  // Persistent through the settings Provena ships, which the generated config includes.
  const conf = readFileSync(join(state, 'mosquitto.conf'), 'utf8');
  const shipped = /^include_dir (.+)$/m.exec(conf)?.[1];
  expect(shipped).toMatch(/network\/mosquitto\/conf\.d$/);
  expect(readFileSync(join(shipped as string, 'provena-delivery.conf'), 'utf8')).toMatch(
    /^persistence true$/m,
  );

  const second = run({ port });
  expect(second.code).toBe(0);
  expect(second.out).toContain(`Provena's broker already runs on 127.0.0.1:${port}`);
  expect(new Set(pids).size).toBe(1);
});

it("never takes another broker on its port for Provena's: it names the process holding the port", async () => {
  const port = await freePort();
  const other = await squat(port);
  try {
    const result = run({ port });
    expect(result.code).toBe(3);
    expect(result.out).toContain(
      `port ${port}, where Provena's broker should listen, is taken by pid ${process.pid}`,
    );
    expect(result.stdout).toBe('');
  } finally {
    other.close();
  }
});

it("uses a broker PROVENA_MQTT_URL names as it is, and says its settings are not Provena's to set", async () => {
  const port = await freePort();
  const other = await squat(port);
  try {
    const result = run({ url: `mqtt://127.0.0.1:${port}` });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`mqtt://127.0.0.1:${port}\n`);
    expect(result.out).toContain("Provena's delivery settings");
  } finally {
    other.close();
  }
});

it('refuses a broker URL without a port, naming the URL', () => {
  const result = run({ url: 'mqtt://127.0.0.1' });
  expect(result.code).toBe(2);
  expect(result.out).toContain('PROVENA_MQTT_URL=mqtt://127.0.0.1 has no port');
});
