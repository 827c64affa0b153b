import { SetMetadata } from '@nestjs/common';

/** Metadata key of {@link Public}. */
export const IS_PUBLIC = 'provena:public';

/**
 * Marks a route (or every route of a controller) as open without an API key: health, readiness, metrics and the
 * API documentation. Everything else needs a key, because the guard is global and closed by default.
 *
 * @example
 * @Public()
 * @Get('health')
 * health() { return { status: 'ok' }; }
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
