import { common } from '@hyperledger/fabric-protos';
import { parseChannelConfig, type ChannelConfig } from './channel-config';
import { checkSignature, type IdentityCheck, type ValidIdentity } from './msp-identity';
import { evaluateConfigPolicy } from './signature-policy';

/** A channel configuration and what the verifier reads out of it. */
export interface ConfigInForce {
  readonly config: common.Config;
  readonly parsed: ChannelConfig;
}

/** The outcome of judging one configuration block against the configuration before it. */
export type ConfigUpdateCheck =
  | { readonly ok: true; readonly next: ConfigInForce; readonly changed: readonly string[] }
  | { readonly ok: false; readonly problem: string };

type Element = { version: number; modPolicy: string; bytes: string };

/**
 * Judges a configuration change as the orderers and peers must have: the update (the config envelope's
 * `last_update`) is signed by identities valid under the configuration in force, each element it modifies is
 * authorised by that element's `mod_policy` in the configuration in force, and the new configuration is the old
 * one with exactly those elements replaced and its sequence one higher.
 *
 * Supported: changes to values and policies (an MSP's revocation list, a policy's rule, ...). A change to a
 * group's membership (an organisation added or removed) is reported as not judged.
 */
export function checkConfigUpdate(
  previous: ConfigInForce,
  next: common.Config,
  lastUpdate: common.Envelope | undefined,
  identityOf: (serialized: Uint8Array) => IdentityCheck,
): ConfigUpdateCheck {
  const fail = (problem: string): ConfigUpdateCheck => ({ ok: false, problem });
  if (!lastUpdate) return fail('the configuration block carries no last update to judge it by');
  let envelope: common.ConfigUpdateEnvelope;
  let update: common.ConfigUpdate;
  try {
    const payload = common.Payload.deserializeBinary(lastUpdate.getPayload_asU8());
    envelope = common.ConfigUpdateEnvelope.deserializeBinary(payload.getData_asU8());
    update = common.ConfigUpdate.deserializeBinary(envelope.getConfigUpdate_asU8());
  } catch (err) {
    return fail(`its last update cannot be decoded: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (next.getSequence() !== previous.config.getSequence() + 1) {
    return fail(`its sequence ${next.getSequence()} does not follow ${previous.config.getSequence()}`);
  }
  const readSet = update.getReadSet();
  const writeSet = update.getWriteSet();
  const before = previous.config.getChannelGroup();
  const after = next.getChannelGroup();
  if (!writeSet || !before || !after) return fail('the update or a configuration lacks its channel group');

  // What the update modifies: elements whose write-set version differs from the read set's.
  const modified = new Map<string, { group: string; element: Element; kind: 'value' | 'policy' }>();
  const problem = collectModified('/Channel', readSet, writeSet, before, modified);
  if (problem) return fail(problem);
  if (modified.size === 0) return fail('its update modifies nothing');

  // Who signed the update, valid under the configuration in force.
  const signers: ValidIdentity[] = [];
  const signatureProblems: string[] = [];
  envelope.getSignaturesList().forEach((signature, i) => {
    const header = signature.getSignatureHeader_asU8();
    let creator: Uint8Array;
    try {
      creator = common.SignatureHeader.deserializeBinary(header).getCreator_asU8();
    } catch {
      signatureProblems.push(`signature ${i + 1} has no readable signature header`);
      return;
    }
    const identity = identityOf(creator);
    if (!identity.ok) {
      signatureProblems.push(`signature ${i + 1}: ${identity.problem}`);
      return;
    }
    const bad = checkSignature(
      identity.identity,
      Buffer.concat([header, envelope.getConfigUpdate_asU8()]),
      signature.getSignature_asU8(),
    );
    if (bad) signatureProblems.push(`signature ${i + 1}: ${bad}`);
    else if (!signers.some((s) => s.certificate.raw.equals(identity.identity.certificate.raw)))
      signers.push(identity.identity);
  });

  // Each modified element's mod_policy, as the configuration in force defines it.
  for (const [path, { group, element }] of modified) {
    const policyPath = element.modPolicy.startsWith('/')
      ? element.modPolicy
      : `${group}/${element.modPolicy}`;
    if (element.modPolicy === '') return fail(`${path} has no mod_policy, so nobody may change it`);
    const unmet = evaluateConfigPolicy(previous.parsed.policies, policyPath, signers);
    if (unmet)
      return fail(
        `changing ${path} needs ${unmet}${signatureProblems.length ? ` (${signatureProblems.join('; ')})` : ''}`,
      );
  }

  // The new configuration is the old one with exactly the modified elements replaced.
  const difference = compareGroups('/Channel', before, after, modified);
  if (difference) return fail(`the new configuration does not follow from its update: ${difference}`);
  let parsed: ChannelConfig;
  try {
    parsed = parseChannelConfig(next);
  } catch (err) {
    return fail(`the new configuration cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { ok: true, next: { config: next, parsed }, changed: [...modified.keys()] };
}

const valueElement = (v: common.ConfigValue): Element => ({
  version: v.getVersion(),
  modPolicy: v.getModPolicy(),
  bytes: Buffer.from(v.getValue_asU8()).toString('base64'),
});
const policyElement = (p: common.ConfigPolicy): Element => ({
  version: p.getVersion(),
  modPolicy: p.getModPolicy(),
  bytes: Buffer.from(p.getPolicy()?.serializeBinary() ?? new Uint8Array()).toString('base64'),
});

function collectModified(
  path: string,
  read: common.ConfigGroup | undefined,
  write: common.ConfigGroup,
  current: common.ConfigGroup | undefined,
  out: Map<string, { group: string; element: Element; kind: 'value' | 'policy' }>,
): string | undefined {
  if (!current) return `the update writes ${path}, which the configuration in force does not have`;
  if (!read || write.getVersion() !== read.getVersion()) {
    return `the update changes the membership of ${path}, which this verifier does not judge`;
  }
  const kinds = [
    ['value', write.getValuesMap(), read.getValuesMap(), current.getValuesMap(), valueElement],
    ['policy', write.getPoliciesMap(), read.getPoliciesMap(), current.getPoliciesMap(), policyElement],
  ] as const;
  for (const [kind, writes, reads, currents, element] of kinds) {
    for (const [name, written] of writes.entries()) {
      const readVersion = (reads.get(name) as { getVersion(): number } | undefined)?.getVersion();
      const w = element(written as never);
      if (readVersion !== undefined && readVersion === w.version) continue;
      const existing = currents.get(name);
      if (!existing) return `the update adds ${kind} ${path}/${name}, which this verifier does not judge`;
      const before = element(existing as never);
      if (w.version === before.version && w.bytes === before.bytes) continue; // written unchanged
      if (w.version !== before.version + 1) {
        return `the update writes ${path}/${name} at version ${w.version}, not ${before.version + 1}`;
      }
      // Authorised by the mod_policy in force, not by the one the update brings.
      out.set(`${path}/${name}`, { group: path, element: { ...w, modPolicy: before.modPolicy }, kind });
    }
  }
  for (const [name, sub] of write.getGroupsMap().entries()) {
    const problem = collectModified(
      `${path}/${name}`,
      read.getGroupsMap().get(name),
      sub,
      current.getGroupsMap().get(name),
      out,
    );
    if (problem) return problem;
  }
  return undefined;
}

function compareGroups(
  path: string,
  before: common.ConfigGroup,
  after: common.ConfigGroup,
  modified: ReadonlyMap<string, { element: Element }>,
): string | undefined {
  if (before.getVersion() !== after.getVersion() || before.getModPolicy() !== after.getModPolicy()) {
    return `${path} changed as a group`;
  }
  const sameKeys = (a: Iterable<string>, b: Iterable<string>) =>
    [...a].sort().join('\n') === [...b].sort().join('\n');
  const pairs = [
    [before.getValuesMap(), after.getValuesMap(), valueElement],
    [before.getPoliciesMap(), after.getPoliciesMap(), policyElement],
  ] as const;
  for (const [b, a, element] of pairs) {
    if (!sameKeys(b.keys(), a.keys())) return `${path} has other elements`;
    for (const [name, old] of b.entries()) {
      const now = element(a.get(name) as never);
      const want = modified.get(`${path}/${name}`)?.element;
      const expected = want ?? element(old as never);
      // A modified element keeps the mod_policy the update wrote; compare the value and version it must have.
      const sameModPolicy = want !== undefined || now.modPolicy === expected.modPolicy;
      if (now.version !== expected.version || now.bytes !== expected.bytes || !sameModPolicy) {
        return `${path}/${name} is not what ${want ? 'the update wrote' : 'the configuration before held'}`;
      }
    }
  }
  const beforeGroups = before.getGroupsMap();
  const afterGroups = after.getGroupsMap();
  if (!sameKeys(beforeGroups.keys(), afterGroups.keys())) return `${path} has other groups`;
  for (const [name, sub] of beforeGroups.entries()) {
    const problem = compareGroups(`${path}/${name}`, sub, afterGroups.get(name)!, modified);
    if (problem) return problem;
  }
  return undefined;
}
