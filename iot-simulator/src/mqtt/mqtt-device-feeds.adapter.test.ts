import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as mqttPacket from 'mqtt-packet';
import { Limits, Topics } from '@provena/wire';
import { subscribeChunks } from './mqtt-device-feeds.adapter';

/** The broker's packet limit, as the settings Provena ships set it. */
const brokerLimit = Number(
  /^max_packet_size (\d+)$/m.exec(
    readFileSync(join(__dirname, '../../../network/mosquitto/conf.d/provena-limits.conf'), 'utf8'),
  )?.[1],
);

describe('subscribing a fleet to its devices’ topics', () => {
  it('keeps every SUBSCRIBE packet within the broker’s packet limit, whatever the fleet', () => {
    const longest = (i: number) => `${'d'.repeat(Limits.maxIdLength - 6)}${String(i).padStart(6, '0')}`;
    const topics = Array.from({ length: 10_000 }, (_, i) => Topics.receipts(longest(i)));
    const chunks = subscribeChunks(topics);
    expect(chunks.flat()).toEqual(topics);
    expect(brokerLimit).toBeGreaterThan(0);
    for (const chunk of chunks) {
      const packet = mqttPacket.generate(
        {
          cmd: 'subscribe',
          messageId: 1,
          subscriptions: chunk.map((topic) => ({ topic, qos: 1 as const })),
        },
        { protocolVersion: 5 },
      );
      expect(packet.length).toBeLessThanOrEqual(brokerLimit);
    }
  });

  it('sends a small fleet in one packet', () => {
    expect(subscribeChunks(['a/b', 'c/d'])).toEqual([['a/b', 'c/d']]);
  });
});
