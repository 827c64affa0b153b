import { ID_PATTERN } from './limits';

const PREFIX = 'provena/v1/devices';

/** MQTT topic names shared by devices and the gateway. Device ids cannot contain `/`, `+` or `#` ({@link ID_PATTERN}). */
export const Topics = {
  /** Where a device publishes its signed readings (QoS 1). */
  readings: (deviceId: string): string => `${PREFIX}/${deviceId}/readings`,
  /** Where the gateway tells a device why a reading was refused. */
  rejections: (deviceId: string): string => `${PREFIX}/${deviceId}/rejections`,
  /** Every device's readings: the gateway's subscription when it runs alone (see `sharedReadings`). */
  allReadings: (): string => `${PREFIX}/+/readings`,
  /**
   * The gateway replicas' shared subscription: the broker splits readings across them. Mosquitto 2.0 does not keep
   * shared subscriptions in its persistent store, so after a broker restart readings published before the gateway
   * subscribes again reach no one (devices get "no matching subscribers", which MQTT counts as delivered).
   */
  sharedReadings: (group = 'provena-gateway'): string => `$share/${group}/${PREFIX}/+/readings`,
} as const;

/** The device id a reading topic names, or undefined if the topic is not a reading topic. */
export function deviceIdOfReadingTopic(topic: string): string | undefined {
  const parts = topic.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}/${parts[2]}` !== PREFIX || parts[4] !== 'readings')
    return undefined;
  const id = parts[3];
  return id !== undefined && ID_PATTERN.test(id) ? id : undefined;
}

/** What the gateway publishes on a device's rejection topic. */
export interface RejectionNotice {
  deviceId: string;
  seq?: number;
  code: string;
  reason: string;
}
