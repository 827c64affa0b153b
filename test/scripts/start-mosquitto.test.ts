import { spawnSync } from 'node:child_process';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
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

/** The KEY=VALUE lines of a client's credentials file. */
function credentials(name: string): Record<string, string> {
  const file = join(state, 'credentials', `${name}.env`);
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

function issue(name: string) {
  const result = spawnSync('bash', [resolve(__dirname, '../../scripts/broker-credentials.sh'), name], {
    env: { ...process.env, PROVENA_MOSQUITTO_STATE: state },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, out: result.stdout + result.stderr };
}

/** Connects as a client whose credentials the scripts issued (or with `overrides`), checking the broker's certificate. */
function connectAs(
  url: string,
  name: string | undefined,
  overrides: IClientOptions = {},
): Promise<MqttClient> {
  const env = name === undefined ? undefined : credentials(name);
  return mqtt.connectAsync(url, {
    protocolVersion: 5,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ca: readFileSync(join(state, 'tls', 'ca.pem')),
    ...(env && { username: env.PROVENA_MQTT_USERNAME, password: env.PROVENA_MQTT_PASSWORD }),
    ...overrides,
  });
}

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
  expect(first.stdout).toBe(`mqtts://127.0.0.1:${port}\n`);
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

it('takes only TLS clients with a password, and keeps each device to its own topics', async () => {
  const port = await freePort();
  const started = run({ port });
  expect(started.code).toBe(0);
  const url = started.stdout.trim();
  expect(issue('logger-a').stdout).toBe(`${join(state, 'credentials', 'logger-a.env')}\n`);
  expect(issue('logger-b').code).toBe(0);
  // Never the password on stdout or stderr, and the file only for its owner.
  expect(issue('logger-a').out).not.toContain(credentials('logger-a').PROVENA_MQTT_PASSWORD);
  expect(statSync(join(state, 'credentials', 'logger-a.env')).mode & 0o777).toBe(0o600);

  await expect(
    mqtt.connectAsync(url.replace('mqtts:', 'mqtt:'), { reconnectPeriod: 0, connectTimeout: 3000 }),
  ).rejects.toThrow();
  await expect(connectAs(url, undefined)).rejects.toThrow(/Not authorized/);
  await expect(connectAs(url, 'logger-a', { password: 'wrong' })).rejects.toThrow(/Not authorized/);

  const clients: MqttClient[] = [];
  try {
    const gateway = await connectAs(url, 'provena-gateway');
    const a = await connectAs(url, 'logger-a');
    const b = await connectAs(url, 'logger-b');
    clients.push(gateway, a, b);
    const seen = { gateway: [] as string[], a: [] as string[], b: [] as string[] };
    gateway.on('message', (topic) => seen.gateway.push(topic));
    a.on('message', (topic) => seen.a.push(topic));
    b.on('message', (topic) => seen.b.push(topic));
    await gateway.subscribeAsync('provena/v1/devices/+/readings', { qos: 1 });
    // Mosquitto grants the subscription and filters each delivery against the ACL.
    await a.subscribeAsync(['provena/v1/devices/logger-a/receipts', 'provena/v1/devices/logger-b/receipts'], {
      qos: 1,
    });
    await b.subscribeAsync('provena/v1/devices/logger-b/receipts', { qos: 1 });

    await a.publishAsync('provena/v1/devices/logger-a/readings', 'own', { qos: 1 });
    // A device writing where it may not is answered 0x87 (Not authorized), and Mosquitto ends that connection:
    // each attempt on a connection of its own.
    for (const topic of ['provena/v1/devices/logger-b/readings', 'provena/v1/devices/logger-b/receipts']) {
      const forger = await connectAs(url, 'logger-a');
      clients.push(forger);
      await expect(forger.publishAsync(topic, 'forged', { qos: 1 })).rejects.toThrow(/Not authorized/);
    }
    await gateway.publishAsync('provena/v1/devices/logger-b/receipts', 'for b', { qos: 1 });
    const deadline = Date.now() + 5000;
    while ((seen.gateway.length < 1 || seen.b.length < 1) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200)); // room for a delivery that should not happen
    expect(seen).toEqual({
      gateway: ['provena/v1/devices/logger-a/readings'],
      a: [],
      b: ['provena/v1/devices/logger-b/receipts'],
    });
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true)));
  }
}, 30_000);

it('issues credentials only once the broker has its CA, and never for a name the password file cannot hold', async () => {
  const before = issue('logger-a');
  expect(before.code).toBe(3);
  expect(before.out).toContain('start the broker first');
  expect(run({ port: await freePort() }).code).toBe(0);
  const bad = issue('logger:a');
  expect(bad.code).toBe(2);
  expect(bad.out).toContain("'logger:a' cannot be a broker user name");
  expect(existsSync(join(state, 'credentials', 'logger:a.env'))).toBe(false);
});
