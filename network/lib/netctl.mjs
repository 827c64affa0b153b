#!/usr/bin/env node
// network.sh's helper for what bash does badly: YAML, JSON, hashing, HTTP health checks and /proc look-ups.
//   render            writes cryptogen's and configtxgen's input and every node's configuration; prints the node table
//   nodes             prints the node table (TSV: kind name port adminPort opsPort org)
//   ccaas-files DIR ORG LABEL [PORT]  writes one organisation's chaincode package files (connection.json,
//                     metadata.json) into DIR; PORT: its server's, when not the organisation's Provena server
//   connection FILE   writes the gateway's connection file
//   chaincode-version prints the version of the built chaincode (a hash of the files it runs)
//   dir-version DIR   the same for another chaincode's folder
//   port-owner PORT   prints which process holds PORT ("pid 123: /usr/bin/x --y"), listening or as a connection's
//                     local end, or nothing
//   person-record FILE MSP NAME ROLE MSPDIR      adds (or replaces) a person in the persons file (persons.json)
//   person-revoked FILE MSP NAME                 marks a person revoked in the persons file
//   crl-config-update DIR MSP CRL                from DIR/block.json (a decoded config block) writes DIR/config.json
//                     and DIR/modified.json, the latter with CRL as MSP's revocation list
//   wrap-config-update DIR CHANNEL               wraps DIR/update.json into DIR/envelope.json (a config update tx)
//   wait-http URL MS  waits until URL answers 200; exit 1 after MS milliseconds
//   wait-raft-leader CHANNEL MS PORT...  waits until one orderer's operations endpoint (on PORT) says it leads the
//                     channel's Raft cluster; prints its port; exit 1 after MS milliseconds
// Settings come from the environment network.sh exports (NET_STATE, NET_BASE_PORT, NET_ORDERERS, ...).

import {
  existsSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
  mkdirSync,
  renameSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  chaincodeConnection,
  chaincodeVersion,
  configtx,
  connectionFile,
  coreYaml,
  cryptoConfig,
  nodesOf,
  ordererYaml,
  readYaml,
  writeYaml,
} from './topology.mjs';

const env = (name) => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
};
const state = () => env('NET_STATE');
const nodes = () => nodesOf(Number(env('NET_BASE_PORT')), Number(env('NET_ORDERERS')));

function table(n) {
  const rows = [
    ...n.orderers.map((o) => ['orderer', o.name, o.port, o.adminPort, o.opsPort, 'OrdererMSP']),
    ...n.peers.map((p) => ['peer', p.name, p.port, p.chaincodeListenPort, p.opsPort, p.org.mspId]),
    ...n.chaincodeServers.map((c) => ['chaincode', c.name, c.port, '-', '-', c.org.mspId]),
    ...n.certificateAuthorities.map((c) => ['ca', c.name, c.port, '-', c.opsPort, c.org.mspId]),
  ];
  return rows.map((r) => r.join('\t')).join('\n') + '\n';
}

function render() {
  const s = state();
  const n = nodes();
  const config = env('FABRIC_CONFIG');
  writeYaml(join(s, 'config', 'crypto-config.yaml'), cryptoConfig());
  writeYaml(join(s, 'config', 'configtx.yaml'), configtx(s, n, env('NET_BATCH_TIMEOUT')));
  const core = readYaml(join(config, 'core.yaml'));
  const orderer = readYaml(join(config, 'orderer.yaml'));
  for (const p of n.peers) {
    writeYaml(join(s, 'nodes', p.name, 'core.yaml'), coreYaml(core, s, p, env('FABRIC_CCAAS_BUILDER')));
  }
  for (const o of n.orderers) writeYaml(join(s, 'nodes', o.name, 'orderer.yaml'), ordererYaml(orderer, s, o));
  process.stdout.write(table(n));
}

function ccaasFiles(dir, orgName, label, port) {
  const found = nodes().chaincodeServers.find((c) => c.org.name === orgName);
  if (!found) throw new Error(`no organisation ${orgName}`);
  const server = port === undefined ? found : { ...found, port: Number(port) };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'connection.json'), JSON.stringify(chaincodeConnection(state(), server), null, 2));
  writeFileSync(join(dir, 'metadata.json'), JSON.stringify({ type: 'ccaas', label }));
}

function listFiles(dir) {
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((f) => statSync(f).isFile() && !f.endsWith('.tsbuildinfo') && !f.endsWith('.map'));
}

function version(repo) {
  const files = [
    ...listFiles(join(repo, 'chaincode', 'dist')),
    ...listFiles(join(repo, 'wire', 'dist')),
    join(repo, 'chaincode', 'package.json'),
    join(repo, 'chaincode', 'collections.json'),
  ];
  process.stdout.write(`${chaincodeVersion(files)}\n`);
}

/** The listening socket's inode from /proc/net/tcp{,6}, then the process holding it from /proc/<pid>/fd. */
async function portOwner(port) {
  const hex = Number(port).toString(16).toUpperCase().padStart(4, '0');
  const listening = new Set();
  const connected = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length <= 9 || !cols[1]?.endsWith(`:${hex}`)) continue;
      // State 0A is LISTEN; TIME_WAIT (06) never stands in a listener's way.
      if (cols[3] === '0A') listening.add(cols[9]);
      else if (cols[3] !== '06') connected.add(cols[9]);
    }
  }
  if (listening.size > 0) {
    process.stdout.write(`${socketHolder(listening) ?? 'a process this user cannot see'}\n`);
    return;
  }
  // No listener, yet a bind can still fail: an outgoing connection's local end holds the port even against
  // SO_REUSEADDR. Connections a stopped node left closing do not (they share its SO_REUSEADDR), so only a bind
  // tried here, with the same option every listener here sets, tells the two apart.
  const refused = await bindRefused(Number(port));
  if (!refused) return;
  const how = ` (as the local end of a connection${ephemeralNote(Number(port))})`;
  const holder = socketHolder(new Set([...connected].filter((inode) => inode !== '0')));
  process.stdout.write(
    `${holder ?? `a connection the kernel still holds (a bind gives ${refused})`}${how}\n`,
  );
}

// "pid N: command" of the process holding one of the sockets `inodes`, or undefined.
function socketHolder(inodes) {
  if (inodes.size === 0) return undefined;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let fds;
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link;
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1])) {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
        return `pid ${pid}: ${cmd}`;
      }
    }
  }
  return undefined;
}

// The error code of listening on 127.0.0.1:port (Node sets SO_REUSEADDR, as Fabric's Go listeners do), or ''.
function bindRefused(port) {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', (err) => done(err.code ?? 'an error'));
    probe.listen(port, '127.0.0.1', () => probe.close(() => done('')));
  });
}

// Where the port lies in the kernel's ephemeral range, says so: any outgoing connection may take it again.
function ephemeralNote(port) {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (port >= low && port <= high) {
      return `; ${port} is in the kernel's ephemeral range ${low}-${high}, from which outgoing connections take their ports: choose a base port below ${low}`;
    }
  } catch {
    // No /proc/sys: nothing to add.
  }
  return '';
}

async function waitHttp(url, ms) {
  const deadline = Date.now() + Number(ms);
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) process.exit(1);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function waitRaftLeader(channel, ms, ports) {
  const deadline = Date.now() + Number(ms);
  const leads = new RegExp(`^consensus_etcdraft_is_leader\\{channel="${channel}"\\} 1$`, 'm');
  for (;;) {
    for (const port of ports) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) });
        if (leads.test(await res.text())) {
          process.stdout.write(`${port}\n`);
          return;
        }
      } catch {
        // not answering yet
      }
    }
    if (Date.now() > deadline) process.exit(1);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The persons file (`persons.json` in the network's folder): every person enrolled with an organisation's Fabric
 * CA, as [{mspId, person, role, certPath, keyPath, enrolledAt, revokedAt}]. The gateway reads it to sign a person's
 * transactions with that person's key.
 */
function readPersons(file) {
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : [];
}
function writePersons(file, persons) {
  writeFileSync(`${file}.tmp`, JSON.stringify(persons, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}
function personRecord(file, mspId, person, role, mspDir) {
  const keystore = join(mspDir, 'keystore');
  const keys = readdirSync(keystore).filter((f) => f.endsWith('_sk'));
  if (keys.length !== 1) throw new Error(`${keystore} holds ${keys.length} keys, expected one`);
  const entry = {
    mspId,
    person,
    role,
    certPath: join(mspDir, 'signcerts', 'cert.pem'),
    keyPath: join(keystore, keys[0]),
    enrolledAt: new Date().toISOString(),
    revokedAt: null,
  };
  const persons = readPersons(file).filter((p) => !(p.mspId === mspId && p.person === person));
  writePersons(file, [...persons, entry]);
}
function personRevoked(file, mspId, person) {
  const persons = readPersons(file);
  const found = persons.find((p) => p.mspId === mspId && p.person === person);
  if (!found) throw new Error(`${file} lists no person ${person} of ${mspId}`);
  found.revokedAt = new Date().toISOString();
  writePersons(file, persons);
}

/** The channel config with `crlPem` as the organisation's MSP revocation list (what Fabric checks identities by). */
function crlConfigUpdate(dir, mspId, crlFile) {
  const block = JSON.parse(readFileSync(join(dir, 'block.json'), 'utf8'));
  const config = block.data.data[0].payload.data.config;
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const modified = structuredClone(config);
  const org = modified.channel_group.groups.Application.groups[mspId];
  if (!org) throw new Error(`the channel has no application organisation ${mspId}`);
  org.values.MSP.value.config.revocation_list = [readFileSync(crlFile).toString('base64')];
  writeFileSync(join(dir, 'modified.json'), JSON.stringify(modified));
}
function wrapConfigUpdate(dir, channel) {
  const update = JSON.parse(readFileSync(join(dir, 'update.json'), 'utf8'));
  const envelope = {
    payload: {
      header: { channel_header: { channel_id: channel, type: 2 } },
      data: { config_update: update },
    },
  };
  writeFileSync(join(dir, 'envelope.json'), JSON.stringify(envelope));
}

const [command, ...args] = process.argv.slice(2);
try {
  switch (command) {
    case 'render':
      render();
      break;
    case 'nodes':
      process.stdout.write(table(nodes()));
      break;
    case 'ccaas-files':
      ccaasFiles(args[0], args[1], args[2], args[3]);
      break;
    case 'connection':
      writeFileSync(args[0], JSON.stringify(connectionFile(state(), nodes()), null, 2) + '\n');
      break;
    case 'chaincode-version':
      version(args[0]);
      break;
    case 'dir-version':
      process.stdout.write(
        `${chaincodeVersion(listFiles(args[0]).filter((f) => !f.includes('/node_modules/')))}\n`,
      );
      break;
    case 'port-owner':
      await portOwner(args[0]);
      break;
    case 'person-record':
      personRecord(args[0], args[1], args[2], args[3], args[4]);
      break;
    case 'person-revoked':
      personRevoked(args[0], args[1], args[2]);
      break;
    case 'crl-config-update':
      crlConfigUpdate(args[0], args[1], args[2]);
      break;
    case 'wrap-config-update':
      wrapConfigUpdate(args[0], args[1]);
      break;
    case 'wait-raft-leader':
      await waitRaftLeader(args[0], args[1], args.slice(2));
      break;
    case 'wait-http':
      await waitHttp(args[0], args[1]);
      break;
    default:
      throw new Error(`unknown command ${command}`);
  }
} catch (err) {
  process.stderr.write(`netctl ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
