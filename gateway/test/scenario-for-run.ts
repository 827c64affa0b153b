import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runId } from './ledger-under-test';

interface ScenarioIds {
  products?: { id: string }[];
  shipments?: { id: string; product?: string }[];
  devices?: { id: string; shipment?: string }[];
  demand?: { product: string }[];
}

/**
 * A copy of a simulator scenario whose products, shipments and devices carry this run's ids (`runId`), wherever
 * the scenario names them, with `overrides` applied on top; written into `dir`, its path returned. The Fabric
 * tier's ledger outlives each test file and the demand scenario's shipment ids are made from product and day, so
 * two files (or two runs on a kept network) would otherwise meet on the same records.
 */
export function scenarioForRun(source: string, dir: string, overrides: Record<string, unknown> = {}): string {
  const scenario = { ...(JSON.parse(readFileSync(source, 'utf8')) as ScenarioIds), ...overrides };
  for (const product of scenario.products ?? []) product.id = runId(product.id);
  for (const shipment of scenario.shipments ?? []) {
    shipment.id = runId(shipment.id);
    if (shipment.product !== undefined) shipment.product = runId(shipment.product);
  }
  for (const device of scenario.devices ?? []) {
    device.id = runId(device.id);
    if (device.shipment !== undefined) device.shipment = runId(device.shipment);
  }
  for (const demand of scenario.demand ?? []) demand.product = runId(demand.product);
  const file = join(dir, `run-${basename(source)}`);
  writeFileSync(file, JSON.stringify(scenario));
  return file;
}
