import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openFileKeyStore } from '../devices/key-store';
import type { ReadingPublisher } from '../devices/reading-publisher.port';
import { newFileSequenceStore } from '../devices/sequence-store';
import { planScenario } from '../models/scenario-plan';
import { newMqttReadingPublisher, waitForConnection } from '../mqtt/mqtt-publisher.adapter';
import { publishScenario, type Pacing, type PublishProgress } from '../run/scenario-publisher';
import { loadScenario } from '../scenario/scenario.parser';
import { formatDuration } from '../scenario/time-units';
import {
  DEFAULT_STATE_DIR,
  durationOption,
  ExitCode,
  positiveInteger,
  positiveNumber,
  rateOption,
  requireBroker,
  STATE_HELP,
  usageError,
  writeLine,
  type CliIo,
} from './cli-io';

export const PUBLISH_USAGE = `iot-simulator publish <scenario.json> --broker <url> [options]
  Replays the scenario through signing devices over MQTT 5, QoS 1. Progress on stderr every second.
  Exit 1 when a reading was dropped, refused or not acknowledged.
  --broker <url>             e.g. mqtt://127.0.0.1:1883
  --rate <n>[/s]             readings per second (default: the scenario's time compression)
  --compression <n>          simulated seconds per wall second, overriding the scenario's
  --unpaced                  as fast as possible
  --state <dir>              ${STATE_HELP}
  --buffer <n>               readings each device keeps while the broker is unreachable (default 10000)
  --devices-per-client <n>   devices sharing one MQTT connection (default 1000)
  --connect-timeout <dur>    give up when the broker cannot be reached at start (default 10s)
  --drain-timeout <dur>      wait this long at the end for acknowledgements (default 30s)
  --json                     print the summary as JSON`;

const n = (value: number): string => Math.round(value).toLocaleString('en');

export function formatProgress(p: PublishProgress): string {
  const pct = p.total === 0 ? 100 : Math.floor((p.sent * 100) / p.total);
  const eta = p.etaMs === undefined ? '?' : formatDuration(p.etaMs);
  return (
    `[${formatDuration(p.elapsedMs).padStart(6)}] acked ${n(p.sent)}/${n(p.total)} (${pct}%) ` +
    `recorded ${n(p.recorded)} buffered ${n(p.buffered)} in flight ${n(p.inFlight)} ` +
    `dropped ${n(p.dropped)} refused ${n(p.refused)} | ${n(p.ratePerSecond)}/s | ETA ${eta}`
  );
}

export async function runPublishCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      broker: { type: 'string' },
      rate: { type: 'string' },
      compression: { type: 'string' },
      unpaced: { type: 'boolean', default: false },
      state: { type: 'string', default: DEFAULT_STATE_DIR },
      buffer: { type: 'string' },
      'devices-per-client': { type: 'string' },
      'connect-timeout': { type: 'string' },
      'drain-timeout': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) throw usageError('publish takes exactly one scenario file');
  const url = requireBroker(values.broker);
  const rate = rateOption(values.rate);
  if ([rate !== undefined, values.compression !== undefined, values.unpaced].filter(Boolean).length > 1) {
    throw usageError('choose one of --rate, --compression and --unpaced');
  }
  const bufferCapacity = positiveInteger('buffer', values.buffer, 10_000);
  const perClient = positiveInteger('devices-per-client', values['devices-per-client'], 1000);
  const connectTimeoutMs = durationOption('connect-timeout', values['connect-timeout'], 10_000);
  const drainTimeoutMs = durationOption('drain-timeout', values['drain-timeout'], 30_000);

  const plan = planScenario(await loadScenario(file));
  const pacing: Pacing = values.unpaced
    ? 'unpaced'
    : rate !== undefined
      ? { ratePerSecond: rate }
      : { compression: positiveNumber('compression', values.compression, plan.scenario.timeCompression) };
  const keys = await openFileKeyStore({ directory: join(values.state, 'keys') });
  for (const device of plan.scenario.devices) await keys.ensureKey(device.id);
  const sequences = newFileSequenceStore({ directory: join(values.state, 'sequences') });

  const session = randomBytes(4).toString('hex');
  const groups = Math.max(1, Math.ceil(plan.devices.length / perClient));
  const publishers: ReadingPublisher[] = Array.from({ length: groups }, (_, g) =>
    newMqttReadingPublisher({ url, clientId: `provena-sim-${session}-${g}`, connectTimeoutMs }),
  );
  let connectionLosses = 0;
  for (const p of publishers) p.onConnectionChange((up) => (connectionLosses += up ? 0 : 1));
  try {
    const reachable = await Promise.all(publishers.map((p) => waitForConnection(p, connectTimeoutMs)));
    if (!reachable.every(Boolean)) {
      writeLine(io.stderr, `cannot reach the broker at ${url} within ${formatDuration(connectTimeoutMs)}`);
      return ExitCode.Failed;
    }
    writeLine(
      io.stderr,
      `publishing ${n(plan.totalReadings)} readings of ${plan.devices.length} devices to ${url} over ${groups} ` +
        `connection${groups === 1 ? '' : 's'}`,
    );
    const result = await publishScenario({
      plan,
      sealer: keys,
      sequences,
      publisherFor: (_, index) => publishers[Math.floor(index / perClient)]!,
      pacing,
      bufferCapacity,
      drainTimeoutMs,
      onProgress: (p) => writeLine(io.stderr, formatProgress(p)),
    });
    if (values.json) {
      writeLine(
        io.stdout,
        JSON.stringify({ scenario: plan.scenario.name, broker: url, connectionLosses, ...result }),
      );
    } else {
      writeLine(
        io.stdout,
        `${result.complete ? 'done' : 'INCOMPLETE'}: ${n(result.sent)} of ${n(result.total)} readings acknowledged in ` +
          `${(result.elapsedMs / 1000).toFixed(1)} s (${n(result.ratePerSecond)}/s); dropped ${n(result.dropped)}, ` +
          `refused ${n(result.refused)}, unacknowledged ${n(result.unacknowledged)}, connection losses ${connectionLosses}`,
      );
    }
    return result.complete ? ExitCode.Ok : ExitCode.Failed;
  } finally {
    await Promise.all(publishers.map((p) => p.close()));
  }
}
