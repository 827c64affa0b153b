import type { DemandSeries } from './demand-history';
import { LISTED_RUNS, scoreForecasts, wilson95 } from './forecast-scorecard';
import { addSteps } from '../series/time-series';

const addDays = (day: string, n: number): string => addSteps(day, 'day', n);
import type { PublishedForecast } from './published-forecast';

const series = (id: string, start: string, values: number[], toBlock = '40'): DemandSeries => ({
  id,
  step: 'day',
  start,
  values,
  fromBlock: '3',
  toBlock,
  orders: values.filter((v) => v > 0).length,
});

const run = (
  runId: string,
  seriesId: string,
  origin: string,
  point: number[],
  halfWidth: number,
  extra: { level?: number; purpose?: 'demand' | 'maintenance'; publishedAt?: string } = {},
): PublishedForecast =>
  ({
    runId,
    values: {
      seriesId,
      step: 'day',
      origin,
      point,
      lower: point.map((p) => p - halfWidth),
      upper: point.map((p) => p + halfWidth),
      level: extra.level ?? 0.8,
    },
    anchor: { purpose: extra.purpose ?? 'demand', valuesHash: `hash-${runId}` },
    modelCard: { kind: 'median(theta,ets)' },
    ledger: { txId: `tx-${runId}`, blockNumber: '9' },
    publishedAt: extra.publishedAt ?? '2024-02-01T00:00:00.000Z',
  }) as unknown as PublishedForecast;

// Two weeks of history alternating 10 and 14 (a week is an odd number of days, so every weekly change is 4), then
// four known forecast days.
const history = [10, 14, 10, 14, 10, 14, 10, 14, 10, 14, 10, 14, 10, 14, 12, 20, 8, 11];

describe('scoreForecasts', () => {
  it('scores a run on the forecast days whose orders are known, not on the days after the last order', () => {
    const card = scoreForecasts(
      [run('fc-a', 'demand:salmon@AMS', '2024-01-15', [12, 12, 12, 12, 12, 12, 12], 3)],
      [series('demand:salmon@AMS', '2024-01-01', history)],
      new Date('2024-02-02T00:00:00Z'),
    );
    // Known days: 12 (in), 20 (out), 8 (out), 11 (in); the three days after 2024-01-18 are not scored.
    expect(card.runs).toEqual([
      {
        runId: 'fc-a',
        seriesId: 'demand:salmon@AMS',
        origin: '2024-01-15',
        modelKind: 'median(theta,ets)',
        valuesHash: 'hash-fc-a',
        anchorTxId: 'tx-fc-a',
        observed: 4,
        inside: 2,
        meanAbsoluteError: (0 + 8 + 4 + 1) / 4,
        mase: (0 + 8 + 4 + 1) / 4 / 4,
      },
    ]);
    expect(card.overall).toMatchObject({ runs: 1, observed: 4, inside: 2, coverage: 0.5 });
    expect(card.series).toEqual([
      expect.objectContaining({
        seriesId: 'demand:salmon@AMS',
        actualsThrough: '2024-01-18',
        actualsToBlock: '40',
        observed: 4,
      }),
    ]);
    expect(card.computedAt).toBe('2024-02-02T00:00:00.000Z');
    expect(card.level).toBe(0.8);
  });

  it('scales the error by the history’s mean weekly change before the origin, and gives no MASE without one', () => {
    // History 0..20 rising by 1 a day: every weekly change is 7.
    const rising = Array.from({ length: 21 }, (_, t) => t);
    const card = scoreForecasts(
      [run('fc-b', 'demand:vaccine@AMS', '2024-01-15', [14, 15, 20], 10)],
      [series('demand:vaccine@AMS', '2024-01-01', rising)],
    );
    // Actuals 14, 15, 16: errors 0, 0, 4; the history before the origin (14 days) has weekly changes of 7.
    expect(card.runs[0]!.meanAbsoluteError).toBeCloseTo(4 / 3, 12);
    expect(card.runs[0]!.mase).toBeCloseTo(4 / 3 / 7, 12);
    expect(card.overall.mase).toBeCloseTo(4 / 3 / 7, 12);
    const flat = scoreForecasts(
      [run('fc-c', 'demand:vaccine@AMS', '2024-01-15', [5], 1)],
      [series('demand:vaccine@AMS', '2024-01-01', [...new Array<number>(14).fill(5), 9])],
    );
    expect(flat.runs[0]).toMatchObject({ observed: 1, inside: 0, meanAbsoluteError: 4, mase: null });
    expect(flat.overall.mase).toBeNull();
  });

  it('pools runs per series and overall, newest origin first, and leaves out runs with nothing known yet', () => {
    const card = scoreForecasts(
      [
        run('fc-old', 'demand:salmon@AMS', '2024-01-15', [12, 12, 12, 12], 100),
        run('fc-new', 'demand:salmon@AMS', '2024-01-17', [12, 12], 100),
        run('fc-future', 'demand:salmon@AMS', '2024-01-19', [12, 12], 100),
        run('fc-other', 'demand:insulin@OSL', '2024-01-02', [1, 1], 0),
      ],
      [
        series('demand:salmon@AMS', '2024-01-01', history),
        series('demand:insulin@OSL', '2024-01-01', [1, 1, 2]),
        series('demand:unforecast@OSL', '2024-01-01', [5, 5]),
      ],
    );
    expect(card.runs.map((r) => `${r.runId} ${r.observed}/${r.inside}`)).toEqual([
      'fc-new 2/2',
      'fc-old 4/4',
      'fc-other 2/1',
    ]);
    expect(card.series.map((s) => `${s.seriesId} ${s.runs} ${s.observed} ${s.inside}`)).toEqual([
      'demand:insulin@OSL 1 2 1',
      'demand:salmon@AMS 2 6 6',
    ]);
    expect(card.overall).toMatchObject({ runs: 3, observed: 8, inside: 7, coverage: 7 / 8 });
    expect(card.overall.coverage95).toEqual(wilson95(7, 8));
    expect(card.byDaysAhead).toEqual([
      { daysAhead: 1, observed: 3, inside: 3, coverage: 1 },
      { daysAhead: 2, observed: 3, inside: 2, coverage: 2 / 3 },
      { daysAhead: 3, observed: 1, inside: 1, coverage: 1 },
      { daysAhead: 4, observed: 1, inside: 1, coverage: 1 },
    ]);
  });

  it('scores demand runs at the newest run’s level only, and never maintenance runs', () => {
    const card = scoreForecasts(
      [
        run('fc-80', 'demand:salmon@AMS', '2024-01-15', [12], 3, { publishedAt: '2024-02-02T00:00:00Z' }),
        run('fc-95', 'demand:salmon@AMS', '2024-01-16', [12], 3, { level: 0.95 }),
        run('mf-1', 'demand:salmon@AMS', '2024-01-15', [12], 3, { purpose: 'maintenance' }),
      ],
      [series('demand:salmon@AMS', '2024-01-01', history)],
    );
    expect(card.level).toBe(0.8);
    expect(card.otherLevel).toBe(1);
    expect(card.runs.map((r) => r.runId)).toEqual(['fc-80']);
  });

  it('is empty, not an error, before anything is published or known', () => {
    const card = scoreForecasts([], []);
    expect(card.level).toBeNull();
    expect(card.overall).toEqual({
      runs: 0,
      observed: 0,
      inside: 0,
      coverage: null,
      coverage95: null,
      mase: null,
    });
    expect(card.series).toEqual([]);
    expect(card.byDaysAhead).toEqual([]);
    expect(card.runsNotListed).toBe(0);
  });

  it('lists the newest runs only, and counts the older ones in the totals', () => {
    const long = Array.from({ length: 1100 }, (_, t) => 10 + (t % 3));
    const runs = Array.from({ length: 1050 }, (_, k) =>
      run(`fc-${k}`, 'demand:salmon@AMS', addDays('2024-01-01', 20 + k), [11], 5),
    );
    const card = scoreForecasts(runs, [series('demand:salmon@AMS', '2024-01-01', long)]);
    expect(card.overall.runs).toBe(1050);
    expect(card.runs).toHaveLength(LISTED_RUNS);
    expect(card.runsNotListed).toBe(50);
    expect(card.runs[0]!.runId).toBe('fc-1049');
  });
});

describe('wilson95', () => {
  it('matches the published Wilson interval', () => {
    // 8 of 10: 0.490 to 0.943 (Wilson 1927; e.g. Newcombe 1998, table I).
    const { low, high } = wilson95(8, 10)!;
    expect(low).toBeCloseTo(0.4902, 3);
    expect(high).toBeCloseTo(0.9433, 3);
    expect(wilson95(0, 0)).toBeNull();
    expect(wilson95(0, 5)!.low).toBe(0);
    expect(wilson95(5, 5)!.high).toBe(1);
  });
});
