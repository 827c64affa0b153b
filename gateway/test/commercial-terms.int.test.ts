import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { commercialTermsHash, type CommercialTerms } from '@provena/wire';
import { startTestBroker, type TestBroker } from '../../test/support/mosquitto.harness';
import { ApiKeyStore } from '../src/api/auth/api-key.store';
import { IngestService } from '../src/ingest/ingest.service';
import { startGatewayApp, testGatewayConfig } from './ingest.harness';
import { LEDGER_NAME, newLedgerUnderTest, runId } from './ledger-under-test';

interface TermsView {
  shipmentId: string;
  terms: CommercialTerms;
  document: string;
  termsHash: string;
}

// Issue 16, private data through the REST API: a producer creates a shipment with its commercial terms, the
// carrier reads them, the auditor sees only their hash and checks a copy the trading partners disclosed to it.
describe(`commercial terms through the API (${LEDGER_NAME})`, () => {
  let dir: string;
  let broker: TestBroker;
  let app: INestApplication;
  const ledger = newLedgerUnderTest();
  const shipmentId = runId('terms');
  let key: { producer: string; carrier: string; auditor: string };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provena-terms-'));
    broker = await startTestBroker({ persistence: false });
    app = await startGatewayApp(
      testGatewayConfig({ brokerUrl: broker.url, dir, clientId: 'gateway-terms' }),
      ledger,
    );
    await app.get(IngestService).session.whenConnected();
    const keys = app.get(ApiKeyStore);
    key = {
      producer: (await keys.create({ role: 'operator', org: 'ProducerMSP', label: 'terms' })).key,
      carrier: (await keys.create({ role: 'operator', org: 'CarrierMSP', label: 'terms' })).key,
      auditor: (await keys.create({ role: 'auditor', org: 'AuditorMSP', label: 'terms' })).key,
    };
  });

  afterAll(async () => {
    await app?.close();
    await broker?.cleanup();
    await ledger.close();
    await rm(dir, { recursive: true, force: true });
  });

  const server = () => request(app.getHttpServer());
  const auth = (k: string) => ({ authorization: `Bearer ${k}` });
  const terms = {
    price: { amount: '42.75', currency: 'EUR' },
    quantity: { amount: '800', unit: 'KGM' },
    customer: `Retail Chain ${shipmentId}`,
  };

  it('records terms with a new shipment and shows them to both trading organisations only', async () => {
    const created = await server()
      .post('/shipments')
      .set(auth(key.producer))
      .send({
        shipmentId,
        productCode: 'SALMON-FILLET',
        quantity: 40,
        origin: 'Bergen',
        destination: 'Lyon',
        commercialTerms: terms,
      })
      .expect(201);
    // The shipment on the channel: no price, no customer.
    expect(JSON.stringify(created.body)).not.toContain(terms.customer);
    expect(JSON.stringify(created.body)).not.toContain('42.75');

    for (const member of [key.producer, key.carrier]) {
      const view = (
        await server().get(`/shipments/${shipmentId}/commercial-terms`).set(auth(member)).expect(200)
      ).body as TermsView;
      expect(view.terms).toMatchObject({ ...terms, shipmentId });
      // A salt was added, so the hash on the channel cannot be confirmed by guessing price and customer.
      expect(view.terms.salt).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(view.termsHash).toBe(commercialTermsHash(view.terms));
    }
    const refused = await server()
      .get(`/shipments/${shipmentId}/commercial-terms`)
      .set(auth(key.auditor))
      .expect(403);
    expect(JSON.stringify(refused.body)).not.toContain(terms.customer);
  });

  it('lets the auditor check a disclosed copy against the hash on its own peer, and catches an altered one', async () => {
    const disclosed = (
      (await server().get(`/shipments/${shipmentId}/commercial-terms`).set(auth(key.carrier)).expect(200))
        .body as TermsView
    ).terms;
    const hash = await server()
      .get(`/shipments/${shipmentId}/commercial-terms/hash`)
      .set(auth(key.auditor))
      .expect(200);
    expect(hash.body).toMatchObject({ shipmentId, termsHash: commercialTermsHash(disclosed) });

    const verify = (t: CommercialTerms) =>
      server()
        .post(`/shipments/${shipmentId}/commercial-terms/verification`)
        .set(auth(key.auditor))
        .send({ terms: t })
        .expect(200);
    expect((await verify(disclosed)).body).toMatchObject({ matches: true });
    const cheaper = { ...disclosed, price: { ...disclosed.price, amount: '41.75' } };
    expect((await verify(cheaper)).body).toMatchObject({
      matches: false,
      termsHash: commercialTermsHash(disclosed),
      disclosedHash: commercialTermsHash(cheaper),
    });
  });

  it('amends the terms for the owner only, and refuses malformed terms with the field named', async () => {
    const amended = { ...terms, price: { amount: '39.90', currency: 'EUR' } };
    const byCarrier = await server()
      .put(`/shipments/${shipmentId}/commercial-terms`)
      .set(auth(key.carrier))
      .send(amended)
      .expect(403);
    expect(byCarrier.body.message).toMatch(/only the shipment's owner ProducerMSP/);
    await server()
      .put(`/shipments/${shipmentId}/commercial-terms`)
      .set(auth(key.producer))
      .send(amended)
      .expect(200);
    const view = (
      await server().get(`/shipments/${shipmentId}/commercial-terms`).set(auth(key.carrier)).expect(200)
    ).body as TermsView;
    expect(view.terms.price.amount).toBe('39.90');

    const bad = await server()
      .put(`/shipments/${shipmentId}/commercial-terms`)
      .set(auth(key.producer))
      .send({ ...terms, price: { amount: 39.9, currency: 'EUR' } })
      .expect(400);
    expect(JSON.stringify(bad.body)).toMatch(/price\.amount/);
    // The refused request changed nothing.
    const after = (
      await server().get(`/shipments/${shipmentId}/commercial-terms`).set(auth(key.producer)).expect(200)
    ).body as TermsView;
    expect(after.termsHash).toBe(view.termsHash);
  });
});
