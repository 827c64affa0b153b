/**
 * Stable codes for the maintenance model's failures. Callers branch on `code`, never on message text; the
 * messages are for people.
 */
export const MaintenanceErrorCode = {
  /** A data file could not be read (missing, unreadable). */
  DataUnreadable: 'MAINTENANCE_DATA_UNREADABLE',
  /** A data file was read but a row or the file as a whole is not what the format promises. */
  DataMalformed: 'MAINTENANCE_DATA_MALFORMED',
  /** An argument to the model (history, training set, options) is empty, ragged, non-finite or out of range. */
  InvalidInput: 'MAINTENANCE_INVALID_INPUT',
  /** A serialised model could not be restored: wrong kind, version or shape. */
  ModelInvalid: 'MAINTENANCE_MODEL_INVALID',
} as const;

export type MaintenanceErrorCode = (typeof MaintenanceErrorCode)[keyof typeof MaintenanceErrorCode];

/** The maintenance model's error: a stable {@link MaintenanceErrorCode}, a message for people, the cause if any. */
export class MaintenanceError extends Error {
  override readonly name: string = 'MaintenanceError';

  constructor(
    readonly code: MaintenanceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A data file that cannot be used. `file` and, when one row is at fault, `line` (1-based) say where, so the
 * person fixing the file does not have to search for it.
 */
export class MaintenanceDataError extends MaintenanceError {
  override readonly name = 'MaintenanceDataError';

  constructor(
    code: typeof MaintenanceErrorCode.DataUnreadable | typeof MaintenanceErrorCode.DataMalformed,
    readonly file: string,
    readonly line: number | undefined,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(code, `${file}${line === undefined ? '' : `:${line}`}: ${problem}`, options);
  }
}

/** True when `error` is a {@link MaintenanceError}, optionally with the given code. */
export function isMaintenanceError(error: unknown, code?: MaintenanceErrorCode): error is MaintenanceError {
  return error instanceof MaintenanceError && (code === undefined || error.code === code);
}
