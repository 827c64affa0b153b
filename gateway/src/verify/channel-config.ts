import { X509Certificate } from 'node:crypto';
import { common, msp, peer } from '@hyperledger/fabric-protos';
import type { MspDefinition } from './msp-identity';
import { parseRevocationList, signedBy, type RevocationList } from './revocation-list';
import type {
  ConfigPolicy,
  PolicyGroup,
  Principal,
  PrincipalRole,
  SignaturePolicy,
  SignatureRule,
} from './signature-policy';

/** What the verifier takes from the channel's (genesis) configuration. */
export interface ChannelConfig {
  /** Every organisation's MSP, orderer and application organisations alike, by MSP id. */
  readonly msps: ReadonlyMap<string, MspDefinition>;
  readonly ordererMspIds: readonly string[];
  readonly applicationMspIds: readonly string[];
  /** The policy tree rooted at `/Channel`. */
  readonly policies: PolicyGroup;
}

/** Where the orderers' block-signing policy lives in every channel configuration. */
export const BLOCK_VALIDATION_POLICY = '/Channel/Orderer/BlockValidation';

/** The policy `_lifecycle` writes (chaincode definitions) must satisfy. */
export const LIFECYCLE_ENDORSEMENT_POLICY = '/Channel/Application/LifecycleEndorsement';

/**
 * Reads MSPs and policies out of a channel configuration (common.Config).
 * @throws Error naming what is missing or malformed.
 */
export function parseChannelConfig(config: common.Config): ChannelConfig {
  const channel = config.getChannelGroup();
  if (!channel) throw new Error('the configuration has no channel group');
  const msps = new Map<string, MspDefinition>();
  const orgsOf = (groupName: string): string[] => {
    const group = channel.getGroupsMap().get(groupName);
    if (!group) return [];
    const ids: string[] = [];
    for (const [orgName, org] of group.getGroupsMap().entries()) {
      const value = org.getValuesMap().get('MSP');
      if (!value) throw new Error(`organisation ${orgName} of ${groupName} has no MSP value`);
      const definition = parseMsp(value.getValue_asU8(), orgName);
      msps.set(definition.mspId, definition);
      ids.push(definition.mspId);
    }
    return ids;
  };
  const ordererMspIds = orgsOf('Orderer');
  const applicationMspIds = orgsOf('Application');
  if (ordererMspIds.length === 0) throw new Error('the configuration names no orderer organisation');
  return { msps, ordererMspIds, applicationMspIds, policies: parsePolicyGroup(channel) };
}

function parseMsp(bytes: Uint8Array, orgName: string): MspDefinition {
  const config = msp.MSPConfig.deserializeBinary(bytes);
  // Type 0 is FABRIC (X.509); IDEMIX identities cannot endorse or order.
  if (config.getType() !== 0)
    throw new Error(`organisation ${orgName} uses an MSP of type ${config.getType()}`);
  const fabric = msp.FabricMSPConfig.deserializeBinary(config.getConfig_asU8());
  const certs = (list: Uint8Array[]): X509Certificate[] =>
    list.map((der) => new X509Certificate(Buffer.from(der)));
  const nodeOus = fabric.getFabricNodeOus();
  const ou = (id: msp.FabricOUIdentifier | undefined): string | undefined =>
    id?.getOrganizationalUnitIdentifier() || undefined;
  return {
    mspId: fabric.getName(),
    rootCerts: certs(fabric.getRootCertsList_asU8()),
    intermediateCerts: certs(fabric.getIntermediateCertsList_asU8()),
    admins: fabric.getAdminsList_asU8().map((pem) => new X509Certificate(Buffer.from(pem)).raw),
    nodeOus: nodeOus?.getEnable()
      ? {
          client: ou(nodeOus.getClientOuIdentifier()),
          peer: ou(nodeOus.getPeerOuIdentifier()),
          admin: ou(nodeOus.getAdminOuIdentifier()),
          orderer: ou(nodeOus.getOrdererOuIdentifier()),
        }
      : null,
    revocationLists: fabric.getRevocationListList_asU8().map((bytes) => {
      let list: RevocationList;
      try {
        list = parseRevocationList(bytes);
      } catch (err) {
        return { problem: `cannot be read (${err instanceof Error ? err.message : String(err)})` };
      }
      const cas = [
        ...certs(fabric.getRootCertsList_asU8()),
        ...certs(fabric.getIntermediateCertsList_asU8()),
      ];
      const ca = cas.find((c) => signedBy(list, c));
      return ca ? { list, ca } : { problem: `is signed by no CA of ${fabric.getName()}` };
    }),
  };
}

function parsePolicyGroup(group: common.ConfigGroup): PolicyGroup {
  const policies = new Map<string, ConfigPolicy>();
  for (const [name, configPolicy] of group.getPoliciesMap().entries()) {
    const policy = configPolicy.getPolicy();
    if (policy) policies.set(name, parseConfigPolicy(policy));
  }
  const groups = new Map<string, PolicyGroup>();
  for (const [name, sub] of group.getGroupsMap().entries()) groups.set(name, parsePolicyGroup(sub));
  return { policies, groups };
}

function parseConfigPolicy(policy: common.Policy): ConfigPolicy {
  switch (policy.getType()) {
    case common.Policy.PolicyType.SIGNATURE:
      return {
        kind: 'signature',
        policy: parseSignaturePolicy(
          common.SignaturePolicyEnvelope.deserializeBinary(policy.getValue_asU8()),
        ),
      };
    case common.Policy.PolicyType.IMPLICIT_META: {
      const meta = common.ImplicitMetaPolicy.deserializeBinary(policy.getValue_asU8());
      const rule = (['ANY', 'ALL', 'MAJORITY'] as const)[meta.getRule()];
      if (!rule) return { kind: 'unsupported', type: policy.getType() };
      return { kind: 'implicitMeta', subPolicy: meta.getSubPolicy(), rule };
    }
    default:
      return { kind: 'unsupported', type: policy.getType() };
  }
}

const ROLES: Readonly<Record<number, PrincipalRole>> = {
  [msp.MSPRole.MSPRoleType.MEMBER]: 'member',
  [msp.MSPRole.MSPRoleType.ADMIN]: 'admin',
  [msp.MSPRole.MSPRoleType.CLIENT]: 'client',
  [msp.MSPRole.MSPRoleType.PEER]: 'peer',
  [msp.MSPRole.MSPRoleType.ORDERER]: 'orderer',
};

/** A SignaturePolicyEnvelope as plain data. */
export function parseSignaturePolicy(envelope: common.SignaturePolicyEnvelope): SignaturePolicy {
  const rule = envelope.getRule();
  if (!rule) throw new Error('the signature policy has no rule');
  return {
    rule: parseRule(rule),
    principals: envelope.getIdentitiesList().map((principal): Principal => {
      if (principal.getPrincipalClassification() !== msp.MSPPrincipal.Classification.ROLE) {
        return { unsupported: `principal of classification ${principal.getPrincipalClassification()}` };
      }
      const role = msp.MSPRole.deserializeBinary(principal.getPrincipal_asU8());
      const name = ROLES[role.getRole()];
      return name
        ? { mspId: role.getMspIdentifier(), role: name }
        : { unsupported: `role ${role.getRole()}` };
    }),
  };
}

function parseRule(rule: common.SignaturePolicy): SignatureRule {
  if (rule.getTypeCase() === common.SignaturePolicy.TypeCase.SIGNED_BY)
    return { signedBy: rule.getSignedBy() };
  const nOutOf = rule.getNOutOf();
  if (!nOutOf) throw new Error('a signature policy rule is neither signed_by nor n_out_of');
  return { nOutOf: { n: nOutOf.getN(), rules: nOutOf.getRulesList().map(parseRule) } };
}

/** A chaincode's endorsement policy as its definition stores it (peer.ApplicationPolicy). */
export type EndorsementPolicy =
  | { readonly kind: 'signature'; readonly policy: SignaturePolicy }
  | { readonly kind: 'reference'; readonly path: string };

/**
 * The endorsement policy inside a chaincode definition's ValidationInfo. A reference names a channel
 * configuration policy (`/Channel/Application/Endorsement` when the definition gave no policy).
 * @throws Error when the bytes hold neither form.
 */
export function parseApplicationPolicy(bytes: Uint8Array): EndorsementPolicy {
  const policy = peer.ApplicationPolicy.deserializeBinary(bytes);
  const signature = policy.getSignaturePolicy();
  if (signature) return { kind: 'signature', policy: parseSignaturePolicy(signature) };
  const reference = policy.getChannelConfigPolicyReference();
  if (reference) return { kind: 'reference', path: reference };
  throw new Error('the application policy holds neither a signature policy nor a reference');
}

/**
 * The `_lifecycle` key under which a committed chaincode definition keeps its validation info, hence its
 * endorsement policy (fabric core/chaincode/lifecycle: `namespaces/fields/<name>/ValidationInfo`).
 */
export const validationInfoKey = (chaincode: string): string =>
  `namespaces/fields/${chaincode}/ValidationInfo`;

/**
 * The endorsement policy in a ValidationInfo value: a lifecycle StateData holding a ChaincodeValidationInfo whose
 * validation parameter is the ApplicationPolicy.
 * @throws Error when the bytes are not that.
 */
export function parseValidationInfo(stateData: Uint8Array): EndorsementPolicy {
  const data = peer.lifecycle.StateData.deserializeBinary(stateData);
  const info = peer.lifecycle.ChaincodeValidationInfo.deserializeBinary(data.getBytes_asU8());
  return parseApplicationPolicy(info.getValidationParameter_asU8());
}
