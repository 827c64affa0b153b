import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ID_PATTERN } from '@provena/wire';
import { ForecastError, ForecastErrorCode } from '../forecast-error';
import { readJsonIfExists, writeJsonAtomic } from './atomic-file';
import type { ForecastScorecard } from './forecast-scorecard';
import type { PublishedForecast } from './published-forecast';

/** Run files read at once. */
const READERS = 32;

/**
 * Published forecasts on disk: `runs/<runId>.json`; `series/<seriesId>.json`, each series' run ids (oldest first);
 * and `latest.json` mapping each series to its newest run. The ledger holds only hashes; this store holds the values
 * the hashes cover, and the gateway serves them from here. Only the forecasting service writes; the gateway reads.
 */
export class ForecastStore {
  constructor(readonly directory: string) {}

  async save(forecast: PublishedForecast): Promise<void> {
    const { runId } = forecast;
    const { seriesId } = forecast.values;
    await writeJsonAtomic(this.runPath(runId), forecast);
    const ids = (await readJsonIfExists<string[]>(this.seriesPath(seriesId))) ?? [];
    if (!ids.includes(runId)) await writeJsonAtomic(this.seriesPath(seriesId), [...ids, runId]);
    const latest = (await readJsonIfExists<Record<string, string>>(this.latestPath())) ?? {};
    latest[seriesId] = runId;
    await writeJsonAtomic(this.latestPath(), latest);
  }

  /** @throws ForecastError NOT_FOUND */
  async get(runId: string): Promise<PublishedForecast> {
    if (!ID_PATTERN.test(runId)) {
      throw new ForecastError(ForecastErrorCode.NotFound, `no forecast run ${JSON.stringify(runId)}`);
    }
    const found = await readJsonIfExists<PublishedForecast>(this.runPath(runId));
    if (!found) throw new ForecastError(ForecastErrorCode.NotFound, `no forecast run ${runId}`);
    return found;
  }

  /** The newest run of every series, by series id. */
  async latest(): Promise<PublishedForecast[]> {
    const latest = (await readJsonIfExists<Record<string, string>>(this.latestPath())) ?? {};
    const runs = await this.read(Object.values(latest));
    return runs.sort((a, b) => (a.values.seriesId < b.values.seriesId ? -1 : 1));
  }

  /**
   * Every run of one series, newest first, from the series' index. A store written before there was one (no
   * `series/` folder) is scanned whole instead, until the forecasting service indexes it ({@link indexSeries}).
   */
  async runsOf(seriesId: string): Promise<PublishedForecast[]> {
    const ids = await readJsonIfExists<string[]>(this.seriesPath(seriesId));
    if (ids !== undefined) return newestFirst(await this.read(ids));
    if (await exists(join(this.directory, 'series'))) return [];
    return (await this.runs()).filter((r) => r.values.seriesId === seriesId);
  }

  /** Every run of every series, newest first. */
  async runs(): Promise<PublishedForecast[]> {
    let files: string[];
    try {
      files = await readdir(join(this.directory, 'runs'));
    } catch {
      return [];
    }
    return newestFirst(await this.read(files.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5))));
  }

  /**
   * Writes the per-series index of a store from before it existed; the forecasting service calls it at start,
   * before it saves anything. Built beside and renamed into place, so a crash half way leaves no index that
   * misses a series (readers scan meanwhile). Returns whether it had to.
   */
  async indexSeries(): Promise<boolean> {
    const folder = join(this.directory, 'series');
    if ((await exists(folder)) || !(await exists(join(this.directory, 'runs')))) return false;
    // Oldest first within each series, as save() appends.
    const bySeries = new Map<string, string[]>();
    for (const run of (await this.runs()).reverse()) {
      const ids = bySeries.get(run.values.seriesId);
      if (ids) ids.push(run.runId);
      else bySeries.set(run.values.seriesId, [run.runId]);
    }
    const building = `${folder}.building`;
    await rm(building, { recursive: true, force: true });
    await mkdir(building, { recursive: true });
    for (const [seriesId, ids] of bySeries) await writeJsonAtomic(join(building, seriesFile(seriesId)), ids);
    await rename(building, folder);
    return true;
  }

  /**
   * Reads runs by id, a bounded number of files open at once: a year of daily runs of a hundred series is 36,500
   * files, and opening them all together failed with EMFILE here (at about 20,000, the open-file limit).
   */
  private async read(ids: readonly string[]): Promise<PublishedForecast[]> {
    const runs = new Array<PublishedForecast>(ids.length);
    let next = 0;
    const reader = async (): Promise<void> => {
      while (next < ids.length) {
        const i = next++;
        runs[i] = await this.get(ids[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(READERS, ids.length) }, reader));
    return runs;
  }

  /** Saved by the forecasting service after each run; the gateway serves it as it is. */
  async saveScorecard(scorecard: ForecastScorecard): Promise<void> {
    await writeJsonAtomic(join(this.directory, 'scorecard.json'), scorecard);
  }

  /** The newest scorecard, or null before the first run that made one. */
  async scorecard(): Promise<ForecastScorecard | null> {
    return (await readJsonIfExists<ForecastScorecard>(join(this.directory, 'scorecard.json'))) ?? null;
  }

  private seriesPath(seriesId: string): string {
    return join(this.directory, 'series', seriesFile(seriesId));
  }

  private runPath(runId: string): string {
    return join(this.directory, 'runs', `${runId}.json`);
  }

  private latestPath(): string {
    return join(this.directory, 'latest.json');
  }
}

/** A series id as a file name: `demand:SKU-1@Store-7` has a colon, which some file systems refuse. */
function seriesFile(seriesId: string): string {
  return `${encodeURIComponent(seriesId)}.json`;
}

function newestFirst(runs: PublishedForecast[]): PublishedForecast[] {
  return runs.sort((a, b) => (a.publishedAt < b.publishedAt ? 1 : -1));
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
