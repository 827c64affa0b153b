#!/usr/bin/env node
import 'reflect-metadata';
import { ConsoleLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { runKeysCommand } from './api/auth/keys.command';
import { personsFileFrom } from './config/gateway-config';
import { setupOpenApi } from './api/openapi';
import { AppModule } from './app.module';
import { ConfigError, DEFAULT_API_KEYS_FILE, loadGatewayConfig } from './config/gateway-config';
import { FabricLedgerAdapter } from './ledger/fabric-ledger.adapter';

const USAGE = `usage: provena-gateway [serve]        run the gateway (configuration from PROVENA_* variables, see README)
       provena-gateway keys <command>  create, list or revoke API keys`;

async function serve(): Promise<number> {
  let config;
  try {
    config = loadGatewayConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const ledger = new FabricLedgerAdapter(config.fabric);
  // The HTTP adapter passed, not looked up: Nest's own lookup requires it from @nestjs/core's folder, which does
  // not see a copy installed under gateway/node_modules. One JSON object per line, for log shippers; what is
  // logged never holds a key or a payload (see the services).
  const app = await NestFactory.create(AppModule.forRoot(config, ledger), new ExpressAdapter(), {
    logger: new ConsoleLogger({ json: true }),
  });
  app.enableShutdownHooks();
  setupOpenApi(app);
  await app.listen(config.http.port, config.http.host);
  process.stdout.write(`provena-gateway listening on http://${config.http.host}:${config.http.port}\n`);
  return -1; // keeps running
}

async function main(argv: readonly string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve();
    case 'keys':
      // Only the keys file: managing keys must not need the Fabric settings.
      return runKeysCommand(rest, {
        apiKeysFile: process.env.PROVENA_API_KEYS_FILE || DEFAULT_API_KEYS_FILE,
        personsFile: personsFileFrom(process.env),
      });
    case '--help':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      process.stderr.write(`unknown command ${command}\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`provena-gateway: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
