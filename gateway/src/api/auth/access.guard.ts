import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { GatewayError, GatewayErrorCode } from '../../errors/gateway-error';
import { clientAddressKey } from '../rate-limit/client-address';
import {
  FixedWindowRateLimiter,
  UNAUTHENTICATED_RATE_LIMITER,
  type RateDecision,
} from '../rate-limit/rate-limiter';
import { ApiKeyStore } from './api-key.store';
import type { AuthenticatedRequest } from './current-principal.decorator';
import type { ApiRole, Principal } from './principal';
import { IS_PUBLIC } from './public.decorator';
import { ROLES } from './roles.decorator';

const BEARER = /^Bearer +(\S+)$/i;

/**
 * The API's one global guard, in a fixed order: authenticate the API key (401), count the request against the
 * key's rate limit (429), check the route's roles (403). Rate limiting comes before the role check so a client
 * hammering routes it may not call is throttled all the same. Routes marked `@Public()` skip all three.
 *
 * A request without a valid key counts against its client address instead (IPv4, or IPv6 /64): past that
 * allowance it is answered 429 RATE_LIMITED rather than 401, so scanning for keys or a client stuck on a revoked
 * one is told to back off. The key is checked first, so a valid key from an address that also sends bad ones
 * (clients behind one NAT) keeps working; checking costs one file stat and one SHA-256.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyStore,
    private readonly limiter: FixedWindowRateLimiter,
    @Inject(UNAUTHENTICATED_RATE_LIMITER) private readonly unauthenticated: FixedWindowRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets)) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    let principal: Principal;
    try {
      principal = await this.keys.authenticate(token);
    } catch (err) {
      if (err instanceof GatewayError && err.code === GatewayErrorCode.Unauthenticated) {
        // Express's request.ip is the socket's peer ('trust proxy' is off): behind a reverse proxy, every client
        // shares the proxy's allowance.
        const rate = this.unauthenticated.take(clientAddressKey(request.ip ?? request.socket.remoteAddress));
        if (!rate.allowed) {
          throw rateLimited(http.getResponse<Response>(), rate, 'too many requests without a valid API key');
        }
      }
      throw err;
    }
    request.principal = principal;

    const rate = this.limiter.take(principal.keyId);
    if (!rate.allowed) {
      throw rateLimited(http.getResponse<Response>(), rate, 'too many requests for this API key');
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

function rateLimited(response: Response, rate: RateDecision, what: string): GatewayError {
  response.setHeader('Retry-After', String(rate.retryAfterSeconds));
  return new GatewayError(GatewayErrorCode.RateLimited, `${what}; retry later`, {
    retryAfterSeconds: rate.retryAfterSeconds,
  });
}
