// fabric-shim 2.5.8 and fabric-contract-api 2.5.8 log through winston 3, whose loggers run every call through
// their whole format chain (timestamp, metadata, colours, padding, printf) and only then let the console transport
// drop a level it does not print. So each disabled debug line still costs its formatting: about 8 µs measured on
// the 2-core development machine, and the shim writes 3 to 5 of them per GET_STATE or PUT_STATE round trip, which
// made them a third of the chaincode's CPU per round trip. (The shim also builds some messages with util.format
// or JSON.stringify before calling the logger; that part cannot be avoided from outside.)

/** The part of a winston logger used here. */
interface WinstonLogger {
  write(info: unknown): boolean;
  isLevelEnabled(level: string): boolean;
}

interface LoggerModule {
  /** Returns the module's logger of that name, the same instance the module's own files hold. */
  getLogger(name: string): WinstonLogger;
}

/**
 * The loggers on the transaction path, by the names the libraries' files give them: message handling and state
 * calls (handler, stub, iterators), the client identity (chaincode), transaction dispatch and argument
 * marshalling (contract-spi, contract-api). Names of fabric-shim 2.5.8 and fabric-contract-api 2.5.8 (pinned in
 * package.json); a name that no longer exists only creates an unused logger.
 */
const TRANSACTION_PATH_LOGGERS: readonly [LoggerModule, readonly string[]][] = [
  [
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('fabric-shim/lib/logger') as LoggerModule,
    [
      'lib/handler.js',
      'lib/stub.js',
      'lib/iterators.js',
      'lib/chaincode.js',
      'contracts-spi/chaincodefromcontract.js',
      'contracts-spi/datamarshall.js',
    ],
  ],
  [
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('fabric-contract-api/lib/logger') as LoggerModule,
    ['./lib/jsontransactionserializer.js', './lib/contract.js'],
  ],
];

const filtered = new WeakSet<WinstonLogger>();

/**
 * Makes the Fabric libraries' transaction-path loggers drop a line whose level is disabled before formatting it.
 * What is printed does not change: enabled levels (warnings and errors by default, everything with
 * `CORE_CHAINCODE_LOGGING_LEVEL=DEBUG`) go through as before, and the level is checked at every call, so a later
 * level change still applies. Idempotent.
 * @returns how many loggers it changed in this call.
 */
export function dropDisabledFabricLogLines(): number {
  let changed = 0;
  for (const [module, names] of TRANSACTION_PATH_LOGGERS) {
    for (const name of names) {
      const logger = module.getLogger(name);
      if (filtered.has(logger)) continue;
      const write = logger.write;
      logger.write = function (this: WinstonLogger, info: unknown): boolean {
        const level = (info as { level?: unknown } | null)?.level;
        // Skipping the write is what the transport would end with; true tells a caller the stream is not full.
        return typeof level === 'string' && !this.isLevelEnabled(level) ? true : write.call(this, info);
      };
      filtered.add(logger);
      changed++;
    }
  }
  return changed;
}
