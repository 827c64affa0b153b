import { Inject, Injectable } from '@nestjs/common';
import { LEDGER, type LedgerPort } from '../../ledger/ledger.port';
import { actorOf, type Principal } from '../auth/principal';
import type { LedgerRecord } from '../ledger-response';
import type { PageQuery, ReadingRangeQuery } from '../validation/request.schemas';

/** Recorded readings, on the ledger's `reading` contract. Readings are written by ingest, never by the API. */
@Injectable()
export class ReadingsService {
  constructor(@Inject(LEDGER) private readonly ledger: LedgerPort) {}

  /** A device's readings measured in [from, to), in measurement-time order. */
  byDevice(principal: Principal, deviceId: string, query: ReadingRangeQuery): Promise<LedgerRecord> {
    return this.ledger.evaluate(actorOf(principal), 'reading:GetReadingsByDevice', [
      deviceId,
      String(query.from),
      String(query.to),
      String(query.pageSize),
      query.bookmark,
    ]);
  }

  /** A shipment's readings in (device, sequence number) order. */
  byShipment(principal: Principal, shipmentId: string, page: PageQuery): Promise<LedgerRecord> {
    return this.ledger.evaluate(actorOf(principal), 'reading:GetReadingsByShipment', [
      shipmentId,
      String(page.pageSize),
      page.bookmark,
    ]);
  }

  /** A pallet's readings (its loggers' readings naming it) in (device, sequence number) order. */
  byPallet(principal: Principal, palletId: string, page: PageQuery): Promise<LedgerRecord> {
    return this.ledger.evaluate(actorOf(principal), 'reading:GetReadingsByPallet', [
      palletId,
      String(page.pageSize),
      page.bookmark,
    ]);
  }

  /** One reading with its signature, hash and recording transaction. */
  get(principal: Principal, deviceId: string, seq: number): Promise<LedgerRecord> {
    return this.ledger.evaluate(actorOf(principal), 'reading:GetReading', [deviceId, String(seq)]);
  }
}
