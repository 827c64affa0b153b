import { newPrng } from '../random/prng';
import { deviceReadingCount, deviceWindow } from '../scenario/scenario.parser';
import type { DeviceSpec, Scenario } from '../scenario/scenario.types';
import { coldChainSamples } from './cold-chain.model';
import { demandDays, generateDemand, planShipments, type DemandDay, type ShipmentPlan } from './demand.model';
import {
  equipmentSamples,
  planEquipmentLifecycle,
  type EquipmentEvent,
  type EquipmentLifecycle,
} from './equipment.model';
import { mergeByTime } from './merge-by-time';
import { newRoutePath } from './route';
import type { Sample } from './sample';

/** A custody hand-over as the future gateway client will submit it: an offer, then acceptance or rejection. */
export interface CustodyEvent {
  shipmentId: string;
  atMs: number;
  fromOrg: string;
  toOrg: string;
  rejected: boolean;
}

export interface DeviceRun {
  device: DeviceSpec;
  fromMs: number;
  toMs: number;
  readings: number;
}

/** Everything a scenario will produce, computed from the scenario and its seed alone. */
export interface ScenarioPlan {
  scenario: Scenario;
  devices: DeviceRun[];
  totalReadings: number;
  /** A fresh stream of every device's samples in time order; each call replays the same samples. */
  samples(): Generator<Sample>;
  /** Equipment failures and maintenances, in time order: the labels for maintenance-flag training. */
  equipmentEvents: EquipmentEvent[];
  custody: CustodyEvent[];
  demand: DemandDay[];
  shipmentPlans: ShipmentPlan[];
}

function deviceSamples(
  scenario: Scenario,
  run: DeviceRun,
  lifecycle: EquipmentLifecycle | undefined,
): Iterable<Sample> {
  const { device } = run;
  const rng = newPrng(scenario.seed).fork(`device/${device.id}`);
  const base = {
    deviceId: device.id,
    fromMs: run.fromMs,
    toMs: run.toMs,
    intervalMs: device.readingIntervalMs,
    rng,
  };
  if (device.model.type === 'equipment') return equipmentSamples(device.model, lifecycle!, base);
  const shipment = scenario.shipments.find((s) => s.id === device.shipmentId)!;
  const route = scenario.routes.find((r) => r.id === shipment.routeId)!;
  return coldChainSamples(device.model, {
    ...base,
    shipmentId: shipment.id,
    departAtMs: shipment.departAtMs,
    arriveAtMs: shipment.arriveAtMs,
    route: newRoutePath(route.waypoints),
    handlingAtMs: [shipment.departAtMs, ...shipment.handovers.map((h) => h.atMs), shipment.arriveAtMs],
  });
}

/**
 * Plans a validated scenario: device windows, equipment lifecycles, custody events and demand. Each device and
 * each demand series draws from its own stream of the seed, so adding a device leaves the others' data unchanged.
 * @example
 * const plan = planScenario(await loadScenario('scenarios/demo.json'));
 * for (const sample of plan.samples()) console.log(sample.deviceId, sample.measurements);
 */
export function planScenario(scenario: Scenario): ScenarioPlan {
  const devices = scenario.devices.map((device) => ({
    device,
    ...deviceWindow(scenario, device),
    readings: deviceReadingCount(scenario, device),
  }));
  const lifecycles = new Map<string, EquipmentLifecycle>();
  for (const run of devices) {
    if (run.device.model.type !== 'equipment') continue;
    const rng = newPrng(scenario.seed).fork(`device/${run.device.id}`);
    lifecycles.set(
      run.device.id,
      planEquipmentLifecycle(run.device.model, {
        deviceId: run.device.id,
        fromMs: run.fromMs,
        toMs: run.toMs,
        intervalMs: run.device.readingIntervalMs,
        rng,
      }),
    );
  }
  const { firstDayMs, days } = demandDays(scenario.startMs, scenario.durationMs);
  const demandBySeries = scenario.demand.map((spec) => ({
    spec,
    series: generateDemand(
      spec,
      firstDayMs,
      days,
      newPrng(scenario.seed).fork(`demand/${spec.productId}@${spec.location}`),
    ),
  }));
  return {
    scenario,
    devices,
    totalReadings: devices.reduce((sum, run) => sum + run.readings, 0),
    samples: () =>
      mergeByTime(devices.map((run) => deviceSamples(scenario, run, lifecycles.get(run.device.id)))),
    equipmentEvents: [...lifecycles.values()]
      .flatMap((l) => l.events)
      .sort((a, b) => a.atMs - b.atMs || (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0)),
    custody: scenario.shipments
      .flatMap((s) =>
        s.handovers.map((h) => ({
          shipmentId: s.id,
          atMs: h.atMs,
          fromOrg: h.fromOrg,
          toOrg: h.toOrg,
          rejected: h.rejects,
        })),
      )
      .sort((a, b) => a.atMs - b.atMs),
    demand: demandBySeries.flatMap((d) => d.series),
    shipmentPlans: demandBySeries
      .flatMap((d) => planShipments(d.spec, d.series))
      .sort((a, b) => a.createAtMs - b.createAtMs),
  };
}
