import { join } from 'node:path';
import { openFileKeyStore, type DeviceKeyStore } from '../devices/key-store';
import { newFileSequenceStore, type SequenceStore } from '../devices/sequence-store';
import { DEFAULT_STATE_DIR, durationOption, positiveInteger, requireBroker, STATE_HELP } from './cli-io';

/** `parseArgs` options of the commands that run a fleet of devices against a broker (`publish`, `load`). */
export const FLEET_OPTIONS = {
  broker: { type: 'string' },
  state: { type: 'string', default: DEFAULT_STATE_DIR },
  buffer: { type: 'string' },
  'connect-timeout': { type: 'string' },
  'drain-timeout': { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/** Usage lines of {@link FLEET_OPTIONS} but `--broker`, which a command lists first. */
export const FLEET_USAGE = `  --state <dir>              ${STATE_HELP}
  --buffer <n>               readings each device keeps while the broker is slow or away (default 10000)
  --connect-timeout <dur>    give up when the broker cannot be reached at start (default 10s)
  --drain-timeout <dur>      wait this long at the end for acknowledgements (default 30s)
  --json                     print the result as JSON`;

export interface FleetSettings {
  url: string;
  stateDir: string;
  bufferCapacity: number;
  connectTimeoutMs: number;
  drainTimeoutMs: number;
  json: boolean;
}

/**
 * Validates the parsed {@link FLEET_OPTIONS}.
 * @throws {@link SimulatorError} BAD_ARGUMENT naming the option.
 */
export function fleetSettings(values: {
  broker?: string;
  state: string;
  buffer?: string;
  'connect-timeout'?: string;
  'drain-timeout'?: string;
  json: boolean;
}): FleetSettings {
  return {
    url: requireBroker(values.broker),
    stateDir: values.state,
    bufferCapacity: positiveInteger('buffer', values.buffer, 10_000),
    connectTimeoutMs: durationOption('connect-timeout', values['connect-timeout'], 10_000),
    drainTimeoutMs: durationOption('drain-timeout', values['drain-timeout'], 30_000),
    json: values.json,
  };
}

/** Opens the key store (creating the keys devices lack) and the durable sequence store of a state folder. */
export async function openFleetState(
  stateDir: string,
  deviceIds: Iterable<string>,
): Promise<{ keys: DeviceKeyStore; sequences: SequenceStore }> {
  const keys = await openFileKeyStore({ directory: join(stateDir, 'keys') });
  for (const id of deviceIds) await keys.ensureKey(id);
  return { keys, sequences: newFileSequenceStore({ directory: join(stateDir, 'sequences') }) };
}
