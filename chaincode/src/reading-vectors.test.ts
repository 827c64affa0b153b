import {
  ID_PATTERN,
  loadReadingVectors,
  parseLedgerError,
  RefusalCode,
  type ReadingVector,
} from '@provena/wire';
import type { IngestSummary } from './reading-ingest';
import { InMemoryLedger } from './testing/in-memory-context';
import { as, contracts, PRODUCER, Scenario } from './testing/test-fixtures';

const file = loadReadingVectors();

// Refusals about the bytes of an envelope (not JSON, duplicate keys, too deep or too long) can only be made about
// the whole batch once envelopes travel inside one JSON array: the batch is refused INVALID_ARGUMENT, carrying the
// vector's code. Every other vector gets its own verdict.
const BATCH_LEVEL: readonly string[] = [
  RefusalCode.MalformedJson,
  RefusalCode.DuplicateKey,
  RefusalCode.TooLarge,
];

function deviceIdOf(vector: ReadingVector): string | undefined {
  try {
    const id = (JSON.parse(vector.payload) as { reading?: { deviceId?: unknown } }).reading?.deviceId;
    return typeof id === 'string' && ID_PATTERN.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

function shipmentIdOf(vector: ReadingVector): string | undefined {
  try {
    const id = (JSON.parse(vector.payload) as { reading?: { shipmentId?: unknown } }).reading?.shipmentId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

describe('shared reading vectors through RecordReadings', () => {
  it.each(file.vectors.map((v) => [v.name, v] as const))('%s', async (_name, vector) => {
    // A fresh ledger per vector: two vectors carry the same reading, which a shared ledger would call a duplicate.
    // Its clock starts after the vectors' timestamps (2026-11-01), so no vector is refused for clock skew.
    const s = new Scenario(new InMemoryLedger({ startMs: Date.UTC(2026, 10, 2) }));
    const deviceId = deviceIdOf(vector);
    if (deviceId) {
      const key = file.keys[vector.key]!;
      await s.registerDevice(
        { deviceId, publicKeyPem: key.publicKeyPem, privateKey: undefined as never },
        PRODUCER,
      );
      const shipmentId = shipmentIdOf(vector);
      if (shipmentId) {
        await s.createShipment(shipmentId);
        await s.attach(shipmentId, [deviceId]);
      }
    }
    const batch = `[${vector.payload}]`;
    const expected = vector.expect;
    if (!expected.ok && BATCH_LEVEL.includes(expected.code)) {
      const err = await s.ledger
        .submit(as.producerOperator, contracts.reading, 'RecordReadings', batch)
        .catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      const parsed = parseLedgerError((err as Error).message);
      expect(parsed.code).toBe('INVALID_ARGUMENT');
      expect(parsed.message).toMatch(new RegExp(`^envelopesJson: ${expected.code}: `));
      return;
    }
    const { result } = await s.ledger.submit<IngestSummary>(
      as.producerOperator,
      contracts.reading,
      'RecordReadings',
      batch,
    );
    const [verdict] = result.verdicts;
    if (expected.ok) {
      expect(verdict).toMatchObject({ deviceId, status: 'accepted' });
    } else {
      expect(verdict).toMatchObject({ status: 'refused', code: expected.code });
    }
  });
});
