import { z } from 'zod';

/** Most dead letters one redrive submits; larger sets are redriven in several calls. */
export const MAX_REDRIVE = 500;

/**
 * POST /admin/dead-letters/redrive: which entries to submit again. `ids` names them (from GET /admin/dead-letters);
 * without it, the oldest `limit` entries are redriven.
 */
export const RedriveBody = z
  .strictObject({
    ids: z
      .array(z.string().regex(/^[0-9a-f]{64}$/, 'must be a dead letter id (64 hex digits)'))
      .min(1)
      .max(MAX_REDRIVE)
      .optional(),
    limit: z.number().int().min(1).max(MAX_REDRIVE).default(100),
  })
  .optional();
/** A validated `RedriveBody`. */
export type Redrive = z.infer<typeof RedriveBody>;
