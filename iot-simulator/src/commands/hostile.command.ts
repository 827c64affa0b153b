import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openFileKeyStore } from '../devices/key-store';
import { newFileSequenceStore } from '../devices/sequence-store';
import {
  buildHostileExample,
  HOSTILE_MODES,
  sequenceNumbersNeeded,
  type HostileMode,
} from '../hostile/hostile.modes';
import { newMqttReadingPublisher, waitForConnection } from '../mqtt/mqtt-publisher.adapter';
import { formatDuration } from '../scenario/time-units';
import {
  DEFAULT_STATE_DIR,
  durationOption,
  ExitCode,
  positiveInteger,
  requireBroker,
  STATE_HELP,
  usageError,
  writeLine,
  type CliIo,
} from './cli-io';

export const HOSTILE_USAGE = `iot-simulator hostile <mode> --broker <url> [options]
  Publishes one hostile example and prints the verdict the system must reach for each payload.
  Modes: ${HOSTILE_MODES.join(', ')}
  --broker <url>        e.g. mqtt://127.0.0.1:1883
  --device <id>         a provisioned device to impersonate or misuse (default hostile-device-1)
  --shipment <id>       shipment id to put in the readings
  --count <n>           readings in a flood (default 1000)
  --skew <dur>          how far ahead clock-skew puts measuredAt (default 24h)
  --state <dir>         ${STATE_HELP}
  --connect-timeout <dur>  (default 10s)`;

export async function runHostileCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      broker: { type: 'string' },
      device: { type: 'string', default: 'hostile-device-1' },
      shipment: { type: 'string' },
      count: { type: 'string' },
      skew: { type: 'string' },
      state: { type: 'string', default: DEFAULT_STATE_DIR },
      'connect-timeout': { type: 'string' },
    },
  });
  const [mode, ...extra] = positionals;
  if (mode === undefined || extra.length > 0) throw usageError('hostile takes exactly one mode');
  if (!(HOSTILE_MODES as readonly string[]).includes(mode)) {
    throw usageError(`unknown hostile mode "${mode}"; modes: ${HOSTILE_MODES.join(', ')}`);
  }
  const url = requireBroker(values.broker);
  const floodCount = positiveInteger('count', values.count, 1000);
  const skewMs = durationOption('skew', values.skew, 24 * 3_600_000);
  const connectTimeoutMs = durationOption('connect-timeout', values['connect-timeout'], 10_000);

  const keys = await openFileKeyStore({ directory: join(values.state, 'keys') });
  await keys.ensureKey(values.device);
  const sequences = newFileSequenceStore({ directory: join(values.state, 'sequences') });
  const seqs: number[] = [];
  for (let i = 0; i < sequenceNumbersNeeded(mode as HostileMode, floodCount); i++)
    seqs.push(await sequences.next(values.device));
  const example = buildHostileExample(mode as HostileMode, {
    deviceId: values.device,
    seal: (reading) => keys.seal(reading),
    foreignKey: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey,
    seqs,
    nowMs: Date.now(),
    unknownDeviceId: `ghost-${randomBytes(4).toString('hex')}`,
    skewMs,
    floodCount,
    ...(values.shipment !== undefined && { shipmentId: values.shipment }),
  });

  writeLine(io.stdout, `${example.mode}: ${example.description}`);
  if (mode !== 'unknown-device') {
    // Against an unregistered device every payload would be refused as UNKNOWN_DEVICE instead.
    writeLine(
      io.stdout,
      `(verdicts assume ${values.device} is provisioned with its key from ${join(values.state, 'keys')})`,
    );
  }
  const publisher = newMqttReadingPublisher({
    url,
    clientId: `provena-hostile-${randomBytes(4).toString('hex')}`,
  });
  try {
    if (!(await waitForConnection(publisher, connectTimeoutMs))) {
      writeLine(io.stderr, `cannot reach the broker at ${url} within ${formatDuration(connectTimeoutMs)}`);
      return ExitCode.Failed;
    }
    const started = performance.now();
    // In order, each acknowledged before the next: a replay is only a replay after its original arrived.
    const sequential = mode === 'replay' || mode === 'sequence-reset';
    const sends = [];
    for (const payload of example.payloads) {
      const sent = publisher.publish(payload.deviceId, payload.bytes);
      if (sequential) await sent;
      else sends.push(sent);
    }
    await Promise.all(sends);
    const ms = performance.now() - started;
    if (example.payloads.length > 10) {
      const byVerdict = new Map<string, number>();
      for (const p of example.payloads) byVerdict.set(p.expect, (byVerdict.get(p.expect) ?? 0) + 1);
      const verdicts = [...byVerdict].map(([v, c]) => `${c} × ${v}`).join(', ');
      writeLine(
        io.stdout,
        `published ${example.payloads.length} payloads in ${(ms / 1000).toFixed(2)} s; expect ${verdicts}`,
      );
    } else {
      example.payloads.forEach((p, i) => {
        writeLine(
          io.stdout,
          `payload ${i + 1}/${example.payloads.length} to ${p.deviceId} (${p.bytes.length} bytes): expect ${p.expect}`,
        );
      });
    }
    writeLine(
      io.stdout,
      'all payloads acknowledged by the broker; the verdicts are for the gateway and ledger to give',
    );
    return ExitCode.Ok;
  } finally {
    await publisher.close();
  }
}
