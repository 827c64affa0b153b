import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomInt, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { common, peer } from '@hyperledger/fabric-protos';
import { canonicalJson, publicKeyPem, readingHash, sealReading, type SignedReading } from '@provena/wire';
import { connectAs, type FabricClient } from '../../test/fabric/fabric-clients';
import { testNetwork } from '../../test/support/fabric-network.harness';
import { certificatePair } from '../src/testing/test-certificates';
import type { AuditorPeer } from '../src/verify/auditor-peer.port';
import { newFabricAuditorPeer } from '../src/verify/fabric-auditor-peer.adapter';
import { newVerifier } from '../src/verify/verifier';
import { loadVerifyConfig } from '../src/verify/verify-config';
import type { VerifyReport, VerifyTarget } from '../src/verify/verify-report';
import { newLedgerUnderTest, runId } from './ledger-under-test';
import { peerSigningKey, signingKey, submitForged } from './verify-forgery';

// provena-verify (issue 15, item 1) against the native Fabric test network: the data is made through the ledger
// port (FabricLedgerAdapter, endorsed by both member organisations), the verifier reads blocks from the auditor's
// own peer and trusts only the genesis block the network was created from. Each tampering case is made for real
// where it can be: a block file on the auditor's peer altered on disk, and transactions committed VALID by the
// peers although their write sets were forged by colluding endorsers (both member peers' keys sign them). Only
// endorsement signature bytes altered inside a block come through a block source that alters what the peer
// returns, because peers refuse to commit such a transaction at all.

const net = testNetwork();
const config = loadVerifyConfig({ PROVENA_FABRIC_CONNECTION: net.connectionFile });
const genesisBlock = readFileSync(config.genesisBlockPath);
const PRODUCER = 'ProducerMSP';
const CARRIER = 'CarrierMSP';
const admin = { org: PRODUCER, role: 'admin' } as const;
const operator = { org: PRODUCER, role: 'operator' } as const;
const CLI = resolve(__dirname, '../dist/verify/verify-cli.js');

const ledger = newLedgerUnderTest();
let producer: FabricClient;
let auditorPeer: AuditorPeer;

beforeAll(() => {
  producer = connectAs(net.connection, PRODUCER, 'operator');
  auditorPeer = newFabricAuditorPeer(config.peer);
});

afterAll(async () => {
  producer?.close();
  auditorPeer?.close();
  await ledger.close();
});

const verify = (target: VerifyTarget, peerSource: AuditorPeer = auditorPeer): Promise<VerifyReport> =>
  newVerifier({
    peer: peerSource,
    genesisBlock,
    channel: config.peer.channel,
    chaincode: config.peer.chaincode,
  }).verify(target);

/** Waits until the auditor's peer holds block `number` (it commits at its own pace). */
async function auditorHas(number: bigint): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await auditorPeer.chainHeight()) <= number) {
    if (Date.now() > deadline) throw new Error(`the auditor's peer did not reach block ${number}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A device with a key pair of its own, registered through the ledger port. */
async function registerDevice(name: string): Promise<{ deviceId: string; key: KeyObject }> {
  const deviceId = runId(name);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await ledger.submit(admin, 'device:RegisterDevice', [
    JSON.stringify({ deviceId, publicKeyPem: publicKeyPem(publicKey), ownerOrg: PRODUCER, kind: 'logger' }),
  ]);
  return { deviceId, key: privateKey };
}

function readings(
  deviceId: string,
  key: KeyObject,
  seqs: readonly number[],
  options: { shipmentId?: string; temperature?: (seq: number) => number } = {},
): SignedReading[] {
  const start = Date.now() - 3_600_000;
  return seqs.map((seq) =>
    sealReading(
      {
        v: 1,
        deviceId,
        seq,
        measuredAt: start + seq * 1_000,
        ...(options.shipmentId !== undefined && { shipmentId: options.shipmentId }),
        measurements: { temperatureC: options.temperature?.(seq) ?? 4 + (seq % 5) * 0.5 },
      },
      key,
    ),
  );
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function record(batch: readonly SignedReading[]): Promise<bigint> {
  const committed = await ledger.submit<{ accepted: number }>(operator, 'reading:RecordReadings', [
    JSON.stringify(batch),
  ]);
  expect(committed.result.accepted).toBe(batch.length);
  return committed.blockNumber;
}

function runCli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, PROVENA_FABRIC_CONNECTION: net.connectionFile },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const codes = (report: VerifyReport): string[] => [...new Set(report.failures.map((f) => f.code))].sort();

describe('provena-verify on the Fabric test network', () => {
  describe('a clean shipment', () => {
    const shipmentId = runId('verify-shipment');
    let deviceId: string;

    beforeAll(async () => {
      const device = await registerDevice('verify-reefer');
      deviceId = device.deviceId;
      await ledger.submit(operator, 'shipment:CreateShipment', [
        JSON.stringify({
          shipmentId,
          productCode: 'VACCINE-1',
          quantity: 40,
          origin: 'Basel',
          destination: 'Rotterdam',
          complianceProfile: { temperatureC: { min: 2, max: 8 } },
        }),
      ]);
      await ledger.submit(operator, 'shipment:AttachDevices', [shipmentId, JSON.stringify([deviceId])]);
      // Reading 42 breaks the 8 °C limit: a breach the custodian must settle before the hand-over.
      await record(
        readings(deviceId, device.key, range(1, 60), {
          shipmentId,
          temperature: (s) => (s === 42 ? 9.3 : 5),
        }),
      );
      // From sequence 61 on the device signs with a new key: the verifier must pick each reading's own key.
      const rotated = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      await ledger.submit(admin, 'device:RotateDeviceKey', [deviceId, publicKeyPem(rotated.publicKey), '61']);
      await record(readings(deviceId, rotated.privateKey, range(61, 120), { shipmentId }));
      const provenance = await ledger.evaluate<{ breaches: { breachId: string }[] }>(
        operator,
        'shipment:GetShipmentProvenance',
        [shipmentId],
      );
      expect(provenance.breaches).toHaveLength(1);
      await ledger.submit(operator, 'shipment:RecordBreachDisposition', [
        shipmentId,
        JSON.stringify(provenance.breaches.map((b) => b.breachId)),
        'release',
        'probe error, product checked',
      ]);
      await ledger.submit(operator, 'shipment:OfferCustody', [shipmentId, CARRIER]);
      const accepted = await ledger.submit({ org: CARRIER, role: 'operator' }, 'shipment:AcceptCustody', [
        shipmentId,
      ]);
      await auditorHas(accepted.blockNumber);
    });

    it('verifies: 120 readings under two keys, a breach and its disposition, and the custody hand-over', async () => {
      const report = await verify({ kind: 'shipment', shipmentId });
      expect(report.failures).toEqual([]);
      expect(report.verified).toBe(true);
      expect(report.readings).toEqual({ verified: 120, devices: [deviceId] });
      expect(report.endorsementPolicies).toEqual([
        expect.stringMatching(
          /^AND\('ProducerMSP\.peer','CarrierMSP\.peer'\) \(chaincode definition in block \d+\)$/,
        ),
      ]);
      expect(report.checks.DEVICE_SIGNATURE).toEqual({ ran: 120, failed: 0 });
      expect(report.checks.HASH_CHAIN_BROKEN).toEqual({ ran: Number(report.chain.lastBlock), failed: 0 });
      expect(report.checks.ORDERER_SIGNATURE.ran).toBe(Number(report.chain.lastBlock));
      const roles = report.transactions.map((t) => t.role);
      expect(roles).toEqual(
        expect.arrayContaining([
          'shipment created',
          'custody offered',
          'custody accepted',
          `readings of device ${deviceId}`,
          `record of device ${deviceId}`,
          'definition of chaincode provena',
        ]),
      );
      // Registration and rotation both: readings 1–60 rest on the first, 61–120 on the second.
      expect(roles.filter((r) => r === `record of device ${deviceId}`)).toHaveLength(2);
      for (const tx of report.transactions.filter((t) => t.fn !== '' && !t.role.startsWith('definition'))) {
        expect(tx.endorsers.map((e) => e.split(' ')[0]).sort()).toEqual([
          'CarrierMSP.peer',
          'ProducerMSP.peer',
        ]);
      }
    });

    it('verifies through the command line: exit 0, the human summary, and a JSON report with --json', () => {
      const human = runCli('shipment', shipmentId);
      expect(human.stderr).not.toMatch(/provena-verify:/);
      expect(human.status).toBe(0);
      expect(human.stdout).toMatch(
        /\u2713 device signatures verified with the key then registered: 120 of 120/,
      );
      expect(human.stdout).toMatch(/VERIFIED in \d+\.\d\d s\n$/);
      const json = runCli('--json', 'reading', deviceId, '61');
      expect(json.status).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({
        verified: true,
        target: { kind: 'reading', deviceId, seq: 61 },
        readings: { verified: 1 },
        failures: [],
      });
    });

    it('says NOT_FOUND with exit 4 for a reading the ledger does not hold', () => {
      const missing = runCli('reading', deviceId, '999');
      expect(missing.status).toBe(4);
      expect(missing.stderr).toMatch(/^provena-verify: NOT_FOUND: reading:GetReading: /m);
    });
  });

  it("catches a block file altered on disk: the auditor's peer serves the altered block and its data hash no longer matches", async () => {
    const { deviceId, key } = await registerDevice('verify-disk');
    // A value that occurs nowhere else in the block file (random per run), so the bytes changed are this reading's;
    // five decimals, the last not 0, so JSON writes it exactly so.
    const marker = `3.${String(randomInt(10_000)).padStart(4, '0')}${1 + randomInt(9)}`;
    const alteredMarker = `9${marker.slice(1)}`;
    const block = await record(readings(deviceId, key, [1], { temperature: () => Number(marker) }));
    await auditorHas(block);
    const file = join(
      net.dir,
      'nodes',
      'peer0-auditor',
      'ledger',
      'ledgersData',
      'chains',
      'chains',
      config.peer.channel,
    );
    const blockFile = join(
      file,
      readdirSync(file)
        .filter((f) => f.startsWith('blockfile_'))
        .sort()
        .pop()!,
    );
    const original = readFileSync(blockFile);
    const text = original.toString('latin1');
    // Twice: in the proposal's arguments and in the write set. Same length, so the peer's index still fits.
    expect(text.split(marker).length - 1).toBe(2);
    writeFileSync(blockFile, Buffer.from(text.split(marker).join(alteredMarker), 'latin1'));
    try {
      const report = await verify({ kind: 'reading', deviceId, seq: 1 });
      expect(report.verified).toBe(false);
      const where = `block ${block}`;
      expect(report.failures).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            code: 'DATA_HASH_MISMATCH',
            block: String(block),
            message: expect.stringMatching(
              new RegExp(
                `^${where}: data_hash [0-9a-f]{64} in the header does not match the SHA-256 of its \\d+ transaction\\(s\\) \\([0-9a-f]{64}\\): the block's contents were altered$`,
              ),
            ),
          }),
          // The altered bytes are inside what the endorsers, the client and the device signed.
          expect.objectContaining({
            code: 'ENDORSEMENT_INVALID',
            message: expect.stringContaining('does not verify'),
          }),
          expect.objectContaining({ code: 'CREATOR_SIGNATURE' }),
          expect.objectContaining({
            code: 'DEVICE_SIGNATURE',
            message: expect.stringContaining(`reading 1 of device ${deviceId} (block ${block}`),
          }),
          // The peer's state database still holds what was committed: it disagrees with the altered block.
          expect.objectContaining({ code: 'STATE_MISMATCH' }),
        ]),
      );
      // The header itself is intact, so the chain's links and the orderer's signature over the header still hold.
      expect(report.checks.HASH_CHAIN_BROKEN.failed).toBe(0);
      expect(report.checks.ORDERER_SIGNATURE.failed).toBe(0);
    } finally {
      writeFileSync(blockFile, original);
    }
    // Restored, the same verification passes: the failures above came from the altered bytes alone.
    expect((await verify({ kind: 'reading', deviceId, seq: 1 })).failures).toEqual([]);
  });

  it("catches a reading whose value was changed after signing, committed VALID by colluding endorsers: only the device's signature exposes it", async () => {
    const { deviceId, key } = await registerDevice('verify-changed');
    const changedKey = `reading/${deviceId}/${'2'.padStart(16, '0')}`;
    const forged = await submitForged(
      producer,
      'reading:RecordReadings',
      [JSON.stringify(readings(deviceId, key, [1, 2, 3]))],
      {
        edit: (kv) => {
          const write = kv.getWritesList().find((w) => w.getKey() === changedKey);
          if (!write) throw new Error(`the endorsed transaction writes no ${changedKey}`);
          const stored = JSON.parse(Buffer.from(write.getValue_asU8()).toString('utf8'));
          // A cooler reading than the device measured, with the record's hash fixed to match: the forgers' best.
          stored.reading.measurements.temperatureC = 2.5;
          stored.hash = readingHash(stored.reading);
          write.setValue(Buffer.from(canonicalJson(stored)));
        },
        resignWith: [peerSigningKey(net, 'producer'), peerSigningKey(net, 'carrier')],
      },
    );
    expect(forged.code).toBe(peer.TxValidationCode.VALID);
    await auditorHas(forged.blockNumber);

    const report = await verify({ kind: 'reading', deviceId, seq: 2 });
    expect(report.verified).toBe(false);
    expect(report.failures).toEqual([
      {
        code: 'DEVICE_SIGNATURE',
        block: String(forged.blockNumber),
        txId: forged.txId,
        message: expect.stringMatching(
          new RegExp(
            `^reading 2 of device ${deviceId} \\(block ${forged.blockNumber}, transaction ${forged.txId}\\): the device signature does not verify with its key for sequences from 1 \\(as registered in block \\d+, transaction [0-9a-f]{64}\\): the reading was changed after it was signed, or signed by another key \\(BAD_SIGNATURE\\)$`,
          ),
        ),
      },
    ]);
    // Everything else holds: the chain, the orderer's signature, the flag, the policy with genuine peers' keys.
    expect(report.checks.ENDORSEMENT_POLICY.failed).toBe(0);
    expect(report.checks.ENDORSEMENT_INVALID.failed).toBe(0);
    // Its neighbours in the same transaction are untouched and verify.
    expect((await verify({ kind: 'reading', deviceId, seq: 3 })).verified).toBe(true);
    const cli = runCli('reading', deviceId, '2');
    expect(cli.status).toBe(1);
    expect(cli.stdout).toMatch(
      /^FAILED: 1 check\(s\) did not hold\n {2}DEVICE_SIGNATURE: reading 2 of device /m,
    );
  });

  it('catches a reading recorded after its device was revoked: endorsed while the device was active, committed after the revocation', async () => {
    const { deviceId, key } = await registerDevice('verify-revoked');
    const deviceKey = `\u0000device\u0000${deviceId}\u0000`;
    let revocation: { txId: string; blockNumber: bigint } | undefined;
    // The chaincode refuses readings of a revoked device, so an honest ledger never holds one. Here the readings
    // are endorsed while the device is active, the revocation commits, and then the endorsed transaction is
    // submitted with the device key's read left out of its read set (else Fabric's MVCC check marks it invalid),
    // re-signed by both member peers: the peers commit it VALID after the revocation.
    const forged = await submitForged(
      producer,
      'reading:RecordReadings',
      [JSON.stringify(readings(deviceId, key, [1, 2]))],
      {
        beforeSubmit: async () => {
          revocation = await ledger.submit(admin, 'device:RevokeDevice', [
            deviceId,
            'key found on a stolen logger',
          ]);
        },
        edit: (kv) => {
          expect(kv.getReadsList().some((r) => r.getKey() === deviceKey)).toBe(true);
          kv.setReadsList(kv.getReadsList().filter((r) => r.getKey() !== deviceKey));
        },
        resignWith: [peerSigningKey(net, 'producer'), peerSigningKey(net, 'carrier')],
      },
    );
    expect(forged.code).toBe(peer.TxValidationCode.VALID);
    expect(forged.blockNumber).toBeGreaterThan(revocation!.blockNumber);
    await auditorHas(forged.blockNumber);

    const report = await verify({ kind: 'reading', deviceId, seq: 1 });
    expect(report.verified).toBe(false);
    expect(report.failures).toEqual([
      {
        code: 'DEVICE_REVOKED',
        block: String(forged.blockNumber),
        txId: forged.txId,
        message:
          `reading 1 of device ${deviceId} (block ${forged.blockNumber}, transaction ${forged.txId}): the device was ` +
          `revoked before it (block ${revocation!.blockNumber}, transaction ${revocation!.txId}: "key found on a stolen logger")`,
      },
    ]);
    // The reading's signature is the device's own: only the key's history on the ledger exposes it.
    expect(report.checks.DEVICE_SIGNATURE).toEqual({ ran: 0, failed: 0 });
    expect(report.checks.ENDORSEMENT_POLICY.failed).toBe(0);
  });

  it('catches a forged endorsement: a certificate claiming CarrierMSP from a CA not in the channel configuration', async () => {
    const { deviceId, key } = await registerDevice('verify-forged-endorser');
    const dir = mkdtempSync(join(tmpdir(), 'provena-verify-'));
    const forger = certificatePair(
      dir,
      'forged-peer',
      '/O=carrier.provena.local/OU=peer/CN=peer0.carrier.provena.local',
    );
    // The genuine endorsements stay, so the peers' policy check passes and ignores the one it cannot validate;
    // the verifier holds every endorsement on the ledger to the channel's MSP roots.
    const forged = await submitForged(
      producer,
      'reading:RecordReadings',
      [JSON.stringify(readings(deviceId, key, [1]))],
      {
        extraEndorsers: [signingKey(CARRIER, readFileSync(forger.cert), readFileSync(forger.key))],
      },
    );
    expect(forged.code).toBe(peer.TxValidationCode.VALID);
    await auditorHas(forged.blockNumber);

    const report = await verify({ kind: 'reading', deviceId, seq: 1 });
    expect(report.verified).toBe(false);
    expect(report.failures).toEqual([
      {
        code: 'ENDORSEMENT_INVALID',
        block: String(forged.blockNumber),
        txId: forged.txId,
        message:
          `block ${forged.blockNumber}, transaction ${forged.txId} (reading 1 of device ${deviceId}): endorsement 3 of 3: ` +
          'CN=peer0.carrier.provena.local claims CarrierMSP, but its certificate is not issued by a CarrierMSP CA in the channel configuration',
      },
    ]);
  });

  it("catches an endorsement whose signature bytes were altered in a block, from a block source that alters the peer's answer", async () => {
    const { deviceId, key } = await registerDevice('verify-altered-signature');
    const block = await record(readings(deviceId, key, [1]));
    await auditorHas(block);
    // Peers refuse to commit a transaction whose endorsement does not verify (ENDORSEMENT_POLICY_FAILURE), so this
    // one is altered on the way from the peer to the verifier: one byte of the carrier's signature.
    const altering: AuditorPeer = {
      ...auditorPeer,
      block: async (number) => {
        const bytes = await auditorPeer.block(number);
        return number === block ? alterCarrierSignature(bytes) : bytes;
      },
    };
    const report = await verify({ kind: 'reading', deviceId, seq: 1 }, altering);
    // The client's envelope signature covers the endorsements too, so the altered bytes show there as well.
    expect(codes(report)).toEqual([
      'CREATOR_SIGNATURE',
      'DATA_HASH_MISMATCH',
      'ENDORSEMENT_INVALID',
      'ENDORSEMENT_POLICY',
    ]);
    expect(report.failures.find((f) => f.code === 'ENDORSEMENT_INVALID')?.message).toMatch(
      /endorsement \d of 2: the signature of CarrierMSP\.peer \(CN=peer0\.carrier\.provena\.local\) does not verify$/,
    );
    expect(report.failures.find((f) => f.code === 'ENDORSEMENT_POLICY')?.message).toMatch(
      /: endorsed by ProducerMSP\.peer \(CN=peer0\.producer\.provena\.local\), which does not satisfy AND\('ProducerMSP\.peer','CarrierMSP\.peer'\) \(chaincode definition in block \d+\)$/,
    );
  });

  it('verifies a shipment of 1,000 readings and measures the time it takes', async () => {
    const { deviceId, key } = await registerDevice('verify-thousand');
    const shipmentId = runId('verify-thousand');
    await ledger.submit(operator, 'shipment:CreateShipment', [
      JSON.stringify({ shipmentId, productCode: 'P-1', quantity: 1, origin: 'A', destination: 'B' }),
    ]);
    await ledger.submit(operator, 'shipment:AttachDevices', [shipmentId, JSON.stringify([deviceId])]);
    let last = 0n;
    for (let first = 1; first <= 1000; first += 200) {
      last = await record(readings(deviceId, key, range(first, first + 199), { shipmentId }));
    }
    await auditorHas(last);
    const runs: VerifyReport[] = [];
    for (let i = 0; i < 3; i++) runs.push(await verify({ kind: 'shipment', shipmentId }));
    for (const report of runs) {
      expect(report.failures).toEqual([]);
      expect(report.readings.verified).toBe(1000);
    }
    const ms = runs.map((r) => r.durationMs).sort((a, b) => a - b);
    process.stdout.write(
      `[verify] 1,000 readings in 5 transactions, blocks 0..${runs[0]!.chain.lastBlock} walked: ` +
        `${ms.join(' / ')} ms (median ${ms[1]} ms per 1,000 readings)\n`,
    );
  });
});

/** The block with one byte of CarrierMSP's endorsement signature flipped in its (only) endorser transaction. */
function alterCarrierSignature(bytes: Uint8Array): Uint8Array {
  const block = common.Block.deserializeBinary(bytes);
  const data = block.getData()!;
  const envelopes = data.getDataList_asU8();
  const altered = envelopes.map((raw) => {
    const envelope = common.Envelope.deserializeBinary(raw);
    const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
    for (const action of transaction.getActionsList()) {
      const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
      const endorsed = actionPayload.getAction()!;
      for (const endorsement of endorsed.getEndorsementsList()) {
        if (!Buffer.from(endorsement.getEndorser_asU8()).includes('CarrierMSP')) continue;
        const signature = Buffer.from(endorsement.getSignature_asU8());
        signature[signature.length - 3] = signature[signature.length - 3]! ^ 0x01;
        endorsement.setSignature(signature);
      }
      actionPayload.setAction(endorsed);
      action.setPayload(actionPayload.serializeBinary());
    }
    payload.setData(transaction.serializeBinary());
    envelope.setPayload(payload.serializeBinary());
    return envelope.serializeBinary();
  });
  data.setDataList(altered);
  return block.serializeBinary();
}
