import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appendFileDurably, replaceFileDurably } from '@provena/wire';

/** A reading the gateway could not place on the ledger within its bound, kept to be redriven by an admin. */
export interface DeadLetter {
  /** Stable per envelope (SHA-256 of its bytes, hex): a redelivered copy updates the same entry. */
  readonly id: string;
  readonly deviceId: string;
  /** The reading's sequence number; null when the envelope could not even be decoded. */
  readonly seq: number | null;
  /** The MQTT topic it arrived on. */
  readonly topic: string;
  /** The signed reading exactly as the device sent it (the MQTT payload, UTF-8). */
  readonly envelope: string;
  /** Why it was put here: the last failure's stable code and message. */
  readonly reason: { readonly code: string; readonly message: string };
  /** ISO 8601 times of the first and the last attempt to place it. */
  readonly firstAttemptAt: string;
  readonly lastAttemptAt: string;
  /** Attempts so far, redrives included. */
  readonly attempts: number;
}

/** One page of dead letters, oldest first; `bookmark` is empty on the last page. */
export interface DeadLetterPage {
  readonly items: readonly DeadLetter[];
  readonly bookmark: string;
}

/** Where dead letters live. Every write is durable when its promise resolves. */
export interface DeadLetterStore {
  /** Resolves once the stored entries are loaded; rejects when the file cannot be read or is corrupt. */
  ready(): Promise<void>;
  /**
   * Adds entries, or updates those already held (same id: first attempt kept, attempts added). `full` when the new
   * ones would take the store past its maximum: then nothing is written, and the caller must keep the readings.
   */
  put(entries: readonly DeadLetter[]): Promise<'stored' | 'full'>;
  /** Replaces held entries (same id) with updated copies, e.g. after a failed redrive; others are skipped. */
  update(entries: readonly DeadLetter[]): Promise<void>;
  /** Removes entries by id; unknown ids are ignored. */
  remove(ids: readonly string[]): Promise<void>;
  /** Entries oldest first, `limit` at a time, after the opaque `bookmark` of the previous page. */
  list(limit: number, bookmark?: string): Promise<DeadLetterPage>;
  /** Entries by id, in store order; unknown ids are left out. */
  get(ids: readonly string[]): Promise<DeadLetter[]>;
  /** Entries held now (0 until loaded): for the metrics gauge, which cannot wait. */
  readonly size: number;
  readonly maxEntries: number;
}

export interface FileDeadLetterStoreOptions {
  /** The folder; the store is one file in it, `dead-letters.jsonl`. Created when first written. */
  readonly directory: string;
  /** Entries at most; see {@link DeadLetterStore.put}. */
  readonly maxEntries: number;
}

/** The id of an envelope: SHA-256 of its bytes, hex. */
export function deadLetterId(envelope: Buffer | string): string {
  return createHash('sha256').update(envelope).digest('hex');
}

/**
 * A dead-letter store in one JSON-lines file: each line puts an entry or removes one, appended and fsynced before
 * the call returns; a crash mid-append leaves at most a torn last line, which loading skips (that reading was not
 * acknowledged yet, so the broker redelivers it). When removed or replaced lines outnumber the live ones, the file
 * is rewritten with only the live entries, atomically (temporary file, fsync, rename, fsync folder).
 *
 * @example
 * const store = newFileDeadLetterStore({ directory: '.provena/dead-letters', maxEntries: 10_000 });
 * await store.ready();
 */
export function newFileDeadLetterStore(options: Readonly<FileDeadLetterStoreOptions>): DeadLetterStore {
  return new FileDeadLetterStore(options);
}

type Line = { put: DeadLetter } | { remove: string };

/** Lines beyond the live entries before the file is compacted. */
const COMPACT_SLACK_LINES = 1000;

class FileDeadLetterStore implements DeadLetterStore {
  readonly #file: string;
  readonly #directory: string;
  readonly maxEntries: number;
  /** Entries and their order numbers, in store order (a Map keeps insertion order). */
  readonly #entries = new Map<string, { entry: DeadLetter; order: number }>();
  #nextOrder = 1;
  #lines = 0;
  /** Whether the file ended in a torn line when last read. */
  #torn = false;
  readonly #loaded: Promise<void>;
  /** Writes run one at a time, in call order. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: Readonly<FileDeadLetterStoreOptions>) {
    this.#directory = options.directory;
    this.#file = join(options.directory, 'dead-letters.jsonl');
    this.maxEntries = options.maxEntries;
    this.#loaded = this.#load();
    // ready() reports a load failure; keep it from being an unhandled rejection meanwhile.
    this.#loaded.catch(() => undefined);
  }

  get size(): number {
    return this.#entries.size;
  }

  ready(): Promise<void> {
    return this.#loaded;
  }

  put(entries: readonly DeadLetter[]): Promise<'stored' | 'full'> {
    return this.#serially(async () => {
      const added = new Set(entries.filter((e) => !this.#entries.has(e.id)).map((e) => e.id));
      if (this.#entries.size + added.size > this.maxEntries) return 'full';
      const merged = entries.map((e) => {
        const held = this.#entries.get(e.id)?.entry;
        if (held === undefined) return e;
        return {
          ...e,
          firstAttemptAt: held.firstAttemptAt < e.firstAttemptAt ? held.firstAttemptAt : e.firstAttemptAt,
          attempts: held.attempts + e.attempts,
        };
      });
      await this.#append(merged.map((put) => ({ put })));
      for (const entry of merged) {
        const held = this.#entries.get(entry.id);
        this.#entries.set(entry.id, { entry, order: held?.order ?? this.#nextOrder++ });
      }
      return 'stored';
    });
  }

  remove(ids: readonly string[]): Promise<void> {
    return this.#serially(async () => {
      const present = [...new Set(ids)].filter((id) => this.#entries.has(id));
      if (present.length === 0) return;
      await this.#append(present.map((remove) => ({ remove })));
      for (const id of present) this.#entries.delete(id);
    });
  }

  update(entries: readonly DeadLetter[]): Promise<void> {
    return this.#serially(async () => {
      const held = entries.filter((e) => this.#entries.has(e.id));
      if (held.length === 0) return;
      await this.#append(held.map((put) => ({ put })));
      for (const entry of held) {
        const order = this.#entries.get(entry.id)?.order ?? this.#nextOrder++;
        this.#entries.set(entry.id, { entry, order });
      }
    });
  }

  async list(limit: number, bookmark = ''): Promise<DeadLetterPage> {
    await this.#loaded;
    const after = /^\d+$/.test(bookmark) ? Number(bookmark) : 0;
    const items: DeadLetter[] = [];
    let last = 0;
    let more = false;
    for (const { entry, order } of this.#entries.values()) {
      if (order <= after) continue;
      if (items.length === limit) {
        more = true;
        break;
      }
      items.push(entry);
      last = order;
    }
    return { items, bookmark: more ? String(last) : '' };
  }

  async get(ids: readonly string[]): Promise<DeadLetter[]> {
    await this.#loaded;
    const wanted = new Set(ids);
    return [...this.#entries.values()].filter((e) => wanted.has(e.entry.id)).map((e) => e.entry);
  }

  #serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      await this.#loaded;
      return task();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #append(lines: readonly Line[]): Promise<void> {
    await mkdir(this.#directory, { recursive: true, mode: 0o700 });
    await appendFileDurably(this.#file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    this.#lines += lines.length;
    if (this.#lines > 2 * this.#entries.size + COMPACT_SLACK_LINES) await this.#compact();
  }

  async #compact(): Promise<void> {
    // Called after the append but before the in-memory update of its caller: compact from what the file holds,
    // which is what a reload would rebuild.
    const live = await this.#read();
    await replaceFileDurably(this.#file, live.map((put) => `${JSON.stringify({ put })}\n`).join(''));
    this.#lines = live.length;
  }

  async #load(): Promise<void> {
    const live = await this.#read();
    for (const entry of live) this.#entries.set(entry.id, { entry, order: this.#nextOrder++ });
    // A torn last line would glue itself to the next append: rewrite the file without it first.
    if (this.#torn) await this.#compact();
  }

  /** The live entries the file describes, in order; also counts its lines. */
  async #read(): Promise<DeadLetter[]> {
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return [];
      throw err;
    }
    const rows = text.split('\n');
    const torn = rows.pop(); // '' after a final newline; otherwise a torn last line, skipped
    const live = new Map<string, DeadLetter>();
    rows.forEach((row, i) => {
      let line: Line;
      try {
        line = JSON.parse(row) as Line;
      } catch {
        throw new Error(`${this.#file} is corrupt at line ${i + 1}`);
      }
      if ('put' in line) live.set(line.put.id, line.put);
      else live.delete(line.remove);
    });
    this.#lines = rows.length;
    this.#torn = torn !== undefined && torn !== '';
    return [...live.values()];
  }
}
