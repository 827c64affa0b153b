import { generateKeyPairSync } from 'node:crypto';
import {
  LedgerErrorCode,
  LedgerEvent,
  loadReadingVectors,
  parseDevicePrivateKey,
  parseLedgerError,
  highSTwin,
  publicKeyPem,
  READING_FORMAT_VERSION,
  readingHash,
  RefusalCode,
  sealReading,
  type Reading,
  type SignedReading,
} from '@provena/wire';
import type { DeviceRecord } from '../../src/device.model';
import { CARRIER, deviceJson, PRODUCER, shipmentJson } from '../../src/testing/transaction-arguments';
import type { ShipmentProvenance } from '../../src/provenance.query';
import type { IngestSummary, ReadingRecord } from '../../src/reading-ingest';
import type { ShipmentRecord } from '../../src/shipment.model';
import { startChaincodeServer, type ChaincodeServer } from './chaincode-server.harness';
import {
  ChaincodeRefusal,
  connectFakePeer,
  MAX_RESULT_LIMIT,
  type Endorsement,
  type FakePeer,
} from './fake-peer.harness';
import { fixtureCreator, type Creator } from './proposal.helper';

// The chaincode side is real: chaincode/dist in a `fabric-chaincode-node server` process, with fabric-shim's
// ChaincodeStub, ClientIdentity (X.509 parsing of the proposal's creator), protobuf encoding, iterators and
// fabric-contract-api's routing. The peer side is a test double (fake-peer.harness.ts) speaking the chaincode
// gRPC protocol over an in-memory world state.

const CHAINCODE_ID = 'provena_1.0:5e1f0c1d2a3b4c5d6e7f80912a3b4c5d6e7f80912a3b4c5d6e7f80912a3b4c5d';

const producerAdmin = fixtureCreator(PRODUCER, 'producer-admin.cert.pem');
const producerOperator = fixtureCreator(PRODUCER, 'producer-operator.cert.pem');
const carrierAdmin = fixtureCreator(CARRIER, 'carrier-admin.cert.pem');
const carrierOperator = fixtureCreator(CARRIER, 'carrier-operator.cert.pem');
const auditor = fixtureCreator('AuditorMSP', 'auditor.cert.pem');

// Fabric's client id for the operator certificate (fabric-shim's ClientIdentity.getID()).
const PRODUCER_OPERATOR_ID =
  'x509::/C=US/ST=North Carolina/O=Hyperledger/OU=client/OU=producer/CN=producer-operator' +
  '::/C=US/ST=North Carolina/O=Hyperledger/OU=Fabric/CN=ca.producer.provena.local';

const vectors = loadReadingVectors();
const DEVICE = 'reefer-0001';
const SHIPMENT = 'SHP-2026-0001';
/** Readings in the story's batch: more index entries than the peer sends the shim in one query batch. */
const BATCH = 120;
const ALL_SEQS = Array.from({ length: BATCH }, (_, i) => i + 1);

/**
 * The client clock: transactions 1.234 s apart from 2026-11-02, after every reading's measurement time. The odd
 * step puts milliseconds into the timestamps' nanos, which the chaincode must read back exactly.
 */
function stepClock(startMs: number): () => number {
  let now = startMs;
  return () => (now += 1234);
}

// Every story runs twice: state calls one key at a time, and batched (Fabric 3.1's GET_STATE_MULTIPLE and
// WRITE_BATCH_STATE, chaincode/src/state-batch.ts), which must leave the same world state behind.
describe.each([
  { stateBatch: 'off' as const, writeMessage: 'PUT_STATE' },
  { stateBatch: 'on' as const, writeMessage: 'WRITE_BATCH_STATE' },
])(
  'the real chaincode (fabric-chaincode-node server on dist/) driven by a fake peer, state batch $stateBatch',
  ({ stateBatch, writeMessage }) => {
    let server: ChaincodeServer | undefined;
    let peer: FakePeer;

    beforeAll(async () => {
      server = await startChaincodeServer({ chaincodeId: CHAINCODE_ID, stateBatch });
      peer = await connectFakePeer({
        address: server.address,
        chaincodeId: CHAINCODE_ID,
        channelId: 'provena',
        clock: stepClock(Date.UTC(2026, 10, 2)),
      });
    });

    afterAll(async () => {
      await peer?.close();
      await server?.stop();
    });

    /** A committed transaction with its JSON result and event payload parsed. */
    async function submit<T>(creator: Creator, fn: string, ...args: string[]) {
      return parsed<T>(await peer.submit(creator, [fn, ...args]));
    }

    async function evaluate<T>(creator: Creator, fn: string, ...args: string[]): Promise<T> {
      return parsed<T>(await peer.evaluate(creator, [fn, ...args])).result;
    }

    function parsed<T>(e: Endorsement) {
      return {
        ...e,
        result: JSON.parse(e.payload.toString('utf8')) as T,
        event: e.event && {
          name: e.event.name,
          payload: JSON.parse(e.event.payload.toString('utf8')) as unknown,
        },
      };
    }

    /** The refusal a transaction ends in; fails the test if it succeeds. */
    async function refusal(attempt: Promise<unknown>): Promise<ChaincodeRefusal> {
      const outcome = await attempt.then(
        () => new Error('the chaincode accepted the transaction'),
        (err: unknown) => err,
      );
      if (!(outcome instanceof ChaincodeRefusal)) throw outcome;
      return outcome;
    }

    it('registers under its package id and answers org.hyperledger.fabric:GetMetadata with the contracts', async () => {
      expect(peer.registeredAs).toBe(CHAINCODE_ID);
      const metadata = await evaluate<{
        contracts: Record<string, { transactions: { name: string; tag: string[] }[] }>;
      }>(auditor, 'org.hyperledger.fabric:GetMetadata');
      expect(metadata.contracts.reading?.transactions.map((t) => [t.name, t.tag])).toEqual([
        ['RecordReadings', ['SUBMIT', 'submitTx']],
        ['GetReading', ['EVALUATE']],
        ['GetReadingsByDevice', ['EVALUATE']],
        ['GetReadingsByShipment', ['EVALUATE']],
        ['GetReadingsByPallet', ['EVALUATE']],
      ]);
      expect(Object.keys(metadata.contracts)).toEqual(
        expect.arrayContaining(['device', 'shipment', 'reading']),
      );
    });

    it('follows a shipment from device registration to accepted custody, over the real shim', async () => {
      const firstEvent = peer.events().length;
      const deviceKey = vectors.keys.device!;

      const registered = await submit<DeviceRecord>(
        producerAdmin,
        'device:RegisterDevice',
        deviceJson({ deviceId: DEVICE, publicKeyPem: deviceKey.publicKeyPem }),
      );
      // Time and id come from the proposal's channel header through the shim (getTxTimestamp's Long seconds).
      expect(registered.result).toMatchObject({
        deviceId: DEVICE,
        ownerOrg: PRODUCER,
        status: 'active',
        registeredAt: registered.timestampMs,
        registeredAtTxId: registered.txId,
        keys: [{ fromSeq: 1, rotatedAtTxId: registered.txId }],
      });
      expect(registered.event).toEqual({
        name: LedgerEvent.DeviceRegistered,
        payload: { deviceId: DEVICE, ownerOrg: PRODUCER },
      });

      const created = await submit<ShipmentRecord>(
        producerOperator,
        'shipment:CreateShipment',
        shipmentJson(SHIPMENT),
      );
      expect(created.result).toMatchObject({
        shipmentId: SHIPMENT,
        ownerOrg: PRODUCER,
        custodianOrg: PRODUCER,
        complianceProfile: { temperatureC: { min: 2, max: 8 } },
      });
      // The actor is Fabric's client id as the real ClientIdentity derives it from the creator certificate.
      expect(created.result.custody).toEqual([
        expect.objectContaining({
          action: 'created',
          byOrg: PRODUCER,
          by: PRODUCER_OPERATOR_ID,
          txId: created.txId,
        }),
      ]);
      const attached = await submit(
        producerOperator,
        'shipment:AttachDevices',
        SHIPMENT,
        JSON.stringify([DEVICE]),
      );

      // One batch: the shared vector's reading (seq 1, signed with the vectors' device key), then the readings the
      // device signs now with the same key, one a minute; seq 42 is above the profile's 8 °C.
      const vector = vectors.vectors.find((v) => v.name === 'valid reading with every measurement')!;
      const vectorEnvelope = JSON.parse(vector.payload) as SignedReading;
      const signingKey = parseDevicePrivateKey(deviceKey.privateKeyPem);
      const fresh: SignedReading[] = [];
      for (let seq = 2; seq <= BATCH; seq++) {
        const reading: Reading = {
          v: READING_FORMAT_VERSION,
          deviceId: DEVICE,
          seq,
          measuredAt: vectorEnvelope.reading.measuredAt + (seq - 1) * 60_000,
          shipmentId: SHIPMENT,
          measurements: { temperatureC: seq === 42 ? 9.3 : 4 + (seq % 5) * 0.5 },
        };
        fresh.push(sealReading(reading, signingKey));
      }
      const batch = `[${vector.payload},${fresh.map((e) => JSON.stringify(e)).join(',')}]`;
      const breach = {
        shipmentId: SHIPMENT,
        breachId: `${DEVICE}/42/temperatureC.max`,
        deviceId: DEVICE,
        seq: 42,
        rule: 'temperatureC.max',
        limit: 8,
        observed: 9.3,
      };

      const recorded = await submit<IngestSummary>(producerOperator, 'reading:RecordReadings', batch);
      expect(recorded.result).toMatchObject({ accepted: BATCH, duplicates: 0, refused: 0 });
      // Batched, the whole write set is one message, and the device, the readings' keys and the attachment one
      // multi-key read each; one at a time, one PUT_STATE per key written.
      expect(recorded.messages.get(writeMessage)).toBe(stateBatch === 'on' ? 1 : recorded.writes.size);
      expect(recorded.messages.get(stateBatch === 'on' ? 'PUT_STATE' : 'WRITE_BATCH_STATE')).toBeUndefined();
      if (stateBatch === 'on') {
        expect(recorded.messages.get('GET_STATE_MULTIPLE')).toBe(3);
        expect(recorded.messages.get('GET_STATE')).toBeUndefined();
        expect(recorded.messages.get('GET_STATE_BY_RANGE')).toBeUndefined();
      }
      expect(recorded.writes.size).toBeGreaterThan(BATCH);
      expect(recorded.result.verdicts.map((v) => [v.seq, v.status])).toEqual(
        ALL_SEQS.map((seq) => [seq, 'accepted']),
      );
      expect(recorded.event).toEqual({
        name: LedgerEvent.ReadingsRecorded,
        payload: {
          accepted: BATCH,
          duplicates: 0,
          refused: 0,
          breaches: [breach],
          readings: ALL_SEQS.map((seq) => ({ deviceId: DEVICE, seq })),
        },
      });

      // The gateway resubmits after a timeout: every reading is a duplicate and the transaction writes nothing.
      const resubmitted = await submit<IngestSummary>(producerOperator, 'reading:RecordReadings', batch);
      expect(resubmitted.result).toMatchObject({ accepted: 0, duplicates: BATCH, refused: 0 });
      expect(new Set(resubmitted.result.verdicts.map((v) => v.status))).toEqual(new Set(['duplicate']));
      expect(resubmitted.writes.size).toBe(0);
      expect(resubmitted.event?.payload).toEqual({
        accepted: 0,
        duplicates: BATCH,
        refused: 0,
        breaches: [],
        readings: [],
      });

      // The stored record is the vector's reading and signature as the device sent them.
      const stored = await evaluate<ReadingRecord>(auditor, 'reading:GetReading', DEVICE, '1');
      expect(stored).toEqual({
        reading: vectorEnvelope.reading,
        signature: vectorEnvelope.signature,
        hash: readingHash(vectorEnvelope.reading),
        txId: recorded.txId,
        recordedAt: recorded.timestampMs,
      });

      // Pages over a partial composite key, following the peer's bookmarks to the end.
      const byShipment: number[][] = [];
      let bookmark = '';
      do {
        const page = await evaluate<{
          items: ReadingRecord[];
          bookmark: string;
          fetchedRecordsCount: number;
        }>(auditor, 'reading:GetReadingsByShipment', SHIPMENT, '50', bookmark);
        expect(page.fetchedRecordsCount).toBe(page.items.length);
        byShipment.push(page.items.map((r) => r.reading.seq));
        bookmark = page.bookmark;
      } while (bookmark !== '');
      expect(byShipment.map((seqs) => seqs.length)).toEqual([50, 50, 20]);
      expect(byShipment.flat()).toEqual(ALL_SEQS);

      // Pages over a simple-key range: the first ten minutes of measurements.
      const from = vectorEnvelope.reading.measuredAt;
      const byDevice: number[][] = [];
      do {
        const page = await evaluate<{ items: ReadingRecord[]; bookmark: string }>(
          auditor,
          'reading:GetReadingsByDevice',
          DEVICE,
          String(from),
          String(from + 10 * 60_000),
          '4',
          bookmark,
        );
        byDevice.push(page.items.map((r) => r.reading.seq));
        bookmark = page.bookmark;
      } while (bookmark !== '');
      expect(byDevice).toEqual([
        [1, 2, 3, 4],
        [5, 6, 7, 8],
        [9, 10],
      ]);

      const offered = await submit(producerOperator, 'shipment:OfferCustody', SHIPMENT, CARRIER);
      expect(offered.event).toEqual({
        name: LedgerEvent.CustodyOffered,
        payload: { shipmentId: SHIPMENT, custodianOrg: PRODUCER, fromOrg: PRODUCER, toOrg: CARRIER },
      });

      const blocked = await refusal(submit(carrierOperator, 'shipment:AcceptCustody', SHIPMENT));
      expect(blocked.message).toMatch(
        /^OPEN_BREACH: shipment SHP-2026-0001 has 1 breach\(es\) without a disposition \(reefer-0001\/42\/temperatureC\.max\)/,
      );
      expect(parseLedgerError(blocked.message).code).toBe(LedgerErrorCode.OpenBreach);

      const disposed = await submit(
        producerOperator,
        'shipment:RecordBreachDisposition',
        SHIPMENT,
        JSON.stringify([breach.breachId]),
        'release',
        'probe touched the door seal for 4 minutes; product core stayed at 5 °C',
      );
      expect(disposed.event).toEqual({
        name: LedgerEvent.BreachDisposed,
        payload: { shipmentId: SHIPMENT, breachIds: [breach.breachId], disposition: 'release' },
      });

      const accepted = await submit<ShipmentRecord>(carrierOperator, 'shipment:AcceptCustody', SHIPMENT);
      expect(accepted.result).toMatchObject({
        custodianOrg: CARRIER,
        status: 'in-custody',
        pendingOffer: null,
      });
      expect(accepted.event).toEqual({
        name: LedgerEvent.CustodyAccepted,
        payload: { shipmentId: SHIPMENT, custodianOrg: CARRIER, fromOrg: PRODUCER, toOrg: CARRIER },
      });

      // More index entries than the peer sends in one batch: the shim's iterator must fetch the rest.
      expect(BATCH).toBeGreaterThan(MAX_RESULT_LIMIT);
      const provenance = await evaluate<ShipmentProvenance>(
        auditor,
        'shipment:GetShipmentProvenance',
        SHIPMENT,
      );
      expect(
        provenance.shipment.custody.map((c) => [c.action, c.byOrg, c.custodianOrg, c.txId, c.at]),
      ).toEqual([
        ['created', PRODUCER, PRODUCER, created.txId, created.timestampMs],
        ['offered', PRODUCER, PRODUCER, offered.txId, offered.timestampMs],
        ['accepted', CARRIER, CARRIER, accepted.txId, accepted.timestampMs],
      ]);
      expect(provenance.attachments).toEqual([
        expect.objectContaining({ deviceId: DEVICE, status: 'attached', attachedAtTxId: attached.txId }),
      ]);
      expect(provenance.breaches).toEqual([
        expect.objectContaining({
          breachId: breach.breachId,
          observed: 9.3,
          limit: 8,
          txId: recorded.txId,
          disposition: expect.objectContaining({
            decision: 'release',
            byOrg: PRODUCER,
            by: PRODUCER_OPERATOR_ID,
            txId: disposed.txId,
            at: disposed.timestampMs,
          }),
        }),
      ]);
      expect(provenance.openBreaches).toBe(0);
      expect(provenance.readings).toEqual([
        { deviceId: DEVICE, count: BATCH, firstSeq: 1, lastSeq: BATCH, txIds: [recorded.txId] },
      ]);

      // History comes through the shim's history iterator, newest first, stamped with each transaction's time.
      const history = await evaluate<{ entries: { txId: string; timestamp: number; isDelete: boolean }[] }>(
        auditor,
        'shipment:GetHistory',
        'shipment',
        JSON.stringify({ shipmentId: SHIPMENT }),
      );
      expect(history.entries.map((h) => [h.txId, h.timestamp, h.isDelete])).toEqual([
        [accepted.txId, accepted.timestampMs, false],
        [offered.txId, offered.timestampMs, false],
        [created.txId, created.timestampMs, false],
      ]);

      // One event per committed transaction, in ledger order; the refused acceptance left none.
      expect(
        peer
          .events()
          .slice(firstEvent)
          .map((e) => [e.name, e.txId]),
      ).toEqual([
        [LedgerEvent.DeviceRegistered, registered.txId],
        [LedgerEvent.ShipmentCreated, created.txId],
        [LedgerEvent.DevicesAttached, attached.txId],
        [LedgerEvent.ReadingsRecorded, recorded.txId],
        [LedgerEvent.ReadingsRecorded, resubmitted.txId],
        [LedgerEvent.CustodyOffered, offered.txId],
        [LedgerEvent.BreachDisposed, disposed.txId],
        [LedgerEvent.CustodyAccepted, accepted.txId],
      ]);
    });

    it('refuses a reading whose signature is the high-S twin, and writes nothing for it', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      await submit(
        producerAdmin,
        'device:RegisterDevice',
        deviceJson({ deviceId: 'tag-hs-1', publicKeyPem: publicKeyPem(publicKey) }),
      );
      const lowS = sealReading(
        {
          v: READING_FORMAT_VERSION,
          deviceId: 'tag-hs-1',
          seq: 1,
          measuredAt: Date.UTC(2026, 10, 1, 12),
          measurements: { temperatureC: 3.5 },
        },
        privateKey,
      );
      const twin: SignedReading = { reading: lowS.reading, signature: highSTwin(lowS.signature) };

      const refused = await submit<IngestSummary>(
        producerOperator,
        'reading:RecordReadings',
        JSON.stringify([twin]),
      );
      expect(refused.result).toEqual({
        accepted: 0,
        duplicates: 0,
        refused: 1,
        verdicts: [
          {
            deviceId: 'tag-hs-1',
            seq: 1,
            status: 'refused',
            code: RefusalCode.HighS,
            reason: expect.any(String),
          },
        ],
      });
      expect(refused.writes.size).toBe(0);
      const notStored = await refusal(evaluate(auditor, 'reading:GetReading', 'tag-hs-1', '1'));
      expect(parseLedgerError(notStored.message).code).toBe(LedgerErrorCode.NotFound);

      // The low-S encoding of the very same signature is the one the ledger takes.
      const taken = await submit<IngestSummary>(
        producerOperator,
        'reading:RecordReadings',
        JSON.stringify([lowS]),
      );
      expect(taken.result).toMatchObject({ accepted: 1, refused: 0 });
    });

    it('refuses callers of the wrong organisation with FORBIDDEN at the start of the message, committing nothing', async () => {
      const eventsBefore = peer.events().length;
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

      const register = await refusal(
        submit(
          carrierAdmin,
          'device:RegisterDevice',
          deviceJson({ deviceId: 'tag-wo-1', publicKeyPem: publicKeyPem(publicKey) }),
        ),
      );
      expect(register.message).toBe(
        'FORBIDDEN: only an admin of ProducerMSP may register device tag-wo-1 for ProducerMSP',
      );
      expect(parseLedgerError(register.message).code).toBe(LedgerErrorCode.Forbidden);
      const unknown = await refusal(evaluate(auditor, 'device:GetDevice', 'tag-wo-1'));
      expect(parseLedgerError(unknown.message).code).toBe(LedgerErrorCode.NotFound);

      await submit(producerOperator, 'shipment:CreateShipment', shipmentJson('SHP-2026-0002'));
      const offer = await refusal(submit(carrierOperator, 'shipment:OfferCustody', 'SHP-2026-0002', CARRIER));
      expect(offer.message).toMatch(
        /^FORBIDDEN: only an operator or admin of ProducerMSP may offer custody of shipment SHP-2026-0002/,
      );
      const audit = await refusal(submit(auditor, 'shipment:CreateShipment', shipmentJson('SHP-2026-0003')));
      expect(parseLedgerError(audit.message).code).toBe(LedgerErrorCode.Forbidden);

      // Only the producer's own CreateShipment committed an event.
      expect(
        peer
          .events()
          .slice(eventsBefore)
          .map((e) => e.name),
      ).toEqual([LedgerEvent.ShipmentCreated]);
    });

    it('keeps concurrent transactions on one connection apart, as the shim interleaves their state calls', async () => {
      const devices = ['tag-cc-1', 'tag-cc-2'].map((deviceId) => ({
        deviceId,
        ...generateKeyPairSync('ec', { namedCurve: 'P-256' }),
      }));
      for (const d of devices) {
        await submit(
          producerAdmin,
          'device:RegisterDevice',
          deviceJson({ deviceId: d.deviceId, publicKeyPem: publicKeyPem(d.publicKey) }),
        );
      }
      const batches = devices.map((d) =>
        JSON.stringify(
          Array.from({ length: 50 }, (_, i) =>
            sealReading(
              {
                v: READING_FORMAT_VERSION,
                deviceId: d.deviceId,
                seq: i + 1,
                measuredAt: Date.UTC(2026, 10, 1, 12) + i * 60_000,
                measurements: { temperatureC: 5 },
              },
              d.privateKey,
            ),
          ),
        ),
      );

      const endorsements = await Promise.all(
        batches.map((batch) => peer.endorse(producerOperator, ['reading:RecordReadings', batch])),
      );
      for (const [i, e] of endorsements.entries()) {
        const { deviceId } = devices[i]!;
        const { result, event } = parsed<IngestSummary>(e);
        expect(result).toMatchObject({ accepted: 50, refused: 0 });
        expect(new Set(result.verdicts.map((v) => v.deviceId))).toEqual(new Set([deviceId]));
        expect(event?.payload).toMatchObject({
          accepted: 50,
          readings: Array.from({ length: 50 }, (_, i) => ({ deviceId, seq: i + 1 })),
        });
        // Each write set holds its own device's 50 readings and the one time index entry listing them, nothing else.
        expect(e.writes.size).toBe(51);
        expect([...e.writes.keys()].every((key) => key.includes(deviceId))).toBe(true);
      }
    });

    it('leaves errors the shim raises before the contract runs without a code, as the README says', async () => {
      const unknownContract = await refusal(evaluate(auditor, 'ledger:GetDevice', DEVICE));
      expect(unknownContract.message).toBe('Contract name is not known: ledger');
      expect(parseLedgerError(unknownContract.message).code).toBeUndefined();

      const arity = await refusal(evaluate(auditor, 'device:ListDevices', '10'));
      expect(arity.message).toBe('Expected 2 parameters, but 1 have been supplied');
      expect(parseLedgerError(arity.message).code).toBeUndefined();
    });
  },
);
