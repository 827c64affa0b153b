import { SetMetadata } from '@nestjs/common';
import type { ApiRole } from './principal';

/** Metadata key of {@link Roles}. */
export const ROLES = 'provena:roles';

/**
 * The roles that may call a route. A route without it is open to every authenticated key (reads); every write
 * names its roles, and auditors are never among them. The chaincode decides the rest (which organisation's
 * records), so this is a first, cheap refusal before any ledger call, not the only one.
 *
 * @example
 * @Roles('admin')
 * @Post(':deviceId/revoke')
 * revoke(...) {}
 */
export const Roles = (...roles: [ApiRole, ...ApiRole[]]): MethodDecorator & ClassDecorator =>
  SetMetadata(ROLES, roles);
