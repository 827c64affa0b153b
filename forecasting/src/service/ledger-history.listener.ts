import { join } from 'node:path';
import { readJsonIfExists, writeJsonAtomic } from './atomic-file';
import { LedgerEvent, type ReadingsRecordedPayload } from '@provena/wire';
import { DemandHistory, type DemandHistoryJson } from './demand-history';
import { EquipmentTelemetry, type EquipmentTelemetryJson } from './equipment-telemetry';
import type { ForecastEventStream, ForecastLedgerPort } from './forecast-ledger.port';

/** The checkpoint file: position and history together, so neither can run ahead of the other. */
export interface SavedLedgerHistory {
  position: LedgerPosition | null;
  demand: DemandHistoryJson;
  telemetry?: EquipmentTelemetryJson;
}

/** The checkpoint file's name inside the forecasting service's folder. */
export const LEDGER_HISTORY_FILE = 'ledger-history.json';

/** How long changes may wait before they are saved: ingest raises an event per batch, many per second. */
const SAVE_DELAY_MS = 1000;

/** A position on the ledger: the block and transaction of the last event taken into the history. */
export interface LedgerPosition {
  readonly blockNumber: string;
  readonly transactionId: string;
}

/**
 * What this listener has replayed since it opened: a restart that resumed from its checkpoint shows `resumedFrom`
 * set and every replayed event after it, never block 0 again.
 */
export interface ReplayProgress {
  /** The checkpoint the listener opened with; null on a first start (replay from the channel's first block). */
  readonly resumedFrom: LedgerPosition | null;
  readonly events: number;
  readonly firstBlock: string | null;
  readonly lastBlock: string | null;
  /** When the last event arrived (ms since the epoch), or when the listener opened if none has. */
  readonly lastEventAt: number;
}

/**
 * Keeps the ledger history the forecasts learn from current: {@link DemandHistory} from `ShipmentCreated`, and
 * which machines have new telemetry from `ReadingsRecorded`. Position and history are saved together in one file,
 * so a restart resumes after the last event the saved history holds. Saves are delayed by up to a second; events
 * replayed after a crash change nothing twice (shipments are counted by id, telemetry notes are idempotent).
 */
export class LedgerHistoryListener {
  private stream: ForecastEventStream | undefined;
  private stopped = false;
  private dirty = false;
  private saving: Promise<void> = Promise.resolve();
  private saveTimer: NodeJS.Timeout | undefined;
  private readonly resumedFrom: LedgerPosition | null;
  private events = 0;
  private firstBlock: string | null = null;
  private lastEventAt = Date.now();

  private constructor(
    private readonly ledger: ForecastLedgerPort,
    private readonly statePath: string,
    readonly history: DemandHistory,
    readonly telemetry: EquipmentTelemetry,
    private position: SavedLedgerHistory['position'],
    private readonly log: (message: string) => void,
  ) {
    this.resumedFrom = position;
  }

  static async open(
    ledger: ForecastLedgerPort,
    directory: string,
    log: (message: string) => void,
  ): Promise<LedgerHistoryListener> {
    const statePath = join(directory, LEDGER_HISTORY_FILE);
    const saved = await readJsonIfExists<SavedLedgerHistory>(statePath);
    return new LedgerHistoryListener(
      ledger,
      statePath,
      new DemandHistory(saved?.demand),
      new EquipmentTelemetry(saved?.telemetry),
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
          if (event.name === LedgerEvent.ReadingsRecorded) {
            const devices = new Set(
              ((event.payload as ReadingsRecordedPayload).readings ?? []).map((r) => r.deviceId),
            );
            for (const deviceId of devices) this.telemetry.noteReadings(deviceId, event.blockNumber);
            if (devices.size > 0) this.dirty = true;
          }
          this.position = { blockNumber: event.blockNumber.toString(), transactionId: event.txId };
          this.events++;
          this.firstBlock ??= this.position.blockNumber;
          this.lastEventAt = Date.now();
          if (this.dirty) this.saveSoon();
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

  /** The last event applied (the checkpoint it resumed from, before any), or null. */
  appliedUpTo(): { readonly blockNumber: string; readonly transactionId: string } | null {
    return this.position
      ? { blockNumber: this.position.blockNumber, transactionId: this.position.transactionId }
      : null;
  }

  progress(): ReplayProgress {
    return {
      resumedFrom: this.resumedFrom,
      events: this.events,
      firstBlock: this.firstBlock,
      lastBlock: this.position?.blockNumber ?? null,
      lastEventAt: this.lastEventAt,
    };
  }

  private saveSoon(): void {
    this.saveTimer ??= setTimeout(() => {
      this.saveTimer = undefined;
      void this.save().catch((err: unknown) => this.log(`cannot save ledger history: ${String(err)}`));
    }, SAVE_DELAY_MS);
  }

  /** Saves position and history; events that changed nothing are saved with the next change or at stop. */
  save(): Promise<void> {
    const state: SavedLedgerHistory = {
      position: this.position,
      demand: this.history.toJSON(),
      telemetry: this.telemetry.toJSON(),
    };
    this.dirty = false;
    this.saving = this.saving.then(() => writeJsonAtomic(this.statePath, state));
    return this.saving;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.saveTimer);
    this.stream?.close();
    await this.save();
  }
}
