import {
  RefusalCode,
  WireError,
  checkClockSkew,
  decodeSignedReading,
  deviceIdOfReadingTopic,
  verifyReadingSignature,
  type RejectionNotice,
  type SignedReading,
} from '@provena/wire';
import { GatewayError, GatewayErrorCode } from '../errors/gateway-error';
import type { LedgerActor, LedgerPort } from '../ledger/ledger.port';
import type { InboundMessage } from '../broker/mqtt-session';
import type { DeviceKeyDirectory } from './device-keys';
import { MicroBatcher } from './micro-batcher';

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
  readonly metrics: IngestMetrics;
  readonly log: IngestLog;
  readonly now: () => number;
  /** How far a device clock may run ahead of ours; the chaincode allows the same against the transaction time. */
  readonly maxClockAheadMs: number;
  readonly batch: { readonly maxSize: number; readonly windowMs: number; readonly maxConcurrent: number };
  /** Backoff between attempts of a transaction that failed transiently; attempts never stop while running. */
  readonly retry: { readonly minDelayMs: number; readonly maxDelayMs: number };
}

interface Pending {
  readonly signed: SignedReading;
  readonly message: InboundMessage;
  readonly receivedAtMs: number;
}

/** The chaincode's answer to RecordReadings (see the chaincode's reading-ingest). */
interface IngestSummary {
  accepted: number;
  duplicates: number;
  refused: number;
  verdicts: { status: 'accepted' | 'duplicate' | 'refused'; code?: string; reason?: string }[];
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

  /** Takes one message from the broker. Never throws: every outcome ends in an ack or a deliberate non-ack. */
  accept(message: InboundMessage): void {
    this.#o.metrics.received();
    const receivedAtMs = this.#o.now();
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
        if (verdict === 'ok') this.#batcher.add({ signed, message, receivedAtMs });
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
        this.#batcher.add({ signed, message, receivedAtMs });
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

  async #recordWithRetry(batch: Pending[]): Promise<void> {
    let delay = this.#o.retry.minDelayMs;
    for (let attempt = 1; !this.#stopping; attempt++) {
      const startedAtMs = this.#o.now();
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
        this.#o.metrics.committed({
          size: batch.length,
          accepted: summary.accepted,
          duplicates: summary.duplicates,
          commitMs: this.#o.now() - startedAtMs,
        });
        batch.forEach((pending, i) =>
          this.#settle(pending, summary.verdicts[i] as IngestSummary['verdicts'][0]),
        );
        return;
      } catch (err) {
        const code = err instanceof GatewayError ? err.code : GatewayErrorCode.Internal;
        if (code === GatewayErrorCode.InvalidArgument) {
          // The chaincode refused the batch as a whole. Our edge check should make this impossible; find the
          // culprit by halving rather than refusing good readings with it.
          await this.#isolate(batch, err as GatewayError);
          return;
        }
        this.#o.metrics.retried(code);
        if (attempt === 1 || attempt % 10 === 0) {
          this.#o.log.warn('RecordReadings failed; retrying', {
            code,
            attempt,
            readings: batch.length,
            error: err instanceof Error ? err.message : String(err),
          });
        }
        await sleep(delay);
        delay = Math.min(delay * 2, this.#o.retry.maxDelayMs);
      }
    }
  }

  async #isolate(batch: Pending[], err: GatewayError): Promise<void> {
    if (batch.length === 1) {
      const pending = batch[0] as Pending;
      const { deviceId, seq } = pending.signed.reading;
      this.#refuse(pending.message, pending.receivedAtMs, deviceId, seq, err.code, err.message, 'ledger');
      return;
    }
    const half = Math.ceil(batch.length / 2);
    await Promise.all([
      this.#recordWithRetry(batch.slice(0, half)),
      this.#recordWithRetry(batch.slice(half)),
    ]);
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
      // A bug in a check, not a bad reading: do not acknowledge, so the reading comes back after a restart.
      this.#o.log.error('edge check failed unexpectedly; reading left unacknowledged', {
        deviceId,
        error: String(err),
      });
      return;
    }
    this.#refuse(message, receivedAtMs, deviceId, seq, err.code, err.reason);
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
