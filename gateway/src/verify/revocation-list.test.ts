import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { msp } from '@hyperledger/fabric-protos';
import { TestCa } from '../testing/test-ca';
import { checkIdentity, type MspDefinition } from './msp-identity';
import { parseRevocationList, signedBy } from './revocation-list';

// A CA, two client certificates and a CRL revoking one of them, made with the openssl command line as Fabric CA
// would make them (P-256, SHA-256): the verifier must refuse the revoked identity and accept the other.
let dir: string;
let ca: TestCa;
let crl: Buffer;
const certs: Record<string, Buffer> = {};

function serialized(name: string): Uint8Array {
  const identity = new msp.SerializedIdentity();
  identity.setMspid('ProducerMSP');
  identity.setIdBytes(certs[name]!);
  return identity.serializeBinary();
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'provena-crl-'));
  ca = new TestCa(dir);
  certs.alice = ca.issue('alice', 'client', '0A11CE').cert;
  certs.bob = ca.issue('bob', 'client', '0B0B').cert;
  crl = ca.revocationList(['0A11CE']);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function producerMsp(withCrl: boolean, crlSigner?: Buffer): MspDefinition {
  const root = new X509Certificate(ca.cert);
  const list = parseRevocationList(crl);
  const signer = new X509Certificate(crlSigner ?? ca.cert);
  return {
    mspId: 'ProducerMSP',
    rootCerts: [root],
    intermediateCerts: [],
    admins: [],
    nodeOus: { client: 'client' },
    revocationLists: withCrl
      ? [signedBy(list, signer) ? { list, ca: signer } : { problem: 'is signed by no CA' }]
      : [],
  };
}

it('reads the revoked serial numbers of a PEM CRL and checks its signature', () => {
  const list = parseRevocationList(crl);
  expect([...list.serials]).toEqual(['A11CE']);
  expect(signedBy(list, new X509Certificate(ca.cert))).toBe(true);
  expect(signedBy(list, new X509Certificate(certs.bob!))).toBe(false);
});

it('refuses an identity whose serial the MSP revocation list names, and accepts the others', () => {
  const msps = new Map([['ProducerMSP', producerMsp(true)]]);
  const alice = checkIdentity(serialized('alice'), msps);
  expect(alice).toEqual({
    ok: false,
    problem: expect.stringMatching(/alice's certificate \(serial A11CE\) is revoked/),
  });
  expect(checkIdentity(serialized('bob'), msps).ok).toBe(true);
  // Before the list was in the configuration, the same certificate was valid.
  expect(checkIdentity(serialized('alice'), new Map([['ProducerMSP', producerMsp(false)]])).ok).toBe(true);
});

it('takes no identity of an MSP whose revocation list no CA of it signed', () => {
  const msps = new Map([['ProducerMSP', producerMsp(true, certs.bob)]]);
  expect(checkIdentity(serialized('bob'), msps)).toEqual({
    ok: false,
    problem: "ProducerMSP's configuration carries a revocation list that is signed by no CA",
  });
});
