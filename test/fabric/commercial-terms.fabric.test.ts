import { randomBytes } from 'node:crypto';
import { GatewayError } from '@hyperledger/fabric-gateway';
import { common } from '@hyperledger/fabric-protos';
import {
  AUDITOR_MSP,
  canonicalJson,
  COMMERCIAL_TERMS_TRANSIENT_KEY,
  commercialTermsHash,
  type CommercialTerms,
} from '@provena/wire';
import type { CommercialTermsHashView, CommercialTermsView } from '../../chaincode/src/commercial-terms';
import { CARRIER, PRODUCER, shipmentJson } from '../../chaincode/src/testing/transaction-arguments';
import { chainHeight } from '../support/fabric-blocks';
import { testNetwork } from '../support/fabric-network.harness';
import { connectAs, evaluate, refusal, type FabricClient } from './fabric-clients';

// Private data on the real network: the shipment's commercial terms go to the endorsing peers in the proposal's
// transient map, are stored in the `commercialTerms` collection on ProducerMSP's and CarrierMSP's peers only, and
// every block carries nothing of them but a SHA-256.

const net = testNetwork();
const RUN = Date.now().toString(36);
const SHIPMENT = `TERMS-${RUN}`;
// Values no other test writes, so finding one in a block can only mean it leaked from here.
const CUSTOMER = `Customer ${RUN} ${randomBytes(6).toString('hex')} Ltd`;
const PRICE = `${100 + Math.floor(Math.random() * 900)}.${randomBytes(2).readUInt16BE() % 10_000}`;
const AMENDED_PRICE = `${PRICE}1`;

const terms = (price: string): CommercialTerms => ({
  shipmentId: SHIPMENT,
  price: { amount: price, currency: 'EUR' },
  quantity: { amount: '1250.5', unit: 'KGM' },
  customer: CUSTOMER,
  salt: randomBytes(16).toString('base64url'),
});

let producer: FabricClient;
let carrier: FabricClient;
let auditor: FabricClient;
/** A producer identity talking to the auditor organisation's peer, which is not in the collection. */
let producerAtAuditorPeer: FabricClient;
let firstBlock: bigint;
const recorded: { terms: CommercialTerms; txId: string; blockNumber: bigint }[] = [];

async function submitWithTerms(fn: string, arg: string, value: CommercialTerms) {
  const submitted = await producer.contract('shipment').submitAsync(fn, {
    arguments: [arg],
    transientData: { [COMMERCIAL_TERMS_TRANSIENT_KEY]: Buffer.from(JSON.stringify(value), 'utf8') },
  });
  const status = await submitted.getStatus();
  expect(status.code).toBe(0);
  recorded.push({ terms: value, txId: status.transactionId, blockNumber: status.blockNumber });
}

beforeAll(async () => {
  producer = connectAs(net.connection, PRODUCER, 'operator');
  carrier = connectAs(net.connection, CARRIER, 'operator');
  auditor = connectAs(net.connection, AUDITOR_MSP, 'auditor');
  producerAtAuditorPeer = connectAs(net.connection, PRODUCER, 'operator', AUDITOR_MSP);
  firstBlock = await chainHeight(auditor.network, net.connection.channel);
  await submitWithTerms('CreateShipment', shipmentJson(SHIPMENT), terms(PRICE));
  await submitWithTerms('SetCommercialTerms', SHIPMENT, terms(AMENDED_PRICE));
}, 120_000);

afterAll(() => {
  for (const c of [producer, carrier, auditor, producerAtAuditorPeer]) c?.close();
});

/** Waits until `client`'s peer holds every block up to `number` (each organisation's peer commits on its own). */
async function reach(client: FabricClient, number: bigint): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await chainHeight(client.network, net.connection.channel)) <= number) {
    if (Date.now() > deadline) throw new Error(`the ${client.mspId} peer never reached block ${number}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

it('gives both trading organisations the amended terms from their own peers', async () => {
  const latest = recorded[1]!;
  for (const member of [producer, carrier]) {
    await reach(member, latest.blockNumber);
    const view = await evaluate<CommercialTermsView>(member, 'shipment:GetCommercialTerms', SHIPMENT);
    expect(view.terms).toEqual(latest.terms);
    expect(view.termsHash).toBe(commercialTermsHash(latest.terms));
  }
});

it('refuses the auditor the values, and the auditor peer has none to give even to a member', async () => {
  await reach(auditor, recorded[1]!.blockNumber);
  const auditorRead = await refusal(evaluate(auditor, 'shipment:GetCommercialTerms', SHIPMENT));
  expect(auditorRead).toMatch(/FORBIDDEN: only ProducerMSP and CarrierMSP may read commercial terms/);

  // A member's own identity passes every access check; the auditor organisation's peer still holds only hashes.
  const outcome = await producerAtAuditorPeer
    .contract('shipment')
    .evaluate('GetCommercialTerms', { arguments: [SHIPMENT], endorsingOrganizations: [AUDITOR_MSP] })
    .then(
      (bytes) => Buffer.from(bytes).toString('utf8'),
      (err: unknown) => err,
    );
  expect(outcome).toBeInstanceOf(GatewayError);
  const said = [
    (outcome as GatewayError).message,
    ...(outcome as GatewayError).details.map((d) => d.message),
  ].join('\n');
  expect(said).toMatch(/NOT_FOUND: this peer holds only the hash of shipment TERMS-\S+ commercial terms/);
  expect(said).not.toContain(CUSTOMER);
});

it('lets an auditor check a disclosed copy against the hash on its own peer, and catches an altered one', async () => {
  const disclosed = recorded[1]!.terms;
  const onLedger = await evaluate<CommercialTermsHashView>(
    auditor,
    'shipment:GetCommercialTermsHash',
    SHIPMENT,
  );
  expect(onLedger.termsHash).toBe(commercialTermsHash(disclosed));
  // Field order in the disclosed JSON does not matter: the hash is over the canonical form.
  const reordered = Object.fromEntries(Object.entries(disclosed).reverse()) as unknown as CommercialTerms;
  expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(disclosed));
  expect(commercialTermsHash(reordered)).toBe(onLedger.termsHash);
  const altered = { ...disclosed, price: { ...disclosed.price, amount: PRICE } };
  expect(commercialTermsHash(altered)).not.toBe(onLedger.termsHash);
});

it('writes no private value into any block, only the hash of each stored document', async () => {
  const last = recorded[1]!.blockNumber;
  const markers = [CUSTOMER, PRICE, AMENDED_PRICE, ...recorded.map((r) => r.terms.salt)].map((m) =>
    Buffer.from(m, 'utf8'),
  );
  const qscc = auditor.network.getContract('qscc');
  const hashesFound = new Set<string>();
  for (let n = firstBlock; n <= last; n++) {
    const bytes = Buffer.from(
      await qscc.evaluate('GetBlockByNumber', { arguments: [net.connection.channel, n.toString()] }),
    );
    expect(common.Block.deserializeBinary(bytes).getHeader()?.getNumber()).toBe(Number(n));
    for (const marker of markers) {
      expect(bytes.includes(marker) ? `block ${n} holds "${marker.toString('utf8')}"` : 'absent').toBe(
        'absent',
      );
    }
    for (const r of recorded) {
      const hash = Buffer.from(commercialTermsHash(r.terms), 'hex');
      if (bytes.includes(hash)) hashesFound.add(`${r.txId}@${n}`);
    }
  }
  // The control: the blocks scanned are the ones the terms went into, and each holds its document's hash.
  expect([...hashesFound].sort()).toEqual(recorded.map((r) => `${r.txId}@${r.blockNumber}`).sort());
  expect(canonicalJson(recorded[0]!.terms)).toContain(CUSTOMER);
});
