import { WireError } from '@provena/wire';
import { ScenarioError, SimulatorError, SimulatorErrorCode } from '../errors';
import { ExitCode, writeLine, type CliIo } from './cli-io';
import { DEMO_USAGE, runDemoCommand } from './demo.command';
import { GENERATE_USAGE, runGenerateCommand } from './generate.command';
import { DEMAND_USAGE, PROVISION_USAGE, runDemandCommand, runProvisionCommand } from './gateway.command';
import { HOSTILE_USAGE, runHostileCommand } from './hostile.command';
import { LOAD_USAGE, runLoadCommand } from './load.command';
import { PUBLISH_USAGE, runPublishCommand } from './publish.command';
import { runValidateCommand, VALIDATE_USAGE } from './validate.command';

const COMMANDS: Record<string, (args: string[], io: CliIo) => Promise<number>> = {
  validate: runValidateCommand,
  generate: runGenerateCommand,
  publish: runPublishCommand,
  hostile: runHostileCommand,
  load: runLoadCommand,
  provision: runProvisionCommand,
  demand: runDemandCommand,
  demo: runDemoCommand,
};

export const USAGE = [
  'Provena IoT simulator: fleets of signing devices, scenarios, hostile devices and load.',
  '',
  VALIDATE_USAGE,
  '',
  GENERATE_USAGE,
  '',
  PUBLISH_USAGE,
  '',
  HOSTILE_USAGE,
  '',
  LOAD_USAGE,
  '',
  PROVISION_USAGE,
  '',
  DEMAND_USAGE,
  '',
  DEMO_USAGE,
].join('\n');

/** Runs one CLI invocation and returns its exit code; never throws. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    writeLine(command === undefined ? io.stderr : io.stdout, USAGE);
    return command === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  const run = COMMANDS[command];
  if (!run) {
    writeLine(
      io.stderr,
      `unknown command "${command}"; commands: ${Object.keys(COMMANDS).join(', ')}\n\n${USAGE}`,
    );
    return ExitCode.Usage;
  }
  try {
    return await run(args, io);
  } catch (error) {
    if (error instanceof ScenarioError) {
      writeLine(io.stderr, error.message);
      return ExitCode.Failed;
    }
    if (error instanceof SimulatorError && error.code === SimulatorErrorCode.BadArgument) {
      writeLine(io.stderr, `${command}: ${error.message}`);
      return ExitCode.Usage;
    }
    // node:util parseArgs reports unknown or malformed options with these codes.
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      writeLine(io.stderr, `${command}: ${(error as Error).message}`);
      return ExitCode.Usage;
    }
    if (error instanceof SimulatorError) {
      writeLine(io.stderr, `${command} failed: ${error.code}: ${error.message}`);
      return ExitCode.Failed;
    }
    if (error instanceof WireError) {
      writeLine(io.stderr, `${command} failed: ${error.message}`); // the message starts with its code
      return ExitCode.Failed;
    }
    writeLine(
      io.stderr,
      `${command} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return ExitCode.Failed;
  }
}
