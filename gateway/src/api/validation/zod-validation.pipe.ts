import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { GatewayError, GatewayErrorCode } from '../../errors/gateway-error';

/**
 * The dotted path of the first problem in a request part: `ownerOrg`, `metadata.model`, `deviceIds.2`. For an
 * unknown field it names that field; for the part as a whole (e.g. a body that is not an object) it names the
 * part (`body`, `query`).
 */
export function fieldOf(issue: z.core.$ZodIssue, metadata: Pick<ArgumentMetadata, 'type' | 'data'>): string {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0]);
  const parts = metadata.data === undefined ? path : [metadata.data, ...path];
  return parts.length > 0 ? parts.join('.') : metadata.type;
}

/**
 * Validates (and converts) one part of a request with a zod schema: a body, a path parameter or the query.
 * Refuses with VALIDATION_FAILED naming the first offending field in `details.field`; the filter makes that a
 * 400. Only the first issue is reported: clients fix one field at a time, and the message stays short.
 *
 * @example
 * @Post() create(@Body(new ZodValidationPipe(CreateShipmentBody)) body: CreateShipment) {}
 * @throws {@link GatewayError} VALIDATION_FAILED
 */
export class ZodValidationPipe<T> implements PipeTransform<unknown, T> {
  constructor(private readonly schema: z.ZodType<T>) {}

  transform(value: unknown, metadata: ArgumentMetadata): T {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const field = issue ? fieldOf(issue, metadata) : metadata.type;
    const message = issue?.message ?? 'invalid';
    throw new GatewayError(GatewayErrorCode.ValidationFailed, `${field}: ${message}`, { field });
  }
}
