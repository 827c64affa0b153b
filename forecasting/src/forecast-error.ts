/** Stable codes of the forecasting service's refusals; the CLI and the API report them as they are. */
export const ForecastErrorCode = {
  /** A series file or value that cannot be read: the message names the file, line and field. */
  BadSeries: 'BAD_SERIES',
  /** A series too short for the requested horizon and validation. */
  SeriesTooShort: 'SERIES_TOO_SHORT',
  /** Configuration that cannot work (a cron that does not parse, a horizon of 0). */
  BadConfig: 'BAD_CONFIG',
  /** No forecast for this series or run. */
  NotFound: 'NOT_FOUND',
} as const;

export type ForecastErrorCode = (typeof ForecastErrorCode)[keyof typeof ForecastErrorCode];

/** An error of the forecasting service with a stable {@link ForecastErrorCode}. */
export class ForecastError extends Error {
  override readonly name = 'ForecastError';

  constructor(
    readonly code: ForecastErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}
