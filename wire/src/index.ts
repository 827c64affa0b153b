export { RefusalCode, WireError } from './errors';
export { LedgerErrorCode, parseLedgerError, type ParsedLedgerError } from './ledger-errors';
export { AUDITOR_MSP, ID_PATTERN, Limits } from './limits';
export { parseStrictJson, type JsonValue, type StrictJsonOptions } from './strict-json';
export {
  READING_FORMAT_VERSION,
  MEASUREMENT_RANGES,
  checkId,
  checkReading,
  checkSignedReading,
  type Location,
  type Measurements,
  type Reading,
  type SignedReading,
} from './reading';
export {
  canonicalBytesHash,
  canonicalJson,
  canonicalReadingBytes,
  highSTwin,
  normaliseLowS,
  parseDevicePrivateKey,
  parseDevicePublicKey,
  publicKeyPem,
  readingHash,
  signLowS,
  signReading,
  verifyCanonicalSignature,
  verifyReadingSignature,
} from './signature';
export {
  checkClockSkew,
  decodeSignedReading,
  encodeSignedReading,
  openSignedReading,
  sealReading,
} from './envelope';
export {
  Topics,
  deviceIdOfReadingTopic,
  parseReadingReceipt,
  readingReceipts,
  type ReadingReceipt,
  type RejectionNotice,
} from './topics';
export * from './events';
export {
  FORECAST_PURPOSES,
  FORECAST_STEPS,
  ForecastLimits,
  MODEL_KIND_PATTERN,
  SERIES_ID_PATTERN,
  checkForecastAnchorInput,
  checkForecastValues,
  checkSeriesId,
  forecastValuesHash,
  modelHash,
  type ForecastAnchorInput,
  type ForecastPurpose,
  type ForecastStep,
  type ForecastValues,
} from './forecast';
export { loadReadingVectors, type ReadingVector, type ReadingVectorFile } from './vectors';
export {
  COMPLIANCE_LIMITS,
  COMPLIANCE_RULES,
  evaluateCompliance,
  type Bounds,
  type ComplianceMetric,
  type ComplianceProfile,
  type Violation,
} from './compliance';
export {
  appendFileDurably,
  createFileDurably,
  readJsonIfExists,
  replaceFileDurably,
  writeJsonDurably,
} from './durable-files';
export {
  COMMERCIAL_TERMS_COLLECTION,
  COMMERCIAL_TERMS_TRANSIENT_KEY,
  CommercialTermsRules,
  TRADING_MSPS,
  checkCommercialTerms,
  commercialTermsDocument,
  commercialTermsHash,
  type CommercialTerms,
} from './commercial-terms';
