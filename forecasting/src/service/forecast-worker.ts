import { parentPort } from 'node:worker_threads';
import { defaultSelectionOptions, selectAndForecast } from '../evaluation/model-selection';

// The worker side of WorkerForecastComputer: one request at a time, answered with the result or the error text.
parentPort?.on('message', (request: { id: number; history: number[]; horizon: number; period: number }) => {
  try {
    const result = selectAndForecast(
      request.history,
      defaultSelectionOptions(request.horizon, request.period),
    );
    parentPort?.postMessage({ id: request.id, result });
  } catch (err) {
    parentPort?.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) });
  }
});
