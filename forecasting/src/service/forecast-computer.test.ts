import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InProcessForecastComputer, type ForecastComputer } from './forecast-computer';

// The worker computer runs the compiled worker file, so this test loads the build (`npm test` builds first).
const compiled = join(__dirname, '../../dist/service/forecast-computer.js');

function seasonalSeries(days: number): number[] {
  return Array.from(
    { length: days },
    (_, t) => 100 + 0.2 * t + 30 * Math.sin((2 * Math.PI * t) / 7) + ((t * 37) % 11),
  );
}

jest.setTimeout(60_000);

describe('WorkerForecastComputer', () => {
  it('gives the in-process result, computed off the event loop', async () => {
    expect(existsSync(compiled)).toBe(true);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { WorkerForecastComputer } = require(compiled) as {
      WorkerForecastComputer: new () => ForecastComputer;
    };
    const worker = new WorkerForecastComputer();
    try {
      const history = seasonalSeries(200);
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      const fromWorker = await worker.compute(history, 14, 7);
      clearInterval(timer);
      const inProcess = await new InProcessForecastComputer().compute(history, 14, 7);
      expect(fromWorker.point).toEqual(inProcess.point);
      expect(fromWorker.kind).toBe(inProcess.kind);
      // Training took long enough for many 5 ms timers; had it run on this thread, none could have fired.
      expect(ticks).toBeGreaterThan(3);
    } finally {
      await worker.close();
    }
  });
});
