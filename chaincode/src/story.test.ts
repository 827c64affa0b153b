import { LedgerEvent } from '@provena/wire';
import type { ShipmentProvenance } from './provenance.query';
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

const { shipment } = contracts;

it('follows a shipment from registration to accepted custody, and provenance shows every step with its tx id', async () => {
  const s = new Scenario();
  const logger = newTestDevice('reefer-0001');

  const registered = await s.registerDevice(logger);
  const created = await s.createShipment('SHP-2026-0001');
  const attached = await s.attach('SHP-2026-0001', ['reefer-0001']);

  const recorded = await s.record(
    sign(
      logger,
      reading('reefer-0001', 1, { shipmentId: 'SHP-2026-0001', measurements: { temperatureC: 5.1 } }),
      reading('reefer-0001', 2, { shipmentId: 'SHP-2026-0001', measurements: { temperatureC: 11.4 } }),
    ),
  );
  expect(recorded.result).toMatchObject({ accepted: 2, refused: 0 });
  const breachId = 'reefer-0001/2/temperatureC.max';
  expect(recorded.event?.payload).toMatchObject({ breaches: [{ breachId, limit: 8, observed: 11.4 }] });

  const offered = await s.ledger.submit(
    as.producerOperator,
    shipment,
    'OfferCustody',
    'SHP-2026-0001',
    CARRIER,
  );
  await expect(
    s.ledger.submit(as.carrierOperator, shipment, 'AcceptCustody', 'SHP-2026-0001'),
  ).rejects.toThrow(
    /^OPEN_BREACH: shipment SHP-2026-0001 has 1 breach\(es\) without a disposition \(reefer-0001\/2\/temperatureC.max\)/,
  );
  await expect(
    s.ledger.submit(as.producerOperator, shipment, 'DeliverShipment', 'SHP-2026-0001'),
  ).rejects.toThrow(/^OFFER_PENDING/);

  const disposed = await s.ledger.submit(
    as.producerOperator,
    shipment,
    'RecordBreachDisposition',
    'SHP-2026-0001',
    JSON.stringify([breachId]),
    'release',
    'door opened at cross-dock for 4 minutes; core temperature stayed in range',
  );
  const accepted = await s.ledger.submit(as.carrierOperator, shipment, 'AcceptCustody', 'SHP-2026-0001');

  const provenance = await s.ledger.evaluate<ShipmentProvenance>(
    as.auditor,
    shipment,
    'GetShipmentProvenance',
    'SHP-2026-0001',
  );
  expect(provenance.shipment).toMatchObject({
    custodianOrg: CARRIER,
    ownerOrg: PRODUCER,
    status: 'in-custody',
  });
  expect(provenance.shipment.custody.map((c) => [c.action, c.byOrg, c.custodianOrg, c.txId])).toEqual([
    ['created', PRODUCER, PRODUCER, created.txId],
    ['offered', PRODUCER, PRODUCER, offered.txId],
    ['accepted', CARRIER, CARRIER, accepted.txId],
  ]);
  expect(provenance.attachments).toEqual([
    expect.objectContaining({ deviceId: 'reefer-0001', status: 'attached', attachedAtTxId: attached.txId }),
  ]);
  expect(provenance.breaches).toEqual([
    expect.objectContaining({
      breachId,
      txId: recorded.txId,
      observed: 11.4,
      disposition: expect.objectContaining({ decision: 'release', byOrg: PRODUCER, txId: disposed.txId }),
    }),
  ]);
  expect(provenance.openBreaches).toBe(0);
  expect(provenance.readings).toEqual([
    { deviceId: 'reefer-0001', count: 2, firstSeq: 1, lastSeq: 2, txIds: [recorded.txId] },
  ]);

  // Every state change emitted its event, in ledger order, each from its own transaction.
  expect(s.ledger.events().map((e) => [e.name, e.txId])).toEqual([
    [LedgerEvent.DeviceRegistered, registered.txId],
    [LedgerEvent.ShipmentCreated, created.txId],
    [LedgerEvent.DevicesAttached, attached.txId],
    [LedgerEvent.ReadingsRecorded, recorded.txId],
    [LedgerEvent.CustodyOffered, offered.txId],
    [LedgerEvent.BreachDisposed, disposed.txId],
    [LedgerEvent.CustodyAccepted, accepted.txId],
  ]);
});
