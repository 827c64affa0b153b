import { join } from 'node:path';
import { readJsonIfExists, writeJsonAtomic } from './atomic-file';
import { DemandHistory, type DemandHistoryJson } from './demand-history';
import type { ForecastEventStream, ForecastLedgerPort } from './forecast-ledger.port';

interface SavedState {
  position: { blockNumber: string; transactionId: string } | null;
  demand: DemandHistoryJson;
}

/**
 * Keeps {@link DemandHistory} current from the ledger's chaincode events. Position and history are saved together
 * in one file, so a restart resumes exactly after the last event the history holds: no gap, and the shipment ids
 * it keeps stop a replayed event from counting twice.
 */
export class DemandHistoryListener {
  private stream: ForecastEventStream | undefined;
  private stopped = false;
  private dirty = false;
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    private readonly ledger: ForecastLedgerPort,
    private readonly statePath: string,
    readonly history: DemandHistory,
    private position: SavedState['position'],
    private readonly log: (message: string) => void,
  ) {}

  static async open(
    ledger: ForecastLedgerPort,
    directory: string,
    log: (message: string) => void,
  ): Promise<DemandHistoryListener> {
    const statePath = join(directory, 'demand-history.json');
    const saved = await readJsonIfExists<SavedState>(statePath);
    return new DemandHistoryListener(
      ledger,
      statePath,
      new DemandHistory(saved?.demand),
      saved?.position ?? null,
      log,
    );
  }

  /** Follows events until {@link stop}; reopens from the saved position when the stream ends (a peer restart). */
  async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const position = this.position;
        this.stream = await this.ledger.openEvents({
          getBlockNumber: () => (position ? BigInt(position.blockNumber) : undefined),
          getTransactionId: () => position?.transactionId,
        });
        for await (const event of this.stream) {
          if (this.history.apply(event)) this.dirty = true;
          this.position = { blockNumber: event.blockNumber.toString(), transactionId: event.txId };
          if (this.dirty) await this.save();
        }
      } catch (err) {
        if (this.stopped) break;
        this.log(
          `ledger event stream ended (${err instanceof Error ? err.message : String(err)}); reopening in 1 s`,
        );
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /** Saves position and history; events that changed nothing are saved with the next change or at stop. */
  save(): Promise<void> {
    const state: SavedState = { position: this.position, demand: this.history.toJSON() };
    this.dirty = false;
    this.saving = this.saving.then(() => writeJsonAtomic(this.statePath, state));
    return this.saving;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stream?.close();
    await this.save();
  }
}
