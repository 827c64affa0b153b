/**
 * Where devices send their signed readings. The real adapter speaks MQTT 5 (QoS 1); tests use the in-memory one.
 * Domain code sees only this port, never `mqtt`.
 */
export interface ReadingPublisher {
  /** True while a broker connection is up and publishes can be acknowledged. */
  readonly connected: boolean;
  /**
   * Publishes one payload on the device's reading topic. Resolves when the broker acknowledged it (PUBACK):
   * only then does a reading count as sent.
   * @throws {@link SimulatorError} BROKER_UNAVAILABLE when not connected (nothing was sent; keep the reading),
   * PUBLISH_REFUSED when the broker answered with a failure reason code, PUBLISHER_CLOSED after {@link close}.
   */
  publish(deviceId: string, payload: Uint8Array): Promise<void>;
  /** Calls `listener` on every connect and disconnect; returns a function that removes it. */
  onConnectionChange(listener: (connected: boolean) => void): () => void;
  /** Closes the connection; publishes not yet acknowledged reject with PUBLISHER_CLOSED. */
  close(): Promise<void>;
}
