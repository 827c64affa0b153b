#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { backtestSeries, summarisePanel, type SeriesBacktest } from '../evaluation/backtest';
import { ForecastError, ForecastErrorCode } from '../forecast-error';
import { runCmapssReport } from '../maintenance/cmapss-report';
import { isMaintenanceError } from '../maintenance/maintenance-error';
import { parseSeriesCsv } from '../series/csv-series';
import { seasonPeriod } from '../series/time-series';
import { panelReport, seriesReport } from './backtest-report';

/** Where the CLI writes: one call per line, without the newline. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** Exit codes of {@link runBacktestCli}. */
export const CliExit = { Ok: 0, Refused: 2 } as const;

export const BACKTEST_USAGE = `Usage:
  provena-backtest demand <file.csv> [--horizon N] [--origins K] [--spacing S] [--fill-missing zero] [--no-neural]
  provena-backtest cmapss <dir> [--subset FD001]
  provena-backtest --help

demand   Rolling-origin backtest of every series in a CSV file (header series_id,timestamp,value; timestamp
         YYYY-MM-DD; daily or monthly, inferred per series): MASE and sMAPE of seasonal naive, Naive 2, Theta, ETS,
         Comb and Provena's combination, the coverage of Provena's 80 % intervals, a Markdown table per series and
         a panel summary.
         --horizon N          steps forecast at each origin (default 14 for daily series, 12 for monthly)
         --origins K          test origins, the last one a horizon before the end (default 3)
         --spacing S          steps between test origins (default half the horizon)
         --fill-missing zero  a day missing inside a daily series is a day without orders (default: refused)
         --no-neural          leave the brain.js lag network out of Provena's members (faster)
cmapss   The maintenance model on NASA C-MAPSS: reads <dir>/train_<subset>.txt, <dir>/test_<subset>.txt and
         <dir>/RUL_<subset>.txt (the data set's own file names; each may be gzipped as .txt.gz), trains on train,
         scores on test against RUL. The repository holds FD001 in forecasting/test-data/cmapss.
         --subset FD00x       sub-dataset (default FD001)

Exit status: 0 done, 2 a usage or data error (one line on stderr).`;

/** A mistake in the command line, reported with a pointer to --help. */
class UsageError extends Error {}

type Parsed =
  | { readonly command: 'help' }
  | {
      readonly command: 'demand';
      readonly file: string;
      readonly horizon?: number;
      readonly origins: number;
      readonly spacing?: number;
      readonly fillMissing?: 'zero';
      readonly neural: boolean;
    }
  | { readonly command: 'cmapss'; readonly dir: string; readonly subset: string };

/** Options each command takes, and whether they take a value. */
const OPTIONS = {
  demand: { horizon: true, origins: true, spacing: true, 'fill-missing': true, 'no-neural': false },
  cmapss: { subset: true },
} as const satisfies Record<string, Record<string, boolean>>;

function parseArguments(argv: readonly string[]): Parsed {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) return { command: 'help' };
  const [command, ...rest] = argv;
  if (command !== 'demand' && command !== 'cmapss') {
    throw new UsageError(`unknown command "${command}" (demand or cmapss)`);
  }
  const allowed: Record<string, boolean> = OPTIONS[command];
  const positionals: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i]!;
    if (!token.startsWith('-') || token === '-') {
      positionals.push(token);
      continue;
    }
    if (!token.startsWith('--')) throw new UsageError(`unknown option ${token}`);
    const eq = token.indexOf('=');
    const name = token.slice(2, eq === -1 ? undefined : eq);
    const takesValue = allowed[name];
    if (takesValue === undefined) throw new UsageError(`unknown option --${name} for ${command}`);
    if (flags.has(name)) throw new UsageError(`--${name} given twice`);
    if (!takesValue) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      flags.set(name, '');
    } else if (eq !== -1) {
      flags.set(name, token.slice(eq + 1));
    } else {
      const value = rest[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      flags.set(name, value);
    }
  }
  const what = command === 'demand' ? 'CSV file' : 'directory';
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? `${command} needs a ${what}`
        : `${command} takes one ${what}, got ${positionals.length}: ${positionals.join(' ')}`,
    );
  }
  const path = positionals[0]!;
  if (command === 'cmapss') {
    const subset = flags.get('subset') ?? 'FD001';
    if (!/^FD\d{3}$/.test(subset)) throw new UsageError(`--subset must look like FD001, got "${subset}"`);
    return { command, dir: path, subset };
  }
  const fill = flags.get('fill-missing');
  if (fill !== undefined && fill !== 'zero') {
    throw new UsageError(`--fill-missing takes only "zero", got "${fill}"`);
  }
  const horizon = positiveInt(flags, 'horizon');
  const spacing = positiveInt(flags, 'spacing');
  return {
    command,
    file: path,
    ...(horizon === undefined ? {} : { horizon }),
    origins: positiveInt(flags, 'origins') ?? 3,
    ...(spacing === undefined ? {} : { spacing }),
    ...(fill === undefined ? {} : { fillMissing: fill }),
    neural: !flags.has('no-neural'),
  };
}

function positiveInt(flags: ReadonlyMap<string, string>, name: string): number | undefined {
  const raw = flags.get(name);
  if (raw === undefined) return undefined;
  if (!/^[1-9]\d{0,5}$/.test(raw)) throw new UsageError(`--${name} must be a positive integer, got "${raw}"`);
  return Number(raw);
}

function runDemand(args: Extract<Parsed, { command: 'demand' }>, io: CliIo): number {
  const text = readText(args.file);
  const series = parseSeriesCsv(text, args.file, args.fillMissing ? { fillMissing: args.fillMissing } : {});
  io.out(`# Backtest of ${args.file}`);
  io.out('');
  io.out(
    `${series.length} series; rolling origins, each method sees only the values before an origin; ` +
      `MASE scaled by the in-sample seasonal naive error; Provena's network ${args.neural ? 'included' : 'left out'}`,
  );
  io.out('');
  const results: SeriesBacktest[] = [];
  for (const s of series) {
    const period = seasonPeriod(s.step);
    const horizon = args.horizon ?? (s.step === 'day' ? 14 : 12);
    const spacing = args.spacing ?? Math.max(1, Math.round(horizon / 2));
    // backtestSeries trains on at least two seasons before an origin a horizon before the end.
    const needed = 2 * period + 2 * horizon;
    if (s.values.length < needed) {
      io.out(`### ${s.id}`);
      io.out('');
      io.out(`skipped: ${s.values.length} values, a ${horizon}-step backtest needs at least ${needed}`);
      io.out('');
      continue;
    }
    const result = backtestSeries(s, {
      horizon,
      testOrigins: args.origins,
      originSpacing: spacing,
      selection: { neural: args.neural },
    });
    results.push(result);
    for (const line of seriesReport(result, s.step, horizon)) io.out(line);
  }
  if (results.length === 0) {
    throw new ForecastError(
      ForecastErrorCode.SeriesTooShort,
      `no series in ${args.file} is long enough to backtest`,
    );
  }
  for (const line of panelReport(summarisePanel(args.file, results))) io.out(line);
  return CliExit.Ok;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ForecastError(ForecastErrorCode.BadSeries, `cannot read ${file}${code ? ` (${code})` : ''}`, {
      cause: err,
    });
  }
}

/**
 * The `provena-backtest` command, without the process: parses `argv` (the arguments after the program), runs the
 * command and writes through `io`. Usage and data errors become one line on `err` and exit status 2; anything else
 * is a bug and is thrown.
 *
 * @example
 * ```ts
 * const status = runBacktestCli(['demand', 'orders.csv', '--no-neural'], { out: console.log, err: console.error });
 * ```
 * @returns the exit status.
 */
export function runBacktestCli(argv: readonly string[], io: CliIo): number {
  try {
    const args = parseArguments(argv);
    switch (args.command) {
      case 'help':
        for (const line of BACKTEST_USAGE.split('\n')) io.out(line);
        return CliExit.Ok;
      case 'demand':
        return runDemand(args, io);
      case 'cmapss':
        runCmapssReport(args.dir, { write: (line) => io.out(line), subset: args.subset });
        return CliExit.Ok;
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`provena-backtest: ${err.message} (provena-backtest --help for usage)`);
      return CliExit.Refused;
    }
    if (err instanceof ForecastError || isMaintenanceError(err)) {
      io.err(`provena-backtest: ${err.message}`);
      return CliExit.Refused;
    }
    throw err;
  }
}

if (require.main === module) {
  process.exitCode = runBacktestCli(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}
