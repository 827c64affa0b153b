import { canonicalJson, highSTwin, LedgerEvent, Limits, type SignedReading } from '@provena/wire';
import { MAX_CLOCK_AHEAD_MS, type ReadingRecord, type ReadingVerdict } from './reading-ingest';
import { as, contracts, newKeyPair, newTestDevice, reading, Scenario, sign } from './testing/test-fixtures';

const { reading: readings, device, shipment } = contracts;
const d1 = newTestDevice('reefer-0001');
const d2 = newTestDevice('tracker-0002');
// ECDSA accepts (r, n - s) as well as (r, s); the twin with the high S is what Fabric and the wire format refuse.
const withHighS = (signed: SignedReading): SignedReading => ({
  ...signed,
  signature: highSTwin(signed.signature),
});

const statusOf = (verdicts: ReadingVerdict[]): string[] =>
  verdicts.map((v) => (v.code ? `${v.status}:${v.code}` : v.status));

describe('RecordReadings', () => {
  let s: Scenario;

  beforeEach(async () => {
    s = new Scenario();
    await s.registerDevice(d1);
    await s.registerDevice(d2);
    await s.createShipment('S1');
    await s.attach('S1', ['reefer-0001']);
  });

  it('records each reading under its own key with hash and transaction, plus its index entries', async () => {
    const batch = sign(d1, reading('reefer-0001', 1, { shipmentId: 'S1' }), reading('reefer-0001', 2));
    const { result, txId, event } = await s.record(batch);
    expect(result).toEqual({
      accepted: 2,
      duplicates: 0,
      refused: 0,
      verdicts: [
        { deviceId: 'reefer-0001', seq: 1, status: 'accepted' },
        { deviceId: 'reefer-0001', seq: 2, status: 'accepted' },
      ],
    });
    const stored = await s.ledger.evaluate<ReadingRecord>(
      as.auditor,
      readings,
      'GetReading',
      'reefer-0001',
      '1',
    );
    expect(stored).toMatchObject({ reading: batch[0]?.reading, signature: batch[0]?.signature, txId });
    expect(stored.hash).toMatch(/^[0-9a-f]{64}$/);
    // Stored as canonical JSON, although ingest splices the reading's canonical text in instead of redoing it.
    expect(s.ledger.get('reading/reefer-0001/0000000000000001')).toBe(canonicalJson(stored));
    // One index entry per device (and shipment) and transaction, listing its readings, not one per reading.
    const indexKeys = s.ledger
      .keys()
      .filter((k) => k.startsWith('reading-times/') || k.startsWith('\u0000shipment~readings\u0000'));
    const [first, second] = batch.map((b) => b!.reading.measuredAt);
    expect(indexKeys.map((k) => [k, JSON.parse(s.ledger.get(k)!)])).toEqual([
      [
        '\u0000shipment~readings\u0000S1\u0000reefer-0001\u00000000000000000001\u0000',
        { txId, seqs: [[1, 1]] },
      ],
      [
        `reading-times/reefer-0001/${String(first).padStart(16, '0')}/0000000000000001`,
        {
          txId,
          readings: [
            [first, 1],
            [second, 2],
          ],
        },
      ],
    ]);
    expect(event).toEqual({
      name: LedgerEvent.ReadingsRecorded,
      payload: {
        accepted: 2,
        duplicates: 0,
        refused: 0,
        breaches: [],
        readings: [
          { deviceId: 'reefer-0001', seq: 1 },
          { deviceId: 'reefer-0001', seq: 2 },
        ],
      },
    });
  });

  it('reports a replayed batch as duplicates and leaves the ledger byte-for-byte unchanged', async () => {
    const batch = sign(d1, reading('reefer-0001', 1, { shipmentId: 'S1' }), reading('reefer-0001', 2));
    await s.record(batch);
    const before = s.ledger.dump();
    const { result, event } = await s.record(batch);
    expect(statusOf(result.verdicts)).toEqual(['duplicate', 'duplicate']);
    expect(s.ledger.dump()).toBe(before);
    expect(event?.payload).toMatchObject({ accepted: 0, duplicates: 2, readings: [] });
  });

  it('detects a duplicate inside one batch although GetState cannot see the batch’s own writes', async () => {
    const [one] = sign(d1, reading('reefer-0001', 1));
    const ctx = s.ledger.begin(as.producerOperator);
    const result = (await s.ledger.run(
      ctx,
      readings,
      'RecordReadings',
      [JSON.stringify([one, one])],
      'SUBMIT',
    )) as {
      verdicts: ReadingVerdict[];
    };
    expect(statusOf(result.verdicts)).toEqual(['accepted', 'duplicate']);
    expect([...ctx.stub.writes.keys()].filter((k) => k.startsWith('reading/'))).toHaveLength(1);
  });

  it('refuses other content under a recorded sequence number, in the same batch or later', async () => {
    const [first, other] = sign(
      d1,
      reading('reefer-0001', 7),
      reading('reefer-0001', 7, { measurements: { temperatureC: 5 } }),
    );
    const { result } = await s.record([first!, other!]);
    expect(statusOf(result.verdicts)).toEqual(['accepted', 'refused:SEQUENCE_REUSED']);
    const later = await s.record([other!]);
    expect(later.result.verdicts[0]).toMatchObject({ status: 'refused', code: 'SEQUENCE_REUSED' });
    const stored = await s.ledger.evaluate<ReadingRecord>(
      as.auditor,
      readings,
      'GetReading',
      'reefer-0001',
      '7',
    );
    expect(stored.reading.measurements).toEqual({ temperatureC: 4.5 });
  });

  it('refuses forged and malleated signatures per reading, without failing the batch', async () => {
    const [good, tampered, high] = sign(
      d1,
      reading('reefer-0001', 1),
      reading('reefer-0001', 2),
      reading('reefer-0001', 3),
    );
    const batch = [
      good!,
      { ...tampered!, reading: { ...tampered!.reading, measurements: { temperatureC: -20 } } },
      withHighS(high!),
      ...sign(d2, reading('reefer-0001', 4)),
    ];
    const { result } = await s.record(batch);
    expect(statusOf(result.verdicts)).toEqual([
      'accepted',
      'refused:BAD_SIGNATURE',
      'refused:HIGH_S_SIGNATURE',
      'refused:BAD_SIGNATURE',
    ]);
    expect(result).toMatchObject({ accepted: 1, refused: 3 });
  });

  it('refuses readings of unknown devices', async () => {
    const { result } = await s.record(sign(newTestDevice('ghost'), reading('ghost', 1)));
    expect(result.verdicts[0]).toEqual({
      deviceId: 'ghost',
      seq: 1,
      status: 'refused',
      code: 'UNKNOWN_DEVICE',
      reason: 'device ghost is not registered',
    });
  });

  it('refuses new readings of a revoked device but keeps, and still recognises, recorded ones', async () => {
    const [old] = sign(d1, reading('reefer-0001', 1));
    await s.record([old!]);
    await s.ledger.submit(as.producerAdmin, device, 'RevokeDevice', 'reefer-0001', 'tampered housing');
    const { result } = await s.record([old!, ...sign(d1, reading('reefer-0001', 2))]);
    expect(statusOf(result.verdicts)).toEqual(['duplicate', 'refused:DEVICE_REVOKED']);
    await expect(
      s.ledger.evaluate(as.auditor, readings, 'GetReading', 'reefer-0001', '1'),
    ).resolves.toBeDefined();
  });

  it('verifies each reading with the key valid for its sequence number after a rotation', async () => {
    const next = newKeyPair();
    await s.record(sign(d1, reading('reefer-0001', 1)));
    await s.ledger.submit(
      as.producerAdmin,
      device,
      'RotateDeviceKey',
      'reefer-0001',
      next.publicKeyPem,
      '10',
    );
    const { result } = await s.record([
      ...sign(d1, reading('reefer-0001', 9)), // old key, before the switch: valid
      ...sign(next, reading('reefer-0001', 10)), // new key from the switch: valid
      ...sign(d1, reading('reefer-0001', 11)), // old key after the switch: refused
      ...sign(next, reading('reefer-0001', 5)), // new key before the switch: refused
    ]);
    expect(statusOf(result.verdicts)).toEqual([
      'accepted',
      'accepted',
      'refused:BAD_SIGNATURE',
      'refused:BAD_SIGNATURE',
    ]);
    await expect(
      s.ledger.evaluate(as.auditor, readings, 'GetReading', 'reefer-0001', '1'),
    ).resolves.toBeDefined();
  });

  it('refuses readings naming a shipment the device is not attached to', async () => {
    await s.createShipment('S2');
    await s.ledger.submit(as.producerOperator, shipment, 'DetachDevices', 'S1', '["reefer-0001"]');
    const { result } = await s.record([
      ...sign(d1, reading('reefer-0001', 1, { shipmentId: 'S1' })), // detached
      ...sign(d1, reading('reefer-0001', 2, { shipmentId: 'S2' })), // never attached
      ...sign(d1, reading('reefer-0001', 3, { shipmentId: 'NOPE' })), // no such shipment
    ]);
    expect(statusOf(result.verdicts)).toEqual(Array(3).fill('refused:SHIPMENT_MISMATCH'));
  });

  it(`accepts device clocks up to ${MAX_CLOCK_AHEAD_MS / 60_000} minutes ahead of the transaction time, no further`, async () => {
    const now = Date.UTC(2026, 10, 3);
    const batch = sign(
      d1,
      reading('reefer-0001', 1, { measuredAt: now + MAX_CLOCK_AHEAD_MS }),
      reading('reefer-0001', 2, { measuredAt: now + MAX_CLOCK_AHEAD_MS + 1 }),
      reading('reefer-0001', 3, { measuredAt: now - 30 * 24 * 3600_000 }), // buffered offline for a month
    );
    const { result } = await s.ledger.submitAt(
      as.producerOperator,
      now,
      readings,
      'RecordReadings',
      JSON.stringify(batch),
    );
    expect(statusOf((result as { verdicts: ReadingVerdict[] }).verdicts)).toEqual([
      'accepted',
      'refused:CLOCK_SKEW',
      'accepted',
    ]);
  });

  it('judges malformed envelopes one by one, naming them as far as possible', async () => {
    const [valid] = sign(d1, reading('reefer-0001', 1));
    const batch = [
      { ...valid!, firmware: '1.2' },
      { ...valid!, reading: { ...valid!.reading, measuredAt: 'NaN' } },
      { ...valid!, reading: { ...valid!.reading, deviceId: 'reefer\u00000001' } },
      'not an envelope',
      valid,
    ];
    const { result } = await s.record(JSON.stringify(batch));
    expect(result.verdicts.map((v) => [v.deviceId, v.seq, v.status, v.code])).toEqual([
      ['reefer-0001', 1, 'refused', 'SCHEMA_VIOLATION'],
      ['reefer-0001', 1, 'refused', 'SCHEMA_VIOLATION'],
      [null, 1, 'refused', 'SCHEMA_VIOLATION'],
      [null, null, 'refused', 'SCHEMA_VIOLATION'],
      ['reefer-0001', 1, 'accepted', undefined],
    ]);
    expect(result.verdicts[0]?.reason).toBe('firmware is not a known field');
  });

  it.each([
    ['malformed JSON', '[{"reading":', /^INVALID_ARGUMENT: envelopesJson: MALFORMED_JSON/],
    ['NaN', '[NaN]', /^INVALID_ARGUMENT: envelopesJson: MALFORMED_JSON/],
    ['an object', '{}', /^INVALID_ARGUMENT: envelopesJson must be a JSON array/],
    [
      'an empty batch',
      '[]',
      /^INVALID_ARGUMENT: envelopesJson must hold 1 to 500 signed readings; it holds 0/,
    ],
    [
      '501 envelopes',
      JSON.stringify(Array(501).fill({})),
      /^INVALID_ARGUMENT: envelopesJson must hold 1 to 500 signed readings; it holds 501/,
    ],
    ['an oversized string', `["${'x'.repeat(3000)}"]`, /^INVALID_ARGUMENT: envelopesJson: TOO_LARGE/],
    [
      'more characters than 500 envelopes',
      `[${' '.repeat(Limits.maxReadingsPerBatch * Limits.maxEnvelopeBytes)}]`,
      /^INVALID_ARGUMENT: envelopesJson: TOO_LARGE/,
    ],
  ])('refuses a whole batch that is %s, writing nothing', async (_what, json, message) => {
    const before = s.ledger.dump();
    await expect(s.record(json)).rejects.toThrow(message);
    expect(s.ledger.dump()).toBe(before);
  });

  it('accepts a full batch of Limits.maxReadingsPerBatch readings', async () => {
    const batch = sign(
      d1,
      ...Array.from({ length: Limits.maxReadingsPerBatch }, (_, i) => reading('reefer-0001', i + 1)),
    );
    const { result } = await s.record(batch);
    expect(result.accepted).toBe(500);
  });

  it('refuses auditors', async () => {
    await expect(s.record(sign(d1, reading('reefer-0001', 1)), as.auditor)).rejects.toThrow(
      /^FORBIDDEN: only an operator or admin of a member organisation may record readings; AuditorMSP may only read$/,
    );
  });

  it('writes a breach per broken rule, with its evidence, and reports it in the one event', async () => {
    await s.createShipment('S3', as.producerOperator, {
      complianceProfile: { temperatureC: { max: 8 }, humidityPct: { min: 30, max: 70 }, shockG: { max: 2 } },
    });
    await s.attach('S3', ['tracker-0002']);
    const bad = reading('tracker-0002', 4, {
      shipmentId: 'S3',
      measurements: { temperatureC: 9, humidityPct: 20, shockG: 2 },
    });
    const { result, txId, event } = await s.record(sign(d2, bad));
    expect(result.accepted).toBe(1);
    expect(event?.payload).toMatchObject({
      breaches: [
        {
          shipmentId: 'S3',
          breachId: 'tracker-0002/4/temperatureC.max',
          deviceId: 'tracker-0002',
          seq: 4,
          rule: 'temperatureC.max',
          limit: 8,
          observed: 9,
        },
        {
          shipmentId: 'S3',
          breachId: 'tracker-0002/4/humidityPct.min',
          rule: 'humidityPct.min',
          limit: 30,
          observed: 20,
        },
      ],
    });
    const provenance = await s.ledger.evaluate<{ breaches: unknown[] }>(
      as.auditor,
      shipment,
      'GetShipmentProvenance',
      'S3',
    );
    expect(provenance.breaches).toEqual([
      expect.objectContaining({
        rule: 'humidityPct.min',
        measuredAt: bad.measuredAt,
        txId,
        disposition: null,
      }),
      expect.objectContaining({ rule: 'temperatureC.max', deviceId: 'tracker-0002', seq: 4, txId }),
    ]);
  });

  it('reads only device, attachment and reading keys and writes no device or shipment key', async () => {
    const ctx = s.ledger.begin(as.producerOperator);
    const batch = sign(
      d1,
      reading('reefer-0001', 1, { shipmentId: 'S1', measurements: { temperatureC: 30 } }),
    );
    await s.ledger.run(ctx, readings, 'RecordReadings', [JSON.stringify(batch)], 'SUBMIT');
    const typeOf = (key: string): string =>
      key.startsWith('\u0000') ? (key.split('\u0000')[1] ?? '') : key.split('/')[0]!;
    expect([...new Set([...ctx.stub.reads.keys()].map(typeOf))].sort()).toEqual([
      'attachment',
      'device',
      'reading',
    ]);
    expect([...new Set([...ctx.stub.writes.keys()].map(typeOf))].sort()).toEqual([
      'breach',
      'reading',
      'reading-times',
      'shipment~readings',
    ]);
    expect(ctx.stub.rangeReads).toEqual([]);
  });

  it('lets concurrent batches of the same device and shipment both commit (no MVCC conflict)', async () => {
    const first = s.ledger.begin(as.producerOperator);
    const second = s.ledger.begin(as.carrierOperator);
    await s.ledger.run(
      first,
      readings,
      'RecordReadings',
      [JSON.stringify(sign(d1, reading('reefer-0001', 1, { shipmentId: 'S1' })))],
      'SUBMIT',
    );
    await s.ledger.run(
      second,
      readings,
      'RecordReadings',
      [JSON.stringify(sign(d1, reading('reefer-0001', 2, { shipmentId: 'S1' })))],
      'SUBMIT',
    );
    expect(s.ledger.commit(first)).toBe('VALID');
    expect(s.ledger.commit(second)).toBe('VALID');
  });

  it('reads each device and attachment once and the recorded readings once per run of consecutive sequence numbers', async () => {
    const ctx = s.ledger.begin(as.producerOperator);
    const batch = [
      ...sign(
        d1,
        reading('reefer-0001', 2, { shipmentId: 'S1' }),
        reading('reefer-0001', 1, { shipmentId: 'S1' }),
        reading('reefer-0001', 3, { shipmentId: 'S1' }),
        reading('reefer-0001', 5, { shipmentId: 'S1' }),
      ),
      ...sign(d2, reading('tracker-0002', 1), reading('tracker-0002', 2)),
    ];
    await s.ledger.run(ctx, readings, 'RecordReadings', [JSON.stringify(batch)], 'SUBMIT');
    expect([...ctx.stub.reads.keys()].sort()).toEqual([
      '\u0000attachment\u0000S1\u0000reefer-0001\u0000',
      '\u0000device\u0000reefer-0001\u0000',
      '\u0000device\u0000tracker-0002\u0000',
      'reading/reefer-0001/0000000000000005',
    ]);
    // A range covers only sequence numbers of the batch, so it conflicts exactly where point reads would.
    expect(ctx.stub.rangeReads.map(({ start, end }) => [start, end])).toEqual([
      ['reading/reefer-0001/0000000000000001', 'reading/reefer-0001/0000000000000004'],
      ['reading/tracker-0002/0000000000000001', 'reading/tracker-0002/0000000000000003'],
    ]);
  });

  it('lets concurrent batches of one device commit whenever their sequence numbers differ, in runs or not', async () => {
    const run = async (seqs: number[]) => {
      const ctx = s.ledger.begin(as.producerOperator);
      const batch = sign(d1, ...seqs.map((seq) => reading('reefer-0001', seq, { shipmentId: 'S1' })));
      await s.ledger.run(ctx, readings, 'RecordReadings', [JSON.stringify(batch)], 'SUBMIT');
      return ctx;
    };
    const concurrent = [await run([1, 2, 3]), await run([4, 5, 6]), await run([7, 9]), await run([8])];
    expect(concurrent.map((ctx) => s.ledger.commit(ctx))).toEqual(['VALID', 'VALID', 'VALID', 'VALID']);
    // And one that shares a reading with a committed batch does not commit.
    const late = s.ledger.begin(as.producerOperator);
    const overlapping = await run([10, 11]);
    await s.ledger.run(
      late,
      readings,
      'RecordReadings',
      [JSON.stringify(sign(d1, reading('reefer-0001', 11), reading('reefer-0001', 12)))],
      'SUBMIT',
    );
    expect(s.ledger.commit(overlapping)).toBe('VALID');
    expect(s.ledger.commit(late)).toBe('PHANTOM_READ_CONFLICT');
  });

  it('lets only one of two concurrent submissions of the same reading commit', async () => {
    const batch = JSON.stringify(sign(d1, reading('reefer-0001', 1)));
    const first = s.ledger.begin(as.producerOperator);
    const second = s.ledger.begin(as.producerOperator);
    await s.ledger.run(first, readings, 'RecordReadings', [batch], 'SUBMIT');
    await s.ledger.run(second, readings, 'RecordReadings', [batch], 'SUBMIT');
    expect(s.ledger.commit(first)).toBe('VALID');
    expect(s.ledger.commit(second)).toBe('MVCC_READ_CONFLICT');
  });
});
