import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { encodeSignedReading, publicKeyPem, sealReading, Topics, type Reading } from '@provena/wire';
import type { InboundMessage } from '../broker/mqtt-session';
import type { LedgerPort } from '../ledger/ledger.port';

/** A test device: a fresh P-256 key pair and a sequence counter. */
export class TestDevice {
  readonly privateKey: KeyObject;
  readonly publicKeyPem: string;
  #seq = 0;

  constructor(
    readonly deviceId: string,
    readonly ownerOrg = 'ProducerMSP',
  ) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    this.publicKeyPem = publicKeyPem(pair.publicKey);
  }

  /** Registers the device as an admin of its organisation. */
  async register(ledger: LedgerPort): Promise<void> {
    await ledger.submit({ org: this.ownerOrg, role: 'admin' }, 'device:RegisterDevice', [
      JSON.stringify({
        deviceId: this.deviceId,
        publicKeyPem: this.publicKeyPem,
        ownerOrg: this.ownerOrg,
        kind: 'logger',
      }),
    ]);
  }

  /** The next reading, signed. */
  reading(overrides: Partial<Reading> = {}): { reading: Reading; payload: Buffer } {
    const reading: Reading = {
      v: 1,
      deviceId: this.deviceId,
      seq: ++this.#seq,
      measuredAt: Date.now(),
      measurements: { temperatureC: 4.5 },
      ...overrides,
    };
    return { reading, payload: encodeSignedReading(sealReading(reading, this.privateKey)) };
  }
}

/** An MQTT delivery whose acknowledgement a test can observe. */
export function delivery(
  deviceId: string,
  payload: Buffer,
): InboundMessage & { readonly acked: () => boolean } {
  let acked = 0;
  return {
    topic: Topics.readings(deviceId),
    payload,
    redelivered: false,
    ack: () => {
      acked++;
    },
    acked: () => {
      if (acked > 1) throw new Error('acknowledged twice');
      return acked === 1;
    },
  };
}
