import { parseArgs } from 'node:util';
import { loadScenario } from '../scenario/scenario.parser';
import { planScenario } from '../models/scenario-plan';
import { plural } from '../run/run-summary';
import { formatDuration } from '../scenario/time-units';
import { ExitCode, usageError, writeLine, type CliIo } from './cli-io';

export const VALIDATE_USAGE = `iot-simulator validate <scenario.json>
  Parses a scenario and lists every problem with its JSON path. Exit 1 when invalid.`;

export async function runValidateCommand(args: string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) throw usageError('validate takes exactly one scenario file');
  const scenario = await loadScenario(file);
  const plan = planScenario(scenario);
  writeLine(
    io.stdout,
    `${file}: valid. ${plural(scenario.devices.length, 'device')}, ${plural(scenario.shipments.length, 'shipment')}, ` +
      `${scenario.demand.length} demand series, ${plural(plan.totalReadings, 'reading')} over ` +
      `${formatDuration(scenario.durationMs)}`,
  );
  return ExitCode.Ok;
}
