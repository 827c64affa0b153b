import { RefusalCode, WireError } from './errors';
import { checkId } from './reading';
import { canonicalBytesHash, canonicalJson } from './signature';

/**
 * A shipment's commercial terms: what the trading organisations agreed, kept off the channel. They live in the
 * private data collection {@link COMMERCIAL_TERMS_COLLECTION} on the trading organisations' peers; every block
 * carries only the SHA-256 of the stored document, which lets anyone holding a disclosed copy prove it.
 */
export interface CommercialTerms {
  shipmentId: string;
  /** Unit price: a decimal string (no float rounding in a contract) and an ISO 4217 currency code. */
  price: { amount: string; currency: string };
  /** The quantity invoiced: a decimal string and its unit (a UN/ECE Rec 20 code such as KGM, or a word). */
  quantity: { amount: string; unit: string };
  customer: string;
  /**
   * At least 128 random bits, base64url. Prices and customer names are guessable; without a salt, the hash on
   * the channel would let any channel member confirm a guess offline.
   */
  salt: string;
}

/** The collection's name, as in `chaincode/collections.json` (the chaincode definition). */
export const COMMERCIAL_TERMS_COLLECTION = 'commercialTerms';
/** The transient-map key a client sends the terms under: transient data never reaches a block. */
export const COMMERCIAL_TERMS_TRANSIENT_KEY = 'commercialTerms';
/** The organisations in the collection: those that trade. The auditor organisation sees only the hash. */
export const TRADING_MSPS: readonly string[] = ['ProducerMSP', 'CarrierMSP'];

/** The rules {@link checkCommercialTerms} applies, for edges that validate with their own schema library. */
export const CommercialTermsRules = {
  decimal: /^(0|[1-9][0-9]{0,14})(\.[0-9]{1,6})?$/,
  currency: /^[A-Z]{3}$/,
  unit: /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,23}$/,
  salt: /^[A-Za-z0-9_-]{22,88}$/,
  maxCustomerLength: 200,
} as const;
const {
  decimal: DECIMAL,
  currency: CURRENCY,
  unit: UNIT,
  salt: SALT,
  maxCustomerLength: MAX_CUSTOMER_LENGTH,
} = CommercialTermsRules;
const FIELDS = ['shipmentId', 'price', 'quantity', 'customer', 'salt'] as const;

function schemaError(field: string, problem: string): WireError {
  return new WireError(RefusalCode.SchemaViolation, `${field} ${problem}`, field);
}

function object(value: unknown, path: string, fields: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw schemaError(path, 'must be an object');
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!fields.includes(key)) throw schemaError(`${path}.${key}`, 'is not a known field');
  }
  for (const key of fields) {
    if (record[key] === undefined) throw schemaError(`${path}.${key}`, 'is required');
  }
  return record;
}

function matching(value: unknown, field: string, pattern: RegExp, rule: string): string {
  if (typeof value !== 'string') throw schemaError(field, 'must be a string');
  if (!pattern.test(value)) throw schemaError(field, `must be ${rule}`);
  return value;
}

function customerName(value: unknown, field: string): string {
  if (typeof value !== 'string') throw schemaError(field, 'must be a string');
  const trimmed = value.trim();
  if (trimmed === '' || trimmed !== value)
    throw schemaError(field, 'must be non-empty, without outer spaces');
  if (value.length > MAX_CUSTOMER_LENGTH)
    throw schemaError(field, `must be at most ${MAX_CUSTOMER_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value))
    throw schemaError(field, 'must not contain control characters');
  return value;
}

/**
 * Checks commercial terms exactly (no unknown fields) and returns a copy holding only the known ones.
 * @throws {@link WireError} SCHEMA_VIOLATION naming the field, e.g. `terms.price.currency must be ...`.
 */
export function checkCommercialTerms(value: unknown, path = 'terms'): CommercialTerms {
  const terms = object(value, path, FIELDS);
  const price = object(terms.price, `${path}.price`, ['amount', 'currency']);
  const quantity = object(terms.quantity, `${path}.quantity`, ['amount', 'unit']);
  const decimal = 'a decimal string such as "12.50" (at most 15 digits before the point and 6 after)';
  return {
    shipmentId: checkId(terms.shipmentId, `${path}.shipmentId`),
    price: {
      amount: matching(price.amount, `${path}.price.amount`, DECIMAL, decimal),
      currency: matching(price.currency, `${path}.price.currency`, CURRENCY, 'an ISO 4217 code such as EUR'),
    },
    quantity: {
      amount: matching(quantity.amount, `${path}.quantity.amount`, DECIMAL, decimal),
      unit: matching(
        quantity.unit,
        `${path}.quantity.unit`,
        UNIT,
        'a unit code or word of at most 24 characters',
      ),
    },
    customer: customerName(terms.customer, `${path}.customer`),
    salt: matching(
      terms.salt,
      `${path}.salt`,
      SALT,
      'at least 16 random bytes in base64url (22 to 88 characters)',
    ),
  };
}

/** The bytes the collection stores: RFC 8785 canonical JSON, so a disclosed copy re-encodes to the same bytes. */
export function commercialTermsDocument(terms: CommercialTerms): string {
  return canonicalJson(terms);
}

/**
 * SHA-256 (hex) of the stored document: what the peers put on the channel in place of the value (the private
 * write set's value hash), and what `GetCommercialTermsHash` returns to any member.
 */
export function commercialTermsHash(terms: CommercialTerms): string {
  return canonicalBytesHash(Buffer.from(commercialTermsDocument(terms), 'utf8'));
}
