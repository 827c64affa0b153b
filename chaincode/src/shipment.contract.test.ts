import { LedgerEvent } from '@provena/wire';
import type { AttachmentRecord, ShipmentRecord } from './shipment.model';
import {
  as,
  CARRIER,
  contracts,
  newTestDevice,
  PRODUCER,
  Scenario,
  shipmentJson,
} from './testing/test-fixtures';

const { shipment, device } = contracts;
const d1 = newTestDevice('reefer-0001');
const d2 = newTestDevice('tracker-0002');

describe('shipment contract', () => {
  let s: Scenario;

  beforeEach(async () => {
    s = new Scenario();
    await s.registerDevice(d1);
    await s.registerDevice(d2, CARRIER);
  });

  describe('CreateShipment', () => {
    it('makes the caller’s organisation owner and custodian, starting the custody chain', async () => {
      const { result, txId, event } = await s.createShipment('S1');
      expect(result).toMatchObject({
        shipmentId: 'S1',
        productCode: 'VACCINE-X',
        quantity: 1200,
        complianceProfile: { temperatureC: { min: 2, max: 8 } },
        ownerOrg: PRODUCER,
        custodianOrg: PRODUCER,
        status: 'in-custody',
        pendingOffer: null,
        createdAtTxId: txId,
        custody: [{ action: 'created', byOrg: PRODUCER, custodianOrg: PRODUCER, txId }],
      });
      // The order travels in the event, so a demand forecaster can rebuild order history from events alone.
      expect(event).toEqual({
        name: LedgerEvent.ShipmentCreated,
        payload: {
          shipmentId: 'S1',
          custodianOrg: PRODUCER,
          productCode: 'VACCINE-X',
          quantity: 1200,
          origin: 'Amsterdam',
          destination: 'Lyon',
          orderedAt: (result as ShipmentRecord).createdAt,
        },
      });
    });

    it('records when the order was placed: the creation time by default, an earlier date for imported history', async () => {
      const created = (await s.createShipment('S1')).result as ShipmentRecord;
      expect(created.orderedAt).toBe(created.createdAt);
      const ordered = Date.UTC(2025, 0, 6);
      const imported = (await s.createShipment('S2', as.producerOperator, { orderedAt: ordered }))
        .result as ShipmentRecord;
      expect(imported.orderedAt).toBe(ordered);
    });

    it('puts the imported order date, not the creation time, in the ShipmentCreated event', async () => {
      const ordered = Date.UTC(2025, 0, 6);
      const { event } = await s.createShipment('S2', as.carrierOperator, { orderedAt: ordered, quantity: 7 });
      expect(event?.payload).toMatchObject({ custodianOrg: CARRIER, quantity: 7, orderedAt: ordered });
    });

    it.each([
      [
        'in the future',
        () => Date.now() + 3_600_000,
        /^INVALID_ARGUMENT: shipment.orderedAt lies in the future/,
      ],
      ['before 2020', () => Date.UTC(2019, 11, 31), /^INVALID_ARGUMENT: shipment.orderedAt/],
      ['not an integer', () => 1.5, /^INVALID_ARGUMENT: shipment.orderedAt/],
    ])('refuses an order date %s', async (_what, orderedAt, message) => {
      await expect(s.createShipment('S1', as.producerOperator, { orderedAt: orderedAt() })).rejects.toThrow(
        message,
      );
    });

    it('refuses an auditor, saying who may', async () => {
      await expect(s.createShipment('S1', as.auditor)).rejects.toThrow(
        /^FORBIDDEN: only an operator or admin of a member organisation may create a shipment; AuditorMSP may only read$/,
      );
    });

    it('refuses an existing id', async () => {
      await s.createShipment('S1');
      await expect(s.createShipment('S1', as.carrierOperator)).rejects.toThrow(
        /^ALREADY_EXISTS: shipment S1/,
      );
    });

    it.each([
      ['a zero quantity', { quantity: 0 }, /shipment.quantity must be between 1/],
      ['a fractional quantity', { quantity: 2.5 }, /shipment.quantity must be an integer/],
      ['a string quantity', { quantity: '12' }, /shipment.quantity must be an integer/],
      ['an unknown field', { priority: 'high' }, /shipment.priority is not a known field/],
      [
        'an unknown profile measurement',
        { complianceProfile: { co2Ppm: { max: 5 } } },
        /complianceProfile.co2Ppm is not a known field/,
      ],
      [
        'a shock minimum',
        { complianceProfile: { shockG: { min: 1, max: 5 } } },
        /shockG.min is not a known field/,
      ],
      ['min above max', { complianceProfile: { temperatureC: { min: 9, max: 8 } } }, /min must not exceed/],
      [
        'an implausible limit',
        { complianceProfile: { humidityPct: { max: 140 } } },
        /humidityPct.max must be between 0 and 100/,
      ],
      ['an empty origin', { origin: '' }, /shipment.origin must not be empty/],
      ['a newline in the destination', { destination: 'Lyon\nParis' }, /control characters/],
    ])('refuses %s', async (_what, change, message) => {
      await expect(s.createShipment('S1', as.producerOperator, change)).rejects.toThrow(message);
    });

    it('refuses NaN in the JSON as malformed', async () => {
      const json = shipmentJson('S1').replace('1200', 'NaN');
      await expect(s.ledger.submit(as.producerOperator, shipment, 'CreateShipment', json)).rejects.toThrow(
        /^INVALID_ARGUMENT: shipmentJson: MALFORMED_JSON/,
      );
    });
  });

  describe('AttachDevices and DetachDevices', () => {
    beforeEach(async () => {
      await s.createShipment('S1');
    });

    it('attaches devices with the shipment’s profile, one key per (shipment, device)', async () => {
      const { result, txId, event } = await s.attach('S1', ['reefer-0001', 'tracker-0002']);
      expect((result as { attachments: AttachmentRecord[] }).attachments).toEqual([
        expect.objectContaining({ deviceId: 'reefer-0001', status: 'attached', attachedAtTxId: txId }),
        expect.objectContaining({
          deviceId: 'tracker-0002',
          complianceProfile: { temperatureC: { min: 2, max: 8 } },
        }),
      ]);
      expect(event).toEqual({
        name: LedgerEvent.DevicesAttached,
        payload: { shipmentId: 'S1', custodianOrg: PRODUCER, deviceIds: ['reefer-0001', 'tracker-0002'] },
      });
      expect(s.ledger.keys().filter((k) => k.startsWith('\u0000attachment\u0000'))).toHaveLength(2);
    });

    it('detaches a device, keeping the attachment record marked detached', async () => {
      await s.attach('S1', ['reefer-0001']);
      const { result, txId, event } = await s.ledger.submit<{ attachments: AttachmentRecord[] }>(
        as.producerOperator,
        shipment,
        'DetachDevices',
        'S1',
        '["reefer-0001"]',
      );
      expect(result.attachments[0]).toMatchObject({ status: 'detached', detachedAtTxId: txId });
      expect(event?.name).toBe(LedgerEvent.DevicesDetached);
      await expect(
        s.ledger.submit(as.producerOperator, shipment, 'DetachDevices', 'S1', '["reefer-0001"]'),
      ).rejects.toThrow(/^CONFLICT: device reefer-0001 is not attached to shipment S1/);
    });

    it('refuses unknown, revoked and already attached devices, and nothing is written', async () => {
      await expect(s.attach('S1', ['reefer-0001', 'ghost'])).rejects.toThrow(/^NOT_FOUND: device ghost/);
      await s.ledger.submit(as.carrierAdmin, device, 'RevokeDevice', 'tracker-0002', 'stolen');
      await expect(s.attach('S1', ['tracker-0002'])).rejects.toThrow(/^DEVICE_REVOKED: device tracker-0002/);
      await s.attach('S1', ['reefer-0001']);
      await expect(s.attach('S1', ['reefer-0001'])).rejects.toThrow(
        /^CONFLICT: device reefer-0001 is already attached/,
      );
    });

    it.each([
      [
        'another organisation',
        as.carrierOperator,
        /^FORBIDDEN: only an operator or admin of ProducerMSP may attach devices of shipment S1$/,
      ],
      [
        'an auditor',
        as.auditor,
        /^FORBIDDEN: only an operator or admin of ProducerMSP may attach devices of shipment S1$/,
      ],
    ])('refuses %s', async (_who, identity, message) => {
      await expect(s.attach('S1', ['reefer-0001'], identity)).rejects.toThrow(message);
    });

    it.each([
      ['not an array', '"reefer-0001"', /must be a JSON array/],
      ['an empty list', '[]', /must hold 1 to 100 ids/],
      ['a duplicate', '["reefer-0001","reefer-0001"]', /names reefer-0001 twice/],
      ['a U+0000 in an id', '["reefer\\u00000001"]', /SCHEMA_VIOLATION: deviceIdsJson\[0\]/],
    ])('refuses a device list that is %s', async (_what, json, message) => {
      await expect(
        s.ledger.submit(as.producerOperator, shipment, 'AttachDevices', 'S1', json),
      ).rejects.toThrow(message);
    });
  });

  describe('queries', () => {
    it('lists shipments page by page', async () => {
      for (const id of ['S3', 'S1', 'S2']) await s.createShipment(id);
      const page = await s.ledger.evaluate<{ items: ShipmentRecord[]; bookmark: string }>(
        as.auditor,
        shipment,
        'ListShipments',
        '2',
        '',
      );
      expect(page.items.map((x) => x.shipmentId)).toEqual(['S1', 'S2']);
      const rest = await s.ledger.evaluate<{ items: ShipmentRecord[]; bookmark: string }>(
        as.auditor,
        shipment,
        'ListShipments',
        '2',
        page.bookmark,
      );
      expect(rest).toMatchObject({ bookmark: '', items: [{ shipmentId: 'S3' }] });
    });

    it('returns NOT_FOUND for a shipment that does not exist', async () => {
      await expect(s.ledger.evaluate(as.auditor, shipment, 'GetShipment', 'nope')).rejects.toThrow(
        /^NOT_FOUND/,
      );
    });

    it('traces every version of a record with GetHistory', async () => {
      const created = await s.createShipment('S1');
      const offered = await s.ledger.submit(as.producerOperator, shipment, 'OfferCustody', 'S1', CARRIER);
      const history = await s.ledger.evaluate<{
        entries: { txId: string; isDelete: boolean; value: ShipmentRecord }[];
      }>(as.auditor, shipment, 'GetHistory', 'shipment', '{"shipmentId":"S1"}');
      expect(history.entries.map((e) => [e.txId, e.value.status])).toEqual([
        [offered.txId, 'custody-offered'],
        [created.txId, 'in-custody'],
      ]);
    });

    it.each([
      ['an unknown kind', 'contract', '{"shipmentId":"S1"}', /^INVALID_ARGUMENT: kind must be one of/],
      ['missing id fields', 'reading', '{"deviceId":"d1"}', /^INVALID_ARGUMENT: id.seq is required/],
      [
        'extra id fields',
        'device',
        '{"deviceId":"d1","seq":1}',
        /^INVALID_ARGUMENT: id.seq is not a known field/,
      ],
    ])('refuses GetHistory with %s', async (_what, kind, idJson, message) => {
      await expect(s.ledger.evaluate(as.auditor, shipment, 'GetHistory', kind, idJson)).rejects.toThrow(
        message,
      );
    });
  });
});
