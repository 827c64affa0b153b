import type { Measurements } from '@provena/wire';
import { gaussian, poissonProcess, uniform } from '../random/distributions';
import type { Prng } from '../random/prng';
import type { ColdChainParams } from '../scenario/scenario.types';
import { DAY_MS, HOUR_MS } from '../scenario/time-units';
import { offsetByMetres, type RoutePath } from './route';
import { clamp, round, type Sample } from './sample';

/** Where and when a cold-chain device rides: its shipment's journey, clipped to the scenario window. */
export interface ColdChainContext {
  deviceId: string;
  shipmentId: string;
  fromMs: number;
  toMs: number;
  intervalMs: number;
  departAtMs: number;
  arriveAtMs: number;
  route: RoutePath;
  /** Loading, every custody hand-over and unloading: the moments the cargo is handled and jolted. */
  handlingAtMs: readonly number[];
  /** The device's own stream ({@link Prng.fork} of the scenario seed by device id). */
  rng: Prng;
}

export interface DoorOpening {
  atMs: number;
  peakC: number;
  humidityPct: number;
}

/** An excursion older than this many decay constants is below 0.01 °C: stop summing it. */
const DECAY_HORIZON = 10;

/**
 * Door openings as a Poisson process over the device's window; each warms the load by a random fraction
 * (0.5..1.5) of the configured peak and brings in humid air in proportion.
 */
export function planDoorOpenings(params: ColdChainParams, ctx: ColdChainContext): DoorOpening[] {
  const rng = ctx.rng.fork('doors');
  const { ratePerHour, peakC, humidityPct } = params.doorOpenings;
  return poissonProcess(rng, ratePerHour / HOUR_MS, ctx.fromMs, ctx.toMs).map((atMs) => {
    const scale = uniform(rng, 0.5, 1.5);
    return { atMs, peakC: peakC * scale, humidityPct: humidityPct * scale };
  });
}

/**
 * Temperature rise of a failed reefer: Newton's law towards ambient, with the configured initial drift rate, so
 * the load warms quickly at first and levels off at the ambient temperature instead of rising forever.
 */
export function reeferDriftC(params: ColdChainParams, tMs: number): number {
  const failure = params.reeferFailure;
  if (!failure || tMs <= failure.atMs) return 0;
  const gap = failure.ambientC - params.setPointC;
  const hours = (tMs - failure.atMs) / HOUR_MS;
  return gap * (1 - Math.exp((-failure.driftCPerHour * hours) / gap));
}

function pick(measurements: Required<Measurements>, report: readonly (keyof Measurements)[]): Measurements {
  const out: Measurements = {};
  for (const name of report) {
    // Each key and value type match by construction; TypeScript cannot follow the correlation.
    (out as Record<string, unknown>)[name] = measurements[name];
  }
  return out;
}

/**
 * The readings of a cold-chain data logger: temperature around the set point with door-open excursions
 * (exponential decay back) and a failing reefer's drift, humidity rising with each door opening, shock spikes
 * at handling events and random drops, GPS along the route with noise, and a draining battery.
 * Every value is drawn on every reading whatever `report` selects, so changing `report` never changes values.
 */
export function* coldChainSamples(params: ColdChainParams, ctx: ColdChainContext): Generator<Sample> {
  const doors = planDoorOpenings(params, ctx);
  const dropRng = ctx.rng.fork('drops');
  const drops = poissonProcess(
    dropRng,
    params.shock.dropsPerDay / DAY_MS,
    ctx.fromMs - ctx.intervalMs,
    ctx.toMs,
  );
  const handlingRng = ctx.rng.fork('handling');
  const jolts = [
    ...ctx.handlingAtMs.map((atMs) => ({ atMs, g: params.shock.handlingG * uniform(handlingRng, 0.6, 1.4) })),
    ...drops.map((atMs) => ({ atMs, g: params.shock.dropG * uniform(dropRng, 0.8, 1.2) })),
  ].sort((a, b) => a.atMs - b.atMs);
  const rng = ctx.rng.fork('noise');
  const tauMs = params.doorOpenings.decayMinutes * 60_000;
  const journeyMs = Math.max(1, ctx.arriveAtMs - ctx.departAtMs);
  let firstLiveDoor = 0;

  for (let t = ctx.fromMs; t < ctx.toMs; t += ctx.intervalMs) {
    while (firstLiveDoor < doors.length && t - doors[firstLiveDoor]!.atMs > DECAY_HORIZON * tauMs)
      firstLiveDoor++;
    let excursionC = 0;
    let excursionHumidity = 0;
    for (let i = firstLiveDoor; i < doors.length && doors[i]!.atMs <= t; i++) {
      const door = doors[i]!;
      const decay = Math.exp(-(t - door.atMs) / tauMs);
      excursionC += door.peakC * decay;
      excursionHumidity += door.humidityPct * decay;
    }
    // Peak acceleration since the previous reading: the largest jolt in (t - interval, t], else road vibration.
    let shock = params.shock.baseG + Math.abs(gaussian(rng, 0, params.shock.noiseG));
    for (const jolt of jolts) {
      if (jolt.atMs > t) break;
      if (jolt.atMs > t - ctx.intervalMs) shock = Math.max(shock, jolt.g);
    }
    const temperature =
      params.setPointC + excursionC + reeferDriftC(params, t) + gaussian(rng, 0, params.noiseC);
    const humidity = params.humidity.basePct + excursionHumidity + gaussian(rng, 0, params.humidity.noisePct);
    const onRoute = ctx.route.at((t - ctx.departAtMs) / journeyMs);
    const fix = offsetByMetres(
      onRoute,
      gaussian(rng, 0, params.gps.noiseM),
      gaussian(rng, 0, params.gps.noiseM),
    );
    const battery = params.battery.startPct - (params.battery.drainPctPerDay * (t - ctx.fromMs)) / DAY_MS;
    const all: Required<Measurements> = {
      temperatureC: round(clamp(temperature, -90, 150), 2),
      humidityPct: round(clamp(humidity, 0, 100), 1),
      shockG: round(clamp(shock, 0, 500), 2),
      vibrationMmS: 0,
      batteryPct: round(clamp(battery, 0, 100), 1),
      location: { lat: round(fix.lat, 6), lon: round(fix.lon, 6) },
    };
    yield {
      deviceId: ctx.deviceId,
      measuredAt: Math.round(t),
      shipmentId: ctx.shipmentId,
      measurements: pick(all, params.report),
    };
  }
}
