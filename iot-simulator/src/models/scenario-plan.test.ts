import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario } from '../scenario/scenario.parser';
import { newComplianceTracker } from './compliance';
import { mergeByTime } from './merge-by-time';
import { planScenario } from './scenario-plan';
import type { Sample } from './sample';

const load = (name: string) =>
  parseScenario(readFileSync(join(__dirname, '..', '..', 'scenarios', `${name}.json`), 'utf8'), name);

describe('scenario plan', () => {
  it('replays byte-identical samples from the same seed, and different ones from another seed', () => {
    const scenario = load('cold-chain-week');
    const a = JSON.stringify([...planScenario(scenario).samples()]);
    const b = JSON.stringify([...planScenario(load('cold-chain-week')).samples()]);
    const c = JSON.stringify([...planScenario({ ...scenario, seed: scenario.seed + 1 }).samples()]);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('yields every device reading in time order, as many as planned', () => {
    const plan = planScenario(load('cold-chain-week'));
    const samples = [...plan.samples()];
    expect(samples).toHaveLength(plan.totalReadings);
    for (let i = 1; i < samples.length; i++)
      expect(samples[i]!.measuredAt).toBeGreaterThanOrEqual(samples[i - 1]!.measuredAt);
    for (const run of plan.devices) {
      expect(samples.filter((s) => s.deviceId === run.device.id)).toHaveLength(run.readings);
    }
  });

  it('leaves other devices unchanged when a device is added', () => {
    const scenario = load('demo');
    const extra = { ...scenario.devices[1]!, id: 'tracker-demo-2' };
    const before = [...planScenario(scenario).samples()].filter((s) => s.deviceId === 'logger-demo-1');
    const after = [...planScenario({ ...scenario, devices: [extra, ...scenario.devices] }).samples()].filter(
      (s) => s.deviceId === 'logger-demo-1',
    );
    expect(after).toEqual(before);
  });

  it('demo has exactly one breach: the failing reefer warming past 8 °C', () => {
    const plan = planScenario(load('demo'));
    const tracker = newComplianceTracker(plan.scenario.shipments);
    for (const sample of plan.samples()) tracker.observe(sample);
    const { excursions } = tracker.tally();
    expect(excursions).toHaveLength(1);
    expect(excursions[0]).toMatchObject({ deviceId: 'logger-demo-1', rule: 'temperatureC.max', limit: 8 });
  });

  it('cold-chain-week has reefer breaches, a rejected hand-over and equipment failures', () => {
    const plan = planScenario(load('cold-chain-week'));
    const tracker = newComplianceTracker(plan.scenario.shipments);
    for (const sample of plan.samples()) tracker.observe(sample);
    const tally = tracker.tally();
    expect(
      tally.excursions.some(
        (e) => e.shipmentId === 'SHP-1002' && e.rule === 'temperatureC.max' && e.readings > 100,
      ),
    ).toBe(true);
    expect(plan.custody.filter((c) => c.rejected)).toHaveLength(1);
    expect(plan.equipmentEvents.filter((e) => e.kind === 'failure').length).toBeGreaterThanOrEqual(1);
    expect(plan.equipmentEvents.some((e) => e.kind === 'preventive-maintenance')).toBe(true);
  });

  it('demand-history covers two years daily for every series and plans shipments from it', () => {
    const plan = planScenario(load('demand-history'));
    const series = new Set(plan.demand.map((d) => `${d.productId}@${d.location}`));
    expect(series.size).toBeGreaterThanOrEqual(6);
    expect(plan.demand.length / series.size).toBe(731);
    expect(plan.shipmentPlans.length).toBeGreaterThan(0.9 * plan.demand.length);
  });
});

describe('mergeByTime', () => {
  const s = (deviceId: string, measuredAt: number): Sample => ({
    deviceId,
    measuredAt,
    measurements: { batteryPct: 1 },
  });

  it('merges by time and breaks ties by source order', () => {
    const merged = [
      ...mergeByTime([[s('a', 1), s('a', 3)], [], [s('b', 1), s('b', 2), s('b', 9)], [s('c', 0)]]),
    ];
    expect(merged.map((x) => `${x.deviceId}${x.measuredAt}`)).toEqual(['c0', 'a1', 'b1', 'b2', 'a3', 'b9']);
  });
});

describe('compliance tracker', () => {
  it('counts readings outside limits and groups consecutive ones into excursions per device and rule', () => {
    const tracker = newComplianceTracker([
      {
        id: 'S1',
        productId: 'p',
        quantity: 1,
        originOrg: 'A',
        destinationOrg: 'B',
        routeId: 'r',
        departAtMs: 0,
        arriveAtMs: 10,
        compliance: { temperatureC: { min: 2, max: 8 } },
        handovers: [],
      },
    ]);
    const temps = [5, 9, 10, 5, 1, 1, 9];
    temps.forEach((t, i) =>
      tracker.observe({ deviceId: 'd', shipmentId: 'S1', measuredAt: i, measurements: { temperatureC: t } }),
    );
    tracker.observe({ deviceId: 'd', measuredAt: 99, measurements: { temperatureC: 50 } }); // no shipment: no rule
    const tally = tracker.tally();
    expect(tally.breachingReadings).toBe(5);
    expect(tally.violations).toEqual({ 'temperatureC.max': 3, 'temperatureC.min': 2 });
    expect(tally.excursions.map((e) => [e.rule, e.fromMs, e.toMs, e.worst])).toEqual([
      ['temperatureC.max', 1, 2, 10],
      ['temperatureC.min', 4, 5, 1],
      ['temperatureC.max', 6, 6, 9],
    ]);
  });
});
