import { gaussian, logNormal } from '../random/distributions';
import type { Prng } from '../random/prng';
import type { EquipmentParams } from '../scenario/scenario.types';
import { DAY_MS, HOUR_MS } from '../scenario/time-units';
import { clamp, round, type Sample } from './sample';

export interface EquipmentContext {
  deviceId: string;
  fromMs: number;
  toMs: number;
  intervalMs: number;
  rng: Prng;
}

/** Ground truth a predictive-maintenance model should learn: when a machine failed and when it was serviced. */
export interface EquipmentEvent {
  deviceId: string;
  kind: 'failure' | 'preventive-maintenance' | 'corrective-maintenance';
  atMs: number;
}

/** One wear cycle: from a maintenance (age 0 at `startMs`) to the next maintenance or to a failure. */
export interface WearCycle {
  startMs: number;
  /** Wear speed of this cycle relative to nominal (log-normal around 1): units differ, so does each overhaul. */
  wearFactor: number;
  endMs: number;
  /** Set when the cycle ends in a failure; the machine is down until `repairedAtMs`. */
  failedAtMs?: number;
  repairedAtMs?: number;
}

export interface EquipmentLifecycle {
  cycles: WearCycle[];
  events: EquipmentEvent[];
}

/**
 * Noise-free RMS vibration after `ageDays` of nominal wear: a slow linear rise, then exponential growth as
 * damage accelerates (the P-F curve of bearing and valve wear).
 */
export function wearCurveMmS(params: EquipmentParams, ageDays: number): number {
  return (
    params.baselineMmS +
    params.linearMmSPerDay * ageDays +
    params.exponentialMmS * (Math.exp(ageDays / params.exponentialTauDays) - 1)
  );
}

/** Nominal age (days) at which the wear curve reaches the failure threshold; the curve is increasing, so bisect. */
export function failureAgeDays(params: EquipmentParams): number {
  let high = 1;
  while (wearCurveMmS(params, high) < params.failureThresholdMmS) high *= 2;
  let low = 0;
  for (let i = 0; i < 60; i++) {
    const mid = (low + high) / 2;
    if (wearCurveMmS(params, mid) < params.failureThresholdMmS) low = mid;
    else high = mid;
  }
  return high;
}

/**
 * Plans the machine's life over the window: each cycle ends at the next scheduled maintenance if that comes
 * first (preventive), else in a failure when the wear curve crosses the threshold, followed by a repair
 * (corrective maintenance) `repairHours` later. Scheduled maintenances during a repair are absorbed by it.
 */
export function planEquipmentLifecycle(params: EquipmentParams, ctx: EquipmentContext): EquipmentLifecycle {
  const rng = ctx.rng.fork('wear');
  const nominalLifeMs = failureAgeDays(params) * DAY_MS;
  const cycles: WearCycle[] = [];
  const events: EquipmentEvent[] = [];
  const inWindow = (atMs: number): boolean => atMs >= ctx.fromMs && atMs < ctx.toMs;
  let startMs = ctx.fromMs - params.initialAgeDays * DAY_MS;
  while (startMs < ctx.toMs) {
    const wearFactor = logNormal(rng, 0, params.unitVariation);
    // A unit installed already worn may be past its life: it fails at the first reading, not before the window.
    const failAtMs = Math.max(ctx.fromMs, startMs + nominalLifeMs / wearFactor);
    const service = params.maintenanceAtMs.find((m) => m > startMs && m >= ctx.fromMs);
    if (service !== undefined && service < failAtMs) {
      cycles.push({ startMs, wearFactor, endMs: service });
      if (inWindow(service))
        events.push({ deviceId: ctx.deviceId, kind: 'preventive-maintenance', atMs: service });
      startMs = service;
      continue;
    }
    const repairedAtMs = failAtMs + params.repairHours * HOUR_MS;
    cycles.push({ startMs, wearFactor, endMs: repairedAtMs, failedAtMs: failAtMs, repairedAtMs });
    if (inWindow(failAtMs)) events.push({ deviceId: ctx.deviceId, kind: 'failure', atMs: failAtMs });
    if (inWindow(repairedAtMs)) {
      events.push({ deviceId: ctx.deviceId, kind: 'corrective-maintenance', atMs: repairedAtMs });
    }
    startMs = repairedAtMs;
  }
  return { cycles, events };
}

/**
 * Readings of a vibration and temperature monitor on a machine following {@link planEquipmentLifecycle}:
 * vibration on the wear curve with multiplicative noise, temperature rising with vibration (friction heat).
 * While failed the machine stands still: vibration falls to sensor noise and the housing cools towards ambient.
 */
export function* equipmentSamples(
  params: EquipmentParams,
  lifecycle: EquipmentLifecycle,
  ctx: EquipmentContext,
): Generator<Sample> {
  const rng = ctx.rng.fork('noise');
  let c = 0;
  for (let t = ctx.fromMs; t < ctx.toMs; t += ctx.intervalMs) {
    while (c < lifecycle.cycles.length - 1 && t >= lifecycle.cycles[c]!.endMs) c++;
    const cycle = lifecycle.cycles[c]!;
    const noise = gaussian(rng);
    const tempNoise = gaussian(rng, 0, params.tempNoiseC);
    let vibration: number;
    let temperature: number;
    if (cycle.failedAtMs !== undefined && t >= cycle.failedAtMs) {
      const hotC = params.heatCPerMmS * params.failureThresholdMmS;
      vibration = 0.05 * Math.abs(noise);
      temperature = params.ambientC + hotC * Math.exp(-(t - cycle.failedAtMs) / HOUR_MS) + tempNoise;
    } else {
      const ageDays = ((t - cycle.startMs) / DAY_MS) * cycle.wearFactor;
      const clean = wearCurveMmS(params, ageDays);
      vibration = clean * (1 + (params.noisePct / 100) * noise);
      temperature = params.ambientC + params.heatCPerMmS * clean + tempNoise;
    }
    yield {
      deviceId: ctx.deviceId,
      measuredAt: Math.round(t),
      measurements: {
        vibrationMmS: round(clamp(vibration, 0, 1000), 2),
        temperatureC: round(clamp(temperature, -90, 150), 2),
      },
    };
  }
}
