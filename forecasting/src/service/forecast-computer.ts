import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import {
  restoreRulModel,
  trainRulModel,
  type RulModel,
  type RulModelJson,
  type RulModelOptions,
} from '../maintenance/rul-model';
import type { UnitHistory } from '../maintenance/unit-history';
import {
  defaultSelectionOptions,
  selectAndForecast,
  type SelectedForecast,
} from '../evaluation/model-selection';

/** Where forecasts are computed: training is CPU-bound, and the API must keep answering while it runs. */
export interface ForecastComputer {
  compute(history: readonly number[], horizon: number, period: number): Promise<SelectedForecast>;
  /** Trains a remaining-useful-life model (`log` stays behind: functions cannot cross to a worker). */
  trainRul(units: readonly UnitHistory[], options: Omit<RulModelOptions, 'log'>): Promise<RulModel>;
  close(): Promise<void>;
}

/** Computes on the calling thread; for tests and the CLI, where nothing else waits on the event loop. */
export class InProcessForecastComputer implements ForecastComputer {
  compute(history: readonly number[], horizon: number, period: number): Promise<SelectedForecast> {
    return Promise.resolve(selectAndForecast(history, defaultSelectionOptions(horizon, period)));
  }

  trainRul(units: readonly UnitHistory[], options: Omit<RulModelOptions, 'log'>): Promise<RulModel> {
    return Promise.resolve(trainRulModel(units, options));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

interface WorkerReply {
  id: number;
  result?: SelectedForecast | RulModelJson;
  error?: string;
}

/**
 * Computes in one worker thread (the compiled `forecast-worker.js`), one series at a time, so a training run of
 * minutes never holds the gateway's event loop; the machine has two cores and ingest needs one of them.
 */
export class WorkerForecastComputer implements ForecastComputer {
  private readonly worker = new Worker(join(__dirname, 'forecast-worker.js'));
  private readonly pending = new Map<number, { resolve(r: unknown): void; reject(e: Error): void }>();
  private nextId = 1;

  constructor() {
    this.worker.on('message', (reply: WorkerReply) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.result) waiter?.resolve(reply.result);
      else waiter?.reject(new Error(reply.error ?? 'forecast worker failed'));
    });
    this.worker.on('error', (err) => {
      for (const waiter of this.pending.values()) waiter.reject(err);
      this.pending.clear();
    });
  }

  compute(history: readonly number[], horizon: number, period: number): Promise<SelectedForecast> {
    return this.request<SelectedForecast>({ kind: 'forecast', history, horizon, period });
  }

  async trainRul(units: readonly UnitHistory[], options: Omit<RulModelOptions, 'log'>): Promise<RulModel> {
    return restoreRulModel(await this.request<RulModelJson>({ kind: 'rul', units, options }));
  }

  private request<T>(message: Record<string, unknown>): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      this.worker.postMessage({ id, ...message });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
