import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { startTestBroker, type TestBroker } from '../../test/support/mosquitto.harness';
import { ApiKeyStore } from '../src/api/auth/api-key.store';
import { testGatewayConfig, startGatewayApp } from './ingest.harness';
import { LEDGER_NAME, LEDGER_PATIENCE_MS, newLedgerUnderTest, runId } from './ledger-under-test';

const PRODUCER = 'ProducerMSP';
const CARRIER = 'CarrierMSP';
/** Requests racing in each round. */
const RACERS = 20;
/** Hand-overs: producer → carrier, carrier → producer, producer → carrier. */
const ROUNDS = 3;
/** What a request that lost the race may answer: a typed conflict, never a 5xx or a second winner. */
const LOSING_CODES = {
  offer: ['OFFER_PENDING', 'CONFLICT'],
  accept: ['NO_PENDING_OFFER', 'CONFLICT'],
} as const;

interface CustodyStep {
  action: string;
  byOrg: string;
  custodianOrg: string;
  fromOrg: string | null;
  toOrg: string | null;
  txId: string;
}

// Fault case: 20 concurrent custody updates on one shipment, through the REST API. On Fabric, racers endorsed
// against the same shipment version fail validation at commit (MVCC_READ_CONFLICT); the gateway proposes such a
// transaction again (`conflictRetries`), and against the winner's state the chaincode refuses it (OFFER_PENDING /
// NO_PENDING_OFFER); a racer still conflicting after its retries answers CONFLICT. Either way: exactly one wins
// each round, the others get a typed 409, and the custody chain read back is one unbroken hand-over sequence.
describe(`fault case: ${RACERS} concurrent custody updates on one shipment (${LEDGER_NAME})`, () => {
  let dir: string;
  let broker: TestBroker;
  let app: INestApplication;
  const ledger = newLedgerUnderTest();
  const shipmentId = runId('race-shipment');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provena-custody-race-'));
    broker = await startTestBroker({ persistence: false });
    app = await startGatewayApp(
      testGatewayConfig({ brokerUrl: broker.url, dir, clientId: 'gateway-custody-race' }),
      ledger,
    );
  });

  afterAll(async () => {
    await app?.close();
    await broker?.cleanup();
    await ledger.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'exactly one racer wins each round, the others get a typed 409, and the custody chain stays unbroken',
    async () => {
      const keys = app.get(ApiKeyStore);
      const operatorOf: Record<string, string> = {
        [PRODUCER]: (await keys.create({ role: 'operator', org: PRODUCER, label: 'race' })).key,
        [CARRIER]: (await keys.create({ role: 'operator', org: CARRIER, label: 'race' })).key,
      };
      const api = () => request(app.getHttpServer());
      await api()
        .post('/shipments')
        .set('authorization', `Bearer ${operatorOf[PRODUCER]}`)
        .send({ shipmentId, productCode: 'P-1', quantity: 5, origin: 'Rotterdam', destination: 'Basel' })
        .expect(201);

      const race = async (org: string, route: 'offer' | 'accept', body: object) => {
        const responses = await Promise.all(
          Array.from({ length: RACERS }, () =>
            api()
              .post(`/shipments/${shipmentId}/custody/${route}`)
              .set('authorization', `Bearer ${operatorOf[org]}`)
              .send(body),
          ),
        );
        const won = responses.filter((r) => r.status >= 200 && r.status < 300);
        const lost = responses.filter((r) => r.status === 409);
        const codes = lost.map((r) => (r.body as { code: string }).code);
        return { won: won.length, lost: lost.length, codes, statuses: responses.map((r) => r.status) };
      };

      const rounds: string[] = [];
      let custodian: string = PRODUCER;
      for (let round = 1; round <= ROUNDS; round++) {
        const receiver = custodian === PRODUCER ? CARRIER : PRODUCER;
        const offers = await race(custodian, 'offer', { toOrg: receiver });
        expect({ won: offers.won, lost: offers.lost }).toEqual({ won: 1, lost: RACERS - 1 });
        expect(offers.codes.filter((c) => !(LOSING_CODES.offer as readonly string[]).includes(c))).toEqual(
          [],
        );
        const accepts = await race(receiver, 'accept', {});
        expect({ won: accepts.won, lost: accepts.lost }).toEqual({ won: 1, lost: RACERS - 1 });
        expect(accepts.codes.filter((c) => !(LOSING_CODES.accept as readonly string[]).includes(c))).toEqual(
          [],
        );
        const tally = (codes: string[]) =>
          Object.entries(codes.reduce<Record<string, number>>((t, c) => ({ ...t, [c]: (t[c] ?? 0) + 1 }), {}))
            .map(([c, n]) => `${c} ${n}`)
            .join(', ');
        rounds.push(
          `round ${round} ${custodian} → ${receiver}: offers 1 won, ${tally(offers.codes)}; accepts 1 won, ${tally(accepts.codes)}`,
        );
        custodian = receiver;
      }
      console.log(`custody race (${RACERS} racers, ${LEDGER_NAME}):\n${rounds.join('\n')}`);

      const shipment = (
        await api()
          .get(`/shipments/${shipmentId}`)
          .set('authorization', `Bearer ${operatorOf[PRODUCER]}`)
          .expect(200)
      ).body as { custodianOrg: string; pendingOffer: unknown; custody: CustodyStep[] };
      expect(shipment.custodianOrg).toBe(custodian);
      expect(shipment.pendingOffer).toBeNull();
      const chain = shipment.custody;
      expect(chain.map((s) => s.action)).toEqual([
        'created',
        ...Array.from({ length: ROUNDS }, () => ['offered', 'accepted']).flat(),
      ]);
      // Each step follows from the one before: the custodian offers, the one offered accepts from the custodian.
      for (let i = 1; i < chain.length; i++) {
        const before = chain[i - 1] as CustodyStep;
        const step = chain[i] as CustodyStep;
        if (step.action === 'offered') {
          expect(step).toMatchObject({ byOrg: before.custodianOrg, custodianOrg: before.custodianOrg });
        } else {
          expect(step).toMatchObject({
            byOrg: before.toOrg,
            custodianOrg: before.toOrg,
            fromOrg: before.custodianOrg,
          });
        }
      }
      expect(new Set(chain.map((s) => s.txId)).size).toBe(chain.length);
    },
    LEDGER_PATIENCE_MS + 120_000,
  );
});
