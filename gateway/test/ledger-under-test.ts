import { randomBytes } from 'node:crypto';
import { connectAs, type FabricClient } from '../../test/fabric/fabric-clients';
import { chainHeight, committedWrites } from '../../test/support/fabric-blocks';
import { testNetwork, type TestNetwork } from '../../test/support/fabric-network.harness';
import { killNode, resumeNetwork } from '../../test/support/fabric-node-outage';
import { loadGatewayConfig } from '../src/config/gateway-config';
import { FabricLedgerAdapter } from '../src/ledger/fabric-ledger.adapter';
import type {
  Committed,
  EventStart,
  LedgerActor,
  LedgerEventStream,
  LedgerPort,
  SubmitOptions,
  TransactionInfo,
} from '../src/ledger/ledger.port';
import { InMemoryLedgerAdapter } from '../src/testing/in-memory-ledger.adapter';

// The ledger behind the gateway in its integration tests. Run by the Fabric tier (`npm run -w @provena/gateway
// test:fabric`, whose global setup brings a native network up and exports PROVENA_TEST_NETWORK_DIR), it is the
// real FabricLedgerAdapter, built from the network's connection file exactly as the gateway builds it at start;
// otherwise (`test:integration`) the in-memory double running the real chaincode.

/** Whether the Fabric tier's network is there to test against. */
export const ON_FABRIC = Boolean(process.env.PROVENA_TEST_NETWORK_DIR);

/** For test titles. */
export const LEDGER_NAME = ON_FABRIC ? 'Fabric test network' : 'in-memory ledger double';

/**
 * How long a test polls for something to show on the ledger. Fabric commits take 0.3–1 s (BatchTimeout 200 ms)
 * and, after a peer restart, gRPC reconnects with back-off; the double answers at once.
 */
export const LEDGER_PATIENCE_MS = ON_FABRIC ? 90_000 : 30_000;

/**
 * Unique to this test file's run. The Fabric tier's ledger outlives each file (one network per tier run), so
 * every device and shipment id a test creates carries it.
 */
export const RUN = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;

/** `base` made unique to this run, e.g. `dev-1-m0x4k2ab9f3c`. */
export const runId = (base: string): string => `${base}-${RUN}`;

/** A point in the ledger's history. */
export interface LedgerMark {
  /**
   * What was written since the mark: the keys valid transactions wrote (Fabric: read back from the blocks the
   * peers committed since, through qscc), or the keys whose value changed (double: its world state). Empty when
   * nothing was.
   */
  writtenSince(): Promise<string[]>;
}

/** The ledger port a test hands the gateway, and what the test itself may ask of the ledger behind it. */
export interface LedgerUnderTest extends LedgerPort {
  readonly kind: 'fabric' | 'in-memory double';
  /** Every transaction submitted through this port, in order, whatever its outcome (the gateway's ledger calls). */
  readonly submitted: readonly string[];
  mark(): Promise<LedgerMark>;
  /**
   * The gateway's ledger goes away: on Fabric, the home organisation's peer (ProducerMSP's, the one ingest,
   * events and `/ready` use) dies by SIGKILL; the double refuses every call as unreachable.
   */
  takeDown(): Promise<void>;
  /** And comes back: on Fabric, `network.sh up` restarts the peer from its ledger on disk. */
  bringBack(): Promise<void>;
  /** Transactions the adapter sent to the orderers again (0 on the double, which has none). */
  transactionsResent(): number;
}

/** The environment the gateway starts with on the test network (see gateway/src/config/gateway-config.ts). */
export function fabricGatewayEnv(net: TestNetwork = testNetwork()): Record<string, string> {
  return {
    PROVENA_FABRIC_CONNECTION: net.connectionFile,
    PROVENA_INGEST_ORG: 'ProducerMSP',
    PROVENA_FORECASTING: 'off',
  };
}

/**
 * A ledger for one test (or one `describe`): the Fabric network when the tier runs (the tier's own, or `net`, a
 * network the test brought up), the in-memory double otherwise. Close it when done (on Fabric it holds gRPC
 * connections).
 */
export function newLedgerUnderTest(net?: TestNetwork): LedgerUnderTest {
  return ON_FABRIC ? newFabricLedger(net ?? testNetwork()) : newDoubleLedger();
}

/** What differs between the two: how the test looks at the ledger behind the port. */
interface LedgerWindow {
  readonly port: LedgerPort;
  mark(): Promise<LedgerMark>;
  takeDown(): Promise<void>;
  bringBack(): Promise<void>;
  close(): Promise<void>;
}

function newFabricLedger(net: TestNetwork): LedgerUnderTest {
  const port = new FabricLedgerAdapter(loadGatewayConfig(fabricGatewayEnv(net)).fabric);
  const channel = net.connection.channel;
  // One reader on each organisation's own peer: a transaction commits on each at its own pace.
  let readers: FabricClient[] | undefined;
  const peers = (): FabricClient[] =>
    (readers ??= [
      connectAs(net.connection, 'ProducerMSP', 'operator'),
      connectAs(net.connection, 'CarrierMSP', 'operator'),
      connectAs(net.connection, 'AuditorMSP', 'auditor'),
    ]);
  const tallest = async (): Promise<{ reader: FabricClient; height: bigint }> => {
    const heights = await Promise.all(
      peers().map(async (reader) => ({ reader, height: await chainHeight(reader.network, channel) })),
    );
    return heights.reduce((a, b) => (b.height > a.height ? b : a));
  };
  return wrap('fabric', {
    port,
    async mark() {
      // Every block below the tallest peer's height was committed somewhere before the mark.
      const from = (await tallest()).height;
      return {
        async writtenSince() {
          const { reader, height } = await tallest();
          const written: string[] = [];
          for (let block = from; block < height; block++) {
            for (const tx of await committedWrites(reader.network, channel, block)) {
              if (tx.validationCode === 'VALID') written.push(...tx.writes.map((key) => JSON.stringify(key)));
            }
          }
          return written;
        },
      };
    },
    takeDown: () => killNode(net, 'peer0-producer'),
    bringBack: async () => {
      await resumeNetwork(net);
    },
    async close() {
      for (const reader of readers ?? []) reader.close();
      await port.close();
    },
  });
}

function newDoubleLedger(): LedgerUnderTest {
  const port = new InMemoryLedgerAdapter();
  const state = (): Map<string, string | undefined> =>
    new Map(port.ledger.keys().map((key) => [key, port.ledger.get(key)]));
  return wrap('in-memory double', {
    port,
    async mark() {
      const before = state();
      return {
        async writtenSince() {
          const after = state();
          return [...new Set([...before.keys(), ...after.keys()])]
            .filter((key) => before.get(key) !== after.get(key))
            .map((key) => JSON.stringify(key));
        },
      };
    },
    takeDown: async () => {
      port.unreachable = true;
    },
    bringBack: async () => {
      port.unreachable = false;
    },
    close: () => port.close(),
  });
}

function wrap(kind: LedgerUnderTest['kind'], window: LedgerWindow): LedgerUnderTest {
  const { port } = window;
  const submitted: string[] = [];
  return {
    kind,
    submitted,
    submit<T>(
      actor: LedgerActor,
      fn: string,
      args: readonly string[],
      options?: SubmitOptions,
    ): Promise<Committed<T>> {
      submitted.push(fn);
      return port.submit<T>(actor, fn, args, options);
    },
    evaluate: <T>(actor: LedgerActor, fn: string, args: readonly string[]): Promise<T> =>
      port.evaluate<T>(actor, fn, args),
    transactionInfo: (actor: LedgerActor, txId: string): Promise<TransactionInfo> =>
      port.transactionInfo(actor, txId),
    openEvents: (start: EventStart): Promise<LedgerEventStream> => port.openEvents(start),
    lastEventPosition: async () => port.lastEventPosition?.(),
    isReachable: () => port.isReachable(),
    transactionsResent: () => port.transactionsResent?.() ?? 0,
    close: () => window.close(),
    mark: () => window.mark(),
    takeDown: () => window.takeDown(),
    bringBack: () => window.bringBack(),
  };
}
