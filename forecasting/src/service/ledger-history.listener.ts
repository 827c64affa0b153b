import { join } from 'node:path';
import { readJsonIfExists, writeJsonAtomic } from './atomic-file';
import { LedgerEvent, type ReadingsRecordedPayload } from '@provena/wire';
import { DemandHistory, type DemandHistoryJson } from './demand-history';
import { EquipmentTelemetry, type EquipmentTelemetryJson } from './equipment-telemetry';
import type { ForecastEventStream, ForecastLedgerPort } from './forecast-ledger.port';

interface SavedState {
  position: { blockNumber: string; transactionId: string } | null;
  demand: DemandHistoryJson;
  telemetry?: EquipmentTelemetryJson;
}

/** How long changes may wait before they are saved: ingest raises an event per batch, many per second. */
const SAVE_DELAY_MS = 1000;

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

  private constructor(
    private readonly ledger: ForecastLedgerPort,
    private readonly statePath: string,
    readonly history: DemandHistory,
    readonly telemetry: EquipmentTelemetry,
    private position: SavedState['position'],
    private readonly log: (message: string) => void,
  ) {}

  static async open(
    ledger: ForecastLedgerPort,
    directory: string,
    log: (message: string) => void,
  ): Promise<LedgerHistoryListener> {
    const statePath = join(directory, 'ledger-history.json');
    const saved = await readJsonIfExists<SavedState>(statePath);
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

  private saveSoon(): void {
    this.saveTimer ??= setTimeout(() => {
      this.saveTimer = undefined;
      void this.save().catch((err: unknown) => this.log(`cannot save ledger history: ${String(err)}`));
    }, SAVE_DELAY_MS);
  }

  /** Saves position and history; events that changed nothing are saved with the next change or at stop. */
  save(): Promise<void> {
    const state: SavedState = {
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
