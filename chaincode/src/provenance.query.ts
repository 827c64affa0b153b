import type { Context } from 'fabric-contract-api';
import { LedgerErrorCode, Limits } from '@provena/wire';
import {
  parseBreachId,
  type AttachmentRecord,
  type BreachRecord,
  type PalletTrip,
  type ShipmentRecord,
} from './shipment.model';
import type { PalletRecord, PalletStep } from './pallet.model';
import { palletAttachments } from './pallet.service';
import { parseJsonArgument, requireId, requireInteger, requireObject, requireOneOf } from './input';
import { LedgerError } from './ledger-error';
import {
  attachmentKey,
  breachKey,
  deviceKey,
  KeyType,
  palletKey,
  readingKey,
  shipmentKey,
} from './ledger-keys';
import { decodeRecord, readHistory, readRecord, scanPartial, type HistoryEntry } from './ledger-state';
import { shipmentReadingCounts, type DeviceReadingCount } from './reading-index';

export type { DeviceReadingCount } from './reading-index';
import { breachesOf, loadShipment } from './shipment.state';

/** Everything the ledger knows about a shipment's journey; every fact names the transaction that made it. */
export interface ShipmentProvenance {
  /** Includes the custody chain, each step with its transaction id and timestamp. */
  shipment: ShipmentRecord;
  attachments: AttachmentRecord[];
  /** With their dispositions (null while open). */
  breaches: BreachRecord[];
  openBreaches: number;
  readings: DeviceReadingCount[];
  /** Every pallet the shipment travelled on as a case, in packing order. */
  pallets: PalletTripView[];
}

/** One stay of a case on a pallet, with what the pallet brought it. */
export interface PalletTripView extends PalletTrip {
  /** The pallet's custody steps while the case was on it (its custody moved with them). */
  custody: PalletStep[];
  /** Readings of the pallet's loggers that applied to the case, per logger. */
  readings: DeviceReadingCount[];
  /** Breaches those readings raised for the case. */
  breachIds: string[];
}

/**
 * The pallets a case travelled on. A logger's readings apply to a case only while it is packed, and the case's
 * reading view holds exactly those, so counting the case's readings of the pallet's loggers counts them (a logger
 * moved between pallets the case rode on counts under each).
 */
async function palletTrips(
  ctx: Context,
  shipment: ShipmentRecord,
  readings: readonly DeviceReadingCount[],
  breaches: readonly BreachRecord[],
): Promise<PalletTripView[]> {
  const views: PalletTripView[] = [];
  for (const trip of shipment.palletTrips ?? []) {
    const pallet = await readRecord<PalletRecord>(ctx, palletKey(ctx.stub, trip.palletId));
    const loggers = new Set((await palletAttachments(ctx, trip.palletId)).map((a) => a.deviceId));
    const until = trip.unpackedAt ?? Number.MAX_SAFE_INTEGER;
    views.push({
      ...trip,
      custody: (pallet?.history ?? []).filter(
        (h) =>
          ['offered', 'accepted', 'rejected'].includes(h.action) && h.at >= trip.packedAt && h.at <= until,
      ),
      readings: readings.filter((r) => loggers.has(r.deviceId)),
      breachIds: breaches.filter((b) => b.palletId === trip.palletId).map((b) => b.breachId),
    });
  }
  return views;
}

/**
 * Assembles a shipment's provenance. Reading counts come from the shipment's reading index entries, one per
 * device and transaction (`reading-index.ts`).
 */
export async function shipmentProvenance(ctx: Context, shipmentId: string): Promise<ShipmentProvenance> {
  const shipment = await loadShipment(ctx, shipmentId);
  const attachments = (await scanPartial(ctx, KeyType.Attachment, [shipmentId])).map((e) =>
    decodeRecord<AttachmentRecord>(e.key, e.value),
  );
  const breaches = await breachesOf(ctx, shipmentId);
  const readings = await shipmentReadingCounts(ctx, shipmentId);
  return {
    shipment,
    attachments,
    breaches,
    openBreaches: breaches.filter((b) => b.disposition === null).length,
    readings,
    pallets: await palletTrips(ctx, shipment, readings, breaches),
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
