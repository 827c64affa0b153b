import { newPrng } from '../random/prng';
import { EQUIPMENT_DEFAULTS } from '../scenario/model-params.parser';
import type { EquipmentParams } from '../scenario/scenario.types';
import { DAY_MS, HOUR_MS } from '../scenario/time-units';
import {
  equipmentSamples,
  failureAgeDays,
  planEquipmentLifecycle,
  wearCurveMmS,
  type EquipmentContext,
} from './equipment.model';
import type { Sample } from './sample';

const START = Date.UTC(2025, 8, 1);

function params(overrides: Partial<EquipmentParams> = {}): EquipmentParams {
  return {
    type: 'equipment',
    machine: 'reefer-compressor',
    ...EQUIPMENT_DEFAULTS['reefer-compressor'],
    maintenanceAtMs: [],
    ...overrides,
  };
}

function context(days: number, seed = 5): EquipmentContext {
  return {
    deviceId: 'compressor-1',
    fromMs: START,
    toMs: START + days * DAY_MS,
    intervalMs: 15 * 60_000,
    rng: newPrng(seed).fork('device/compressor-1'),
  };
}

function between(samples: Sample[], fromMs: number, toMs: number): Sample[] {
  return samples.filter((s) => s.measuredAt >= fromMs && s.measuredAt < toMs);
}

function meanOf(samples: Sample[], key: 'vibrationMmS' | 'temperatureC'): number {
  return samples.reduce((sum, s) => sum + s.measurements[key]!, 0) / samples.length;
}

describe('equipment model', () => {
  it('wears slowly then fast: the curve is increasing and convex, and the failure age solves it', () => {
    const p = params();
    const ages = [0, 2, 4, 6, 8, 10, 12];
    const curve = ages.map((a) => wearCurveMmS(p, a));
    for (let i = 2; i < curve.length; i++) {
      expect(curve[i]! - curve[i - 1]!).toBeGreaterThan(curve[i - 1]! - curve[i - 2]!);
    }
    expect(wearCurveMmS(p, failureAgeDays(p))).toBeCloseTo(p.failureThresholdMmS, 6);
    expect(curve[0]).toBe(p.baselineMmS);
  });

  it('runs to failure when the vibration crosses the threshold, then a repair resets the wear', () => {
    const p = params({ unitVariation: 0, repairHours: 12 });
    const ctx = context(30);
    const life = planEquipmentLifecycle(p, ctx);
    const failure = life.events.find((e) => e.kind === 'failure')!;
    expect(failure.atMs - START).toBeCloseTo(failureAgeDays(p) * DAY_MS, -3);
    const repair = life.events.find((e) => e.kind === 'corrective-maintenance')!;
    expect(repair.atMs - failure.atMs).toBe(12 * HOUR_MS);

    const samples = [...equipmentSamples(p, life, ctx)];
    const lastHours = meanOf(between(samples, failure.atMs - 3 * HOUR_MS, failure.atMs), 'vibrationMmS');
    expect(lastHours).toBeGreaterThan(0.85 * p.failureThresholdMmS);
    expect(meanOf(between(samples, failure.atMs + HOUR_MS, repair.atMs), 'vibrationMmS')).toBeLessThan(0.2);
    const afterRepair = meanOf(between(samples, repair.atMs, repair.atMs + 6 * HOUR_MS), 'vibrationMmS');
    expect(Math.abs(afterRepair - p.baselineMmS)).toBeLessThan(0.15);
    // Temperature follows vibration while running (friction heat).
    const running = between(samples, START, failure.atMs);
    expect(meanOf(running.slice(-12), 'temperatureC')).toBeGreaterThan(
      meanOf(running.slice(0, 12), 'temperatureC') + 8,
    );
  });

  it('resets the wear at a preventive maintenance that comes before the failure', () => {
    const serviceAt = START + 7 * DAY_MS;
    const p = params({ unitVariation: 0, maintenanceAtMs: [serviceAt] });
    const ctx = context(10);
    const life = planEquipmentLifecycle(p, ctx);
    expect(life.events).toEqual([
      { deviceId: 'compressor-1', kind: 'preventive-maintenance', atMs: serviceAt },
    ]);
    const samples = [...equipmentSamples(p, life, ctx)];
    const before = meanOf(between(samples, serviceAt - 6 * HOUR_MS, serviceAt), 'vibrationMmS');
    const after = meanOf(between(samples, serviceAt, serviceAt + 6 * HOUR_MS), 'vibrationMmS');
    expect(before).toBeGreaterThan(after + 0.3);
    expect(Math.abs(after - p.baselineMmS)).toBeLessThan(0.15);
  });

  it('varies the life of units and cycles log-normally around the nominal life', () => {
    const p = params({ unitVariation: 0.2, repairHours: 1 });
    const lives: number[] = [];
    for (let seed = 0; seed < 40; seed++) {
      const life = planEquipmentLifecycle(p, context(200, seed));
      for (const c of life.cycles)
        if (c.failedAtMs !== undefined && c.failedAtMs < START + 200 * DAY_MS)
          lives.push((c.failedAtMs - c.startMs) / DAY_MS);
    }
    lives.sort((a, b) => a - b);
    const median = lives[Math.floor(lives.length / 2)]!;
    expect(Math.abs(median / failureAgeDays(p) - 1)).toBeLessThan(0.1);
    expect(lives[0]! / lives.at(-1)!).toBeLessThan(0.6);
  });

  it('has multiplicative vibration noise of the configured size', () => {
    const p = params({ unitVariation: 0, noisePct: 5, initialAgeDays: 0 });
    const ctx = context(1);
    const samples = [...equipmentSamples(p, planEquipmentLifecycle(p, ctx), ctx)];
    const ratios = samples.map((s, i) => s.measurements.vibrationMmS! / wearCurveMmS(p, (i * 15) / 1440));
    const m = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    const sd = Math.sqrt(ratios.reduce((a, r) => a + (r - m) ** 2, 0) / (ratios.length - 1));
    expect(m).toBeCloseTo(1, 1);
    expect(sd).toBeGreaterThan(0.035);
    expect(sd).toBeLessThan(0.065);
  });
});
