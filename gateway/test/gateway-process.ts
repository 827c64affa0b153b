import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { TestBroker } from '../../test/support/mosquitto.harness';
import { GatewayError } from '../src/errors/gateway-error';
import type { LedgerActor, LedgerPort } from '../src/ledger/ledger.port';
import { fabricGatewayEnv, ON_FABRIC } from './ledger-under-test';

const CHILD = join(__dirname, 'fixtures', 'ingest-process.js');

type LedgerCall = {
  id: number;
  op: 'submit' | 'evaluate';
  actor: LedgerActor;
  fn: string;
  args: string[];
};

/** A gateway ingest process (fixtures/ingest-process.js), and what it can be asked. */
export interface GatewayProcess {
  readonly child: ChildProcess;
  /** Readings its MQTT session has received so far. */
  received(): Promise<number>;
}

/**
 * Starts a gateway ingest process. On the Fabric tier it connects to the network itself, as the gateway does;
 * otherwise this test process answers its ledger calls from `ledger` (the in-memory double).
 * `shareGroup`: subscribe through an MQTT shared subscription, as gateway replicas do.
 */
export async function startGatewayProcess(
  broker: TestBroker,
  ledger: LedgerPort,
  options: { clientId: string; shareGroup?: string },
): Promise<GatewayProcess> {
  const args = [broker.url, options.clientId, ...(ON_FABRIC ? [JSON.stringify(fabricGatewayEnv())] : [])];
  const child = fork(CHILD, args, {
    serialization: 'advanced',
    stdio: 'ignore',
    env: { ...process.env, PROVENA_TEST_SHARE_GROUP: options.shareGroup ?? '' },
  });
  // A killed gateway cannot take its answers: a commit whose acknowledgement is lost, as in a real crash.
  const reply = (message: object): void => {
    if (child.connected) child.send(message, () => undefined);
  };
  const statsWaiters: ((received: number) => void)[] = [];
  child.on('error', () => undefined);
  child.on('message', (message: LedgerCall | { ready: true } | { stats: { received: number } }) => {
    if ('ready' in message) return;
    if ('stats' in message) {
      statsWaiters.shift()?.(message.stats.received);
      return;
    }
    const call =
      message.op === 'submit'
        ? ledger.submit(message.actor, message.fn, message.args)
        : ledger.evaluate(message.actor, message.fn, message.args);
    call.then(
      (result) => reply({ id: message.id, result }),
      (err: unknown) => {
        const { code, message: text } =
          err instanceof GatewayError ? err : { code: 'INTERNAL', message: String(err) };
        reply({ id: message.id, error: { code, message: text } });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`gateway process exited with ${code}`)));
  });
  return {
    child,
    received: () =>
      new Promise((resolve) => {
        statsWaiters.push(resolve);
        child.send({ op: 'stats' });
      }),
  };
}
