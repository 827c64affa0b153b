import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointers, type ChaincodeEvent } from '@hyperledger/fabric-gateway';
import {
  highSTwin,
  LedgerEvent,
  publicKeyPem,
  READING_FORMAT_VERSION,
  RefusalCode,
  sealReading,
  type SignedReading,
} from '@provena/wire';
import type { DeviceRecord } from '../../chaincode/src/device.model';
import type { ShipmentProvenance } from '../../chaincode/src/provenance.query';
import type { IngestSummary } from '../../chaincode/src/reading-ingest';
import type { ShipmentRecord } from '../../chaincode/src/shipment.model';
import {
  CARRIER,
  deviceJson,
  PRODUCER,
  shipmentJson,
} from '../../chaincode/src/testing/transaction-arguments';
import { networkScript, nodePid, testNetwork } from '../support/fabric-network.harness';
import { blockTransaction, connectAs, evaluate, refusal, submit, type FabricClient } from './fabric-clients';

// The chaincode's whole custody story on the real network: transactions go through @hyperledger/fabric-gateway to
// each organisation's own peer, are endorsed by both member organisations' peers (each running its own chaincode
// server), ordered by Raft and committed on all three peers; the auditor reads through its own peer.

const net = testNetwork();
// Unique per run, so a kept network (PROVENA_TEST_KEEP_NETWORK) can run the tier again.
const RUN = Date.now().toString(36);
const DEVICE = `reefer-${RUN}`;
const SHIPMENT = `SHP-${RUN}`;
const BATCH = 60;
const EXCURSION_SEQ = 42;

let producerAdmin: FabricClient;
let producerOperator: FabricClient;
let carrierAdmin: FabricClient;
let carrierOperator: FabricClient;
let auditor: FabricClient;

beforeAll(() => {
  producerAdmin = connectAs(net.connection, PRODUCER, 'admin');
  producerOperator = connectAs(net.connection, PRODUCER, 'operator');
  carrierAdmin = connectAs(net.connection, CARRIER, 'admin');
  carrierOperator = connectAs(net.connection, CARRIER, 'operator');
  auditor = connectAs(net.connection, 'AuditorMSP', 'auditor');
});

afterAll(() => {
  for (const c of [producerAdmin, producerOperator, carrierAdmin, carrierOperator, auditor]) c?.close();
});

const ENDORSING_PEERS = ['peer0-producer', 'peer0-carrier'];

/** A peer's `chaincode_shim_requests_received` on the channel by message type, from its operations endpoint. */
async function shimRequests(peerName: string): Promise<Map<string, number>> {
  const core = readFileSync(join(net.dir, 'nodes', peerName, 'core.yaml'), 'utf8');
  const ops = /^\s*listenAddress:\s*"?(127\.0\.0\.1:\d+)"?\s*$/m.exec(
    core.slice(core.indexOf('\noperations:')),
  );
  if (!ops) throw new Error(`no operations.listenAddress in ${peerName}'s core.yaml`);
  const metrics = await (await fetch(`http://${ops[1]}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const line of metrics.split('\n')) {
    const m = /^chaincode_shim_requests_received\{([^}]*)\} (\d+)$/.exec(line);
    if (!m || !/channel="provena"/.test(m[1]!)) continue;
    const type = /type="([A-Z_]+)"/.exec(m[1]!)?.[1] ?? '';
    counts.set(type, (counts.get(type) ?? 0) + Number(m[2]));
  }
  return counts;
}

function delta(before: Map<string, number>, after: Map<string, number>, type: string): number {
  return (after.get(type) ?? 0) - (before.get(type) ?? 0);
}

function readingsOf(deviceId: string, key: KeyObject, count: number, shipmentId?: string): SignedReading[] {
  const start = Date.now() - count * 60_000;
  return Array.from({ length: count }, (_, i) =>
    sealReading(
      {
        v: READING_FORMAT_VERSION,
        deviceId,
        seq: i + 1,
        measuredAt: start + i * 60_000,
        ...(shipmentId !== undefined && { shipmentId }),
        measurements: { temperatureC: i + 1 === EXCURSION_SEQ ? 9.3 : 4 + ((i + 1) % 5) * 0.5 },
      },
      key,
    ),
  );
}

async function registerDevice(id: string): Promise<KeyObject> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await submit<DeviceRecord>(
    producerAdmin,
    'device:RegisterDevice',
    deviceJson({ deviceId: id, publicKeyPem: publicKeyPem(publicKey) }),
  );
  return privateKey;
}

describe('the custody story on the native Fabric network', () => {
  let deviceKey: KeyObject;
  let batch: string;
  let recordedTxId: string;

  it('registers a device, endorsed by both member organisations and committed on every peer', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    deviceKey = privateKey;
    const registered = await submit<DeviceRecord>(
      producerAdmin,
      'device:RegisterDevice',
      deviceJson({ deviceId: DEVICE, publicKeyPem: publicKeyPem(publicKey) }),
    );
    expect(registered.result).toMatchObject({ deviceId: DEVICE, ownerOrg: PRODUCER, status: 'active' });
    // The endorsement policy, as the block records it: both members' peers signed, the auditor's did not.
    const tx = await blockTransaction(auditor, net.connection.channel, registered.txId);
    expect(tx.validationCode).toBe('VALID');
    expect(tx.endorserMspIds).toEqual([CARRIER, PRODUCER]);
    // The auditor's own peer has the device: it reads its own copy of the ledger.
    const onAuditorPeer = await evaluate<DeviceRecord>(auditor, 'device:GetDevice', DEVICE);
    expect(onAuditorPeer.registeredAtTxId).toBe(registered.txId);
  });

  it('records a batch of signed readings with a temperature excursion, and nothing when it is replayed', async () => {
    await submit<ShipmentRecord>(producerOperator, 'shipment:CreateShipment', shipmentJson(SHIPMENT));
    await submit(producerOperator, 'shipment:AttachDevices', SHIPMENT, JSON.stringify([DEVICE]));
    batch = JSON.stringify(readingsOf(DEVICE, deviceKey, BATCH, SHIPMENT));

    const shimRequestsBefore = await Promise.all(ENDORSING_PEERS.map(shimRequests));
    const recorded = await submit<IngestSummary>(producerOperator, 'reading:RecordReadings', batch);
    recordedTxId = recorded.txId;
    expect(recorded.result).toMatchObject({ accepted: BATCH, duplicates: 0, refused: 0 });
    const written = await blockTransaction(auditor, net.connection.channel, recorded.txId);
    expect(written.endorserMspIds).toEqual([CARRIER, PRODUCER]);
    expect(written.writes.length).toBeGreaterThanOrEqual(BATCH);
    // Each endorsing peer received the transaction's whole write set as one WRITE_BATCH_STATE and its reads as
    // three GET_STATE_MULTIPLE (the device, the readings' keys, the attachment), by its own count of what the
    // chaincode server sent it: no PUT_STATE per key, no range.
    const shimRequestsAfter = await Promise.all(ENDORSING_PEERS.map(shimRequests));
    for (const [i, after] of shimRequestsAfter.entries()) {
      const before = shimRequestsBefore[i]!;
      expect(delta(before, after, 'WRITE_BATCH_STATE')).toBe(1);
      expect(delta(before, after, 'PUT_STATE')).toBe(0);
      expect(delta(before, after, 'GET_STATE_MULTIPLE')).toBe(3);
      expect(delta(before, after, 'GET_STATE_BY_RANGE')).toBe(0);
    }

    // The same batch again (a gateway resubmitting after a timeout): every reading a duplicate, no key written.
    const replayed = await submit<IngestSummary>(producerOperator, 'reading:RecordReadings', batch);
    expect(replayed.result).toMatchObject({ accepted: 0, duplicates: BATCH, refused: 0 });
    const replayTx = await blockTransaction(auditor, net.connection.channel, replayed.txId);
    expect(replayTx.validationCode).toBe('VALID');
    expect(replayTx.writes).toEqual([]);
  });

  it('refuses a high-S signature and a reading signed with another key, writing nothing for either', async () => {
    const device = `tag-${RUN}`;
    await registerDevice(device);
    const intruder = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const [forged] = readingsOf(device, intruder, 1);
    const refusedForged = await submit<IngestSummary>(
      producerOperator,
      'reading:RecordReadings',
      JSON.stringify([forged]),
    );
    expect(refusedForged.result).toMatchObject({ accepted: 0, refused: 1 });
    expect(refusedForged.result.verdicts[0]).toMatchObject({
      status: 'refused',
      code: RefusalCode.BadSignature,
    });

    // A reading the device really signed, sent with the signature's high-S twin (valid ECDSA, refused by Fabric's rule).
    const signed = sealReading(
      {
        v: READING_FORMAT_VERSION,
        deviceId: DEVICE,
        seq: BATCH + 1,
        measuredAt: Date.now() - 1000,
        measurements: { temperatureC: 4 },
      },
      deviceKey,
    );
    const highS: SignedReading = { reading: signed.reading, signature: highSTwin(signed.signature) };
    const refusedHighS = await submit<IngestSummary>(
      producerOperator,
      'reading:RecordReadings',
      JSON.stringify([highS]),
    );
    expect(refusedHighS.result).toMatchObject({ accepted: 0, refused: 1 });
    expect(refusedHighS.result.verdicts[0]).toMatchObject({ status: 'refused', code: RefusalCode.HighS });
    for (const txId of [refusedForged.txId, refusedHighS.txId]) {
      expect((await blockTransaction(auditor, net.connection.channel, txId)).writes).toEqual([]);
    }
  });

  it('blocks the carrier from accepting custody while the breach is open, then hands over after a disposition', async () => {
    const breachId = `${DEVICE}/${EXCURSION_SEQ}/temperatureC.max`;
    const offered = await submit(producerOperator, 'shipment:OfferCustody', SHIPMENT, CARRIER);

    const blocked = await refusal(submit(carrierOperator, 'shipment:AcceptCustody', SHIPMENT));
    expect(blocked).toMatch(/OPEN_BREACH: shipment .* has 1 breach\(es\) without a disposition/);
    expect(blocked).toContain(breachId);

    const disposed = await submit(
      producerOperator,
      'shipment:RecordBreachDisposition',
      SHIPMENT,
      JSON.stringify([breachId]),
      'release',
      'probe touched the door seal for 4 minutes; product core stayed at 5 °C',
    );
    const accepted = await submit<ShipmentRecord>(carrierOperator, 'shipment:AcceptCustody', SHIPMENT);
    expect(accepted.result).toMatchObject({ custodianOrg: CARRIER, status: 'in-custody' });

    // The auditor's provenance, from its own peer: who held it, the excursion and its disposition, which transactions.
    const provenance = await evaluate<ShipmentProvenance>(
      auditor,
      'shipment:GetShipmentProvenance',
      SHIPMENT,
    );
    expect(provenance.shipment.custody.map((c) => [c.action, c.byOrg, c.custodianOrg, c.txId])).toEqual([
      ['created', PRODUCER, PRODUCER, expect.any(String)],
      ['offered', PRODUCER, PRODUCER, offered.txId],
      ['accepted', CARRIER, CARRIER, accepted.txId],
    ]);
    expect(provenance.breaches).toEqual([
      expect.objectContaining({
        breachId,
        observed: 9.3,
        limit: 8,
        txId: recordedTxId,
        disposition: expect.objectContaining({ decision: 'release', byOrg: PRODUCER, txId: disposed.txId }),
      }),
    ]);
    expect(provenance.openBreaches).toBe(0);
    expect(provenance.readings).toEqual([
      { deviceId: DEVICE, count: BATCH, firstSeq: 1, lastSeq: BATCH, txIds: [recordedTxId] },
    ]);
  });

  it("refuses another organisation's admin, and every write by the auditor", async () => {
    const carrierOnProducerDevice = await refusal(
      submit(carrierAdmin, 'device:RevokeDevice', DEVICE, 'not ours to revoke'),
    );
    expect(carrierOnProducerDevice).toMatch(/FORBIDDEN/);

    const auditorWrite = await refusal(
      submit(auditor, 'shipment:CreateShipment', shipmentJson(`SHP-AUD-${RUN}`)),
    );
    expect(auditorWrite).toMatch(/FORBIDDEN/);
    // The device is untouched and the shipment does not exist.
    expect((await evaluate<DeviceRecord>(auditor, 'device:GetDevice', DEVICE)).status).toBe('active');
    expect(await refusal(evaluate(auditor, 'shipment:GetShipment', `SHP-AUD-${RUN}`))).toMatch(/NOT_FOUND/);
  });
});

describe('chaincode events on the native network', () => {
  it('resume from a checkpoint after the peer serving them restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'provena-checkpoint-'));
    const checkpointFile = join(dir, 'checkpoint.json');
    const deviceA = `evt-a-${RUN}`;
    const deviceB = `evt-b-${RUN}`;
    const deviceC = `evt-c-${RUN}`;
    try {
      // Read events up to deviceA's registration, checkpointing each, then stop listening.
      const first = await submit<DeviceRecord>(
        producerAdmin,
        'device:RegisterDevice',
        deviceJson({
          deviceId: deviceA,
          publicKeyPem: publicKeyPem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey),
        }),
      );
      const checkpointer = await checkpointers.file(checkpointFile);
      const events = await producerOperator.network.getChaincodeEvents(net.connection.chaincode, {
        startBlock: first.blockNumber,
      });
      for await (const event of events) {
        await checkpointer.checkpointChaincodeEvent(event);
        if (event.transactionId === first.txId) break;
      }
      events.close();

      // Two more registrations, one on each side of a restart of the producer's peer.
      await registerDevice(deviceB);
      const peerPid = nodePid(net.dir, 'peer0-producer');
      process.kill(peerPid, 'SIGKILL');
      networkScript(net.dir, net.basePort, 'up');
      expect(nodePid(net.dir, 'peer0-producer')).not.toBe(peerPid);

      // A new client after the restart: the stream starts after the checkpoint, with nothing skipped or repeated.
      // (The old clients' first call on the dropped connection fails with UNAVAILABLE; new ones connect afresh.)
      const reconnected = connectAs(net.connection, PRODUCER, 'operator');
      const reconnectedAdmin = connectAs(net.connection, PRODUCER, 'admin');
      try {
        await submit(
          reconnectedAdmin,
          'device:RegisterDevice',
          deviceJson({
            deviceId: deviceC,
            publicKeyPem: publicKeyPem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey),
          }),
        );
        const resumed = await checkpointers.file(checkpointFile);
        const stream = await reconnected.network.getChaincodeEvents(net.connection.chaincode, {
          checkpoint: resumed,
        });
        const seen: ChaincodeEvent[] = [];
        for await (const event of stream) {
          seen.push(event);
          await resumed.checkpointChaincodeEvent(event);
          if (seen.length === 2) break;
        }
        stream.close();
        const devicesOf = (e: ChaincodeEvent) =>
          (JSON.parse(Buffer.from(e.payload).toString('utf8')) as { deviceId: string }).deviceId;
        expect(seen.map((e) => [e.eventName, devicesOf(e)])).toEqual([
          [LedgerEvent.DeviceRegistered, deviceB],
          [LedgerEvent.DeviceRegistered, deviceC],
        ]);
      } finally {
        reconnected.close();
        reconnectedAdmin.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
