import { AUDITOR_MSP } from '@provena/chaincode/src/caller';
import { actorOf, AUDITOR_ORG } from './principal';

describe('principal', () => {
  it("names the chaincode's auditor organisation", () => {
    expect(AUDITOR_ORG).toBe(AUDITOR_MSP);
  });

  it.each([
    [
      { keyId: 'a', role: 'admin', org: 'ProducerMSP' },
      { org: 'ProducerMSP', role: 'admin' },
    ],
    [
      { keyId: 'b', role: 'operator', org: 'CarrierMSP' },
      { org: 'CarrierMSP', role: 'operator' },
    ],
    [
      { keyId: 'c', role: 'auditor', org: 'AuditorMSP' },
      { org: 'AuditorMSP', role: 'auditor' },
    ],
    // A hand-edited key file cannot make an auditor read as a member organisation.
    [
      { keyId: 'd', role: 'auditor', org: 'ProducerMSP' },
      { org: 'AuditorMSP', role: 'auditor' },
    ],
    // A key mapped to an enrolled person acts as that person.
    [
      { keyId: 'e', role: 'operator', org: 'ProducerMSP', person: 'alice' },
      { org: 'ProducerMSP', role: 'operator', person: 'alice' },
    ],
  ] as const)('maps %j to the ledger actor %j', (principal, actor) => {
    expect(actorOf(principal)).toEqual(actor);
  });
});
