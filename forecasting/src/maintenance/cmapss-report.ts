import { readCmapss } from './cmapss';
import {
  rulModelHash,
  trainRulModel,
  type CandidateMetrics,
  type RulCandidate,
  type RulModelOptions,
} from './rul-model';
import { scoreRul, type RulScore } from './score';

/** What {@link runCmapssReport} measured. RMSE and MAE in cycles; CPU in seconds. */
export interface CmapssReport {
  readonly channels: readonly string[];
  readonly trainUnits: number;
  readonly testUnits: number;
  /** Every candidate's cross-validation score on the training set; the chosen one is named in `chosen`. */
  readonly cv: readonly CandidateMetrics[];
  readonly chosen: string;
  readonly modelHash: string;
  /** Scores at each test engine's last cycle against `RUL_FD001.txt`. */
  readonly test: {
    readonly chosen: RulScore;
    /** Ridge on the default features (30-cycle window): the linear baseline. */
    readonly ridge: RulScore;
    /** Every engine predicted at the mean capped training target. */
    readonly constant: RulScore;
  };
  /** Share of test engines whose true RUL lies inside the chosen model's prediction interval. */
  readonly intervalCoverage: { readonly nominal: number; readonly measured: number };
  /** CPU time of `trainRulModel` for the chosen model, cross-validation of every candidate included. */
  readonly trainingCpuSeconds: number;
}

/** Options of {@link runCmapssReport}. */
export interface CmapssReportOptions {
  /** Where the table goes, one line per call. Default: standard output. */
  readonly write?: (line: string) => void;
  /** Overrides of the model options, e.g. fewer candidates for a quick look. */
  readonly model?: Partial<Omit<RulModelOptions, 'channels'>>;
  readonly subset?: string;
}

const RIDGE_ONLY: readonly RulCandidate[] = [{ name: 'ridge', members: [{ kind: 'ridge', lambda: 1 }] }];

/**
 * Trains the maintenance model on C-MAPSS `train_FD001` and scores it on `test_FD001` against `RUL_FD001`, beside
 * the constant guess and ridge baselines, and prints the table. The test set is touched only after the model is
 * chosen and fitted.
 *
 * @example
 * ```sh
 * npx tsc -p forecasting/tsconfig.json && node forecasting/dist/maintenance/cmapss-report.js forecasting/test-data/cmapss
 * ```
 * @throws {@link MaintenanceDataError} when the files are missing or malformed.
 */
export function runCmapssReport(dir: string, options: CmapssReportOptions = {}): CmapssReport {
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const data = readCmapss(dir, options.subset === undefined ? {} : { subset: options.subset });
  write(
    `C-MAPSS ${options.subset ?? 'FD001'}: ${data.train.length} training units, ${data.test.length} test units`,
  );
  write(`channels kept (${data.channels.length}): ${data.channels.join(', ')}`);

  const started = process.cpuUsage();
  const model = trainRulModel(data.train, { channels: data.channels, log: write, ...options.model });
  const used = process.cpuUsage(started);
  const trainingCpuSeconds = (used.user + used.system) / 1e6;
  const ridge = trainRulModel(data.train, {
    channels: data.channels,
    ...options.model,
    candidates: RIDGE_ONLY,
  });

  const predictions = data.test.map((unit) => model.predict(unit.rows));
  const chosenPredictions = predictions.map((p) => p.rulCycles);
  const inside = predictions.filter((p, i) => p.low <= data.testRul[i]! && data.testRul[i]! <= p.high).length;
  const ridgePredictions = data.test.map((unit) => ridge.predict(unit.rows).rulCycles);
  const constant = model.toJSON().trainingMean;
  const report: CmapssReport = {
    channels: data.channels,
    trainUnits: data.train.length,
    testUnits: data.test.length,
    cv: model.cvMetrics.candidates,
    chosen: model.cvMetrics.chosen,
    modelHash: rulModelHash(model),
    test: {
      chosen: scoreRul(chosenPredictions, data.testRul),
      ridge: scoreRul(ridgePredictions, data.testRul),
      constant: scoreRul(
        data.test.map(() => constant),
        data.testRul,
      ),
    },
    intervalCoverage: {
      nominal: options.model?.intervalCoverage ?? 0.8,
      measured: inside / data.test.length,
    },
    trainingCpuSeconds,
  };

  const { folds, cutsPerUnit } = model.cvMetrics;
  write('');
  write(
    `cross-validation on train (${folds} unit-grouped folds, ${cutsPerUnit} random cuts per unit, capped truth)`,
  );
  write(row(['candidate', 'RMSE', 'MAE', 'F1@30', 'NASA']));
  for (const c of report.cv) {
    const mark = c.name === report.chosen ? ' *' : '';
    write(row([`${c.name}${mark}`, fixed(c.rmse), fixed(c.mae), fixed(c.f1At30, 2), fixed(c.nasaScore, 0)]));
  }
  write('');
  write(`test set: prediction at each engine's last cycle vs RUL file (${report.testUnits} engines)`);
  write(row(['model', 'RMSE', 'MAE', 'F1@30', 'precision', 'recall', 'NASA']));
  const lines: [string, RulScore][] = [
    [`chosen: ${report.chosen}`, report.test.chosen],
    [`ridge W=${ridge.features.window}`, report.test.ridge],
    [`constant ${fixed(constant)}`, report.test.constant],
  ];
  for (const [name, s] of lines) {
    write(
      row([
        name,
        fixed(s.rmse),
        fixed(s.mae),
        fixed(s.f1At30, 2),
        fixed(s.precision, 2),
        fixed(s.recall, 2),
        fixed(s.nasaScore, 0),
      ]),
    );
  }
  write(
    `prediction interval: ${fixed(100 * report.intervalCoverage.measured, 0)}% of test engines inside ` +
      `(nominal ${fixed(100 * report.intervalCoverage.nominal, 0)}%)`,
  );
  write('');
  write(
    `training CPU: ${trainingCpuSeconds.toFixed(1)} s (cross-validation of every candidate and the final fit)`,
  );
  write(`model hash: ${report.modelHash}`);
  return report;
}

function row(cells: readonly string[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(34) : cell.padStart(10))).join('');
}

function fixed(value: number, digits = 1): string {
  return value.toFixed(digits);
}

if (require.main === module) {
  runCmapssReport(process.argv[2] ?? '../shared/data/cmapss');
}
