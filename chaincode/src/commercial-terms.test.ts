import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  COMMERCIAL_TERMS_COLLECTION,
  commercialTermsHash,
  LedgerEvent,
  TRADING_MSPS,
  type CommercialTerms,
} from '@provena/wire';
import type { CommercialTermsHashView, CommercialTermsView } from './commercial-terms';
import type { TestIdentity } from './testing/in-memory-context';
import { as, contracts, Scenario, shipmentJson } from './testing/test-fixtures';

const { shipment } = contracts;

function termsOf(shipmentId: string, overrides: Partial<CommercialTerms> = {}): CommercialTerms {
  return {
    shipmentId,
    price: { amount: '18.40', currency: 'EUR' },
    quantity: { amount: '1200', unit: 'KGM' },
    customer: 'Fjord Fresh AS',
    salt: 'q2v8GmY3yQn1pX0cR7tB5w',
    ...overrides,
  };
}

const transient = (value: unknown) => ({
  transient: { commercialTerms: Buffer.from(JSON.stringify(value), 'utf8') },
});

describe('commercial terms in a private data collection', () => {
  let s: Scenario;

  const createWithTerms = (id: string, terms: unknown, by: TestIdentity = as.producerOperator) =>
    s.ledger.submitAt(by, transient(terms), shipment, 'CreateShipment', shipmentJson(id));
  const setTerms = (id: string, terms: unknown, by: TestIdentity = as.producerOperator) =>
    s.ledger.submitAt<{ termsHash: string }>(by, transient(terms), shipment, 'SetCommercialTerms', id);
  const read = (id: string, by: TestIdentity) =>
    s.ledger.evaluate<CommercialTermsView>(by, shipment, 'GetCommercialTerms', id);
  const hash = (id: string, by: TestIdentity = as.auditor) =>
    s.ledger.evaluate<CommercialTermsHashView>(by, shipment, 'GetCommercialTermsHash', id);

  beforeEach(() => {
    s = new Scenario();
  });

  it('records terms with the shipment: both trading organisations read them, everyone may check the hash', async () => {
    const terms = termsOf('S1');
    await createWithTerms('S1', terms);

    for (const member of [as.producerOperator, as.carrierOperator]) {
      const view = await read('S1', member);
      expect(view.terms).toEqual(terms);
      expect(view.termsHash).toBe(commercialTermsHash(terms));
    }
    expect(await hash('S1')).toEqual({ shipmentId: 'S1', termsHash: commercialTermsHash(terms) });
  });

  it('keeps the values out of world state, the arguments and the event', async () => {
    const terms = termsOf('S1', {
      customer: 'Secret Customer GmbH',
      price: { amount: '987.65', currency: 'NOK' },
    });
    const created = await createWithTerms('S1', terms);

    expect(s.ledger.dump()).not.toMatch(/Secret Customer|987\.65/);
    expect(JSON.stringify(created.event)).not.toMatch(/Secret Customer|987\.65/);
    expect(s.ledger.getPrivate(COMMERCIAL_TERMS_COLLECTION, 'terms/S1')).toContain('Secret Customer GmbH');
  });

  it('refuses the auditor organisation and any non-member the values, but not the hash', async () => {
    await createWithTerms('S1', termsOf('S1'));
    await expect(read('S1', as.auditor)).rejects.toThrow(
      /^FORBIDDEN: only ProducerMSP and CarrierMSP may read/,
    );
    await expect(read('S1', as.retailerOperator)).rejects.toThrow(/^FORBIDDEN/);
    await expect(hash('S1', as.retailerOperator)).resolves.toMatchObject({ shipmentId: 'S1' });
  });

  it('lets the owner amend the terms before delivery; the event carries only the new hash', async () => {
    await createWithTerms('S1', termsOf('S1'));
    const amended = termsOf('S1', { price: { amount: '17.95', currency: 'EUR' } });
    const result = await setTerms('S1', amended);

    expect(result.result.termsHash).toBe(commercialTermsHash(amended));
    expect(result.event).toEqual({
      name: LedgerEvent.CommercialTermsRecorded,
      payload: { shipmentId: 'S1', byOrg: 'ProducerMSP', termsHash: commercialTermsHash(amended) },
    });
    expect((await read('S1', as.carrierOperator)).terms.price.amount).toBe('17.95');
  });

  it('refuses terms from anyone but the owner, and after delivery', async () => {
    await s.createShipment('S1');
    await expect(setTerms('S1', termsOf('S1'), as.carrierOperator)).rejects.toThrow(
      /^FORBIDDEN: only the shipment's owner ProducerMSP/,
    );
    await expect(setTerms('S1', termsOf('S1'), as.auditor)).rejects.toThrow(/^FORBIDDEN/);
    await s.ledger.submit(as.producerOperator, shipment, 'DeliverShipment', 'S1');
    await expect(setTerms('S1', termsOf('S1'))).rejects.toThrow(/^SHIPMENT_DELIVERED/);
    await expect(hash('S1')).rejects.toThrow(/^NOT_FOUND: shipment S1 has no commercial terms/);
  });

  it.each([
    ['a float price', { price: { amount: 18.4, currency: 'EUR' } }, /terms\.price\.amount must be a string/],
    [
      'a lower-case currency',
      { price: { amount: '1', currency: 'eur' } },
      /terms\.price\.currency must be an ISO 4217/,
    ],
    [
      'an exponent',
      { quantity: { amount: '1e3', unit: 'KGM' } },
      /terms\.quantity\.amount must be a decimal/,
    ],
    ['a short salt', { salt: 'abc' }, /terms\.salt must be at least 16 random bytes/],
    ['an empty customer', { customer: '' }, /terms\.customer must be non-empty/],
    ['another shipment', { shipmentId: 'S2' }, /terms\.shipmentId S2 is not shipment S1/],
  ])('refuses %s with INVALID_ARGUMENT and creates nothing', async (_what, overrides, message) => {
    await expect(createWithTerms('S1', termsOf('S1', overrides as Partial<CommercialTerms>))).rejects.toThrow(
      message,
    );
    await expect(s.ledger.evaluate(as.auditor, shipment, 'GetShipment', 'S1')).rejects.toThrow(/^NOT_FOUND/);
  });

  it('refuses an unknown field rather than hashing or dropping it', async () => {
    await expect(createWithTerms('S1', { ...termsOf('S1'), discount: '5%' })).rejects.toThrow(
      /^INVALID_ARGUMENT: transient commercialTerms: SCHEMA_VIOLATION: terms\.discount is not a known field/,
    );
  });

  it('asks for the terms in the transient map when SetCommercialTerms has none', async () => {
    await s.createShipment('S1');
    await expect(s.ledger.submit(as.producerOperator, shipment, 'SetCommercialTerms', 'S1')).rejects.toThrow(
      /^INVALID_ARGUMENT: the commercial terms go in the transient map/,
    );
  });

  it('names in collections.json exactly the organisations the chaincode treats as trading members', () => {
    const definitions = JSON.parse(readFileSync(join(__dirname, '..', 'collections.json'), 'utf8')) as {
      name: string;
      policy: string;
      blockToLive: number;
      memberOnlyRead: boolean;
    }[];
    const collection = definitions.find((c) => c.name === COMMERCIAL_TERMS_COLLECTION);
    expect(collection).toBeDefined();
    const members = [...collection!.policy.matchAll(/'([A-Za-z]+)\.member'/g)].map((m) => m[1]);
    expect(members).toEqual([...TRADING_MSPS]);
    expect(collection!.memberOnlyRead).toBe(true);
    expect(collection!.blockToLive).toBeGreaterThan(0);
  });
});
