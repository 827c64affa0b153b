import { playHandovers } from '../gateway/custody-handovers';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { AUDITOR_MSP } from '@provena/wire';
import { openFileKeyStore } from '../devices/key-store';
import type { ReceiptFeed } from '../devices/receipt-feed.port';
import type { RejectionFeed } from '../devices/rejection-feed.port';
import { newFileSequenceStore } from '../devices/sequence-store';
import { isSimulatorError, SimulatorErrorCode } from '../errors';
import { formatOutstanding, formatRefusals, seqRanges, type CommitProgress } from '../gateway/commit-tracker';
import { newGatewayCommitFeed } from '../gateway/gateway-commit-feed.adapter';
import {
  GatewayClient,
  GatewayRequestError,
  provisionScenarioOnGateway,
  requireScenarioApiKeys,
} from '../gateway/gateway-client';
import { formatShipmentProvenance } from '../gateway/provenance-report';
import {
  checkDeviceKeys,
  findScenarioOnLedger,
  publishUntilCommitted,
  type PublishUntilCommittedResult,
} from '../gateway/publish-until-committed';
import type { CommitFeed } from '../load/commit-feed.port';
import { planScenario } from '../models/scenario-plan';
import { openMqttPublisherPool, type MqttPublisherPool } from '../mqtt/mqtt-publisher-pool';
import { openMqttReceiptFeed, openMqttRejectionFeed } from '../mqtt/mqtt-device-feeds.adapter';
import { loadScenario } from '../scenario/scenario.parser';
import { formatDuration } from '../scenario/time-units';
import {
  DEFAULT_STATE_DIR,
  durationOption,
  ExitCode,
  formatCount as n,
  requireBroker,
  STATE_HELP,
  usageError,
  writeLine,
  type CliIo,
} from './cli-io';
import { GATEWAY_ARGS, GATEWAY_OPTIONS, gatewayOptions } from './gateway.command';

/** Default of --commit-wait: a fresh native network's first transactions take seconds, a slow one tens. */
const DEFAULT_COMMIT_WAIT_MS = 120_000;
/** Lines under a step's `[n/3]`. */
const INDENT = '      ';
/** Devices per MQTT connection, as `publish` shares them. */
const DEVICES_PER_CONNECTION = 1000;

export const DEMO_USAGE = `iot-simulator demo <scenario.json> --gateway <url> --broker <url> --api-keys <file> [options]
  The whole path once, for people watching: (1) provisions the scenario through the gateway's REST API, as
  provision does; (2) publishes its readings over MQTT 5 (QoS 1) as fast as the broker takes them and follows the
  gateway's ingest events until every reading is committed on the ledger (or refused, with the reason); (3) reads
  each shipment's provenance back as the auditor and prints it. Rerunnable: readings the ledger already holds (same
  device, same measurement time) are not published again. Exit 1 when a step fails, a reading is refused or not
  seen committed.
${GATEWAY_OPTIONS}
  --broker <url>        e.g. mqtt://127.0.0.1:11883
  --state <dir>         ${STATE_HELP}
  --commit-wait <dur>   give up when nothing is committed or refused for this long after the last reading is
                        published (default ${formatDuration(DEFAULT_COMMIT_WAIT_MS)})
  --connect-timeout <dur>  give up when the broker cannot be reached at start (default 10s)`;

/** `published 140/140, acknowledged 140, committed 140/140, refused 0`. */
export function formatDemoProgress(p: CommitProgress): string {
  return (
    `published ${n(p.published)}/${n(p.toPublish)}, acknowledged ${n(p.acknowledged)}, ` +
    `committed ${n(p.committed)}/${n(p.total)}, refused ${n(p.refused)}` +
    (p.duplicatesReported > 0 ? `, duplicates reported ${n(p.duplicatesReported)}` : '')
  );
}

/** What step 2 ended with, in a few lines: where the readings went, and each thing that went wrong. */
export function formatDemoReadingsResult(result: PublishUntilCommittedResult): string[] {
  const p = result.progress;
  const placed =
    p.transactions === 0
      ? ''
      : ` in ${n(p.transactions)} transaction${p.transactions === 1 ? '' : 's'}` +
        (p.blocks
          ? p.blocks.first === p.blocks.last
            ? `, block ${p.blocks.first}`
            : `, blocks ${p.blocks.first}–${p.blocks.last}`
          : '');
  const lines = [
    `${result.complete ? 'done' : 'INCOMPLETE'}: ${n(p.committed)} of ${n(p.total)} readings on the ledger ` +
      `(${n(p.committed - p.onLedgerBefore)} published now${placed}` +
      (p.foundByLookup > 0 ? `, ${n(p.foundByLookup)} of them found by looking them up` : '') +
      (p.onLedgerBefore > 0 ? `; ${n(p.onLedgerBefore)} there before` : '') +
      `), ${n(p.refused)} refused, ${n(result.notCommitted.length)} not seen committed` +
      (result.resent > 0 ? `, ${n(result.resent)} sent again for want of a receipt` : '') +
      ` (${(result.elapsedMs / 1000).toFixed(1)} s)`,
  ];
  if (result.refused.length > 0) {
    lines.push(`refused readings:`, ...formatRefusals(result.refused).map((line) => `  ${line}`));
  }
  if (result.notCommitted.length > 0) {
    lines.push(
      `readings never seen committed (no ingest event named them, and the ledger did not have them):`,
      ...formatOutstanding(result.notCommitted).map((line) => `  ${line}`),
    );
  }
  if (result.lookupError !== undefined) {
    lines.push(`the last look-up of outstanding readings on the ledger failed: ${result.lookupError}`);
  }
  if (result.unattributedNotices.length > 0) {
    lines.push(`notices that named no reading of this run (${result.unattributedNotices.length}):`);
    for (const notice of result.unattributedNotices.slice(0, 5)) {
      lines.push(
        `  ${notice.deviceId}${notice.seq === undefined ? '' : ` seq ${notice.seq}`}: ${notice.code}: ${notice.reason}`,
      );
    }
    if (result.unattributedNotices.length > 5) {
      lines.push(`  ... and ${result.unattributedNotices.length - 5} more`);
    }
  }
  return lines;
}

/**
 * Progress for one step: rewritten in place on a terminal, one line per report elsewhere (a log, a pipe).
 */
function progressWriter(stream: Writable): { update(line: string): void; end(): void } {
  const tty = (stream as { isTTY?: boolean }).isTTY === true;
  let shown = false;
  return {
    update(line) {
      if (tty) {
        // Carriage return and erase-to-end-of-line: the line is redrawn where it stands, nothing scrolls.
        stream.write(`\r${INDENT}${line}\x1b[K`);
        shown = true;
      } else writeLine(stream, `${INDENT}${line}`);
    },
    end() {
      if (shown) stream.write('\n');
      shown = false;
    },
  };
}

/** An error as one line for a person: the gateway's refusal, our code, or the message. */
function describe(error: unknown): string {
  if (error instanceof GatewayRequestError) {
    const hint =
      error.status === 401
        ? ' (the gateway does not know this API key: was --api-keys made for this gateway’s keys file?)'
        : error.status === 403
          ? ' (the key lacks the role or organisation this needs)'
          : '';
    return `the gateway refused: ${error.message}${hint}`;
  }
  if (isSimulatorError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

export async function runDemoCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...GATEWAY_ARGS,
      broker: { type: 'string' },
      state: { type: 'string', default: DEFAULT_STATE_DIR },
      'commit-wait': { type: 'string' },
      'connect-timeout': { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw usageError('demo takes exactly one scenario file');
  const { baseUrl, apiKeys, keysFile } = await gatewayOptions(values);
  const brokerUrl = requireBroker(values.broker);
  const commitWaitMs = durationOption('commit-wait', values['commit-wait'], DEFAULT_COMMIT_WAIT_MS);
  const connectTimeoutMs = durationOption('connect-timeout', values['connect-timeout'], 10_000);
  const scenario = await loadScenario(positionals[0] as string);
  requireScenarioApiKeys(apiKeys, scenario, `--api-keys ${keysFile}`, { auditor: true });
  const plan = planScenario(scenario);
  const client = new GatewayClient({ baseUrl, apiKeys });
  const out = (line: string): void => writeLine(io.stdout, line);
  const attachments = scenario.devices.filter((d) => d.shipmentId !== undefined).length;

  const shipments = `${n(scenario.shipments.length)} shipment${scenario.shipments.length === 1 ? '' : 's'}`;
  out(
    `demo of scenario "${scenario.name}": ${shipments}, ${n(scenario.devices.length)} devices, ` +
      `${n(plan.totalReadings)} readings; gateway ${baseUrl}, broker ${brokerUrl}`,
  );
  let stepName = 'provisioning through the REST API';
  let pool: MqttPublisherPool | undefined;
  let rejections: RejectionFeed | undefined;
  let receipts: ReceiptFeed | undefined;
  let commits: CommitFeed | undefined;
  try {
    // 1. Provisioning, as `provision` does it: what exists is left as it is.
    const keys = await openFileKeyStore({ directory: join(values.state, 'keys') });
    await provisionScenarioOnGateway(scenario, (id) => keys.ensureKey(id), client);
    out(
      `[1/4] provisioned: ${shipments}, ${n(scenario.devices.length)} devices with ` +
        `their public keys, ${n(attachments)} attachments (what existed was left as it was)`,
    );

    // 2. Readings, followed to the ledger.
    stepName = 'publishing the readings and following their commits';
    const onLedger = await findScenarioOnLedger(plan, client);
    if (onLedger.differing.length > 0) {
      const byDevice = new Map<string, number[]>();
      for (const r of onLedger.differing)
        byDevice.set(r.deviceId, [...(byDevice.get(r.deviceId) ?? []), r.seq]);
      out(
        `${INDENT}note: ${n(onLedger.differing.length)} readings on the ledger differ from the scenario's samples at the ` +
          `same instants (the scenario changed after they were recorded); the ledger keeps them: ` +
          [...byDevice].map(([id, seqs]) => `${id} seq ${seqRanges(seqs)}`).join('; '),
      );
    }
    let readings: PublishUntilCommittedResult | undefined;
    if (onLedger.missing.length === 0) {
      out(
        `[2/4] all ${n(plan.totalReadings)} readings are on the ledger already (an earlier run recorded them): ` +
          'nothing to publish',
      );
    } else {
      const deviceIds = [...new Set(onLedger.missing.map((s) => s.deviceId))];
      await checkDeviceKeys(deviceIds, client, (id) => keys.ensureKey(id));
      out(
        `[2/4] publishing ${n(onLedger.missing.length)} readings` +
          (onLedger.onLedger > 0
            ? ` (${n(onLedger.onLedger)} of ${n(plan.totalReadings)} are on the ledger already)`
            : '') +
          ` over MQTT 5, QoS 1, to ${brokerUrl}; counting them committed from ${baseUrl}/events?types=ingest`,
      );
      const connections = Math.max(1, Math.ceil(scenario.devices.length / DEVICES_PER_CONNECTION));
      pool = await openMqttPublisherPool({
        url: brokerUrl,
        connections,
        connectTimeoutMs,
        clientIdPrefix: 'provena-demo',
      });
      rejections = await openMqttRejectionFeed({
        url: brokerUrl,
        clientId: `provena-demo-rejections-${randomBytes(4).toString('hex')}`,
        connectTimeoutMs,
      });
      receipts = await openMqttReceiptFeed({
        url: brokerUrl,
        clientId: `provena-demo-receipts-${randomBytes(4).toString('hex')}`,
        connectTimeoutMs,
      });
      commits = newGatewayCommitFeed({ baseUrl, apiKey: apiKeys[AUDITOR_MSP]!.auditor! });
      const publishers = pool.publishers;
      const progress = progressWriter(io.stdout);
      try {
        readings = await publishUntilCommitted({
          samples: onLedger.missing,
          deviceIds: scenario.devices.map((d) => d.id),
          total: plan.totalReadings,
          onLedgerBefore: onLedger.onLedger,
          sealer: keys,
          sequences: newFileSequenceStore({ directory: join(values.state, 'sequences') }),
          publisherFor: (_, index) => publishers[Math.floor(index / DEVICES_PER_CONNECTION)]!,
          rejections,
          receipts,
          commits,
          ledger: client,
          commitWaitMs,
          onProgress: (p) => progress.update(formatDemoProgress(p)),
        });
      } finally {
        progress.end();
      }
      for (const line of formatDemoReadingsResult(readings)) out(`${INDENT}${line}`);
    }

    // 3. Custody changes hands as the scenario says, through the organisations' own operator keys.
    stepName = 'handing custody over';
    for (const shipment of scenario.shipments.filter((s) => s.handovers.length > 0)) {
      out(`[3/4] custody of ${shipment.id}:`);
      await playHandovers(shipment, client, (line) => out(`${INDENT}${line}`));
    }
    if (!scenario.shipments.some((s) => s.handovers.length > 0))
      out('[3/4] no custody hand-overs in the scenario');

    // 4. What an auditor sees.
    stepName = 'reading the provenance back as the auditor';
    for (const shipment of scenario.shipments) {
      out(
        `[4/4] provenance of ${shipment.id}, as ${AUDITOR_MSP}'s auditor sees it (GET /shipments/${shipment.id}/provenance):`,
      );
      out('');
      out(formatShipmentProvenance(await client.shipmentProvenance(shipment.id), { maxBreaches: 5 }));
      if (shipment.commercialTerms) {
        const check = await client.commercialTermsCheck(shipment.id, shipment.destinationOrg);
        out(
          `${INDENT}commercial terms: private to the trading organisations; the auditor sees SHA-256 ` +
            `${check.termsHash.slice(0, 16)}… and the copy ${shipment.destinationOrg} disclosed ` +
            `${check.matches ? 'matches it' : 'DOES NOT match it'}`,
        );
        if (!check.matches)
          throw new Error(`the disclosed commercial terms of ${shipment.id} do not match the ledger`);
      }
      out('');
    }
    if (scenario.shipments.length === 0) out('[4/4] the scenario has no shipments: no provenance to read');

    if (readings && !readings.complete) {
      const p = readings.progress;
      const waited =
        readings.notCommitted.length > 0 ? `, after ${formatDuration(commitWaitMs)} without news` : '';
      writeLine(
        io.stderr,
        `demo failed: ${n(p.refused)} readings refused, ${n(readings.notCommitted.length)} not seen committed` +
          `${waited} (listed above)`,
      );
      return ExitCode.Failed;
    }
    out(
      `demo done: ${n(plan.totalReadings)} readings of ${scenario.name} on the ledger, ` +
        `${n(scenario.shipments.length)} provenance report${scenario.shipments.length === 1 ? '' : 's'} read back`,
    );
    return ExitCode.Ok;
  } catch (error) {
    // Option errors are found before any step, and go to the CLI's usage handling.
    if (isSimulatorError(error, SimulatorErrorCode.BadArgument)) throw error;
    writeLine(io.stderr, `demo failed while ${stepName}: ${describe(error)}`);
    return ExitCode.Failed;
  } finally {
    await commits?.close();
    await rejections?.close();
    await receipts?.close();
    await pool?.close();
  }
}
