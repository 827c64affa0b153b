import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkId, Limits, replaceFileDurably } from '@provena/wire';
import { SimulatorError, SimulatorErrorCode } from '../errors';

/**
 * Hands out each device's sequence numbers: strictly increasing, never one used before, also across restarts.
 * Gaps are allowed (the ledger only refuses a reused number), so numbers are reserved in blocks.
 */
export interface SequenceStore {
  /** The device's next sequence number. */
  next(deviceId: string): Promise<number>;
  /** The highest number reserved so far for the device (0 when none): every number handed out is at most this. */
  reservedThrough(deviceId: string): Promise<number>;
  /**
   * Does now the I/O the device's next {@link next} would do (loading its file, reserving a block), so that a
   * caller timing its readings, such as a load run, does not find a durable write in its first one.
   */
  prepare(deviceId: string): Promise<void>;
}

export interface FileSequenceStoreOptions {
  /** Folder of `<deviceId>.seq.json` files. One process per folder. */
  directory: string;
  /**
   * Numbers reserved per durable write. A crash wastes at most one block, and a block costs one fsync, so
   * 1,000 keeps the fsync rate at a thousandth of the reading rate.
   */
  blockSize?: number;
}

interface DeviceSequence {
  next: number;
  reservedThrough: number;
  reserving?: Promise<void>;
}

interface SequenceFile {
  deviceId: string;
  reservedThrough: number;
}

class FileSequenceStore implements SequenceStore {
  readonly #states = new Map<string, Promise<DeviceSequence>>();

  constructor(
    private readonly directory: string,
    private readonly blockSize: number,
  ) {}

  #file(deviceId: string): string {
    return join(this.directory, `${checkId(deviceId, 'deviceId')}.seq.json`);
  }

  #state(deviceId: string): Promise<DeviceSequence> {
    let state = this.#states.get(deviceId);
    if (!state) {
      state = this.#load(deviceId);
      this.#states.set(deviceId, state);
      state.catch(() => this.#states.delete(deviceId));
    }
    return state;
  }

  async #load(deviceId: string): Promise<DeviceSequence> {
    let text: string;
    try {
      text = await readFile(this.#file(deviceId), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { next: 1, reservedThrough: 0 };
      throw new SimulatorError(
        SimulatorErrorCode.SequenceStoreFailed,
        `cannot read sequence of ${deviceId}`,
        {
          cause: error,
        },
      );
    }
    const saved = JSON.parse(text) as Partial<SequenceFile>;
    if (
      saved.deviceId !== deviceId ||
      !Number.isSafeInteger(saved.reservedThrough) ||
      saved.reservedThrough! < 0
    ) {
      // Guessing a number here could reuse one; refuse and let a person look.
      throw new SimulatorError(
        SimulatorErrorCode.SequenceStoreFailed,
        `sequence file of ${deviceId} is corrupt: ${text.slice(0, 100)}`,
      );
    }
    // Everything up to the reservation may have been used before a crash: resume above it.
    return { next: saved.reservedThrough! + 1, reservedThrough: saved.reservedThrough! };
  }

  /**
   * Durably records a new reservation before any number in it is handed out: write a temporary file, fsync it,
   * rename it over the old one (atomic on POSIX), fsync the folder so the rename itself survives a power cut.
   */
  async #reserve(deviceId: string, state: DeviceSequence): Promise<void> {
    const target = state.reservedThrough + this.blockSize;
    if (target > Limits.maxSeq) {
      throw new SimulatorError(
        SimulatorErrorCode.SequenceExhausted,
        `device ${deviceId} has no sequence numbers left`,
      );
    }
    try {
      await mkdir(this.directory, { recursive: true, mode: 0o700 });
      await replaceFileDurably(
        this.#file(deviceId),
        JSON.stringify({ deviceId, reservedThrough: target } satisfies SequenceFile),
      );
    } catch (error) {
      throw new SimulatorError(
        SimulatorErrorCode.SequenceStoreFailed,
        `cannot reserve sequence numbers for ${deviceId}`,
        {
          cause: error,
        },
      );
    }
    state.reservedThrough = target;
  }

  /** The reservation under way for the device, or a new one: concurrent callers share one durable write. */
  #reservation(deviceId: string, state: DeviceSequence): Promise<void> {
    state.reserving ??= this.#reserve(deviceId, state).finally(() => {
      state.reserving = undefined;
    });
    return state.reserving;
  }

  async next(deviceId: string): Promise<number> {
    const state = await this.#state(deviceId);
    // Check and increment run without an await between them, so concurrent callers never get the same number.
    while (state.next > state.reservedThrough) await this.#reservation(deviceId, state);
    return state.next++;
  }

  async prepare(deviceId: string): Promise<void> {
    const state = await this.#state(deviceId);
    while (state.next > state.reservedThrough) await this.#reservation(deviceId, state);
  }

  async reservedThrough(deviceId: string): Promise<number> {
    return (await this.#state(deviceId)).reservedThrough;
  }
}

/**
 * A durable {@link SequenceStore}: after a restart (or a crash) a device resumes above every number it may
 * have used. Not for two processes on one folder: each would reserve from the same file.
 * @example
 * const seqs = newFileSequenceStore({ directory: '.provena/iot-simulator/sequences' });
 * const seq = await seqs.next('logger-1001');
 */
export function newFileSequenceStore(options: Readonly<FileSequenceStoreOptions>): SequenceStore {
  const blockSize = options.blockSize ?? 1000;
  if (!Number.isSafeInteger(blockSize) || blockSize < 1) {
    throw new SimulatorError(
      SimulatorErrorCode.BadArgument,
      `blockSize must be a positive integer, got ${blockSize}`,
    );
  }
  return new FileSequenceStore(options.directory, blockSize);
}

/** A {@link SequenceStore} in memory, for tests and throw-away runs: numbers restart at 1 in every process. */
export function newMemorySequenceStore(): SequenceStore {
  const next = new Map<string, number>();
  return {
    next: (deviceId) => {
      const seq = next.get(deviceId) ?? 1;
      next.set(deviceId, seq + 1);
      return Promise.resolve(seq);
    },
    reservedThrough: (deviceId) => Promise.resolve((next.get(deviceId) ?? 1) - 1),
    prepare: () => Promise.resolve(),
  };
}
