import { parseArgs } from 'node:util';
import { GatewayError, GatewayErrorCode } from '../../errors/gateway-error';
import { ApiKeyStore, type ApiKeyInfo } from './api-key.store';
import { personRefusal, readPersonsFile } from '../../ledger/person-identities';
import { API_ROLES, AUDITOR_ORG, type ApiRole } from './principal';

/** Where {@link runKeysCommand} writes and which key file it manages. */
export interface KeysCommandOptions {
  readonly apiKeysFile: string;
  /** The network's persons file, against which `--person` is checked (PROVENA_FABRIC_PERSONS). */
  readonly personsFile?: string;
  /** The created key, and listings (default: process.stdout). */
  readonly out?: (text: string) => void;
  /** Notes for the person at the terminal and errors (default: process.stderr). */
  readonly err?: (text: string) => void;
  /** The clock keys are dated by (tests move it). */
  readonly now?: () => number;
}

const USAGE = `usage: provena-gateway keys <command>

  create --role <${API_ROLES.join('|')}> --org <MSP id> --label <text> [--person <enrolment id>]
         [--expires-in-days <n>]
      Creates a key and prints it once, on stdout. Auditor keys are of ${AUDITOR_ORG}. With --person, the
      gateway signs the key's transactions as that person (enrolled with the organisation's Fabric CA:
      network/network.sh person enroll), so the ledger records who acted.
  list [--json]
      Lists keys (never their secrets).
  revoke <key id>
      Revokes a key; the API refuses it from its next request on.
`;

class UsageError extends Error {}

function isRole(text: string): text is ApiRole {
  return (API_ROLES as readonly string[]).includes(text);
}

function required(values: Record<string, string | boolean | undefined>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

function parseDays(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(text)) throw new UsageError('--expires-in-days must be a whole number of days');
  return Number(text);
}

function iso(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString();
}

function statusOf(key: ApiKeyInfo, now: number): string {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt !== null && key.expiresAt <= now) return 'expired';
  return 'active';
}

const COLUMNS = ['ID', 'ROLE', 'ORG', 'PERSON', 'STATUS', 'CREATED', 'EXPIRES', 'LABEL'];

function table(keys: readonly ApiKeyInfo[], now: number): string {
  const rows = [
    COLUMNS,
    ...keys.map((k) => [
      k.id,
      k.role,
      k.org,
      k.person ?? '-',
      statusOf(k, now),
      iso(k.createdAt),
      iso(k.expiresAt),
      k.label,
    ]),
  ];
  const widths = COLUMNS.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, col) => cell.padEnd(widths[col] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function run(
  argv: readonly string[],
  personsFile: string | undefined,
  store: ApiKeyStore,
  out: (t: string) => void,
  err: (t: string) => void,
  now: () => number,
): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'create': {
      // strict: unknown options and stray arguments are usage errors, not silently ignored.
      const { values } = parseArgs({
        args: [...rest],
        options: {
          role: { type: 'string' },
          org: { type: 'string' },
          label: { type: 'string' },
          person: { type: 'string' },
          'expires-in-days': { type: 'string' },
        },
        strict: true,
      });
      const role = required(values, 'role');
      if (!isRole(role)) throw new UsageError(`--role must be one of ${API_ROLES.join(', ')}`);
      const org = required(values, 'org');
      const person = values.person;
      if (person !== undefined) {
        // Checked now, so a key never promises a person the gateway cannot sign as.
        if (personsFile === undefined) {
          throw new UsageError("--person needs the network's persons file: set PROVENA_FABRIC_PERSONS");
        }
        let persons;
        try {
          persons = readPersonsFile(personsFile);
        } catch (e) {
          throw new GatewayError(GatewayErrorCode.ValidationFailed, (e as Error).message);
        }
        const refusal = personRefusal(persons, org, person, role);
        if (refusal !== undefined)
          throw new GatewayError(GatewayErrorCode.ValidationFailed, `--person: ${refusal}`);
      }
      const { key, info } = await store.create({
        role,
        org,
        label: required(values, 'label'),
        ...(person !== undefined && { person }),
        expiresInDays: parseDays(values['expires-in-days']),
      });
      // The key alone on stdout (so `KEY=$(provena-gateway keys create ...)` works); the note on stderr. This is
      // the only place the plain-text key is ever written.
      out(`${key}\n`);
      err(
        `created API key ${info.id}: ${info.role} of ${info.org}` +
          `${info.person === undefined ? '' : `, acting as ${info.person}`} ("${info.label}"), ` +
          `expires ${info.expiresAt === null ? 'never' : iso(info.expiresAt)}. ` +
          'Store the key now: it is not shown again.\n',
      );
      return;
    }
    case 'list': {
      const { values } = parseArgs({ args: [...rest], options: { json: { type: 'boolean' } }, strict: true });
      const keys = await store.list();
      out(values.json ? `${JSON.stringify(keys, null, 2)}\n` : `${table(keys, now())}\n`);
      return;
    }
    case 'revoke': {
      const { positionals } = parseArgs({
        args: [...rest],
        options: {},
        strict: true,
        allowPositionals: true,
      });
      if (positionals.length !== 1) throw new UsageError('revoke takes exactly one key id');
      const [id = ''] = positionals;
      const info = await store.revoke(id);
      err(
        `revoked API key ${info.id} (${info.role} of ${info.org}, "${info.label}") at ${iso(info.revokedAt)}\n`,
      );
      return;
    }
    case 'help':
    case '--help':
    case '-h':
      out(USAGE);
      return;
    default:
      throw new UsageError(command === undefined ? 'a command is required' : `unknown command ${command}`);
  }
}

/**
 * `provena-gateway keys ...`: creates, lists and revokes API keys in the key file. `argv` is what follows
 * `keys` on the command line. Returns the process exit code: 0 done, 1 refused (e.g. an auditor key for another
 * organisation, an unknown id), 2 usage error.
 *
 * @example
 * process.exitCode = await runKeysCommand(['create', '--role', 'auditor', '--org', 'AuditorMSP', '--label', 'audit firm'], {
 *   apiKeysFile: config.api.apiKeysFile,
 * });
 */
export async function runKeysCommand(argv: readonly string[], options: KeysCommandOptions): Promise<number> {
  const out = options.out ?? ((t: string) => void process.stdout.write(t));
  const err = options.err ?? ((t: string) => void process.stderr.write(t));
  const now = options.now ?? Date.now;
  const store = new ApiKeyStore({ file: options.apiKeysFile, now });
  try {
    await run(argv, options.personsFile, store, out, err, now);
    return 0;
  } catch (e) {
    // parseArgs reports unknown options and stray arguments with an ERR_PARSE_ARGS_* code (on a TypeError, but
    // one from Node's own realm, so the code is what to test).
    const parseError = String((e as NodeJS.ErrnoException | undefined)?.code).startsWith('ERR_PARSE_ARGS');
    if (e instanceof UsageError || parseError) {
      err(`${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof GatewayError) {
      err(`refused: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
