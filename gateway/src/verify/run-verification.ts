import { readFile } from 'node:fs/promises';
import { newFabricAuditorPeer } from './fabric-auditor-peer.adapter';
import { newVerifier } from './verifier';
import type { VerifyConfig } from './verify-config';
import { VerifyError, VerifyErrorCode } from './verify-error';
import type { VerifyReport, VerifyTarget } from './verify-report';

/**
 * One verification as the CLI and the dashboard's verify button run it: the trusted genesis block from its file,
 * a connection to the auditor's peer for this run only, closed whatever happens.
 * @throws {@link VerifyError} BAD_GENESIS when the genesis file cannot be read; the verifier's own errors.
 */
export async function runVerification(config: VerifyConfig, target: VerifyTarget): Promise<VerifyReport> {
  let genesisBlock: Buffer;
  try {
    genesisBlock = await readFile(config.genesisBlockPath);
  } catch (err) {
    throw new VerifyError(
      VerifyErrorCode.BadGenesis,
      `cannot read the trusted genesis block ${config.genesisBlockPath} (${String((err as { code?: unknown }).code ?? err)})`,
      { cause: err },
    );
  }
  const peer = newFabricAuditorPeer(config.peer);
  try {
    const verifier = newVerifier({
      peer,
      genesisBlock,
      channel: config.peer.channel,
      chaincode: config.peer.chaincode,
    });
    return await verifier.verify(target);
  } finally {
    peer.close();
  }
}
