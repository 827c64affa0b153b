import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DeviceKeyMetrics } from '../ingest/device-keys';
import type { IngestMetrics } from '../ingest/reading-ingest';

/** The gateway's Prometheus series. One registry per instance, so tests never share counters. */
export class GatewayMetrics implements IngestMetrics, DeviceKeyMetrics {
  readonly registry = new Registry();
  readonly #received = new Counter({
    name: 'provena_readings_received_total',
    help: 'Readings delivered by the broker',
    registers: [this.registry],
  });
  readonly #refused = new Counter({
    name: 'provena_readings_refused_total',
    help: 'Readings refused for good, by reason and by where (edge: before Fabric; ledger: by the chaincode)',
    labelNames: ['code', 'stage'] as const,
    registers: [this.registry],
  });
  readonly #recorded = new Counter({
    name: 'provena_readings_recorded_total',
    help: 'Readings committed, by outcome (accepted, or duplicate of one already on the ledger)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly #batchSize = new Histogram({
    name: 'provena_ingest_batch_size',
    help: 'Readings per RecordReadings transaction',
    buckets: [1, 10, 25, 50, 100, 200, 300, 500],
    registers: [this.registry],
  });
  readonly #commitSeconds = new Histogram({
    name: 'provena_ingest_commit_seconds',
    help: 'RecordReadings from submit to valid commit',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
  readonly #ackSeconds = new Histogram({
    name: 'provena_ingest_ack_seconds',
    help: 'A reading from arrival at the gateway to its MQTT acknowledgement',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
  readonly #retries = new Counter({
    name: 'provena_ingest_retries_total',
    help: 'RecordReadings attempts that failed transiently and were retried, by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  /** Read from the pipeline at each scrape (see {@link trackInFlight}). */
  #inFlightSource: () => number = () => 0;
  readonly #inFlight: Gauge = new Gauge({
    name: 'provena_ingest_in_flight',
    help: 'Readings received and not yet acknowledged',
    registers: [this.registry],
    collect: (): void => this.#inFlight.set(this.#inFlightSource()),
  });

  readonly #deadLettered = new Counter({
    name: 'provena_ingest_dead_lettered_total',
    help: 'Readings put in the dead-letter store (then acknowledged), by the code of the failure',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly #deadLetterRefused = new Counter({
    name: 'provena_ingest_dead_letter_refused_total',
    help: 'Readings the dead-letter store could not take (full or failing): they stay unacknowledged. Alert on any',
    registers: [this.registry],
  });
  #deadLettersSource: () => number = () => 0;
  readonly #deadLetters: Gauge = new Gauge({
    name: 'provena_ingest_dead_letters',
    help: 'Readings in the dead-letter store, waiting for an admin to redrive them',
    registers: [this.registry],
    collect: (): void => this.#deadLetters.set(this.#deadLettersSource()),
  });
  #oldestSource: () => number = () => 0;
  readonly #oldestUnacknowledged: Gauge = new Gauge({
    name: 'provena_ingest_oldest_unacknowledged_seconds',
    help: 'Age of the oldest reading received and not yet acknowledged; grows while the ledger is down (readings held)',
    registers: [this.registry],
    collect: (): void => this.#oldestUnacknowledged.set(this.#oldestSource() / 1000),
  });

  readonly #unknownDeviceQueries = new Counter({
    name: 'provena_ingest_unknown_device_queries_total',
    help: 'Ledger queries that found no such device: what readings from unregistered ids cost (one per id per second at most)',
    registers: [this.registry],
  });
  readonly #deviceKeysEvicted = new Counter({
    name: 'provena_ingest_device_keys_evicted_total',
    help: 'Device-key cache entries dropped to stay within PROVENA_DEVICE_CACHE_MAX_ENTRIES, by kind (known device, unknown id)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  #resentSource: () => number = () => 0;
  readonly #transactionsResent: Counter = new Counter({
    name: 'provena_ledger_transactions_resent_total',
    help: 'Transactions sent to the orderers again for want of a commit status (PROVENA_FABRIC_RESEND_MS): an orderer lost them',
    registers: [this.registry],
    collect: (): void => {
      this.#transactionsResent.reset();
      this.#transactionsResent.inc(this.#resentSource());
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Where the resent-transactions counter reads its value (the ledger adapter's own count). */
  trackTransactionsResent(source: () => number): void {
    this.#resentSource = source;
  }

  /** Where the in-flight gauge reads its value. */
  trackInFlight(source: () => number): void {
    this.#inFlightSource = source;
  }

  /** Where the dead-letter gauge reads its value. */
  trackDeadLetters(source: () => number): void {
    this.#deadLettersSource = source;
  }

  /** Where the oldest-unacknowledged gauge reads its value, ms. */
  trackOldestUnacknowledged(source: () => number): void {
    this.#oldestSource = source;
  }

  received(): void {
    this.#received.inc();
  }
  refused(code: string, stage: 'edge' | 'ledger'): void {
    this.#refused.inc({ code, stage });
  }
  committed(batch: { size: number; accepted: number; duplicates: number; commitMs: number }): void {
    this.#batchSize.observe(batch.size);
    this.#commitSeconds.observe(batch.commitMs / 1000);
    this.#recorded.inc({ outcome: 'accepted' }, batch.accepted);
    this.#recorded.inc({ outcome: 'duplicate' }, batch.duplicates);
  }
  acknowledged(latencyMs: number): void {
    this.#ackSeconds.observe(latencyMs / 1000);
  }
  retried(code: string): void {
    this.#retries.inc({ code });
  }
  deadLettered(code: string, count: number): void {
    this.#deadLettered.inc({ code }, count);
  }
  deadLetterRefused(count: number): void {
    this.#deadLetterRefused.inc(count);
  }
  unknownDeviceQueried(): void {
    this.#unknownDeviceQueries.inc();
  }
  deviceKeysEvicted(kind: 'known' | 'unknown'): void {
    this.#deviceKeysEvicted.inc({ kind });
  }
}
