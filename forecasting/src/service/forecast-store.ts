import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ID_PATTERN } from '@provena/wire';
import { ForecastError, ForecastErrorCode } from '../forecast-error';
import { readJsonIfExists, writeJsonAtomic } from './atomic-file';
import type { ForecastScorecard } from './forecast-scorecard';
import type { PublishedForecast } from './published-forecast';

/**
 * Published forecasts on disk: `runs/<runId>.json`, and `latest.json` mapping each series to its newest run. The
 * ledger holds only hashes; this store holds the values the hashes cover, and the gateway serves them from here.
 */
export class ForecastStore {
  constructor(readonly directory: string) {}

  async save(forecast: PublishedForecast): Promise<void> {
    await writeJsonAtomic(this.runPath(forecast.runId), forecast);
    const latest = (await readJsonIfExists<Record<string, string>>(this.latestPath())) ?? {};
    latest[forecast.values.seriesId] = forecast.runId;
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
    const runs = await Promise.all(Object.values(latest).map((runId) => this.get(runId)));
    return runs.sort((a, b) => (a.values.seriesId < b.values.seriesId ? -1 : 1));
  }

  /** Every run of one series, newest first. */
  async runsOf(seriesId: string): Promise<PublishedForecast[]> {
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
    const runs = await Promise.all(
      files.filter((f) => f.endsWith('.json')).map((f) => this.get(f.slice(0, -5))),
    );
    return runs.sort((a, b) => (a.publishedAt < b.publishedAt ? 1 : -1));
  }

  /** Saved by the forecasting service after each run; the gateway serves it as it is. */
  async saveScorecard(scorecard: ForecastScorecard): Promise<void> {
    await writeJsonAtomic(join(this.directory, 'scorecard.json'), scorecard);
  }

  /** The newest scorecard, or null before the first run that made one. */
  async scorecard(): Promise<ForecastScorecard | null> {
    return (await readJsonIfExists<ForecastScorecard>(join(this.directory, 'scorecard.json'))) ?? null;
  }

  private runPath(runId: string): string {
    return join(this.directory, 'runs', `${runId}.json`);
  }

  private latestPath(): string {
    return join(this.directory, 'latest.json');
  }
}
