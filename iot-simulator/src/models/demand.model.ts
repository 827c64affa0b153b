import { createHash } from 'node:crypto';
import { Limits } from '@provena/wire';
import { negativeBinomial, poisson } from '../random/distributions';
import type { Prng } from '../random/prng';
import type { DemandSpec } from '../scenario/scenario.types';
import { DAY_MS, formatDate } from '../scenario/time-units';

/** One day of one product at one location. */
export interface DemandDay {
  /** UTC date, `YYYY-MM-DD`. */
  date: string;
  dayMs: number;
  productId: string;
  location: string;
  /** The model's mean for the day before noise: what a perfect forecast would say. */
  expectedOrders: number;
  orders: number;
  promotion: boolean;
}

/** A shipment that serves a day's orders; `createDemandShipments` creates it through the gateway. */
export interface ShipmentPlan {
  shipmentId: string;
  productId: string;
  quantity: number;
  originOrg: string;
  destinationOrg: string;
  location: string;
  /** The UTC day the orders are for. */
  forDate: string;
  /** When to create the shipment: the start of that day. */
  createAtMs: number;
}

const YEAR_DAYS = 365.25;

function dayOfYear(dayMs: number): number {
  const date = new Date(dayMs);
  return Math.floor((dayMs - Date.UTC(date.getUTCFullYear(), 0, 1)) / DAY_MS) + 1;
}

/**
 * Mean orders on a day: base × trend × weekly × yearly × promotion. The trend compounds yearly; the yearly
 * season is a cosine peaking on `peakDayOfYear`; the weekly multipliers are indexed Monday first (ISO 8601).
 */
export function expectedOrders(spec: DemandSpec, dayMs: number, firstDayMs: number): number {
  const years = (dayMs - firstDayMs) / (YEAR_DAYS * DAY_MS);
  const trend = Math.pow(1 + spec.trendPerYear, years);
  const weekly = spec.weekly[(new Date(dayMs).getUTCDay() + 6) % 7] ?? 1;
  const yearly =
    1 +
    spec.yearly.amplitude *
      Math.cos((2 * Math.PI * (dayOfYear(dayMs) - spec.yearly.peakDayOfYear)) / YEAR_DAYS);
  return spec.baseOrdersPerDay * trend * weekly * yearly * promotionLift(spec, dayMs);
}

/** The multiplicative lift of promotions running on a day (overlapping promotions multiply). */
export function promotionLift(spec: DemandSpec, dayMs: number): number {
  let lift = 1;
  for (const p of spec.promotions) {
    const fromDay = Math.floor(p.fromMs / DAY_MS) * DAY_MS;
    if (dayMs >= fromDay && dayMs <= p.toMs) lift *= p.lift;
  }
  return lift;
}

/** A daily order series: the mean of {@link expectedOrders} with Poisson or negative-binomial noise. */
export function generateDemand(spec: DemandSpec, firstDayMs: number, days: number, rng: Prng): DemandDay[] {
  const series: DemandDay[] = [];
  for (let d = 0; d < days; d++) {
    const dayMs = firstDayMs + d * DAY_MS;
    const mean = expectedOrders(spec, dayMs, firstDayMs);
    const orders =
      spec.noise.type === 'poisson' ? poisson(rng, mean) : negativeBinomial(rng, mean, spec.noise.dispersion);
    series.push({
      date: formatDate(dayMs),
      dayMs,
      productId: spec.productId,
      location: spec.location,
      expectedOrders: Math.round(mean * 1000) / 1000,
      orders,
      promotion: promotionLift(spec, dayMs) !== 1,
    });
  }
  return series;
}

/** `P-<product>-<location>-<yyyymmdd>`, or a hash of product and location when that would exceed the id limit. */
function planId(spec: DemandSpec, date: string): string {
  const day = date.replaceAll('-', '');
  const readable = `P-${spec.productId}-${spec.location}-${day}`;
  if (readable.length <= Limits.maxIdLength) return readable;
  const digest = createHash('sha256')
    .update(`${spec.productId}\n${spec.location}`)
    .digest('hex')
    .slice(0, 16);
  return `P-${digest}-${day}`;
}

/** One shipment per day with orders, sized orders × units per order. Days without orders need no shipment. */
export function planShipments(spec: DemandSpec, series: readonly DemandDay[]): ShipmentPlan[] {
  return series
    .filter((day) => day.orders > 0)
    .map((day) => ({
      shipmentId: planId(spec, day.date),
      productId: spec.productId,
      quantity: day.orders * spec.unitsPerOrder,
      originOrg: spec.originOrg,
      destinationOrg: spec.destinationOrg,
      location: spec.location,
      forDate: day.date,
      createAtMs: day.dayMs,
    }));
}

/** Days of demand a scenario covers: from the start's UTC day through the day the scenario ends in. */
export function demandDays(startMs: number, durationMs: number): { firstDayMs: number; days: number } {
  const firstDayMs = Math.floor(startMs / DAY_MS) * DAY_MS;
  return { firstDayMs, days: Math.ceil((startMs + durationMs - firstDayMs) / DAY_MS) };
}
