import { newPrng } from '../random/prng';
import type { DemandSpec } from '../scenario/scenario.types';
import { DAY_MS } from '../scenario/time-units';
import { generateDemand, planShipments, type DemandDay } from './demand.model';

const FIRST_DAY = Date.UTC(2024, 0, 1); // a Monday

function spec(overrides: Partial<DemandSpec> = {}): DemandSpec {
  return {
    productId: 'salmon',
    location: 'AMS',
    originOrg: 'ProducerMSP',
    destinationOrg: 'CarrierMSP',
    baseOrdersPerDay: 100,
    trendPerYear: 0,
    weekly: [1, 1, 1, 1, 1, 1, 1],
    yearly: { amplitude: 0, peakDayOfYear: 182 },
    promotions: [],
    noise: { type: 'poisson' },
    unitsPerOrder: 1,
    ...overrides,
  };
}

function mean(days: DemandDay[]): number {
  return days.reduce((s, d) => s + d.orders, 0) / days.length;
}

describe('demand model', () => {
  it('shows the weekly pattern: each weekday mean matches its multiplier', () => {
    const weekly = [0.8, 0.9, 1, 1, 1.3, 1.6, 0.4];
    const series = generateDemand(spec({ weekly }), FIRST_DAY, 728, newPrng(1));
    weekly.forEach((multiplier, weekday) => {
      const days = series.filter((_, i) => i % 7 === weekday);
      expect(Math.abs(mean(days) / 100 - multiplier)).toBeLessThan(0.05);
    });
  });

  it('shows the yearly season: days near the peak are higher than days opposite it', () => {
    const series = generateDemand(
      spec({ yearly: { amplitude: 0.3, peakDayOfYear: 15 } }),
      FIRST_DAY,
      730,
      newPrng(2),
    );
    const winter = series.filter((d) => d.date.slice(5, 7) === '01');
    const summer = series.filter((d) => d.date.slice(5, 7) === '07');
    expect(mean(winter) / mean(summer)).toBeGreaterThan(1.6); // (1 + 0.29) / (1 - 0.29) ≈ 1.8
    expect(mean(winter) / mean(summer)).toBeLessThan(2.1);
  });

  it('lifts demand on promotion days by the configured factor', () => {
    const promotions = [{ fromMs: FIRST_DAY + 100 * DAY_MS, toMs: FIRST_DAY + 119 * DAY_MS, lift: 2.5 }];
    const series = generateDemand(spec({ promotions }), FIRST_DAY, 365, newPrng(3));
    const promo = series.filter((d) => d.promotion);
    expect(promo).toHaveLength(20);
    expect(mean(promo) / mean(series.filter((d) => !d.promotion))).toBeCloseTo(2.5, 1);
  });

  it('follows the trend: the second year is higher by the yearly growth', () => {
    const series = generateDemand(spec({ trendPerYear: 0.2 }), FIRST_DAY, 731, newPrng(4));
    const ratio = mean(series.slice(366)) / mean(series.slice(0, 365));
    expect(ratio).toBeGreaterThan(1.15);
    expect(ratio).toBeLessThan(1.25);
  });

  it('is over-dispersed with negative-binomial noise and not with Poisson noise', () => {
    const variance = (days: DemandDay[]): number => {
      const m = mean(days);
      return days.reduce((s, d) => s + (d.orders - m) ** 2, 0) / (days.length - 1);
    };
    const poisson = generateDemand(spec(), FIRST_DAY, 2000, newPrng(5));
    const nb = generateDemand(
      spec({ noise: { type: 'negative-binomial', dispersion: 10 } }),
      FIRST_DAY,
      2000,
      newPrng(5),
    );
    expect(variance(poisson) / mean(poisson)).toBeCloseTo(1, 0);
    expect(variance(nb) / mean(nb)).toBeGreaterThan(8); // 1 + mean / k = 11
  });

  it('turns each day with orders into one shipment plan sized orders × units per order', () => {
    const s = spec({ baseOrdersPerDay: 0.7, unitsPerOrder: 6 });
    const series = generateDemand(s, FIRST_DAY, 60, newPrng(6));
    const plans = planShipments(s, series);
    const withOrders = series.filter((d) => d.orders > 0);
    expect(plans).toHaveLength(withOrders.length);
    expect(plans.length).toBeLessThan(60);
    expect(plans.map((p) => p.quantity)).toEqual(withOrders.map((d) => d.orders * 6));
    expect(new Set(plans.map((p) => p.shipmentId)).size).toBe(plans.length);
    expect(plans[0]!.shipmentId).toMatch(/^P-salmon-AMS-2024\d{4}$/);
  });
});
