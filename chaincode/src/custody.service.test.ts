import { LedgerEvent } from '@provena/wire';
import type { BreachRecord, ShipmentRecord } from './shipment.model';
import {
  as,
  AUDITOR,
  CARRIER,
  contracts,
  newTestDevice,
  PRODUCER,
  reading,
  RETAILER,
  Scenario,
  sign,
} from './testing/test-fixtures';

const { shipment } = contracts;
const d1 = newTestDevice('reefer-0001');
const d2 = newTestDevice('tracker-0002');

describe('custody and breach dispositions', () => {
  let s: Scenario;

  beforeEach(async () => {
    s = new Scenario();
    await s.registerDevice(d1);
    await s.registerDevice(d2, CARRIER);
  });

  describe('custody', () => {
    beforeEach(async () => {
      await s.createShipment('S1');
    });

    it('passes custody in two steps, each recorded with its transaction', async () => {
      const offer = await s.ledger.submit<ShipmentRecord>(
        as.producerOperator,
        shipment,
        'OfferCustody',
        'S1',
        CARRIER,
      );
      expect(offer.result).toMatchObject({
        status: 'custody-offered',
        pendingOffer: { toOrg: CARRIER, offeredAtTxId: offer.txId },
      });
      expect(offer.event).toEqual({
        name: LedgerEvent.CustodyOffered,
        payload: { shipmentId: 'S1', custodianOrg: PRODUCER, fromOrg: PRODUCER, toOrg: CARRIER },
      });
      const accept = await s.ledger.submit<ShipmentRecord>(
        as.carrierOperator,
        shipment,
        'AcceptCustody',
        'S1',
      );
      expect(accept.result).toMatchObject({
        custodianOrg: CARRIER,
        ownerOrg: PRODUCER,
        status: 'in-custody',
        pendingOffer: null,
      });
      expect(accept.result.custody.map((c) => [c.action, c.byOrg, c.custodianOrg, c.txId])).toEqual([
        ['created', PRODUCER, PRODUCER, expect.any(String)],
        ['offered', PRODUCER, PRODUCER, offer.txId],
        ['accepted', CARRIER, CARRIER, accept.txId],
      ]);
      expect(accept.event).toEqual({
        name: LedgerEvent.CustodyAccepted,
        payload: { shipmentId: 'S1', custodianOrg: CARRIER, fromOrg: PRODUCER, toOrg: CARRIER },
      });
    });

    it('lets only the current custodian offer, one offer at a time, never to itself or the auditor', async () => {
      await expect(
        s.ledger.submit(as.carrierOperator, shipment, 'OfferCustody', 'S1', RETAILER),
      ).rejects.toThrow(
        /^FORBIDDEN: only an operator or admin of ProducerMSP may offer custody of shipment S1$/,
      );
      await expect(
        s.ledger.submit(as.producerOperator, shipment, 'OfferCustody', 'S1', PRODUCER),
      ).rejects.toThrow(/^INVALID_ARGUMENT: toOrg must be a member organisation other than the custodian/);
      await expect(
        s.ledger.submit(as.producerOperator, shipment, 'OfferCustody', 'S1', AUDITOR),
      ).rejects.toThrow(/^INVALID_ARGUMENT/);
      await s.ledger.submit(as.producerOperator, shipment, 'OfferCustody', 'S1', CARRIER);
      await expect(
        s.ledger.submit(as.producerOperator, shipment, 'OfferCustody', 'S1', RETAILER),
      ).rejects.toThrow(/^OFFER_PENDING: custody of shipment S1 is already offered to CarrierMSP/);
    });

    it('lets only the named receiver accept or reject', async () => {
      await s.ledger.submit(as.producerOperator, shipment, 'OfferCustody', 'S1', CARRIER);
      for (const fn of ['AcceptCustody', 'RejectCustody']) {
        const args = fn === 'RejectCustody' ? ['S1', 'no room'] : ['S1'];
        await expect(s.ledger.submit(as.retailerOperator, shipment, fn, ...args)).rejects.toThrow(
          new RegExp(
            `^FORBIDDEN: only an operator or admin of CarrierMSP may ${fn === 'AcceptCustody' ? 'accept' : 'reject'} custody of shipment S1$`,
          ),
        );
        await expect(s.ledger.submit(as.auditor, shipment, fn, ...args)).rejects.toThrow(/^FORBIDDEN/);
      }
    });

    it('refuses an auditor FORBIDDEN even when no offer is pending', async () => {
      await expect(s.ledger.submit(as.auditor, shipment, 'AcceptCustody', 'S1')).rejects.toThrow(
        /^FORBIDDEN: only an operator or admin of the organisation offered custody may accept it; AuditorMSP may only read$/,
      );
    });

    it('refuses accept and reject without a pending offer', async () => {
      await expect(s.ledger.submit(as.carrierOperator, shipment, 'AcceptCustody', 'S1')).rejects.toThrow(
        /^NO_PENDING_OFFER: no custody offer is pending for shipment S1/,
      );
      await expect(s.ledger.submit(as.carrierOperator, shipment, 'RejectCustody', 'S1', 'x')).rejects.toThrow(
        /^NO_PENDING_OFFER/,
      );
    });

    it('records a rejection with its reason and leaves custody where it was', async () => {
      await s.ledger.submit(as.producerOperator, shipment, 'OfferCustody', 'S1', CARRIER);
      const { result, event } = await s.ledger.submit<ShipmentRecord>(
        as.carrierOperator,
        shipment,
        'RejectCustody',
        'S1',
        'reefer unit full',
      );
      expect(result).toMatchObject({ custodianOrg: PRODUCER, status: 'in-custody', pendingOffer: null });
      expect(result.custody.at(-1)).toMatchObject({
        action: 'rejected',
        byOrg: CARRIER,
        toOrg: CARRIER,
        reason: 'reefer unit full',
      });
      expect(event?.name).toBe(LedgerEvent.CustodyRejected);
    });

    it('delivers only by the custodian with no pending offer, and closes the shipment', async () => {
      await s.ledger.submit(as.producerOperator, shipment, 'OfferCustody', 'S1', CARRIER);
      await expect(s.ledger.submit(as.producerOperator, shipment, 'DeliverShipment', 'S1')).rejects.toThrow(
        /^OFFER_PENDING/,
      );
      await s.ledger.submit(as.carrierOperator, shipment, 'AcceptCustody', 'S1');
      await expect(s.ledger.submit(as.producerOperator, shipment, 'DeliverShipment', 'S1')).rejects.toThrow(
        /^FORBIDDEN: only an operator or admin of CarrierMSP may deliver shipment S1$/,
      );
      const { result, event } = await s.ledger.submit<ShipmentRecord>(
        as.carrierOperator,
        shipment,
        'DeliverShipment',
        'S1',
      );
      expect(result.status).toBe('delivered');
      expect(event).toEqual({
        name: LedgerEvent.ShipmentDelivered,
        payload: { shipmentId: 'S1', custodianOrg: CARRIER },
      });
      await expect(
        s.ledger.submit(as.carrierOperator, shipment, 'OfferCustody', 'S1', RETAILER),
      ).rejects.toThrow(/^SHIPMENT_DELIVERED/);
      await expect(s.attach('S1', ['tracker-0002'], as.carrierOperator)).rejects.toThrow(
        /^SHIPMENT_DELIVERED/,
      );
    });
  });

  describe('breach dispositions', () => {
    let breachId: string;

    beforeEach(async () => {
      await s.createShipment('S1');
      await s.attach('S1', ['reefer-0001']);
      const warm = reading('reefer-0001', 1, { shipmentId: 'S1', measurements: { temperatureC: 11.5 } });
      await s.record(sign(d1, warm));
      breachId = 'reefer-0001/1/temperatureC.max';
    });

    it('invalidates an accept that raced a new breach (phantom read), so custody never passes over it', async () => {
      await s.ledger.submit(
        as.producerOperator,
        shipment,
        'RecordBreachDisposition',
        'S1',
        JSON.stringify([breachId]),
        'release',
        '',
      );
      await s.ledger.submit(as.producerOperator, shipment, 'OfferCustody', 'S1', CARRIER);
      const accept = s.ledger.begin(as.carrierOperator);
      await s.ledger.run(accept, shipment, 'AcceptCustody', ['S1'], 'SUBMIT');
      const hot = reading('reefer-0001', 2, { shipmentId: 'S1', measurements: { temperatureC: 12 } });
      await s.record(sign(d1, hot));
      expect(s.ledger.commit(accept)).toBe('PHANTOM_READ_CONFLICT');
      await expect(s.ledger.submit(as.carrierOperator, shipment, 'AcceptCustody', 'S1')).rejects.toThrow(
        /^OPEN_BREACH/,
      );
    });

    it('settles breaches with a decision, once, by the custodian or the owner', async () => {
      const { result, txId, event } = await s.ledger.submit<{ breaches: BreachRecord[] }>(
        as.producerOperator,
        shipment,
        'RecordBreachDisposition',
        'S1',
        JSON.stringify([breachId]),
        'quarantine',
        'probe near the door; product re-tested',
      );
      expect(result.breaches[0]).toMatchObject({
        breachId,
        observed: 11.5,
        limit: 8,
        disposition: {
          decision: 'quarantine',
          byOrg: PRODUCER,
          txId,
          note: 'probe near the door; product re-tested',
        },
      });
      expect(event).toEqual({
        name: LedgerEvent.BreachDisposed,
        payload: { shipmentId: 'S1', breachIds: [breachId], disposition: 'quarantine' },
      });
      await expect(
        s.ledger.submit(
          as.producerOperator,
          shipment,
          'RecordBreachDisposition',
          'S1',
          JSON.stringify([breachId]),
          'release',
          '',
        ),
      ).rejects.toThrow(
        /^CONFLICT: breach reefer-0001\/1\/temperatureC.max already has the disposition quarantine/,
      );
    });

    it('refuses organisations that are neither custodian nor owner', async () => {
      await expect(
        s.ledger.submit(
          as.carrierOperator,
          shipment,
          'RecordBreachDisposition',
          'S1',
          JSON.stringify([breachId]),
          'release',
          '',
        ),
      ).rejects.toThrow(
        /^FORBIDDEN: only an operator or admin of ProducerMSP may record breach dispositions for shipment S1$/,
      );
    });

    it.each([
      [
        'an unknown decision',
        [JSON.stringify(['reefer-0001/1/temperatureC.max']), 'ignore', ''],
        /^INVALID_ARGUMENT: decision must be one of release, quarantine, destroy, return/,
      ],
      [
        'a malformed breach id',
        [JSON.stringify(['reefer-0001/x/temperatureC.max']), 'release', ''],
        /^INVALID_ARGUMENT: breachIdsJson\[0\] must be/,
      ],
      ['an unknown rule', [JSON.stringify(['reefer-0001/1/co2.max']), 'release', ''], /^INVALID_ARGUMENT/],
      [
        'a breach that does not exist',
        [JSON.stringify(['reefer-0001/2/temperatureC.max']), 'release', ''],
        /^NOT_FOUND: shipment S1 has no breach/,
      ],
    ])('refuses %s', async (_what, args, message) => {
      await expect(
        s.ledger.submit(as.producerOperator, shipment, 'RecordBreachDisposition', 'S1', ...args),
      ).rejects.toThrow(message);
    });
  });
});
