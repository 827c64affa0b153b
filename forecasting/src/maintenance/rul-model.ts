import { createHash } from 'node:crypto';
import { MaintenanceError, MaintenanceErrorCode } from './maintenance-error';
import { fitRidge, predictRidge, type RidgeCoefficients } from './ridge';
import {
  fitFeatureScaler,
  resolveRulFeatureOptions,
  restoreFeatureScaler,
  rulFeatures,
  rulFeatureSeries,
  type FeatureScaler,
  type FeatureScalerJson,
  type ResolvedRulFeatureOptions,
  type RulFeatureOptions,
} from './rul-features';
import {
  restoreNetwork,
  trainNetwork,
  type NetworkJson,
  type NetworkSpec,
  type TrainedNetwork,
} from './rul-network';
import {
  fitResidualProfile,
  restoreResidualProfile,
  type ResidualProfile,
  type ResidualProfileJson,
} from './rul-residuals';
import { scoreRul, type RulScore } from './score';
import { mulberry32 } from './seeded-random';
import { checkHistories, checkRows, type ChannelNames, type UnitHistory } from './unit-history';

/** A ridge regression member; `lambda` is the penalty on standardised features. */
export interface RidgeSpec {
  readonly kind: 'ridge';
  readonly lambda: number;
}

/** One model inside a candidate. */
export type MemberSpec = RidgeSpec | NetworkSpec;

/**
 * A candidate model: features, and the mean of its members' predictions (one member is a plain model, more an
 * ensemble). The feature window is part of the candidate because the best window depends on the model: a network
 * makes more of a long window than ridge does.
 */
export interface RulCandidate {
  readonly name: string;
  /** Overrides {@link RulModelOptions.features} for this candidate. */
  readonly features?: RulFeatureOptions;
  readonly members: readonly MemberSpec[];
}

const NETWORK_DEFAULTS: Omit<NetworkSpec, 'seed'> = {
  kind: 'neural-network',
  hiddenLayers: [32, 16],
  // tanh beat sigmoid in cross-validation on FD001 at every window tried (13.6 against 14.6 at W = 30).
  activation: 'tanh',
  epochs: 40,
  learningRate: 0.02,
  momentum: 0.5,
};

/** A network member with the measured defaults ([32, 16] tanh, 40 epochs) and the given seed. */
export function networkSpec(seed: number, overrides: Partial<Omit<NetworkSpec, 'kind'>> = {}): NetworkSpec {
  return { ...NETWORK_DEFAULTS, seed, ...overrides };
}

const RIDGE: RidgeSpec = { kind: 'ridge', lambda: 1 };
const LONG_WINDOW: RulFeatureOptions = { window: 80 };

/**
 * The candidates {@link trainRulModel} chooses among by default: ridge (the linear baseline) and one network on
 * the standard 30-cycle window, then the same on an 80-cycle window, three networks with different seeds
 * (averaging cancels part of each network's seed-dependent error) and ridge plus those three. 80 cycles because
 * cross-validation on FD001 kept improving up to about that window and flattened beyond (network RMSE 13.6 at 30,
 * 10.9 at 50, 9.8 at 80, 9.9 at 100).
 */
export const DEFAULT_RUL_CANDIDATES: readonly RulCandidate[] = [
  { name: 'ridge W=30', members: [RIDGE] },
  { name: 'neural-network W=30', members: [networkSpec(1)] },
  { name: 'ridge W=80', features: LONG_WINDOW, members: [RIDGE] },
  { name: 'neural-network W=80', features: LONG_WINDOW, members: [networkSpec(1)] },
  {
    name: 'network-ensemble W=80',
    features: LONG_WINDOW,
    members: [networkSpec(1), networkSpec(2), networkSpec(3)],
  },
  {
    name: 'ridge+network-ensemble W=80',
    features: LONG_WINDOW,
    members: [RIDGE, networkSpec(1), networkSpec(2), networkSpec(3)],
  },
];

/** Options of {@link trainRulModel}. */
export interface RulModelOptions {
  /** Names of the channels in every history row, in column order; reported back in evidence. */
  readonly channels: ChannelNames;
  /**
   * Training targets are `min(capCycles, cycles to failure)`: early in life the sensors cannot tell 200 cycles
   * left from 300, so asking a model to is asking it to fit noise. Default 125, the usual C-MAPSS choice.
   */
  readonly capCycles?: number;
  /**
   * Take a training sample every `stride` cycles of each unit, counting back from failure. Default 2: on FD001
   * every cycle (stride 1) took twice the CPU (414 s against 213 s) for a cross-validation RMSE of 9.4 against 9.6;
   * neighbouring cycles' windows overlap almost entirely, so the second half of the samples adds little.
   */
  readonly stride?: number;
  /** Feature options for candidates that do not set their own. */
  readonly features?: RulFeatureOptions;
  readonly candidates?: readonly RulCandidate[];
  /** Cross-validation folds; units, never cycles, are split, so no unit is in training and validation at once. */
  readonly folds?: number;
  /**
   * Random cut points per validation unit: each truncates the unit's history at a uniformly drawn cycle (at least
   * `minCutCycles` in), as the C-MAPSS test set does, and the prediction there is scored against the capped
   * truth. More than one cut per unit steadies the estimate the choice rests on. Default 5.
   */
  readonly cutsPerUnit?: number;
  /**
   * Shortest history a validation cut leaves (or the whole unit, if shorter). Default 30: a unit is assessed once
   * it has some history, as in C-MAPSS's test set, whose shortest history is 31 cycles. Kept apart from the
   * feature window so that comparing windows does not also change what is scored.
   */
  readonly minCutCycles?: number;
  /** Seeds fold assignment and cut points. Default 1. */
  readonly seed?: number;
  /** Coverage of the interval `predict` returns. Default 0.8. */
  readonly intervalCoverage?: number;
  /** Progress lines, e.g. `console.log`; silent by default. */
  readonly log?: (line: string) => void;
}

/** A remaining-useful-life prediction, in cycles: point, and interval from cross-validation residuals. */
export interface RulPrediction {
  readonly rulCycles: number;
  readonly low: number;
  readonly high: number;
}

/** One candidate's out-of-fold score. */
export interface CandidateMetrics extends RulScore {
  readonly name: string;
}

/** How the candidates did in cross-validation, and which one was chosen (lowest RMSE). */
export interface RulCvMetrics {
  readonly folds: number;
  readonly cutsPerUnit: number;
  readonly chosen: string;
  readonly candidates: readonly CandidateMetrics[];
}

/** A trained member as JSON. */
export type MemberJson = ({ readonly kind: 'ridge' } & RidgeCoefficients) | NetworkJson;

/** Everything a {@link RulModel} is: hashing this JSON identifies the model. */
export interface RulModelJson {
  readonly kind: 'rul-model';
  readonly version: 1;
  readonly config: {
    readonly channels: ChannelNames;
    readonly capCycles: number;
    readonly features: ResolvedRulFeatureOptions;
    readonly candidate: RulCandidate;
    readonly intervalCoverage: number;
  };
  readonly scaler: FeatureScalerJson;
  readonly members: readonly MemberJson[];
  readonly residuals: ResidualProfileJson;
  /** Mean capped training target: the constant predictor, and the fallback should a member ever fail. */
  readonly trainingMean: number;
  readonly cvMetrics: RulCvMetrics;
}

/** A trained remaining-useful-life model. */
export interface RulModel {
  readonly channels: ChannelNames;
  readonly capCycles: number;
  readonly features: ResolvedRulFeatureOptions;
  readonly cvMetrics: RulCvMetrics;
  /**
   * Remaining useful life after the last row of `history` (rows as in training, oldest first). Never NaN: the
   * point is clamped to [0, capCycles] and lies inside [low, high], with low >= 0.
   * @throws {@link MaintenanceError} MAINTENANCE_INVALID_INPUT on an empty history, a row of the wrong width or
   * a non-finite value.
   */
  predict(history: readonly (readonly number[])[]): RulPrediction;
  /** Probability, from cross-validation residuals, that a unit predicted at `rulCycles` has at most `threshold` left. */
  probabilityAtMost(rulCycles: number, threshold: number): number;
  toJSON(): RulModelJson;
}

/**
 * Trains a remaining-useful-life model on run-to-failure histories (the last row of each is the failure cycle).
 * Every candidate is scored by unit-grouped K-fold cross-validation at random cut points, the one with the lowest
 * RMSE is refitted on all units, and its out-of-fold residuals become the prediction interval. The residuals are
 * taken against the cycles actually left, not the capped targets the candidates are scored on: the interval must
 * hold the engine's real remaining life, and a healthy engine predicted at the cap may have far more than the cap
 * left (with capped residuals the 80 % interval held 70-74 % of FD001's test engines). The test set plays
 * no part: choosing on it would make its score a training score.
 *
 * @example
 * ```ts
 * const model = trainRulModel(train, { channels });
 * const { rulCycles, low, high } = model.predict(test[0].rows);
 * ```
 * @throws {@link MaintenanceError} MAINTENANCE_INVALID_INPUT on fewer than two units, an empty or ragged history,
 * or options out of range.
 */
export function trainRulModel(train: readonly UnitHistory[], options: RulModelOptions): RulModel {
  const {
    channels,
    capCycles = 125,
    stride = 2,
    candidates = DEFAULT_RUL_CANDIDATES,
    folds = 5,
    cutsPerUnit = 5,
    minCutCycles = 30,
    seed = 1,
    intervalCoverage = 0.8,
    log = () => undefined,
  } = options;
  const featuresOf = (candidate: RulCandidate): ResolvedRulFeatureOptions =>
    resolveRulFeatureOptions({ ...options.features, ...candidate.features });
  // Candidates sharing feature options share one scaler and one set of samples per fold.
  const featureSets = new Map(
    candidates.map((c) => {
      const features = featuresOf(c);
      return [JSON.stringify(features), features] as const;
    }),
  );
  checkHistories(train, channels.length);
  // Every problem at once, so a caller fixes the options in one pass.
  const problems = [
    train.length < 2 && `cross-validation needs at least 2 training units, got ${train.length}`,
    !(capCycles > 0) && `capCycles must be > 0, got ${capCycles}`,
    !(Number.isInteger(stride) && stride >= 1) && `stride must be an integer >= 1, got ${stride}`,
    !(Number.isInteger(folds) && folds >= 2) && `folds must be an integer >= 2, got ${folds}`,
    !(Number.isInteger(cutsPerUnit) && cutsPerUnit >= 1) &&
      `cutsPerUnit must be an integer >= 1, got ${cutsPerUnit}`,
    !(Number.isInteger(minCutCycles) && minCutCycles >= 1) &&
      `minCutCycles must be an integer >= 1, got ${minCutCycles}`,
    !(intervalCoverage > 0 && intervalCoverage < 1) &&
      `intervalCoverage must be in (0, 1), got ${intervalCoverage}`,
    (candidates.length === 0 || candidates.some((c) => c.members.length === 0)) &&
      'need at least one candidate, each with at least one member',
    new Set(candidates.map((c) => c.name)).size !== candidates.length && 'candidate names must be unique',
  ].filter((problem): problem is string => typeof problem === 'string');
  if (problems.length > 0) {
    throw new MaintenanceError(
      MaintenanceErrorCode.InvalidInput,
      `rul model options: ${problems.join('; ')}`,
    );
  }

  // Fold assignment and cut points come first, from their own generator, so adding a candidate does not move them.
  const random = mulberry32(seed);
  const order = train.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const k = Math.min(folds, train.length);
  const foldOf = new Array<number>(train.length);
  order.forEach((unit, position) => (foldOf[unit] = position % k));
  const cuts = train.map((unit) => {
    const n = unit.rows.length;
    const lowest = Math.min(n, minCutCycles);
    return Array.from({ length: cutsPerUnit }, () => lowest + Math.floor(random() * (n - lowest + 1)));
  });

  // Per candidate: out-of-fold predictions, the capped truth they are scored against, and the actual cycles left,
  // which the intervals must cover.
  const outOfFold = new Map<string, { predicted: number[]; truth: number[]; actual: number[] }>(
    candidates.map((c) => [c.name, { predicted: [], truth: [], actual: [] }]),
  );
  for (let fold = 0; fold < k; fold += 1) {
    const started = process.cpuUsage();
    const inFold = train.filter((_, i) => foldOf[i] !== fold);
    const heldOut = train.flatMap((unit, i) => (foldOf[i] === fold ? [{ unit, cuts: cuts[i]! }] : []));
    const validationActual = heldOut.flatMap(({ unit, cuts: lengths }) =>
      lengths.map((length) => unit.rows.length - length),
    );
    const validationTruth = validationActual.map((cycles) => Math.min(capCycles, cycles));
    // A member shared by several candidates (the same seeded network on the same features) is trained once per fold.
    const memberPredictions = new Map<string, number[]>();
    let sampleCount = 0;
    for (const [featureKey, features] of featureSets) {
      const samples = trainingSamples(inFold, features, capCycles, stride);
      sampleCount = samples.y.length;
      const scaler = fitFeatureScaler(samples.x);
      const x = samples.x.map((row) => scaler.transform(row));
      const validationX = heldOut.flatMap(({ unit, cuts: lengths }) =>
        rulFeatureSeries(unit.rows, features, lengths).map((row) => scaler.transform(row)),
      );
      for (const candidate of candidates.filter((c) => JSON.stringify(featuresOf(c)) === featureKey)) {
        for (const spec of candidate.members) {
          const key = featureKey + JSON.stringify(spec);
          if (memberPredictions.has(key)) continue;
          const member = trainMember(spec, x, samples.y, capCycles);
          memberPredictions.set(
            key,
            validationX.map((row) => member.predict(row)),
          );
        }
      }
    }
    for (const candidate of candidates) {
      const featureKey = JSON.stringify(featuresOf(candidate));
      const predictions = candidate.members.map((spec) =>
        memberPredictions.get(featureKey + JSON.stringify(spec))!,
      );
      const target = outOfFold.get(candidate.name)!;
      validationTruth.forEach((truth, i) => {
        target.predicted.push(clamp(mean(predictions.map((p) => p[i]!)), 0, capCycles));
        target.truth.push(truth);
        target.actual.push(validationActual[i]!);
      });
    }
    log(`fold ${fold + 1}/${k}: ${sampleCount} samples, ${cpuSeconds(started).toFixed(1)} s CPU`);
  }

  const metrics = candidates.map((c): CandidateMetrics => {
    const { predicted, truth } = outOfFold.get(c.name)!;
    return { name: c.name, ...scoreRul(predicted, truth) };
  });
  const best = metrics.reduce((a, b) => (b.rmse < a.rmse ? b : a));
  const chosen = candidates.find((c) => c.name === best.name)!;
  const cvMetrics: RulCvMetrics = { folds: k, cutsPerUnit, chosen: chosen.name, candidates: metrics };
  log(`chosen ${chosen.name} (CV RMSE ${best.rmse.toFixed(2)}); refitting on all ${train.length} units`);

  const features = featuresOf(chosen);
  const all = trainingSamples(train, features, capCycles, stride);
  const scaler = fitFeatureScaler(all.x);
  const x = all.x.map((row) => scaler.transform(row));
  const members = chosen.members.map((spec) => trainMember(spec, x, all.y, capCycles));
  const { predicted, actual } = outOfFold.get(chosen.name)!;
  return newRulModel({
    channels: [...channels],
    capCycles,
    features,
    candidate: chosen,
    intervalCoverage,
    scaler,
    members,
    residuals: fitResidualProfile(predicted, actual),
    trainingMean: mean(all.y),
    cvMetrics,
  });
}

/**
 * Rebuilds a model from {@link RulModel.toJSON}'s output, e.g. one stored with the forecast it produced.
 * @throws {@link MaintenanceError} MAINTENANCE_MODEL_INVALID when the JSON is not a version-1 RUL model.
 */
export function restoreRulModel(json: RulModelJson): RulModel {
  if (json.kind !== 'rul-model' || json.version !== 1 || json.members.length === 0) {
    throw new MaintenanceError(MaintenanceErrorCode.ModelInvalid, 'not a version-1 rul-model');
  }
  return newRulModel({
    ...json.config,
    scaler: restoreFeatureScaler(json.scaler),
    members: json.members.map((member) => restoreMember(member, json.config.capCycles)),
    residuals: restoreResidualProfile(json.residuals),
    trainingMean: json.trainingMean,
    cvMetrics: json.cvMetrics,
  });
}

/** SHA-256 (hex) of the model's JSON: identical for identical training data, options and seeds. */
export function rulModelHash(model: RulModel): string {
  return createHash('sha256').update(JSON.stringify(model.toJSON())).digest('hex');
}

interface Member {
  predict(features: readonly number[]): number;
  toJSON(): MemberJson;
}

interface ModelParts {
  channels: ChannelNames;
  capCycles: number;
  features: ResolvedRulFeatureOptions;
  candidate: RulCandidate;
  intervalCoverage: number;
  scaler: FeatureScaler;
  members: Member[];
  residuals: ResidualProfile;
  trainingMean: number;
  cvMetrics: RulCvMetrics;
}

function newRulModel(parts: ModelParts): RulModel {
  const { channels, capCycles, features, scaler, members, residuals, trainingMean } = parts;
  return {
    channels,
    capCycles,
    features,
    cvMetrics: parts.cvMetrics,
    predict(history) {
      if (history.length === 0) {
        throw new MaintenanceError(MaintenanceErrorCode.InvalidInput, 'cannot predict from an empty history');
      }
      checkRows(history, channels.length);
      const z = scaler.transform(rulFeatures(history, features));
      const raw = mean(members.map((member) => member.predict(z)));
      // Finite inputs far outside the training range can still overflow a member; the constant predictor is
      // then the honest answer, and a NaN would poison every consumer downstream.
      const rulCycles = clamp(Number.isFinite(raw) ? raw : trainingMean, 0, capCycles);
      const [low, high] = residuals.interval(rulCycles, parts.intervalCoverage);
      // Residual bands can be lopsided; keep the point inside its own interval so consumers can rely on it.
      return { rulCycles, low: Math.min(low, rulCycles), high: Math.max(high, rulCycles) };
    },
    probabilityAtMost: (rulCycles, threshold) => residuals.probabilityAtMost(rulCycles, threshold),
    toJSON: () => ({
      kind: 'rul-model',
      version: 1,
      config: {
        channels: [...channels],
        capCycles,
        features,
        candidate: parts.candidate,
        intervalCoverage: parts.intervalCoverage,
      },
      scaler: scaler.toJSON(),
      members: members.map((member) => member.toJSON()),
      residuals: residuals.toJSON(),
      trainingMean,
      cvMetrics: parts.cvMetrics,
    }),
  };
}

/** Features after every `stride`-th cycle of every unit (always including the failure cycle) and capped RUL targets. */
function trainingSamples(
  units: readonly UnitHistory[],
  features: ResolvedRulFeatureOptions,
  capCycles: number,
  stride: number,
): { x: number[][]; y: number[] } {
  const x: number[][] = [];
  const y: number[] = [];
  for (const unit of units) {
    const n = unit.rows.length;
    const lengths: number[] = [];
    for (let length = n; length >= 1; length -= stride) lengths.push(length);
    x.push(...rulFeatureSeries(unit.rows, features, lengths));
    y.push(...lengths.map((length) => Math.min(capCycles, n - length)));
  }
  return { x, y };
}

function trainMember(spec: MemberSpec, x: number[][], y: number[], capCycles: number): Member {
  if (spec.kind === 'ridge') {
    return ridgeMember(fitRidge(x, y, spec.lambda));
  }
  // Targets in [0, 1]: a sigmoid output cannot leave that range, and relu/tanh train best near it too.
  return networkMember(
    trainNetwork(
      spec,
      x,
      y.map((v) => v / capCycles),
    ),
    capCycles,
  );
}

function restoreMember(json: MemberJson, capCycles: number): Member {
  return json.kind === 'ridge'
    ? ridgeMember({ intercept: json.intercept, coefficients: json.coefficients })
    : networkMember(restoreNetwork(json), capCycles);
}

function ridgeMember(fit: RidgeCoefficients): Member {
  return {
    predict: (features) => predictRidge(fit, features),
    toJSON: () => ({ kind: 'ridge', intercept: fit.intercept, coefficients: [...fit.coefficients] }),
  };
}

function networkMember(network: TrainedNetwork, capCycles: number): Member {
  return {
    predict: (features) => network.run(features) * capCycles,
    toJSON: () => network.toJSON(),
  };
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}
