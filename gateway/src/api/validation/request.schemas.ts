import { ID_PATTERN, Limits } from '@provena/wire';
import { z } from 'zod';
import { DEFAULT_PAGE_SIZE } from '../api.options';

// The gateway checks shape (types, lengths, id syntax) so clients get a 400 naming the field before a ledger
// round trip; the chaincode still checks everything it relies on and has the last word (its refusals are 422).

/** A device, shipment, organisation or product id: the wire package's {@link ID_PATTERN}. */
export const IdSchema = z
  .string()
  .regex(ID_PATTERN, 'must be 1 to 64 letters, digits and ._:- starting with a letter or digit');

// C0 and C1 controls and DEL, which the chaincode refuses in free text.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/** Free text (reasons, places, notes): at most `Limits.maxTextLength` characters, no control characters. */
export function textSchema(options: { allowEmpty?: boolean } = {}) {
  return z
    .string()
    .min(options.allowEmpty ? 0 : 1, 'must not be empty')
    .max(Limits.maxTextLength, `must be at most ${Limits.maxTextLength} characters`)
    .refine((text) => !CONTROL_CHARACTER.test(text), 'must not contain control characters');
}

/** A decimal integer from a path or query string ("7"; not "07", "7.0", "1e3" or " 7"). */
export function decimalSchema(min: number, max: number) {
  return z
    .string()
    .regex(/^(0|[1-9][0-9]{0,15})$/, 'must be a decimal integer')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
}

/** A reading's sequence number in a path. */
export const SeqSchema = decimalSchema(1, Limits.maxSeq);

/** A P-256 public key as PEM SPKI. Only its shape is checked here; the chaincode parses the key itself. */
export const PublicKeyPemSchema = z
  .string()
  .max(1024, 'must be at most 1024 characters')
  .regex(/^-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----\s*$/, 'must be a PEM SPKI public key');

/** A list of 1 to `max` distinct ids. */
export function idListSchema(max: number) {
  return z
    .array(IdSchema)
    .min(1, 'must name at least one id')
    .max(max, `must name at most ${max} ids`)
    .refine((ids) => new Set(ids).size === ids.length, 'must not name an id twice');
}

/** `?pageSize=&bookmark=`: what every list route takes. */
export function pageQuerySchema(maxPageSize: number) {
  return z.strictObject({
    pageSize: decimalSchema(1, maxPageSize).default(Math.min(DEFAULT_PAGE_SIZE, maxPageSize)),
    bookmark: z.string().max(512, 'must be at most 512 characters').default(''),
  });
}

/** A page request, validated. */
export interface PageQuery {
  pageSize: number;
  bookmark: string;
}

/** `?from=&to=` (Unix ms, `from` inclusive, `to` exclusive) plus the page: a device's readings by time. */
export function readingRangeQuerySchema(maxPageSize: number) {
  return pageQuerySchema(maxPageSize)
    .extend({
      from: decimalSchema(0, Number.MAX_SAFE_INTEGER).default(0),
      to: decimalSchema(1, Number.MAX_SAFE_INTEGER).default(Number.MAX_SAFE_INTEGER),
    })
    .refine((q) => q.from < q.to, { path: ['to'], message: 'must be greater than from' });
}

/** A time range and a page request, validated. */
export interface ReadingRangeQuery extends PageQuery {
  from: number;
  to: number;
}

/** No body, or an empty object: for actions that take nothing but the path (accept custody, deliver). */
export const EmptyBodySchema = z.strictObject({}).optional();
