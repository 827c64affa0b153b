import type {
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  PathItemObject,
  ReferenceObject,
  ResponseObject,
} from '@nestjs/swagger';
import { ERROR_SCHEMA_NAME } from '../api-docs.decorators';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER } from './idempotency.interceptor';

const WRITE_METHODS = ['post', 'put', 'patch'] as const;

const PARAMETER: ParameterObject = {
  name: IDEMPOTENCY_KEY_HEADER,
  in: 'header',
  required: false,
  description:
    'Makes the write safe to retry: within 24 h (PROVENA_IDEMPOTENCY_TTL_MS), the same key with the same method, ' +
    `path and body gets the first answer again (with \`${IDEMPOTENT_REPLAYED_HEADER}: true\`) instead of running ` +
    'twice. Scoped to the API key; kept in the gateway process (a restart forgets it). 1 to 128 visible ASCII ' +
    'characters, e.g. a UUID.',
  schema: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7E]{1,128}$' },
};

const RESPONSES: readonly [string, string][] = [
  [
    '409',
    `IDEMPOTENCY_IN_PROGRESS: the first request with this ${IDEMPOTENCY_KEY_HEADER} still runs; see Retry-After`,
  ],
  [
    '422',
    `IDEMPOTENCY_KEY_REUSED: this ${IDEMPOTENCY_KEY_HEADER} came first with another method, path or body`,
  ],
];

function isReference(response: ResponseObject | ReferenceObject): response is ReferenceObject {
  return '$ref' in response;
}

function withKey(operation: OperationObject): OperationObject {
  const responses = { ...operation.responses };
  for (const [status, description] of RESPONSES) {
    const existing = responses[status];
    responses[status] =
      existing && !isReference(existing)
        ? { ...existing, description: `${existing.description}; ${description}` }
        : {
            description,
            content: {
              'application/json': { schema: { $ref: `#/components/schemas/${ERROR_SCHEMA_NAME}` } },
            },
          };
  }
  return { ...operation, parameters: [...(operation.parameters ?? []), PARAMETER], responses };
}

/**
 * The document with the `Idempotency-Key` header on every write that needs an API key (where the interceptor
 * acts), and the two answers it adds.
 */
export function documentIdempotencyKey(document: OpenAPIObject): OpenAPIObject {
  const paths = Object.fromEntries(
    Object.entries(document.paths).map(([path, item]): [string, PathItemObject] => {
      const updated: PathItemObject = { ...item };
      for (const method of WRITE_METHODS) {
        const operation = item[method];
        if (operation?.security !== undefined) updated[method] = withKey(operation);
      }
      return [path, updated];
    }),
  );
  return { ...document, paths };
}
