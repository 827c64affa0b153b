import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  newMemorySequenceStore,
  newSimulatedDevice,
  newMqttReadingPublisher,
  openFileKeyStore,
  openMqttReceiptFeed,
  waitForConnection,
  type ReceiptFeed,
  type ReadingPublisher,
} from '@provena/iot-simulator';
import type { ReadingReceipt } from '@provena/wire';
import { freePort } from '../../test/support/local-ports';
import { wireIngest } from '../src/ingest/ingest-wiring';
import { readingsOnLedger, testGatewayConfig, until } from './ingest.harness';
import { LEDGER_NAME, newLedgerUnderTest, runId } from './ledger-under-test';

const SCRIPTS = resolve(__dirname, '../../scripts');
const OWNER = 'ProducerMSP';
const quiet = (): void => undefined;

// The broker `npm start` runs (scripts/start-mosquitto.sh): MQTT over TLS only, a password per client, and an ACL
// that keeps each device to its own topics. The gateway connects with the credentials the script issued it and
// checks the broker's certificate against the broker's CA; a device with its own credentials publishes and hears
// its receipts; another device hears none of them.
describe(`ingest through Provena's secured broker (TLS, passwords, ACL; ${LEDGER_NAME})`, () => {
  const ledger = newLedgerUnderTest();
  const state = mkdtempSync(join(tmpdir(), 'provena-secure-broker-'));
  const env = { ...process.env, PROVENA_MOSQUITTO_STATE: state };
  const closers: (() => Promise<unknown>)[] = [];

  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    const pid = Number(readFileSync(join(state, 'mosquitto.pid'), 'utf8').trim());
    if (pid > 0) process.kill(pid, 'SIGKILL');
    await ledger.close();
  });

  /** A client's issued credentials, as the gateway's and the simulator's settings name them. */
  const credentialsOf = (name: string): Record<string, string> => {
    const result = spawnSync('bash', [join(SCRIPTS, 'broker-credentials.sh'), name], {
      env,
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(result.stderr);
    const lines = readFileSync(result.stdout.trim(), 'utf8').trim().split('\n');
    return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  };

  it('records a device’s reading and sends its receipt to that device alone', async () => {
    const started = spawnSync('bash', [join(SCRIPTS, 'start-mosquitto.sh')], {
      env: { ...env, PROVENA_BROKER_PORT: String(await freePort()) },
      encoding: 'utf8',
    });
    expect(started.status).toBe(0);
    const url = started.stdout.trim();
    expect(url).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);

    // The gateway's settings from the credentials file, as `npm start` passes them (PROVENA_MQTT_USERNAME, _PASSWORD,
    // _CA_FILE; their checks are gateway-config's unit tests).
    const gatewayEnv = credentialsOf('provena-gateway');
    const mqttSettings = {
      url,
      username: gatewayEnv.PROVENA_MQTT_USERNAME as string,
      password: gatewayEnv.PROVENA_MQTT_PASSWORD as string,
      caFile: gatewayEnv.PROVENA_MQTT_CA_FILE as string,
    };
    expect(mqttSettings).toMatchObject({ username: 'provena-gateway', caFile: join(state, 'tls', 'ca.pem') });
    const base = testGatewayConfig({ brokerUrl: url, dir: state, clientId: 'gateway-secure' });
    const { session, pipeline } = wireIngest({
      ledger,
      mqtt: { ...base.mqtt, ...mqttSettings, clientId: 'gateway-secure' },
      ingest: { ...base.ingest, batchSize: 10, batchWindowMs: 10 },
      metrics: { received: quiet, refused: quiet, committed: quiet, acknowledged: quiet, retried: quiet },
      log: { warn: quiet, error: quiet },
    });
    closers.push(
      () => pipeline.stop(),
      () => session.stop(),
    );
    await session.start();

    const deviceIds = [runId('secure-logger-a'), runId('secure-logger-b')];
    const keys = await openFileKeyStore({ directory: join(state, 'keys') });
    for (const deviceId of deviceIds) {
      await ledger.submit({ org: OWNER, role: 'admin' }, 'device:RegisterDevice', [
        JSON.stringify({
          deviceId,
          publicKeyPem: await keys.ensureKey(deviceId),
          ownerOrg: OWNER,
          kind: 'logger',
        }),
      ]);
    }
    const [a, b] = deviceIds as [string, string];
    const deviceSession = (deviceId: string) => {
      const issued = credentialsOf(deviceId);
      return {
        url,
        username: issued.PROVENA_MQTT_USERNAME as string,
        password: issued.PROVENA_MQTT_PASSWORD as string,
        ca: readFileSync(issued.PROVENA_MQTT_CA_FILE as string),
      };
    };
    const heard: Record<string, ReadingReceipt[]> = { [a]: [], [b]: [] };
    const feeds: ReceiptFeed[] = [];
    for (const deviceId of deviceIds) {
      // Each device listens on its own connection, and tries to hear the other's receipts too.
      const feed = await openMqttReceiptFeed({
        ...deviceSession(deviceId),
        clientId: `${deviceId}-receipts`,
      });
      feeds.push(feed);
      closers.push(() => feed.close());
      await feed.watch(deviceIds, (receipt) => heard[deviceId]?.push(receipt));
    }
    const publisher: ReadingPublisher = newMqttReadingPublisher({
      ...deviceSession(a),
      clientId: `${a}-pub`,
    });
    closers.push(() => publisher.close());
    expect(await waitForConnection(publisher, 5000)).toBe(true);
    const device = newSimulatedDevice({
      deviceId: a,
      sealer: keys,
      sequences: newMemorySequenceStore(),
      publisher,
    });
    closers.push(async () => device.detach());
    await device.record({ measuredAt: Date.now() - 1000, measurements: { temperatureC: 4.5 } });

    await until(async () => (await readingsOnLedger(ledger, a)).length === 1 && (heard[a]?.length ?? 0) > 0);
    await new Promise((r) => setTimeout(r, 300)); // room for a delivery that should not happen
    expect(heard[a]).toEqual([expect.objectContaining({ deviceId: a, seqs: [1] })]);
    expect(heard[b]).toEqual([]);
  }, 120_000);
});
