import { resolve } from 'node:path';
import { loadScenario, planScenario } from '@provena/iot-simulator';
import { splitEquipmentRuns, type EquipmentHour } from './equipment-runs';

const HOUR_MS = 3_600_000;

function hourly(samples: { measuredAt: number; vibration: number; temperature: number }[]): EquipmentHour[] {
  const sums = new Map<number, { v: number; t: number; n: number }>();
  for (const s of samples) {
    const hour = Math.floor(s.measuredAt / HOUR_MS);
    const sum = sums.get(hour) ?? { v: 0, t: 0, n: 0 };
    sum.v += s.vibration;
    sum.t += s.temperature;
    sum.n += 1;
    sums.set(hour, sum);
  }
  return [...sums]
    .sort(([a], [b]) => a - b)
    .map(([hour, s]) => ({ hour, vibrationMmS: s.v / s.n, temperatureC: s.t / s.n }));
}

describe('splitEquipmentRuns', () => {
  it('finds every failure of the simulated fleet from telemetry alone, each run ending just before it', async () => {
    const plan = planScenario(
      await loadScenario(resolve(__dirname, '../../../iot-simulator/scenarios/equipment-fleet.json')),
    );
    const byDevice = new Map<string, { measuredAt: number; vibration: number; temperature: number }[]>();
    for (const s of plan.samples()) {
      const { vibrationMmS, temperatureC } = s.measurements;
      if (vibrationMmS === undefined || temperatureC === undefined) continue;
      const list = byDevice.get(s.deviceId) ?? [];
      list.push({ measuredAt: s.measuredAt, vibration: vibrationMmS, temperature: temperatureC });
      byDevice.set(s.deviceId, list);
    }
    let detected = 0;
    let truth = 0;
    for (const [deviceId, samples] of byDevice) {
      const hours = hourly(samples);
      const failures = plan.equipmentEvents.filter((e) => e.deviceId === deviceId && e.kind === 'failure');
      // A failure in the first hour has no run before it to learn from.
      const learnable = failures.filter((f) => f.atMs >= samples[0]!.measuredAt + HOUR_MS);
      const split = splitEquipmentRuns(deviceId, hours);
      const runs = split.failures;
      expect(runs).toHaveLength(learnable.length);
      runs.forEach((run, i) => {
        // Standing still is seen in the failure's hour or the next (an hour's mean mixes both states).
        const seenAt = split.failedAtHour[i]! * HOUR_MS;
        expect(seenAt).toBeGreaterThanOrEqual(learnable[i]!.atMs - HOUR_MS);
        expect(seenAt).toBeLessThanOrEqual(learnable[i]!.atMs + HOUR_MS);
        expect(run.unitId).toBe(`${deviceId}#${i + 1}`);
        expect(run.rows.every((r) => r.length === 2 && r.every(Number.isFinite))).toBe(true);
      });
      detected += runs.length;
      truth += learnable.length;
    }
    expect(truth).toBeGreaterThan(10);
    expect(detected).toBe(truth);
  });

  it('ends a run at a maintenance (sudden drop) without counting it as a failure', () => {
    const hours: EquipmentHour[] = [];
    for (let h = 0; h < 48; h++) hours.push({ hour: h, vibrationMmS: 2 + h * 0.1, temperatureC: 30 });
    for (let h = 48; h < 60; h++) hours.push({ hour: h, vibrationMmS: 2 + (h - 48) * 0.1, temperatureC: 30 });
    const runs = splitEquipmentRuns('m', hours);
    expect(runs.failures).toEqual([]);
    expect(runs.current).toHaveLength(12);
  });

  it('has no current run while the machine stands still', () => {
    const hours: EquipmentHour[] = [
      { hour: 0, vibrationMmS: 3, temperatureC: 30 },
      { hour: 1, vibrationMmS: 0.05, temperatureC: 40 },
    ];
    const runs = splitEquipmentRuns('m', hours);
    expect(runs.failures).toHaveLength(1);
    expect(runs.current).toBeNull();
  });
});
