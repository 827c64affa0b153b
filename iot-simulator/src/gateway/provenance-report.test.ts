import { SimulatorErrorCode } from '../errors';
import {
  actorText,
  checkProvenanceView,
  formatShipmentProvenance,
  type ShipmentProvenanceView,
} from './provenance-report';

const T0 = Date.UTC(2026, 2, 2, 8);
const tx = (n: number): string => `${n}`.repeat(64).slice(0, 64);

/** A shipment handed over, two devices, one temperature excursion of two readings, one of them disposed of. */
const VIEW: ShipmentProvenanceView = {
  shipment: {
    shipmentId: 'SHP-DEMO-1',
    productCode: 'mrna-vaccine',
    quantity: 24,
    origin: 'ProducerMSP',
    destination: 'CarrierMSP',
    complianceProfile: { temperatureC: { min: 2, max: 8 }, shockG: { max: 10 } },
    ownerOrg: 'ProducerMSP',
    custodianOrg: 'CarrierMSP',
    status: 'in-custody',
    custody: [
      {
        action: 'created',
        byOrg: 'ProducerMSP',
        custodianOrg: 'ProducerMSP',
        fromOrg: null,
        toOrg: null,
        reason: null,
        txId: tx(1),
        at: T0,
      },
      {
        action: 'offered',
        byOrg: 'ProducerMSP',
        custodianOrg: 'ProducerMSP',
        fromOrg: null,
        toOrg: 'CarrierMSP',
        reason: null,
        txId: tx(5),
        at: T0 + 590_000,
      },
      {
        action: 'accepted',
        byOrg: 'CarrierMSP',
        custodianOrg: 'CarrierMSP',
        fromOrg: 'ProducerMSP',
        toOrg: null,
        reason: null,
        txId: tx(6),
        at: T0 + 600_500,
      },
    ],
  },
  attachments: [
    {
      deviceId: 'logger-demo-1',
      status: 'attached',
      attachedByOrg: 'ProducerMSP',
      attachedAtTxId: tx(2),
      attachedAt: T0 + 1000,
      detachedAtTxId: null,
      detachedAt: null,
    },
    {
      deviceId: 'tracker-demo-1',
      status: 'detached',
      attachedByOrg: 'ProducerMSP',
      attachedAtTxId: tx(2),
      attachedAt: T0 + 1000,
      detachedAtTxId: tx(7),
      detachedAt: T0 + 700_000,
    },
  ],
  breaches: [
    {
      breachId: 'logger-demo-1/37/temperatureC.max',
      deviceId: 'logger-demo-1',
      seq: 37,
      rule: 'temperatureC.max',
      limit: 8,
      observed: 8.4,
      measuredAt: T0 + 360_000,
      txId: tx(3),
      disposition: {
        decision: 'quarantine',
        note: 'held for QA',
        byOrg: 'ProducerMSP',
        txId: tx(8),
        at: T0 + 800_000,
      },
    },
    {
      breachId: 'logger-demo-1/38/temperatureC.max',
      deviceId: 'logger-demo-1',
      seq: 38,
      rule: 'temperatureC.max',
      limit: 8,
      observed: 8.6,
      measuredAt: T0 + 370_000,
      txId: tx(3),
      disposition: null,
    },
  ],
  openBreaches: 1,
  readings: [
    { deviceId: 'logger-demo-1', count: 60, firstSeq: 1, lastSeq: 60, txIds: [tx(3), tx(4)] },
    { deviceId: 'tracker-demo-1', count: 1, firstSeq: 1, lastSeq: 1, txIds: [tx(3)] },
  ],
  transactions: {
    [tx(1)]: { blockNumber: '5', validationCode: 'VALID' },
    [tx(2)]: { blockNumber: '6', validationCode: 'VALID' },
    [tx(3)]: { blockNumber: '9', validationCode: 'VALID' },
    [tx(4)]: { blockNumber: '10', validationCode: 'VALID' },
    [tx(5)]: { blockNumber: '11', validationCode: 'VALID' },
    [tx(6)]: { blockNumber: '12', validationCode: 'VALID' },
    [tx(7)]: { blockNumber: null, validationCode: null },
    [tx(8)]: { blockNumber: '14', validationCode: 'MVCC_READ_CONFLICT' },
  },
};

describe('provenance report', () => {
  it('prints the custody chain, attachments, readings per device and each breach with its block and transaction', () => {
    expect(formatShipmentProvenance(VIEW)).toBe(
      [
        'Shipment SHP-DEMO-1: 24 × mrna-vaccine, ProducerMSP → CarrierMSP',
        '  owner ProducerMSP, custodian CarrierMSP, in-custody; limits: temperatureC 2..8, shockG ≤ 10',
        '',
        '  Custody chain (3 steps)',
        '    1. created   → ProducerMSP, by ProducerMSP, at 2026-03-02T08:00:00Z',
        `       block 5, transaction ${tx(1)}`,
        '    2. offered   ProducerMSP → CarrierMSP, by ProducerMSP, at 2026-03-02T08:09:50Z',
        `       block 11, transaction ${tx(5)}`,
        '    3. accepted  ProducerMSP → CarrierMSP, by CarrierMSP, at 2026-03-02T08:10:00.500Z',
        `       block 12, transaction ${tx(6)}`,
        '',
        '  Devices attached (2)',
        '    logger-demo-1: attached; attached by ProducerMSP at 2026-03-02T08:00:01Z',
        `      block 6, transaction ${tx(2)}`,
        '    tracker-demo-1: detached; attached by ProducerMSP at 2026-03-02T08:00:01Z',
        `      block 6, transaction ${tx(2)}`,
        `      detached at 2026-03-02T08:11:40Z: no block holds it, transaction ${tx(7)}`,
        '',
        '  Readings recorded (61 readings of 2 devices)',
        '    logger-demo-1: 60 readings, seq 1–60, in 2 transactions',
        `      block 9, transaction ${tx(3)}`,
        `      block 10, transaction ${tx(4)}`,
        '    tracker-demo-1: 1 reading, seq 1, in 1 transaction',
        `      block 9, transaction ${tx(3)}`,
        '',
        '  Compliance breaches (2, 1 open)',
        `    recorded in block 9, transaction ${tx(3)}:`,
        '      temperatureC.max (limit 8) observed 8.4: logger-demo-1 seq 37, measured 2026-03-02T08:06:00Z; ' +
          'quarantine by ProducerMSP at 2026-03-02T08:13:20Z (held for QA), ' +
          `block 14 (MVCC_READ_CONFLICT), transaction ${tx(8)}`,
        '      temperatureC.max (limit 8) observed 8.6: logger-demo-1 seq 38, measured 2026-03-02T08:06:10Z; open',
        '',
        '  Open breaches: 1',
      ].join('\n'),
    );
  });

  it('says "none" where a shipment has no devices, readings or breaches yet', () => {
    const text = formatShipmentProvenance({
      ...VIEW,
      attachments: [],
      readings: [],
      breaches: [],
      openBreaches: 0,
    });
    expect(text).toContain('  Devices attached (0)\n    none');
    expect(text).toContain('  Readings recorded (0 readings of 0 devices)\n    none');
    expect(text).toContain('  Compliance breaches (0, 0 open)\n    none');
    expect(text).toContain('  Open breaches: 0');
  });

  it('counts what it does not list when a shipment has many breaches or transactions', () => {
    const text = formatShipmentProvenance(VIEW, { maxBreaches: 1, maxTransactionsPerDevice: 1 });
    expect(text).toContain('      ... and 1 more\n');
    expect(text).toContain('    ... and 1 more: GET /shipments/SHP-DEMO-1/provenance lists all');
    expect(text).not.toContain('observed 8.6');
  });

  it('prints an excursion of consecutive readings with one decision as one line', () => {
    const decided = VIEW.breaches[0]!;
    const excursion = [37, 38, 39, 41].map((seq, i) => ({
      ...decided,
      breachId: `logger-demo-1/${seq}/temperatureC.max`,
      seq,
      observed: [8.4, 9.1, 8.7, 8.2][i]!,
      measuredAt: T0 + seq * 10_000,
    }));
    const text = formatShipmentProvenance({ ...VIEW, breaches: excursion, openBreaches: 0 });
    const lines = text.split('\n').filter((l) => l.includes('temperatureC.max (limit 8)'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('observed 8.4 to 9.1: ');
    expect(lines[0]).toContain('logger-demo-1 seq 37–39 (3 readings), measured ');
    expect(lines[0]).toContain('; quarantine by ProducerMSP');
    // seq 40 broke no rule: 41 starts a new line.
    expect(lines[1]).toContain('observed 8.2: logger-demo-1 seq 41, measured ');
  });

  it('refuses an answer without the provenance’s shape, naming what is missing', () => {
    expect(checkProvenanceView(VIEW, 'SHP-DEMO-1')).toBe(VIEW);
    expect(() => checkProvenanceView({ shipment: { custody: [] }, breaches: [] }, 'SHP-DEMO-1')).toThrow(
      expect.objectContaining({
        code: SimulatorErrorCode.GatewayUnavailable,
        message:
          'the provenance of SHP-DEMO-1 the gateway sent lacks attachments, readings, openBreaches, transactions',
      }),
    );
  });
});

describe('actorText', () => {
  it('names the person a Fabric CA enrolment certificate names, and the organisation otherwise', () => {
    const issuer = 'CN=ca.producer.provena.local,O=producer.provena.local,L=San Francisco,ST=California,C=US';
    expect(
      actorText({
        byOrg: 'ProducerMSP',
        by: `x509::CN=omar,OU=client,O=Hyperledger,ST=North Carolina,C=US::${issuer}`,
      }),
    ).toBe('omar of ProducerMSP');
    // cryptogen's shared identities, and records from before persons, show as their organisation.
    expect(
      actorText({
        byOrg: 'ProducerMSP',
        by: `x509::CN=User1@producer.provena.local,OU=client,C=US::${issuer}`,
      }),
    ).toBe('ProducerMSP');
    expect(actorText({ byOrg: 'CarrierMSP' })).toBe('CarrierMSP');
  });
});
