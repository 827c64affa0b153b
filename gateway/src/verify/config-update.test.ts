import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { common, msp } from '@hyperledger/fabric-protos';
import { TestCa, type IssuedIdentity } from '../testing/test-ca';
import { parseChannelConfig } from './channel-config';
import { checkConfigUpdate, type ConfigInForce } from './config-update';
import { checkIdentity } from './msp-identity';

// A channel configuration change judged against the configuration before it: ProducerMSP's MSP value (its
// revocation list) changed under its mod_policy Admins = OR('ProducerMSP.admin').

let dir: string;
let caCert: Buffer;
let admin: IssuedIdentity;
let clerk: IssuedIdentity;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'provena-config-update-'));
  const ca = new TestCa(dir);
  caCert = ca.cert;
  admin = ca.issue('producer-admin', 'admin', '0AD0');
  clerk = ca.issue('producer-clerk', 'client', '0C1E');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function mspValue(name: string, revocationList: Uint8Array[] = []): common.ConfigValue {
  const ou = (id: string) => {
    const identifier = new msp.FabricOUIdentifier();
    identifier.setOrganizationalUnitIdentifier(id);
    return identifier;
  };
  const nodeOus = new msp.FabricNodeOUs();
  nodeOus.setEnable(true);
  nodeOus.setClientOuIdentifier(ou('client'));
  nodeOus.setAdminOuIdentifier(ou('admin'));
  nodeOus.setPeerOuIdentifier(ou('peer'));
  nodeOus.setOrdererOuIdentifier(ou('orderer'));
  const fabric = new msp.FabricMSPConfig();
  fabric.setName(name);
  fabric.setRootCertsList([caCert]);
  fabric.setRevocationListList(revocationList);
  fabric.setFabricNodeOus(nodeOus);
  const config = new msp.MSPConfig();
  config.setType(0);
  config.setConfig(fabric.serializeBinary());
  const value = new common.ConfigValue();
  value.setValue(config.serializeBinary());
  value.setModPolicy('Admins');
  return value;
}

function adminsPolicy(mspId: string): common.ConfigPolicy {
  const role = new msp.MSPRole();
  role.setMspIdentifier(mspId);
  role.setRole(msp.MSPRole.MSPRoleType.ADMIN);
  const principal = new msp.MSPPrincipal();
  principal.setPrincipalClassification(msp.MSPPrincipal.Classification.ROLE);
  principal.setPrincipal(role.serializeBinary());
  const rule = new common.SignaturePolicy();
  rule.setSignedBy(0);
  const envelope = new common.SignaturePolicyEnvelope();
  envelope.setRule(rule);
  envelope.setIdentitiesList([principal]);
  const policy = new common.Policy();
  policy.setType(common.Policy.PolicyType.SIGNATURE);
  policy.setValue(envelope.serializeBinary());
  const configPolicy = new common.ConfigPolicy();
  configPolicy.setPolicy(policy);
  configPolicy.setModPolicy('Admins');
  return configPolicy;
}

/** Channel → Application → ProducerMSP (MSP value, Admins policy), and an orderer organisation. */
function channelConfig(
  sequence: number,
  mspVersion: number,
  revocationList: Uint8Array[] = [],
): common.Config {
  const org = new common.ConfigGroup();
  const value = mspValue('ProducerMSP', revocationList);
  value.setVersion(mspVersion);
  org.getValuesMap().set('MSP', value);
  org.getPoliciesMap().set('Admins', adminsPolicy('ProducerMSP'));
  org.setModPolicy('Admins');
  const application = new common.ConfigGroup();
  application.getGroupsMap().set('ProducerMSP', org);
  application.setModPolicy('Admins');
  const ordererOrg = new common.ConfigGroup();
  ordererOrg.getValuesMap().set('MSP', mspValue('OrdererMSP'));
  const orderer = new common.ConfigGroup();
  orderer.getGroupsMap().set('OrdererOrg', ordererOrg);
  const channel = new common.ConfigGroup();
  channel.getGroupsMap().set('Application', application);
  channel.getGroupsMap().set('Orderer', orderer);
  const config = new common.Config();
  config.setSequence(sequence);
  config.setChannelGroup(channel);
  return config;
}

/** The update that sets ProducerMSP's MSP value to `next`'s, signed by `signers`. */
function lastUpdate(next: common.Config, signers: IssuedIdentity[]): common.Envelope {
  const group = (source: common.ConfigGroup, withValue: boolean): common.ConfigGroup => {
    const g = new common.ConfigGroup();
    g.setVersion(source.getVersion());
    g.setModPolicy(source.getModPolicy());
    if (withValue) g.getValuesMap().set('MSP', source.getValuesMap().get('MSP')!);
    return g;
  };
  const set = (withValue: boolean): common.ConfigGroup => {
    const channel = next.getChannelGroup()!;
    const application = channel.getGroupsMap().get('Application')!;
    const org = group(application.getGroupsMap().get('ProducerMSP')!, withValue);
    const app = group(application, false);
    app.getGroupsMap().set('ProducerMSP', org);
    const root = group(channel, false);
    root.getGroupsMap().set('Application', app);
    return root;
  };
  const update = new common.ConfigUpdate();
  update.setChannelId('provena');
  update.setReadSet(set(false));
  update.setWriteSet(set(true));
  const updateBytes = update.serializeBinary();
  const envelope = new common.ConfigUpdateEnvelope();
  envelope.setConfigUpdate(updateBytes);
  envelope.setSignaturesList(
    signers.map((s) => {
      const creator = new msp.SerializedIdentity();
      creator.setMspid('ProducerMSP');
      creator.setIdBytes(s.cert);
      const header = new common.SignatureHeader();
      header.setCreator(creator.serializeBinary());
      header.setNonce(Buffer.from('nonce'));
      const headerBytes = header.serializeBinary();
      const signature = new common.ConfigSignature();
      signature.setSignatureHeader(headerBytes);
      signature.setSignature(
        sign('sha256', Buffer.concat([headerBytes, updateBytes]), {
          key: createPrivateKey(s.key),
          dsaEncoding: 'der',
        }),
      );
      return signature;
    }),
  );
  const payload = new common.Payload();
  payload.setData(envelope.serializeBinary());
  const outer = new common.Envelope();
  outer.setPayload(payload.serializeBinary());
  return outer;
}

function inForce(config: common.Config): ConfigInForce {
  return { config, parsed: parseChannelConfig(config) };
}

// Fabric requires low-S signatures; node:crypto may produce either, so retry until low-S.
function judge(previous: ConfigInForce, next: common.Config, signers: IssuedIdentity[]) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const outcome = checkConfigUpdate(previous, next, lastUpdate(next, signers), (s) =>
      checkIdentity(s, previous.parsed.msps),
    );
    if (outcome.ok || !/high S/.test(outcome.problem)) return outcome;
  }
  throw new Error('no low-S signature in 20 attempts');
}

const CRL = Buffer.from('not a CRL'); // the MSP value's bytes change; what they hold is the MSP's concern

it('accepts a change of an MSP value signed as its mod_policy asks, and returns the new configuration', () => {
  const previous = inForce(channelConfig(1, 0));
  const next = channelConfig(2, 1, [CRL]);
  const outcome = judge(previous, next, [admin]);
  expect(outcome).toMatchObject({ ok: true, changed: ['/Channel/Application/ProducerMSP/MSP'] });
  // From here on identities of ProducerMSP are judged with the new MSP (here: a list that is no CRL, so none).
  if (!outcome.ok) throw new Error(outcome.problem);
  expect(outcome.next.parsed.msps.get('ProducerMSP')?.revocationLists).toEqual([
    { problem: expect.stringMatching(/^cannot be read/) },
  ]);
});

it('refuses the change when its signers do not satisfy the mod_policy in force', () => {
  const outcome = judge(inForce(channelConfig(1, 0)), channelConfig(2, 1), [clerk]);
  expect(outcome).toEqual({
    ok: false,
    problem: expect.stringMatching(
      /^changing \/Channel\/Application\/ProducerMSP\/MSP needs \/Channel\/Application\/ProducerMSP\/Admins .* is not satisfied by ProducerMSP.client \(CN=producer-clerk\)$/,
    ),
  });
});

it('refuses a new configuration that does not follow from its signed update', () => {
  const next = channelConfig(2, 1);
  const signed = lastUpdate(next, [admin]);
  // Something the update did not write: the orderer organisation's MSP.
  const tampered = channelConfig(2, 1);
  tampered
    .getChannelGroup()!
    .getGroupsMap()
    .get('Orderer')!
    .getGroupsMap()
    .get('OrdererOrg')!
    .getValuesMap()
    .set('MSP', mspValue('OrdererMSP', [CRL]));
  let outcome = checkConfigUpdate(inForce(channelConfig(1, 0)), tampered, signed, (s) =>
    checkIdentity(s, parseChannelConfig(channelConfig(1, 0)).msps),
  );
  for (let i = 0; !outcome.ok && /high S/.test(outcome.problem) && i < 20; i++) {
    outcome = checkConfigUpdate(inForce(channelConfig(1, 0)), tampered, lastUpdate(next, [admin]), (s) =>
      checkIdentity(s, parseChannelConfig(channelConfig(1, 0)).msps),
    );
  }
  expect(outcome).toEqual({
    ok: false,
    problem: expect.stringMatching(
      /does not follow from its update: \/Channel\/Orderer\/OrdererOrg\/MSP is not what the configuration before held/,
    ),
  });
});

it('refuses a sequence that does not follow', () => {
  const outcome = judge(inForce(channelConfig(1, 0)), channelConfig(3, 1), [admin]);
  expect(outcome).toEqual({ ok: false, problem: 'its sequence 3 does not follow 1' });
});
