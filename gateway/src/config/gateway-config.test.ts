import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadGatewayConfig } from './gateway-config';

function identitiesFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'provena-config-')), 'identities.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

const producerOperator = { mspId: 'ProducerMSP', role: 'operator', certPath: '/c.pem', keyPath: '/k.pem' };

function minimal(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PROVENA_INGEST_ORG: 'ProducerMSP',
    PROVENA_FABRIC_PEER_ENDPOINT: 'localhost:7051',
    PROVENA_FABRIC_TLS_CA: '/tls/ca.pem',
    PROVENA_FABRIC_IDENTITIES: identitiesFile([producerOperator]),
    ...extra,
  };
}

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadGatewayConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadGatewayConfig', () => {
  it('fills measured defaults around the few required settings', () => {
    const config = loadGatewayConfig(minimal());
    expect(config.ingest).toMatchObject({ batchSize: 200, maxConcurrentBatches: 4, maxInFlight: 2000 });
    expect(config.mqtt.url).toBe('mqtt://127.0.0.1:1883');
    expect(config.fabric.identities).toEqual([producerOperator]);
  });

  it('lists every missing variable at once', () => {
    expect(problemsOf({})).toEqual(
      expect.arrayContaining([
        'PROVENA_INGEST_ORG: required',
        'PROVENA_FABRIC_PEER_ENDPOINT: required',
        'PROVENA_FABRIC_TLS_CA: required',
        'PROVENA_FABRIC_IDENTITIES: required',
      ]),
    );
  });

  it('names each bad value without stopping at the first', () => {
    const problems = problemsOf(
      minimal({
        PROVENA_INGEST_BATCH_SIZE: '501',
        PROVENA_MQTT_URL: 'http://x',
        PROVENA_HTTP_PORT: 'eighty',
      }),
    );
    expect(problems.map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining(['PROVENA_INGEST_BATCH_SIZE', 'PROVENA_MQTT_URL', 'PROVENA_HTTP_PORT']),
    );
  });

  it('refuses an identities file without an operator of the ingest organisation', () => {
    const env = minimal({
      PROVENA_FABRIC_IDENTITIES: identitiesFile([{ ...producerOperator, role: 'admin' }]),
    });
    expect(problemsOf(env)).toEqual([
      'PROVENA_INGEST_ORG: no operator identity of ProducerMSP in PROVENA_FABRIC_IDENTITIES',
    ]);
  });

  it('refuses an unreadable or malformed identities file, naming the field', () => {
    expect(problemsOf(minimal({ PROVENA_FABRIC_IDENTITIES: '/nonexistent.json' }))[0]).toMatch(
      /^PROVENA_FABRIC_IDENTITIES: cannot use \/nonexistent.json: ENOENT/,
    );
    const bad = identitiesFile([{ ...producerOperator, role: 'root' }]);
    expect(problemsOf(minimal({ PROVENA_FABRIC_IDENTITIES: bad }))[0]).toMatch(/0\.role/);
  });

  it('names a bad variable without repeating its value, which may hold a credential', () => {
    const problems = problemsOf(minimal({ PROVENA_MQTT_URL: 'mqtts://gateway:hunter2@broker:8883/x' }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^PROVENA_MQTT_URL: /);
    expect(problems[0]).not.toContain('hunter2');
  });
});
