import type { Context } from 'fabric-contract-api';
import { canonicalJson, LedgerErrorCode, Limits } from '@provena/wire';
import { declareContract } from './contract-surface';
import { loadDevice } from './device.state';
import { parseIntegerArgument, requireId } from './input';
import { LedgerError } from './ledger-error';
import { KeyType, readingKey, readingTimeKey } from './ledger-keys';
import { parsePageSize, readPage, readRecord, type Page, type StateEntry } from './ledger-state';
import { ProvenaContract } from './provena-contract';
import { recordReadings, type ReadingRecord } from './reading-ingest';
import { loadShipment } from './shipment.state';
import { openTx } from './tx-scope';

async function loadReading(ctx: Context, deviceId: string, seq: number): Promise<ReadingRecord> {
  const reading = await readRecord<ReadingRecord>(ctx, readingKey(ctx.stub, deviceId, seq));
  if (!reading)
    throw new LedgerError(LedgerErrorCode.NotFound, `reading ${seq} of device ${deviceId} is not recorded`);
  return reading;
}

// An index page names readings; the page returned holds the readings themselves, with the index's bookmark.
async function resolve(
  ctx: Context,
  page: Page<StateEntry>,
  locate: (entry: StateEntry) => { deviceId: string; seq: number },
): Promise<string> {
  const items: ReadingRecord[] = [];
  for (const entry of page.items) {
    const { deviceId, seq } = locate(entry);
    items.push(await loadReading(ctx, deviceId, seq));
  }
  return canonicalJson({ ...page, items });
}

/**
 * Device-signed readings: batch ingest with per-reading verdicts, and the reading queries. Contract name
 * `reading`.
 */
export class ReadingContract extends ProvenaContract {
  constructor() {
    super('reading');
  }

  /**
   * Records a batch of signed readings (a JSON array of 1 to `Limits.maxReadingsPerBatch` envelopes). Returns
   * `{accepted, duplicates, refused, verdicts}` with one verdict per envelope in input order; a refused reading
   * does not fail the batch.
   */
  async RecordReadings(ctx: Context, envelopesJson: string): Promise<string> {
    return canonicalJson(await recordReadings(openTx(ctx), envelopesJson));
  }

  /** One recorded reading with its signature, hash and recording transaction. */
  async GetReading(ctx: Context, deviceId: string, seq: string): Promise<string> {
    openTx(ctx);
    return canonicalJson(
      await loadReading(
        ctx,
        requireId(deviceId, 'deviceId'),
        parseIntegerArgument(seq, 'seq', 1, Limits.maxSeq),
      ),
    );
  }

  /** A device's readings measured in [fromMs, toMs), in measurement-time order, a page at a time. */
  async GetReadingsByDevice(
    ctx: Context,
    deviceId: string,
    fromMs: string,
    toMs: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    openTx(ctx);
    const device = await loadDevice(ctx, requireId(deviceId, 'deviceId'));
    const from = parseIntegerArgument(fromMs, 'fromMs', 0, Number.MAX_SAFE_INTEGER);
    const to = parseIntegerArgument(toMs, 'toMs', 0, Number.MAX_SAFE_INTEGER);
    if (from >= to) throw new LedgerError(LedgerErrorCode.InvalidArgument, 'fromMs must be less than toMs');
    const page = await readPage(
      ctx,
      {
        kind: 'range',
        startKey: readingTimeKey(device.deviceId, from),
        endKey: readingTimeKey(device.deviceId, to),
      },
      parsePageSize(pageSize),
      bookmark,
    );
    return resolve(ctx, page, (entry) => ({
      deviceId: device.deviceId,
      seq: Number(entry.key.slice(entry.key.lastIndexOf('/') + 1)),
    }));
  }

  /** A shipment's readings in (device, sequence) order, a page at a time. */
  async GetReadingsByShipment(
    ctx: Context,
    shipmentId: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    openTx(ctx);
    const shipment = await loadShipment(ctx, requireId(shipmentId, 'shipmentId'));
    const page = await readPage(
      ctx,
      { kind: 'partial', objectType: KeyType.ReadingByShipment, attributes: [shipment.shipmentId] },
      parsePageSize(pageSize),
      bookmark,
    );
    return resolve(ctx, page, (entry) => {
      const [, deviceId = '', seq = ''] = ctx.stub.splitCompositeKey(entry.key).attributes;
      return { deviceId, seq: Number(seq) };
    });
  }
}

const PAGE_SIZE = 'positive integer, served at most 200';
const BOOKMARK = 'from the previous page; "" first';

declareContract(
  ReadingContract,
  {
    title: 'reading',
    description:
      'Device-signed readings: verified batch ingest with per-reading verdicts, and reading queries',
    version: '0.1.0',
  },
  {
    RecordReadings: {
      submit: true,
      params: {
        envelopesJson: `JSON array of 1 to ${Limits.maxReadingsPerBatch} signed readings {reading, signature}`,
      },
    },
    GetReading: { submit: false, params: { deviceId: 'device id', seq: 'sequence number' } },
    GetReadingsByDevice: {
      submit: false,
      params: {
        deviceId: 'device id',
        fromMs: 'measuredAt lower bound, Unix ms, inclusive',
        toMs: 'measuredAt upper bound, Unix ms, exclusive',
        pageSize: PAGE_SIZE,
        bookmark: BOOKMARK,
      },
    },
    GetReadingsByShipment: {
      submit: false,
      params: { shipmentId: 'shipment id', pageSize: PAGE_SIZE, bookmark: BOOKMARK },
    },
  },
);
