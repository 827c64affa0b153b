/**
 * The Fabric benchmark's settings, from BENCH_* variables, read once. A bad value stops the run with a message
 * naming every bad one (README, Benchmarks, lists them all).
 */
export interface FabricBenchSettings {
  /** The network's BatchTimeout for the bench network (PROVENA_NETWORK_BATCH_TIMEOUT, else 200ms). */
  readonly batchTimeout: string;
  /** Readings per transaction of the raw-Fabric runs and the end-to-end batch-size runs. */
  readonly batchSizes: readonly number[];
  /** Transactions in flight in those runs: the raw closed loop's workers, the gateway's concurrent batches. */
  readonly inFlight: number;
  /** A further raw run at the largest batch size with this many in flight (0: none): Fabric's own ceiling. */
  readonly rawCeilingInFlight: number;
  readonly rawSeconds: number;
  /** Seconds of offered load in each end-to-end batch-size run. */
  readonly batchRunSeconds: number;
  /**
   * The offered load of a batch-size run is raw Fabric's committed rate at that batch size times this, at most
   * {@link batchRunMaxRate}: enough to keep the gateway's batches full (Provena does more per reading than raw).
   */
  readonly batchRunOverload: number;
  readonly batchRunMaxRate: number;
  /** Offered readings per second of the sweep at the gateway's default settings. */
  readonly sweepRates: readonly number[];
  readonly sweepSeconds: number;
  /**
   * Seconds of one reading per second at the default settings before the sweep (0: none): publish→commit latency
   * of a lone reading, what a user of a quiet deployment sees.
   */
  readonly atRestSeconds: number;
  /** Steps still run once a step misses its target (the knee is then found); the rest are listed as not run. */
  readonly sweepPastKnee: number;
  /** Steps added after the sweep between the last rate that held and the first that did not. */
  readonly sweepRefine: number;
  readonly devices: number;
  /** MQTT connections the simulator's devices share. */
  readonly clients: number;
  /** After the simulator stops sending, how long it waits for the backlog to be committed. */
  readonly commitWaitSeconds: number;
  /** The first seconds of a step left out of its committed rate (pipeline filling). */
  readonly warmupSeconds: number;
  /** A step holds its offered load when p99 publish→commit is at most this and it commits ≥ 95 % of it. */
  readonly p99LimitMs: number;
  /**
   * The gateway's ingest settings for the sweep instead of its defaults (BENCH_SWEEP_BATCH_SIZE,
   * BENCH_SWEEP_BATCH_WINDOW_MS, BENCH_SWEEP_IN_FLIGHT): for tuning runs. Empty: the defaults, as the headline needs.
   */
  readonly sweepIngest: { batchSize?: number; batchWindowMs?: number; maxConcurrentBatches?: number };
  /** Keep the network, broker and temp folder after the run (for a post-mortem); default: remove them. */
  readonly keep: boolean;
}

/** @throws Error naming every bad BENCH_* variable. */
export function readFabricBenchSettings(env: NodeJS.ProcessEnv): FabricBenchSettings {
  const problems: string[] = [];
  const given = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  };
  const number = (name: string, fallback: number, opts: { integer?: boolean; min?: number } = {}): number => {
    const raw = given(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    const min = opts.min ?? Number.MIN_VALUE;
    if (!Number.isFinite(value) || value < min || (opts.integer && !Number.isInteger(value))) {
      problems.push(`${name}=${raw} (must be ${opts.integer ? 'an integer' : 'a number'} ≥ ${min})`);
    }
    return value;
  };
  const list = (name: string, fallback: readonly number[]): readonly number[] => {
    const raw = given(name);
    if (raw === undefined) return fallback;
    const values = raw.split(',').map((part) => Number(part.trim()));
    if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v <= 0)) {
      problems.push(`${name}=${raw} (must be positive integers separated by commas)`);
    }
    return values;
  };
  const batchTimeout = given('PROVENA_NETWORK_BATCH_TIMEOUT') ?? '200ms';
  if (!/^[0-9]+(ms|s)$/.test(batchTimeout)) {
    problems.push(`PROVENA_NETWORK_BATCH_TIMEOUT=${batchTimeout} (must look like 200ms or 2s)`);
  }
  const settings: FabricBenchSettings = {
    batchTimeout,
    batchSizes: list('BENCH_BATCH_SIZES', [1, 10, 50, 200, 500]),
    inFlight: number('BENCH_IN_FLIGHT', 8, { integer: true, min: 1 }),
    rawCeilingInFlight: number('BENCH_RAW_CEILING_IN_FLIGHT', 16, { integer: true, min: 0 }),
    rawSeconds: number('BENCH_RAW_SECONDS', 10),
    batchRunSeconds: number('BENCH_BATCH_RUN_SECONDS', 10),
    batchRunOverload: number('BENCH_BATCH_RUN_OVERLOAD', 1),
    batchRunMaxRate: number('BENCH_BATCH_RUN_MAX_RATE', 2500, { integer: true, min: 1 }),
    sweepRates: list('BENCH_SWEEP_RATES', [500, 1000, 1500, 2000, 3000]),
    sweepSeconds: number('BENCH_SWEEP_SECONDS', 15),
    atRestSeconds: number('BENCH_AT_REST_SECONDS', 20, { integer: true, min: 0 }),
    sweepPastKnee: number('BENCH_SWEEP_PAST_KNEE', 1, { integer: true, min: 0 }),
    sweepRefine: number('BENCH_SWEEP_REFINE', 1, { integer: true, min: 0 }),
    devices: number('BENCH_DEVICES', 100, { integer: true, min: 1 }),
    clients: number('BENCH_CLIENTS', 4, { integer: true, min: 1 }),
    commitWaitSeconds: number('BENCH_COMMIT_WAIT_S', 240),
    warmupSeconds: number('BENCH_WARMUP_S', 2, { min: 0 }),
    p99LimitMs: number('BENCH_P99_LIMIT_MS', 2000),
    keep: given('BENCH_KEEP') === '1',
    sweepIngest: {
      ...(given('BENCH_SWEEP_BATCH_SIZE') !== undefined && {
        batchSize: number('BENCH_SWEEP_BATCH_SIZE', 0, { integer: true, min: 1 }),
      }),
      ...(given('BENCH_SWEEP_BATCH_WINDOW_MS') !== undefined && {
        batchWindowMs: number('BENCH_SWEEP_BATCH_WINDOW_MS', 0, { integer: true, min: 1 }),
      }),
      ...(given('BENCH_SWEEP_IN_FLIGHT') !== undefined && {
        maxConcurrentBatches: number('BENCH_SWEEP_IN_FLIGHT', 0, { integer: true, min: 1 }),
      }),
    },
  };
  if (settings.clients > settings.devices) {
    problems.push(`BENCH_CLIENTS=${settings.clients} exceeds BENCH_DEVICES=${settings.devices}`);
  }
  for (const [name, seconds] of [
    ['BENCH_BATCH_RUN_SECONDS', settings.batchRunSeconds],
    ['BENCH_SWEEP_SECONDS', settings.sweepSeconds],
  ] as const) {
    if (seconds <= settings.warmupSeconds) problems.push(`${name}=${seconds} must exceed BENCH_WARMUP_S`);
  }
  if (problems.length > 0) throw new Error(`bad benchmark settings: ${problems.join('; ')}`);
  return settings;
}
