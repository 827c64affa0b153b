'use strict';
// The benchmark's raw-Fabric baseline (`npm run bench`): a batch of signed readings recorded as one key per reading
// and nothing else: no signature check, no duplicate check, no index, no event. What it costs is what Fabric itself
// costs for the same transaction shape on the same network, endorsement policy and client code. Its dependencies
// resolve from the repository's node_modules (the chaincode workspace's fabric-contract-api and fabric-shim).
const { Contract } = require('fabric-contract-api');

class RawContract extends Contract {
  constructor() {
    super('raw');
  }

  async RecordRaw(ctx, envelopesJson) {
    const envelopes = JSON.parse(envelopesJson);
    for (const envelope of envelopes) {
      const { deviceId, seq } = envelope.reading;
      await ctx.stub.putState(`raw~${deviceId}~${seq}`, Buffer.from(JSON.stringify(envelope)));
    }
    return JSON.stringify({ recorded: envelopes.length });
  }
}

module.exports.contracts = [RawContract];
