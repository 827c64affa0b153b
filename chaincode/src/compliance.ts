import {
  COMPLIANCE_LIMITS,
  LedgerErrorCode,
  MEASUREMENT_RANGES,
  type Bounds,
  type ComplianceProfile,
  type JsonValue,
} from '@provena/wire';
import { requireNumber, requireObject } from './input';
import { LedgerError } from './ledger-error';

export { COMPLIANCE_RULES, evaluateCompliance, type ComplianceProfile, type Violation } from '@provena/wire';

/**
 * Validates a compliance profile: known measurements only, limits within the physically plausible range of the
 * measurement, min not above max. Shock and vibration have only a maximum.
 * @throws {@link LedgerError} INVALID_ARGUMENT
 */
export function parseComplianceProfile(value: JsonValue | undefined, field: string): ComplianceProfile {
  const object = requireObject(
    value,
    field,
    [],
    COMPLIANCE_LIMITS.map((m) => m.metric),
  );
  const profile: ComplianceProfile = {};
  for (const { metric, limits } of COMPLIANCE_LIMITS) {
    const given = object[metric];
    if (given === undefined) continue;
    const path = `${field}.${metric}`;
    const required = limits.length === 1 ? limits : [];
    const bounds = requireObject(given, path, required, limits);
    const [low, high] = MEASUREMENT_RANGES[metric];
    const parsed: Bounds = {};
    for (const limit of limits) {
      if (bounds[limit] !== undefined)
        parsed[limit] = requireNumber(bounds[limit], `${path}.${limit}`, low, high);
    }
    if (parsed.min === undefined && parsed.max === undefined) {
      throw new LedgerError(LedgerErrorCode.InvalidArgument, `${path} must state min or max`);
    }
    if (parsed.min !== undefined && parsed.max !== undefined && parsed.min > parsed.max) {
      throw new LedgerError(LedgerErrorCode.InvalidArgument, `${path}.min must not exceed ${path}.max`);
    }
    Object.assign(profile, { [metric]: parsed });
  }
  return profile;
}
