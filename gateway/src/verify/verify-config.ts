import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AUDITOR_MSP } from '@provena/wire';
import { z } from 'zod';
import { DEFAULT_FABRIC_CONNECTION_FILE } from '../config/gateway-config';
import type { FabricAuditorPeerOptions } from './fabric-auditor-peer.adapter';
import { VerifyError, VerifyErrorCode } from './verify-error';

/** Everything the verifier needs: its peer and identity, and the genesis block it trusts. */
export interface VerifyConfig {
  readonly peer: FabricAuditorPeerOptions;
  readonly genesisBlockPath: string;
}

/**
 * Deadline of one qscc call. A block of 500 readings is about half a megabyte; the default of the gateway's own
 * evaluate deadline (5 s) is tight for that on a busy machine.
 */
export const DEFAULT_VERIFY_EVALUATE_MS = 30_000;

// Only what the verifier reads of the network's connection file. Not the gateway's own loader: that one requires
// an ingest organisation with an operator identity, which an auditor's machine does not hold.
const connectionSchema = z.object({
  channel: z.string().min(1),
  chaincode: z.string().min(1),
  organisations: z.record(
    z.string(),
    z.object({ peerEndpoint: z.string().min(1), peerTlsCaPath: z.string().min(1) }),
  ),
  identities: z.array(
    z.object({
      mspId: z.string(),
      role: z.string(),
      certPath: z.string().min(1),
      keyPath: z.string().min(1),
    }),
  ),
});

const envSchema = z.object({
  PROVENA_FABRIC_CONNECTION: z.string().min(1).default(DEFAULT_FABRIC_CONNECTION_FILE),
  PROVENA_VERIFY_ORG: z.string().min(1).default(AUDITOR_MSP),
  PROVENA_VERIFY_GENESIS: z.string().min(1).optional(),
  PROVENA_VERIFY_EVALUATE_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(DEFAULT_VERIFY_EVALUATE_MS),
});

/**
 * The verifier's settings: the connection file the network writes (PROVENA_FABRIC_CONNECTION, as for the gateway),
 * the organisation whose own peer and identity to use (PROVENA_VERIFY_ORG, AuditorMSP), and the genesis block to
 * trust (`--genesis`, else PROVENA_VERIFY_GENESIS, else `config/<channel>.block` beside the connection file,
 * where `network/network.sh` keeps the block it made the channel from).
 * @throws VerifyError BAD_USAGE listing every problem at once.
 */
export function loadVerifyConfig(env: NodeJS.ProcessEnv, genesisOverride?: string): VerifyConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new VerifyError(
      VerifyErrorCode.BadUsage,
      parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('; '),
    );
  }
  const e = parsed.data;
  const file = e.PROVENA_FABRIC_CONNECTION;
  let connection: z.infer<typeof connectionSchema>;
  try {
    connection = connectionSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    // Not the parser's message: it may quote the file's content.
    const why =
      (err as { code?: unknown }).code ?? (err instanceof z.ZodError ? 'not a connection file' : 'not JSON');
    throw new VerifyError(
      VerifyErrorCode.BadUsage,
      `PROVENA_FABRIC_CONNECTION: cannot use ${file} (${String(why)}); \`network/network.sh up\` writes it`,
      { cause: err },
    );
  }
  const problems: string[] = [];
  const org = connection.organisations[e.PROVENA_VERIFY_ORG];
  if (!org) problems.push(`PROVENA_VERIFY_ORG: ${file} lists no peer of ${e.PROVENA_VERIFY_ORG}`);
  // Any identity of the organisation reads through qscc; the auditor's is the one the network lists for it.
  const identity =
    connection.identities.find((i) => i.mspId === e.PROVENA_VERIFY_ORG && i.role === 'auditor') ??
    connection.identities.find((i) => i.mspId === e.PROVENA_VERIFY_ORG);
  if (!identity) problems.push(`PROVENA_VERIFY_ORG: ${file} lists no identity of ${e.PROVENA_VERIFY_ORG}`);
  if (problems.length > 0 || !org || !identity)
    throw new VerifyError(VerifyErrorCode.BadUsage, problems.join('; '));
  return {
    peer: {
      mspId: e.PROVENA_VERIFY_ORG,
      endpoint: org.peerEndpoint,
      tlsCaCertPath: org.peerTlsCaPath,
      certPath: identity.certPath,
      keyPath: identity.keyPath,
      channel: connection.channel,
      chaincode: connection.chaincode,
      evaluateMs: e.PROVENA_VERIFY_EVALUATE_MS,
    },
    genesisBlockPath:
      genesisOverride ??
      e.PROVENA_VERIFY_GENESIS ??
      join(dirname(file), 'config', `${connection.channel}.block`),
  };
}
