/**
 * The ledger as the forecasting service needs it: replay chaincode events from a checkpoint, and submit anchors.
 * The gateway's ledger adapters (Fabric, and the in-memory double running the real chaincode) fit this port as
 * they are, so the service shares the gateway's gRPC connection and identities.
 */
export interface ForecastActor {
  readonly org: string;
  readonly role: 'admin' | 'operator' | 'auditor';
}

export interface ForecastLedgerEvent {
  readonly name: string;
  readonly payload: unknown;
  readonly txId: string;
  readonly blockNumber: bigint;
}

export interface ForecastEventStream extends AsyncIterable<ForecastLedgerEvent> {
  close(): void;
}

export interface ForecastEventStart {
  getBlockNumber(): bigint | undefined;
  getTransactionId(): string | undefined;
}

/** The newest transaction whose chaincode event a follower of the event stream must have seen to be current. */
export interface LastEventPosition {
  readonly blockNumber: bigint;
  readonly txId: string;
}

export interface ForecastLedgerPort {
  submit<T>(
    actor: ForecastActor,
    fn: string,
    args: readonly string[],
  ): Promise<{ readonly result: T; readonly txId: string; readonly blockNumber: bigint }>;
  evaluate<T>(actor: ForecastActor, fn: string, args: readonly string[]): Promise<T>;
  openEvents(start: ForecastEventStart): Promise<ForecastEventStream>;
  /**
   * The last valid transaction of the chaincode that set an event, in the blocks committed so far; null when none
   * has; undefined when the adapter cannot tell (then followers fall back to waiting for a quiet stream).
   */
  lastEventPosition?(): Promise<LastEventPosition | null | undefined>;
}

/** The DI token the forecasting service's ledger is bound to. */
export const FORECAST_LEDGER = Symbol('ForecastLedgerPort');
