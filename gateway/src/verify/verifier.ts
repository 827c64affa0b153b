import { createHash } from 'node:crypto';
import { canonicalJson, parseStrictJson } from '@provena/wire';
import type { AuditorPeer } from './auditor-peer.port';
import {
  BLOCK_VALIDATION_POLICY,
  LIFECYCLE_ENDORSEMENT_POLICY,
  parseChannelConfig,
  parseValidationInfo,
  validationInfoKey,
  type EndorsementPolicy,
} from './channel-config';
import {
  deviceIdOfKey,
  isReadingKey,
  stateKeys,
  type DeviceRecordView,
  type ForecastAnchorView,
  type ReadingRecordView,
  type ShipmentProvenanceView,
} from './chaincode-state';
import { checkConfigUpdate, type ConfigInForce } from './config-update';
import { DeviceHistory, isBefore, type LedgerPosition } from './device-history';
import {
  configOfBlock,
  decodeBlock,
  VALID_CODE,
  validationCodeName,
  type BlockTransaction,
  type DecodedBlock,
} from './fabric-block';
import { blockHeaderBytes, blockHeaderHash, checkChainLink, checkDataHash, hex } from './hash-chain';
import {
  checkIdentity,
  checkSignature,
  checkValidityPeriod,
  type IdentityCheck,
  type ValidIdentity,
} from './msp-identity';
import { evaluateConfigPolicy, evaluateSignaturePolicy, policyText } from './signature-policy';
import { CheckCode, VerifyError, VerifyErrorCode } from './verify-error';
import { CheckTally, type VerifiedTransaction, type VerifyReport, type VerifyTarget } from './verify-report';

export interface VerifierOptions {
  /** The auditor's own peer: the only source of blocks. */
  readonly peer: AuditorPeer;
  /** The channel's genesis block as the auditor holds it: the only other thing trusted. */
  readonly genesisBlock: Uint8Array;
  readonly channel: string;
  readonly chaincode: string;
  /** Blocks requested from the peer at once while walking the chain. */
  readonly blocksInFlight?: number;
}

/** Verifies shipments, readings and forecast runs against the blocks of the auditor's peer. */
export interface Verifier {
  /**
   * Runs every check for `target` and reports each one. A check that fails is in the report, not thrown.
   * @throws VerifyError NOT_FOUND when the target is not on the ledger; LEDGER_UNAVAILABLE when the peer fails.
   */
  verify(target: VerifyTarget): Promise<VerifyReport>;
}

/**
 * A verifier that trusts the genesis block it is given and reads everything else from the auditor's peer.
 * @example
 * const verifier = newVerifier({ peer, genesisBlock: readFileSync('provena.block'), channel: 'provena', chaincode: 'provena' });
 * const report = await verifier.verify({ kind: 'shipment', shipmentId: 'SHP-1' });
 * @throws VerifyError BAD_GENESIS when the genesis block is not a channel configuration block.
 */
export function newVerifier(options: Readonly<VerifierOptions>): Verifier {
  let genesis: DecodedBlock;
  let config: ConfigInForce;
  try {
    genesis = decodeBlock(options.genesisBlock);
    if (genesis.number !== 0n) throw new Error(`it is block ${genesis.number}, not block 0`);
    const raw = configOfBlock(genesis);
    config = { config: raw, parsed: parseChannelConfig(raw) };
  } catch (err) {
    throw new VerifyError(
      VerifyErrorCode.BadGenesis,
      `the trusted genesis block cannot be used: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  return { verify: (target) => new Verification(options, genesis, config).run(target) };
}

/** A transaction as the walk found it. */
interface WalkedTransaction {
  readonly tx: BlockTransaction;
  readonly position: LedgerPosition;
  readonly code: number | undefined;
}

/** A committed chaincode definition: its endorsement policy, or why it cannot be read. */
interface ChaincodeDefinition {
  readonly walked: WalkedTransaction;
  readonly policy: EndorsementPolicy | string;
}

/** What a target's queries say the blocks must show. */
interface Expectations {
  /** Transactions to verify, with why. */
  readonly roles: Map<string, string>;
  /** Records the peer's state holds, which the latest write in the blocks must equal. */
  readonly records: { readonly key: string; readonly what: string; readonly value: unknown }[];
  /** Which reading writes of the target's transactions belong to the target. */
  readonly isTargetReading: (key: string, record: ReadingRecordView) => boolean;
  /** Readings per device the state says the target has (shipments). */
  readonly readingCounts?: Map<string, number>;
}

const LIFECYCLE = '_lifecycle';
const LOCATE_BATCH = 8;

/** One run of the checks for one target. */
class Verification {
  readonly #options: Readonly<VerifierOptions>;
  readonly #genesis: DecodedBlock;
  /**
   * The configurations in force, oldest first: the genesis one from block 0, then each authorised update's from
   * the block after the one that carries it. Identities and policies are judged by the one in force where used.
   */
  readonly #configs: { readonly from: bigint; readonly state: ConfigInForce }[];
  readonly #tally = new CheckTally();
  readonly #identities = new Map<string, IdentityCheck>();
  readonly #devices = new DeviceHistory();
  readonly #deviceWriters = new Map<string, WalkedTransaction>();
  readonly #definitions: ChaincodeDefinition[] = [];
  readonly #policiesUsed = new Set<string>();
  readonly #walked = new Map<string, WalkedTransaction>();
  readonly #latest = new Map<string, { walked: WalkedTransaction; value: Uint8Array; isDelete: boolean }>();
  readonly #checked = new Set<string>();
  readonly #transactions: VerifiedTransaction[] = [];

  constructor(options: Readonly<VerifierOptions>, genesis: DecodedBlock, config: ConfigInForce) {
    this.#options = options;
    this.#genesis = genesis;
    this.#configs = [{ from: 0n, state: config }];
  }

  /** The configuration in force for block `number` (for a configuration block: the one before its change). */
  #configAt(number: bigint): { readonly index: number; readonly state: ConfigInForce } {
    let index = 0;
    for (let i = 0; i < this.#configs.length; i++) if (this.#configs[i]!.from <= number) index = i;
    return { index, state: this.#configs[index]!.state };
  }

  async run(target: VerifyTarget): Promise<VerifyReport> {
    const started = performance.now();
    const expected = await this.#expectations(target);
    const located = new Map<string, { blockNumber: bigint; validationCode: string }>();
    // A shipment's transactions are located a few at a time: each answer is two qscc round trips.
    const txIds = [...expected.roles.keys()];
    for (let i = 0; i < txIds.length; i += LOCATE_BATCH) {
      const batch = txIds.slice(i, i + LOCATE_BATCH);
      const answers = await Promise.all(batch.map((txId) => this.#options.peer.locate(txId)));
      batch.forEach((txId, j) => located.set(txId, answers[j]!));
    }
    const lastBlock = [...located.values()].reduce(
      (max, l) => (l.blockNumber > max ? l.blockNumber : max),
      0n,
    );
    const height = await this.#options.peer.chainHeight();
    let blocks = 0;
    const recordKeys = new Set(expected.records.map((r) => r.key));
    let previous: DecodedBlock | undefined;
    for await (const { number, bytes } of this.#blocks(lastBlock)) {
      blocks++;
      let block: DecodedBlock;
      try {
        block = decodeBlock(bytes);
      } catch (err) {
        this.#tally.check(
          CheckCode.MalformedTransaction,
          `block ${number} from the peer cannot be decoded: ${err instanceof Error ? err.message : String(err)}`,
          { block: number },
        );
        previous = undefined;
        continue;
      }
      this.#checkBlock(number, block, previous);
      this.#collect(block, expected, recordKeys);
      previous = block;
    }

    for (const [txId, role] of expected.roles) {
      const walked = this.#walked.get(txId);
      const where = located.get(txId);
      if (
        !this.#tally.check(
          CheckCode.MalformedTransaction,
          walked && where && walked.position.block === where.blockNumber
            ? undefined
            : `the peer's index puts transaction ${txId} (${role}) in block ${where?.blockNumber}, ` +
                `but ${walked ? `the chain holds it in block ${walked.position.block}` : 'no block up to there holds it'}`,
          { txId },
        ) ||
        !walked
      ) {
        continue;
      }
      const flag = validationCodeName(walked.code);
      this.#tally.check(
        CheckCode.StateMismatch,
        where?.validationCode === flag
          ? undefined
          : `transaction ${txId}: the peer's index records ${where?.validationCode}, its block's filter ${flag}`,
        { block: walked.position.block, txId },
      );
      this.#checkTransaction(walked, role);
    }
    const readings = this.#checkReadings(expected);
    this.#checkRecords(expected);

    const failures = this.#tally.failures;
    return {
      target,
      verified: failures.length === 0 && this.#checked.size > 0,
      channel: this.#options.channel,
      chaincode: this.#options.chaincode,
      peer: this.#options.peer.mspId,
      genesisHeaderHash: hex(blockHeaderHash(this.#genesis)),
      chain: { height: height.toString(), lastBlock: lastBlock.toString(), blocks },
      endorsementPolicies: [...this.#policiesUsed],
      checks: this.#tally.checks,
      transactions: this.#transactions,
      readings,
      failures,
      durationMs: Math.round(performance.now() - started),
    };
  }

  /** What the peer's state says about the target: its transactions, and the records to compare with the blocks. */
  async #expectations(target: VerifyTarget): Promise<Expectations> {
    const peer = this.#options.peer;
    switch (target.kind) {
      case 'shipment': {
        const p = await peer.query<ShipmentProvenanceView>('shipment:GetShipmentProvenance', [
          target.shipmentId,
        ]);
        const roles = new Map<string, string>();
        const add = (txId: string | null | undefined, role: string): void => {
          if (txId && !roles.has(txId)) roles.set(txId, role);
        };
        add(p.shipment.createdAtTxId, 'shipment created');
        for (const step of p.shipment.custody) add(step.txId, `custody ${step.action}`);
        for (const a of p.attachments) {
          add(a.attachedAtTxId, `device ${a.deviceId} attached`);
          add(a.detachedAtTxId, `device ${a.deviceId} detached`);
        }
        for (const r of p.readings) for (const txId of r.txIds) add(txId, `readings of device ${r.deviceId}`);
        for (const b of p.breaches) {
          add(b.txId, `breach ${b.deviceId}/${b.seq}/${b.rule}`);
          add(b.disposition?.txId, `disposition of breach ${b.deviceId}/${b.seq}/${b.rule}`);
        }
        const id = target.shipmentId;
        return {
          roles,
          records: [
            { key: stateKeys.shipment(id), what: `shipment ${id}`, value: p.shipment },
            ...p.attachments.map((a) => ({
              key: stateKeys.attachment(id, a.deviceId),
              what: `attachment of device ${a.deviceId}`,
              value: a,
            })),
            ...p.breaches.map((b) => ({
              key: stateKeys.breach(id, b.deviceId, b.seq, b.rule),
              what: `breach ${b.deviceId}/${b.seq}/${b.rule}`,
              value: b,
            })),
          ],
          isTargetReading: (_key, record) => record.reading.shipmentId === id,
          readingCounts: new Map(p.readings.map((r) => [r.deviceId, r.count])),
        };
      }
      case 'reading': {
        const record = await peer.query<ReadingRecordView>('reading:GetReading', [
          target.deviceId,
          String(target.seq),
        ]);
        const key = stateKeys.reading(target.deviceId, target.seq);
        return {
          roles: new Map([[record.txId, `reading ${target.seq} of device ${target.deviceId}`]]),
          records: [{ key, what: `reading ${target.seq} of device ${target.deviceId}`, value: record }],
          isTargetReading: (k) => k === key,
          readingCounts: new Map([[target.deviceId, 1]]),
        };
      }
      case 'forecast': {
        const anchor = await peer.query<ForecastAnchorView>('forecast:GetForecastAnchor', [target.runId]);
        return {
          roles: new Map([[anchor.txId, `anchor of forecast run ${target.runId}`]]),
          records: [
            {
              key: stateKeys.forecastRun(target.runId),
              what: `anchor of forecast run ${target.runId}`,
              value: anchor,
            },
          ],
          isTargetReading: () => false,
        };
      }
    }
  }

  /** Blocks 0..last, a few requested ahead: the walk is bound by round trips to the peer. */
  async *#blocks(last: bigint): AsyncGenerator<{ number: bigint; bytes: Uint8Array }> {
    const ahead = this.#options.blocksInFlight ?? 8;
    const pending: Promise<Uint8Array>[] = [];
    let next = 0n;
    const fill = (): void => {
      while (pending.length < ahead && next <= last) {
        const request = this.#options.peer.block(next++);
        // Awaited in order below; this only keeps a failure ahead of the cursor from going unhandled.
        request.catch(() => undefined);
        pending.push(request);
      }
    };
    fill();
    for (let number = 0n; number <= last; number++) {
      const bytes = await pending.shift()!;
      fill();
      yield { number, bytes };
    }
  }

  /** The block's own checks: its place in the chain, its data hash, the orderers' signatures. */
  #checkBlock(number: bigint, block: DecodedBlock, previous: DecodedBlock | undefined): void {
    const where = { block: number };
    if (block.number !== number) {
      this.#tally.check(
        CheckCode.HashChainBroken,
        `the peer answered block ${block.number} when asked for block ${number}`,
        where,
      );
      return;
    }
    if (number === 0n) {
      const same = blockHeaderHash(block).equals(blockHeaderHash(this.#genesis));
      this.#tally.check(
        CheckCode.GenesisMismatch,
        same
          ? undefined
          : `block 0 from the peer (header hash ${hex(blockHeaderHash(block))}) is not the trusted genesis block ` +
              `(header hash ${hex(blockHeaderHash(this.#genesis))})`,
        where,
      );
    } else {
      this.#tally.check(
        CheckCode.HashChainBroken,
        previous
          ? checkChainLink(previous, block)
          : `block ${number}: block ${number - 1n} could not be read, so the chain cannot be followed`,
        where,
      );
      this.#tally.check(CheckCode.OrdererSignature, this.#checkOrdererSignatures(block), where);
    }
    this.#tally.check(CheckCode.DataHashMismatch, checkDataHash(block, block.envelopes), where);
  }

  #checkOrdererSignatures(block: DecodedBlock): string | undefined {
    if (block.signatures.length === 0) return `block ${block.number} carries no orderer signature`;
    const header = blockHeaderBytes(block);
    const signers: ValidIdentity[] = [];
    const problems: string[] = [];
    block.signatures.forEach((signature, i) => {
      if (signature.creator.length === 0) {
        problems.push(
          `signature ${i + 1} names its signer by a BFT consenter id, which this verifier does not resolve`,
        );
        return;
      }
      const identity = this.#identity(signature.creator, block.number);
      if (!identity.ok) {
        problems.push(`signature ${i + 1}: ${identity.problem}`);
        return;
      }
      const signed = Buffer.concat([block.signatureValue, signature.signatureHeader, header]);
      const bad = checkSignature(identity.identity, signed, signature.signature);
      if (bad) problems.push(`signature ${i + 1}: ${bad} over the block header and metadata`);
      else signers.push(identity.identity);
    });
    const policies = this.#configAt(block.number).state.parsed.policies;
    const policy = evaluateConfigPolicy(policies, BLOCK_VALIDATION_POLICY, signers);
    return policy === undefined ? undefined : `block ${block.number}: ${[...problems, policy].join('; ')}`;
  }

  /** Keeps what later checks need from a block: the target's transactions, device versions, chaincode definitions. */
  #collect(block: DecodedBlock, expected: Expectations, recordKeys: ReadonlySet<string>): void {
    for (const tx of block.transactions) {
      const position: LedgerPosition = { block: block.number, index: tx.index, txId: tx.txId };
      const walked: WalkedTransaction = { tx, position, code: block.validationCodes[tx.index] };
      if (tx.type === 'config' && block.number > 0n) this.#applyConfigUpdate(block.number, tx, walked.code);
      // The first occurrence of an id is the one Fabric may have accepted; a repeat is DUPLICATE_TXID.
      if (expected.roles.has(tx.txId) && !this.#walked.has(tx.txId)) this.#walked.set(tx.txId, walked);
      if (walked.code !== VALID_CODE) continue;
      for (const action of tx.actions) {
        for (const write of action.writes) {
          if (write.namespace === this.#options.chaincode) {
            if (recordKeys.has(write.key)) {
              this.#latest.set(write.key, { walked, value: write.value, isDelete: write.isDelete });
            }
            const deviceId = deviceIdOfKey(write.key);
            if (deviceId !== undefined && !write.isDelete) {
              const record = parseJson<DeviceRecordView>(write.value);
              if (record) {
                this.#devices.add(deviceId, position, record);
                this.#deviceWriters.set(tx.txId, walked);
              }
            }
          } else if (
            write.namespace === LIFECYCLE &&
            write.key === validationInfoKey(this.#options.chaincode)
          ) {
            let policy: EndorsementPolicy | string;
            try {
              policy = parseValidationInfo(write.value);
            } catch (err) {
              policy = `its validation info cannot be read: ${err instanceof Error ? err.message : String(err)}`;
            }
            this.#definitions.push({ walked, policy });
          }
        }
      }
    }
  }

  /**
   * Validation flag, creator, endorsements and the endorsement policy of one transaction, once however many
   * readings or records rest on it.
   */
  #checkTransaction(walked: WalkedTransaction, role: string): void {
    const { tx, position } = walked;
    if (this.#checked.has(tx.txId)) return;
    this.#checked.add(tx.txId);
    const where = { block: position.block, txId: tx.txId };
    const label = `block ${position.block}, transaction ${tx.txId} (${role})`;
    const flag = validationCodeName(walked.code);
    this.#tally.check(
      CheckCode.InvalidTransaction,
      walked.code === VALID_CODE ? undefined : `${label}: TRANSACTIONS_FILTER marks it ${flag}, not VALID`,
      where,
    );
    if (
      !this.#tally.check(
        CheckCode.MalformedTransaction,
        tx.malformed && `${label} cannot be decoded: ${tx.malformed}`,
        where,
      )
    ) {
      return;
    }
    this.#tally.check(CheckCode.CreatorSignature, this.#creatorProblem(tx, position.block), where);

    const endorsers: string[] = [];
    for (const action of tx.actions) {
      const signers: ValidIdentity[] = [];
      action.endorsements.forEach((endorsement, i) => {
        const identity = this.#identity(endorsement.endorser, position.block);
        const problem = identity.ok
          ? (checkValidityPeriod(identity.identity, tx.timestampMs) ??
            checkSignature(
              identity.identity,
              Buffer.concat([action.proposalResponsePayload, endorsement.endorser]),
              endorsement.signature,
            ))
          : identity.problem;
        const ok = this.#tally.check(
          CheckCode.EndorsementInvalid,
          problem && `${label}: endorsement ${i + 1} of ${action.endorsements.length}: ${problem}`,
          where,
        );
        // Fabric counts an identity once however often it signed.
        if (
          ok &&
          identity.ok &&
          !signers.some((s) => s.certificate.raw.equals(identity.identity.certificate.raw))
        ) {
          signers.push(identity.identity);
        }
      });
      endorsers.push(...signers.map((s) => s.label));
      const namespaces = new Set(action.writes.map((w) => w.namespace));
      if (namespaces.size === 0) namespaces.add(action.chaincode);
      for (const namespace of namespaces) this.#checkPolicy(namespace, signers, walked, label);
    }
    this.#transactions.push({
      txId: tx.txId,
      block: position.block.toString(),
      fn: tx.actions[0]?.fn ?? tx.type,
      role,
      validationCode: flag,
      endorsers,
    });
  }

  #creatorProblem(tx: BlockTransaction, block: bigint): string | undefined {
    const creator = this.#identity(tx.creator, block);
    if (!creator.ok) return `the creator of transaction ${tx.txId}: ${creator.problem}`;
    const expiry = checkValidityPeriod(creator.identity, tx.timestampMs);
    if (expiry) return `the creator of transaction ${tx.txId}: ${expiry}`;
    const signature = checkSignature(creator.identity, tx.payload, tx.signature);
    if (signature) return `transaction ${tx.txId}: ${signature} over the envelope`;
    // The id is the hash of the nonce and the creator: a transaction cannot be given another's id.
    const expected = createHash('sha256').update(tx.nonce).update(tx.creator).digest('hex');
    if (expected !== tx.txId)
      return `transaction ${tx.txId}: its id is not the hash of its nonce and creator (${expected})`;
    return undefined;
  }

  #checkPolicy(
    namespace: string,
    signers: readonly ValidIdentity[],
    walked: WalkedTransaction,
    label: string,
  ): void {
    const where = { block: walked.position.block, txId: walked.tx.txId };
    const satisfiedBy =
      signers.length === 0 ? 'no valid endorsement' : signers.map((s) => s.label).join(', ');
    if (namespace === LIFECYCLE) {
      const { policies } = this.#configAt(walked.position.block).state.parsed;
      const problem = evaluateConfigPolicy(policies, LIFECYCLE_ENDORSEMENT_POLICY, signers);
      this.#tally.check(CheckCode.EndorsementPolicy, problem && `${label}: ${problem}`, where);
      return;
    }
    if (namespace !== this.#options.chaincode) {
      this.#tally.check(
        CheckCode.EndorsementPolicy,
        `${label}: writes namespace ${namespace}, whose endorsement policy this verifier does not know`,
        where,
      );
      return;
    }
    let definition: ChaincodeDefinition | undefined;
    for (const d of this.#definitions) if (isBefore(d.walked.position, walked.position)) definition = d;
    if (
      !this.#tally.check(
        CheckCode.NoChaincodeDefinition,
        definition ? undefined : `${label}: no committed definition of chaincode ${namespace} precedes it`,
        where,
      ) ||
      !definition
    ) {
      return;
    }
    const defined = `chaincode definition in block ${definition.walked.position.block}`;
    this.#checkTransaction(definition.walked, `definition of chaincode ${namespace}`);
    const policy = definition.policy;
    if (typeof policy === 'string') {
      this.#tally.check(CheckCode.EndorsementPolicy, `${label}: the ${defined}: ${policy}`, where);
      return;
    }
    if (policy.kind === 'reference') {
      this.#policiesUsed.add(`${policy.path} (${defined})`);
      const { policies } = this.#configAt(walked.position.block).state.parsed;
      const problem = evaluateConfigPolicy(policies, policy.path, signers);
      this.#tally.check(CheckCode.EndorsementPolicy, problem && `${label}: ${problem}`, where);
      return;
    }
    const text = policyText(policy.policy);
    this.#policiesUsed.add(`${text} (${defined})`);
    this.#tally.check(
      CheckCode.EndorsementPolicy,
      evaluateSignaturePolicy(policy.policy, signers)
        ? undefined
        : `${label}: endorsed by ${satisfiedBy}, which does not satisfy ${text} (${defined})`,
      where,
    );
  }

  /** Each reading the target's transactions wrote: its record, its device at that point, its signature. */
  #checkReadings(expected: Expectations): VerifyReport['readings'] {
    const perDevice = new Map<string, number>();
    let verified = 0;
    const targets = [...this.#walked.values()].sort((a, b) => (isBefore(a.position, b.position) ? -1 : 1));
    for (const walked of targets) {
      if (walked.code !== VALID_CODE) continue;
      const where = { block: walked.position.block, txId: walked.tx.txId };
      for (const write of walked.tx.actions.flatMap((a) => a.writes)) {
        if (write.namespace !== this.#options.chaincode || write.isDelete || !isReadingKey(write.key))
          continue;
        const record = parseJson<ReadingRecordView>(write.value);
        if (!record?.reading || typeof record.signature !== 'string') {
          this.#tally.check(
            CheckCode.MalformedTransaction,
            `block ${walked.position.block}, transaction ${walked.tx.txId}: ${JSON.stringify(write.key)} does not hold a reading record`,
            where,
          );
          continue;
        }
        if (!expected.isTargetReading(write.key, record)) continue;
        const { deviceId, seq } = record.reading;
        perDevice.set(deviceId, (perDevice.get(deviceId) ?? 0) + 1);
        const hash = createHash('sha256').update(canonicalJson(record.reading)).digest('hex');
        this.#tally.check(
          CheckCode.StateMismatch,
          record.txId === walked.tx.txId && record.hash === hash
            ? undefined
            : `reading ${seq} of device ${deviceId} (block ${walked.position.block}): its record names transaction ` +
                `${record.txId} and hash ${record.hash}; it was written by ${walked.tx.txId} and hashes to ${hash}`,
          where,
        );
        const verdict = this.#devices.judge(record, walked.position);
        const failed = verdict.ok ? undefined : verdict.code;
        this.#tally.check(
          CheckCode.DeviceUnknown,
          failed === 'DEVICE_UNKNOWN' ? verdict.message : undefined,
          where,
        );
        if (failed !== 'DEVICE_UNKNOWN') {
          this.#tally.check(
            CheckCode.DeviceRevoked,
            failed === 'DEVICE_REVOKED' ? verdict.message : undefined,
            where,
          );
        }
        if (failed === undefined || failed === 'DEVICE_SIGNATURE') {
          this.#tally.check(CheckCode.DeviceSignature, verdict.message, where);
        }
        if (verdict.version) {
          const writer = this.#deviceWriters.get(verdict.version.position.txId);
          if (writer) this.#checkTransaction(writer, `record of device ${deviceId}`);
        }
        if (verdict.ok) verified++;
      }
    }
    if (expected.readingCounts) {
      for (const [deviceId, count] of expected.readingCounts) {
        const found = perDevice.get(deviceId) ?? 0;
        this.#tally.check(
          CheckCode.StateMismatch,
          found === count
            ? undefined
            : `device ${deviceId}: the peer's state lists ${count} reading(s) of the target, its transactions' blocks hold ${found}`,
        );
      }
    }
    return { verified, devices: [...perDevice.keys()] };
  }

  /** The peer's state against the latest write the blocks hold for each record the target's queries returned. */
  #checkRecords(expected: Expectations): void {
    for (const { key, what, value } of expected.records) {
      const latest = this.#latest.get(key);
      if (!latest || latest.isDelete) {
        this.#tally.check(
          CheckCode.StateMismatch,
          `${what}: no valid transaction in the walked blocks wrote it`,
        );
        continue;
      }
      const where = { block: latest.walked.position.block, txId: latest.walked.tx.txId };
      const written = parseJson<unknown>(latest.value);
      const same = written !== undefined && canonicalJson(written) === canonicalJson(value);
      this.#tally.check(
        CheckCode.StateMismatch,
        same
          ? undefined
          : `${what}: the peer's state answers another value than block ${where.block} (transaction ${where.txId}) wrote`,
        where,
      );
      if (!expected.roles.has(where.txId)) this.#checkTransaction(latest.walked, `last write of ${what}`);
    }
  }

  /** An identity judged by the configuration in force at `block` (its MSPs, their revocation lists). */
  #identity(serialized: Uint8Array, block: bigint): IdentityCheck {
    const { index, state } = this.#configAt(block);
    const key = `${index}:${Buffer.from(serialized).toString('base64')}`;
    let checked = this.#identities.get(key);
    if (!checked) this.#identities.set(key, (checked = checkIdentity(serialized, state.parsed.msps)));
    return checked;
  }

  /**
   * A configuration change after genesis: judged against the configuration in force before it (signatures,
   * mod_policy of each changed element, the new configuration following from the update); when authorised, it is
   * the configuration in force from the next block on.
   */
  #applyConfigUpdate(number: bigint, tx: BlockTransaction, code: number | undefined): void {
    const where = { block: number, txId: tx.txId };
    if (code !== VALID_CODE || !tx.config) {
      this.#tally.check(
        CheckCode.ConfigUpdate,
        `block ${number} holds a configuration transaction that is not valid or cannot be read`,
        where,
      );
      return;
    }
    const outcome = checkConfigUpdate(this.#configAt(number).state, tx.config, tx.lastUpdate, (s) =>
      this.#identity(s, number),
    );
    this.#tally.check(
      CheckCode.ConfigUpdate,
      outcome.ok ? undefined : `block ${number} changes the channel configuration: ${outcome.problem}`,
      where,
    );
    if (outcome.ok) this.#configs.push({ from: number + 1n, state: outcome.next });
  }
}

function parseJson<T>(bytes: Uint8Array): T | undefined {
  try {
    // Records are small, but a custody note or forecast metric may be longer than one reading envelope.
    return parseStrictJson(Buffer.from(bytes).toString('utf8'), { maxStringLength: 1_000_000 }) as T;
  } catch {
    return undefined;
  }
}
