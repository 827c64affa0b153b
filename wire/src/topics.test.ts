import {
  checkClockSkew,
  deviceIdOfReadingTopic,
  parseReadingReceipt,
  readingReceipts,
  Limits,
  Topics,
  type Reading,
} from './index';

describe('topics', () => {
  it('round-trips a device id through the reading topic', () => {
    expect(deviceIdOfReadingTopic(Topics.readings('reefer-0001'))).toBe('reefer-0001');
  });

  it('does not take other topics for reading topics', () => {
    expect(deviceIdOfReadingTopic(Topics.rejections('reefer-0001'))).toBeUndefined();
    expect(deviceIdOfReadingTopic('provena/v1/devices/a/b/readings')).toBeUndefined();
    expect(deviceIdOfReadingTopic('provena/v1/devices/-bad/readings')).toBeUndefined();
  });

  it('shares the readings subscription across gateway replicas', () => {
    expect(Topics.sharedReadings()).toBe('$share/provena-gateway/provena/v1/devices/+/readings');
  });
});

describe('clock skew', () => {
  const reading = { measuredAt: 1_000_000 } as Reading;
  it('accepts readings from the past (buffered while offline)', () => {
    expect(() => checkClockSkew(reading, 5_000_000, 60_000)).not.toThrow();
  });
  it('refuses readings too far in the future', () => {
    expect(() => checkClockSkew(reading, 1_000_000 - 60_001, 60_000)).toThrow(/CLOCK_SKEW/);
  });
});

describe('reading receipts', () => {
  const txId = 'a'.repeat(64);
  const encode = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

  it('names each device its own receipts topic', () => {
    expect(Topics.receipts('reefer-0001')).toBe('provena/v1/devices/reefer-0001/receipts');
    expect(deviceIdOfReadingTopic(Topics.receipts('reefer-0001'))).toBeUndefined();
  });

  it('lists sequence numbers ascending and once, as devices parse them', () => {
    const [receipt, ...more] = readingReceipts('reefer-0001', [7, 3, 7, 5], txId);
    expect(more).toEqual([]);
    expect(receipt?.seqs).toEqual([3, 5, 7]);
    expect(parseReadingReceipt('reefer-0001', encode(receipt))).toEqual(receipt);
  });

  it('splits a whole batch of one device into receipts that each fit an envelope', () => {
    const id = 'd'.repeat(Limits.maxIdLength);
    const seqs = Array.from({ length: Limits.maxReadingsPerBatch }, (_, i) => Limits.maxSeq - i);
    const receipts = readingReceipts(id, seqs, txId);
    expect(receipts).toHaveLength(Limits.maxReadingsPerBatch / Limits.maxReceiptSeqs);
    expect(receipts.flatMap((r) => r.seqs)).toEqual([...seqs].sort((a, b) => a - b));
    for (const receipt of receipts) {
      expect(Buffer.byteLength(JSON.stringify(receipt))).toBeLessThanOrEqual(Limits.maxEnvelopeBytes);
      expect(parseReadingReceipt(id, encode(receipt))).toEqual(receipt);
    }
  });

  it.each([
    ['another device', { deviceId: 'reefer-0002', seqs: [1], txId }],
    ['no sequence numbers', { deviceId: 'reefer-0001', seqs: [], txId }],
    ['a zero sequence number', { deviceId: 'reefer-0001', seqs: [0], txId }],
    ['a fractional sequence number', { deviceId: 'reefer-0001', seqs: [1.5], txId }],
    ['unsorted sequence numbers', { deviceId: 'reefer-0001', seqs: [2, 1], txId }],
    ['a repeated sequence number', { deviceId: 'reefer-0001', seqs: [2, 2], txId }],
    ['a transaction id that is not Fabric’s', { deviceId: 'reefer-0001', seqs: [1], txId: 'tx-1' }],
    ['an unknown field', { deviceId: 'reefer-0001', seqs: [1], txId, upTo: 9 }],
    [
      'too many sequence numbers',
      { deviceId: 'reefer-0001', seqs: Array.from({ length: 501 }, (_, i) => i + 1), txId },
    ],
  ])('ignores a receipt with %s', (_case, value) => {
    expect(parseReadingReceipt('reefer-0001', encode(value))).toBeUndefined();
  });

  it('ignores payloads that are not JSON objects', () => {
    expect(parseReadingReceipt('reefer-0001', Buffer.from('not json'))).toBeUndefined();
    expect(parseReadingReceipt('reefer-0001', Buffer.from('[1,2]'))).toBeUndefined();
    expect(
      parseReadingReceipt('reefer-0001', Buffer.from('{"deviceId":"reefer-0001","deviceId":"x"}')),
    ).toBeUndefined();
  });
});
