import { CheckCode, type CheckFailure } from './verify-error';

/** What to verify. */
export type VerifyTarget =
  | { readonly kind: 'shipment'; readonly shipmentId: string }
  | { readonly kind: 'reading'; readonly deviceId: string; readonly seq: number }
  | { readonly kind: 'forecast'; readonly runId: string };

/** One transaction the verification rests on. */
export interface VerifiedTransaction {
  readonly txId: string;
  readonly block: string;
  /** The invoked function, e.g. `reading:RecordReadings`; why the verifier looked at it. */
  readonly fn: string;
  readonly role: string;
  readonly validationCode: string;
  /** Endorsers whose identity and signature verified, e.g. `CarrierMSP.peer (CN=peer0.carrier...)`. */
  readonly endorsers: readonly string[];
}

/** The verifier's answer: every check it ran, what failed, and what it rests on. */
export interface VerifyReport {
  readonly target: VerifyTarget;
  /** True only when every check ran and none failed. */
  readonly verified: boolean;
  readonly channel: string;
  readonly chaincode: string;
  /** The organisation whose peer served the blocks. */
  readonly peer: string;
  /** SHA-256 of the trusted genesis block's header, hex. */
  readonly genesisHeaderHash: string;
  /** The blocks walked: 0 through `lastBlock` of a chain `height` blocks high. */
  readonly chain: { readonly height: string; readonly lastBlock: string; readonly blocks: number };
  /** The endorsement policies in force for the chaincode, as Fabric's policy language writes them. */
  readonly endorsementPolicies: readonly string[];
  /** Per check, how many times it ran and how many of those failed. */
  readonly checks: Readonly<Record<CheckCode, { readonly ran: number; readonly failed: number }>>;
  readonly transactions: readonly VerifiedTransaction[];
  readonly readings: { readonly verified: number; readonly devices: readonly string[] };
  readonly failures: readonly CheckFailure[];
  readonly durationMs: number;
}

/** Counts checks as they run and collects failures. */
export class CheckTally {
  readonly #checks = Object.fromEntries(
    Object.values(CheckCode).map((code) => [code, { ran: 0, failed: 0 }]),
  ) as Record<CheckCode, { ran: number; failed: number }>;
  readonly failures: CheckFailure[] = [];

  /** Records one run of `code`; a defined `problem` is a failure. */
  check(code: CheckCode, problem: string | undefined, where?: { block?: bigint; txId?: string }): boolean {
    this.#checks[code].ran++;
    if (problem === undefined) return true;
    this.#checks[code].failed++;
    this.failures.push({
      code,
      message: problem,
      ...(where?.block !== undefined && { block: where.block.toString() }),
      ...(where?.txId !== undefined && { txId: where.txId }),
    });
    return false;
  }

  get checks(): VerifyReport['checks'] {
    return structuredClone(this.#checks);
  }
}

const DESCRIPTIONS: Readonly<Record<CheckCode, string>> = {
  GENESIS_MISMATCH: 'block 0 is the trusted genesis block',
  HASH_CHAIN_BROKEN: "blocks linked by their previous header's hash",
  DATA_HASH_MISMATCH: 'data hashes match the blocks\u2019 transactions',
  ORDERER_SIGNATURE: 'blocks signed under the orderers\u2019 BlockValidation policy',
  CONFIG_UPDATE_UNVERIFIED:
    'every configuration change after genesis signed as its mod_policy requires, and applied as signed',
  MALFORMED_TRANSACTION: 'transactions decode and sit where the peer\u2019s index says',
  TRANSACTION_NOT_VALID: 'transactions marked VALID',
  CREATOR_SIGNATURE: 'transactions signed by a channel member',
  ENDORSEMENT_INVALID: 'endorsements by channel members, signatures verified',
  ENDORSEMENT_POLICY: 'endorsement policy satisfied',
  NO_CHAINCODE_DEFINITION: 'chaincode definition precedes each transaction',
  DEVICE_UNKNOWN: 'devices registered before their readings',
  DEVICE_REVOKED: 'devices not revoked before their readings',
  DEVICE_SIGNATURE: 'device signatures verified with the key then registered',
  STATE_MISMATCH: 'the peer\u2019s state matches the blocks',
};

const describeTarget = (target: VerifyTarget): string => {
  switch (target.kind) {
    case 'shipment':
      return `shipment ${target.shipmentId}`;
    case 'reading':
      return `reading ${target.seq} of device ${target.deviceId}`;
    case 'forecast':
      return `forecast run ${target.runId}`;
  }
};

/** The human summary: one line per check, then every failure with its code. */
export function formatReport(report: VerifyReport): string {
  const lines = [
    `provena-verify: ${describeTarget(report.target)} on channel ${report.channel} (chaincode ${report.chaincode}), ` +
      `blocks from ${report.peer}'s peer`,
    `  genesis header hash ${report.genesisHeaderHash}; walked blocks 0..${report.chain.lastBlock} of ${report.chain.height}`,
    `  endorsement policy: ${report.endorsementPolicies.join('; ') || '(none found)'}`,
    `  ${report.transactions.length} transaction(s), ${report.readings.verified} reading(s) of ` +
      `${report.readings.devices.length} device(s)`,
  ];
  for (const [code, { ran, failed }] of Object.entries(report.checks) as [
    CheckCode,
    { ran: number; failed: number },
  ][]) {
    if (ran === 0) continue;
    lines.push(`  ${failed === 0 ? '\u2713' : '\u2717'} ${DESCRIPTIONS[code]}: ${ran - failed} of ${ran}`);
  }
  if (report.verified) {
    lines.push(`VERIFIED in ${(report.durationMs / 1000).toFixed(2)} s`);
  } else {
    lines.push(`FAILED: ${report.failures.length} check(s) did not hold`);
    for (const failure of report.failures) lines.push(`  ${failure.code}: ${failure.message}`);
  }
  return lines.join('\n');
}
