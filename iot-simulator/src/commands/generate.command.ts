import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { encodeSignedReading } from '@provena/wire';
import { openFileKeyStore } from '../devices/key-store';
import { newFileSequenceStore } from '../devices/sequence-store';
import { planScenario, type ScenarioPlan } from '../models/scenario-plan';
import { formatSummary, newSummaryCollector } from '../run/run-summary';
import { signedReadings } from '../run/signed-readings';
import { loadScenario } from '../scenario/scenario.parser';
import { formatDuration } from '../scenario/time-units';
import {
  DEFAULT_STATE_DIR,
  ExitCode,
  STATE_HELP,
  usageError,
  writeChunk,
  writeLine,
  type CliIo,
} from './cli-io';

export const GENERATE_USAGE = `iot-simulator generate <scenario.json> [options]
  Runs the scenario's models in compressed time and writes every signed envelope as NDJSON.
  --out <file>          NDJSON file (default: stdout, and the summary goes to stderr)
  --state <dir>         ${STATE_HELP}
  --plans-out <file>    also write the demand's shipment plans (JSON array)
  --demand-out <file>   also write the daily demand series (CSV)
  --json                print the summary as JSON`;

const LINES_PER_CHUNK = 512;

async function writeDemand(plan: ScenarioPlan, plansOut?: string, demandOut?: string): Promise<void> {
  if (plansOut !== undefined) {
    await mkdir(dirname(plansOut), { recursive: true });
    await writeFile(plansOut, `${JSON.stringify(plan.shipmentPlans, null, 1)}\n`);
  }
  if (demandOut !== undefined) {
    await mkdir(dirname(demandOut), { recursive: true });
    const rows = plan.demand.map(
      (d) => `${d.date},${d.productId},${d.location},${d.orders},${d.expectedOrders},${d.promotion ? 1 : 0}`,
    );
    await writeFile(
      demandOut,
      `date,product,location,orders,expected_orders,promotion\n${rows.join('\n')}\n`,
    );
  }
}

export async function runGenerateCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      state: { type: 'string', default: DEFAULT_STATE_DIR },
      'plans-out': { type: 'string' },
      'demand-out': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) throw usageError('generate takes exactly one scenario file');
  const started = performance.now();
  const plan = planScenario(await loadScenario(file));
  const keys = await openFileKeyStore({ directory: join(values.state, 'keys') });
  for (const device of plan.scenario.devices) await keys.ensureKey(device.id);
  const sequences = newFileSequenceStore({ directory: join(values.state, 'sequences') });

  if (values.out !== undefined) await mkdir(dirname(values.out), { recursive: true });
  const out = values.out === undefined ? io.stdout : createWriteStream(values.out);
  const summaryStream = values.out === undefined ? io.stderr : io.stdout;
  const summary = newSummaryCollector(plan);
  let chunk: string[] = [];
  let bytes = 0;
  for await (const { sample, signed } of signedReadings(plan, keys, sequences)) {
    summary.observe(sample);
    const line = encodeSignedReading(signed).toString('utf8');
    bytes += line.length + 1;
    chunk.push(line);
    if (chunk.length === LINES_PER_CHUNK) {
      await writeChunk(out, `${chunk.join('\n')}\n`);
      chunk = [];
    }
  }
  if (chunk.length > 0) await writeChunk(out, `${chunk.join('\n')}\n`);
  if (out !== io.stdout) {
    out.end();
    await finished(out);
  }
  await writeDemand(plan, values['plans-out'], values['demand-out']);
  const elapsedMs = performance.now() - started;
  const result = summary.result();
  if (values.json) {
    writeLine(
      summaryStream,
      JSON.stringify({
        ...result,
        output: { file: values.out ?? null, bytes, elapsedMs: Math.round(elapsedMs) },
      }),
    );
  } else {
    writeLine(summaryStream, formatSummary(result));
    const speedup = elapsedMs > 0 ? Math.round(plan.scenario.durationMs / elapsedMs) : 0;
    writeLine(
      summaryStream,
      `generated ${result.readings.toLocaleString('en')} signed readings (${(bytes / 1e6).toFixed(1)} MB) ` +
        `${values.out === undefined ? 'to stdout' : `to ${values.out}`} in ${(elapsedMs / 1000).toFixed(2)} s: ` +
        `${formatDuration(plan.scenario.durationMs)} simulated, ${speedup.toLocaleString('en')}× real time`,
    );
  }
  return ExitCode.Ok;
}
