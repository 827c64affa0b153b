import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { publicKeyPem } from '@provena/wire';
import { deviceJson, PRODUCER } from '../../chaincode/src/testing/transaction-arguments';
import type { DeviceRecord } from '../../chaincode/src/device.model';
import { freeBasePort, networkScript, nodePid, testNetwork } from '../support/fabric-network.harness';
import { connectAs, evaluate, submit } from './fabric-clients';

// What an operator of the network relies on: `up` is idempotent and resumes what stopped, from the ledgers on
// disk; `status` tells what runs; `down` stops exactly what `up` started; a taken port is named, not fought over.

const NETWORK_SH = resolve(__dirname, '../../network/network.sh');
const net = testNetwork();
const RUN = Date.now().toString(36);

function script(dir: string, basePort: number, ...args: string[]) {
  const result = spawnSync('bash', [NETWORK_SH, ...args], {
    env: { ...process.env, PROVENA_NETWORK_DIR: dir, PROVENA_NETWORK_BASE_PORT: String(basePort) },
    encoding: 'utf8',
    timeout: 10 * 60_000,
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function registerOne(id: string): Promise<DeviceRecord> {
  const admin = connectAs(net.connection, PRODUCER, 'admin');
  try {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return (
      await submit<DeviceRecord>(
        admin,
        'device:RegisterDevice',
        deviceJson({ deviceId: id, publicKeyPem: publicKeyPem(publicKey) }),
      )
    ).result;
  } finally {
    admin.close();
  }
}

it('says it is already up, and changes nothing, when everything runs', () => {
  const before = nodePid(net.dir, 'orderer1');
  const again = script(net.dir, net.basePort, 'up');
  expect(again.code).toBe(0);
  expect(again.out).toContain('already up');
  expect(nodePid(net.dir, 'orderer1')).toBe(before);
  expect(script(net.dir, net.basePort, 'status').code).toBe(0);
});

it('reports a killed chaincode server, and up starts it again', async () => {
  const killed = nodePid(net.dir, 'chaincode-carrier');
  process.kill(killed, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 300));
  const status = script(net.dir, net.basePort, 'status');
  expect(status.code).toBe(6);
  expect(status.out).toMatch(/chaincode-carrier\s+chaincode\s+CarrierMSP\s+\d+\s+stopped/);

  const resumed = script(net.dir, net.basePort, 'up');
  expect(resumed.code).toBe(0);
  expect(resumed.out).toContain('nothing to deploy');
  expect(nodePid(net.dir, 'chaincode-carrier')).not.toBe(killed);
  // Both members endorse again: a write goes through.
  expect((await registerOne(`after-cc-restart-${RUN}`)).status).toBe('active');
});

it('stops every process on down, and resumes the same ledger on up', async () => {
  const pids = ['orderer1', 'peer0-producer', 'peer0-carrier', 'peer0-auditor', 'chaincode-producer'].map(
    (n) => nodePid(net.dir, n),
  );
  networkScript(net.dir, net.basePort, 'down');
  expect(pids.filter(alive)).toEqual([]);
  expect(script(net.dir, net.basePort, 'status').code).toBe(6);

  const up = networkScript(net.dir, net.basePort, 'up');
  expect(up).toContain('nothing to deploy');
  // What was committed before the stop is still there, read through the auditor's own peer.
  const reader = connectAs(net.connection, 'AuditorMSP', 'auditor');
  try {
    const device = await evaluate<DeviceRecord>(reader, 'device:GetDevice', `after-cc-restart-${RUN}`);
    expect(device.status).toBe('active');
  } finally {
    reader.close();
  }
  expect((await registerOne(`after-down-up-${RUN}`)).status).toBe('active');
});

it('refuses to start on a port another process holds, naming the port and the process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'provena-taken-'));
  const base = await freeBasePort();
  const { createServer } = await import('node:net');
  const squatter = createServer();
  await new Promise<void>((r) => squatter.listen(base + 30, '127.0.0.1', r));
  let downed = false;
  try {
    const result = script(dir, base, 'up');
    // The exit code with the output, so that a failure shows what the script said.
    expect({ code: result.code, out: result.out }).toEqual({ code: 3, out: expect.any(String) });
    expect(result.out).toContain(
      `port ${base + 30}, wanted by peer0-producer, is in use by pid ${process.pid}`,
    );
    // What it had started before it stopped is said, and stops cleanly.
    expect(result.out).toContain('the network is half up: running orderer1');
    const down = script(dir, base, 'down', '--wipe');
    downed = true;
    expect({ code: down.code, out: down.out }).toEqual({ code: 0, out: expect.any(String) });
  } finally {
    // A failed assertion must not leave the half-up network's orderers and CAs running under the rest of the tier.
    if (!downed) script(dir, base, 'down', '--wipe');
    squatter.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

it('refuses an endorsement setting it does not know, before starting anything', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'provena-policy-'));
  try {
    const result = spawnSync('bash', [NETWORK_SH, 'up'], {
      env: {
        ...process.env,
        PROVENA_NETWORK_DIR: dir,
        PROVENA_NETWORK_BASE_PORT: String(await freeBasePort()),
        PROVENA_NETWORK_ENDORSEMENT: 'majority',
      },
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("the endorsement must be all-members or any-member, not 'majority'");
    expect(existsSync(join(dir, 'run'))).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
