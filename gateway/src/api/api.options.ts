import { z } from 'zod';
import { GatewayError, GatewayErrorCode } from '../errors/gateway-error';

/** What the REST API needs from the gateway's configuration. */
export interface ApiOptions {
  /** The JSON file holding the hashed API keys (written by `provena-gateway keys`, read by the API). */
  readonly apiKeysFile: string;
  /** Requests one API key may make per minute; the next one is refused RATE_LIMITED until the minute is over. */
  readonly rateLimitPerMinute: number;
  /** Largest `pageSize` a list route accepts (the chaincode serves at most 200 whatever is asked). */
  readonly maxPageSize: number;
  /** Where the forecasting service saves published forecasts; the forecast routes serve them from there. */
  readonly forecastDirectory?: string;
}

/** The DI token {@link ApiOptions} are bound to. */
export const API_OPTIONS = Symbol('ApiOptions');

/** Page size when the client names none (capped by `maxPageSize`). */
export const DEFAULT_PAGE_SIZE = 50;

const ApiOptionsSchema = z.strictObject({
  apiKeysFile: z.string().min(1),
  rateLimitPerMinute: z.number().int().min(1),
  maxPageSize: z.number().int().min(1).max(200),
  forecastDirectory: z.string().min(1).optional(),
});

/**
 * Checks the options once, at bootstrap: the gateway's config module validates its variables, but a wrong value
 * reaching the API (a page size the chaincode cannot serve, a zero rate limit that refuses everything) should
 * stop start-up rather than surface as odd refusals later.
 * @throws {@link GatewayError} VALIDATION_FAILED naming every bad option.
 */
export function checkApiOptions(options: ApiOptions): ApiOptions {
  const parsed = ApiOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.'));
    throw new GatewayError(
      GatewayErrorCode.ValidationFailed,
      `invalid API options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      { fields },
    );
  }
  return parsed.data;
}
