/** The roles an MSP principal can name (Fabric's MSPRole types, as policies write them). */
export type PrincipalRole = 'member' | 'admin' | 'client' | 'peer' | 'orderer';

/** Who may sign for a `signedBy` rule: a role in an organisation, or a principal kind this verifier cannot judge. */
export type Principal =
  { readonly mspId: string; readonly role: PrincipalRole } | { readonly unsupported: string };

/** Fabric's SignaturePolicy: `signedBy` an index into the principals, or `n` out of nested rules. */
export type SignatureRule =
  | { readonly signedBy: number }
  | { readonly nOutOf: { readonly n: number; readonly rules: readonly SignatureRule[] } };

/** A SignaturePolicyEnvelope: a rule over a list of principals. */
export interface SignaturePolicy {
  readonly rule: SignatureRule;
  readonly principals: readonly Principal[];
}

/** A channel configuration policy: a signature policy, or an implicit-meta rule over the sub-groups' policies. */
export type ConfigPolicy =
  | { readonly kind: 'signature'; readonly policy: SignaturePolicy }
  | { readonly kind: 'implicitMeta'; readonly subPolicy: string; readonly rule: 'ANY' | 'ALL' | 'MAJORITY' }
  | { readonly kind: 'unsupported'; readonly type: number };

/** A group of the channel configuration (`/Channel`, `/Channel/Orderer`, an organisation): its policies and sub-groups. */
export interface PolicyGroup {
  readonly policies: ReadonlyMap<string, ConfigPolicy>;
  readonly groups: ReadonlyMap<string, PolicyGroup>;
}

/** A signer whose identity and signature already checked out: what it can vouch for. */
export interface Signer {
  /** Human name for messages, e.g. `CarrierMSP.peer (CN=peer0.carrier.provena.local)`. */
  readonly label: string;
  satisfies(principal: Principal): boolean;
}

/**
 * Whether `signers` satisfy `policy`, with Fabric's semantics (common/cauthdsl/cauthdsl.go): rules are tried in
 * order, each signer counts for at most one `signedBy`, and an `n`-out-of gate keeps the signers a satisfied
 * sub-rule used. Greedy like Fabric's own evaluation, so the verifier agrees with the peers that validated the
 * block, even where a cleverer assignment could exist.
 */
export function evaluateSignaturePolicy(policy: SignaturePolicy, signers: readonly Signer[]): boolean {
  const evaluate = (rule: SignatureRule, used: boolean[]): boolean => {
    if ('signedBy' in rule) {
      const principal = policy.principals[rule.signedBy];
      if (!principal) return false;
      for (let i = 0; i < signers.length; i++) {
        if (used[i] || !signers[i]!.satisfies(principal)) continue;
        used[i] = true;
        return true;
      }
      return false;
    }
    let verified = 0;
    for (const sub of rule.nOutOf.rules) {
      const trial = [...used];
      if (evaluate(sub, trial)) {
        verified++;
        trial.forEach((value, i) => (used[i] = value));
      }
    }
    return verified >= rule.nOutOf.n;
  };
  return evaluate(
    policy.rule,
    signers.map(() => false),
  );
}

/**
 * Evaluates the configuration policy at `path` (e.g. `/Channel/Orderer/BlockValidation`). An implicit-meta policy
 * asks its rule (ANY, ALL, MAJORITY) of the same-named policy of every sub-group, each judged on all signers, as
 * Fabric's implicitmeta policy does.
 * @returns undefined when satisfied, else why not.
 */
export function evaluateConfigPolicy(
  root: PolicyGroup,
  path: string,
  signers: readonly Signer[],
): string | undefined {
  const parts = path.split('/').filter((p) => p !== '');
  const name = parts.pop();
  // The root group is `/Channel` itself.
  let group: PolicyGroup | undefined = root;
  for (const part of parts.slice(1)) group = group?.groups.get(part);
  const policy = name === undefined ? undefined : group?.policies.get(name);
  if (!group || !policy || name === undefined) return `the channel configuration has no policy ${path}`;
  return evaluateIn(group, name, policy, path, signers);
}

function evaluateIn(
  group: PolicyGroup,
  name: string,
  policy: ConfigPolicy,
  path: string,
  signers: readonly Signer[],
): string | undefined {
  switch (policy.kind) {
    case 'signature':
      return evaluateSignaturePolicy(policy.policy, signers)
        ? undefined
        : `${path} (${policyText(policy.policy)}) is not satisfied by ${signerList(signers)}`;
    case 'unsupported':
      return `${path} is a policy of type ${policy.type}, which this verifier cannot evaluate`;
    case 'implicitMeta': {
      const subs = [...group.groups].map(([groupName, sub]) => {
        const subPolicy = sub.policies.get(policy.subPolicy);
        const subPath = `${path.slice(0, path.lastIndexOf('/'))}/${groupName}/${policy.subPolicy}`;
        if (!subPolicy) return `the channel configuration has no policy ${subPath}`;
        return evaluateIn(sub, policy.subPolicy, subPolicy, subPath, signers);
      });
      const met = subs.filter((s) => s === undefined).length;
      const needed =
        policy.rule === 'ANY' ? 1 : policy.rule === 'ALL' ? subs.length : Math.floor(subs.length / 2) + 1;
      if (met >= needed) return undefined;
      return (
        `${path} (${policy.rule} ${policy.subPolicy}) needs ${needed} of ${subs.length} sub-policies, ` +
        `${met} satisfied by ${signerList(signers)}`
      );
    }
  }
  return `${path}: unknown policy ${name}`;
}

const signerList = (signers: readonly Signer[]): string =>
  signers.length === 0 ? 'no valid signer' : signers.map((s) => s.label).join(', ');

/** A signature policy in Fabric's policy language, e.g. `AND('ProducerMSP.peer','CarrierMSP.peer')`. */
export function policyText(policy: SignaturePolicy): string {
  const text = (rule: SignatureRule): string => {
    if ('signedBy' in rule) {
      const principal = policy.principals[rule.signedBy];
      if (!principal) return `<missing principal ${rule.signedBy}>`;
      return 'unsupported' in principal
        ? `<${principal.unsupported}>`
        : `'${principal.mspId}.${principal.role}'`;
    }
    const { n, rules } = rule.nOutOf;
    const inner = rules.map(text).join(',');
    if (n === rules.length) return `AND(${inner})`;
    if (n === 1) return `OR(${inner})`;
    return `OutOf(${n},${inner})`;
  };
  return text(policy.rule);
}
