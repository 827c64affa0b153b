import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { GatewayError, GatewayErrorCode } from '../../errors/gateway-error';
import { FixedWindowRateLimiter } from '../rate-limit/rate-limiter';
import { ApiKeyStore } from './api-key.store';
import type { AuthenticatedRequest } from './current-principal.decorator';
import type { ApiRole } from './principal';
import { IS_PUBLIC } from './public.decorator';
import { ROLES } from './roles.decorator';

const BEARER = /^Bearer +(\S+)$/i;

/**
 * The API's one global guard, in a fixed order: authenticate the API key (401), count the request against the
 * key's rate limit (429), check the route's roles (403). Rate limiting comes before the role check so a client
 * hammering routes it may not call is throttled all the same. Routes marked `@Public()` skip all three.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyStore,
    private readonly limiter: FixedWindowRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets)) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    const principal = await this.keys.authenticate(token);
    request.principal = principal;

    const rate = this.limiter.take(principal.keyId);
    if (!rate.allowed) {
      http.getResponse<Response>().setHeader('Retry-After', String(rate.retryAfterSeconds));
      throw new GatewayError(
        GatewayErrorCode.RateLimited,
        'too many requests for this API key; retry later',
        {
          retryAfterSeconds: rate.retryAfterSeconds,
        },
      );
    }

    const roles = this.reflector.getAllAndOverride<ApiRole[] | undefined>(ROLES, targets);
    if (roles && !roles.includes(principal.role)) {
      throw new GatewayError(
        GatewayErrorCode.Forbidden,
        `only ${roles.join(' or ')} keys may do this; this key is ${principal.role} of ${principal.org}`,
      );
    }
    return true;
  }
}
