import { callerOf, roleFromAttribute, roleFromSubject, subjectOfIdentity } from './caller';
import type { ShipmentRecord } from './shipment.model';
import { InMemoryLedger, fixtureCertificate } from './testing/in-memory-context';
import { as, contracts, Scenario, shipmentJson } from './testing/test-fixtures';

describe('roleFromSubject', () => {
  it('makes client identities operators and admin identities admins', () => {
    expect(roleFromSubject('ProducerMSP', 'O=ProducerMSP\nOU=client\nCN=User1')).toBe('operator');
    expect(roleFromSubject('ProducerMSP', 'O=ProducerMSP\nOU=admin\nCN=Admin')).toBe('admin');
  });

  it('ignores Fabric CA affiliation OUs next to the NodeOU', () => {
    expect(
      roleFromSubject('ProducerMSP', 'O=ProducerMSP\nOU=client\nOU=producer\nOU=department1\nCN=U'),
    ).toBe('operator');
  });

  it('makes every AuditorMSP identity an auditor, whatever its OU', () => {
    expect(roleFromSubject('AuditorMSP', 'O=AuditorMSP\nOU=admin\nCN=Admin')).toBe('auditor');
    expect(roleFromSubject('AuditorMSP', 'CN=nobody')).toBe('auditor');
  });

  it.each([
    ['a peer', 'O=ProducerMSP\nOU=peer\nCN=peer0', /NodeOU peer/],
    ['an orderer', 'OU=orderer\nCN=o1', /NodeOU orderer/],
    ['no NodeOU', 'O=ProducerMSP\nCN=NoRole', /no NodeOU/],
    ['two NodeOUs', 'OU=admin\nOU=client\nCN=x', /NodeOU admin, client/],
    ['an OU that only contains a role word', 'OU=clients\nCN=x', /no NodeOU/],
  ])('refuses %s with FORBIDDEN', (_what, subject, detail) => {
    expect(() => roleFromSubject('ProducerMSP', subject)).toThrow(
      /^FORBIDDEN: the ProducerMSP identity has /,
    );
    expect(() => roleFromSubject('ProducerMSP', subject)).toThrow(detail);
  });
});

describe('subjectOfIdentity', () => {
  it('reads the subject of a PEM certificate as Fabric passes it', () => {
    expect(subjectOfIdentity(fixtureCertificate('client.cert.pem'))).toBe(
      'O=ProducerMSP\nOU=client\nCN=User1',
    );
    expect(subjectOfIdentity(fixtureCertificate('client-affiliation.cert.pem'))).toContain('OU=department1');
  });

  it('refuses bytes that are not a certificate', () => {
    expect(() => subjectOfIdentity(Buffer.from('not a certificate'))).toThrow(
      /^FORBIDDEN: the caller identity/,
    );
  });
});

describe('callerOf', () => {
  const ledger = new InMemoryLedger();

  it('derives MSP id, role and client id from the transaction context', () => {
    const ctx = ledger.begin({ mspId: 'CarrierMSP', ou: 'admin', id: 'x509::/CN=Admin::/CN=ca' });
    expect(callerOf(ctx)).toEqual({ mspId: 'CarrierMSP', role: 'admin', id: 'x509::/CN=Admin::/CN=ca' });
  });

  it('refuses a peer identity', () => {
    expect(() => callerOf(ledger.begin({ mspId: 'CarrierMSP', ou: 'peer' }))).toThrow(/^FORBIDDEN/);
  });
});

describe('persons enrolled with Fabric CA (the provena.role attribute)', () => {
  const alice = {
    mspId: 'ProducerMSP',
    ou: 'client' as const,
    attrs: { 'provena.role': 'operator' },
    id: 'x509::CN=alice,OU=client::CN=ca.producer.provena.local',
  };
  const bob = { ...alice, id: 'x509::CN=bob,OU=client::CN=ca.producer.provena.local' };

  it('takes the role from the attribute, over the NodeOU', async () => {
    const ledger = new InMemoryLedger();
    // A client certificate whose attribute says admin is an admin; one that says auditor reads only.
    expect(callerOf(ledger.begin({ ...alice, attrs: { 'provena.role': 'admin' } })).role).toBe('admin');
    expect(callerOf(ledger.begin({ ...alice, attrs: { 'provena.role': 'auditor' } })).role).toBe('auditor');
    await expect(
      ledger.submit(
        { ...alice, attrs: { 'provena.role': 'auditor' } },
        contracts.shipment,
        'CreateShipment',
        shipmentJson('S-aud'),
      ),
    ).rejects.toThrow(/^FORBIDDEN: only an operator or admin/);
  });

  it('keeps the auditor organisation read-only whatever its attribute says', () => {
    expect(roleFromAttribute('AuditorMSP', 'admin')).toBe('auditor');
  });

  it('refuses an attribute value that is no role', () => {
    expect(() => roleFromAttribute('ProducerMSP', 'superuser')).toThrow(
      /^FORBIDDEN: the ProducerMSP identity's provena\.role attribute is "superuser"/,
    );
  });

  it('records two persons of one organisation as different actors', async () => {
    const s = new Scenario();
    await s.ledger.submit(alice, contracts.shipment, 'CreateShipment', shipmentJson('S1'));
    await s.ledger.submit(bob, contracts.shipment, 'OfferCustody', 'S1', 'CarrierMSP');
    const shipment = await s.ledger.evaluate<ShipmentRecord>(
      as.auditor,
      contracts.shipment,
      'GetShipment',
      'S1',
    );
    expect(shipment.custody.map((c) => [c.action, c.byOrg, c.by])).toEqual([
      ['created', 'ProducerMSP', alice.id],
      ['offered', 'ProducerMSP', bob.id],
    ]);
  });
});
