import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { GatewayError, GatewayErrorCode } from '../../errors/gateway-error';

/** The JSON body of every error response. */
export interface ErrorBody {
  code: GatewayErrorCode;
  message: string;
  details?: Readonly<Record<string, unknown>>;
}

/** The HTTP status of each code. A Record, so a new code does not compile until it has a status. */
export const HTTP_STATUS_OF_CODE: Readonly<Record<GatewayErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  OPEN_BREACH: 409,
  NO_PENDING_OFFER: 409,
  OFFER_PENDING: 409,
  DEVICE_REVOKED: 409,
  SHIPMENT_DELIVERED: 409,
  // The request was well formed but the chaincode refused an argument's content (a key that is not P-256, a
  // custody offer to the custodian itself): unprocessable, not malformed.
  INVALID_ARGUMENT: 422,
  VALIDATION_FAILED: 400,
  RATE_LIMITED: 429,
  // The body is well formed, but the key promised it would be the first request's body: unprocessable (IETF
  // httpapi Idempotency-Key draft).
  IDEMPOTENCY_KEY_REUSED: 422,
  IDEMPOTENCY_IN_PROGRESS: 409,
  LEDGER_UNAVAILABLE: 503,
  COMMIT_FAILED: 503,
  INTERNAL: 500,
};

// Server-side failures get a fixed message: the original may name peers, paths or stack frames. It is logged.
const SERVER_MESSAGES: Partial<Record<GatewayErrorCode, string>> = {
  INTERNAL: 'internal error',
  LEDGER_UNAVAILABLE: 'the ledger is unavailable; retry later',
  COMMIT_FAILED: 'the ledger did not commit the transaction; retry',
};

/** How an error becomes a response, and whether (and how loudly) the server logs it. */
export interface HttpError {
  status: number;
  body: ErrorBody;
  log: 'none' | 'warn' | 'error';
}

function codeOfHttpStatus(status: number): GatewayErrorCode {
  switch (status) {
    case 401:
      return GatewayErrorCode.Unauthenticated;
    case 403:
      return GatewayErrorCode.Forbidden;
    case 404:
      return GatewayErrorCode.NotFound;
    case 429:
      return GatewayErrorCode.RateLimited;
    default:
      return status >= 500 ? GatewayErrorCode.Internal : GatewayErrorCode.ValidationFailed;
  }
}

// body-parser's errors (bad JSON, body too large, unsupported charset) are http-errors: a 4xx `status` and
// `expose: true` marking the message as safe for the client.
function isExposedClientError(error: unknown): error is { status: number; message: string } {
  if (typeof error !== 'object' || error === null) return false;
  const { status, expose, message } = error as Record<string, unknown>;
  return (
    typeof status === 'number' &&
    status >= 400 &&
    status < 500 &&
    expose === true &&
    typeof message === 'string'
  );
}

function fromHttpStatus(status: number, message: string): HttpError {
  const code = codeOfHttpStatus(status);
  if (status >= 500) return { status, body: { code, message: 'internal error' }, log: 'error' };
  return { status, body: { code, message }, log: 'none' };
}

/**
 * Maps anything a route threw to a status and a `{ code, message, details? }` body: GatewayError by its code,
 * Nest's own HTTP exceptions (unknown route, malformed or oversized body) by their status, and anything else to
 * a 500 INTERNAL that says nothing about what failed.
 */
export function httpErrorOf(exception: unknown): HttpError {
  if (exception instanceof GatewayError) {
    const status = HTTP_STATUS_OF_CODE[exception.code];
    const fixed = SERVER_MESSAGES[exception.code];
    if (fixed !== undefined) {
      // An INTERNAL error's details may be as revealing as its message; the others' are the adapter's, chosen safe.
      const details = exception.code === GatewayErrorCode.Internal ? undefined : exception.details;
      return {
        status,
        body: { code: exception.code, message: fixed, ...(details && { details }) },
        log: status >= 500 && status !== 503 ? 'error' : 'warn',
      };
    }
    const body: ErrorBody = { code: exception.code, message: exception.message };
    if (exception.details) body.details = exception.details;
    return { status, body, log: 'none' };
  }
  if (exception instanceof HttpException) {
    const response = exception.getResponse();
    const message =
      typeof response === 'object' &&
      response !== null &&
      typeof (response as { message?: unknown }).message === 'string'
        ? (response as { message: string }).message
        : exception.message;
    return fromHttpStatus(exception.getStatus(), message);
  }
  if (isExposedClientError(exception)) return fromHttpStatus(exception.status, exception.message);
  return { status: 500, body: { code: GatewayErrorCode.Internal, message: 'internal error' }, log: 'error' };
}

/**
 * The gateway's one exception filter, registered globally by the API module: every error response of every
 * route (the API's, health, metrics) has the same shape. Server-side failures are logged here, with the request
 * line and the original error; client errors are not (they are the client's to read).
 */
@Catch()
export class GatewayExceptionFilter implements ExceptionFilter {
  readonly #logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    const { status, body, log } = httpErrorOf(exception);
    if (log !== 'none') {
      const line = `${request.method} ${request.originalUrl ?? request.url} failed: ${status} ${body.code}`;
      if (log === 'error')
        this.#logger.error(line, exception instanceof Error ? exception.stack : String(exception));
      else
        this.#logger.warn(`${line}: ${exception instanceof Error ? exception.message : String(exception)}`);
    }
    // A handler that already streamed part of its response can only be cut short; the log above has the reason.
    if (response.headersSent) return;
    if (status === 401) response.setHeader('WWW-Authenticate', 'Bearer');
    response.status(status).json(body);
  }
}
