import { Injectable, PayloadTooLargeException, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { GatewayError, GatewayErrorCode } from '../../errors/gateway-error';

/**
 * The largest JSON-LD body read, as the application's JSON parser allows for `application/json` (body-parser's
 * default, 100 KB): a document is bounded the same whichever of the two types it is sent as.
 */
export const MAX_LD_JSON_BYTES = 100 * 1024;

/**
 * Parses `application/ld+json` bodies, which EPCIS 2.0 clients send and the application's JSON parser
 * (`application/json` only) leaves unread. A middleware rather than a read in the handler, so the guard, the
 * idempotency interceptor and the handler all see the parsed body, as they do for `application/json`.
 */
@Injectable()
export class LdJsonBodyMiddleware implements NestMiddleware {
  // Async, so the error of a bad body reaches Nest's exception filter (which awaits middleware) as a typed error.
  async use(request: Request, _response: Response, next: NextFunction): Promise<void> {
    if (request.is('application/ld+json')) request.body = await readJson(request);
    next();
  }
}

async function readJson(request: Request): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    // 413, as the application's JSON parser answers an oversized application/json body: an HTTP-level refusal
    // of the request, before anything reads it as a document.
    if (size > MAX_LD_JSON_BYTES)
      throw new PayloadTooLargeException(`the body is over ${MAX_LD_JSON_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new GatewayError(GatewayErrorCode.ValidationFailed, 'the body is not valid JSON', {
      field: 'body',
      reason: 'NOT_EPCIS_2_0',
    });
  }
}
