import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Subject } from 'rxjs';
import { LedgerEvent, type ComplianceBreachPayload, type ReadingsRecordedPayload } from '@provena/wire';
import { GATEWAY_CONFIG } from '../config/config.token';
import type { GatewayConfig } from '../config/gateway-config';
import {
  LEDGER,
  type LedgerEventRecord,
  type LedgerEventStream,
  type LedgerPort,
} from '../ledger/ledger.port';
import { FileEventCheckpoint, type EventCheckpoint } from './event-checkpoint';

/** What dashboards receive on `/events`: a kind, the ledger position behind it, and the event's data. */
export interface FeedEvent {
  readonly type: 'breach' | 'custody' | 'ingest' | 'ledger';
  /** `<block>:<transaction>`: the same event always has the same id. */
  readonly id: string;
  readonly data: Readonly<Record<string, unknown>>;
}

const CUSTODY_EVENTS: ReadonlySet<string> = new Set([
  LedgerEvent.CustodyOffered,
  LedgerEvent.CustodyAccepted,
  LedgerEvent.CustodyRejected,
]);

/**
 * Turns one chaincode event into feed events. Fabric keeps one chaincode event per transaction, so breaches found
 * while recording readings travel inside ReadingsRecorded and are fanned out here.
 */
export function feedEventsOf(record: LedgerEventRecord): FeedEvent[] {
  const id = `${record.blockNumber}:${record.txId}`;
  const base = { event: record.name, txId: record.txId, blockNumber: record.blockNumber.toString() };
  const payload = (record.payload ?? {}) as Record<string, unknown>;
  if (record.name === LedgerEvent.ReadingsRecorded) {
    const recorded = payload as unknown as ReadingsRecordedPayload;
    return [
      {
        type: 'ingest',
        id,
        data: {
          ...base,
          accepted: recorded.accepted,
          duplicates: recorded.duplicates,
          refused: recorded.refused,
          // (deviceId, seq) of each reading this transaction recorded: how a load generator learns commit times.
          readings: recorded.readings ?? [],
        },
      },
      ...(recorded.breaches ?? []).map((breach: ComplianceBreachPayload): FeedEvent => ({
        type: 'breach',
        id,
        data: { ...base, ...breach },
      })),
    ];
  }
  if (record.name === LedgerEvent.ComplianceBreach)
    return [{ type: 'breach', id, data: { ...base, ...payload } }];
  if (CUSTODY_EVENTS.has(record.name)) return [{ type: 'custody', id, data: { ...base, ...payload } }];
  return [{ type: 'ledger', id, data: { ...base, ...payload } }];
}

/**
 * Follows the ledger's chaincode events from a durable checkpoint and publishes them to the live feed. The
 * checkpoint is saved after an event is handled, so a restart never skips one; an event handled just before a
 * crash may be sent again, with the same id, which SSE clients can use to drop repeats.
 */
@Injectable()
export class LedgerEventsService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly feed = new Subject<FeedEvent>();
  readonly #log = new Logger('LedgerEvents');
  #stream: LedgerEventStream | undefined;
  #stopped = false;
  #running: Promise<void> | undefined;
  /** Events handled since start (for tests and metrics). */
  handled = 0;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LEDGER) private readonly ledger: LedgerPort,
  ) {}

  onApplicationBootstrap(): void {
    this.#running = this.#follow();
  }

  async onApplicationShutdown(): Promise<void> {
    this.#stopped = true;
    this.#stream?.close();
    await this.#running;
    this.feed.complete();
  }

  async #follow(): Promise<void> {
    let delay = 100;
    let checkpoint: EventCheckpoint | undefined;
    while (!this.#stopped) {
      try {
        checkpoint ??= await FileEventCheckpoint.open(this.config.events.checkpointFile);
        this.#stream = await this.ledger.openEvents(checkpoint);
        for await (const record of this.#stream) {
          for (const event of feedEventsOf(record)) this.feed.next(event);
          await checkpoint.save({ blockNumber: record.blockNumber, transactionId: record.txId });
          this.handled++;
          delay = 100;
        }
      } catch (err) {
        if (this.#stopped) return;
        // Event streams end when their peer restarts: reopen from the checkpoint, backing off while it is away.
        this.#log.warn(
          `chaincode event stream ended (${err instanceof Error ? err.message : String(err)}); reopening`,
        );
      }
      if (this.#stopped) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  }
}
