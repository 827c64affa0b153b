import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ForecastError, ForecastErrorCode } from '../forecast-error';
import type { ForecastLedgerPort } from './forecast-ledger.port';
import { loadForecastingConfig, type ForecastingConfig } from './forecasting-config';

/** Where `network/network.sh up` writes the connection file; the gateway reads the same default. */
export const DEFAULT_FABRIC_CONNECTION_FILE = '.provena/network/connection.json';

/** The identity file `scripts/forecasting-identity.sh` writes, beside the network's connection file. */
export const FORECASTING_IDENTITY_FILE = 'forecasting-identity.json';

/** The Fabric ledger the standalone service runs on; it holds gRPC connections until closed. */
export interface ClosableForecastLedger extends ForecastLedgerPort {
  close(): Promise<void>;
}

/** The standalone service's settings: the forecasting ones, and how to reach Fabric as its own identity. */
export interface StandaloneSettings {
  readonly forecasting: ForecastingConfig;
  /** The identity file the Fabric connection uses (one operator identity). */
  readonly identityFile: string;
  /** Opens the Fabric connection (the gateway's adapter, with only this service's identity). */
  openLedger(): ClosableForecastLedger;
}

/**
 * The gateway's configuration loader and Fabric adapter, loaded when the service starts. `@provena/gateway`
 * depends on this package (it serves the forecasts), so a build-time import would make the two projects
 * reference each other; reusing the gateway's adapter and its validation of every `PROVENA_FABRIC_*` setting is
 * worth that indirection over a second copy of both.
 */
export interface GatewayFabricParts {
  loadGatewayConfig(env: NodeJS.ProcessEnv): { readonly fabric: unknown };
  readonly FabricLedgerAdapter: new (options: never) => ClosableForecastLedger;
}

interface IdentityEntry {
  readonly mspId?: unknown;
  readonly role?: unknown;
}

/**
 * Builds the standalone service's settings from the environment: `PROVENA_FORECAST_*` as the in-gateway service
 * had them, `PROVENA_FORECAST_IDENTITY` (default `forecasting-identity.json` beside the connection file), and the
 * gateway's `PROVENA_FABRIC_*` settings for peers and deadlines. The service acts only as that identity: it anchors
 * with it and follows chaincode events as it, on its organisation's peer.
 * @throws ForecastError BAD_CONFIG listing every problem (no value of a secret echoed).
 */
export function loadStandaloneSettings(
  env: NodeJS.ProcessEnv,
  gateway: GatewayFabricParts,
): StandaloneSettings {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const problems: string[] = [];
  const connection = present.PROVENA_FABRIC_CONNECTION ?? DEFAULT_FABRIC_CONNECTION_FILE;
  const identityFile =
    present.PROVENA_FORECAST_IDENTITY ?? join(dirname(connection), FORECASTING_IDENTITY_FILE);
  const org = readIdentityOrg(identityFile, problems);
  if (
    org !== undefined &&
    present.PROVENA_FORECAST_ORG !== undefined &&
    present.PROVENA_FORECAST_ORG !== org
  ) {
    problems.push(
      `PROVENA_FORECAST_ORG: the service anchors as its own identity, of ${org}: unset it, or issue an identity of that organisation`,
    );
  }
  let forecasting: ForecastingConfig | undefined;
  try {
    forecasting = loadForecastingConfig(present, org ?? 'ProducerMSP');
  } catch (err) {
    problems.push(
      ...messageOf(err)
        .replace(/^BAD_CONFIG: /, '')
        .split('; '),
    );
  }
  let fabric: unknown;
  if (org !== undefined) {
    // Only the Fabric settings reach the gateway's loader: its own variables (HTTP, MQTT, ingest) mean nothing here.
    const fabricEnv = Object.fromEntries(
      Object.entries(present).filter(
        ([name]) => name.startsWith('PROVENA_FABRIC_') && name !== 'PROVENA_FABRIC_IDENTITIES',
      ),
    );
    try {
      fabric = gateway.loadGatewayConfig({
        ...fabricEnv,
        PROVENA_FABRIC_IDENTITIES: identityFile,
        // The organisation whose peer serves the event stream: the identity's own.
        PROVENA_INGEST_ORG: org,
        PROVENA_FORECASTING: 'off',
      }).fabric;
    } catch (err) {
      const listed = (err as { problems?: unknown }).problems;
      const found = Array.isArray(listed) ? listed.map(String) : [messageOf(err)];
      problems.push(
        ...found.map((p) => p.replace(/^PROVENA_FABRIC_IDENTITIES: /, 'PROVENA_FORECAST_IDENTITY: ')),
      );
    }
  }
  if (problems.length > 0 || !forecasting || fabric === undefined || org === undefined) {
    throw new ForecastError(ForecastErrorCode.BadConfig, problems.join('; '));
  }
  const settled: ForecastingConfig = { ...forecasting, actor: { org, role: 'operator' } };
  return {
    forecasting: settled,
    identityFile,
    openLedger: () => new gateway.FabricLedgerAdapter(fabric as never),
  };
}

/** The organisation of the one operator identity the file lists; undefined with `problems` extended otherwise. */
function readIdentityOrg(file: string, problems: string[]): string | undefined {
  const issue = 'bash scripts/forecasting-identity.sh issues the service its own identity';
  let entries: unknown;
  try {
    entries = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    // Not the parser's message: it may quote the file's content.
    const why = typeof code === 'string' ? code : 'not valid JSON';
    problems.push(`PROVENA_FORECAST_IDENTITY: cannot use ${file} (${why}): ${issue}`);
    return undefined;
  }
  const list = Array.isArray(entries) ? (entries as IdentityEntry[]) : [];
  const only = list.length === 1 ? list[0] : undefined;
  if (!only || typeof only.mspId !== 'string' || only.role !== 'operator') {
    problems.push(
      `PROVENA_FORECAST_IDENTITY: ${file} must list exactly one identity, of role operator (a client certificate): ` +
        'anchoring needs a writer, and the service needs nothing more',
    );
    return undefined;
  }
  return only.mspId;
}

function messageOf(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}
