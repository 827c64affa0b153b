import type { Context } from 'fabric-contract-api';
import { LedgerErrorCode, Limits } from '@provena/wire';
import {
  parseBreachId,
  type AttachmentRecord,
  type BreachRecord,
  type ShipmentRecord,
} from './shipment.model';
import { parseJsonArgument, requireId, requireInteger, requireObject, requireOneOf } from './input';
import { LedgerError } from './ledger-error';
import { attachmentKey, breachKey, deviceKey, KeyType, readingKey, shipmentKey } from './ledger-keys';
import { decodeRecord, readHistory, scanPartial, type HistoryEntry } from './ledger-state';
import { breachesOf, loadShipment } from './shipment.state';

/** How many readings of one device a shipment holds, and the transactions that recorded them. */
export interface DeviceReadingCount {
  deviceId: string;
  count: number;
  firstSeq: number;
  lastSeq: number;
  /** Distinct RecordReadings transactions, in sequence order of their first reading. */
  txIds: string[];
}

/** Everything the ledger knows about a shipment's journey; every fact names the transaction that made it. */
export interface ShipmentProvenance {
  /** Includes the custody chain, each step with its transaction id and timestamp. */
  shipment: ShipmentRecord;
  attachments: AttachmentRecord[];
  /** With their dispositions (null while open). */
  breaches: BreachRecord[];
  openBreaches: number;
  readings: DeviceReadingCount[];
}

/**
 * Assembles a shipment's provenance. Reading counts come from iterating the readings-by-shipment index, which
 * the peer caps at its `totalQueryLimit` (100,000 by default) per query.
 */
export async function shipmentProvenance(ctx: Context, shipmentId: string): Promise<ShipmentProvenance> {
  const shipment = await loadShipment(ctx, shipmentId);
  const attachments = (await scanPartial(ctx, KeyType.Attachment, [shipmentId])).map((e) =>
    decodeRecord<AttachmentRecord>(e.key, e.value),
  );
  const breaches = await breachesOf(ctx, shipmentId);
  const readings: DeviceReadingCount[] = [];
  for (const entry of await scanPartial(ctx, KeyType.ReadingByShipment, [shipmentId])) {
    const [, deviceId = '', seqText = ''] = ctx.stub.splitCompositeKey(entry.key).attributes;
    const seq = Number(seqText);
    const { txId } = decodeRecord<{ txId: string }>(entry.key, entry.value);
    // Index keys arrive sorted by device, then sequence: one pass groups them.
    let current = readings[readings.length - 1];
    if (current?.deviceId !== deviceId) {
      current = { deviceId, count: 0, firstSeq: seq, lastSeq: seq, txIds: [] };
      readings.push(current);
    }
    current.count += 1;
    current.lastSeq = seq;
    if (!current.txIds.includes(txId)) current.txIds.push(txId);
  }
  return {
    shipment,
    attachments,
    breaches,
    openBreaches: breaches.filter((b) => b.disposition === null).length,
    readings,
  };
}

/** The kinds of record GetHistory can trace, and the id fields that name one. */
export const HISTORY_KINDS = ['device', 'shipment', 'attachment', 'reading', 'breach'] as const;
/** A kind of record {@link recordHistory} can trace. */
export type HistoryKind = (typeof HISTORY_KINDS)[number];

const ID_FIELDS: Readonly<Record<HistoryKind, readonly string[]>> = {
  device: ['deviceId'],
  shipment: ['shipmentId'],
  attachment: ['shipmentId', 'deviceId'],
  reading: ['deviceId', 'seq'],
  breach: ['shipmentId', 'breachId'],
};

/**
 * Every version of one record, newest first, each with its transaction id and timestamp.
 * @throws {@link LedgerError} INVALID_ARGUMENT for an unknown kind or an id that does not fit it.
 */
export async function recordHistory(
  ctx: Context,
  kindText: string,
  idJson: string,
): Promise<{ kind: HistoryKind; entries: HistoryEntry[] }> {
  const kind = requireOneOf(kindText, 'kind', HISTORY_KINDS);
  const id = requireObject(parseJsonArgument(idJson, 'idJson'), 'id', ID_FIELDS[kind]);
  const stub = ctx.stub;
  let key: string;
  switch (kind) {
    case 'device':
      key = deviceKey(stub, requireId(id.deviceId, 'id.deviceId'));
      break;
    case 'shipment':
      key = shipmentKey(stub, requireId(id.shipmentId, 'id.shipmentId'));
      break;
    case 'attachment':
      key = attachmentKey(
        stub,
        requireId(id.shipmentId, 'id.shipmentId'),
        requireId(id.deviceId, 'id.deviceId'),
      );
      break;
    case 'reading':
      key = readingKey(
        stub,
        requireId(id.deviceId, 'id.deviceId'),
        requireInteger(id.seq, 'id.seq', 1, Limits.maxSeq),
      );
      break;
    case 'breach': {
      if (typeof id.breachId !== 'string') {
        throw new LedgerError(LedgerErrorCode.InvalidArgument, 'id.breachId must be a string');
      }
      const { deviceId, seq, rule } = parseBreachId(id.breachId, 'id.breachId');
      key = breachKey(stub, requireId(id.shipmentId, 'id.shipmentId'), deviceId, seq, rule);
      break;
    }
  }
  return { kind, entries: await readHistory(ctx, key) };
}
