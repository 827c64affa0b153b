import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Topics, type RejectionNotice } from '@provena/wire';
import { startTestBroker, type TestBroker } from '../../test/support/mosquitto.harness';
import { fromChaincodeMessage } from '../src/errors/gateway-error';
import { newFileDeadLetterStore } from '../src/ingest/dead-letter.store';
import { wireIngest } from '../src/ingest/ingest-wiring';
import type { LedgerPort } from '../src/ledger/ledger.port';
import { InMemoryLedgerAdapter } from '../src/testing/in-memory-ledger.adapter';
import { TestDevice } from '../src/testing/test-devices';
import { publishAll, range, readingsOnLedger, testGatewayConfig, until } from './ingest.harness';

const POISON = 66.6;
const quiet = (): void => undefined;

/** The in-memory ledger, made to throw the chaincode's INTERNAL for any RecordReadings holding the poison reading. */
function poisoned(ledger: InMemoryLedgerAdapter): LedgerPort {
  return {
    submit: (actor, fn, args) => {
      if (fn === 'reading:RecordReadings' && (args[0] ?? '').includes(`"temperatureC":${POISON}`)) {
        return Promise.reject(
          fromChaincodeMessage('chaincode response 500, INTERNAL: Cannot read properties of undefined'),
        );
      }
      return ledger.submit(actor, fn, args);
    },
    evaluate: (actor, fn, args) => ledger.evaluate(actor, fn, args),
    transactionInfo: (actor, txId) => ledger.transactionInfo(actor, txId),
    openEvents: (start) => ledger.openEvents(start),
    isReachable: () => ledger.isReachable(),
    close: () => ledger.close(),
  };
}

// The in-memory double only: the poison is a wrapper around the ledger, which the Fabric tier cannot wrap.
describe('a reading that makes the chaincode throw (real Mosquitto, in-memory ledger)', () => {
  let broker: TestBroker;

  beforeEach(async () => {
    broker = await startTestBroker({ persistence: true });
  });

  afterEach(async () => {
    await broker.cleanup();
  });

  it('commits everything behind it, dead-letters it, and leaves nothing unacknowledged', async () => {
    const ledger = new InMemoryLedgerAdapter();
    const device = new TestDevice('dev-poison');
    await device.register(ledger);
    const dir = mkdtempSync(join(tmpdir(), 'provena-poison-'));
    const deadLetters = newFileDeadLetterStore({ directory: join(dir, 'dead-letters'), maxEntries: 100 });
    const config = testGatewayConfig({ brokerUrl: broker.url, dir, clientId: 'gateway-poison' });
    const notices: RejectionNotice[] = [];
    const { session, pipeline } = wireIngest({
      ledger: poisoned(ledger),
      mqtt: config.mqtt,
      ingest: { ...config.ingest, batchSize: 100, maxConcurrentBatches: 2, maxInFlight: 500 },
      metrics: { received: quiet, refused: quiet, committed: quiet, acknowledged: quiet, retried: quiet },
      log: { warn: quiet, error: quiet },
      onRejection: (n) => notices.push(n),
      deadLetters,
    });
    await session.start();

    const readings = range(500).map((seq) => ({
      topic: Topics.readings('dev-poison'),
      payload: device.reading(seq === 250 ? { measurements: { temperatureC: POISON } } : {}).payload,
    }));
    await publishAll(broker.url, readings);

    await until(
      async () => (await readingsOnLedger(ledger, 'dev-poison')).length === 499 && deadLetters.size === 1,
    );
    expect(await readingsOnLedger(ledger, 'dev-poison')).toEqual(range(500).filter((s) => s !== 250));
    // An unknown chaincode failure is not the device's fault: kept for a redrive, the device not told.
    expect((await deadLetters.list(10)).items).toEqual([
      expect.objectContaining({
        deviceId: 'dev-poison',
        seq: 250,
        reason: { code: 'INTERNAL', message: 'Cannot read properties of undefined' },
      }),
    ]);
    expect(notices).toEqual([]);
    await until(() => session.inFlight === 0 && pipeline.inFlight === 0);
    expect(pipeline.oldestUnacknowledgedAgeMs).toBe(0);
    await pipeline.stop();
    await session.stop();
  });
});
