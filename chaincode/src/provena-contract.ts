import { Contract, type Context } from 'fabric-contract-api';
import { LedgerErrorCode } from '@provena/wire';
import { LedgerError, toLedgerError } from './ledger-error';
import { discardWrites, flushWrites } from './state-batch';

/**
 * Base of Provena's contracts. It holds two promises: whatever a transaction throws reaches the client as a
 * message starting with a stable {@link LedgerErrorCode}, because fabric-chaincode-node forwards only
 * `error.message`; and a transaction's deferred writes (state-batch.ts) reach the peer before it completes.
 */
export abstract class ProvenaContract extends Contract {
  /** fabric-chaincode-node calls every transaction through this hook. */
  override async aroundTransaction(ctx: Context, fn: unknown, parameters: unknown): Promise<void> {
    try {
      const result = await super.aroundTransaction(ctx, fn as never, parameters);
      await flushWrites(ctx);
      return result;
    } catch (err) {
      discardWrites(ctx);
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
