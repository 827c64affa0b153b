import { existsSync, mkdtempSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ForecastStore } from './forecast-store';
import type { PublishedForecast } from './published-forecast';

// Under os.tmpdir(), which the test setup (test/support/scratch-tmpdir.js) removes with this file's folder.
const tempDir = (): string => mkdtempSync(join(tmpdir(), 'provena-forecast-store-'));

const run = (n: number, seriesId: string): PublishedForecast =>
  ({
    runId: `fc-${String(n).padStart(32, '0')}`,
    values: {
      seriesId,
      step: 'day',
      origin: '2026-03-02',
      point: [n],
      lower: [n - 1],
      upper: [n + 1],
      level: 0.8,
    },
    anchor: { purpose: 'demand' },
    publishedAt: new Date(Date.UTC(2026, 2, 1) + n * 60_000).toISOString(),
  }) as unknown as PublishedForecast;

describe('ForecastStore', () => {
  it("lists one series' runs newest first from its index, without reading the other series' runs", async () => {
    const store = new ForecastStore(tempDir());
    for (let n = 1; n <= 6; n++) await store.save(run(n, n % 2 === 0 ? 'demand:A@X' : 'demand:B@X'));
    await store.save(run(4, 'demand:A@X')); // saved again (the same run after a crash): listed once
    expect((await store.runsOf('demand:A@X')).map((r) => r.values.point[0])).toEqual([6, 4, 2]);
    expect((await store.runsOf('demand:B@X')).map((r) => r.values.point[0])).toEqual([5, 3, 1]);
    expect(await store.runsOf('demand:C@X')).toEqual([]);
    // latest.json names the run saved last for each series.
    expect((await store.latest()).map((r) => r.values.point[0])).toEqual([4, 5]);
    expect((await store.runs()).map((r) => r.values.point[0])).toEqual([6, 5, 4, 3, 2, 1]);
  });

  it('reads a store from before the index by scanning it, and indexes it once when the service starts', async () => {
    const directory = tempDir();
    await mkdir(join(directory, 'runs'), { recursive: true });
    for (let n = 1; n <= 5; n++) {
      const r = run(n, n <= 3 ? 'demand:A@X' : 'demand:B@X');
      await writeFile(join(directory, 'runs', `${r.runId}.json`), JSON.stringify(r));
    }
    const store = new ForecastStore(directory);
    expect((await store.runsOf('demand:A@X')).map((r) => r.values.point[0])).toEqual([3, 2, 1]);
    expect(await store.indexSeries()).toBe(true);
    expect(await store.indexSeries()).toBe(false);
    expect((await readdir(join(directory, 'series'))).sort()).toEqual([
      'demand%3AA%40X.json',
      'demand%3AB%40X.json',
    ]);
    expect(existsSync(join(directory, 'series.building'))).toBe(false);
    await store.save(run(6, 'demand:B@X'));
    expect((await store.runsOf('demand:A@X')).map((r) => r.values.point[0])).toEqual([3, 2, 1]);
    expect((await store.runsOf('demand:B@X')).map((r) => r.values.point[0])).toEqual([6, 5, 4]);
    // A new store has nothing to index.
    expect(await new ForecastStore(tempDir()).indexSeries()).toBe(false);
  });

  it('reads more runs than the process may open files at once', async () => {
    // 25,000 runs: opening every file together failed with EMFILE at about 20,000 (this machine's limit).
    const directory = tempDir();
    await mkdir(join(directory, 'runs'), { recursive: true });
    const n = 25_000;
    for (let start = 0; start < n; start += 1000) {
      await Promise.all(
        Array.from({ length: Math.min(1000, n - start) }, (_, i) => {
          const r = run(start + i, `demand:S${(start + i) % 50}@X`);
          return writeFile(join(directory, 'runs', `${r.runId}.json`), JSON.stringify(r));
        }),
      );
    }
    const store = new ForecastStore(directory);
    const runs = await store.runs();
    expect(runs).toHaveLength(n);
    expect(runs[0]!.values.point[0]).toBe(n - 1);
    expect(await store.indexSeries()).toBe(true);
    expect(await store.runsOf('demand:S7@X')).toHaveLength(n / 50);
  }, 60_000);
});
