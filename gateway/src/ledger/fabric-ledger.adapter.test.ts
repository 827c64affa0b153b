import { X509Certificate, verify } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { common, gateway, msp, peer } from '@hyperledger/fabric-protos';
import { certificatePair } from '../testing/test-certificates';
import { FabricLedgerAdapter, type FabricLedgerOptions } from './fabric-ledger.adapter';

// A unit test of the Fabric adapter against a test double of a peer's Gateway gRPC service (fabric-protos'
// service definition, TLS, real protobuf messages). The double checks every signature the way a peer does
// (ECDSA P-256 over SHA-256 of the signed bytes, DER, low S, against the creator's certificate). It is not Fabric:
// no endorsement, ordering or validation happens; it only shows that this adapter's transactions, signer and
// result parsing hold together.

const HALF_N = BigInt('0x7fffffff800000007fffffffffffffffde737d56d38bcce4e96b6e1e5a22e0a5');

/** Verifies a signature as a peer does, or throws. */
function checkSignature(data: Uint8Array, signature: Uint8Array, idBytes: Uint8Array): void {
  const key = new X509Certificate(Buffer.from(idBytes)).publicKey;
  if (!verify('sha256', data, { key, dsaEncoding: 'der' }, signature))
    throw new Error('signature does not verify');
  const der = Buffer.from(signature);
  const rLength = der[3] as number;
  const sLength = der[5 + rLength] as number;
  const s = BigInt('0x' + der.subarray(6 + rLength, 6 + rLength + sLength).toString('hex'));
  if (s > HALF_N) throw new Error('high-S signature');
}

interface Invocation {
  mspId: string;
  args: string[];
}

function openProposal(signed: peer.SignedProposal): { invocation: Invocation; header: common.Header } {
  const proposal = peer.Proposal.deserializeBinary(signed.getProposalBytes_asU8());
  const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
  const creator = msp.SerializedIdentity.deserializeBinary(
    common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8()).getCreator_asU8(),
  );
  checkSignature(signed.getProposalBytes_asU8(), signed.getSignature_asU8(), creator.getIdBytes_asU8());
  const payload = peer.ChaincodeProposalPayload.deserializeBinary(proposal.getPayload_asU8());
  const spec = peer.ChaincodeInvocationSpec.deserializeBinary(payload.getInput_asU8()).getChaincodeSpec();
  const args = (spec?.getInput()?.getArgsList_asU8() ?? []).map((a) => Buffer.from(a).toString('utf8'));
  return { invocation: { mspId: creator.getMspid(), args }, header };
}

const bytesOf = (result: string | Uint8Array): Uint8Array =>
  typeof result === 'string' ? Buffer.from(result) : result;

/** The Envelope a peer's gateway returns from Endorse, carrying the chaincode's response. */
function preparedTransaction(header: common.Header, result: string | Uint8Array): common.Envelope {
  const response = new peer.Response();
  response.setStatus(200);
  response.setPayload(bytesOf(result));
  const action = new peer.ChaincodeAction();
  action.setResponse(response);
  const responsePayload = new peer.ProposalResponsePayload();
  responsePayload.setExtension$(action.serializeBinary());
  const endorsed = new peer.ChaincodeEndorsedAction();
  endorsed.setProposalResponsePayload(responsePayload.serializeBinary());
  const actionPayload = new peer.ChaincodeActionPayload();
  actionPayload.setAction(endorsed);
  const txAction = new peer.TransactionAction();
  txAction.setHeader(header.getSignatureHeader_asU8());
  txAction.setPayload(actionPayload.serializeBinary());
  const transaction = new peer.Transaction();
  transaction.addActions(txAction);
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(transaction.serializeBinary());
  const envelope = new common.Envelope();
  envelope.setPayload(payload.serializeBinary());
  return envelope;
}

type Handler = (call: { request: unknown }, callback: grpc.sendUnaryData<unknown>) => void;

class PeerDouble {
  readonly invocations: Invocation[] = [];
  readonly submitted: string[] = [];
  /** Validation codes to answer commit-status requests with, in order; then VALID. */
  readonly commitCodes: number[] = [];
  block = 10;
  /** How long commit-status answers take, and the most transactions seen between Submit and that answer. */
  commitDelayMs = 0;
  /** Refuse a Submit of a transaction id already submitted (as with every orderer down), instead of taking it. */
  refuseResends = false;
  #awaitingCommit = 0;
  peakAwaitingCommit = 0;
  readonly server = new grpc.Server();

  constructor(private readonly answer: (invocation: Invocation) => string | Uint8Array) {
    const wrap =
      (fn: (request: never) => unknown): Handler =>
      (call, callback) => {
        try {
          callback(null, fn(call.request as never));
        } catch (err) {
          callback({ code: grpc.status.INVALID_ARGUMENT, details: (err as Error).message });
        }
      };
    this.server.addService(gateway.GatewayService as unknown as grpc.ServiceDefinition, {
      evaluate: wrap((request: gateway.EvaluateRequest) => {
        const { invocation } = openProposal(request.getProposedTransaction() as peer.SignedProposal);
        this.invocations.push(invocation);
        const result = new peer.Response();
        result.setStatus(200);
        result.setPayload(bytesOf(this.answer(invocation)));
        const response = new gateway.EvaluateResponse();
        response.setResult(result);
        return response;
      }),
      endorse: wrap((request: gateway.EndorseRequest) => {
        const { invocation, header } = openProposal(request.getProposedTransaction() as peer.SignedProposal);
        this.invocations.push(invocation);
        const response = new gateway.EndorseResponse();
        response.setPreparedTransaction(preparedTransaction(header, this.answer(invocation)));
        return response;
      }),
      submit: wrap((request: gateway.SubmitRequest) => {
        const envelope = request.getPreparedTransaction() as common.Envelope;
        const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
        const creator = msp.SerializedIdentity.deserializeBinary(
          common.SignatureHeader.deserializeBinary(
            payload.getHeader()!.getSignatureHeader_asU8(),
          ).getCreator_asU8(),
        );
        checkSignature(envelope.getPayload_asU8(), envelope.getSignature_asU8(), creator.getIdBytes_asU8());
        const resend = this.submitted.includes(request.getTransactionId());
        if (resend && this.refuseResends) throw new Error('no orderer nodes available');
        this.submitted.push(request.getTransactionId());
        if (!resend) this.peakAwaitingCommit = Math.max(this.peakAwaitingCommit, ++this.#awaitingCommit);
        return new gateway.SubmitResponse();
      }),
      commitStatus: (call: { request: unknown }, callback: grpc.sendUnaryData<unknown>) => {
        const signed = call.request as gateway.SignedCommitStatusRequest;
        const request = gateway.CommitStatusRequest.deserializeBinary(signed.getRequest_asU8());
        const identity = msp.SerializedIdentity.deserializeBinary(request.getIdentity_asU8());
        checkSignature(signed.getRequest_asU8(), signed.getSignature_asU8(), identity.getIdBytes_asU8());
        setTimeout(() => {
          this.#awaitingCommit--;
          const response = new gateway.CommitStatusResponse();
          response.setResult((this.commitCodes.shift() ?? peer.TxValidationCode.VALID) as never);
          response.setBlockNumber(this.block++);
          callback(null, response);
        }, this.commitDelayMs);
      },
      chaincodeEvents: () => undefined,
    });
  }

  listen(tls: { cert: string; key: string }, port = 0): Promise<number> {
    const credentials = grpc.ServerCredentials.createSsl(null, [
      { cert_chain: readFileSync(tls.cert), private_key: readFileSync(tls.key) },
    ]);
    return new Promise((resolve, reject) =>
      this.server.bindAsync(`127.0.0.1:${port}`, credentials, (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
  }
}

describe('FabricLedgerAdapter against a test double of the Gateway service', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provena-fabric-'));
  const tls = certificatePair(dir, 'tls', '/CN=peer0.producer.test', 'DNS:peer0.producer.test');
  const admin = certificatePair(dir, 'admin', '/O=ProducerMSP/OU=admin/CN=admin');
  const operator = certificatePair(dir, 'operator', '/O=ProducerMSP/OU=client/CN=user1');
  let double: PeerDouble;
  let adapter: FabricLedgerAdapter;
  let options: FabricLedgerOptions;
  let port: number;
  const echo = ({ args }: Invocation): string => JSON.stringify({ echoed: args });

  beforeEach(async () => {
    double = new PeerDouble(echo);
    port = await double.listen(tls);
    options = {
      peers: {
        ProducerMSP: {
          endpoint: `127.0.0.1:${port}`,
          tlsCaCertPath: tls.cert,
          hostAlias: 'peer0.producer.test',
        },
      },
      homeOrg: 'ProducerMSP',
      channel: 'provena',
      chaincode: 'provena',
      identities: [
        { mspId: 'ProducerMSP', role: 'admin', certPath: admin.cert, keyPath: admin.key },
        { mspId: 'ProducerMSP', role: 'operator', certPath: operator.cert, keyPath: operator.key },
      ],
      deadlines: { evaluateMs: 2000, endorseMs: 2000, submitMs: 2000, commitStatusMs: 2000 },
      conflictRetries: 2,
      resendAfterMs: 150,
      maxConcurrentSubmits: 3,
      keepaliveMs: 120_000,
    };
    adapter = new FabricLedgerAdapter(options);
  });

  afterEach(async () => {
    await adapter.close();
    double.server.forceShutdown();
  });

  it('submits with signatures a peer accepts, as the identity of the actor, and returns result, tx id and block', async () => {
    const committed = await adapter.submit<{ echoed: string[] }>(
      { org: 'ProducerMSP', role: 'admin' },
      'device:RegisterDevice',
      ['{"deviceId":"d1"}'],
    );
    expect(committed.result).toEqual({ echoed: ['device:RegisterDevice', '{"deviceId":"d1"}'] });
    expect(committed.blockNumber).toBe(10n);
    expect(double.submitted).toEqual([committed.txId]);
    expect(double.invocations).toEqual([
      { mspId: 'ProducerMSP', args: ['device:RegisterDevice', '{"deviceId":"d1"}'] },
    ]);
  });

  it('evaluates a query on the peer without ordering it', async () => {
    await expect(
      adapter.evaluate({ org: 'ProducerMSP', role: 'operator' }, 'device:GetDevice', ['d1']),
    ).resolves.toEqual({
      echoed: ['device:GetDevice', 'd1'],
    });
    expect(double.submitted).toEqual([]);
  });

  it('proposes again after an MVCC conflict, and reports COMMIT_FAILED once the retries are spent', async () => {
    double.commitCodes.push(peer.TxValidationCode.MVCC_READ_CONFLICT);
    const committed = await adapter.submit(
      { org: 'ProducerMSP', role: 'operator' },
      'shipment:AcceptCustody',
      ['S1'],
    );
    expect(double.submitted).toHaveLength(2);
    expect(double.submitted[1]).toBe(committed.txId);

    double.commitCodes.push(...Array(3).fill(peer.TxValidationCode.MVCC_READ_CONFLICT));
    await expect(
      adapter.submit({ org: 'ProducerMSP', role: 'operator' }, 'shipment:AcceptCustody', ['S1']),
    ).rejects.toMatchObject({
      code: 'COMMIT_FAILED',
      details: { validationCode: 'MVCC_READ_CONFLICT' },
    });
  });

  it('sends the same signed transaction again while no commit status comes, and not once one has', async () => {
    const operator = { org: 'ProducerMSP', role: 'operator' } as const;
    await adapter.submit(operator, 'shipment:DeliverShipment', ['S0']);
    expect(double.submitted).toHaveLength(1);

    double.commitDelayMs = 400; // resendAfterMs is 150: sent again at about 150 and 300 ms
    const committed = await adapter.submit(operator, 'shipment:DeliverShipment', ['S1']);
    const sends = double.submitted.slice(1);
    expect(sends.length).toBeGreaterThanOrEqual(2);
    expect(new Set(sends)).toEqual(new Set([committed.txId]));
    expect(adapter.transactionsResent()).toBe(sends.length - 1);
    // One endorsement per transaction: what went again was the envelope, not a new proposal.
    expect(double.invocations).toHaveLength(2);

    const resentSoFar = adapter.transactionsResent();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(double.submitted).toHaveLength(1 + sends.length);
    expect(adapter.transactionsResent()).toBe(resentSoFar);
  });

  it('while the orderers refuse a resend, tries again each second instead of each resendAfterMs', async () => {
    const slow = new FabricLedgerAdapter({
      ...options,
      deadlines: { ...options.deadlines, commitStatusMs: 10_000 },
      resendAfterMs: 2_000,
    });
    try {
      double.commitDelayMs = 3_600;
      double.refuseResends = true; // the resend at 2 s is refused, the one a second later taken
      setTimeout(() => (double.refuseResends = false), 2_500);
      const committed = await slow.submit(
        { org: 'ProducerMSP', role: 'operator' },
        'shipment:DeliverShipment',
        ['S1'],
      );
      expect(double.submitted).toEqual([committed.txId, committed.txId]);
      expect(slow.transactionsResent()).toBe(1);
    } finally {
      await slow.close();
    }
  });

  it('after quick commits, sends a transaction without a status again after about 2 s, not after resendAfterMs', async () => {
    const adaptive = new FabricLedgerAdapter({
      ...options,
      deadlines: { ...options.deadlines, commitStatusMs: 10_000 },
      resendAfterMs: 10_000,
    });
    try {
      const operator = { org: 'ProducerMSP', role: 'operator' } as const;
      for (let i = 0; i < 5; i++) await adaptive.submit(operator, 'shipment:DeliverShipment', [`S${i}`]);
      expect(adaptive.transactionsResent()).toBe(0);

      double.commitDelayMs = 3_000; // a lost transaction's status never comes; this one's comes late
      const started = Date.now();
      const committed = await adaptive.submit(operator, 'shipment:DeliverShipment', ['S5']);
      expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
      // Sent again once, at about 2 s: the next wait (4 s) outlasts the status.
      expect(double.submitted.filter((id) => id === committed.txId)).toHaveLength(2);
      expect(adaptive.transactionsResent()).toBe(1);
    } finally {
      await adaptive.close();
    }
  });

  it('refuses an actor it holds no identity for, before any call', async () => {
    await expect(
      adapter.evaluate({ org: 'CarrierMSP', role: 'operator' }, 'device:GetDevice', ['d1']),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(double.invocations).toEqual([]);
  });

  it('reports an unreachable peer as LEDGER_UNAVAILABLE', async () => {
    double.server.forceShutdown();
    await expect(
      adapter.evaluate({ org: 'ProducerMSP', role: 'operator' }, 'device:GetDevice', ['d1']),
    ).rejects.toMatchObject({
      code: 'LEDGER_UNAVAILABLE',
    });
    expect(await adapter.isReachable()).toBe(false);
  });

  it('keeps at most maxConcurrentSubmits transactions waiting for their commit; the rest queue and all complete', async () => {
    double.commitDelayMs = 50;
    const operator = { org: 'ProducerMSP', role: 'operator' } as const;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => adapter.submit(operator, 'shipment:DeliverShipment', [`S${i}`])),
    );
    expect(results).toHaveLength(10);
    expect(double.peakAwaitingCommit).toBe(3);
  });

  it('reconnects by itself when the peer comes back on its address', async () => {
    const operator = { org: 'ProducerMSP', role: 'operator' } as const;
    double.server.forceShutdown();
    await expect(adapter.evaluate(operator, 'device:GetDevice', ['d1'])).rejects.toMatchObject({
      code: 'LEDGER_UNAVAILABLE',
    });
    double = new PeerDouble(echo);
    await double.listen(tls, port);
    let answer: unknown;
    for (let attempt = 0; attempt < 50 && answer === undefined; attempt++) {
      answer = await adapter.evaluate(operator, 'device:GetDevice', ['d1']).catch(async () => {
        await new Promise((r) => setTimeout(r, 100));
        return undefined;
      });
    }
    expect(answer).toEqual({ echoed: ['device:GetDevice', 'd1'] });
  });
});

describe('FabricLedgerAdapter with each organisation on its own peer (test doubles of two peers)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provena-fabric-peers-'));
  // As the native network issues them: no host alias, the certificate names localhost and 127.0.0.1.
  const producerTls = certificatePair(
    dir,
    'producer-tls',
    '/CN=peer0.producer',
    'DNS:localhost,IP:127.0.0.1',
  );
  const auditorTls = certificatePair(dir, 'auditor-tls', '/CN=peer0.auditor', 'DNS:localhost,IP:127.0.0.1');
  const operator = certificatePair(dir, 'operator', '/O=ProducerMSP/OU=client/CN=user1');
  const auditor = certificatePair(dir, 'auditor', '/O=AuditorMSP/OU=client/CN=auditor1');
  const producerOperator = { org: 'ProducerMSP', role: 'operator' } as const;
  const auditorActor = { org: 'AuditorMSP', role: 'auditor' } as const;
  let producerPeer: PeerDouble;
  let auditorPeer: PeerDouble;
  let adapter: FabricLedgerAdapter;
  /** The auditor peer's block height, as its GetChainInfo answers it. */
  let auditorHeight: number;

  /**
   * Echoes chaincode calls; answers qscc's transaction lookups as a peer whose ledger holds them in `block`, and
   * its chain info with the height `height()` says.
   */
  const ledgerAnswer =
    (block: number, height: () => number = () => 11) =>
    ({ args }: Invocation): string | Uint8Array => {
      if (args[0] === 'GetChainInfo') {
        const info = new common.BlockchainInfo();
        info.setHeight(height());
        return info.serializeBinary();
      }
      if (args[0] === 'GetTransactionByID') {
        const processed = new peer.ProcessedTransaction();
        processed.setValidationcode(peer.TxValidationCode.VALID);
        return processed.serializeBinary();
      }
      if (args[0] === 'GetBlockByTxID') {
        const header = new common.BlockHeader();
        header.setNumber(block);
        const found = new common.Block();
        found.setHeader(header);
        return found.serializeBinary();
      }
      return JSON.stringify({ echoed: args });
    };

  beforeEach(async () => {
    auditorHeight = 11;
    producerPeer = new PeerDouble(ledgerAnswer(7));
    auditorPeer = new PeerDouble(ledgerAnswer(7, () => auditorHeight));
    const producerPort = await producerPeer.listen(producerTls);
    const auditorPort = await auditorPeer.listen(auditorTls);
    adapter = new FabricLedgerAdapter({
      peers: {
        ProducerMSP: { endpoint: `127.0.0.1:${producerPort}`, tlsCaCertPath: producerTls.cert },
        AuditorMSP: { endpoint: `127.0.0.1:${auditorPort}`, tlsCaCertPath: auditorTls.cert },
      },
      homeOrg: 'ProducerMSP',
      channel: 'provena',
      chaincode: 'provena',
      identities: [
        { mspId: 'ProducerMSP', role: 'operator', certPath: operator.cert, keyPath: operator.key },
        { mspId: 'AuditorMSP', role: 'auditor', certPath: auditor.cert, keyPath: auditor.key },
      ],
      deadlines: { evaluateMs: 2000, endorseMs: 2000, submitMs: 2000, commitStatusMs: 2000 },
      conflictRetries: 0,
      resendAfterMs: 10_000,
      maxConcurrentSubmits: 3,
      keepaliveMs: 120_000,
    });
  });

  afterEach(async () => {
    await adapter.close();
    producerPeer.server.forceShutdown();
    auditorPeer.server.forceShutdown();
  });

  it("an auditor's query reaches the auditor's own peer, an operator's submit the producer's", async () => {
    await adapter.submit(producerOperator, 'shipment:CreateShipment', ['S1']);
    await expect(adapter.evaluate(auditorActor, 'shipment:GetShipment', ['S1'])).resolves.toEqual({
      echoed: ['shipment:GetShipment', 'S1'],
    });
    expect(producerPeer.invocations).toEqual([
      { mspId: 'ProducerMSP', args: ['shipment:CreateShipment', 'S1'] },
    ]);
    expect(producerPeer.submitted).toHaveLength(1);
    // The submit committed in block 10: the auditor's peer is asked whether it has that block before the query.
    expect(auditorPeer.invocations).toEqual([
      { mspId: 'AuditorMSP', args: ['GetChainInfo', 'provena'] },
      { mspId: 'AuditorMSP', args: ['shipment:GetShipment', 'S1'] },
    ]);
    expect(auditorPeer.submitted).toEqual([]);
  });

  it("waits for another organisation's peer to hold the block this gateway committed into before using it", async () => {
    await adapter.submit(producerOperator, 'shipment:CreateShipment', ['S1']);
    auditorHeight = 10; // block 10 not there yet
    setTimeout(() => (auditorHeight = 11), 150);
    const started = Date.now();
    await adapter.evaluate(auditorActor, 'shipment:GetShipment', ['S1']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const calls = auditorPeer.invocations.map((i) => i.args[0]);
    expect(calls.at(-1)).toBe('shipment:GetShipment');
    expect(calls.slice(0, -1).every((c) => c === 'GetChainInfo')).toBe(true);
    expect(calls.length).toBeGreaterThan(2);

    // Known to be there now: the next query goes straight to the chaincode.
    await adapter.evaluate(auditorActor, 'shipment:GetShipment', ['S2']);
    expect(auditorPeer.invocations.at(-2)?.args[0]).toBe('shipment:GetShipment');
  });

  it("an auditor's transaction lookup is answered by the auditor's own peer", async () => {
    await expect(adapter.transactionInfo(auditorActor, 'tx1')).resolves.toEqual({
      txId: 'tx1',
      blockNumber: 7n,
      validationCode: 'VALID',
    });
    expect(auditorPeer.invocations.map((i) => [i.mspId, i.args[0]])).toEqual([
      ['AuditorMSP', 'GetTransactionByID'],
      ['AuditorMSP', 'GetBlockByTxID'],
    ]);
    expect(producerPeer.invocations).toEqual([]);
  });

  it("readiness follows the home organisation's peer, not another organisation's", async () => {
    auditorPeer.server.forceShutdown();
    expect(await adapter.isReachable()).toBe(true);
    expect(producerPeer.invocations.map((i) => i.mspId)).toEqual(['ProducerMSP']);
    await expect(adapter.evaluate(auditorActor, 'shipment:GetShipment', ['S1'])).rejects.toMatchObject({
      code: 'LEDGER_UNAVAILABLE',
    });
    producerPeer.server.forceShutdown();
    expect(await adapter.isReachable()).toBe(false);
  });

  it('refuses at construction an identity whose organisation has no peer', () => {
    expect(
      () =>
        new FabricLedgerAdapter({
          peers: {},
          homeOrg: 'ProducerMSP',
          channel: 'provena',
          chaincode: 'provena',
          identities: [
            { mspId: 'ProducerMSP', role: 'operator', certPath: operator.cert, keyPath: operator.key },
          ],
          deadlines: { evaluateMs: 1, endorseMs: 1, submitMs: 1, commitStatusMs: 1 },
          conflictRetries: 0,
          resendAfterMs: 10_000,
          maxConcurrentSubmits: 1,
          keepaliveMs: 120_000,
        }),
    ).toThrow('no peer of ProducerMSP');
  });
});
