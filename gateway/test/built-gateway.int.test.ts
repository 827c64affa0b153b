import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/support/local-ports';
import { startTestBroker, type TestBroker } from '../../test/support/mosquitto.harness';
import type { FabricConnectionFile } from '../src/config/gateway-config';
import { certificatePair } from '../src/testing/test-certificates';

// The built gateway started as users start it: `node gateway/dist/main.js` in a folder of its own, from a fresh
// install's node_modules, configured by a network's connection file in the default place. It guards what tests
// inside Jest cannot see: Jest resolves modules its own way, and @nestjs/testing sits beside the HTTP adapter, so
// a node_modules layout where @nestjs/core cannot load @nestjs/platform-express passed every other test while the
// real process died at start. Fabric is a port nobody listens on: the gateway must start and stay up without it.
// Needs `npm run build` first (the root `test` script builds). Not in the Fabric tier (jest.fabric.config.js): it
// reads no ledger, and its claim is that the gateway starts and stays up with every peer unreachable.

const MAIN = join(__dirname, '..', 'dist', 'main.js');

async function httpGet(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: await response.json() };
}

describe('the built gateway process (node gateway/dist/main.js)', () => {
  let broker: TestBroker;
  let child: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    broker = await startTestBroker({ persistence: false });
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await broker?.cleanup();
  });

  it('starts from a connection file with Fabric unreachable, answers /health, and exits on SIGTERM', async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
    const cwd = mkdtempSync(join(tmpdir(), 'provena-built-gateway-'));
    const crypto = join(cwd, 'crypto');
    mkdirSync(crypto);
    const tlsCa = certificatePair(crypto, 'tlsca', '/CN=tlsca.producer', 'DNS:localhost,IP:127.0.0.1');
    const operator = certificatePair(crypto, 'operator', '/O=ProducerMSP/OU=client/CN=operator');
    const auditor = certificatePair(crypto, 'auditor', '/O=AuditorMSP/OU=client/CN=auditor');
    const connection: FabricConnectionFile = {
      channel: 'provena',
      chaincode: 'provena',
      organisations: {
        // Ports nothing listens on (a race with another process taking one is harmless: it speaks no TLS).
        ProducerMSP: { peerEndpoint: `127.0.0.1:${await freePort()}`, peerTlsCaPath: tlsCa.cert },
        AuditorMSP: { peerEndpoint: `127.0.0.1:${await freePort()}`, peerTlsCaPath: tlsCa.cert },
      },
      identities: [
        { mspId: 'ProducerMSP', role: 'operator', certPath: operator.cert, keyPath: operator.key },
        { mspId: 'AuditorMSP', role: 'auditor', certPath: auditor.cert, keyPath: auditor.key },
      ],
    };
    // Where the network writes it; the gateway reads it from there by default.
    mkdirSync(join(cwd, '.provena', 'network'), { recursive: true });
    writeFileSync(join(cwd, '.provena', 'network', 'connection.json'), JSON.stringify(connection));

    const port = await freePort();
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('PROVENA_')),
    );
    const proc = spawn(process.execPath, [MAIN], {
      cwd,
      env: {
        ...inherited,
        PROVENA_INGEST_ORG: 'ProducerMSP',
        PROVENA_MQTT_URL: broker.url,
        PROVENA_MQTT_CLIENT_ID: 'built-gateway-test',
        PROVENA_HTTP_PORT: String(port),
        PROVENA_FABRIC_EVALUATE_MS: '1000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    proc.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const running = (): boolean => proc.exitCode === null && proc.signalCode === null;

    const base = `http://127.0.0.1:${port}`;
    let health: { status: number; body: unknown } | undefined;
    for (const deadline = Date.now() + 30_000; health === undefined;) {
      if (!running()) throw new Error(`the gateway exited at start (${proc.exitCode}):\n${output}`);
      if (Date.now() > deadline) throw new Error(`no answer on ${base}/health within 30 s:\n${output}`);
      health = await httpGet(`${base}/health`).catch(async () => {
        await new Promise((resolve) => setTimeout(resolve, 200));
        return undefined;
      });
    }
    expect(health).toEqual({ status: 200, body: { status: 'ok' } });

    // Up and honest about it: the broker session connects, the unreachable Fabric peer shows as not ready.
    let ready: { status: number; body: unknown } | undefined;
    for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
      ready = await httpGet(`${base}/ready`);
      if ((ready.body as { broker?: boolean }).broker) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(ready).toEqual({ status: 503, body: { ready: false, broker: true, ledger: false } });
    expect(running()).toBe(true);

    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    const exit = await exited;
    clearTimeout(timer);
    // Nest closes the app on SIGTERM and then ends the process by the same signal.
    expect([
      { code: null, signal: 'SIGTERM' },
      { code: 0, signal: null },
    ]).toContainEqual(exit);
  });
});
