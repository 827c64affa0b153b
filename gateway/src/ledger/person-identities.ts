import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * A member of staff enrolled with their organisation's Fabric CA (`network.sh person enroll`): their own key and
 * certificate, whose `provena.role` attribute the chaincode reads. An API key mapped to a person makes the gateway
 * sign that key's transactions as the person, so the ledger records who acted, not just which organisation.
 */
export interface PersonIdentity {
  readonly mspId: string;
  /** The enrolment id, e.g. `alice`. */
  readonly person: string;
  readonly role: 'admin' | 'operator' | 'auditor';
  readonly certPath: string;
  readonly keyPath: string;
  /** When the person was revoked (CA revocation and the CRL on the channel), or null. */
  readonly revokedAt: string | null;
}

/** The enrolment ids `network.sh person enroll` accepts. */
export const PERSON_PATTERN = /^[a-z0-9][a-z0-9._-]{0,47}$/;

const PersonsFileSchema = z.array(
  z.object({
    mspId: z.string().min(1),
    person: z.string().regex(PERSON_PATTERN),
    role: z.enum(['admin', 'operator', 'auditor']),
    certPath: z.string().min(1),
    keyPath: z.string().min(1),
    revokedAt: z.string().nullable(),
  }),
);

/**
 * The persons file `network.sh` keeps beside the connection file (`persons.json`).
 * @throws Error naming the file when it cannot be read or is not a persons file.
 */
export function readPersonsFile(file: string): PersonIdentity[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the persons file ${file}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = PersonsFileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file} is not a persons file: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/**
 * Why `person` of `org` cannot act in `role` according to the persons file, or undefined when they can.
 */
export function personRefusal(
  persons: readonly PersonIdentity[],
  org: string,
  person: string,
  role: PersonIdentity['role'],
): string | undefined {
  const found = persons.find((p) => p.mspId === org && p.person === person);
  if (!found) return `no person ${person} of ${org} is enrolled (network/network.sh person enroll)`;
  if (found.revokedAt !== null) return `${person} of ${org} was revoked at ${found.revokedAt}`;
  if (found.role !== role) return `${person} of ${org} is enrolled as ${found.role}, not ${role}`;
  return undefined;
}
