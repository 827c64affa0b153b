import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openFileKeyStore } from '../devices/key-store';
import {
  createDemandShipments,
  GatewayClient,
  parseGatewayApiKeys,
  provisionScenarioOnGateway,
  type GatewayApiKeys,
} from '../gateway/gateway-client';
import { planScenario } from '../models/scenario-plan';
import { loadScenario } from '../scenario/scenario.parser';
import {
  DEFAULT_STATE_DIR,
  ExitCode,
  formatCount as n,
  positiveInteger,
  requireOption,
  STATE_HELP,
  usageError,
  writeLine,
  type CliIo,
} from './cli-io';

export const GATEWAY_OPTIONS = `  --gateway <url>       the gateway's REST API, e.g. http://127.0.0.1:3000
  --api-keys <file>     JSON: { "<org>": { "admin": "pvk_...", "operator": "pvk_..." }, ...,
                        "AuditorMSP": { "auditor": "pvk_..." } } (the auditor's key: demo only)`;

export const PROVISION_USAGE = `iot-simulator provision <scenario.json> --gateway <url> --api-keys <file> [--state <dir>]
  Creates the scenario's shipments, registers its devices' public keys (creating key pairs where missing) and
  attaches them, through the gateway. What exists is left as it is.
${GATEWAY_OPTIONS}
  --state <dir>         ${STATE_HELP}`;

export const DEMAND_USAGE = `iot-simulator demand <scenario.json> --gateway <url> --api-keys <file> [--concurrency <n>]
  Creates one shipment per product, location and day with orders, dated by orderedAt, through the gateway: the
  demand history the forecasting service learns from. What exists is left as it is.
${GATEWAY_OPTIONS}
  --concurrency <n>     requests at once (default 8)`;

/** `parseArgs` options the commands that talk to the gateway take. */
export const GATEWAY_ARGS = { gateway: { type: 'string' }, 'api-keys': { type: 'string' } } as const;

/**
 * The gateway URL and API keys the options name, checked.
 * @throws {@link SimulatorError} BAD_ARGUMENT for a missing option, a URL that is not http(s), or a key file
 * that cannot be read or is not a keys file (every problem listed).
 */
export async function gatewayOptions(values: {
  gateway?: string;
  'api-keys'?: string;
}): Promise<{ baseUrl: string; apiKeys: GatewayApiKeys; keysFile: string }> {
  const baseUrl = requireOption('gateway', values.gateway, 'http://127.0.0.1:3000');
  if (!/^https?:\/\/[^/]+/.test(baseUrl)) {
    throw usageError(`--gateway must be a URL like http://127.0.0.1:3000, got "${baseUrl}"`);
  }
  const keysFile = requireOption('api-keys', values['api-keys'], 'keys.json');
  let text: string;
  try {
    text = await readFile(keysFile, 'utf8');
  } catch (err) {
    throw usageError(`--api-keys: cannot read ${keysFile}: ${(err as Error).message}`);
  }
  return { baseUrl, apiKeys: parseGatewayApiKeys(text, `--api-keys ${keysFile}`), keysFile };
}

async function openClient(values: { gateway?: string; 'api-keys'?: string }): Promise<GatewayClient> {
  const { baseUrl, apiKeys } = await gatewayOptions(values);
  return new GatewayClient({ baseUrl, apiKeys });
}

export async function runProvisionCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...GATEWAY_ARGS, state: { type: 'string', default: DEFAULT_STATE_DIR } },
  });
  if (positionals.length !== 1) throw usageError('provision takes exactly one scenario file');
  const scenario = await loadScenario(positionals[0] as string);
  const client = await openClient(values);
  const keys = await openFileKeyStore({ directory: join(values.state, 'keys') });
  await provisionScenarioOnGateway(scenario, (id) => keys.ensureKey(id), client);
  writeLine(
    io.stdout,
    `provisioned ${n(scenario.shipments.length)} shipments and ${n(scenario.devices.length)} devices of ` +
      `${scenario.name} through ${values.gateway}`,
  );
  return ExitCode.Ok;
}

export async function runDemandCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...GATEWAY_ARGS, concurrency: { type: 'string' } },
  });
  if (positionals.length !== 1) throw usageError('demand takes exactly one scenario file');
  const concurrency = positiveInteger('concurrency', values.concurrency, 8);
  const plan = planScenario(await loadScenario(positionals[0] as string));
  if (plan.shipmentPlans.length === 0) {
    writeLine(io.stderr, 'the scenario has no demand: nothing to create');
    return ExitCode.Failed;
  }
  const client = await openClient(values);
  const total = plan.shipmentPlans.length;
  let lastReport = 0;
  const result = await createDemandShipments(plan.shipmentPlans, client, {
    concurrency,
    onProgress: (done) => {
      if (Date.now() - lastReport < 1000 && done < total) return;
      lastReport = Date.now();
      writeLine(io.stderr, `demand: ${n(done)}/${n(total)} shipments`);
    },
  });
  writeLine(
    io.stdout,
    `demand: ${n(result.created)} shipments created, ${n(result.existing)} existed already (${n(total)} planned)`,
  );
  return ExitCode.Ok;
}
