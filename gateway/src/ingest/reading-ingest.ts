import {
  RefusalCode,
  WireError,
  checkClockSkew,
  decodeSignedReading,
  deviceIdOfReadingTopic,
  verifyReadingSignature,
  type ReadingReceipt,
  type RejectionNotice,
  type SignedReading,
} from '@provena/wire';
import { GatewayError, GatewayErrorCode } from '../errors/gateway-error';
import type { LedgerActor, LedgerPort } from '../ledger/ledger.port';
import type { InboundMessage } from '../broker/mqtt-session';
import { deadLetterId, type DeadLetter, type DeadLetterStore } from './dead-letter.store';
import type { DeviceKeyDirectory } from './device-keys';
import { classifyIngestFailure, type IngestFailure } from './ingest-failure';
import { MicroBatcher } from './micro-batcher';
import { receiptsOf, type ReadingVerdict } from './reading-receipts';

/** What the ingest pipeline reports; the metrics adapter turns it into Prometheus series. */
export interface IngestMetrics {
  received(): void;
  /** A reading refused for good, at the edge (before Fabric) or by the chaincode. */
  refused(code: string, stage: 'edge' | 'ledger'): void;
  /** One RecordReadings transaction committed. */
  committed(batch: { size: number; accepted: number; duplicates: number; commitMs: number }): void;
  /** Time from a reading's arrival to its acknowledgement. */
  acknowledged(latencyMs: number): void;
  /** A transaction attempt failed in a way worth retrying. */
  retried(code: string): void;
  /** Readings put in the dead-letter store, by the failure's code. */
  deadLettered?(code: string, count: number): void;
  /** Readings the dead-letter store had no room for: they stay unacknowledged. */
  deadLetterRefused?(count: number): void;
}

/** Where the pipeline logs: warnings and errors only, never payloads or keys. */
export interface IngestLog {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface ReadingIngestOptions {
  readonly ledger: LedgerPort;
  /** The Fabric identity readings are recorded under (an operator of the gateway's organisation). */
  readonly actor: LedgerActor;
  readonly devices: DeviceKeyDirectory;
  /** Tells a device why its reading was refused (its rejection topic). */
  readonly notify: (notice: RejectionNotice) => void;
  /**
   * Tells a device which of its readings are on the ledger (its receipts topic), once their transaction has
   * committed: the end-to-end acknowledgement devices keep readings for (see `ReadingReceipt`).
   */
  readonly receipt?: (receipt: ReadingReceipt) => void;
  readonly metrics: IngestMetrics;
  readonly log: IngestLog;
  readonly now: () => number;
  /** How far a device clock may run ahead of ours; the chaincode allows the same against the transaction time. */
  readonly maxClockAheadMs: number;
  readonly batch: { readonly maxSize: number; readonly windowMs: number; readonly maxConcurrent: number };
  /**
   * Backoff between attempts of a transaction that failed transiently, and the bound: how long a reading may go
   * unplaced, counting only time while the ledger takes transactions, before it goes to the dead-letter store.
   */
  readonly retry: { readonly minDelayMs: number; readonly maxDelayMs: number; readonly boundMs: number };
  /** Where readings that cannot be placed go (then they are acknowledged). */
  readonly deadLetters: DeadLetterStore;
}

interface Pending {
  readonly signed: SignedReading;
  readonly message: InboundMessage;
  readonly receivedAtMs: number;
  /** The pipeline's held time (see #heldMs) when it arrived: its bound does not run while the ledger is down. */
  readonly heldAtArrivalMs: number;
  /** Transaction attempts that included it, and when the first and the last began. */
  attempts: number;
  firstAttemptAtMs: number | undefined;
  lastAttemptAtMs: number | undefined;
}

/**
 * Consecutive transient failures of one batch, while the ledger answers, before it is halved: a batch that keeps
 * failing while the ledger answers may hold a reading that makes it fail (a chaincode failure that reached us as
 * ABORTED looks transient), and halving lets the rest through well within the bound.
 */
const SPLIT_AFTER_TRANSIENT_FAILURES = 3;

/** The chaincode's answer to RecordReadings (see the chaincode's reading-ingest). */
interface IngestSummary {
  accepted: number;
  duplicates: number;
  refused: number;
  verdicts: ReadingVerdict[];
}

/**
 * Devices → ledger. Checks each reading at the edge (format, device signature, clock), gathers the good ones into
 * RecordReadings transactions and acknowledges each MQTT message only once its reading is committed or refused
 * for good. Nothing is acknowledged on a failure that a retry could fix, so a crash anywhere loses nothing: the
 * broker redelivers, and the chaincode answers a redelivered reading with a harmless `duplicate`.
 */
export class ReadingIngest {
  readonly #o: ReadingIngestOptions;
  readonly #batcher: MicroBatcher<Pending>;
  #stopping = false;
  /** Readings in each stage, for {@link inFlight}. */
  #checking = 0;
  #recording = 0;
  /** Messages received and not yet acknowledged, oldest first (a Set keeps insertion order). */
  readonly #unacknowledged = new Set<{ readonly receivedAtMs: number }>();
  /**
   * Time the ledger has been down so far (its readiness query unanswered after a transient failure).
   * Readings' bounds stand still meanwhile; they are held, and the broker keeps the rest (Receive Maximum).
   */
  #heldMs = 0;
  #downSinceMs: number | undefined;

  constructor(options: ReadingIngestOptions) {
    this.#o = options;
    this.#batcher = new MicroBatcher<Pending>({
      ...options.batch,
      handle: (batch) => this.#record(batch),
    });
  }

  /** Readings received and not yet acknowledged by this pipeline. */
  get inFlight(): number {
    return this.#checking + this.#batcher.pending + this.#recording;
  }

  /** Age of the oldest reading received and not yet acknowledged, ms; 0 when none waits. */
  get oldestUnacknowledgedAgeMs(): number {
    const oldest = this.#unacknowledged.values().next();
    return oldest.done === true ? 0 : Math.max(0, this.#o.now() - oldest.value.receivedAtMs);
  }

  /** Whether the pipeline holds readings because the ledger is unreachable. */
  get holdingForLedger(): boolean {
    return this.#downSinceMs !== undefined;
  }

  /** Takes one message from the broker. Never throws: every outcome ends in an ack or a deliberate non-ack. */
  accept(delivered: InboundMessage): void {
    this.#o.metrics.received();
    const receivedAtMs = this.#o.now();
    const token = { receivedAtMs };
    this.#unacknowledged.add(token);
    const message: InboundMessage = {
      topic: delivered.topic,
      payload: delivered.payload,
      redelivered: delivered.redelivered,
      ack: () => {
        this.#unacknowledged.delete(token);
        delivered.ack();
      },
    };
    const topicDeviceId = deviceIdOfReadingTopic(message.topic);
    if (topicDeviceId === undefined) {
      // Our subscription only matches reading topics, so this is a broker misconfiguration: nobody to tell.
      this.#refuse(
        message,
        receivedAtMs,
        undefined,
        undefined,
        RefusalCode.SchemaViolation,
        'not a reading topic',
      );
      return;
    }
    let signed: SignedReading;
    try {
      signed = decodeSignedReading(message.payload);
      if (signed.reading.deviceId !== topicDeviceId) {
        throw new WireError(
          RefusalCode.SchemaViolation,
          `reading.deviceId ${signed.reading.deviceId} does not match the topic's device ${topicDeviceId}`,
          'reading.deviceId',
        );
      }
      checkClockSkew(signed.reading, receivedAtMs, this.#o.maxClockAheadMs);
    } catch (err) {
      this.#refuseWireError(message, receivedAtMs, topicDeviceId, undefined, err);
      return;
    }
    this.#checking++;
    void this.#checkSignature(signed).then(
      (verdict) => {
        this.#checking--;
        if (verdict === 'ok') this.#batcher.add(this.#pending(signed, message, receivedAtMs));
        else this.#refuseWireError(message, receivedAtMs, topicDeviceId, signed.reading.seq, verdict);
      },
      (err: unknown) => {
        // The ledger could not tell us the device's key. The chaincode checks the signature anyway, so send the
        // reading on; if the ledger is really down, the transaction will wait and retry.
        this.#checking--;
        this.#o.log.warn('device key lookup failed; leaving the signature check to the chaincode', {
          deviceId: topicDeviceId,
          error: String(err),
        });
        this.#batcher.add(this.#pending(signed, message, receivedAtMs));
      },
    );
  }

  /** Stops retrying and waits for batches under way; what is not acknowledged will be redelivered. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#batcher.drain();
  }

  async #checkSignature(signed: SignedReading): Promise<'ok' | WireError> {
    const { deviceId, seq } = signed.reading;
    let lookup = await this.#o.devices.keyFor(deviceId, seq);
    for (let attempt = 0; ; attempt++) {
      if (lookup.found) {
        try {
          verifyReadingSignature(signed.reading, signed.signature, lookup.key);
          return 'ok';
        } catch (err) {
          if (!(err instanceof WireError)) throw err;
          // A refusal loses the reading for good, so never refuse on a stale copy: a key may have rotated.
          if (err.code !== RefusalCode.BadSignature || attempt > 0 || lookup.ageMs === 0) return err;
        }
      } else if (attempt > 0 || lookup.ageMs === 0) {
        return new WireError(RefusalCode.UnknownDevice, `no device ${deviceId} is registered`);
      }
      lookup = await this.#o.devices.refresh(deviceId, seq);
    }
  }

  async #record(batch: Pending[]): Promise<void> {
    this.#recording += batch.length;
    try {
      await this.#recordWithRetry(batch);
    } finally {
      this.#recording -= batch.length;
    }
  }

  /**
   * Places a batch: commits it, or splits it, refuses or dead-letters readings, per {@link classifyIngestFailure}.
   * No attempt starts for a reading whose bound has run out: it is dead-lettered instead, so while the ledger
   * answers every reading is settled within the bound plus one attempt.
   */
  async #recordWithRetry(initial: Pending[]): Promise<void> {
    let batch = initial;
    let delay = this.#o.retry.minDelayMs;
    let failuresWhileUp = 0;
    while (!this.#stopping && batch.length > 0) {
      const startedAtMs = this.#o.now();
      for (const p of batch) {
        p.attempts++;
        p.firstAttemptAtMs ??= startedAtMs;
        p.lastAttemptAtMs = startedAtMs;
      }
      let failure: IngestFailure;
      try {
        const committed = await this.#o.ledger.submit<IngestSummary>(
          this.#o.actor,
          'reading:RecordReadings',
          [JSON.stringify(batch.map((p) => p.signed))],
        );
        const summary = committed.result;
        if (summary.verdicts.length !== batch.length) {
          throw new GatewayError(
            GatewayErrorCode.Internal,
            `RecordReadings returned ${summary.verdicts.length} verdicts for ${batch.length} readings`,
          );
        }
        this.#ledgerTook();
        this.#o.metrics.committed({
          size: batch.length,
          accepted: summary.accepted,
          duplicates: summary.duplicates,
          commitMs: this.#o.now() - startedAtMs,
        });
        batch.forEach((pending, i) =>
          this.#settle(pending, summary.verdicts[i] as IngestSummary['verdicts'][0]),
        );
        if (this.#o.receipt) {
          const signed = batch.map((p) => p.signed);
          for (const receipt of receiptsOf(signed, summary.verdicts, committed.txId))
            this.#o.receipt(receipt);
        }
        return;
      } catch (err) {
        failure = classifyIngestFailure(err);
      }

      let ledgerUp = true;
      if (failure.kind === 'transient') {
        this.#o.metrics.retried(failure.code);
        ledgerUp = await this.#ledgerAnswers();
      }
      // Past its bound: no further attempt, whatever the failure (while the ledger is down, bounds stand still).
      const expired = batch.filter((p) => this.#overBound(p));
      if (expired.length > 0) {
        if (await this.#deadLetter(expired, failure)) {
          batch = batch.filter((p) => !expired.includes(p));
          continue;
        }
      } else if (failure.kind !== 'transient' && batch.length > 1) {
        await this.#split(batch);
        return;
      } else if (failure.kind === 'refuse') {
        const pending = batch[0] as Pending;
        const { deviceId, seq } = pending.signed.reading;
        this.#refuse(
          pending.message,
          pending.receivedAtMs,
          deviceId,
          seq,
          failure.code,
          failure.message,
          'ledger',
        );
        return;
      } else if (failure.kind === 'split') {
        // Alone and still failing for a reason that is not its own: keep it for an admin, let the rest flow.
        this.#o.log.error('a reading could not be recorded; dead-lettered', {
          deviceId: batch[0]?.signed.reading.deviceId,
          seq: batch[0]?.signed.reading.seq,
          code: failure.code,
          error: failure.message,
        });
        if (await this.#deadLetter(batch, failure)) return;
      } else if (ledgerUp && ++failuresWhileUp >= SPLIT_AFTER_TRANSIENT_FAILURES && batch.length > 1) {
        await this.#split(batch);
        return;
      }
      if (!ledgerUp) failuresWhileUp = 0;
      const attempt = batch[0]?.attempts ?? 0;
      if (attempt === 1 || attempt % 10 === 0) {
        this.#o.log.warn('RecordReadings failed; retrying', {
          code: failure.code,
          attempt,
          readings: batch.length,
          ledger: ledgerUp ? 'answers' : 'unreachable: holding',
          error: failure.message,
        });
      }
      await sleep(delay);
      delay = Math.min(delay * 2, this.#o.retry.maxDelayMs);
    }
  }

  async #split(batch: Pending[]): Promise<void> {
    const half = Math.ceil(batch.length / 2);
    await Promise.all([
      this.#recordWithRetry(batch.slice(0, half)),
      this.#recordWithRetry(batch.slice(half)),
    ]);
  }

  #pending(signed: SignedReading, message: InboundMessage, receivedAtMs: number): Pending {
    return {
      signed,
      message,
      receivedAtMs,
      heldAtArrivalMs: this.#heldNow(),
      attempts: 0,
      firstAttemptAtMs: undefined,
      lastAttemptAtMs: undefined,
    };
  }

  /** Whether a reading has spent its bound unplaced, not counting time while the ledger was down. */
  #overBound(p: Pending): boolean {
    const charged = this.#o.now() - p.receivedAtMs - (this.#heldNow() - p.heldAtArrivalMs);
    return charged >= this.#o.retry.boundMs;
  }

  #heldNow(): number {
    return this.#heldMs + (this.#downSinceMs === undefined ? 0 : this.#o.now() - this.#downSinceMs);
  }

  /** A transaction committed: the ledger is up. */
  #ledgerTook(): void {
    const now = this.#o.now();
    if (this.#downSinceMs !== undefined) {
      this.#heldMs += now - this.#downSinceMs;
      this.#downSinceMs = undefined;
    }
  }

  /**
   * After a transient failure: does the ledger answer its readiness query (the one behind `/ready`)? Then the
   * failure is this batch's, and counts against its readings' bounds. Otherwise the ledger is down: readings are
   * held, not dead-lettered, and their bounds stand still; the broker keeps the rest (Receive Maximum).
   *
   * Not "did anything commit lately": with one batch in flight, a reading that makes every attempt fail would then
   * hold the batch, and every PUBACK behind it, for ever.
   */
  async #ledgerAnswers(): Promise<boolean> {
    const failedAtMs = this.#o.now();
    const up = await this.#o.ledger.isReachable().catch(() => false);
    if (up && this.#downSinceMs !== undefined) {
      this.#heldMs += this.#o.now() - this.#downSinceMs;
      this.#downSinceMs = undefined;
    } else if (!up) {
      this.#downSinceMs ??= failedAtMs;
    }
    return up;
  }

  /**
   * Stores readings as dead letters and acknowledges them. False when the store cannot take them (full, or
   * failing): then they stay unacknowledged and in the retry loop, and the failure is loud.
   */
  async #deadLetter(batch: Pending[], failure: IngestFailure): Promise<boolean> {
    const entries = batch.map((p) =>
      this.#deadLetterOf(p.message, p.signed.reading.deviceId, p.signed.reading.seq, failure, {
        first: p.firstAttemptAtMs ?? p.receivedAtMs,
        last: p.lastAttemptAtMs ?? p.receivedAtMs,
        attempts: p.attempts,
      }),
    );
    if (!(await this.#store(entries, failure))) return false;
    for (const p of batch) {
      p.message.ack();
      this.#o.metrics.acknowledged(this.#o.now() - p.receivedAtMs);
    }
    return true;
  }

  #deadLetterOf(
    message: InboundMessage,
    deviceId: string,
    seq: number | null,
    failure: Pick<IngestFailure, 'code' | 'message'>,
    times: { first: number; last: number; attempts: number },
  ): DeadLetter {
    return {
      id: deadLetterId(message.payload),
      deviceId,
      seq,
      topic: message.topic,
      envelope: message.payload.toString('utf8'),
      reason: { code: failure.code, message: failure.message },
      firstAttemptAt: new Date(times.first).toISOString(),
      lastAttemptAt: new Date(times.last).toISOString(),
      attempts: times.attempts,
    };
  }

  async #store(entries: DeadLetter[], failure: Pick<IngestFailure, 'code'>): Promise<boolean> {
    let outcome: 'stored' | 'full' | 'failed';
    try {
      outcome = await this.#o.deadLetters.put(entries);
    } catch (err) {
      this.#o.log.error('dead-letter store failed; readings stay unacknowledged', { error: String(err) });
      outcome = 'failed';
    }
    if (outcome !== 'stored') {
      if (outcome === 'full') {
        this.#o.log.error('dead-letter store is full; readings stay unacknowledged until an admin redrives', {
          readings: entries.length,
          maxEntries: this.#o.deadLetters.maxEntries,
        });
      }
      this.#o.metrics.deadLetterRefused?.(entries.length);
      return false;
    }
    this.#o.metrics.deadLettered?.(failure.code, entries.length);
    return true;
  }

  #settle(pending: Pending, verdict: IngestSummary['verdicts'][0]): void {
    if (verdict.status === 'refused') {
      const { deviceId, seq } = pending.signed.reading;
      this.#refuse(
        pending.message,
        pending.receivedAtMs,
        deviceId,
        seq,
        verdict.code ?? 'REFUSED',
        verdict.reason ?? 'refused by the chaincode',
        'ledger',
      );
      return;
    }
    pending.message.ack();
    this.#o.metrics.acknowledged(this.#o.now() - pending.receivedAtMs);
  }

  #refuseWireError(
    message: InboundMessage,
    receivedAtMs: number,
    deviceId: string,
    seq: number | undefined,
    err: unknown,
  ): void {
    if (!(err instanceof WireError)) {
      // A bug in a check, not a bad reading: keep the reading for a redrive once fixed, and let the rest flow.
      // Held unacknowledged instead, it would stop every later PUBACK (they leave in arrival order).
      this.#o.log.error('edge check failed unexpectedly; reading dead-lettered', {
        deviceId,
        seq,
        error: String(err),
      });
      void this.#deadLetterUnchecked(message, receivedAtMs, deviceId, seq, err);
      return;
    }
    this.#refuse(message, receivedAtMs, deviceId, seq, err.code, err.reason);
  }

  /** Dead-letters a reading the edge check failed on; if the store cannot take it, tries again later. */
  async #deadLetterUnchecked(
    message: InboundMessage,
    receivedAtMs: number,
    deviceId: string,
    seq: number | undefined,
    err: unknown,
  ): Promise<void> {
    const failure = {
      code: GatewayErrorCode.Internal,
      message: `edge check failed: ${err instanceof Error ? err.message : String(err)}`,
    };
    const entry = this.#deadLetterOf(message, deviceId, seq ?? null, failure, {
      first: receivedAtMs,
      last: receivedAtMs,
      attempts: 1,
    });
    this.#checking++;
    try {
      while (!this.#stopping) {
        if (await this.#store([entry], failure)) {
          message.ack();
          this.#o.metrics.acknowledged(this.#o.now() - receivedAtMs);
          return;
        }
        await sleep(this.#o.retry.maxDelayMs);
      }
    } finally {
      this.#checking--;
    }
  }

  #refuse(
    message: InboundMessage,
    receivedAtMs: number,
    deviceId: string | undefined,
    seq: number | undefined,
    code: string,
    reason: string,
    stage: 'edge' | 'ledger' = 'edge',
  ): void {
    this.#o.metrics.refused(code, stage);
    if (deviceId !== undefined) {
      this.#o.notify({ deviceId, ...(seq !== undefined && { seq }), code, reason });
    }
    message.ack();
    this.#o.metrics.acknowledged(this.#o.now() - receivedAtMs);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
