import { parentPort } from 'node:worker_threads';
import { defaultSelectionOptions, selectAndForecast } from '../evaluation/model-selection';
import { trainRulModel, type RulModelOptions } from '../maintenance/rul-model';
import type { UnitHistory } from '../maintenance/unit-history';

type Request =
  | { id: number; kind: 'forecast'; history: number[]; horizon: number; period: number }
  | { id: number; kind: 'rul'; units: UnitHistory[]; options: RulModelOptions };

// The worker side of WorkerForecastComputer: one request at a time, answered with the result or the error text.
parentPort?.on('message', (request: Request) => {
  try {
    const result =
      request.kind === 'forecast'
        ? selectAndForecast(request.history, defaultSelectionOptions(request.horizon, request.period))
        : trainRulModel(request.units, request.options).toJSON();
    parentPort?.postMessage({ id: request.id, result });
  } catch (err) {
    parentPort?.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) });
  }
});
