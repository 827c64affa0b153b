/**
 * Why the verifier could not run a verification at all (as opposed to a check that ran and failed, which is a
 * {@link CheckFailure} in the report). Stable codes: scripts branch on them, and the CLI maps them to exit codes.
 */
export const VerifyErrorCode = {
  /** The command line or a setting is wrong; the message names every problem. */
  BadUsage: 'BAD_USAGE',
  /** The trusted genesis block cannot be read or is not a channel's genesis block. */
  BadGenesis: 'BAD_GENESIS',
  /** The auditor's peer did not answer, or answered something that is not what qscc returns. */
  LedgerUnavailable: 'LEDGER_UNAVAILABLE',
  /** The shipment, reading or forecast run is not on the ledger the auditor's peer holds. */
  NotFound: 'NOT_FOUND',
} as const;

export type VerifyErrorCode = (typeof VerifyErrorCode)[keyof typeof VerifyErrorCode];

/** One base class with a stable code, the cause kept. */
export class VerifyError extends Error {
  override readonly name = 'VerifyError';

  constructor(
    readonly code: VerifyErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The checks a verification runs. Each failure in a report carries one of these codes and a message naming the
 * block, transaction, endorsement or reading it is about.
 */
export const CheckCode = {
  /** Block 0 from the peer is not the trusted genesis block. */
  GenesisMismatch: 'GENESIS_MISMATCH',
  /** A block's previous_hash is not the SHA-256 of the previous block's header. */
  HashChainBroken: 'HASH_CHAIN_BROKEN',
  /** A block's data_hash is not the SHA-256 of its transactions. */
  DataHashMismatch: 'DATA_HASH_MISMATCH',
  /** A block lacks a valid signature by an orderer of the channel, under the orderers' BlockValidation policy. */
  OrdererSignature: 'ORDERER_SIGNATURE',
  /**
   * A channel configuration update after genesis that the configuration in force does not authorise (signatures
   * short of the changed elements' mod_policy, or a new configuration that does not follow from the update), or one
   * this verifier does not judge (organisations added or removed).
   */
  ConfigUpdate: 'CONFIG_UPDATE_UNVERIFIED',
  /** A transaction cannot be decoded, or is not where the peer's index says it is. */
  MalformedTransaction: 'MALFORMED_TRANSACTION',
  /** A transaction's TRANSACTIONS_FILTER flag is not VALID. */
  InvalidTransaction: 'TRANSACTION_NOT_VALID',
  /** The transaction's creator is not a valid identity of the channel, or its signature does not verify. */
  CreatorSignature: 'CREATOR_SIGNATURE',
  /** An endorsement's identity is not valid under the channel's MSPs, or its signature does not verify. */
  EndorsementInvalid: 'ENDORSEMENT_INVALID',
  /** The valid endorsements do not satisfy the endorsement policy in force for the transaction. */
  EndorsementPolicy: 'ENDORSEMENT_POLICY',
  /** No chaincode definition (hence no endorsement policy) precedes the transaction. */
  NoChaincodeDefinition: 'NO_CHAINCODE_DEFINITION',
  /** A reading's device was not registered before the reading's block. */
  DeviceUnknown: 'DEVICE_UNKNOWN',
  /** A reading was recorded after its device had been revoked. */
  DeviceRevoked: 'DEVICE_REVOKED',
  /** A reading's device signature does not verify with the key registered for its sequence number. */
  DeviceSignature: 'DEVICE_SIGNATURE',
  /** What the peer's state database answers differs from what the blocks wrote. */
  StateMismatch: 'STATE_MISMATCH',
} as const;

export type CheckCode = (typeof CheckCode)[keyof typeof CheckCode];

/** One check that ran and failed. */
export interface CheckFailure {
  readonly code: CheckCode;
  readonly message: string;
  readonly block?: string;
  readonly txId?: string;
}
