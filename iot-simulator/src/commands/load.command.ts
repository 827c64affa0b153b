import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { RejectionFeed } from '../devices/rejection-feed.port';
import { newGatewayCommitFeed } from '../gateway/gateway-commit-feed.adapter';
import type { CommitFeed } from '../load/commit-feed.port';
import { loadDeviceIds } from '../load/load-readings';
import { DEFAULT_TICK_MS, runLoad, type LoadProgress, type LoadResult } from '../load/load-run';
import type { LatencySummary } from '../load/percentiles';
import { openMqttPublisherPool } from '../mqtt/mqtt-publisher-pool';
import { openMqttRejectionFeed } from '../mqtt/mqtt-device-feeds.adapter';
import { formatDuration } from '../scenario/time-units';
import {
  durationOption,
  elapsedStamp,
  ExitCode,
  formatCount as n,
  positiveInteger,
  rateOption,
  requireOption,
  usageError,
  writeLine,
  type CliIo,
} from './cli-io';
import { FLEET_OPTIONS, FLEET_USAGE, fleetSettings, openFleetState } from './fleet-options';

/** Connections when --clients is not given; see the README's measurements. */
const DEFAULT_CLIENTS = 4;

export const LOAD_USAGE = `iot-simulator load --broker <url> --devices <n> --rate <n>[/s] --duration <dur> [options]
  Open-loop load for benchmarks: signing devices send readings at a fixed total rate, whatever the
  acknowledgements do. Acknowledged means the broker's PUBACK (MQTT 5, QoS 1), not a ledger commit.
  Progress on stderr every second. Exit 1 when a reading sent was not acknowledged by the end of the drain,
  or was refused.
  --broker <url>             e.g. mqtt://127.0.0.1:1883
  --devices <n>              signing devices; ids <prefix>0001, <prefix>0002, ...
  --rate <n>[/s]             readings per second, all devices together
  --duration <dur>           how long to send, e.g. 10s or 2m
  --clients <n>              MQTT connections the devices share (default ${DEFAULT_CLIENTS})
  --device-prefix <text>     (default load-device-)
  --tick <dur>               hand over due readings at most this often (default ${DEFAULT_TICK_MS}ms): a reading
                             waits up to this long after its slot; shorter ticks cost more CPU per reading
  --notice-wait <dur>        keep counting rejection notices this long after the drain (default 0s)
  --gateway <url>            learn commits from this gateway's event stream (with --api-key): adds
                             publish→commit latency, and fails the run when an acknowledged reading is not
                             seen committed within --commit-wait
  --api-key <key>            a gateway API key of any role (an auditor key is enough)
  --commit-wait <dur>        (default 30s)
${FLEET_USAGE}`;

/** `0.42`, `12.3`, `250`: milliseconds with the digits that mean something at that size. */
function ms(value: number): string {
  return value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0);
}

function percentiles(summary: LatencySummary | undefined, what: string): string {
  if (!summary) return `no ${what}`;
  return (
    `p50 ${ms(summary.p50)} ms, p95 ${ms(summary.p95)} ms, p99 ${ms(summary.p99)} ms, max ${ms(summary.max)} ms ` +
    `(${n(summary.count)} ${what})`
  );
}

export function formatLoadProgress(p: LoadProgress, targetRatePerSecond: number): string {
  return (
    `${elapsedStamp(p.elapsedMs)}${p.phase === 'draining' ? ' draining:' : ''} sent ${n(p.sent)} ` +
    `acked ${n(p.acknowledged)} outstanding ${n(p.outstanding)} dropped ${n(p.dropped)} refused ${n(p.refused)} | ` +
    `${n(p.sendRatePerSecond)}/s sent, ${n(p.ackRatePerSecond)}/s acked (target ${n(targetRatePerSecond)}/s)` +
    (p.behind > 0 ? ` | behind schedule by ${n(p.behind)}` : '')
  );
}

export function formatLoadReport(r: LoadResult, connectionLosses: number): string {
  const byCode = Object.entries(r.refused.byCode)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([code, count]) => `${code} ${n(count)}`);
  const u = r.notAcknowledged;
  return [
    `target           ${n(r.targetRatePerSecond)}/s for ${formatDuration(r.durationMs)} from ${n(r.devices)} devices: ` +
      `${n(r.scheduled)} readings`,
    `sent             ${n(r.sent)}: achieved ${n(r.achievedRatePerSecond)}/s over ${(r.sendingMs / 1000).toFixed(1)} s, ` +
      `behind schedule ${n(r.behindSchedule)}; handed over every ${formatDuration(r.tickMs)}, lateness against the ` +
      `schedule ${percentiles(r.scheduleLagMs, 'readings')}`,
    `acknowledged     ${n(r.acknowledged)}: ${r.acknowledgement}`,
    `not acknowledged ${n(u.total)}: timed out at drain ${n(u.timedOut)}, dropped from device buffers ` +
      `${n(u.dropped)}, refused by the broker ${n(u.refusedByBroker)}`,
    `refused          ${n(r.refused.total)} by notices on the devices' rejection topics` +
      (byCode.length > 0 ? `: ${byCode.join(', ')}` : ''),
    `latency          publish→PUBACK ${percentiles(r.latencyMs, 'acknowledged readings')}`,
    ...(r.commit
      ? [
          `committed        ${n(r.commit.committed)} seen on the ledger, ${n(r.commit.notCommitted)} acknowledged ` +
            `but not seen committed; publish→commit ${percentiles(r.commit.latencyMs, 'committed readings')}`,
        ]
      : []),
    `duration         ${(r.sendingMs / 1000).toFixed(1)} s sending, ${(r.drainMs / 1000).toFixed(2)} s draining; ` +
      `connection losses ${connectionLosses}`,
    r.complete
      ? `done: every reading sent was acknowledged${r.commit ? ' and committed' : ''}`
      : `INCOMPLETE: readings not acknowledged${r.commit ? ', not committed' : ''} or refused`,
  ].join('\n');
}

export async function runLoadCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...FLEET_OPTIONS,
      devices: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      clients: { type: 'string' },
      'device-prefix': { type: 'string', default: 'load-device-' },
      tick: { type: 'string' },
      'notice-wait': { type: 'string' },
      gateway: { type: 'string' },
      'api-key': { type: 'string' },
      'commit-wait': { type: 'string' },
    },
  });
  if (positionals.length > 0) throw usageError(`load takes no positional arguments, got "${positionals[0]}"`);
  const { url, stateDir, bufferCapacity, connectTimeoutMs, drainTimeoutMs, json } = fleetSettings(values);
  const deviceCount = positiveInteger('devices', requireOption('devices', values.devices, '100'), 0);
  const ratePerSecond = rateOption(requireOption('rate', values.rate, '1000/s'))!;
  const durationMs = durationOption('duration', requireOption('duration', values.duration, '10s'), 0);
  const clients = positiveInteger('clients', values.clients, Math.min(DEFAULT_CLIENTS, deviceCount));
  if (clients > deviceCount) {
    throw usageError(
      `--clients (${clients}) cannot exceed --devices (${deviceCount}): a connection would carry nothing`,
    );
  }
  const noticeWaitMs = durationOption('notice-wait', values['notice-wait'], 0, { allowZero: true });
  const tickMs = durationOption('tick', values.tick, DEFAULT_TICK_MS);
  const commitWaitMs = durationOption('commit-wait', values['commit-wait'], 30_000);
  if ((values.gateway === undefined) !== (values['api-key'] === undefined)) {
    throw usageError('--gateway and --api-key go together');
  }
  let deviceIds: string[];
  try {
    deviceIds = loadDeviceIds(deviceCount, values['device-prefix']);
  } catch (error) {
    throw usageError(`--device-prefix: ${(error as Error).message}`);
  }

  const { keys, sequences } = await openFleetState(stateDir, deviceIds);

  const pool = await openMqttPublisherPool({
    url,
    connections: clients,
    connectTimeoutMs,
    clientIdPrefix: 'provena-load',
  });
  let rejections: RejectionFeed | undefined;
  let commits: CommitFeed | undefined;
  try {
    if (values.gateway !== undefined && values['api-key'] !== undefined) {
      commits = newGatewayCommitFeed({ baseUrl: values.gateway, apiKey: values['api-key'] });
    }
    rejections = await openMqttRejectionFeed({
      url,
      clientId: `provena-load-rejections-${randomBytes(4).toString('hex')}`,
      connectTimeoutMs,
    });
    writeLine(
      io.stderr,
      `load: ${n(deviceCount)} devices over ${clients} connection${clients === 1 ? '' : 's'} to ${url}, ` +
        `${n(ratePerSecond)}/s for ${formatDuration(durationMs)}`,
    );
    const result = await runLoad({
      deviceIds,
      sealer: keys,
      sequences,
      publisherFor: (_, index) => pool.publishers[index % clients]!,
      rejections,
      ...(commits && { commits, commitWaitMs }),
      ratePerSecond,
      durationMs,
      tickMs,
      drainTimeoutMs,
      noticeWaitMs,
      bufferCapacity,
      onProgress: (p) => writeLine(io.stderr, formatLoadProgress(p, ratePerSecond)),
    });
    const connectionLosses = pool.connectionLosses();
    if (json) {
      writeLine(io.stdout, JSON.stringify({ broker: url, clients, connectionLosses, ...result }));
    } else {
      writeLine(io.stdout, formatLoadReport(result, connectionLosses));
    }
    return result.complete ? ExitCode.Ok : ExitCode.Failed;
  } finally {
    await rejections?.close();
    await commits?.close();
    await pool.close();
  }
}
