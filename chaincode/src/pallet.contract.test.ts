import { LedgerEvent } from '@provena/wire';
import { palletKey } from './ledger-keys';
import { PalletContract } from './pallet.contract';
import type { PalletAttachmentRecord, PalletRecord } from './pallet.model';
import type { ShipmentProvenance } from './provenance.query';
import type { IngestSummary } from './reading-ingest';
import type { TestIdentity } from './testing/in-memory-context';
import type { BreachRecord, ShipmentRecord } from './shipment.model';
import {
  as,
  CARRIER,
  contracts,
  newTestDevice,
  PRODUCER,
  reading,
  Scenario,
  sign,
} from './testing/test-fixtures';

const pallet = new PalletContract();
const { shipment } = contracts;
const logger = newTestDevice('pallet-logger-1');
const logger2 = newTestDevice('pallet-logger-2');
const caseLogger = newTestDevice('case-logger-1');

type Packing = { pallet: PalletRecord; cases: ShipmentRecord[] };

describe('pallets: cases packed, carried and unpacked', () => {
  let s: Scenario;

  const create = (palletId: string, by: TestIdentity = as.producerOperator) =>
    s.ledger.submit<PalletRecord>(by, pallet, 'CreatePallet', JSON.stringify({ palletId }));
  const pack = (palletId: string, caseIds: string[], by: TestIdentity = as.producerOperator) =>
    s.ledger.submit<Packing>(by, pallet, 'PackCases', palletId, JSON.stringify(caseIds));
  const unpack = (palletId: string, caseIds: string[], by: TestIdentity = as.producerOperator) =>
    s.ledger.submit<Packing>(by, pallet, 'UnpackCases', palletId, JSON.stringify(caseIds));
  const handOver = async (
    palletId: string,
    from: TestIdentity = as.producerOperator,
    to: TestIdentity = as.carrierOperator,
  ) => {
    await s.ledger.submit(from, pallet, 'OfferCustody', palletId, to.mspId);
    return s.ledger.submit<Packing>(to, pallet, 'AcceptCustody', palletId);
  };
  const getShipment = (id: string) =>
    s.ledger.evaluate<ShipmentRecord>(as.auditor, shipment, 'GetShipment', id);
  const getPallet = (id: string) =>
    s.ledger.evaluate<PalletRecord & { attachments: PalletAttachmentRecord[] }>(
      as.auditor,
      pallet,
      'GetPallet',
      id,
    );
  const loggersOf = async (id: string) => (await getPallet(id)).attachments;
  const attach = (palletId: string, deviceIds: string[]) =>
    s.ledger.submit(as.producerOperator, pallet, 'AttachDevices', palletId, JSON.stringify(deviceIds));
  const breaches = async (id: string) =>
    (await s.ledger.evaluate<ShipmentProvenance>(as.auditor, shipment, 'GetShipmentProvenance', id)).breaches;

  beforeEach(async () => {
    s = new Scenario();
    await s.registerDevice(logger);
    await s.registerDevice(logger2);
    await s.registerDevice(caseLogger);
    await s.createShipment('C1');
    // C2 tolerates more heat than C1: one pallet reading is judged against each case's own profile.
    await s.createShipment('C2', as.producerOperator, {
      complianceProfile: { temperatureC: { min: 2, max: 12 } },
    });
    await create('P1');
  });

  describe('creation', () => {
    it('makes the caller owner and custodian of an empty pallet, with an event', async () => {
      const created = await create('P9', as.carrierOperator);
      expect(created.result).toMatchObject({
        palletId: 'P9',
        ownerOrg: CARRIER,
        custodianOrg: CARRIER,
        contents: [],
        history: [{ action: 'created', txId: created.txId }],
      });
      expect(created.event).toEqual({
        name: LedgerEvent.PalletCreated,
        payload: { palletId: 'P9', custodianOrg: CARRIER, caseIds: [] },
      });
    });

    // A logger's reading names a shipment or a pallet in the same field: one id must never mean both.
    it('keeps pallet and shipment ids apart, in both directions', async () => {
      await expect(create('P1')).rejects.toThrow(/^ALREADY_EXISTS: pallet P1 already exists/);
      await expect(create('C1')).rejects.toThrow(/^ALREADY_EXISTS: C1 is a shipment id/);
      await expect(s.createShipment('P1')).rejects.toThrow(/^ALREADY_EXISTS: P1 is a pallet id/);
    });

    it('lists pallets in id order, a page at a time, without the loggers or any other record', async () => {
      await create('P3', as.carrierOperator);
      await create('P2');
      await attach('P1', [logger.deviceId]);
      const list = (pageSize: string, bookmark: string) =>
        s.ledger.evaluate<{ items: PalletRecord[]; bookmark: string }>(
          as.auditor,
          pallet,
          'ListPallets',
          pageSize,
          bookmark,
        );
      const first = await list('2', '');
      const second = await list('2', first.bookmark);
      expect([...first.items, ...second.items].map((p) => [p.palletId, p.custodianOrg])).toEqual([
        ['P1', PRODUCER],
        ['P2', PRODUCER],
        ['P3', CARRIER],
      ]);
      expect(second.bookmark).toBe('');
      await expect(list('0', '')).rejects.toThrow(/^INVALID_ARGUMENT/);
    });

    it('refuses auditors and malformed arguments', async () => {
      await expect(create('P9', as.auditor)).rejects.toThrow(/^FORBIDDEN/);
      await expect(
        s.ledger.submit(as.producerOperator, pallet, 'CreatePallet', '{"palletId":"P9","x":1}'),
      ).rejects.toThrow(/^INVALID_ARGUMENT/);
    });
  });

  describe('packing', () => {
    it('packs cases: the pallet lists them with their profiles, each case names the pallet', async () => {
      const packed = await pack('P1', ['C2', 'C1']);
      expect(packed.result.pallet.contents.map((c) => [c.caseId, c.complianceProfile])).toEqual([
        ['C1', { temperatureC: { min: 2, max: 8 } }],
        ['C2', { temperatureC: { min: 2, max: 12 } }],
      ]);
      expect(packed.result.pallet.history.at(-1)).toMatchObject({
        action: 'packed',
        caseIds: ['C2', 'C1'],
        byOrg: PRODUCER,
        txId: packed.txId,
      });
      expect(await getShipment('C1')).toMatchObject({
        palletId: 'P1',
        palletTrips: [{ palletId: 'P1', packedAtTxId: packed.txId, unpackedAtTxId: null }],
      });
      expect(packed.event).toEqual({
        name: LedgerEvent.CasesPacked,
        payload: { palletId: 'P1', custodianOrg: PRODUCER, caseIds: ['C2', 'C1'] },
      });
    });

    it('lets only the custodian of the pallet pack onto it', async () => {
      await s.createShipment('C3', as.carrierOperator);
      await expect(pack('P1', ['C3'], as.carrierOperator)).rejects.toThrow(
        /^FORBIDDEN: only an operator or admin of ProducerMSP may pack cases onto pallet P1/,
      );
      await expect(pack('P1', ['C1'], as.auditor)).rejects.toThrow(/^FORBIDDEN/);
    });

    it('lets only the custodian of every case pack it, and writes nothing when one case is refused', async () => {
      await s.createShipment('C3', as.carrierOperator);
      await expect(pack('P1', ['C1', 'C3'])).rejects.toThrow(
        /^FORBIDDEN: only an operator or admin of CarrierMSP may pack shipment C3/,
      );
      expect((await getPallet('P1')).contents).toEqual([]);
      expect((await getShipment('C1')).palletId).toBeUndefined();
    });

    it('puts a case on at most one pallet at a time', async () => {
      await create('P2');
      await pack('P1', ['C1']);
      await expect(pack('P2', ['C1'])).rejects.toThrow(
        /^CONFLICT: shipment C1 is already packed on pallet P1; unpack it first/,
      );
      await expect(pack('P1', ['C1'])).rejects.toThrow(
        /^CONFLICT: shipment C1 is already packed on pallet P1/,
      );
    });

    it('refuses cases under a custody offer, delivered cases and unknown ones', async () => {
      await s.ledger.submit(as.producerOperator, shipment, 'OfferCustody', 'C1', CARRIER);
      await expect(pack('P1', ['C1'])).rejects.toThrow(/^OFFER_PENDING: custody of shipment C1 is offered/);
      await s.ledger.submit(as.producerOperator, shipment, 'DeliverShipment', 'C2');
      await expect(pack('P1', ['C2'])).rejects.toThrow(/^SHIPMENT_DELIVERED/);
      await expect(pack('P1', ['C404'])).rejects.toThrow(/^NOT_FOUND: shipment C404 does not exist/);
    });
  });

  describe('custody', () => {
    beforeEach(async () => {
      await pack('P1', ['C1', 'C2']);
    });

    it("moves the custody of every case with the pallet's, in the same transaction", async () => {
      const offer = await s.ledger.submit<PalletRecord>(
        as.producerOperator,
        pallet,
        'OfferCustody',
        'P1',
        CARRIER,
      );
      expect(offer.result).toMatchObject({ status: 'custody-offered', pendingOffer: { toOrg: CARRIER } });
      const accept = await s.ledger.submit<Packing>(as.carrierOperator, pallet, 'AcceptCustody', 'P1');
      expect(accept.result.pallet).toMatchObject({ custodianOrg: CARRIER, pendingOffer: null });
      for (const id of ['C1', 'C2']) {
        const moved = await getShipment(id);
        expect(moved.custodianOrg).toBe(CARRIER);
        expect(moved.custody.at(-1)).toEqual({
          action: 'accepted',
          byOrg: CARRIER,
          by: expect.any(String) as string,
          custodianOrg: CARRIER,
          fromOrg: PRODUCER,
          toOrg: null,
          reason: null,
          palletId: 'P1',
          txId: accept.txId,
          at: expect.any(Number) as number,
        });
      }
      expect(accept.event).toEqual({
        name: LedgerEvent.PalletCustodyAccepted,
        payload: {
          palletId: 'P1',
          custodianOrg: CARRIER,
          caseIds: ['C1', 'C2'],
          fromOrg: PRODUCER,
          toOrg: CARRIER,
        },
      });
    });

    it('refuses a packed case custody steps of its own, and its delivery', async () => {
      await expect(
        s.ledger.submit(as.producerOperator, shipment, 'OfferCustody', 'C1', CARRIER),
      ).rejects.toThrow(/^CONFLICT: shipment C1 is packed on pallet P1; its custody moves with the pallet/);
      await expect(s.ledger.submit(as.producerOperator, shipment, 'DeliverShipment', 'C1')).rejects.toThrow(
        /^CONFLICT: shipment C1 is packed on pallet P1/,
      );
    });

    it('holds packing and unpacking while an offer is pending', async () => {
      await s.createShipment('C3');
      await s.ledger.submit(as.producerOperator, pallet, 'OfferCustody', 'P1', CARRIER);
      await expect(pack('P1', ['C3'])).rejects.toThrow(/^OFFER_PENDING: custody of pallet P1 is offered/);
      await expect(unpack('P1', ['C1'])).rejects.toThrow(/^OFFER_PENDING/);
      await expect(
        s.ledger.submit(as.producerOperator, pallet, 'OfferCustody', 'P1', CARRIER),
      ).rejects.toThrow(/^OFFER_PENDING/);
    });

    it('lets only the offered organisation accept or reject, and a rejection leaves every case where it was', async () => {
      await expect(s.ledger.submit(as.carrierOperator, pallet, 'AcceptCustody', 'P1')).rejects.toThrow(
        /^NO_PENDING_OFFER/,
      );
      await s.ledger.submit(as.producerOperator, pallet, 'OfferCustody', 'P1', CARRIER);
      await expect(s.ledger.submit(as.retailerOperator, pallet, 'AcceptCustody', 'P1')).rejects.toThrow(
        /^FORBIDDEN: only an operator or admin of CarrierMSP may accept custody of pallet P1/,
      );
      await expect(s.ledger.submit(as.auditor, pallet, 'AcceptCustody', 'P1')).rejects.toThrow(/^FORBIDDEN/);
      await s.ledger.submit(as.carrierOperator, pallet, 'RejectCustody', 'P1', 'no reefer space');
      expect(await getPallet('P1')).toMatchObject({ custodianOrg: PRODUCER, pendingOffer: null });
      expect((await getShipment('C1')).custodianOrg).toBe(PRODUCER);
    });

    it('refuses acceptance while a case has a breach without a disposition', async () => {
      await s.attach('C1', [caseLogger.deviceId]);
      await s.record(
        sign(
          caseLogger,
          reading(caseLogger.deviceId, 1, { shipmentId: 'C1', measurements: { temperatureC: 20 } }),
        ),
      );
      await s.ledger.submit(as.producerOperator, pallet, 'OfferCustody', 'P1', CARRIER);
      await expect(s.ledger.submit(as.carrierOperator, pallet, 'AcceptCustody', 'P1')).rejects.toThrow(
        /^OPEN_BREACH: shipment C1 has 1 breach/,
      );
      expect((await getShipment('C2')).custodianOrg).toBe(PRODUCER);
    });
  });

  describe('unpacking', () => {
    beforeEach(async () => {
      await pack('P1', ['C1', 'C2']);
    });

    it('restores independent custody: the case names no pallet and its custodian may hand it over', async () => {
      await handOver('P1');
      const unpacked = await unpack('P1', ['C1'], as.carrierOperator);
      expect(unpacked.result.pallet.contents.map((c) => c.caseId)).toEqual(['C2']);
      expect(unpacked.event).toMatchObject({ name: LedgerEvent.CasesUnpacked, payload: { caseIds: ['C1'] } });
      const c1 = await getShipment('C1');
      expect(c1).toMatchObject({
        palletId: null,
        custodianOrg: CARRIER,
        palletTrips: [{ palletId: 'P1', unpackedAtTxId: unpacked.txId, unpackedByOrg: CARRIER }],
      });
      const offer = await s.ledger.submit<ShipmentRecord>(
        as.carrierOperator,
        shipment,
        'OfferCustody',
        'C1',
        PRODUCER,
      );
      expect(offer.result.pendingOffer).toMatchObject({ toOrg: PRODUCER });
    });

    it('refuses cases not on the pallet, and anyone but its custodian', async () => {
      await s.createShipment('C3');
      await expect(unpack('P1', ['C3'])).rejects.toThrow(/^CONFLICT: shipment C3 is not packed on pallet P1/);
      await expect(unpack('P1', ['C1'], as.carrierOperator)).rejects.toThrow(
        /^FORBIDDEN: only an operator or admin of ProducerMSP may unpack cases from pallet P1/,
      );
    });
  });

  describe("a pallet logger's readings", () => {
    let packedAt: number;

    beforeEach(async () => {
      await attach('P1', [logger.deviceId]);
      const packed = await pack('P1', ['C1', 'C2']);
      packedAt = packed.result.pallet.history.at(-1)!.at;
    });

    const onPallet = (seq: number, temperatureC: number, measuredAt = packedAt + seq) =>
      reading(logger.deviceId, seq, { shipmentId: 'P1', measuredAt, measurements: { temperatureC } });

    it("are judged against each packed case's own profile, breaches recorded per case", async () => {
      // 10 °C breaks C1's 8 °C limit but not C2's 12 °C; 15 °C breaks both.
      const recorded = await s.record(sign(logger, onPallet(1, 10), onPallet(2, 15)));
      expect(recorded.result).toMatchObject({ accepted: 2, refused: 0 });
      const c1 = await breaches('C1');
      const c2 = await breaches('C2');
      expect(c1.map((b) => [b.breachId, b.palletId])).toEqual([
        ['pallet-logger-1/1/temperatureC.max', 'P1'],
        ['pallet-logger-1/2/temperatureC.max', 'P1'],
      ]);
      expect(c2.map((b: BreachRecord) => [b.breachId, b.shipmentId, b.limit])).toEqual([
        ['pallet-logger-1/2/temperatureC.max', 'C2', 12],
      ]);
      const event = recorded.event?.payload as { breaches: { shipmentId: string }[] };
      expect(event.breaches.map((b) => b.shipmentId)).toEqual(['C1', 'C1', 'C2']);
    });

    it('join the reading view of each packed case', async () => {
      await s.record(sign(logger, onPallet(1, 4), onPallet(2, 5)));
      for (const id of ['C1', 'C2']) {
        const page = await s.ledger.evaluate<{ items: unknown[] }>(
          as.auditor,
          contracts.reading,
          'GetReadingsByShipment',
          id,
          '50',
          '',
        );
        expect(page.items).toHaveLength(2);
      }
    });

    it('read the pallet once per batch, however many readings name it', async () => {
      const ctx = s.ledger.begin(as.producerOperator);
      const key = palletKey(ctx.stub, 'P1');
      const getState = ctx.stub.getState.bind(ctx.stub);
      let palletReads = 0;
      ctx.stub.getState = (k: string) => {
        if (k === key) palletReads++;
        return getState(k);
      };
      const batch = sign(logger, ...[1, 2, 3, 4, 5].map((seq) => onPallet(seq, 4)));
      const result = (await s.ledger.run(
        ctx,
        contracts.reading,
        'RecordReadings',
        [JSON.stringify(batch)],
        'SUBMIT',
      )) as IngestSummary;
      expect(result.accepted).toBe(5);
      expect(palletReads).toBe(1);
    });

    it('do not apply to a case measured before it was packed, nor after it was unpacked', async () => {
      await unpack('P1', ['C2']);
      await s.record(sign(logger, onPallet(1, 20, packedAt - 1), onPallet(2, 20)));
      expect((await breaches('C1')).map((b) => b.seq)).toEqual([2]);
      expect(await breaches('C2')).toEqual([]);
    });

    it("are listed under the pallet's own id, a page at a time, and stay there once the cases are unpacked", async () => {
      await s.record(sign(logger, onPallet(1, 4), onPallet(2, 5), onPallet(3, 6)));
      await unpack('P1', ['C1', 'C2']);
      const page = (bookmark: string) =>
        s.ledger.evaluate<{ items: { reading: { deviceId: string; seq: number } }[]; bookmark: string }>(
          as.auditor,
          contracts.reading,
          'GetReadingsByPallet',
          'P1',
          '2',
          bookmark,
        );
      const first = await page('');
      const second = await page(first.bookmark);
      expect([...first.items, ...second.items].map(({ reading: r }) => [r.deviceId, r.seq])).toEqual([
        [logger.deviceId, 1],
        [logger.deviceId, 2],
        [logger.deviceId, 3],
      ]);
      expect(second.bookmark).toBe('');
      await expect(
        s.ledger.evaluate(as.auditor, contracts.reading, 'GetReadingsByPallet', 'P9', '10', ''),
      ).rejects.toThrow(/^NOT_FOUND: pallet P9 does not exist/);
    });

    it('are refused SHIPMENT_MISMATCH from a device not attached to the pallet', async () => {
      const recorded = await s.record(
        sign(logger2, reading(logger2.deviceId, 1, { shipmentId: 'P1', measuredAt: packedAt + 1 })),
      );
      expect(recorded.result.verdicts[0]).toMatchObject({ status: 'refused', code: 'SHIPMENT_MISMATCH' });
    });

    const detach = (deviceIds: string[], by: TestIdentity = as.producerOperator) =>
      s.ledger.submit<{ attachments: { status: string; detachedAtTxId: string | null }[] }>(
        by,
        pallet,
        'DetachDevices',
        'P1',
        JSON.stringify(deviceIds),
      );

    it('are refused SHIPMENT_MISMATCH once the logger is detached, and accepted again once it is re-attached', async () => {
      expect((await s.record(sign(logger, onPallet(1, 4)))).result).toMatchObject({ accepted: 1 });
      const detached = await detach([logger.deviceId]);
      expect(detached.result.attachments).toEqual([
        expect.objectContaining({ status: 'detached', detachedAtTxId: detached.txId }),
      ]);
      const after = await s.record(sign(logger, onPallet(2, 4)));
      expect(after.result.verdicts[0]).toMatchObject({ status: 'refused', code: 'SHIPMENT_MISMATCH' });
      expect(detached.event).toMatchObject({
        name: LedgerEvent.PalletDevicesDetached,
        payload: { palletId: 'P1', deviceIds: [logger.deviceId] },
      });
      expect((await loggersOf('P1')).map((a) => [a.deviceId, a.status, a.detachedAtTxId])).toEqual([
        [logger.deviceId, 'detached', detached.txId],
      ]);

      await attach('P1', [logger.deviceId]);
      expect((await s.record(sign(logger, onPallet(3, 4)))).result).toMatchObject({ accepted: 1 });
      expect((await loggersOf('P1')).map((a) => [a.deviceId, a.status, a.detachedAtTxId])).toEqual([
        [logger.deviceId, 'attached', null],
      ]);
    });

    it('are detached by the custodian only, and only when attached', async () => {
      await expect(detach([logger.deviceId], as.carrierOperator)).rejects.toThrow(
        /^FORBIDDEN: only an operator or admin of ProducerMSP may detach devices from pallet P1/,
      );
      await expect(detach([logger.deviceId], as.auditor)).rejects.toThrow(/^FORBIDDEN/);
      await expect(detach([logger2.deviceId])).rejects.toThrow(
        /^CONFLICT: device pallet-logger-2 is not attached to pallet P1/,
      );
      // One device that is not attached refuses the whole call: the other stays attached.
      await expect(detach([logger.deviceId, logger2.deviceId])).rejects.toThrow(/^CONFLICT/);
      expect((await s.record(sign(logger, onPallet(1, 4)))).result).toMatchObject({ accepted: 1 });
      await expect(detach([])).rejects.toThrow(/^INVALID_ARGUMENT/);
    });
  });

  describe('provenance', () => {
    it("lists the pallets a case travelled on, in order, with pack, unpack, custody and the loggers' readings", async () => {
      await attach('P1', [logger.deviceId]);
      const packed1 = await pack('P1', ['C1', 'C2']);
      const at = packed1.result.pallet.history.at(-1)!.at;
      await s.record(
        sign(
          logger,
          reading(logger.deviceId, 1, {
            shipmentId: 'P1',
            measuredAt: at + 1,
            measurements: { temperatureC: 9 },
          }),
        ),
      );
      // The excursion's breach must be settled before custody of the case may pass with its pallet.
      await s.ledger.submit(
        as.producerOperator,
        shipment,
        'RecordBreachDisposition',
        'C1',
        JSON.stringify(['pallet-logger-1/1/temperatureC.max']),
        'release',
        '',
      );
      const accepted1 = await handOver('P1');
      const unpacked = await unpack('P1', ['C1'], as.carrierOperator);
      await create('P2', as.carrierOperator);
      const packed2 = await pack('P2', ['C1'], as.carrierOperator);
      const accepted2 = await handOver('P2', as.carrierOperator, as.producerOperator);

      const provenance = await s.ledger.evaluate<ShipmentProvenance>(
        as.auditor,
        shipment,
        'GetShipmentProvenance',
        'C1',
      );
      expect(provenance.pallets).toMatchObject([
        {
          palletId: 'P1',
          packedAtTxId: packed1.txId,
          unpackedAtTxId: unpacked.txId,
          custody: [{ action: 'offered' }, { action: 'accepted', txId: accepted1.txId }],
          readings: [{ deviceId: logger.deviceId, count: 1, firstSeq: 1, lastSeq: 1 }],
          breachIds: ['pallet-logger-1/1/temperatureC.max'],
        },
        {
          palletId: 'P2',
          packedAtTxId: packed2.txId,
          unpackedAtTxId: null,
          custody: [{ action: 'offered' }, { action: 'accepted', txId: accepted2.txId }],
          readings: [],
          breachIds: [],
        },
      ]);
      expect(provenance.shipment.custody.map((c) => [c.action, c.custodianOrg, c.palletId])).toEqual([
        ['created', PRODUCER, undefined],
        ['accepted', CARRIER, 'P1'],
        ['accepted', PRODUCER, 'P2'],
      ]);
    });
  });
});
