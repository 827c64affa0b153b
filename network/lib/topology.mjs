// The native network's one table of organisations, nodes and ports, and everything derived from it: cryptogen's
// input, configtx.yaml, one core.yaml per peer and one orderer.yaml per orderer (from Fabric's own sampleconfig,
// every path absolute), the chaincode-as-a-service packages' connection settings, and the gateway's connection file.
// network.sh runs the Fabric binaries and processes; this file decides what they are configured with.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';

export const CHANNEL = 'provena';
export const CHAINCODE = 'provena';
export const DOMAIN = 'provena.local';

/**
 * Who endorses a transaction. Both member organisations' peers run the chaincode on every write, so a reading
 * (and every custody step) is on the ledger only if the producer's and the carrier's peers each re-checked the
 * device signature and the compliance rules: neither company can write a fact the other did not verify. The
 * auditor endorses nothing: it reads its own copy of the ledger, so what it reports depends on neither member's
 * peer.
 */
export const ENDORSEMENT_POLICY = "AND('ProducerMSP.peer','CarrierMSP.peer')";

/** Peer organisations: MSP id, folder name, offset of its ports from the base port. */
export const PEER_ORGS = [
  { mspId: 'ProducerMSP', name: 'producer', offset: 30, endorses: true },
  { mspId: 'CarrierMSP', name: 'carrier', offset: 40, endorses: true },
  { mspId: 'AuditorMSP', name: 'auditor', offset: 50, endorses: false },
];

/**
 * Every node's ports, from one base port. Orderer n: base + 10(n-1) (+1 admin, +2 operations). A peer
 * organisation's block: peer +0, chaincode listener +1, operations +2, the organisation's chaincode server +3, its
 * Fabric CA +5 (operations +6).
 */
export function nodesOf(basePort, ordererCount) {
  const orderers = Array.from({ length: ordererCount }, (_, i) => {
    const port = basePort + 10 * i;
    return {
      name: `orderer${i + 1}`,
      kind: 'orderer',
      host: `orderer${i + 1}.orderer.${DOMAIN}`,
      port,
      adminPort: port + 1,
      opsPort: port + 2,
    };
  });
  const peers = PEER_ORGS.map((org) => {
    const port = basePort + org.offset;
    return {
      name: `peer0-${org.name}`,
      kind: 'peer',
      org,
      host: `peer0.${org.name}.${DOMAIN}`,
      port,
      chaincodeListenPort: port + 1,
      opsPort: port + 2,
    };
  });
  const chaincodeServers = PEER_ORGS.map((org) => ({
    name: `chaincode-${org.name}`,
    kind: 'chaincode',
    org,
    port: basePort + org.offset + 3,
  }));
  // +4 is the benchmark's second chaincode server (network.sh deploy --chaincode).
  const certificateAuthorities = PEER_ORGS.map((org) => ({
    name: `ca-${org.name}`,
    kind: 'ca',
    org,
    port: basePort + org.offset + 5,
    opsPort: basePort + org.offset + 6,
  }));
  return { orderers, peers, chaincodeServers, certificateAuthorities };
}

const abs = (state, ...parts) => join(state, ...parts);
const ordererOrgDir = (state) => abs(state, 'crypto', 'ordererOrganizations', `orderer.${DOMAIN}`);
const peerOrgDir = (state, org) => abs(state, 'crypto', 'peerOrganizations', `${org.name}.${DOMAIN}`);

/** Where cryptogen puts a node's, an admin's or a user's MSP and TLS material. */
export const paths = {
  ordererOrgDir,
  peerOrgDir,
  ordererNode: (state, o) => join(ordererOrgDir(state), 'orderers', o.host),
  ordererTlsCa: (state) => join(ordererOrgDir(state), 'tlsca', `tlsca.orderer.${DOMAIN}-cert.pem`),
  ordererAdminTls: (state) => join(ordererOrgDir(state), 'users', `Admin@orderer.${DOMAIN}`, 'tls'),
  peerNode: (state, p) => join(peerOrgDir(state, p.org), 'peers', p.host),
  peerTlsCa: (state, org) => join(peerOrgDir(state, org), 'tlsca', `tlsca.${org.name}.${DOMAIN}-cert.pem`),
  user: (state, org, user) => join(peerOrgDir(state, org), 'users', `${user}@${org.name}.${DOMAIN}`, 'msp'),
};

export function cryptoConfig() {
  // Everything listens on 127.0.0.1 and nothing resolves these names: the addresses go in as SANs.
  const sans = ['localhost', '127.0.0.1'];
  return {
    OrdererOrgs: [
      {
        Name: 'Orderer',
        Domain: `orderer.${DOMAIN}`,
        EnableNodeOUs: true,
        Specs: [1, 2, 3].map((n) => ({ Hostname: `orderer${n}`, SANS: sans })),
      },
    ],
    PeerOrgs: PEER_ORGS.map((org) => ({
      Name: org.mspId.replace(/MSP$/, ''),
      Domain: `${org.name}.${DOMAIN}`,
      // The chaincode tells roles apart by NodeOU: admin manages devices, client ("operator") runs shipments.
      EnableNodeOUs: true,
      Specs: [{ Hostname: 'peer0', SANS: sans }],
      Users: { Count: 1 },
    })),
  };
}

function signature(rule) {
  return { Type: 'Signature', Rule: rule };
}
function implicit(rule) {
  return { Type: 'ImplicitMeta', Rule: rule };
}

export function configtx(state, nodes, batchTimeout) {
  const ordererOrg = {
    Name: 'OrdererMSP',
    ID: 'OrdererMSP',
    MSPDir: join(ordererOrgDir(state), 'msp'),
    Policies: {
      Readers: signature("OR('OrdererMSP.member')"),
      Writers: signature("OR('OrdererMSP.member')"),
      Admins: signature("OR('OrdererMSP.admin')"),
    },
    OrdererEndpoints: nodes.orderers.map((o) => `127.0.0.1:${o.port}`),
  };
  const peerOrgs = nodes.peers.map((p) => {
    const id = p.org.mspId;
    return {
      Name: id,
      ID: id,
      MSPDir: join(peerOrgDir(state, p.org), 'msp'),
      Policies: {
        Readers: signature(`OR('${id}.admin','${id}.peer','${id}.client')`),
        Writers: signature(`OR('${id}.admin','${id}.client')`),
        Admins: signature(`OR('${id}.admin')`),
        Endorsement: signature(`OR('${id}.peer')`),
      },
      // In the genesis block itself, so cross-organisation gossip and discovery work without an update transaction.
      AnchorPeers: [{ Host: '127.0.0.1', Port: p.port }],
    };
  });
  const application = {
    Organizations: peerOrgs,
    Policies: {
      Readers: implicit('ANY Readers'),
      Writers: implicit('ANY Writers'),
      Admins: implicit('MAJORITY Admins'),
      // Chaincode definitions: two of the three organisations approve and endorse the commit.
      LifecycleEndorsement: implicit('MAJORITY Endorsement'),
      Endorsement: implicit('MAJORITY Endorsement'),
    },
    Capabilities: { V2_5: true },
  };
  const orderer = {
    OrdererType: 'etcdraft',
    Addresses: [],
    EtcdRaft: {
      Consenters: nodes.orderers.map((o) => {
        const tls = join(paths.ordererNode(state, o), 'tls', 'server.crt');
        return { Host: '127.0.0.1', Port: o.port, ClientTLSCert: tls, ServerTLSCert: tls };
      }),
    },
    // Latency-sensitive ingest: a block is cut at most this long after its first transaction (Fabric's default
    // is 2 s; FACTS.md measured 200 ms → 235 ms commit for one reading).
    BatchTimeout: batchTimeout,
    BatchSize: { MaxMessageCount: 500, AbsoluteMaxBytes: '64 MB', PreferredMaxBytes: '4 MB' },
    Organizations: [ordererOrg],
    Policies: {
      Readers: implicit('ANY Readers'),
      Writers: implicit('ANY Writers'),
      Admins: implicit('MAJORITY Admins'),
      BlockValidation: implicit('ANY Writers'),
    },
    Capabilities: { V2_0: true },
  };
  return {
    Profiles: {
      ProvenaChannel: {
        Policies: {
          Readers: implicit('ANY Readers'),
          Writers: implicit('ANY Writers'),
          Admins: implicit('MAJORITY Admins'),
        },
        Capabilities: { V3_0: true },
        Orderer: orderer,
        Application: application,
      },
    },
  };
}

/**
 * Sets `value` at a dotted path of a parsed YAML document. The parent must exist in sampleconfig (a typo then fails
 * loudly); the last key may be new, since sampleconfig leaves some optional settings commented out.
 */
function set(doc, dotted, value) {
  const keys = dotted.split('.');
  let node = doc;
  for (const key of keys.slice(0, -1)) {
    if (node[key] === undefined || node[key] === null || typeof node[key] !== 'object') {
      throw new Error(`sampleconfig has no ${dotted}`);
    }
    node = node[key];
  }
  node[keys[keys.length - 1]] = value;
}

export function coreYaml(sample, state, peer, ccaasBuilder) {
  const doc = structuredClone(sample);
  const node = paths.peerNode(state, peer);
  const data = abs(state, 'nodes', peer.name);
  const address = `127.0.0.1:${peer.port}`;
  const settings = {
    'peer.id': peer.host,
    'peer.networkId': 'provena',
    'peer.listenAddress': address,
    'peer.address': address,
    'peer.chaincodeListenAddress': `127.0.0.1:${peer.chaincodeListenPort}`,
    'peer.chaincodeAddress': `127.0.0.1:${peer.chaincodeListenPort}`,
    'peer.localMspId': peer.org.mspId,
    'peer.mspConfigPath': join(node, 'msp'),
    'peer.fileSystemPath': join(data, 'ledger'),
    'peer.gossip.bootstrap': address,
    'peer.gossip.externalEndpoint': address,
    // Right after a channel join, gossip dials the other organisations before their TLS roots are installed and
    // then waits this long to retry (25 s by default); 2 s brings membership, and so endorsement, within seconds.
    'peer.gossip.reconnectInterval': '2s',
    'peer.tls.enabled': true,
    'peer.tls.cert.file': join(node, 'tls', 'server.crt'),
    'peer.tls.key.file': join(node, 'tls', 'server.key'),
    'peer.tls.rootcert.file': join(node, 'tls', 'ca.crt'),
    'peer.tls.clientCert.file': join(node, 'tls', 'server.crt'),
    'peer.tls.clientKey.file': join(node, 'tls', 'server.key'),
    'peer.BCCSP.SW.FileKeyStore.KeyStore': join(node, 'msp', 'keystore'),
    // Kept at Fabric's 60 s: clients must not ping more often (the gateway's PROVENA_FABRIC_KEEPALIVE_MS).
    'peer.keepalive.minInterval': '60s',
    'vm.endpoint': '',
    'chaincode.externalBuilders': [
      { name: 'ccaas', path: ccaasBuilder, propagateEnvironment: ['CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG'] },
    ],
    // Fabric 3.1's defaults, set here because the chaincode servers are told to rely on them (PROVENA_STATE_BATCH,
    // chaincode/src/state-batch.ts): many keys read, and a transaction's writes sent, in one message.
    'chaincode.runtimeParams.useWriteBatch': true,
    'chaincode.runtimeParams.useGetMultipleKeys': true,
    'ledger.snapshots.rootDir': join(data, 'snapshots'),
    'operations.listenAddress': `127.0.0.1:${peer.opsPort}`,
    'metrics.provider': 'prometheus',
  };
  for (const [key, value] of Object.entries(settings)) set(doc, key, value);
  return doc;
}

export function ordererYaml(sample, state, orderer) {
  const doc = structuredClone(sample);
  const node = paths.ordererNode(state, orderer);
  const data = abs(state, 'nodes', orderer.name);
  const tlsCa = paths.ordererTlsCa(state);
  const cert = join(node, 'tls', 'server.crt');
  const key = join(node, 'tls', 'server.key');
  const settings = {
    'General.ListenAddress': '127.0.0.1',
    'General.ListenPort': orderer.port,
    'General.TLS.Enabled': true,
    'General.TLS.PrivateKey': key,
    'General.TLS.Certificate': cert,
    'General.TLS.RootCAs': [tlsCa],
    // Raft shares the main listener and its TLS certificate; the client side presents the same certificate.
    'General.Cluster.ClientCertificate': cert,
    'General.Cluster.ClientPrivateKey': key,
    'General.BootstrapMethod': 'none',
    'General.LocalMSPDir': join(node, 'msp'),
    'General.LocalMSPID': 'OrdererMSP',
    'General.BCCSP.SW.FileKeyStore.KeyStore': join(node, 'msp', 'keystore'),
    'FileLedger.Location': join(data, 'ledger'),
    'Consensus.WALDir': join(data, 'etcdraft', 'wal'),
    'Consensus.SnapDir': join(data, 'etcdraft', 'snapshot'),
    'Operations.ListenAddress': `127.0.0.1:${orderer.opsPort}`,
    'Metrics.Provider': 'prometheus',
    'Admin.ListenAddress': `127.0.0.1:${orderer.adminPort}`,
    'Admin.TLS.Enabled': true,
    'Admin.TLS.PrivateKey': key,
    'Admin.TLS.Certificate': cert,
    'Admin.TLS.RootCAs': [tlsCa],
    // The orderer refuses to start with admin TLS but no client authentication.
    'Admin.TLS.ClientAuthRequired': true,
    'Admin.TLS.ClientRootCAs': [tlsCa],
    'ChannelParticipation.Enabled': true,
  };
  for (const [k, value] of Object.entries(settings)) set(doc, k, value);
  return doc;
}

/**
 * The chaincode-as-a-service package of one organisation: where its peer finds that organisation's chaincode
 * server, with mutual TLS (the peer presents its own TLS certificate; the server's is signed by the org's TLS CA).
 */
export function chaincodeConnection(state, server) {
  const tls = abs(state, 'chaincode', server.org.name, 'tls');
  const peer = paths.peerNode(state, { org: server.org, host: `peer0.${server.org.name}.${DOMAIN}` });
  return {
    address: `127.0.0.1:${server.port}`,
    dial_timeout: '10s',
    tls_required: true,
    client_auth_required: true,
    client_key: readFileSync(join(peer, 'tls', 'server.key'), 'utf8'),
    client_cert: readFileSync(join(peer, 'tls', 'server.crt'), 'utf8'),
    root_cert: readFileSync(join(tls, 'ca.crt'), 'utf8'),
  };
}

/** The gateway's connection file: each organisation's peer, and the identities the gateway may act as. */
export function connectionFile(state, nodes) {
  const keyOf = (msp) => join(msp, 'keystore', 'priv_sk');
  const certOf = (msp, name) => join(msp, 'signcerts', `${name}-cert.pem`);
  const identities = [];
  for (const org of PEER_ORGS) {
    const admin = paths.user(state, org, 'Admin');
    const user = paths.user(state, org, 'User1');
    const userCert = certOf(user, `User1@${org.name}.${DOMAIN}`);
    if (org.endorses) {
      identities.push({
        mspId: org.mspId,
        role: 'admin',
        certPath: certOf(admin, `Admin@${org.name}.${DOMAIN}`),
        keyPath: keyOf(admin),
      });
      identities.push({ mspId: org.mspId, role: 'operator', certPath: userCert, keyPath: keyOf(user) });
    } else {
      identities.push({ mspId: org.mspId, role: 'auditor', certPath: userCert, keyPath: keyOf(user) });
    }
  }
  return {
    channel: CHANNEL,
    chaincode: CHAINCODE,
    organisations: Object.fromEntries(
      nodes.peers.map((p) => [
        p.org.mspId,
        { peerEndpoint: `127.0.0.1:${p.port}`, peerTlsCaPath: paths.peerTlsCa(state, p.org) },
      ]),
    ),
    identities,
  };
}

/** A version of the chaincode that changes exactly when its code does: the built files it runs. */
export function chaincodeVersion(files) {
  const hash = createHash('sha256');
  for (const file of [...files].sort()) {
    hash.update(file);
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}

export function writeYaml(file, doc) {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, yaml.dump(doc, { lineWidth: -1, noRefs: true }));
}

export function readYaml(file) {
  return yaml.load(readFileSync(file, 'utf8'));
}
