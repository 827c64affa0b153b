import { Inject, Injectable, Logger } from '@nestjs/common';
import { GatewayError, GatewayErrorCode } from '../errors/gateway-error';
import { runVerification } from '../verify/run-verification';
import { loadVerifyConfig } from '../verify/verify-config';
import { VerifyError, VerifyErrorCode } from '../verify/verify-error';
import type { VerifyReport, VerifyTarget } from '../verify/verify-report';

/** DI token of the environment the verifier's settings are read from (PROVENA_FABRIC_CONNECTION, PROVENA_VERIFY_*). */
export const VERIFY_ENV = Symbol('VERIFY_ENV');

// What an API client is told when the verifier could not run. Settings problems are the operator's: the client
// gets INTERNAL and the log gets the reason, which names files on the gateway's machine.
const AS_GATEWAY_ERROR: Readonly<Record<VerifyErrorCode, GatewayErrorCode>> = {
  BAD_USAGE: GatewayErrorCode.Internal,
  BAD_GENESIS: GatewayErrorCode.Internal,
  LEDGER_UNAVAILABLE: GatewayErrorCode.LedgerUnavailable,
  NOT_FOUND: GatewayErrorCode.NotFound,
};

/**
 * `provena-verify` run inside the gateway for auditors who click "verify": the same settings as the CLI (read
 * from the same variables on each run, so the gateway and the command line agree), the same verifier, a fresh
 * connection to the auditor's own peer per run. What it adds to the CLI is no trust: the auditor now trusts the
 * gateway to have run the checks, which is why the CLI stays the independent check.
 *
 * Runs one verification at a time: each walks the chain from block 0 and checks every signature, CPU the gateway
 * shares with ingest.
 */
@Injectable()
export class AuditorVerifyService {
  readonly #log = new Logger('AuditorVerify');
  #queue: Promise<unknown> = Promise.resolve();

  constructor(@Inject(VERIFY_ENV) private readonly env: NodeJS.ProcessEnv) {}

  /**
   * @throws GatewayError NOT_FOUND (no such shipment on the auditor's peer), LEDGER_UNAVAILABLE, INTERNAL (the
   * verifier's settings or genesis block are unusable; the log says why).
   */
  verify(target: VerifyTarget): Promise<VerifyReport> {
    const run = this.#queue.then(() => this.#run(target));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #run(target: VerifyTarget): Promise<VerifyReport> {
    try {
      return await runVerification(loadVerifyConfig(this.env), target);
    } catch (err) {
      if (!(err instanceof VerifyError)) throw err;
      const code = AS_GATEWAY_ERROR[err.code];
      if (code === GatewayErrorCode.Internal) {
        this.#log.error(`verification cannot run: ${err.code}: ${err.message}`);
      }
      throw new GatewayError(code, err.message, undefined, { cause: err });
    }
  }
}
