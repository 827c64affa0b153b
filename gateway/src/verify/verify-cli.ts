#!/usr/bin/env node
import { runVerification } from './run-verification';
import { loadVerifyConfig } from './verify-config';
import { VerifyError, VerifyErrorCode } from './verify-error';
import { formatReport, type VerifyTarget } from './verify-report';

const USAGE = `usage: provena-verify [--json] [--genesis <block file>] shipment <shipmentId>
       provena-verify [--json] [--genesis <block file>] reading <deviceId> <seq>
       provena-verify [--json] [--genesis <block file>] forecast <runId>

Checks, from the auditor's own peer and the channel's genesis block only: the hash chain from the genesis block,
the orderers' signatures, every transaction's validation flag, creator and endorsements against the endorsement
policy, and every reading's device signature against the device's key as the ledger held it then.
Settings: PROVENA_FABRIC_CONNECTION (.provena/network/connection.json), PROVENA_VERIFY_ORG (AuditorMSP),
PROVENA_VERIFY_GENESIS (config/<channel>.block beside the connection file), PROVENA_VERIFY_EVALUATE_MS (30000).
Exit codes: 0 verified; 1 a check failed (each one listed); 2 bad usage, settings or genesis block;
3 the peer did not answer; 4 no such shipment, reading or forecast run on the ledger.`;

/** Exit codes by error, so scripts can tell "the ledger is wrong" from "the verifier could not look". */
const EXIT: Readonly<Record<VerifyErrorCode, number>> = {
  BAD_USAGE: 2,
  BAD_GENESIS: 2,
  LEDGER_UNAVAILABLE: 3,
  NOT_FOUND: 4,
};

interface Command {
  readonly target: VerifyTarget;
  readonly json: boolean;
  readonly genesis?: string;
}

/** @throws VerifyError BAD_USAGE */
export function parseVerifyArguments(argv: readonly string[]): Command | 'help' {
  const positional: string[] = [];
  let json = false;
  let genesis: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--help' || arg === '-h') return 'help';
    else if (arg === '--genesis') {
      genesis = argv[++i];
      if (!genesis) throw new VerifyError(VerifyErrorCode.BadUsage, '--genesis needs a block file');
    } else if (arg.startsWith('--')) throw new VerifyError(VerifyErrorCode.BadUsage, `unknown option ${arg}`);
    else positional.push(arg);
  }
  const [kind, a, b, ...extra] = positional;
  const usage = (why: string): VerifyError => new VerifyError(VerifyErrorCode.BadUsage, why);
  let target: VerifyTarget;
  if (kind === 'shipment' && a && b === undefined) target = { kind, shipmentId: a };
  else if (kind === 'forecast' && a && b === undefined) target = { kind, runId: a };
  else if (kind === 'reading' && a && b && extra.length === 0) {
    if (!/^[1-9][0-9]*$/.test(b) || !Number.isSafeInteger(Number(b)))
      throw usage(`the sequence number must be a positive integer, got ${b}`);
    target = { kind, deviceId: a, seq: Number(b) };
  } else throw usage('say what to verify: shipment <id>, reading <deviceId> <seq> or forecast <runId>');
  return { target, json, ...(genesis !== undefined && { genesis }) };
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    const command = parseVerifyArguments(argv);
    if (command === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const config = loadVerifyConfig(process.env, command.genesis);
    const report = await runVerification(config, command.target);
    process.stdout.write(command.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
    return report.verified ? 0 : 1;
  } catch (err) {
    if (err instanceof VerifyError) {
      process.stderr.write(`provena-verify: ${err.code}: ${err.message}\n`);
      if (err.code === VerifyErrorCode.BadUsage) process.stderr.write(`${USAGE}\n`);
      return EXIT[err.code];
    }
    throw err;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(
        `provena-verify: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 70;
    },
  );
}
