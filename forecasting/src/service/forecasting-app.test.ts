import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LedgerErrorCode, LedgerEvent, type ForecastAnchorInput } from '@provena/wire';
import type {
  ForecastActor,
  ForecastEventStart,
  ForecastEventStream,
  ForecastLedgerEvent,
  ForecastLedgerPort,
} from './forecast-ledger.port';
import type { ForecastingConfig } from './forecasting-config';
import { publishOnce, readForecastingStatus } from './forecasting-app';
import type { ForecastScorecard } from './forecast-scorecard';
import type { PublishedForecast } from './published-forecast';

/** The run id `latest.json` names for a series. */
function latestRun(directory: string, seriesId: string): string {
  return (JSON.parse(readFileSync(join(directory, 'latest.json'), 'utf8')) as Record<string, string>)[
    seriesId
  ]!;
}

const made: string[] = [];
/** A folder of its own for each test, removed when the file is done. */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'provena-forecasting-app-'));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const DAY_MS = 86_400_000;
const START_DAY = Date.UTC(2026, 0, 5) / DAY_MS;

/**
 * A ledger with Fabric's event semantics as the listener relies on them: one block per transaction, events resumed
 * from a checkpoint's block after its transaction, anchors written once (ALREADY_EXISTS after) with an event each.
 */
class FakeForecastLedger implements ForecastLedgerPort {
  readonly events: ForecastLedgerEvent[] = [];
  readonly anchors = new Map<string, ForecastAnchorInput & { txId: string }>();
  /** The start every stream was opened with: where the service resumed. */
  readonly starts: { block: bigint | undefined; tx: string | undefined }[] = [];
  readonly submitted: string[] = [];

  commit(name: string, payload: unknown): ForecastLedgerEvent {
    const blockNumber = BigInt(this.events.length + 1);
    const event = { name, payload, txId: `tx-${blockNumber}`, blockNumber };
    this.events.push(event);
    return event;
  }

  order(shipmentId: string, productCode: string, day: number, quantity: number): void {
    this.commit(LedgerEvent.ShipmentCreated, {
      shipmentId,
      productCode,
      quantity,
      origin: 'ProducerMSP',
      destination: 'Store-1',
      orderedAt: (START_DAY + day) * DAY_MS,
    });
  }

  async submit<T>(
    _actor: ForecastActor,
    fn: string,
    args: readonly string[],
  ): Promise<{ result: T; txId: string; blockNumber: bigint }> {
    this.submitted.push(fn);
    const anchor = JSON.parse(args[0]!) as ForecastAnchorInput;
    if (this.anchors.has(anchor.runId)) {
      throw Object.assign(new Error(`forecast run ${anchor.runId} is already anchored`), {
        code: LedgerErrorCode.AlreadyExists,
      });
    }
    const event = this.commit(LedgerEvent.ForecastAnchored, { runId: anchor.runId });
    this.anchors.set(anchor.runId, { ...anchor, txId: event.txId });
    return { result: undefined as T, txId: event.txId, blockNumber: event.blockNumber };
  }

  async evaluate<T>(_actor: ForecastActor, _fn: string, args: readonly string[]): Promise<T> {
    return this.anchors.get(args[0]!) as T;
  }

  async openEvents(start: ForecastEventStart): Promise<ForecastEventStream> {
    const block = start.getBlockNumber();
    const tx = start.getTransactionId();
    this.starts.push({ block, tx });
    let next = block === undefined ? 0 : this.events.findIndex((e) => e.blockNumber >= block);
    if (next === -1) next = this.events.length;
    const at = this.events.findIndex((e) => e.txId === tx);
    if (at >= next) next = at + 1;
    let closed = false;
    const events = this.events;
    return {
      close: () => {
        closed = true;
      },
      async *[Symbol.asyncIterator]() {
        while (!closed) {
          while (next < events.length && !closed) yield events[next++]!;
          await new Promise((r) => setTimeout(r, 5));
        }
      },
    };
  }
}

function configIn(directory: string): ForecastingConfig {
  return {
    directory,
    retrainCron: '0 0 0 1 1 *',
    updateCron: '0 0 0 1 1 *',
    horizonDays: 7,
    minHistoryDays: 21,
    actor: { org: 'ProducerMSP', role: 'operator' },
    maintenanceThresholdHours: 24,
    maintenanceMinFailures: 3,
  };
}

/** Six weeks of daily orders of two products: a weekly pattern, so every model has something to learn. */
function orderHistory(ledger: FakeForecastLedger): void {
  for (let day = 0; day < 42; day++) {
    ledger.order(`shp-a-${day}`, 'SKU-A', day, 10 + (day % 7) * 2);
    ledger.order(`shp-b-${day}`, 'SKU-B', day, 30 - (day % 7));
  }
}

const ONCE = { all: false, quietMs: 100, catchUpTimeoutMs: 10_000 };

describe('the forecasting service run on its own', () => {
  it('a restart resumes after its checkpoint and retrains only series with orders since their last run', async () => {
    const ledger = new FakeForecastLedger();
    orderHistory(ledger);
    const directory = tempDir();
    const ordersOnLedger = ledger.events.length;

    const first = await publishOnce(configIn(directory), ledger, ONCE);
    expect(first.replay.resumedFrom).toBeNull();
    expect(first.replay.firstBlock).toBe('1');
    expect(first.replay.events).toBe(ordersOnLedger);
    expect(first.published.map((p) => p.seriesId).sort()).toEqual([
      'demand:SKU-A@Store-1',
      'demand:SKU-B@Store-1',
    ]);
    expect(ledger.anchors.size).toBe(2);
    for (const run of first.published) {
      expect(ledger.anchors.get(run.runId)?.txId).toBe(run.anchorTxId);
    }

    // Restarted on the same folder: the stream opens at the checkpoint, and nothing from before it comes again.
    const second = await publishOnce(configIn(directory), ledger, ONCE);
    const checkpoint = second.replay.resumedFrom!;
    expect(BigInt(checkpoint.blockNumber)).toBeGreaterThanOrEqual(BigInt(ordersOnLedger));
    expect(ledger.starts[1]).toEqual({ block: BigInt(checkpoint.blockNumber), tx: checkpoint.transactionId });
    expect(second.replay.events).toBeLessThanOrEqual(2); // at most its own two anchors' events
    if (second.replay.firstBlock !== null) {
      expect(BigInt(second.replay.firstBlock)).toBeGreaterThan(BigInt(checkpoint.blockNumber));
    }
    expect(second.published).toEqual([]);
    expect(second.unchanged).toEqual(['demand:SKU-A@Store-1', 'demand:SKU-B@Store-1']);
    expect(ledger.submitted).toHaveLength(2);

    // One new order of SKU-A: only its series is trained again, and anchored as a new run.
    ledger.order('shp-a-42', 'SKU-A', 42, 25);
    const third = await publishOnce(configIn(directory), ledger, ONCE);
    expect(third.replay.events).toBe(1);
    expect(third.published.map((p) => p.seriesId)).toEqual(['demand:SKU-A@Store-1']);
    expect(third.unchanged).toEqual(['demand:SKU-B@Store-1']);
    expect(ledger.anchors.size).toBe(3);

    const status = await readForecastingStatus(directory);
    expect(status.demand).toEqual([
      expect.objectContaining({ seriesId: 'demand:SKU-A@Store-1', days: 43 }),
      expect.objectContaining({ seriesId: 'demand:SKU-B@Store-1', days: 42 }),
    ]);
    expect(status.latest.map((l) => l.runId).sort()).toEqual(
      [third.published[0]!.runId, first.published.find((p) => p.seriesId.includes('SKU-B'))!.runId].sort(),
    );
    expect(BigInt(status.position!.blockNumber)).toBeGreaterThanOrEqual(ledger.events.length - 1);
  }, 120_000);

  it("catches up by the ledger's last event when the ledger names it, not by waiting for a quiet stream", async () => {
    // A ledger that names its last event (as the Fabric adapter does): the replay is complete the moment the
    // listener has applied that event, even with a quiet window far longer than the test's timeout.
    class NamingLedger extends FakeForecastLedger {
      async lastEventPosition() {
        const last = this.events.at(-1);
        return last ? { blockNumber: last.blockNumber, txId: last.txId } : null;
      }
    }
    const ledger = new NamingLedger();
    orderHistory(ledger);
    const summary = await publishOnce(configIn(tempDir()), ledger, {
      ...ONCE,
      quietMs: 10 * 60_000,
      catchUpTimeoutMs: 10 * 60_000,
    });
    expect(summary.caughtUp).toBe('position');
    expect(summary.replay.events).toBe(84);
    expect(summary.replay.lastBlock).toBe('84');

    // A ledger that cannot name it: the quiet window decides.
    const plain = new FakeForecastLedger();
    orderHistory(plain);
    expect((await publishOnce(configIn(tempDir()), plain, ONCE)).caughtUp).toBe('quiet');
  }, 120_000);

  it('publishing every series again gives the same runs and anchors nothing twice', async () => {
    const ledger = new FakeForecastLedger();
    orderHistory(ledger);
    const directory = tempDir();
    const first = await publishOnce(configIn(directory), ledger, ONCE);
    // A run file altered on disk is what the gateway would report; a full run writes the anchored values back.
    const victim = join(directory, 'runs', `${first.published[0]!.runId}.json`);
    const stored = JSON.parse(readFileSync(victim, 'utf8')) as { values: { point: number[] } };
    stored.values.point[0] = stored.values.point[0]! + 1;
    writeFileSync(victim, JSON.stringify(stored));

    const again = await publishOnce(configIn(directory), ledger, { ...ONCE, all: true });
    expect(again.published.map((p) => p.runId).sort()).toEqual(first.published.map((p) => p.runId).sort());
    expect(again.published.map((p) => p.anchorTxId).sort()).toEqual(
      first.published.map((p) => p.anchorTxId).sort(),
    );
    expect(ledger.anchors.size).toBe(2);
    expect(JSON.parse(readFileSync(victim, 'utf8')).values.point[0]).toBe(stored.values.point[0]! - 1);
  }, 120_000);

  it("holds today's orders back until the day is over, and scores yesterday's forecast once it is", async () => {
    const ledger = new FakeForecastLedger();
    orderHistory(ledger); // days 0..41
    // Day 42 is today, 10:00 UTC: its first orders are in, the day is not over.
    ledger.order('shp-a-42', 'SKU-A', 42, 3);
    const directory = tempDir();
    let now = (START_DAY + 42) * DAY_MS + 10 * 3_600_000;
    const clock = () => now;

    const today = await publishOnce(configIn(directory), ledger, { ...ONCE, clock });
    const runA = () =>
      JSON.parse(
        readFileSync(join(directory, 'runs', `${latestRun(directory, 'demand:SKU-A@Store-1')}.json`), 'utf8'),
      ) as PublishedForecast;
    const first = runA();
    // Trained on days 0..41 only, the forecast starting today: 3 units so far are not a day's demand.
    expect(first.modelCard.training).toMatchObject({ from: '2026-01-05', to: '2026-02-15', points: 42 });
    expect(first.values.origin).toBe('2026-02-16');
    expect(today.scorecard).toMatchObject({ observed: 0 });

    // More of today's orders while it lasts: the training data has not changed, so nothing is retrained.
    ledger.order('shp-a-42b', 'SKU-A', 42, 20);
    now += 4 * 3_600_000;
    const later = await publishOnce(configIn(directory), ledger, { ...ONCE, clock });
    expect(later.published).toEqual([]);
    expect(later.unchanged).toEqual(['demand:SKU-A@Store-1', 'demand:SKU-B@Store-1']);
    expect(later.scorecard).toMatchObject({ observed: 0 });

    // The next day: day 42 is complete (23 units), SKU-A is trained on it, and the first run is scored on it.
    ledger.order('shp-a-43', 'SKU-A', 43, 9);
    now += 24 * 3_600_000;
    const tomorrow = await publishOnce(configIn(directory), ledger, { ...ONCE, clock });
    expect(tomorrow.published.map((p) => p.seriesId)).toEqual(['demand:SKU-A@Store-1']);
    expect(runA().modelCard.training).toMatchObject({ to: '2026-02-16', points: 43 });
    const card = JSON.parse(readFileSync(join(directory, 'scorecard.json'), 'utf8')) as ForecastScorecard;
    const scored = card.runs.find((r) => r.runId === first.runId)!;
    expect(scored.observed).toBe(1);
    const inside = 23 >= first.values.lower[0]! && 23 <= first.values.upper[0]!;
    expect(scored).toMatchObject({
      inside: inside ? 1 : 0,
      meanAbsoluteError: Math.abs(23 - first.values.point[0]!),
    });
    expect(tomorrow.scorecard).toMatchObject({ observed: 1 });
  }, 120_000);

  it('status reads an empty folder as a first start', async () => {
    const status = await readForecastingStatus(tempDir());
    expect(status).toEqual({ position: null, demand: [], machines: [], latest: [] });
  });
});
