import { DeviceContract } from './device.contract';
import { ForecastContract } from './forecast.contract';
import { PalletContract } from './pallet.contract';
import { ReadingContract } from './reading.contract';
import { ShipmentContract } from './shipment.contract';
import { dropDisabledFabricLogLines } from './shim-logging';
import { configureStateBatch, stateBatchFromEnvironment } from './state-batch';

// fabric-chaincode-node loads this module once, before the first transaction: from then on a disabled log level
// costs the shim nothing per state call (shim-logging.ts).
dropDisabledFabricLogLines();
// Whether this server's peer takes many keys in one message (state-batch.ts); a bad value stops it.
configureStateBatch(stateBatchFromEnvironment(process.env));

// The contract classes and the error type, for packages that embed or test the chaincode.
export { DeviceContract } from './device.contract';
export { ForecastContract } from './forecast.contract';
export { PalletContract } from './pallet.contract';
export { ReadingContract } from './reading.contract';
export { ShipmentContract } from './shipment.contract';
export { LedgerError } from './ledger-error';
export { MAX_CLOCK_AHEAD_MS } from './reading-ingest';

/**
 * The contracts fabric-chaincode-node loads from this package's `main` (it looks for a `contracts` export).
 * The first is the default contract, called when a transaction name has no `contract:` prefix.
 */
export const contracts = [
  DeviceContract,
  ShipmentContract,
  ReadingContract,
  ForecastContract,
  PalletContract,
];
