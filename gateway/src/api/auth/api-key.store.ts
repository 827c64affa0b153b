import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ID_PATTERN, replaceFileDurably } from '@provena/wire';
import { z } from 'zod';
import { GatewayError, GatewayErrorCode } from '../../errors/gateway-error';
import { PERSON_PATTERN } from '../../ledger/person-identities';
import { API_ROLES, AUDITOR_ORG, type ApiRole, type Principal } from './principal';

/** One API key as the key file stores it: the secret only as its SHA-256, never in plain text. */
export interface ApiKeyRecord {
  /** 12 hex characters; public (it is part of the key, and appears in logs and listings). */
  readonly id: string;
  /** SHA-256 of the key's secret part, hex. */
  readonly hash: string;
  readonly role: ApiRole;
  readonly org: string;
  /**
   * The person of `org` (enrolled with its Fabric CA) the key acts as; absent: the organisation's shared identity
   * for `role`. With a person, the ledger records who acted.
   */
  readonly person?: string;
  readonly label: string;
  /** Unix milliseconds. */
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
}

/** An API key as listings show it: everything but the hash. */
export type ApiKeyInfo = Omit<ApiKeyRecord, 'hash'>;

/** What {@link ApiKeyStore.create} needs. */
export interface NewApiKey {
  readonly role: ApiRole;
  readonly org: string;
  /** The enrolled person the key acts as (see {@link ApiKeyRecord.person}). */
  readonly person?: string;
  /** Who or what holds the key, for people reading the listing (e.g. "carrier dispatch desk"). */
  readonly label: string;
  /** Whole days until the key stops working; none: it works until revoked. */
  readonly expiresInDays?: number;
}

/** Where the store keeps its keys, and the clock it judges expiry by. */
export interface ApiKeyStoreOptions {
  /** The key file; created on the first `create`. */
  readonly file: string;
  /** The clock expiry is judged by (tests move it). */
  readonly now?: () => number;
}

/** The longest an expiring key may live: ten years is "forever" for anyone who sets an expiry at all. */
export const MAX_EXPIRES_IN_DAYS = 3650;
const MAX_LABEL_LENGTH = 128;
const DAY_MS = 24 * 60 * 60 * 1000;

// pvk_<12 hex id>_<43 base64url characters: 32 random bytes>. The secret may itself contain '_', so the key is
// split by position, not by separator.
const KEY_PATTERN = /^pvk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const HASH_PATTERN = /^[0-9a-f]{64}$/;

// One message for every refusal, so a caller cannot tell an unknown key from a revoked or expired one.
const UNAUTHENTICATED_MESSAGE = 'a valid API key is required: Authorization: Bearer pvk_...';

const RecordSchema = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{12}$/),
  hash: z.string().regex(HASH_PATTERN),
  role: z.enum(API_ROLES),
  org: z.string().regex(ID_PATTERN),
  person: z.string().regex(PERSON_PATTERN).optional(),
  label: z.string().max(MAX_LABEL_LENGTH),
  createdAt: z.number().int(),
  expiresAt: z.number().int().nullable(),
  revokedAt: z.number().int().nullable(),
});
const KeyFileSchema = z.strictObject({ version: z.literal(1), keys: z.array(RecordSchema) });
type KeyFile = z.infer<typeof KeyFileSchema>;

/**
 * SHA-256 of a key's secret. A fast hash is enough here: the secret is 32 random bytes, so there is nothing to
 * guess from a leaked hash, and a slow password hash (scrypt, argon2) would only cost CPU on every request.
 */
function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

// Compared against when the id is unknown, so an unknown id costs the same hash-and-compare as a known one.
const NO_SUCH_KEY_HASH = hashSecret('no such key');

function unauthenticated(): GatewayError {
  return new GatewayError(GatewayErrorCode.Unauthenticated, UNAUTHENTICATED_MESSAGE);
}

function invalid(field: string, message: string): GatewayError {
  return new GatewayError(GatewayErrorCode.ValidationFailed, `${field} ${message}`, { field });
}

function infoOf({ hash: _hash, ...info }: ApiKeyRecord): ApiKeyInfo {
  return info;
}

function checkNewKey(input: NewApiKey): void {
  if (!API_ROLES.includes(input.role)) throw invalid('role', `must be one of ${API_ROLES.join(', ')}`);
  if (typeof input.org !== 'string' || !ID_PATTERN.test(input.org)) {
    throw invalid('org', 'must be an MSP id (letters, digits and ._:-, at most 64 characters)');
  }
  // The chaincode treats every AuditorMSP identity as an auditor and nobody else as one: a key that said
  // otherwise would promise what the ledger will not grant.
  if (input.role === 'auditor' && input.org !== AUDITOR_ORG) {
    throw invalid('org', `of an auditor key must be ${AUDITOR_ORG}`);
  }
  if (input.role !== 'auditor' && input.org === AUDITOR_ORG) {
    throw invalid('org', `${AUDITOR_ORG} may hold auditor keys only`);
  }
  if (
    input.person !== undefined &&
    (typeof input.person !== 'string' || !PERSON_PATTERN.test(input.person))
  ) {
    throw invalid(
      'person',
      'must be an enrolment id: 1-48 lower-case letters, digits and ._- starting with a letter or digit',
    );
  }
  if (typeof input.label !== 'string' || input.label.trim() === '' || input.label.length > MAX_LABEL_LENGTH) {
    throw invalid('label', `must be 1 to ${MAX_LABEL_LENGTH} characters`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(input.label)) {
    throw invalid('label', 'must not contain control characters');
  }
  const days = input.expiresInDays;
  if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > MAX_EXPIRES_IN_DAYS)) {
    throw invalid('expiresInDays', `must be a whole number of days from 1 to ${MAX_EXPIRES_IN_DAYS}`);
  }
}

/**
 * The gateway's API keys, kept hashed in one JSON file. The API authenticates against it; the `keys` command
 * creates and revokes keys in it. The API notices a changed file (by modification time, size and inode) on the
 * next request, so a key created or revoked from the command line takes effect without a restart.
 *
 * Writes replace the file atomically (temporary file, then rename), so a reader never sees half a file. Two
 * `keys` commands running at the same instant could still lose one's change (last rename wins); key management
 * is a rare, manual act, so the file is not locked.
 *
 * @example
 * const store = new ApiKeyStore({ file: '/var/lib/provena/api-keys.json' });
 * const { key } = await store.create({ role: 'operator', org: 'CarrierMSP', label: 'dispatch desk' });
 * await store.authenticate(key); // => { keyId: '…', role: 'operator', org: 'CarrierMSP' }
 */
export class ApiKeyStore {
  readonly #file: string;
  readonly #now: () => number;
  #keys = new Map<string, ApiKeyRecord>();
  /** What the file looked like when last read; `absent` when there was none. */
  #loadedVersion: string | undefined;

  constructor(options: ApiKeyStoreOptions) {
    this.#file = options.file;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Creates a key. The plain-text key is returned here and nowhere else: only its hash is stored.
   * @throws {@link GatewayError} VALIDATION_FAILED naming the bad field (auditor keys must be of AuditorMSP).
   */
  async create(input: NewApiKey): Promise<{ key: string; info: ApiKeyInfo }> {
    checkNewKey(input);
    const file = await this.#readFile();
    const taken = new Set(file.keys.map((k) => k.id));
    let id: string;
    do id = randomBytes(6).toString('hex');
    while (taken.has(id));
    const secret = randomBytes(32).toString('base64url');
    const now = this.#now();
    const record: ApiKeyRecord = {
      id,
      hash: hashSecret(secret).toString('hex'),
      role: input.role,
      org: input.org,
      ...(input.person !== undefined && { person: input.person }),
      label: input.label,
      createdAt: now,
      expiresAt: input.expiresInDays === undefined ? null : now + input.expiresInDays * DAY_MS,
      revokedAt: null,
    };
    await this.#writeFile({ version: 1, keys: [...file.keys, record] });
    return { key: `pvk_${id}_${secret}`, info: infoOf(record) };
  }

  /** Every key, oldest first, without hashes. */
  async list(): Promise<ApiKeyInfo[]> {
    return (await this.#readFile()).keys.map(infoOf);
  }

  /**
   * Revokes a key from now on. Revoking a revoked key changes nothing (the first revocation time stays).
   * @throws {@link GatewayError} NOT_FOUND for an unknown id.
   */
  async revoke(id: string): Promise<ApiKeyInfo> {
    const file = await this.#readFile();
    const record = file.keys.find((k) => k.id === id);
    if (!record) throw new GatewayError(GatewayErrorCode.NotFound, `no API key has the id ${id}`);
    if (record.revokedAt !== null) return infoOf(record);
    const revoked: ApiKeyRecord = { ...record, revokedAt: this.#now() };
    await this.#writeFile({ version: 1, keys: file.keys.map((k) => (k.id === id ? revoked : k)) });
    return infoOf(revoked);
  }

  /**
   * The principal a plain-text key stands for.
   * @throws {@link GatewayError} UNAUTHENTICATED for a missing, malformed, unknown, expired or revoked key, with
   * the same message for each.
   */
  async authenticate(key: string | undefined): Promise<Principal> {
    const match = KEY_PATTERN.exec(key ?? '');
    if (!match) throw unauthenticated();
    const [, id = '', secret = ''] = match;
    const record = (await this.#current()).get(id);
    const expected = record ? Buffer.from(record.hash, 'hex') : NO_SUCH_KEY_HASH;
    const matches = timingSafeEqual(hashSecret(secret), expected);
    if (!record || !matches) throw unauthenticated();
    const now = this.#now();
    if (record.revokedAt !== null && record.revokedAt <= now) throw unauthenticated();
    if (record.expiresAt !== null && record.expiresAt <= now) throw unauthenticated();
    return {
      keyId: record.id,
      role: record.role,
      org: record.org,
      ...(record.person !== undefined && { person: record.person }),
    };
  }

  // The keys as the file holds them now: re-read only when the file changed since the last read.
  async #current(): Promise<Map<string, ApiKeyRecord>> {
    const version = await this.#fileVersion();
    if (version !== this.#loadedVersion) {
      const file = await this.#readFile();
      this.#keys = new Map(file.keys.map((k) => [k.id, k]));
      this.#loadedVersion = version;
    }
    return this.#keys;
  }

  async #fileVersion(): Promise<string> {
    try {
      const s = await stat(this.#file);
      // The inode changes on every atomic replace, so two writes within the clock's resolution are still told apart.
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
      throw err;
    }
  }

  // A missing file holds no keys; a malformed one stops everything (fail closed: it may hold revocations).
  async #readFile(): Promise<KeyFile> {
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, keys: [] };
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new Error(`the API key file ${this.#file} is not JSON`, { cause: err });
    }
    const checked = KeyFileSchema.safeParse(parsed);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new Error(
        `the API key file ${this.#file} is malformed at ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
      );
    }
    return checked.data;
  }

  async #writeFile(content: KeyFile): Promise<void> {
    await mkdir(dirname(this.#file), { recursive: true, mode: 0o700 });
    // 0600 from the moment the file exists: it holds key hashes.
    await replaceFileDurably(this.#file, `${JSON.stringify(content, null, 2)}\n`, 0o600);
  }
}
