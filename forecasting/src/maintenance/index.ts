/**
 * The maintenance model: remaining useful life (RUL) from per-cycle channel histories, and the maintenance flag
 * built on it. Generic over channels: C-MAPSS sensors today, per-equipment telemetry from the ledger tomorrow.
 */
export {
  projectChannels,
  selectInformativeChannels,
  type ChannelSelection,
  type ChannelSelectionOptions,
  type ChannelStatistics,
} from './channel-selection';
export {
  CMAPSS_CHANNELS,
  parseCmapssUnits,
  readCmapss,
  type CmapssDataset,
  type ReadCmapssOptions,
} from './cmapss';
export { runCmapssReport, type CmapssReport, type CmapssReportOptions } from './cmapss-report';
export {
  assessMaintenance,
  type ChannelTrend,
  type MaintenanceAssessment,
  type MaintenanceFlagOptions,
} from './maintenance-flag';
export {
  isMaintenanceError,
  MaintenanceDataError,
  MaintenanceError,
  MaintenanceErrorCode,
} from './maintenance-error';
export { fitRidge, predictRidge, solveSymmetricPositiveDefinite, type RidgeCoefficients } from './ridge';
export {
  fitFeatureScaler,
  recentSlopes,
  resolveRulFeatureOptions,
  restoreFeatureScaler,
  rulFeatureNames,
  rulFeatures,
  rulFeatureSeries,
  type FeatureScaler,
  type FeatureScalerJson,
  type ResolvedRulFeatureOptions,
  type RulFeatureOptions,
} from './rul-features';
export {
  DEFAULT_RUL_CANDIDATES,
  networkSpec,
  restoreRulModel,
  rulModelHash,
  trainRulModel,
  type CandidateMetrics,
  type MemberJson,
  type MemberSpec,
  type RidgeSpec,
  type RulCandidate,
  type RulCvMetrics,
  type RulModel,
  type RulModelJson,
  type RulModelOptions,
  type RulPrediction,
} from './rul-model';
export { type NetworkJson, type NetworkSpec } from './rul-network';
export { type ResidualProfileJson } from './rul-residuals';
export { FLAG_THRESHOLD_CYCLES, scoreRul, type RulScore } from './score';
export { mulberry32, withSeededRandom } from './seeded-random';
export { checkHistories, checkRows, type ChannelNames, type UnitHistory } from './unit-history';
