import { parseStrictJson, type RejectionNotice } from '@provena/wire';

/**
 * Where devices hear that the gateway refused one of their readings: each device's rejection topic
 * (`Topics.rejections`). The MQTT adapter subscribes to those topics; tests use the in-memory one.
 */
export interface RejectionFeed {
  /**
   * Calls `listener` for every notice to one of `deviceIds`. Resolves once the broker has confirmed the
   * subscriptions, so no notice about a reading published afterwards is missed.
   * @throws {@link SimulatorError} BROKER_UNAVAILABLE when the subscriptions cannot be made.
   */
  watch(deviceIds: readonly string[], listener: (notice: RejectionNotice) => void): Promise<void>;
  close(): Promise<void>;
}

/**
 * The code a notice is counted under when its payload is not a {@link RejectionNotice}. It is ours, not one of the
 * wire package's refusal codes: a gateway that sends such a payload has a bug worth seeing, so it is counted,
 * not dropped.
 */
export const UNREADABLE_NOTICE = 'UNREADABLE_NOTICE';

/**
 * Reads a notice from a device's rejection topic. Never throws: a payload that is not a notice comes back with
 * code {@link UNREADABLE_NOTICE} and the device the topic names.
 */
export function parseRejectionNotice(deviceId: string, payload: Uint8Array): RejectionNotice {
  const text = Buffer.from(payload).toString('utf8');
  try {
    const value = parseStrictJson(text) as Partial<Record<keyof RejectionNotice, unknown>> | null;
    if (
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      typeof value.deviceId === 'string' &&
      typeof value.code === 'string' &&
      value.code.length > 0 &&
      typeof value.reason === 'string' &&
      (value.seq === undefined || (Number.isSafeInteger(value.seq) && (value.seq as number) > 0))
    ) {
      return {
        deviceId: value.deviceId,
        code: value.code,
        reason: value.reason,
        ...(value.seq !== undefined && { seq: value.seq as number }),
      };
    }
  } catch {
    // Not JSON: reported below like any other payload that is not a notice.
  }
  return { deviceId, code: UNREADABLE_NOTICE, reason: `not a rejection notice: ${text.slice(0, 100)}` };
}
