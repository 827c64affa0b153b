import {
  checkForecastAnchorInput,
  checkSeriesId,
  LedgerErrorCode,
  WireError,
  type ForecastAnchorInput,
} from '@provena/wire';
import { parseJsonArgument } from './input';
import { LedgerError } from './ledger-error';

/**
 * A forecast run as the ledger stores it under `forecast~run [runId]`: what the forecaster declared, and who
 * anchored it when. Written once; a run id is never reused.
 */
export interface ForecastAnchorRecord extends ForecastAnchorInput {
  anchoredByOrg: string;
  /** Fabric's client id of the identity that signed. */
  anchoredBy: string;
  txId: string;
  /** The transaction's timestamp, Unix ms. */
  anchoredAt: number;
}

/**
 * Parses AnchorForecast's argument with the wire package's strict JSON parser and anchor rules, the same rules
 * the forecaster and the gateway check against.
 * @throws {@link LedgerError} INVALID_ARGUMENT carrying the wire code and the field, e.g.
 * "SCHEMA_VIOLATION: anchor.horizon must be between 1 and 1000".
 */
export function parseForecastAnchor(anchorJson: string): ForecastAnchorInput {
  const value = parseJsonArgument(anchorJson, 'anchorJson');
  try {
    return checkForecastAnchorInput(value);
  } catch (err) {
    if (err instanceof WireError) {
      throw new LedgerError(LedgerErrorCode.InvalidArgument, err.message, { cause: err });
    }
    throw err;
  }
}

/**
 * A series id argument (`SERIES_ID_PATTERN` of the wire package).
 * @throws {@link LedgerError} INVALID_ARGUMENT
 */
export function requireSeriesId(value: unknown, field: string): string {
  try {
    return checkSeriesId(value, field);
  } catch (err) {
    if (err instanceof WireError) {
      throw new LedgerError(LedgerErrorCode.InvalidArgument, err.message, { cause: err });
    }
    throw err;
  }
}
