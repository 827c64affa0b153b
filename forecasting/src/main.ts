#!/usr/bin/env node
import 'reflect-metadata';
import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { ForecastError, ForecastErrorCode } from './forecast-error';
import { DEFAULT_FORECAST_DIR } from './service/forecasting-config';
import { publishOnce, readForecastingStatus, startForecasting } from './service/forecasting-app';
import { loadStandaloneSettings, type GatewayFabricParts } from './service/standalone-config';

const USAGE = `usage: provena-forecasting [serve]                 follow the ledger, publish on the crons, until SIGTERM
       provena-forecasting publish [--all] [--quiet-ms N]
                                 catch up from the checkpoint to the ledger's last event (--quiet-ms: the quiet
                                 window used only when the ledger cannot name it), publish series with new orders
                                 (--all: every series) and the maintenance flags, print what was anchored as JSON
       provena-forecasting status  print the checkpoint and the newest run of every series as JSON
Settings: PROVENA_FORECAST_* and PROVENA_FABRIC_* variables (see README, "Forecasting service").`;

/** Exit code of a refused configuration, as the gateway's. */
const EXIT_CONFIG = 2;

/** Nest's JSON log lines on stderr: `publish` and `status` keep stdout for their result. */
class StderrLogger extends ConsoleLogger {
  protected override printMessages(
    messages: unknown[],
    context?: string,
    logLevel?: LogLevel,
    _stream?: 'stdout' | 'stderr',
    errorStack?: unknown,
  ): void {
    super.printMessages(messages, context, logLevel, 'stderr', errorStack);
  }
}

async function loadGatewayParts(): Promise<GatewayFabricParts> {
  // A variable, not a literal: the compiler must not look for the gateway's declarations (see GatewayFabricParts).
  const config = '@provena/gateway/dist/config/gateway-config';
  const adapter = '@provena/gateway/dist/ledger/fabric-ledger.adapter';
  try {
    const [{ loadGatewayConfig }, { FabricLedgerAdapter }] = (await Promise.all([
      import(config),
      import(adapter),
    ])) as [Pick<GatewayFabricParts, 'loadGatewayConfig'>, Pick<GatewayFabricParts, 'FabricLedgerAdapter'>];
    return { loadGatewayConfig, FabricLedgerAdapter };
  } catch (err) {
    throw new Error(
      `cannot load the gateway's Fabric adapter (${(err as { code?: string }).code ?? String(err)}): run \`npm run build\` first`,
    );
  }
}

function option(args: readonly string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
}

async function settings() {
  return loadStandaloneSettings(process.env, await loadGatewayParts());
}

async function serve(): Promise<number> {
  const { forecasting, openLedger } = await settings();
  const ledger = openLedger();
  let app;
  try {
    app = await startForecasting(forecasting, ledger, {
      schedule: true,
      logger: new ConsoleLogger({ json: true }),
    });
  } catch (err) {
    await ledger.close();
    throw err;
  }
  const running = app;
  let stopping: Promise<void> | undefined;
  const stop = (): void => {
    stopping ??= running
      .close()
      .then(() => ledger.close())
      .then(() => {
        process.stdout.write('provena-forecasting stopped; checkpoint saved\n');
        // Nothing should hold the loop now; if a gRPC handle does, it must not keep a stopped service alive.
        setTimeout(() => process.exit(0), 5_000).unref();
      });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(
    `provena-forecasting following the ledger as ${forecasting.actor.org}'s forecasting identity\n`,
  );
  return -1; // keeps running
}

async function publish(args: readonly string[]): Promise<number> {
  const quiet = Number(option(args, '--quiet-ms') ?? 2_000);
  if (!Number.isInteger(quiet) || quiet < 0) {
    process.stderr.write(`--quiet-ms: must be a whole number of milliseconds\n${USAGE}\n`);
    return EXIT_CONFIG;
  }
  const { forecasting, openLedger } = await settings();
  const ledger = openLedger();
  try {
    const summary = await publishOnce(forecasting, ledger, {
      all: args.includes('--all'),
      quietMs: quiet,
      catchUpTimeoutMs: 10 * 60_000,
      logger: new StderrLogger({ json: true }),
    });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  } finally {
    await ledger.close();
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve();
    case 'publish':
      return publish(rest);
    case 'status':
      process.stdout.write(
        `${JSON.stringify(await readForecastingStatus(process.env.PROVENA_FORECAST_DIR || DEFAULT_FORECAST_DIR))}\n`,
      );
      return 0;
    case '--help':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      process.stderr.write(`unknown command ${command}\n${USAGE}\n`);
      return EXIT_CONFIG;
  }
}

/** A one-shot command is done: a lingering gRPC or worker handle must not keep its process alive. */
function exitSoon(): void {
  setTimeout(() => process.exit(), 5_000).unref();
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code < 0) return;
    process.exitCode = code;
    exitSoon();
  },
  (err: unknown) => {
    if (err instanceof ForecastError && err.code === ForecastErrorCode.BadConfig) {
      const problems = err.message.replace(/^BAD_CONFIG: /, '').split('; ');
      process.stderr.write(
        `invalid forecasting configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`,
      );
      process.exitCode = EXIT_CONFIG;
    } else {
      process.stderr.write(`provena-forecasting: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
    exitSoon();
  },
);
