import { newPrng } from '../random/prng';
import { COLD_CHAIN_DEFAULTS } from '../scenario/model-params.parser';
import type { ColdChainParams } from '../scenario/scenario.types';
import { DAY_MS, HOUR_MS } from '../scenario/time-units';
import { coldChainSamples, planDoorOpenings, type ColdChainContext } from './cold-chain.model';
import { distanceM, newRoutePath } from './route';
import type { Sample } from './sample';

const START = Date.UTC(2026, 2, 2);
const WAYPOINTS = [
  { lat: 52.3676, lon: 4.9041 },
  { lat: 52.3759, lon: 9.732 },
  { lat: 52.52, lon: 13.405 },
];

function params(overrides: Partial<ColdChainParams> = {}): ColdChainParams {
  return { ...structuredClone(COLD_CHAIN_DEFAULTS), ...overrides };
}

function context(days: number, overrides: Partial<ColdChainContext> = {}): ColdChainContext {
  return {
    deviceId: 'logger-1',
    shipmentId: 'SHP-1',
    fromMs: START,
    toMs: START + days * DAY_MS,
    intervalMs: 60_000,
    departAtMs: START,
    arriveAtMs: START + days * DAY_MS,
    route: newRoutePath(WAYPOINTS),
    handlingAtMs: [],
    rng: newPrng(11).fork('device/logger-1'),
    ...overrides,
  };
}

function temps(samples: Sample[]): number[] {
  return samples.map((s) => s.measurements.temperatureC!);
}

function mean(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

function sd(xs: number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

function correlation(xs: number[], ys: number[]): number {
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  for (let i = 0; i < xs.length; i++) sxy += (xs[i]! - mx) * (ys[i]! - my);
  return sxy / ((xs.length - 1) * sd(xs) * sd(ys));
}

const quiet = { ...COLD_CHAIN_DEFAULTS.doorOpenings, ratePerHour: 0 };

describe('cold-chain model', () => {
  it('keeps the temperature at the set point with the configured noise when nothing happens', () => {
    const samples = [
      ...coldChainSamples(params({ setPointC: 4, noiseC: 0.2, doorOpenings: quiet }), context(7)),
    ];
    expect(samples).toHaveLength(7 * 1440);
    expect(Math.abs(mean(temps(samples)) - 4)).toBeLessThan(0.02);
    expect(sd(temps(samples))).toBeCloseTo(0.2, 1);
  });

  it('opens doors at the configured rate, each warming the load and raising humidity', () => {
    const p = params({ doorOpenings: { ratePerHour: 0.5, peakC: 4, decayMinutes: 10, humidityPct: 15 } });
    const ctx = context(28);
    const doors = planDoorOpenings(p, ctx);
    const expected = 0.5 * 28 * 24;
    expect(Math.abs(doors.length - expected)).toBeLessThan(3 * Math.sqrt(expected));
    const samples = [...coldChainSamples(p, ctx)];
    // The first reading after each opening is well above the set point (peak is 2..6 °C, decay over < 1 min).
    const rises = doors.map((door) => samples[Math.ceil((door.atMs - START) / 60_000)]);
    const warm = rises.filter((s) => s && s.measurements.temperatureC! > p.setPointC + 1.2);
    expect(warm.length / doors.length).toBeGreaterThan(0.95);
    expect(
      correlation(
        temps(samples),
        samples.map((s) => s.measurements.humidityPct!),
      ),
    ).toBeGreaterThan(0.6);
  });

  it('drifts upward from the reefer failure towards ambient, and not before', () => {
    const failAt = START + 2 * DAY_MS;
    const p = params({
      doorOpenings: quiet,
      reeferFailure: { atMs: failAt, driftCPerHour: 1.5, ambientC: 20 },
    });
    const samples = [...coldChainSamples(p, context(4))];
    const hourly = (fromMs: number): number =>
      mean(temps(samples.filter((s) => s.measuredAt >= fromMs && s.measuredAt < fromMs + HOUR_MS)));
    expect(Math.abs(hourly(failAt - HOUR_MS) - p.setPointC)).toBeLessThan(0.1);
    const after = [1, 3, 6, 12, 24].map((h) => hourly(failAt + h * HOUR_MS));
    for (let i = 1; i < after.length; i++) expect(after[i]).toBeGreaterThan(after[i - 1]!);
    expect(after[0]! - p.setPointC).toBeGreaterThan(1.5); // ~1.4 °C/h initial slope: 1.5-2.2 °C after 1-2 h
    expect(after.at(-1)!).toBeLessThan(20.5);
    expect(after.at(-1)!).toBeGreaterThan(17);
  });

  it('spikes shock at handling events only', () => {
    const handling = [START + 3 * HOUR_MS + 20_000, START + 20 * HOUR_MS];
    const p = params({ doorOpenings: quiet });
    const samples = [...coldChainSamples(p, context(1, { handlingAtMs: handling }))];
    const spikes = samples.filter((s) => s.measurements.shockG! > 2);
    expect(spikes.map((s) => s.measuredAt)).toEqual([START + 3 * HOUR_MS + 60_000, START + 20 * HOUR_MS]);
    for (const s of spikes) expect(s.measurements.shockG).toBeGreaterThanOrEqual(0.6 * p.shock.handlingG);
  });

  it('follows the route from origin to destination with GPS noise of the configured size', () => {
    const p = params({ doorOpenings: quiet, gps: { noiseM: 10 } });
    const samples = [...coldChainSamples(p, context(2))];
    const first = samples[0]!.measurements.location!;
    const last = samples.at(-1)!.measurements.location!;
    expect(distanceM(first, WAYPOINTS[0]!)).toBeLessThan(60);
    expect(distanceM(last, WAYPOINTS[2]!)).toBeLessThan(1000); // one minute short of arrival at ~12 km/h
    const route = newRoutePath(WAYPOINTS);
    const errors = samples.map((s, i) => distanceM(s.measurements.location!, route.at(i / samples.length)));
    expect(mean(errors)).toBeGreaterThan(5);
    expect(mean(errors)).toBeLessThan(20); // Rayleigh mean of σ = 10 m is 12.5 m
  });

  it('drains the battery at the configured rate', () => {
    const p = params({ battery: { startPct: 90, drainPctPerDay: 3 } });
    const samples = [...coldChainSamples(p, context(5))];
    expect(samples[0]!.measurements.batteryPct).toBe(90);
    expect(samples.at(-1)!.measurements.batteryPct).toBeCloseTo(75, 0);
  });

  it('reports only the selected measurements, with the same values as the full model', () => {
    const full = [...coldChainSamples(params(), context(1))];
    const some = [...coldChainSamples(params({ report: ['shockG', 'location'] }), context(1))];
    expect(Object.keys(some[10]!.measurements).sort()).toEqual(['location', 'shockG']);
    expect(some[10]!.measurements.shockG).toBe(full[10]!.measurements.shockG);
  });

  it('replays exactly from the same seed and differs for another seed', () => {
    const a = [...coldChainSamples(params(), context(1))];
    const b = [...coldChainSamples(params(), context(1))];
    const c = [...coldChainSamples(params(), context(1, { rng: newPrng(12).fork('device/logger-1') }))];
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });
});
