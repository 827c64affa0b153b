import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { ShipmentRecord } from '../../chaincode/src/shipment.model';
import { CARRIER, shipmentJson } from '../../chaincode/src/testing/transaction-arguments';
import { networkScript, testNetwork } from '../support/fabric-network.harness';
import { connectWith, evaluate, refusal, submit, type FabricClient } from './fabric-clients';

// Issue 16, item 1: staff as persons. Each peer organisation runs a Fabric CA (signing with the organisation's own
// root, so the channel already trusts what it issues); `network.sh person enroll` registers a person with
// provena.role in the enrolment certificate, and `person revoke` revokes them at the CA and puts the CRL on the
// channel.

const net = testNetwork();
const RUN = Date.now().toString(36);

interface PersonEntry {
  mspId: string;
  person: string;
  role: string;
  certPath: string;
  keyPath: string;
  revokedAt: string | null;
}

function enroll(org: string, name: string, role: string): PersonEntry {
  networkScript(net.dir, net.basePort, 'person', 'enroll', '--org', org, '--name', name, '--role', role);
  const persons = JSON.parse(readFileSync(join(net.dir, 'persons.json'), 'utf8')) as PersonEntry[];
  const entry = persons.find((p) => p.person === name);
  if (!entry) throw new Error(`persons.json lists no ${name}`);
  return entry;
}

const alice = `alice-${RUN}`;
const bob = `bob-${RUN}`;
const carol = `carol-${RUN}`;
const clients: FabricClient[] = [];
let asAlice: FabricClient;
let asBob: FabricClient;
let asCarol: FabricClient;
let aliceEntry: PersonEntry;

beforeAll(() => {
  aliceEntry = enroll('producer', alice, 'operator');
  asAlice = connectWith(net.connection, aliceEntry);
  asBob = connectWith(net.connection, enroll('producer', bob, 'operator'));
  asCarol = connectWith(net.connection, enroll('producer', carol, 'auditor'));
  clients.push(asAlice, asBob, asCarol);
}, 120_000);

afterAll(() => {
  for (const c of clients) c.close();
});

it("enrols a person with the role in the certificate, issued by the organisation's own CA", () => {
  const certificate = new X509Certificate(readFileSync(aliceEntry.certPath));
  expect(certificate.subject).toMatch(new RegExp(`CN=${alice}`));
  expect(certificate.subject).toMatch(/OU=client/);
  expect(certificate.issuer).toMatch(/CN=ca\.producer\.provena\.local/);
  // Fabric CA's attribute extension (OID 1.2.3.4.5.6.7.8.1) carries provena.role.
  expect(certificate.raw.toString('latin1')).toContain('"provena.role":"operator"');
  expect(aliceEntry).toMatchObject({ mspId: 'ProducerMSP', role: 'operator', revokedAt: null });
});

it('records two persons of one organisation as different actors on the ledger', async () => {
  const shipmentId = `PERSONS-${RUN}`;
  await submit(asAlice, 'shipment:CreateShipment', shipmentJson(shipmentId));
  await submit(asBob, 'shipment:OfferCustody', shipmentId, CARRIER);
  const shipment = await evaluate<ShipmentRecord>(asBob, 'shipment:GetShipment', shipmentId);
  const actors = shipment.custody.map((c) => [c.action, c.byOrg, c.by]);
  expect(actors).toEqual([
    ['created', 'ProducerMSP', expect.stringContaining(`CN=${alice}`)],
    ['offered', 'ProducerMSP', expect.stringContaining(`CN=${bob}`)],
  ]);
  expect(actors[0]![2]).not.toBe(actors[1]![2]);
});

it('takes the role from the certificate: a client certificate whose provena.role is auditor may only read', async () => {
  const said = await refusal(submit(asCarol, 'shipment:CreateShipment', shipmentJson(`CAROL-${RUN}`)));
  expect(said).toMatch(/FORBIDDEN: only an operator or admin of a member organisation may create a shipment/);
});

it('refuses a revoked person at endorsement, and keeps serving the others', async () => {
  networkScript(net.dir, net.basePort, 'person', 'revoke', '--org', 'producer', '--name', alice);
  const persons = JSON.parse(readFileSync(join(net.dir, 'persons.json'), 'utf8')) as PersonEntry[];
  expect(persons.find((p) => p.person === alice)?.revokedAt).toEqual(expect.any(String));

  const said = await refusal(submit(asAlice, 'shipment:CreateShipment', shipmentJson(`REVOKED-${RUN}`)));
  // Alice created a shipment above; now the peers' ProducerMSP holds the CA's CRL and her certificate is no valid
  // identity of the channel: her own organisation's peer refuses the proposal before any chaincode runs.
  expect(said).toMatch(
    /ProducerMSP: error validating proposal: access denied: channel \[provena\] creator org \[ProducerMSP\]/,
  );
  await expect(evaluate(asBob, 'shipment:GetShipment', `REVOKED-${RUN}`)).rejects.toThrow();
  await submit(asBob, 'shipment:CreateShipment', shipmentJson(`AFTER-REVOKE-${RUN}`));
}, 120_000);
