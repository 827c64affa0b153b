import { parseArgs } from 'node:util';
import { planScenario } from '../models/scenario-plan';
import { openMqttPublisherPool } from '../mqtt/mqtt-publisher-pool';
import { publishScenario, type Pacing, type PublishProgress } from '../run/scenario-publisher';
import { loadScenario } from '../scenario/scenario.parser';
import { formatDuration } from '../scenario/time-units';
import {
  elapsedStamp,
  ExitCode,
  formatCount as n,
  positiveInteger,
  positiveNumber,
  rateOption,
  usageError,
  writeLine,
  type CliIo,
} from './cli-io';
import { FLEET_OPTIONS, FLEET_USAGE, fleetSettings, openFleetState } from './fleet-options';

export const PUBLISH_USAGE = `iot-simulator publish <scenario.json> --broker <url> [options]
  Replays the scenario through signing devices over MQTT 5, QoS 1. Progress on stderr every second.
  Exit 1 when a reading was dropped, refused or not acknowledged.
  --broker <url>             e.g. mqtt://127.0.0.1:1883
  --rate <n>[/s]             readings per second (default: the scenario's time compression)
  --compression <n>          simulated seconds per wall second, overriding the scenario's
  --unpaced                  as fast as possible
  --devices-per-client <n>   devices sharing one MQTT connection (default 1000)
${FLEET_USAGE}`;

export function formatProgress(p: PublishProgress): string {
  const pct = p.total === 0 ? 100 : Math.floor((p.sent * 100) / p.total);
  const eta = p.etaMs === undefined ? '?' : formatDuration(p.etaMs);
  return (
    `${elapsedStamp(p.elapsedMs)} acked ${n(p.sent)}/${n(p.total)} (${pct}%) ` +
    `recorded ${n(p.recorded)} buffered ${n(p.buffered)} in flight ${n(p.inFlight)} ` +
    `dropped ${n(p.dropped)} refused ${n(p.refused)} | ${n(p.ratePerSecond)}/s | ETA ${eta}`
  );
}

export async function runPublishCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...FLEET_OPTIONS,
      rate: { type: 'string' },
      compression: { type: 'string' },
      unpaced: { type: 'boolean', default: false },
      'devices-per-client': { type: 'string' },
    },
  });
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) throw usageError('publish takes exactly one scenario file');
  const { url, stateDir, bufferCapacity, connectTimeoutMs, drainTimeoutMs, json } = fleetSettings(values);
  const rate = rateOption(values.rate);
  if ([rate !== undefined, values.compression !== undefined, values.unpaced].filter(Boolean).length > 1) {
    throw usageError('choose one of --rate, --compression and --unpaced');
  }
  const perClient = positiveInteger('devices-per-client', values['devices-per-client'], 1000);

  const plan = planScenario(await loadScenario(file));
  const pacing: Pacing = values.unpaced
    ? 'unpaced'
    : rate !== undefined
      ? { ratePerSecond: rate }
      : { compression: positiveNumber('compression', values.compression, plan.scenario.timeCompression) };
  const { keys, sequences } = await openFleetState(
    stateDir,
    plan.scenario.devices.map((d) => d.id),
  );

  const groups = Math.max(1, Math.ceil(plan.devices.length / perClient));
  const pool = await openMqttPublisherPool({
    url,
    connections: groups,
    connectTimeoutMs,
    clientIdPrefix: 'provena-sim',
  });
  try {
    writeLine(
      io.stderr,
      `publishing ${n(plan.totalReadings)} readings of ${plan.devices.length} devices to ${url} over ${groups} ` +
        `connection${groups === 1 ? '' : 's'}`,
    );
    const result = await publishScenario({
      plan,
      sealer: keys,
      sequences,
      publisherFor: (_, index) => pool.publishers[Math.floor(index / perClient)]!,
      pacing,
      bufferCapacity,
      drainTimeoutMs,
      onProgress: (p) => writeLine(io.stderr, formatProgress(p)),
    });
    if (json) {
      writeLine(
        io.stdout,
        JSON.stringify({
          scenario: plan.scenario.name,
          broker: url,
          connectionLosses: pool.connectionLosses(),
          ...result,
        }),
      );
    } else {
      writeLine(
        io.stdout,
        `${result.complete ? 'done' : 'INCOMPLETE'}: ${n(result.sent)} of ${n(result.total)} readings acknowledged in ` +
          `${(result.elapsedMs / 1000).toFixed(1)} s (${n(result.ratePerSecond)}/s); dropped ${n(result.dropped)}, ` +
          `refused ${n(result.refused)}, unacknowledged ${n(result.unacknowledged)}, connection losses ${pool.connectionLosses()}`,
      );
    }
    return result.complete ? ExitCode.Ok : ExitCode.Failed;
  } finally {
    await pool.close();
  }
}
