import type { Context } from 'fabric-contract-api';
import { canonicalJson, LedgerErrorCode, Limits } from '@provena/wire';
import { declareContract } from './contract-surface';
import { loadDevice } from './device.state';
import { parseIntegerArgument, requireId } from './input';
import { LedgerError } from './ledger-error';
import { readingKey } from './ledger-keys';
import { parsePageSize, readRecord } from './ledger-state';
import { loadPallet } from './pallet.service';
import { ProvenaContract } from './provena-contract';
import { deviceReadingsPage, shipmentReadingsPage, type ReadingPage } from './reading-index';
import { recordReadings, type ReadingRecord } from './reading-ingest';
import { loadShipment } from './shipment.state';
import { openTx } from './tx-scope';

async function loadReading(ctx: Context, deviceId: string, seq: number): Promise<ReadingRecord> {
  const reading = await readRecord<ReadingRecord>(ctx, readingKey(deviceId, seq));
  if (!reading)
    throw new LedgerError(LedgerErrorCode.NotFound, `reading ${seq} of device ${deviceId} is not recorded`);
  return reading;
}

// A page of an index names readings; the page returned holds the readings themselves, with the index's bookmark.
async function resolve(ctx: Context, page: ReadingPage): Promise<string> {
  const items: ReadingRecord[] = [];
  for (const { deviceId, seq } of page.readings) items.push(await loadReading(ctx, deviceId, seq));
  return canonicalJson({ items, bookmark: page.bookmark, fetchedRecordsCount: items.length });
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
    return resolve(
      ctx,
      await deviceReadingsPage(ctx, device.deviceId, from, to, parsePageSize(pageSize), bookmark),
    );
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
    return resolve(
      ctx,
      await shipmentReadingsPage(ctx, shipment.shipmentId, parsePageSize(pageSize), bookmark),
    );
  }

  /**
   * A pallet's readings: those its loggers recorded naming it (accepted while attached), in (device, sequence)
   * order, a page at a time. They stay here after the cases they applied to are unpacked.
   */
  async GetReadingsByPallet(
    ctx: Context,
    palletId: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    const pallet = await loadPallet(openTx(ctx), requireId(palletId, 'palletId'));
    // Ingest indexes a pallet logger's readings under the pallet id in the shipments' index (ids never coincide).
    return resolve(ctx, await shipmentReadingsPage(ctx, pallet.palletId, parsePageSize(pageSize), bookmark));
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
    GetReadingsByPallet: {
      submit: false,
      params: { palletId: 'pallet id', pageSize: PAGE_SIZE, bookmark: BOOKMARK },
    },
  },
);
