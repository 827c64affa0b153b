import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import * as mqttPacket from 'mqtt-packet';

/** A message the broker delivered, and the one way to acknowledge it. */
export interface InboundMessage {
  readonly topic: string;
  readonly payload: Buffer;
  /** True when the broker says it may have delivered this before (a redelivery after a reconnect). */
  readonly redelivered: boolean;
  /**
   * Lets the PUBACK go. Call once the message is safely handled (on the ledger, or definitively refused). A
   * message never acknowledged is redelivered by the broker after a reconnect; an ack from an earlier connection
   * is ignored, because the broker will redeliver that message to the new one.
   */
  ack(): void;
}

export interface MqttSessionOptions {
  /** `mqtt://host:port`, or `mqtts://host:port` for MQTT over TLS. */
  readonly url: string;
  /**
   * With `mqtts://`: the CA certificates (PEM) the broker's certificate must chain to, instead of the system's.
   * The broker's name is checked against its certificate either way.
   */
  readonly ca?: string | Buffer;
  /** Stable across restarts: the broker keeps this client's session (subscriptions, unacknowledged messages). */
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  /** The topic filter to subscribe to with QoS 1 (a `$share/...` filter for replicas that split the load). */
  readonly subscription: string;
  /** How long the broker keeps the session while we are away, seconds. */
  readonly sessionExpirySeconds: number;
  /**
   * MQTT 5 Receive Maximum: the broker never has more unacknowledged QoS 1 deliveries to us than this. This is
   * ingest's in-flight bound: when acknowledgements stop (ledger down), deliveries stop and the broker holds the
   * rest.
   */
  readonly receiveMaximum: number;
  /**
   * MQTT 5 Maximum Packet Size, bytes: the broker must drop, not deliver, any packet for us larger than this
   * (MQTT 5 section 3.1.2.11.4), so an oversized publish never costs the gateway a buffer. None: MQTT's own
   * 256 MB.
   */
  readonly maximumPacketSize?: number;
  readonly keepaliveSeconds: number;
  /** Reconnect delays: starts at min, doubles per failed attempt up to max. */
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly onMessage: (message: InboundMessage) => void;
  /** Connection state changes, with the reason for a loss (never a credential). */
  readonly onStateChange?: (connected: boolean, reason?: string) => void;
}

type Pending = { messageId: number; acked: boolean };

const PROTOCOL_VERSION = 5;
/** The largest packet MQTT can frame: a 4-byte remaining length (268,435,455) and 5 bytes of fixed header. */
const MQTT_LARGEST_PACKET = 268_435_460;

/**
 * A small MQTT 5 subscriber that acknowledges a QoS 1 message only when the application says so, while later
 * messages keep flowing.
 *
 * Why not mqtt.js: it handles incoming packets strictly one at a time, and its hooks for a late PUBACK
 * (`customHandleAcks`, `handleMessage`) hold back every following packet until the callback runs, so holding an
 * acknowledgement until a Fabric commit would serialise ingest to one reading per commit. This session uses
 * mqtt-packet, the parser and serialiser mqtt.js itself is built on, and releases PUBACKs in the order the
 * messages arrived (MQTT 5 section 4.6), as soon as every earlier one is acknowledged too.
 */
export class MqttSession {
  readonly #options: MqttSessionOptions;
  #socket: Socket | undefined;
  #connected = false;
  #stopped = false;
  #generation = 0;
  #pending: Pending[] = [];
  #reconnectDelay: number;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  #awaitingPong = false;
  #connectedWaiters: (() => void)[] = [];

  constructor(options: MqttSessionOptions) {
    const url = new URL(options.url);
    if (url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:') {
      throw new Error(`MQTT URL must be mqtt://host:port or mqtts://host:port, got ${url.protocol}`);
    }
    if (options.receiveMaximum < 1 || options.receiveMaximum > 65535) {
      throw new Error('receiveMaximum must be 1..65535');
    }
    const maximumPacketSize = options.maximumPacketSize;
    if (
      maximumPacketSize !== undefined &&
      !(
        Number.isInteger(maximumPacketSize) &&
        maximumPacketSize >= 1 &&
        maximumPacketSize <= MQTT_LARGEST_PACKET
      )
    ) {
      throw new Error(`maximumPacketSize must be 1..${MQTT_LARGEST_PACKET}`);
    }
    this.#options = options;
    this.#reconnectDelay = options.reconnectMinMs;
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Unacknowledged deliveries on the current connection. */
  get inFlight(): number {
    return this.#pending.length;
  }

  /** Starts connecting; resolves at the first successful subscription. Reconnects by itself afterwards. */
  start(): Promise<void> {
    this.#stopped = false;
    const ready = this.whenConnected();
    this.#open();
    return ready;
  }

  /** Resolves when the session is connected and subscribed. */
  whenConnected(): Promise<void> {
    if (this.#connected) return Promise.resolve();
    return new Promise((resolve) => this.#connectedWaiters.push(resolve));
  }

  /**
   * Publishes with QoS 0 (fire and forget): used for advisory notices such as rejections. Dropped while
   * disconnected; returns whether it was written.
   */
  publish(topic: string, payload: Buffer | string): boolean {
    if (!this.#connected || !this.#socket) return false;
    this.#write({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false });
    return true;
  }

  /**
   * Disconnects normally. The broker keeps the session, so unacknowledged messages are redelivered to the next
   * connection with this client id.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    const socket = this.#socket;
    if (!socket) return;
    if (this.#connected) this.#write({ cmd: 'disconnect', reasonCode: 0 });
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  }

  /**
   * Drops the connection at once: no DISCONNECT, no acknowledgements, no reconnect. To the broker this looks like
   * a crash of the gateway, which is how fault tests use it.
   */
  abort(): void {
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    this.#socket?.destroy();
  }

  #open(): void {
    const url = new URL(this.#options.url);
    const generation = ++this.#generation;
    this.#pending = [];
    const socket: Socket =
      url.protocol === 'mqtts:'
        ? tlsConnect({
            host: url.hostname,
            port: Number(url.port || 8883),
            ...(this.#options.ca !== undefined && { ca: this.#options.ca }),
            // SNI takes host names only; an IP address is still checked against the certificate's IP entries.
            ...(isIP(url.hostname) === 0 && { servername: url.hostname }),
          })
        : tcpConnect({ host: url.hostname, port: Number(url.port || 1883) });
    socket.setNoDelay(true);
    this.#socket = socket;
    const parser = mqttPacket.parser({ protocolVersion: PROTOCOL_VERSION });
    parser.on('packet', (packet) => this.#onPacket(packet, generation));
    parser.on('error', (err) => socket.destroy(err));
    socket.on('data', (chunk) => parser.parse(chunk));
    socket.on(url.protocol === 'mqtts:' ? 'secureConnect' : 'connect', () => {
      this.#write({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: PROTOCOL_VERSION,
        clientId: this.#options.clientId,
        clean: false,
        keepalive: this.#options.keepaliveSeconds,
        ...(this.#options.username !== undefined && { username: this.#options.username }),
        ...(this.#options.password !== undefined && { password: Buffer.from(this.#options.password) }),
        properties: {
          sessionExpiryInterval: this.#options.sessionExpirySeconds,
          receiveMaximum: this.#options.receiveMaximum,
          ...(this.#options.maximumPacketSize !== undefined && {
            maximumPacketSize: this.#options.maximumPacketSize,
          }),
        },
      });
    });
    socket.on('error', () => undefined); // 'close' follows and carries the loss
    socket.on('close', (hadError) => {
      if (generation !== this.#generation) return;
      this.#lost(hadError ? 'connection error' : 'connection closed');
    });
  }

  #onPacket(packet: mqttPacket.Packet, generation: number): void {
    if (generation !== this.#generation) return;
    switch (packet.cmd) {
      case 'connack': {
        const code = packet.reasonCode ?? packet.returnCode ?? 0;
        if (code !== 0) {
          this.#socket?.destroy();
          this.#lost(`broker refused the connection (reason code ${code})`);
          return;
        }
        // Subscribing again on a resumed session is harmless and covers a broker that lost the session.
        this.#write({
          cmd: 'subscribe',
          messageId: 1,
          subscriptions: [{ topic: this.#options.subscription, qos: 1, nl: false, rap: false, rh: 0 }],
        });
        return;
      }
      case 'suback': {
        const granted: unknown = packet.granted[0];
        const code = typeof granted === 'number' ? granted : (granted as { qos?: number } | undefined)?.qos;
        if (code !== 1) {
          this.#socket?.destroy();
          this.#lost(`broker refused the subscription (reason code ${String(code)})`);
          return;
        }
        this.#connected = true;
        this.#reconnectDelay = this.#options.reconnectMinMs;
        this.#startKeepalive(generation);
        this.#options.onStateChange?.(true);
        for (const resolve of this.#connectedWaiters.splice(0)) resolve();
        return;
      }
      case 'publish':
        this.#onPublish(packet, generation);
        return;
      case 'pingresp':
        this.#awaitingPong = false;
        return;
      case 'disconnect':
        this.#socket?.destroy();
        this.#lost(`broker disconnected us (reason code ${packet.reasonCode ?? 0})`);
        return;
      default:
        return;
    }
  }

  #onPublish(packet: mqttPacket.IPublishPacket, generation: number): void {
    const topic = packet.topic;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const messageId = packet.messageId;
    if (packet.qos === 0 || messageId === undefined) {
      this.#options.onMessage({ topic, payload, redelivered: false, ack: () => undefined });
      return;
    }
    if (packet.qos === 2) {
      // We subscribe with QoS 1 only, so the broker never sends QoS 2; refuse rather than half-implement it.
      this.#socket?.destroy();
      this.#lost('broker sent a QoS 2 message on a QoS 1 subscription');
      return;
    }
    const entry: Pending = { messageId, acked: false };
    this.#pending.push(entry);
    let done = false;
    this.#options.onMessage({
      topic,
      payload,
      redelivered: packet.dup,
      ack: () => {
        if (done) return;
        done = true;
        if (generation !== this.#generation) return;
        entry.acked = true;
        this.#releaseAcks();
      },
    });
  }

  #releaseAcks(): void {
    while (this.#pending[0]?.acked) {
      const entry = this.#pending.shift() as Pending;
      this.#write({ cmd: 'puback', messageId: entry.messageId, reasonCode: 0 });
    }
  }

  #startKeepalive(generation: number): void {
    clearInterval(this.#pingTimer);
    const everyMs = (this.#options.keepaliveSeconds * 1000) / 2;
    this.#awaitingPong = false;
    this.#pingTimer = setInterval(() => {
      if (generation !== this.#generation) return;
      if (this.#awaitingPong) {
        // No answer for a whole interval: the connection is dead even if TCP has not noticed.
        this.#socket?.destroy();
        this.#lost('no answer to keepalive ping');
        return;
      }
      this.#awaitingPong = true;
      this.#write({ cmd: 'pingreq' });
    }, everyMs);
    this.#pingTimer.unref();
  }

  #lost(reason: string): void {
    const wasConnected = this.#connected;
    this.#connected = false;
    this.#generation++; // acks and packets of the old connection no longer count
    this.#pending = [];
    clearInterval(this.#pingTimer);
    this.#socket = undefined;
    if (wasConnected) this.#options.onStateChange?.(false, reason);
    if (this.#stopped) return;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = setTimeout(() => this.#open(), this.#reconnectDelay);
    this.#reconnectDelay = Math.min(this.#reconnectDelay * 2, this.#options.reconnectMaxMs);
  }

  #write(packet: Record<string, unknown>): void {
    const socket = this.#socket;
    if (!socket || socket.destroyed) return;
    socket.write(mqttPacket.generate(packet as unknown as mqttPacket.Packet, { protocolVersion: 5 }));
  }
}
