import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  DEFAULT_MQTT_MAX_PACKET_BYTES,
  LARGEST_READING_PACKET_BYTES,
  loadGatewayConfig,
  type FabricConnectionFile,
} from './gateway-config';

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
    expect(config.ingest).toMatchObject({ batchSize: 500, maxConcurrentBatches: 8, maxInFlight: 4000 });
    expect(config.mqtt.url).toBe('mqtt://127.0.0.1:1883');
    expect(config.fabric.identities).toEqual([producerOperator]);
  });

  it('lists every missing setting at once; without a connection file it names both ways to connect', () => {
    const cwd = process.cwd();
    // The default file is relative to the working directory: one where no network has written it.
    process.chdir(mkdtempSync(join(tmpdir(), 'provena-cwd-')));
    try {
      const problems = problemsOf({});
      expect(problems).toContain('PROVENA_INGEST_ORG: required');
      const connection = problems.find((p) => p.startsWith('PROVENA_FABRIC_CONNECTION: '));
      expect(connection).toContain('.provena/network/connection.json cannot be read (ENOENT)');
      expect(connection).toContain('`network/network.sh up` (which `npm start` runs) writes it');
      expect(connection).toContain(
        'or set PROVENA_FABRIC_PEER_ENDPOINT, PROVENA_FABRIC_TLS_CA, PROVENA_FABRIC_IDENTITIES instead',
      );
    } finally {
      process.chdir(cwd);
    }
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

  it('takes an mqtts:// broker with a CA file it can read, and refuses one it cannot, or one without TLS', () => {
    const ca = join(mkdtempSync(join(tmpdir(), 'provena-ca-')), 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
    const config = loadGatewayConfig(
      minimal({ PROVENA_MQTT_URL: 'mqtts://127.0.0.1:11883', PROVENA_MQTT_CA_FILE: ca }),
    );
    expect(config.mqtt).toMatchObject({ url: 'mqtts://127.0.0.1:11883', caFile: ca });
    expect(
      problemsOf(
        minimal({ PROVENA_MQTT_URL: 'mqtts://127.0.0.1:11883', PROVENA_MQTT_CA_FILE: `${ca}.missing` }),
      ),
    ).toEqual([`PROVENA_MQTT_CA_FILE: cannot read ${ca}.missing (ENOENT)`]);
    expect(
      problemsOf(minimal({ PROVENA_MQTT_URL: 'mqtt://127.0.0.1:1883', PROVENA_MQTT_CA_FILE: ca })),
    ).toEqual(['PROVENA_MQTT_CA_FILE: only used with an mqtts:// PROVENA_MQTT_URL']);
  });

  it('names a bad variable without repeating its value, which may hold a credential', () => {
    const problems = problemsOf(minimal({ PROVENA_MQTT_URL: 'mqtts://gateway:hunter2@broker:8883/x' }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^PROVENA_MQTT_URL: /);
    expect(problems[0]).not.toContain('hunter2');
  });
});

/** A connection file as `network/network.sh up` writes it, with readable files behind every path. */
function network(): { dir: string; content: FabricConnectionFile; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'provena-network-'));
  const pem = (name: string): string => {
    const path = join(dir, name);
    writeFileSync(path, 'PEM');
    return path;
  };
  const identity = (mspId: string, role: 'admin' | 'operator' | 'auditor') => ({
    mspId,
    role,
    certPath: pem(`${mspId}-${role}.cert.pem`),
    keyPath: pem(`${mspId}-${role}.key.pem`),
  });
  const content: FabricConnectionFile = {
    channel: 'supply',
    chaincode: 'provena-cc',
    organisations: {
      ProducerMSP: { peerEndpoint: '127.0.0.1:7081', peerTlsCaPath: pem('tlsca.producer.pem') },
      CarrierMSP: { peerEndpoint: '127.0.0.1:7091', peerTlsCaPath: pem('tlsca.carrier.pem') },
      AuditorMSP: { peerEndpoint: '127.0.0.1:7101', peerTlsCaPath: pem('tlsca.auditor.pem') },
    },
    identities: [
      identity('ProducerMSP', 'admin'),
      identity('ProducerMSP', 'operator'),
      identity('CarrierMSP', 'admin'),
      identity('CarrierMSP', 'operator'),
      identity('AuditorMSP', 'auditor'),
    ],
  };
  const file = join(dir, 'connection.json');
  writeFileSync(file, JSON.stringify(content));
  return { dir, content, file };
}

function writeJson(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'provena-connection-')), 'connection.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe("loadGatewayConfig with the network's connection file", () => {
  it("connects each organisation's identities to its own peer, with channel and chaincode from the file", () => {
    const { content, file } = network();
    const config = loadGatewayConfig({ PROVENA_INGEST_ORG: 'ProducerMSP', PROVENA_FABRIC_CONNECTION: file });
    expect(config.fabric.peers).toEqual({
      ProducerMSP: {
        endpoint: '127.0.0.1:7081',
        tlsCaCertPath: content.organisations.ProducerMSP?.peerTlsCaPath,
      },
      CarrierMSP: {
        endpoint: '127.0.0.1:7091',
        tlsCaCertPath: content.organisations.CarrierMSP?.peerTlsCaPath,
      },
      AuditorMSP: {
        endpoint: '127.0.0.1:7101',
        tlsCaCertPath: content.organisations.AuditorMSP?.peerTlsCaPath,
      },
    });
    expect(config.fabric.identities).toEqual(content.identities);
    expect(config.fabric).toMatchObject({
      homeOrg: 'ProducerMSP',
      channel: 'supply',
      chaincode: 'provena-cc',
    });
  });

  it('reads .provena/network/connection.json in the working directory unless told otherwise', () => {
    const { content } = network();
    const cwd = process.cwd();
    process.chdir(mkdtempSync(join(tmpdir(), 'provena-cwd-')));
    try {
      writeFileSync(join(mkdirp('.provena/network'), 'connection.json'), JSON.stringify(content));
      expect(loadGatewayConfig({ PROVENA_INGEST_ORG: 'CarrierMSP' }).fabric.peers.CarrierMSP?.endpoint).toBe(
        '127.0.0.1:7091',
      );
    } finally {
      process.chdir(cwd);
    }
  });

  it('lets PROVENA_FABRIC_CHANNEL and PROVENA_FABRIC_CHAINCODE override the file', () => {
    const { file } = network();
    const config = loadGatewayConfig({
      PROVENA_INGEST_ORG: 'ProducerMSP',
      PROVENA_FABRIC_CONNECTION: file,
      PROVENA_FABRIC_CHANNEL: 'other',
      PROVENA_FABRIC_CHAINCODE: 'othercc',
    });
    expect(config.fabric).toMatchObject({ channel: 'other', chaincode: 'othercc' });
  });

  it('names both ways to connect when the file is missing, and only the explicit variables not given', () => {
    const problems = problemsOf({
      PROVENA_INGEST_ORG: 'ProducerMSP',
      PROVENA_FABRIC_CONNECTION: '/nonexistent/connection.json',
      PROVENA_FABRIC_IDENTITIES: identitiesFile([producerOperator]),
    });
    expect(problems).toEqual([
      'PROVENA_FABRIC_CONNECTION: /nonexistent/connection.json cannot be read (ENOENT): `network/network.sh up` ' +
        '(which `npm start` runs) writes it; or set PROVENA_FABRIC_PEER_ENDPOINT, PROVENA_FABRIC_TLS_CA instead',
    ]);
  });

  it('refuses a file that is not JSON without quoting it (a wrong path may name a key file)', () => {
    const file = writeJson('-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n');
    const problems = problemsOf({ PROVENA_INGEST_ORG: 'ProducerMSP', PROVENA_FABRIC_CONNECTION: file });
    expect(problems).toEqual([`PROVENA_FABRIC_CONNECTION: ${file} is not valid JSON`]);
  });

  it('lists every problem of a malformed file at once, naming fields, never repeating values', () => {
    const { content } = network();
    const file = writeJson({
      chaincode: content.chaincode,
      organisations: {
        ...content.organisations,
        CarrierMSP: { peerEndpoint: 'carrier-without-port', peerTlsCaPath: 'relative/tlsca.pem' },
      },
      identities: [
        { ...content.identities[1], role: 'root' },
        { ...content.identities[4], privateKey: 'hunter2-secret' },
      ],
    });
    const problems = problemsOf({
      PROVENA_INGEST_ORG: 'ProducerMSP',
      PROVENA_FABRIC_CONNECTION: file,
      PROVENA_HTTP_PORT: 'eighty',
    });
    const fields = problems.map((p) => p.replace(`PROVENA_FABRIC_CONNECTION: ${file}: `, '').split(':')[0]);
    expect(fields).toEqual(
      expect.arrayContaining([
        'PROVENA_HTTP_PORT',
        'channel',
        'organisations.CarrierMSP.peerEndpoint',
        'organisations.CarrierMSP.peerTlsCaPath',
        'identities.0.role',
        'identities.1',
      ]),
    );
    expect(problems.join('\n')).not.toContain('hunter2');
    expect(problems.join('\n')).not.toContain('carrier-without-port');
  });

  it('refuses paths in the file it cannot read, and identities whose organisation has no peer', () => {
    const { content } = network();
    const file = writeJson({
      ...content,
      identities: [...content.identities.slice(0, 4), { ...content.identities[4], keyPath: '/gone/key.pem' }],
    });
    expect(problemsOf({ PROVENA_INGEST_ORG: 'ProducerMSP', PROVENA_FABRIC_CONNECTION: file })).toEqual([
      `PROVENA_FABRIC_CONNECTION: ${file}: identities.4.keyPath: cannot read /gone/key.pem (ENOENT)`,
    ]);
    const withoutAuditor = Object.fromEntries(
      Object.entries(content.organisations).filter(([org]) => org !== 'AuditorMSP'),
    );
    const noAuditorPeer = writeJson({ ...content, organisations: withoutAuditor });
    expect(
      problemsOf({ PROVENA_INGEST_ORG: 'ProducerMSP', PROVENA_FABRIC_CONNECTION: noAuditorPeer }),
    ).toEqual([
      `PROVENA_FABRIC_CONNECTION: ${noAuditorPeer} lists no peer of AuditorMSP, whose identities it lists`,
    ]);
  });

  it('refuses an ingest organisation without an operator identity in the file', () => {
    const { file } = network();
    expect(problemsOf({ PROVENA_INGEST_ORG: 'AuditorMSP', PROVENA_FABRIC_CONNECTION: file })).toEqual([
      `PROVENA_INGEST_ORG: no operator identity of AuditorMSP in PROVENA_FABRIC_CONNECTION (${file})`,
    ]);
  });

  it('lets the explicit single-peer variables win: the file is not read at all', () => {
    const config = loadGatewayConfig(minimal({ PROVENA_FABRIC_CONNECTION: writeJson('not json') }));
    expect(config.fabric.peers).toEqual({
      ProducerMSP: { endpoint: 'localhost:7051', tlsCaCertPath: '/tls/ca.pem' },
    });
    expect(config.fabric.identities).toEqual([producerOperator]);
    expect(config.fabric).toMatchObject({ channel: 'provena', chaincode: 'provena' });
  });

  it("puts every identity on the explicit peer, and takes explicit identities over the file's", () => {
    const { content, file } = network();
    const onOnePeer = loadGatewayConfig({
      PROVENA_INGEST_ORG: 'ProducerMSP',
      PROVENA_FABRIC_CONNECTION: file,
      PROVENA_FABRIC_PEER_ENDPOINT: 'peer0.example:7051',
      PROVENA_FABRIC_TLS_CA: '/tls/ca.pem',
      PROVENA_FABRIC_PEER_HOST_ALIAS: 'peer0.producer.example',
    });
    const peer = {
      endpoint: 'peer0.example:7051',
      tlsCaCertPath: '/tls/ca.pem',
      hostAlias: 'peer0.producer.example',
    };
    expect(onOnePeer.fabric.peers).toEqual({ ProducerMSP: peer, CarrierMSP: peer, AuditorMSP: peer });
    expect(onOnePeer.fabric.identities).toEqual(content.identities);
    expect(onOnePeer.fabric.channel).toBe('supply');

    const fewerIdentities = loadGatewayConfig({
      PROVENA_INGEST_ORG: 'ProducerMSP',
      PROVENA_FABRIC_CONNECTION: file,
      PROVENA_FABRIC_IDENTITIES: identitiesFile([producerOperator]),
    });
    expect(fewerIdentities.fabric.identities).toEqual([producerOperator]);
    expect(Object.keys(fewerIdentities.fabric.peers)).toEqual(['ProducerMSP', 'CarrierMSP', 'AuditorMSP']);
  });

  it('refuses half of the single-peer form, and a host alias without it', () => {
    const { file } = network();
    const base = { PROVENA_INGEST_ORG: 'ProducerMSP', PROVENA_FABRIC_CONNECTION: file };
    expect(problemsOf({ ...base, PROVENA_FABRIC_PEER_ENDPOINT: 'peer0:7051' })).toEqual([
      'PROVENA_FABRIC_TLS_CA: required with PROVENA_FABRIC_PEER_ENDPOINT',
    ]);
    expect(problemsOf({ ...base, PROVENA_FABRIC_PEER_HOST_ALIAS: 'peer0' })).toEqual([
      'PROVENA_FABRIC_PEER_HOST_ALIAS: applies only with PROVENA_FABRIC_PEER_ENDPOINT',
    ]);
  });
});

describe('PROVENA_FABRIC_KEEPALIVE_MS', () => {
  it("defaults to 120 s, above the peers' default peer.keepalive.minInterval of 60 s", () => {
    expect(loadGatewayConfig(minimal()).fabric.keepaliveMs).toBe(120_000);
    expect(loadGatewayConfig(minimal({ PROVENA_FABRIC_KEEPALIVE_MS: '60000' })).fabric.keepaliveMs).toBe(
      60_000,
    );
  });

  it('refuses 30 s, which peers answer with too_many_pings, naming the peer setting', () => {
    const problems = problemsOf(minimal({ PROVENA_FABRIC_KEEPALIVE_MS: '30000' }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^PROVENA_FABRIC_KEEPALIVE_MS: must be at least 60000: .*peer\.keepalive\.minInterval/,
    );
  });
});

function mkdirp(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('the edge limits (issue 13)', () => {
  it('defaults to bounds on packets, caches, the readiness probe, unauthenticated requests and idempotency keys', () => {
    const config = loadGatewayConfig(minimal());
    expect(config.mqtt.maxPacketBytes).toBe(DEFAULT_MQTT_MAX_PACKET_BYTES);
    expect(DEFAULT_MQTT_MAX_PACKET_BYTES).toBe(3072);
    expect(config.ingest.deviceCacheMaxEntries).toBe(10_000);
    expect(config.http.readyCacheMs).toBe(2000);
    expect(config.api.unauthenticatedRateLimitPerMinute).toBe(60);
    expect(config.api.idempotency).toEqual({ ttlMs: 86_400_000, maxEntries: 10_000 });
  });

  it('takes each from its variable', () => {
    const config = loadGatewayConfig(
      minimal({
        PROVENA_MQTT_MAX_PACKET_BYTES: '4096',
        PROVENA_DEVICE_CACHE_MAX_ENTRIES: '500',
        PROVENA_READY_CACHE_MS: '0',
        PROVENA_UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE: '5',
        PROVENA_IDEMPOTENCY_TTL_MS: '60000',
        PROVENA_IDEMPOTENCY_MAX_KEYS: '7',
      }),
    );
    expect(config.mqtt.maxPacketBytes).toBe(4096);
    expect(config.ingest.deviceCacheMaxEntries).toBe(500);
    expect(config.http.readyCacheMs).toBe(0);
    expect(config.api.unauthenticatedRateLimitPerMinute).toBe(5);
    expect(config.api.idempotency).toEqual({ ttlMs: 60_000, maxEntries: 7 });
  });

  it('refuses a maximum packet size below the largest valid reading, saying why', () => {
    const problems = problemsOf(
      minimal({ PROVENA_MQTT_MAX_PACKET_BYTES: String(LARGEST_READING_PACKET_BYTES - 1) }),
    );
    expect(problems).toEqual([
      `PROVENA_MQTT_MAX_PACKET_BYTES: must be at least ${LARGEST_READING_PACKET_BYTES}: the largest valid signed reading (2048 bytes) on the longest reading topic would never reach the gateway`,
    ]);
    expect(
      loadGatewayConfig(minimal({ PROVENA_MQTT_MAX_PACKET_BYTES: String(LARGEST_READING_PACKET_BYTES) })).mqtt
        .maxPacketBytes,
    ).toBe(LARGEST_READING_PACKET_BYTES);
  });

  it('names every bad limit at once', () => {
    const problems = problemsOf(
      minimal({
        PROVENA_MQTT_MAX_PACKET_BYTES: '300000000',
        PROVENA_DEVICE_CACHE_MAX_ENTRIES: '0',
        PROVENA_READY_CACHE_MS: 'soon',
        PROVENA_UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE: '0',
        PROVENA_IDEMPOTENCY_TTL_MS: '999',
        PROVENA_IDEMPOTENCY_MAX_KEYS: '-1',
      }),
    );
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(
      [
        'PROVENA_DEVICE_CACHE_MAX_ENTRIES',
        'PROVENA_IDEMPOTENCY_MAX_KEYS',
        'PROVENA_IDEMPOTENCY_TTL_MS',
        'PROVENA_MQTT_MAX_PACKET_BYTES',
        'PROVENA_READY_CACHE_MS',
        'PROVENA_UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE',
      ].sort(),
    );
    expect(problems).toContain("PROVENA_MQTT_MAX_PACKET_BYTES: must be at most 268435460, MQTT's own limit");
  });
});
