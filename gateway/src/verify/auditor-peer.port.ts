/**
 * What the verifier asks of the auditor's own peer, and nothing else: raw blocks (qscc), where a transaction is,
 * and the chaincode's read-only queries that name the transactions of a shipment, reading or forecast run. Every
 * fact the verifier reports comes from the blocks; the queries only say which blocks to look at, and their
 * answers are checked against the blocks.
 *
 * Implementations translate their failures into VerifyError: LEDGER_UNAVAILABLE when the peer does not answer,
 * NOT_FOUND when it has no such transaction or record.
 */
export interface AuditorPeer {
  /** The organisation whose peer this is, for reports. */
  readonly mspId: string;
  /** The number of blocks the peer holds (qscc GetChainInfo). */
  chainHeight(): Promise<bigint>;
  /** Block `number` exactly as the peer stores it (qscc GetBlockByNumber, a marshalled common.Block). */
  block(number: bigint): Promise<Uint8Array>;
  /**
   * Where the peer's index puts a transaction (qscc GetBlockByTxID) and the validation code it recorded for it
   * (qscc GetTransactionByID).
   */
  locate(txId: string): Promise<{ readonly blockNumber: bigint; readonly validationCode: string }>;
  /** A read-only chaincode query (`contract:Transaction`), answered from the peer's state; JSON parsed. */
  query<T>(fn: string, args: readonly string[]): Promise<T>;
  close(): void;
}
