import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, type SchemaObject } from '@nestjs/swagger';

/** The security scheme name `setupOpenApi` declares for API keys. */
export const API_KEY_SCHEME = 'api-key';

/** The name of the error body's schema among the document's components (`setupOpenApi` adds it). */
export const ERROR_SCHEMA_NAME = 'Error';

/** Every error response's body: `{ code, message, details? }`. */
export const ERROR_BODY_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string', description: 'stable; clients branch on it', example: 'VALIDATION_FAILED' },
    message: { type: 'string' },
    details: { type: 'object', additionalProperties: true, example: { field: 'deviceId' } },
  },
};

const ERRORS: readonly [number, string][] = [
  [400, 'VALIDATION_FAILED: the body, path or query is malformed; details.field names what'],
  [401, 'UNAUTHENTICATED: no valid API key'],
  [403, "FORBIDDEN: the key's role or organisation may not do this"],
  [404, 'NOT_FOUND'],
  [429, 'RATE_LIMITED: see the Retry-After header'],
  [503, 'LEDGER_UNAVAILABLE or COMMIT_FAILED: retry later'],
];

const WRITE_ERRORS: readonly [number, string][] = [
  [
    409,
    'ALREADY_EXISTS, CONFLICT, OPEN_BREACH, NO_PENDING_OFFER, OFFER_PENDING, DEVICE_REVOKED, SHIPMENT_DELIVERED',
  ],
  [422, 'INVALID_ARGUMENT: the chaincode refused an argument'],
];

function responses(list: readonly [number, string][]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...list.map(([status, description]) =>
      ApiResponse({ status, description, schema: { $ref: `#/components/schemas/${ERROR_SCHEMA_NAME}` } }),
    ),
  );
}

/** On every API controller: the API-key requirement and the errors any route may answer with. */
export function ApiKeyProtected(): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiBearerAuth(API_KEY_SCHEME), responses(ERRORS));
}

/** On write routes: the ledger's refusals of a state change. */
export function ApiWriteErrors(): MethodDecorator & ClassDecorator {
  return responses(WRITE_ERRORS);
}
