import { readFileSync } from 'node:fs';
import { connect, type MqttClient } from 'mqtt';

/** How the simulator's MQTT clients (publishers, rejection feeds) connect. */
export interface MqttSessionOptions {
  /** `mqtt://host:port` (or `mqtts://`). */
  url: string;
  /** Unique per connection: a second client with the same id takes the session over and the first is kicked. */
  clientId: string;
  /**
   * How long the broker keeps the session after a disconnect (default 300 s). Long enough to ride out a broker
   * restart or a network blip; the session is not meant to outlive the simulator process.
   */
  sessionExpirySeconds?: number;
  /** Delay between reconnection attempts (default 1000 ms). */
  reconnectPeriodMs?: number;
  connectTimeoutMs?: number;
  keepaliveSeconds?: number;
  /** Default: PROVENA_MQTT_USERNAME (the gateway reads the same variables). */
  username?: string;
  /** Default: PROVENA_MQTT_PASSWORD. Never a command-line argument: other users can read those. */
  password?: string;
  /** With `mqtts://`: PEM CAs the broker's certificate must chain to. Default: the file PROVENA_MQTT_CA_FILE names. */
  ca?: string | Buffer;
}

const noLog = (): void => undefined;

/** Broker credentials from the environment, for clients whose options name none. */
function credentialsFromEnvironment(): Pick<MqttSessionOptions, 'username' | 'password' | 'ca'> {
  const {
    PROVENA_MQTT_USERNAME: username,
    PROVENA_MQTT_PASSWORD: password,
    PROVENA_MQTT_CA_FILE: caFile,
  } = process.env;
  return {
    ...(username && { username }),
    ...(password && { password }),
    ...(caFile && { ca: readFileSync(caFile) }),
  };
}

/**
 * Starts an MQTT 5 client with clean start off and a session expiry, so after a broker restart (with persistence)
 * or a network drop the session resumes: the broker keeps subscriptions and queued messages, and mqtt.js resends
 * publishes still awaiting their PUBACK. Connects in the background and reconnects by itself.
 */
export function connectSession(given: Readonly<MqttSessionOptions>): MqttClient {
  const options = { ...credentialsFromEnvironment(), ...given };
  const client = connect(options.url, {
    protocolVersion: 5,
    clientId: options.clientId,
    clean: false,
    properties: { sessionExpiryInterval: options.sessionExpirySeconds ?? 300 },
    reconnectPeriod: options.reconnectPeriodMs ?? 1000,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    keepalive: options.keepaliveSeconds ?? 30,
    // Readings are QoS 1; nothing may sit in mqtt.js's unbounded offline queue, the device buffer bounds it.
    queueQoSZero: false,
    // mqtt.js re-arms its keepalive timer on every PUBACK by default (a clearTimeout and a setTimeout per reading
    // under load). Without it a PINGREQ goes out every keepalive interval even while readings flow: one small
    // packet per 30 s, and a dead broker is still noticed within 1.5 keepalives.
    reschedulePings: false,
    // mqtt.js logs some twenty lines per publish and PUBACK through `debug`, which builds an arguments array and
    // checks its namespaces on each call even when disabled. Kept when DEBUG is set, so DEBUG=mqttjs* still works.
    ...(!process.env.DEBUG && { log: noLog }),
    ...(options.username !== undefined && { username: options.username }),
    ...(options.password !== undefined && { password: options.password }),
    ...(options.ca !== undefined && { ca: options.ca }),
  });
  // Connection errors surface as 'close' and are retried; without a listener mqtt.js would throw them.
  client.on('error', () => undefined);
  return client;
}

/**
 * Ends a session. `graceful` (connected, nothing outstanding): says goodbye and asks the broker to drop the
 * session now instead of keeping it for the expiry interval. Otherwise ends at once: waiting for
 * acknowledgements that may never come would hang the caller.
 */
export async function endSession(client: MqttClient, graceful: boolean): Promise<void> {
  if (graceful) await client.endAsync(false, { properties: { sessionExpiryInterval: 0 } });
  else await client.endAsync(true);
}
