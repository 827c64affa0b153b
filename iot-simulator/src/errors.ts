/**
 * Stable codes for the simulator's own failures. Callers branch on `code`, never on message text; the messages
 * are for people. Refusals of wire input stay the wire package's `WireError`.
 */
export const SimulatorErrorCode = {
  /** The scenario file has one or more problems; `ScenarioError.issues` lists every one with its JSON path. */
  ScenarioInvalid: 'SCENARIO_INVALID',
  /** The scenario file could not be read. */
  ScenarioUnreadable: 'SCENARIO_UNREADABLE',
  /** A key file or the key folder could not be created or read. */
  KeyStoreFailed: 'KEY_STORE_FAILED',
  /** A key file or the key folder can be read by other users, so the key may be known to someone else. */
  KeyFileInsecure: 'KEY_FILE_INSECURE',
  /** A reading names a device the key store holds no key for. */
  UnknownDeviceKey: 'UNKNOWN_DEVICE_KEY',
  /** A sequence file could not be read or durably written. */
  SequenceStoreFailed: 'SEQUENCE_STORE_FAILED',
  /** The device has used every sequence number the wire format allows. */
  SequenceExhausted: 'SEQUENCE_EXHAUSTED',
  /** The broker is not connected; the reading stays in the device's buffer. */
  BrokerUnavailable: 'BROKER_UNAVAILABLE',
  /** The broker answered the publish with a failure reason code: the reading was not accepted. */
  PublishRefused: 'PUBLISH_REFUSED',
  /** The broker refused a subscription (a rejection topic), so notices on it would never arrive. */
  SubscriptionRefused: 'SUBSCRIPTION_REFUSED',
  /** The publisher was closed before the broker acknowledged the reading. */
  PublisherClosed: 'PUBLISHER_CLOSED',
  /** A command-line argument or option value is missing or wrong. */
  BadArgument: 'BAD_ARGUMENT',
  /** The gateway's REST API or event stream cannot be reached, or answered with something that is not its API. */
  GatewayUnavailable: 'GATEWAY_UNAVAILABLE',
  /**
   * The ledger holds another public key for a device than the key store: its readings would all be refused
   * (the key store was replaced after the device was registered).
   */
  DeviceKeyMismatch: 'DEVICE_KEY_MISMATCH',
} as const;

export type SimulatorErrorCode = (typeof SimulatorErrorCode)[keyof typeof SimulatorErrorCode];

/** The simulator's error: a stable {@link SimulatorErrorCode}, a message for people, and the cause when there is one. */
export class SimulatorError extends Error {
  override readonly name: string = 'SimulatorError';

  constructor(
    readonly code: SimulatorErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One problem in a scenario file: where (a JSONPath such as `$.shipments[0].route`) and what is wrong. */
export interface ScenarioIssue {
  path: string;
  message: string;
}

/** A scenario that failed validation. The message lists every issue, one per line, so a user fixes them in one pass. */
export class ScenarioError extends SimulatorError {
  override readonly name = 'ScenarioError';

  constructor(
    readonly source: string,
    readonly issues: readonly ScenarioIssue[],
  ) {
    super(
      SimulatorErrorCode.ScenarioInvalid,
      `${source}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n` +
        issues.map((issue) => `  ${issue.path}: ${issue.message}`).join('\n'),
    );
  }
}

/** True when `error` is a {@link SimulatorError} with the given code. */
export function isSimulatorError(error: unknown, code?: SimulatorErrorCode): error is SimulatorError {
  return error instanceof SimulatorError && (code === undefined || error.code === code);
}
