import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Principal } from './principal';

/** A request the access guard has let through carries the principal of its API key. */
export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

/**
 * The {@link Principal} of the API key that authenticated the request.
 * @throws Error on a public route, where no key was checked: a programming error, not a client's.
 */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route the access guard did not authenticate');
  return principal;
});
