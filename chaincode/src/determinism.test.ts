import type { SignedReading } from '@provena/wire';
import { InMemoryLedger } from './testing/in-memory-context';
import { as, CARRIER, contracts, newTestDevice, reading, sign } from './testing/test-fixtures';

const { device, shipment, reading: readings, forecast } = contracts;
const logger = newTestDevice('reefer-0001');
// Signing is randomised (ECDSA nonces), so the envelopes are signed once and sent to both ledgers.
const envelopes = sign(
  logger,
  reading('reefer-0001', 1, { shipmentId: 'S1', measurements: { temperatureC: 4, humidityPct: 50 } }),
  reading('reefer-0001', 2, { shipmentId: 'S1', measurements: { temperatureC: 12.25 } }),
  reading('reefer-0001', 3, { measurements: { shockG: 0.5 } }),
);

// Reverses the key order of every object, to show that what is stored does not depend on the order a client
// (or a Map, or a spread) produced.
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reversedKeys(v)]),
    );
  }
  return value;
}

async function story(ledger: InMemoryLedger, order: (v: unknown) => unknown): Promise<unknown[]> {
  const json = (v: unknown): string => JSON.stringify(order(v));
  const results: unknown[] = [];
  const submit = async (...call: Parameters<InMemoryLedger['submit']>) =>
    results.push((await ledger.submit(...call)).result);
  await submit(
    as.producerAdmin,
    device,
    'RegisterDevice',
    json({
      deviceId: 'reefer-0001',
      publicKeyPem: logger.publicKeyPem,
      ownerOrg: 'ProducerMSP',
      kind: 'reefer-logger',
      metadata: { model: 'RL-200', firmware: '1.4.2', site: 'Rotterdam' },
    }),
  );
  await submit(
    as.producerOperator,
    shipment,
    'CreateShipment',
    json({
      shipmentId: 'S1',
      productCode: 'VACCINE-X',
      quantity: 10,
      origin: 'Amsterdam',
      destination: 'Lyon',
      complianceProfile: { temperatureC: { min: 2, max: 8 }, shockG: { max: 3 } },
    }),
  );
  await submit(as.producerOperator, shipment, 'AttachDevices', 'S1', '["reefer-0001"]');
  await submit(as.producerOperator, readings, 'RecordReadings', json(envelopes as SignedReading[]));
  await submit(as.producerOperator, readings, 'RecordReadings', json(envelopes as SignedReading[]));
  await submit(as.producerOperator, shipment, 'OfferCustody', 'S1', CARRIER);
  await submit(
    as.producerOperator,
    shipment,
    'RecordBreachDisposition',
    'S1',
    '["reefer-0001/2/temperatureC.max"]',
    'return',
    '',
  );
  await submit(as.carrierOperator, shipment, 'AcceptCustody', 'S1');
  await submit(
    as.producerOperator,
    forecast,
    'AnchorForecast',
    json({
      runId: 'run-1',
      seriesId: 'VACCINE-X@ProducerMSP',
      purpose: 'demand',
      horizon: 14,
      valuesHash: 'a'.repeat(64),
      modelKind: 'holt-winters',
      modelHash: 'b'.repeat(64),
      trainingBlocks: { from: '1', to: '42' },
      trainingPoints: 365,
      metrics: { rmse: 3.5, mape: 0.12, 'coverage.80': 0.79 },
    }),
  );
  results.push(await ledger.evaluate(as.auditor, shipment, 'GetShipmentProvenance', 'S1'));
  results.push(await ledger.evaluate(as.auditor, forecast, 'ListForecastAnchors', '', '10', ''));
  return results;
}

describe('determinism', () => {
  it('yields byte-identical state, events and results when two peers run the same transactions', async () => {
    const a = new InMemoryLedger();
    const b = new InMemoryLedger();
    const resultsA = await story(a, (v) => v);
    const resultsB = await story(b, reversedKeys);
    expect(a.dump()).toBe(b.dump());
    expect(a.dump().length).toBeGreaterThan(0);
    expect(JSON.stringify(a.events())).toBe(JSON.stringify(b.events()));
    expect(JSON.stringify(resultsA)).toBe(JSON.stringify(resultsB));
  });

  it('stores canonical JSON only, so any endorser re-serialising a record gets the same bytes', async () => {
    const ledger = new InMemoryLedger();
    await story(ledger, reversedKeys);
    for (const key of ledger.keys()) {
      const text = ledger.get(key) ?? '';
      const canonical = JSON.stringify(JSON.parse(text), (_k, v: unknown) =>
        v !== null && typeof v === 'object' && !Array.isArray(v)
          ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
          : v,
      );
      expect(text).toBe(canonical);
    }
  });
});
