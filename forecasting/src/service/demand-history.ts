import { LedgerEvent, SERIES_ID_PATTERN, type ShipmentCreatedPayload } from '@provena/wire';
import { formatDay, type TimeSeries } from '../series/time-series';
import type { ForecastLedgerEvent } from './forecast-ledger.port';

const DAY_MS = 86_400_000;

interface SeriesAccumulator {
  /** Ordered quantity per UTC day (epoch day number → quantity). */
  days: Record<string, number>;
  fromBlock: string;
  toBlock: string;
  orders: number;
}

/** The durable form of {@link DemandHistory}: plain JSON, saved with the event checkpoint. */
export interface DemandHistoryJson {
  series: Record<string, SeriesAccumulator>;
  shipments: string[];
}

/**
 * A demand series with the ledger blocks its orders came from. The blocks and the order count are the series'
 * whole history on the ledger, days held back by `completeBefore` included: an auditor rebuilds the training data
 * as the orders in those blocks dated up to the model card's last training day.
 */
export interface DemandSeries extends TimeSeries {
  readonly fromBlock: string;
  readonly toBlock: string;
  readonly orders: number;
}

/** What a demand series' days add up to: the total ordered, as a model card records its training data. */
export function totalOrdered(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/**
 * Order history rebuilt from `ShipmentCreated` events: quantity ordered per product × destination per day, by
 * the order date the shipment carries. Incremental: each event is applied once, and the accumulated state is
 * saved beside the event checkpoint, so a restart replays only what came after.
 */
export class DemandHistory {
  private readonly series: Record<string, SeriesAccumulator>;
  /** Shipments already counted: an event replayed after a crash between handling and checkpointing counts once. */
  private readonly shipments: Set<string>;

  constructor(json: DemandHistoryJson = { series: {}, shipments: [] }) {
    this.series = json.series;
    this.shipments = new Set(json.shipments);
  }

  static seriesId(productCode: string, destination: string): string {
    return `demand:${productCode}@${destination}`;
  }

  /** Applies one chaincode event; returns whether it changed the history. */
  apply(event: ForecastLedgerEvent): boolean {
    if (event.name !== LedgerEvent.ShipmentCreated) return false;
    const p = event.payload as Partial<ShipmentCreatedPayload>;
    if (
      typeof p.shipmentId !== 'string' ||
      typeof p.productCode !== 'string' ||
      typeof p.destination !== 'string' ||
      typeof p.quantity !== 'number' ||
      typeof p.orderedAt !== 'number' ||
      this.shipments.has(p.shipmentId)
    ) {
      return false;
    }
    const id = DemandHistory.seriesId(p.productCode, p.destination);
    if (!SERIES_ID_PATTERN.test(id)) return false;
    this.shipments.add(p.shipmentId);
    const block = event.blockNumber.toString();
    const acc = (this.series[id] ??= { days: {}, fromBlock: block, toBlock: block, orders: 0 });
    const day = String(Math.floor(p.orderedAt / DAY_MS));
    acc.days[day] = (acc.days[day] ?? 0) + p.quantity;
    acc.orders += 1;
    if (BigInt(block) < BigInt(acc.fromBlock)) acc.fromBlock = block;
    if (BigInt(block) > BigInt(acc.toBlock)) acc.toBlock = block;
    return true;
  }

  /**
   * Daily series from each series' first order day to its last day with an order. Days without orders between are
   * zeros: demand that did not happen, not missing data. With `completeBefore` (epoch days), days from then on are
   * left out: the forecasting service passes today, whose orders are still coming in, so neither a model nor the
   * scorecard takes half a day's orders for a day's demand. A series with orders only from then on is left out.
   */
  toSeries(options: { completeBefore?: number } = {}): DemandSeries[] {
    const cut = options.completeBefore ?? Infinity;
    return Object.entries(this.series)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .flatMap(([id, acc]) => {
        const days = Object.keys(acc.days).map(Number);
        const first = Math.min(...days);
        const end = Math.min(Math.max(...days) + 1, cut);
        if (end <= first) return [];
        const values = Array.from({ length: end - first }, (_, i) => acc.days[String(first + i)] ?? 0);
        return [
          {
            id,
            step: 'day' as const,
            start: formatDay(first * DAY_MS),
            values,
            fromBlock: acc.fromBlock,
            toBlock: acc.toBlock,
            orders: acc.orders,
          },
        ];
      });
  }

  toJSON(): DemandHistoryJson {
    return { series: this.series, shipments: [...this.shipments].sort() };
  }
}
