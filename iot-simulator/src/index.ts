// The simulator as a library: what tests, benchmarks and (later) the gateway client import.
export {
  isSimulatorError,
  ScenarioError,
  SimulatorError,
  SimulatorErrorCode,
  type ScenarioIssue,
} from './errors';

export { newPrng, type Prng } from './random/prng';
export {
  exponential,
  gamma,
  gaussian,
  logNormal,
  negativeBinomial,
  poisson,
  poissonProcess,
  uniform,
} from './random/distributions';

export type * from './scenario/scenario.types';
export {
  deviceReadingCount,
  deviceWindow,
  loadScenario,
  MAX_SCENARIO_READINGS,
  parseScenario,
  validateScenario,
} from './scenario/scenario.parser';
export { COLD_CHAIN_DEFAULTS, EQUIPMENT_DEFAULTS } from './scenario/model-params.parser';
export { formatDuration, formatInstant, parseDuration, parseInstant } from './scenario/time-units';

export type { Sample } from './models/sample';
export {
  coldChainSamples,
  planDoorOpenings,
  reeferDriftC,
  type ColdChainContext,
  type DoorOpening,
} from './models/cold-chain.model';
export {
  equipmentSamples,
  failureAgeDays,
  planEquipmentLifecycle,
  wearCurveMmS,
  type EquipmentContext,
  type EquipmentEvent,
  type EquipmentLifecycle,
  type WearCycle,
} from './models/equipment.model';
export {
  expectedOrders,
  generateDemand,
  planShipments,
  promotionLift,
  type DemandDay,
  type ShipmentPlan,
} from './models/demand.model';
export {
  newComplianceTracker,
  type ComplianceTally,
  type ComplianceTracker,
  type Excursion,
} from './models/compliance';
export { planScenario, type CustodyEvent, type DeviceRun, type ScenarioPlan } from './models/scenario-plan';

export {
  openFileKeyStore,
  type DeviceKeyStore,
  type FileKeyStoreOptions,
  type ReadingSealer,
} from './devices/key-store';
export {
  newFileSequenceStore,
  newMemorySequenceStore,
  type FileSequenceStoreOptions,
  type SequenceStore,
} from './devices/sequence-store';
export { newOfflineBuffer, type OfflineBuffer, type OfflineBufferOptions } from './devices/offline-buffer';
export type { ReadingPublisher } from './devices/reading-publisher.port';
export {
  newMemoryDeviceRegistry,
  type DeviceRegistry,
  type MemoryDeviceRegistry,
  type ProvisionedDevice,
} from './devices/device-registry.port';
export {
  newMemoryReadingPublisher,
  type MemoryReadingPublisher,
  type MemoryReadingPublisherOptions,
  type PublishedPayload,
} from './devices/memory-publisher.adapter';
export {
  newSimulatedDevice,
  type DeviceStats,
  type SimulatedDevice,
  type SimulatedDeviceOptions,
} from './devices/simulated-device';
export { provisionScenarioDevices } from './devices/provisioning';
export { parseRejectionNotice, UNREADABLE_NOTICE, type RejectionFeed } from './devices/rejection-feed.port';
export { newMemoryRejectionFeed, type MemoryRejectionFeed } from './devices/memory-rejection-feed.adapter';
export type { ReceiptFeed } from './devices/receipt-feed.port';
export { newMemoryReceiptFeed, type MemoryReceiptFeed } from './devices/memory-receipt-feed.adapter';
export {
  newMqttReadingPublisher,
  waitForConnection,
  type MqttReadingPublisherOptions,
} from './mqtt/mqtt-publisher.adapter';
export type { MqttSessionOptions } from './mqtt/mqtt-session';
export {
  openMqttPublisherPool,
  type MqttPublisherPool,
  type MqttPublisherPoolOptions,
} from './mqtt/mqtt-publisher-pool';
export {
  openMqttReceiptFeed,
  openMqttRejectionFeed,
  type MqttReceiptFeedOptions,
  type MqttRejectionFeedOptions,
} from './mqtt/mqtt-device-feeds.adapter';

export {
  buildHostileExample,
  HOSTILE_MODES,
  sequenceNumbersNeeded,
  type HostileContext,
  type HostileExample,
  type HostileMode,
  type HostilePayload,
  type HostileVerdict,
} from './hostile/hostile.modes';

export { signedReadings } from './run/signed-readings';
export {
  formatSummary,
  newSummaryCollector,
  type RunSummary,
  type SummaryCollector,
} from './run/run-summary';
export {
  publishScenario,
  type Pacing,
  type PublishProgress,
  type PublishResult,
  type PublishScenarioOptions,
} from './run/scenario-publisher';
export { newSystemClock, type Clock } from './load/clock.port';
export { percentile, summariseLatencies, type LatencySummary } from './load/percentiles';
export { loadDeviceIds, newLoadSampler, type LoadSampler } from './load/load-readings';
export {
  LOAD_ACKNOWLEDGEMENT,
  runLoad,
  type LoadProgress,
  type LoadResult,
  type LoadRunOptions,
} from './load/load-run';
export { runCli } from './commands/cli-main';
export {
  createDemandShipments,
  GatewayClient,
  GatewayRequestError,
  newGatewayDeviceRegistry,
  provisionScenarioOnGateway,
  type GatewayApiKeys,
  type GatewayClientOptions,
} from './gateway/gateway-client';
export type { CommitFeed, CommittedReading } from './load/commit-feed.port';
export { newGatewayCommitFeed, type GatewayCommitFeedOptions } from './gateway/gateway-commit-feed.adapter';
