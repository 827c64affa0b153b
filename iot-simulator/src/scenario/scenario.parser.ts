import { readFile } from 'node:fs/promises';
import { Limits, parseStrictJson, RefusalCode, WireError } from '@provena/wire';
import { ScenarioError, SimulatorError, SimulatorErrorCode, type ScenarioIssue } from '../errors';
import { parseDemand } from './demand.parser';
import { IssueCollector, type Fields } from './json-checker';
import { parseSensorModel } from './model-params.parser';
import { organisationIdProblem } from './organisation-id';
import type { DeviceSpec, Organisation, Product, Route, Scenario, Shipment } from './scenario.types';
import { parseShipments, type ReferenceSets } from './shipments.parser';
import { DAY_MS } from './time-units';

const SCENARIO_FIELDS = [
  'name',
  'description',
  'seed',
  'start',
  'duration',
  'timeCompression',
  'readingInterval',
  'organisations',
  'products',
  'routes',
  'shipments',
  'devices',
  'demand',
];

/** A scenario larger than this is almost certainly a unit mistake (`1s` for `1m`); say so before running it. */
export const MAX_SCENARIO_READINGS = 50_000_000;

function checkUniqueIds(issues: IssueCollector, ids: (string | undefined)[], path: string): Set<string> {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (id === undefined) return;
    if (seen.has(id)) issues.add(`${path}[${i}].id`, `"${id}" is already used by an earlier entry`);
    seen.add(id);
  });
  return seen;
}

function parseList<T extends { id: string }>(
  issues: IssueCollector,
  root: Fields,
  key: string,
  parseItem: (f: Fields) => T | undefined,
  allowed: readonly string[],
  minItems = 0,
): { items: T[]; ids: Set<string> } {
  const list = root.array(key, { required: minItems > 0, minItems }) ?? [];
  const items: (T | undefined)[] = list.map((value, i) => {
    const f = issues.fields(value, `${root.at(key)}[${i}]`, allowed);
    return f ? parseItem(f) : undefined;
  });
  const ids = checkUniqueIds(
    issues,
    items.map((item) => (item?.id ? item.id : undefined)),
    root.at(key),
  );
  return { items: items.filter((item): item is T => item !== undefined), ids };
}

function parseRoute(issues: IssueCollector, f: Fields): Route {
  const waypoints = (f.array('waypoints', { required: true, minItems: 2 }) ?? []).map((point, i) => {
    const p = issues.fields(point, `${f.at('waypoints')}[${i}]`, ['lat', 'lon']);
    return {
      lat: p?.number('lat', { required: true, min: -90, max: 90 }) ?? 0,
      lon: p?.number('lon', { required: true, min: -180, max: 180 }) ?? 0,
    };
  });
  return { id: f.id('id') ?? '', waypoints };
}

function parseMetadata(f: Fields): Record<string, string> {
  const meta = f.object('metadata', 'any');
  const out: Record<string, string> = {};
  if (!meta) return out;
  for (const [key, value] of Object.entries(meta.value)) {
    if (key.length > Limits.maxIdLength)
      meta.report(key, `key must be at most ${Limits.maxIdLength} characters`);
    if (typeof value !== 'string' || value.length > Limits.maxTextLength) {
      meta.report(key, `must be a string of at most ${Limits.maxTextLength} characters`);
    } else out[key] = value;
  }
  return out;
}

function parseDevice(
  issues: IssueCollector,
  f: Fields,
  refs: ReferenceSets,
  shipments: ReadonlyMap<string, Shipment>,
  defaults: { startMs: number | undefined; endMs: number | undefined; readingIntervalMs: number },
): DeviceSpec | undefined {
  const id = f.id('id');
  const kind = f.id('kind');
  const ownerOrg = f.id('owner');
  const shipmentId = f.id('shipment', { required: false });
  if (ownerOrg !== undefined && !refs.organisations.has(ownerOrg)) {
    f.report('owner', `names an organisation "${ownerOrg}", which the scenario does not define`);
  }
  const shipment = shipmentId === undefined ? undefined : shipments.get(shipmentId);
  if (shipmentId !== undefined && !shipment) {
    f.report('shipment', `names a shipment "${shipmentId}", which the scenario does not define`);
  }
  const readingIntervalMs = f.duration('readingInterval', { minMs: 100 }) ?? defaults.readingIntervalMs;
  const metadata = parseMetadata(f);
  const model = f.has('model')
    ? parseSensorModel(f.value.model, f.at('model'), issues, defaults.startMs)
    : (f.report('model', 'is required (a sensor model object with a "type")'), undefined);
  if (model?.type === 'cold-chain' && shipmentId === undefined) {
    f.report(
      'shipment',
      'is required for a cold-chain device: it rides with a shipment and follows its route',
    );
  }
  if (model?.type === 'equipment' && shipmentId !== undefined) {
    f.report(
      'shipment',
      "must be absent for an equipment device: its temperatureC is the machine's, not the cargo's",
    );
  }
  if (shipment && defaults.startMs !== undefined && defaults.endMs !== undefined) {
    if (shipment.arriveAtMs <= defaults.startMs || shipment.departAtMs >= defaults.endMs) {
      f.report('shipment', `"${shipment.id}" travels entirely outside the scenario window: no readings`);
    }
  }
  if (id === undefined || kind === undefined || ownerOrg === undefined || model === undefined)
    return undefined;
  return {
    id,
    kind,
    ownerOrg,
    ...(shipmentId !== undefined && { shipmentId }),
    readingIntervalMs,
    metadata,
    model,
  };
}

/** Readings a device will produce: one per interval over its window (the shipment's journey, or the scenario). */
export function deviceWindow(scenario: Scenario, device: DeviceSpec): { fromMs: number; toMs: number } {
  const endMs = scenario.startMs + scenario.durationMs;
  const shipment = scenario.shipments.find((s) => s.id === device.shipmentId);
  if (!shipment) return { fromMs: scenario.startMs, toMs: endMs };
  return {
    fromMs: Math.max(scenario.startMs, shipment.departAtMs),
    toMs: Math.min(endMs, shipment.arriveAtMs),
  };
}

/** How many readings a device produces in its window. */
export function deviceReadingCount(scenario: Scenario, device: DeviceSpec): number {
  const { fromMs, toMs } = deviceWindow(scenario, device);
  return toMs <= fromMs ? 0 : Math.ceil((toMs - fromMs) / device.readingIntervalMs);
}

/**
 * Validates an already-parsed JSON value as a scenario. Every problem is listed, each with its JSONPath.
 * @returns the scenario, or the issues when there is at least one.
 */
export function validateScenario(
  value: unknown,
): { scenario: Scenario; issues: [] } | { issues: ScenarioIssue[] } {
  const issues = new IssueCollector();
  const root = issues.fields(value, '$', SCENARIO_FIELDS);
  if (!root) return { issues: issues.issues };
  const name = root.string('name', { required: true, maxLength: Limits.maxIdLength }) ?? '';
  const description = root.string('description', { maxLength: 4000 }) ?? '';
  const seed = root.number('seed', { required: true, integer: true, min: 0, max: 0xffffffff }) ?? 0;
  const startMs = root.has('start') ? issues.instant(root.value.start, '$.start', undefined) : undefined;
  if (!root.has('start'))
    root.report('start', 'is required (an ISO 8601 instant such as "2026-03-02T06:00:00Z")');
  const durationMs = root.duration('duration', { required: true, minMs: 1000 });
  const endMs = startMs !== undefined && durationMs !== undefined ? startMs + durationMs : undefined;
  const timeCompression = root.numberOr('timeCompression', 1, { above: 0, max: 1e9 });
  const readingIntervalMs = root.duration('readingInterval', { minMs: 100 }) ?? 60_000;

  const organisations = parseList<Organisation>(
    issues,
    root,
    'organisations',
    (f) => {
      const id = f.id('id') ?? '';
      // Reported here only: references to the id stay resolvable, so one bad id gives one issue.
      const problem = id === '' ? undefined : organisationIdProblem(id);
      if (problem !== undefined) f.report('id', problem);
      return { id, name: f.string('name') ?? id };
    },
    ['id', 'name'],
    1,
  );
  const products = parseList<Product>(
    issues,
    root,
    'products',
    (f) => {
      const id = f.id('id') ?? '';
      return { id, name: f.string('name') ?? id, unit: f.string('unit') ?? 'unit' };
    },
    ['id', 'name', 'unit'],
  );
  const routes = parseList<Route>(issues, root, 'routes', (f) => parseRoute(issues, f), ['id', 'waypoints']);
  const refs: ReferenceSets = {
    organisations: organisations.ids,
    products: products.ids,
    routes: routes.ids,
  };

  const shipmentList = root.array('shipments') ?? [];
  const shipments = parseShipments(issues, shipmentList, root.at('shipments'), refs, startMs);
  checkUniqueIds(
    issues,
    shipments.map((s) => s.id || undefined),
    root.at('shipments'),
  );
  const shipmentsById = new Map(shipments.map((s) => [s.id, s]));

  const devices = parseList<DeviceSpec>(
    issues,
    root,
    'devices',
    (f) => parseDevice(issues, f, refs, shipmentsById, { startMs, endMs, readingIntervalMs }),
    ['id', 'kind', 'owner', 'shipment', 'readingInterval', 'metadata', 'model'],
  );
  const demandList = root.array('demand') ?? [];
  const demand = parseDemand(issues, demandList, root.at('demand'), refs, startMs);
  if (demand.length > 0 && durationMs !== undefined && durationMs < DAY_MS) {
    root.report('duration', 'must cover at least one day when the scenario has demand series');
  }

  const scenario: Scenario = {
    name,
    description,
    seed,
    startMs: startMs ?? 0,
    durationMs: durationMs ?? 0,
    timeCompression,
    readingIntervalMs,
    organisations: organisations.items,
    products: products.items,
    routes: routes.items,
    shipments,
    devices: devices.items,
    demand,
  };
  if (issues.issues.length === 0) {
    const readings = scenario.devices.reduce((sum, d) => sum + deviceReadingCount(scenario, d), 0);
    if (readings > MAX_SCENARIO_READINGS) {
      issues.add(
        '$.duration',
        `gives ${readings} readings, more than ${MAX_SCENARIO_READINGS}: check the units`,
      );
    }
  }
  return issues.issues.length === 0 ? { scenario, issues: [] } : { issues: issues.issues };
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

/**
 * Parses scenario JSON text. The JSON is read strictly (a key given twice is an error, not "last one wins").
 * @throws {@link ScenarioError} listing every problem.
 * @example
 * const scenario = parseScenario(readFileSync('scenarios/demo.json', 'utf8'), 'demo.json');
 */
export function parseScenario(text: string, source = 'scenario'): Scenario {
  let value: unknown;
  try {
    value = parseStrictJson(text, { maxDepth: 32, maxStringLength: 1_000_000 });
  } catch (error) {
    if (!(error instanceof WireError)) throw error;
    const offset = /at offset (\d+)$/.exec(error.reason);
    const where = offset ? ` (${lineAndColumn(text, Number(offset[1]))})` : '';
    const kind = error.code === RefusalCode.DuplicateKey ? 'duplicate key' : 'not valid JSON';
    throw new ScenarioError(source, [{ path: '$', message: `${kind}: ${error.reason}${where}` }]);
  }
  const result = validateScenario(value);
  if (!('scenario' in result)) throw new ScenarioError(source, result.issues);
  return result.scenario;
}

/**
 * Reads and parses a scenario file.
 * @throws {@link ScenarioError} when invalid; {@link SimulatorError} SCENARIO_UNREADABLE when it cannot be read.
 */
export async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new SimulatorError(SimulatorErrorCode.ScenarioUnreadable, `cannot read scenario ${file}`, {
      cause,
    });
  }
  return parseScenario(text, file);
}
