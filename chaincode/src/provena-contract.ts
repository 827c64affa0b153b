import { Contract, type Context } from 'fabric-contract-api';
import { LedgerErrorCode } from '@provena/wire';
import { LedgerError, toLedgerError } from './ledger-error';

/**
 * Base of Provena's contracts. It holds one promise and nothing else: whatever a transaction throws reaches the
 * client as a message starting with a stable {@link LedgerErrorCode}, because fabric-chaincode-node forwards
 * only `error.message`.
 */
export abstract class ProvenaContract extends Contract {
  /** fabric-chaincode-node calls every transaction through this hook. */
  override async aroundTransaction(ctx: Context, fn: unknown, parameters: unknown): Promise<void> {
    try {
      return await super.aroundTransaction(ctx, fn as never, parameters);
    } catch (err) {
      throw toLedgerError(err);
    }
  }

  override async unknownTransaction(ctx: Context): Promise<void> {
    const { fcn } = ctx.stub.getFunctionAndParameters();
    throw new LedgerError(
      LedgerErrorCode.InvalidArgument,
      `contract ${this.getName()} has no transaction ${fcn}`,
    );
  }
}
