import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as mqttPacket from 'mqtt-packet';
import { Limits, readingReceipts, Topics } from '@provena/wire';
import { DEFAULT_MQTT_MAX_PACKET_BYTES, LARGEST_READING_PACKET_BYTES } from '../config/gateway-config';

// The packet size limits on both sides of the broker, checked against the wire format's own limits: the
// gateway's MQTT 5 Maximum Packet Size (PROVENA_MQTT_MAX_PACKET_BYTES) and the max_packet_size of the Mosquitto
// settings Provena ships. If the wire format's limits grow, these say which bound no longer fits.

const LONGEST_ID = 'd'.repeat(Limits.maxIdLength);

/** Bytes of a QoS 1 PUBLISH as MQTT 5 frames it, without properties. */
function publishBytes(topic: string, payloadBytes: number): number {
  return mqttPacket.generate(
    {
      cmd: 'publish',
      topic,
      payload: Buffer.alloc(payloadBytes, 0x20),
      qos: 1,
      messageId: 1,
      retain: false,
      dup: false,
    },
    { protocolVersion: 5 },
  ).length;
}

function shippedMaxPacketSize(): number {
  const conf = readFileSync(join(__dirname, '../../../network/mosquitto/conf.d/provena-limits.conf'), 'utf8');
  const value = /^max_packet_size (\d+)$/m.exec(conf)?.[1];
  if (value === undefined) throw new Error('provena-limits.conf sets no max_packet_size');
  return Number(value);
}

describe('packet size limits', () => {
  it('knows the largest packet a valid reading makes', () => {
    expect(LARGEST_READING_PACKET_BYTES).toBe(
      publishBytes(Topics.readings(LONGEST_ID), Limits.maxEnvelopeBytes),
    );
  });

  it('lets the gateway receive the largest valid reading, and one a byte over it so that its device is told TOO_LARGE', () => {
    expect(DEFAULT_MQTT_MAX_PACKET_BYTES).toBeGreaterThanOrEqual(
      publishBytes(Topics.readings(LONGEST_ID), Limits.maxEnvelopeBytes + 1),
    );
  });

  it("sets the broker's limit to the gateway's, above every packet Provena's own clients send", () => {
    const broker = shippedMaxPacketSize();
    // Equal: a broker limit above the gateway's would let the broker acknowledge a reading it then drops unseen.
    expect(broker).toBe(DEFAULT_MQTT_MAX_PACKET_BYTES);
    // The largest receipt the gateway publishes: a receipt's worth of one device's readings, every seq and id at
    // its largest. The receipts topic has the readings topic's shape.
    const receipt = JSON.stringify(
      readingReceipts(
        LONGEST_ID,
        Array.from({ length: Limits.maxReceiptSeqs }, (_, i) => Limits.maxSeq - i),
        'f'.repeat(64),
      )[0],
    );
    expect(broker).toBeGreaterThanOrEqual(
      publishBytes(Topics.receipts(LONGEST_ID), Buffer.byteLength(receipt)),
    );
    // ... and the largest receipt a device accepts (an envelope's size), so no valid receipt is refused.
    expect(broker).toBeGreaterThanOrEqual(publishBytes(Topics.receipts(LONGEST_ID), Limits.maxEnvelopeBytes));
  });

  it('keeps a flood of large packets well below what Mosquitto would otherwise buffer (256 MB)', () => {
    expect(shippedMaxPacketSize()).toBeLessThanOrEqual(64 * 1024);
  });
});
