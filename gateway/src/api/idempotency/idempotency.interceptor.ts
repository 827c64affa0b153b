import { createHash } from 'node:crypto';
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { canonicalJson } from '@provena/wire';
import { of, tap, type Observable } from 'rxjs';
import { GatewayError, GatewayErrorCode } from '../../errors/gateway-error';
import type { AuthenticatedRequest } from '../auth/current-principal.decorator';
import { httpErrorOf } from '../errors/gateway-exception.filter';
import { IdempotencyStore } from './idempotency.store';

/** The request header, as the IETF httpapi draft names it. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** Set on a replayed answer, so a client can tell it from a first one. */
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

/** 1 to 128 visible ASCII characters: room for a UUID or a client's own request id, nothing to escape in logs. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,128}$/;

/** How long a client waits before retrying while the first request with its key still runs. */
const IN_PROGRESS_RETRY_AFTER_SECONDS = 1;

const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Makes a write safe to retry: a POST, PUT or PATCH sent with an `Idempotency-Key` header runs once per key and
 * API key; a retry with the same key, method, path and body within the TTL gets the first answer again (status
 * and body, with `Idempotent-Replayed: true`) instead of running again, so a client that lost the answer to a
 * create is told "created", not 409 ALREADY_EXISTS. Keys are scoped to the API key that sent them.
 *
 * - A malformed key: 400 VALIDATION_FAILED (`details.field` = `Idempotency-Key`).
 * - The same key with another method, path or body: 422 IDEMPOTENCY_KEY_REUSED.
 * - The same key while the first request still runs: 409 IDEMPOTENCY_IN_PROGRESS with `Retry-After: 1` (as the
 *   IETF draft advises), rather than holding the connection open for as long as a Fabric commit may take.
 * - Server failures (5xx: the ledger unreachable, a commit that failed) are not kept: retrying runs the request
 *   again, which is what the client wants. Other answers, refusals included, are kept.
 *
 * Runs after the access guard, so requests refused 401, 403 or 429 never reach it and use up no key; routes
 * without a principal (`@Public()`) ignore the header.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly store: IdempotencyStore) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    if (!WRITE_METHODS.has(request.method)) return next.handle();
    const header = request.headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()];
    const principal = request.principal;
    if (header === undefined || !principal) return next.handle();
    const key = checkIdempotencyKey(header);
    const response = http.getResponse<Response>();

    const claim = this.store.claim(`${principal.keyId}\n${key}`, fingerprintOf(request));
    switch (claim.outcome) {
      case 'mismatch':
        throw new GatewayError(
          GatewayErrorCode.IdempotencyKeyReused,
          `this ${IDEMPOTENCY_KEY_HEADER} was first sent with another request (method, path or body); send a new key with a new request`,
          { field: IDEMPOTENCY_KEY_HEADER },
        );
      case 'in-progress':
        response.setHeader('Retry-After', String(IN_PROGRESS_RETRY_AFTER_SECONDS));
        throw new GatewayError(
          GatewayErrorCode.IdempotencyInProgress,
          `a request with this ${IDEMPOTENCY_KEY_HEADER} is still running; retry later for its answer`,
          { retryAfterSeconds: IN_PROGRESS_RETRY_AFTER_SECONDS },
        );
      case 'replay':
        response.status(claim.answer.status);
        response.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
        return of(structuredClone(claim.answer.body));
      case 'first':
        return next.handle().pipe(
          tap({
            next: (body) => {
              let copy: unknown;
              try {
                copy = structuredClone(body);
              } catch {
                claim.abandon(); // not plain data (a stream, say): nothing to replay
                return;
              }
              claim.complete({ status: response.statusCode, body: copy });
            },
            error: (err: unknown) => {
              const { status, body } = httpErrorOf(err);
              if (status >= 500) claim.abandon();
              else claim.complete({ status, body });
            },
            // A handler that answers nothing leaves nothing to replay.
            complete: () => claim.abandon(),
          }),
        );
    }
  }
}

/**
 * The key, if well formed.
 * @throws {@link GatewayError} VALIDATION_FAILED otherwise (a header sent twice arrives joined by ", ": refused too).
 */
export function checkIdempotencyKey(header: string | string[]): string {
  if (typeof header === 'string' && IDEMPOTENCY_KEY_PATTERN.test(header)) return header;
  throw new GatewayError(
    GatewayErrorCode.ValidationFailed,
    `${IDEMPOTENCY_KEY_HEADER} must be 1 to 128 visible ASCII characters (no spaces), sent once`,
    { field: IDEMPOTENCY_KEY_HEADER },
  );
}

/**
 * SHA-256 of the method, the path with its query, and the body in canonical JSON (RFC 8785), so a retry that
 * serialises the same body with its keys in another order is still the same request.
 */
function fingerprintOf(request: AuthenticatedRequest): string {
  let body: string;
  try {
    body = request.body === undefined ? '' : canonicalJson(request.body);
  } catch {
    body = JSON.stringify(request.body) ?? '';
  }
  return createHash('sha256').update(`${request.method} ${request.originalUrl}\n`).update(body).digest('hex');
}
