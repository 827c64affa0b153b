import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  projectChannels,
  selectInformativeChannels,
  type ChannelSelectionOptions,
  type ChannelStatistics,
} from './channel-selection';
import { MaintenanceDataError, MaintenanceErrorCode } from './maintenance-error';
import type { ChannelNames, UnitHistory } from './unit-history';

/** Column names of a C-MAPSS row after unit and cycle: 3 operational settings, then 21 sensors. */
export const CMAPSS_CHANNELS: ChannelNames = [
  ...[1, 2, 3].map((i) => `setting_${i}`),
  ...Array.from({ length: 21 }, (_, i) => `sensor_${i + 1}`),
];

/** A C-MAPSS sub-dataset, reduced to its informative channels. */
export interface CmapssDataset {
  /** Names of the channels kept, in the column order of every row. */
  readonly channels: ChannelNames;
  /** Run-to-failure histories: the last row of each is the cycle it failed in. */
  readonly train: UnitHistory[];
  /** Histories cut off some time before failure. */
  readonly test: UnitHistory[];
  /** True remaining useful life, in cycles, after the last row of each test unit, in `test` order. */
  readonly testRul: number[];
  /** Per-channel statistics behind the choice of channels, measured on the training set only. */
  readonly channelStatistics: readonly ChannelStatistics[];
}

/** Options of {@link readCmapss}. */
export interface ReadCmapssOptions {
  /**
   * Sub-dataset whose `train_X.txt`, `test_X.txt` and `RUL_X.txt` (each may be a `.txt.gz`) are read.
   * Default `FD001`.
   */
  readonly subset?: string;
  readonly channelSelection?: ChannelSelectionOptions;
}

/**
 * Reads a NASA C-MAPSS sub-dataset (the turbofan run-to-failure simulation) and keeps the channels that carry
 * information. The channels are chosen on the training units alone, so nothing about the test set leaks into the
 * model, and from the data rather than a list of sensor numbers, so other sub-datasets and other telemetry work.
 * Each file is read as `<name>.txt`, or as `<name>.txt.gz` when there is no plain one.
 *
 * @example
 * ```ts
 * // The repository's own copy of FD001, gzipped; '../shared/data/cmapss' holds the plain files.
 * const { channels, train, test, testRul } = readCmapss('forecasting/test-data/cmapss');
 * ```
 * @throws {@link MaintenanceDataError} MAINTENANCE_DATA_UNREADABLE when a file cannot be read,
 * MAINTENANCE_DATA_MALFORMED (with file and line) when a row is not 26 numbers, a unit's cycles are not
 * 1, 2, 3, ... in order, or the RUL file does not hold one count per test unit.
 */
export function readCmapss(
  dir: string,
  { subset = 'FD001', channelSelection }: ReadCmapssOptions = {},
): CmapssDataset {
  const train = readText(join(dir, `train_${subset}.txt`));
  const trainAll = parseCmapssUnits(train.text, train.file);
  const test = readText(join(dir, `test_${subset}.txt`));
  const testAll = parseCmapssUnits(test.text, test.file);
  const rul = readText(join(dir, `RUL_${subset}.txt`));
  const testRul = parseRul(rul.text, rul.file);
  if (testRul.length !== testAll.length) {
    throw new MaintenanceDataError(
      MaintenanceErrorCode.DataMalformed,
      rul.file,
      undefined,
      `${testRul.length} RUL values for ${testAll.length} test units in ${test.file}`,
    );
  }
  const selection = selectInformativeChannels(trainAll, CMAPSS_CHANNELS, channelSelection);
  return {
    channels: selection.channels,
    train: projectChannels(trainAll, selection.indices),
    test: projectChannels(testAll, selection.indices),
    testRul,
    channelStatistics: selection.statistics,
  };
}

/**
 * Parses the text of a C-MAPSS `train_*` or `test_*` file into one history per unit, in file order, with every
 * one of the 24 setting and sensor columns. `file` only names the source in errors.
 * @throws {@link MaintenanceDataError} MAINTENANCE_DATA_MALFORMED
 */
export function parseCmapssUnits(text: string, file: string): UnitHistory[] {
  const columns = 2 + CMAPSS_CHANNELS.length;
  const units: { unitId: string; rows: number[][] }[] = [];
  const seen = new Set<string>();
  let current: { unitId: string; rows: number[][] } | undefined;
  text.split('\n').forEach((raw, index) => {
    const lineNumber = index + 1;
    const line = raw.trim();
    // The NASA files end each line with spaces and the file with a newline: blank lines carry nothing.
    if (line === '') return;
    const malformed = (problem: string): MaintenanceDataError =>
      new MaintenanceDataError(MaintenanceErrorCode.DataMalformed, file, lineNumber, problem);
    const fields = line.split(/\s+/);
    if (fields.length !== columns) {
      throw malformed(`${fields.length} columns, expected ${columns} (unit, cycle, 3 settings, 21 sensors)`);
    }
    const values = fields.map(Number);
    const bad = values.findIndex((value) => !Number.isFinite(value));
    if (bad >= 0) throw malformed(`column ${bad + 1} is "${fields[bad] ?? ''}", not a number`);
    const [unit = Number.NaN, cycle = Number.NaN] = values;
    if (!Number.isInteger(unit) || unit < 1)
      throw malformed(`unit "${fields[0] ?? ''}" is not a positive integer`);
    const unitId = String(unit);
    if (current?.unitId !== unitId) {
      // Each unit's rows are contiguous in the NASA files; a unit seen again means a shuffled or spliced file.
      if (seen.has(unitId)) throw malformed(`unit ${unitId} appears again after other units`);
      seen.add(unitId);
      current = { unitId, rows: [] };
      units.push(current);
    }
    if (cycle !== current.rows.length + 1) {
      throw malformed(
        `unit ${unitId}: cycle ${fields[1] ?? ''} where cycle ${current.rows.length + 1} was expected`,
      );
    }
    current.rows.push(values.slice(2));
  });
  if (units.length === 0) {
    throw new MaintenanceDataError(MaintenanceErrorCode.DataMalformed, file, undefined, 'no rows');
  }
  return units;
}

/** Parses a `RUL_*` file: one non-negative whole number of cycles per line. */
function parseRul(text: string, file: string): number[] {
  const values: number[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const value = Number(line);
    if (!Number.isInteger(value) || value < 0) {
      throw new MaintenanceDataError(
        MaintenanceErrorCode.DataMalformed,
        file,
        index + 1,
        `"${line}" is not a non-negative whole number of cycles`,
      );
    }
    values.push(value);
  });
  return values;
}

/**
 * Reads `file`, or, when there is no such file, `file.gz`: the repository keeps its copy of FD001 compressed
 * (forecasting/test-data/cmapss). Errors name the file read; a line number in a `.gz` is one of the text inside.
 */
function readText(file: string): { text: string; file: string } {
  const gz = `${file}.gz`;
  const source = !existsSync(file) && existsSync(gz) ? gz : file;
  let bytes: Buffer;
  try {
    bytes = readFileSync(source);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw unreadable(source, error, missing ? `cannot be read (nor is there a ${basename(gz)})` : undefined);
  }
  if (source === file) return { text: bytes.toString('utf8'), file };
  try {
    return { text: gunzipSync(bytes).toString('utf8'), file: gz };
  } catch (error) {
    throw unreadable(gz, error, 'cannot be decompressed (not gzip, or cut short)');
  }
}

function unreadable(file: string, cause: unknown, problem = 'cannot be read'): MaintenanceDataError {
  return new MaintenanceDataError(MaintenanceErrorCode.DataUnreadable, file, undefined, problem, { cause });
}
