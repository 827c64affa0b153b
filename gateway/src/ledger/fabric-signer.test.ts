import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { newNodeCryptoSigner, p1363ToDer } from './fabric-signer';

const HALF_N = BigInt('0x7fffffff800000007fffffffffffffffde737d56d38bcce4e96b6e1e5a22e0a5');

function sOfDer(der: Buffer): bigint {
  const rLen = der[3] as number;
  const sLen = der[5 + rLen] as number;
  return BigInt('0x' + der.subarray(6 + rLen, 6 + rLen + sLen).toString('hex'));
}

describe('newNodeCryptoSigner (the Fabric transaction signer)', () => {
  it('produces DER signatures that node:crypto verifies, always low-S', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signer = newNodeCryptoSigner(privateKey);
    for (let i = 0; i < 200; i++) {
      const message = createHash('sha256').update(String(i)).digest();
      const der = Buffer.from(await signer(message));
      expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, der)).toBe(true);
      expect(sOfDer(der) <= HALF_N).toBe(true);
    }
  });

  it('refuses a key Fabric would not accept', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    expect(() => newNodeCryptoSigner(privateKey)).toThrow(/P-256/);
  });

  it('encodes integers with a leading zero when the top bit is set, and strips leading zeros', () => {
    const sig = Buffer.alloc(64);
    sig[0] = 0x80; // r = 0x80 00..00 (32 bytes) → 33 bytes in DER
    sig[63] = 0x01; // s = 1 → one byte
    expect(p1363ToDer(sig).toString('hex')).toBe('3026' + '0221' + '0080' + '00'.repeat(31) + '020101');
  });
});
