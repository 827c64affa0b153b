import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { publicKeyPem, readingHash, sealReading, type Reading } from '@provena/wire';
import type { DeviceRecordView, ReadingRecordView } from './chaincode-state';
import { DeviceHistory, type LedgerPosition } from './device-history';

const DEVICE = 'reefer-7';
const at = (block: number, index = 0): LedgerPosition => ({
  block: BigInt(block),
  index,
  txId: `tx-${block}-${index}`,
});
const newKey = (): { privateKey: KeyObject; pem: string } => {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey: pair.privateKey, pem: publicKeyPem(pair.publicKey) };
};

function record(keys: { pem: string; fromSeq: number }[], revokedAt?: LedgerPosition): DeviceRecordView {
  return {
    deviceId: DEVICE,
    status: revokedAt ? 'revoked' : 'active',
    keys: keys.map((k) => ({ publicKeyPem: k.pem, fromSeq: k.fromSeq })),
    revocation: revokedAt ? { txId: revokedAt.txId, reason: 'key leaked' } : null,
  };
}

function signed(seq: number, key: KeyObject, overrides: Partial<Reading> = {}): ReadingRecordView {
  const reading: Reading = {
    v: 1,
    deviceId: DEVICE,
    seq,
    measuredAt: 1_765_000_000_000 + seq,
    measurements: { temperatureC: 4.5 },
    ...overrides,
  };
  const { signature } = sealReading(reading, key);
  return { reading, signature, hash: readingHash(reading), txId: 'tx' };
}

describe("a reading judged against its device's key as the ledger held it then", () => {
  const first = newKey();
  const second = newKey();

  it('accepts a reading signed with the key registered before it', () => {
    const history = new DeviceHistory();
    history.add(DEVICE, at(5), record([{ pem: first.pem, fromSeq: 1 }]));
    const verdict = history.judge(signed(1, first.privateKey), at(7));
    expect(verdict).toMatchObject({ ok: true, version: { position: at(5) } });
  });

  it('refuses a reading whose value was changed after it was signed', () => {
    const history = new DeviceHistory();
    history.add(DEVICE, at(5), record([{ pem: first.pem, fromSeq: 1 }]));
    const reading = signed(1, first.privateKey);
    const changed = { ...reading, reading: { ...reading.reading, measurements: { temperatureC: 2.5 } } };
    expect(history.judge(changed, at(7))).toEqual({
      ok: false,
      code: 'DEVICE_SIGNATURE',
      version: expect.anything(),
      message:
        'reading 1 of device reefer-7 (block 7, transaction tx-7-0): the device signature does not verify with its ' +
        'key for sequences from 1 (as registered in block 5, transaction tx-5-0): the reading was changed after it ' +
        'was signed, or signed by another key (BAD_SIGNATURE)',
    });
  });

  it('refuses a reading recorded after its device was revoked, naming the revocation', () => {
    const history = new DeviceHistory();
    history.add(DEVICE, at(5), record([{ pem: first.pem, fromSeq: 1 }]));
    history.add(DEVICE, at(6, 2), record([{ pem: first.pem, fromSeq: 1 }], at(6, 2)));
    const verdict = history.judge(signed(3, first.privateKey), at(7));
    expect(verdict).toMatchObject({ ok: false, code: 'DEVICE_REVOKED' });
    expect(verdict.message).toBe(
      'reading 3 of device reefer-7 (block 7, transaction tx-7-0): the device was revoked before it ' +
        '(block 6, transaction tx-6-2: "key leaked")',
    );
  });

  it('keeps a reading recorded before the revocation valid, even in the same block', () => {
    const history = new DeviceHistory();
    history.add(DEVICE, at(5), record([{ pem: first.pem, fromSeq: 1 }]));
    history.add(DEVICE, at(6, 2), record([{ pem: first.pem, fromSeq: 1 }], at(6, 2)));
    expect(history.judge(signed(3, first.privateKey), at(6, 1))).toMatchObject({ ok: true });
  });

  it('judges each sequence number by the key that signs it after a rotation, and not by the newest key', () => {
    const history = new DeviceHistory();
    history.add(DEVICE, at(5), record([{ pem: first.pem, fromSeq: 1 }]));
    history.add(
      DEVICE,
      at(6),
      record([
        { pem: first.pem, fromSeq: 1 },
        { pem: second.pem, fromSeq: 10 },
      ]),
    );
    expect(history.judge(signed(9, first.privateKey), at(7)).ok).toBe(true);
    expect(history.judge(signed(12, second.privateKey), at(7)).ok).toBe(true);
    expect(history.judge(signed(12, first.privateKey), at(7))).toMatchObject({
      ok: false,
      code: 'DEVICE_SIGNATURE',
    });
    // Before the rotation was on the ledger, sequence 12 still belonged to the first key.
    expect(history.judge(signed(12, second.privateKey), at(5, 1))).toMatchObject({
      ok: false,
      code: 'DEVICE_SIGNATURE',
    });
  });

  it('refuses a reading of a device registered only after it', () => {
    const history = new DeviceHistory();
    history.add(DEVICE, at(9), record([{ pem: first.pem, fromSeq: 1 }]));
    expect(history.judge(signed(1, first.privateKey), at(7))).toMatchObject({
      ok: false,
      code: 'DEVICE_UNKNOWN',
      message:
        'reading 1 of device reefer-7 (block 7, transaction tx-7-0): the device was not registered on the ledger before this block',
    });
  });
});
