import { readFile } from 'node:fs/promises';
import { writeJsonDurably } from '@provena/wire';

/** The last chaincode event a listener has fully handled: its block, and its transaction within the block. */
export interface EventPosition {
  readonly blockNumber: bigint;
  readonly transactionId: string;
}

/**
 * Where a chaincode-event listener resumes. Its shape is fabric-gateway's `Checkpoint` (block number and
 * transaction id read back), so the Fabric adapter hands it straight to `getChaincodeEvents`, which resumes at that
 * block and skips the events up to and including that transaction.
 */
export interface EventCheckpoint {
  getBlockNumber(): bigint | undefined;
  getTransactionId(): string | undefined;
  /** Records that the event at this position is handled; after it returns, a restart resumes after it. */
  save(position: EventPosition): Promise<void>;
}

/**
 * A checkpoint in a small JSON file, replaced atomically (write, then rename), so a crash leaves the old or the new
 * position, never a torn file.
 */
export class FileEventCheckpoint implements EventCheckpoint {
  #position: EventPosition | undefined;

  private constructor(
    readonly path: string,
    position: EventPosition | undefined,
  ) {
    this.#position = position;
  }

  /** Opens the checkpoint at `path`; a missing file means "from the start of the ledger". */
  static async open(path: string): Promise<FileEventCheckpoint> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return new FileEventCheckpoint(path, undefined);
      throw err;
    }
    const parsed = JSON.parse(text) as { blockNumber?: unknown; transactionId?: unknown };
    if (
      typeof parsed.blockNumber !== 'string' ||
      !/^\d+$/.test(parsed.blockNumber) ||
      typeof parsed.transactionId !== 'string'
    ) {
      throw new Error(`${path} is not an event checkpoint`);
    }
    return new FileEventCheckpoint(path, {
      blockNumber: BigInt(parsed.blockNumber),
      transactionId: parsed.transactionId,
    });
  }

  getBlockNumber(): bigint | undefined {
    return this.#position?.blockNumber;
  }

  getTransactionId(): string | undefined {
    return this.#position?.transactionId;
  }

  async save(position: EventPosition): Promise<void> {
    await writeJsonDurably(
      this.path,
      { blockNumber: position.blockNumber.toString(), transactionId: position.transactionId },
      0o640,
    );
    this.#position = position;
  }
}
