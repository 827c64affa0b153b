import {
  evaluateConfigPolicy,
  evaluateSignaturePolicy,
  policyText,
  type ConfigPolicy,
  type PolicyGroup,
  type Principal,
  type PrincipalRole,
  type SignaturePolicy,
  type Signer,
} from './signature-policy';

/** A signer already verified as `mspId` holding `roles` (every valid identity is also a member). */
const signer = (mspId: string, ...roles: PrincipalRole[]): Signer => ({
  label: `${mspId}.${roles[0] ?? 'member'}`,
  satisfies: (p: Principal) =>
    !('unsupported' in p) && p.mspId === mspId && (p.role === 'member' || roles.includes(p.role)),
});

const role = (mspId: string, r: PrincipalRole): Principal => ({ mspId, role: r });

// AND('ProducerMSP.peer','CarrierMSP.peer'): the network's policy for chaincode provena.
const BOTH_MEMBERS: SignaturePolicy = {
  rule: { nOutOf: { n: 2, rules: [{ signedBy: 0 }, { signedBy: 1 }] } },
  principals: [role('ProducerMSP', 'peer'), role('CarrierMSP', 'peer')],
};

describe('signature policies (Fabric cauthdsl semantics)', () => {
  it("is satisfied by the producer's and the carrier's peers together", () => {
    expect(
      evaluateSignaturePolicy(BOTH_MEMBERS, [signer('CarrierMSP', 'peer'), signer('ProducerMSP', 'peer')]),
    ).toBe(true);
  });

  it.each([
    ['the producer alone', [signer('ProducerMSP', 'peer')]],
    ['the producer twice', [signer('ProducerMSP', 'peer'), signer('ProducerMSP', 'peer')]],
    [
      "the carrier's client instead of its peer",
      [signer('ProducerMSP', 'peer'), signer('CarrierMSP', 'client')],
    ],
    ["the auditor's peer for the carrier", [signer('ProducerMSP', 'peer'), signer('AuditorMSP', 'peer')]],
    ['nobody', []],
  ])('is not satisfied by %s', (_who, signers) => {
    expect(evaluateSignaturePolicy(BOTH_MEMBERS, signers)).toBe(false);
  });

  it('counts each signer for one principal only, assigned greedily in rule order as Fabric does', () => {
    const producer = role('ProducerMSP', 'member');
    const carrier = role('CarrierMSP', 'member');
    const eitherThenProducer: SignaturePolicy = {
      rule: {
        nOutOf: {
          n: 2,
          rules: [{ nOutOf: { n: 1, rules: [{ signedBy: 0 }, { signedBy: 1 }] } }, { signedBy: 0 }],
        },
      },
      principals: [producer, carrier],
    };
    expect(evaluateSignaturePolicy(eitherThenProducer, [signer('ProducerMSP')])).toBe(false);
    // The OR takes the producer first, so the second rule finds no producer left: Fabric's peers refuse this too.
    expect(evaluateSignaturePolicy(eitherThenProducer, [signer('ProducerMSP'), signer('CarrierMSP')])).toBe(
      false,
    );
    const producerThenEither: SignaturePolicy = {
      rule: {
        nOutOf: {
          n: 2,
          rules: [{ signedBy: 0 }, { nOutOf: { n: 1, rules: [{ signedBy: 0 }, { signedBy: 1 }] } }],
        },
      },
      principals: [producer, carrier],
    };
    expect(evaluateSignaturePolicy(producerThenEither, [signer('ProducerMSP'), signer('CarrierMSP')])).toBe(
      true,
    );
  });

  it('evaluates n-out-of gates with any n of their rules', () => {
    const twoOfThree: SignaturePolicy = {
      rule: { nOutOf: { n: 2, rules: [{ signedBy: 0 }, { signedBy: 1 }, { signedBy: 2 }] } },
      principals: [role('A', 'peer'), role('B', 'peer'), role('C', 'peer')],
    };
    expect(evaluateSignaturePolicy(twoOfThree, [signer('C', 'peer'), signer('A', 'peer')])).toBe(true);
    expect(evaluateSignaturePolicy(twoOfThree, [signer('B', 'peer')])).toBe(false);
  });

  it('never lets a principal it cannot judge be satisfied', () => {
    const policy: SignaturePolicy = {
      rule: { signedBy: 0 },
      principals: [{ unsupported: 'principal of classification 1' }],
    };
    expect(evaluateSignaturePolicy(policy, [signer('ProducerMSP', 'peer', 'admin')])).toBe(false);
  });

  it("writes policies in Fabric's policy language", () => {
    expect(policyText(BOTH_MEMBERS)).toBe("AND('ProducerMSP.peer','CarrierMSP.peer')");
    expect(
      policyText({
        rule: { nOutOf: { n: 1, rules: [{ signedBy: 0 }, { signedBy: 1 }] } },
        principals: BOTH_MEMBERS.principals,
      }),
    ).toBe("OR('ProducerMSP.peer','CarrierMSP.peer')");
    expect(
      policyText({
        rule: { nOutOf: { n: 2, rules: [{ signedBy: 0 }, { signedBy: 1 }, { signedBy: 0 }] } },
        principals: BOTH_MEMBERS.principals,
      }),
    ).toBe("OutOf(2,'ProducerMSP.peer','CarrierMSP.peer','ProducerMSP.peer')");
  });
});

describe('channel configuration policies (implicit meta over organisations)', () => {
  const orgPolicy = (mspId: string, r: PrincipalRole): PolicyGroup => ({
    policies: new Map<string, ConfigPolicy>([
      ['Endorsement', { kind: 'signature', policy: { rule: { signedBy: 0 }, principals: [role(mspId, r)] } }],
      [
        'Writers',
        { kind: 'signature', policy: { rule: { signedBy: 0 }, principals: [role(mspId, 'member')] } },
      ],
    ]),
    groups: new Map(),
  });
  // The shape configtxgen gives this network's channel: /Channel/Application/LifecycleEndorsement is MAJORITY
  // Endorsement over three organisations, /Channel/Orderer/BlockValidation ANY Writers over the orderer org.
  const channel: PolicyGroup = {
    policies: new Map(),
    groups: new Map<string, PolicyGroup>([
      [
        'Application',
        {
          policies: new Map<string, ConfigPolicy>([
            ['LifecycleEndorsement', { kind: 'implicitMeta', subPolicy: 'Endorsement', rule: 'MAJORITY' }],
            ['Everyone', { kind: 'implicitMeta', subPolicy: 'Endorsement', rule: 'ALL' }],
          ]),
          groups: new Map([
            ['ProducerMSP', orgPolicy('ProducerMSP', 'peer')],
            ['CarrierMSP', orgPolicy('CarrierMSP', 'peer')],
            ['AuditorMSP', orgPolicy('AuditorMSP', 'peer')],
          ]),
        },
      ],
      [
        'Orderer',
        {
          policies: new Map<string, ConfigPolicy>([
            ['BlockValidation', { kind: 'implicitMeta', subPolicy: 'Writers', rule: 'ANY' }],
          ]),
          groups: new Map([['OrdererMSP', orgPolicy('OrdererMSP', 'orderer')]]),
        },
      ],
    ]),
  };

  it('needs two of three organisations for a MAJORITY', () => {
    const path = '/Channel/Application/LifecycleEndorsement';
    expect(
      evaluateConfigPolicy(channel, path, [signer('ProducerMSP', 'peer'), signer('AuditorMSP', 'peer')]),
    ).toBeUndefined();
    expect(evaluateConfigPolicy(channel, path, [signer('ProducerMSP', 'peer')])).toBe(
      '/Channel/Application/LifecycleEndorsement (MAJORITY Endorsement) needs 2 of 3 sub-policies, 1 satisfied by ProducerMSP.peer',
    );
  });

  it('needs every organisation for ALL', () => {
    const all = [signer('ProducerMSP', 'peer'), signer('CarrierMSP', 'peer'), signer('AuditorMSP', 'peer')];
    expect(evaluateConfigPolicy(channel, '/Channel/Application/Everyone', all)).toBeUndefined();
    expect(evaluateConfigPolicy(channel, '/Channel/Application/Everyone', all.slice(1))).toBeDefined();
  });

  it("accepts a block signed by an orderer organisation's member, and no one else's", () => {
    const path = '/Channel/Orderer/BlockValidation';
    expect(evaluateConfigPolicy(channel, path, [signer('OrdererMSP', 'orderer')])).toBeUndefined();
    expect(evaluateConfigPolicy(channel, path, [signer('ProducerMSP', 'peer')])).toMatch(
      /^\/Channel\/Orderer\/BlockValidation \(ANY Writers\) needs 1 of 1 sub-policies, 0 satisfied by ProducerMSP.peer$/,
    );
  });

  it('names a policy the configuration does not have', () => {
    expect(evaluateConfigPolicy(channel, '/Channel/Application/Nope', [])).toBe(
      'the channel configuration has no policy /Channel/Application/Nope',
    );
  });
});
