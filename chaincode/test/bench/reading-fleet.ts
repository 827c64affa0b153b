import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  publicKeyPem,
  READING_FORMAT_VERSION,
  sealReading,
  type ComplianceProfile,
  type Measurements,
  type Reading,
  type SignedReading,
} from '@provena/wire';

/** The profile of the bench's shipment: every reading is judged against it, a few break it. */
export const BENCH_PROFILE: ComplianceProfile = {
  temperatureC: { min: 2, max: 8 },
  humidityPct: { max: 85 },
  shockG: { max: 5 },
};

/** Above BENCH_PROFILE's 8 °C ceiling: one breach (`temperatureC.max`) per such reading. */
const BREACH_TEMPERATURE_C = 9.3;
const MINUTE_MS = 60_000;

/** A batch argument of RecordReadings and what the chaincode must answer for it when every reading is new. */
export interface ReadingBatch {
  /** `envelopesJson`: the JSON array of signed readings. */
  readonly json: string;
  readonly readings: number;
  /** Readings breaking the profile; each one writes one breach record. */
  readonly breaches: number;
}

/** A device of the fleet, as RegisterDevice needs it. */
export interface FleetDevice {
  readonly deviceId: string;
  readonly publicKeyPem: string;
}

export interface ReadingFleetOptions {
  /** Device ids are `<idPrefix>-01`, `<idPrefix>-02`, … */
  readonly idPrefix: string;
  readonly devices: number;
  /** The shipment every reading names; the devices must be attached to it for the readings to be accepted. */
  readonly shipmentId: string;
  /** Every n-th reading of the fleet breaks the profile's temperature ceiling. */
  readonly breachEvery: number;
  /** Measurement time of each device's first reading; a device measures once a minute. */
  readonly firstMeasuredAt: number;
  /**
   * Where a `device-clock-ahead` batch's measurement times start: later than the transactions' timestamps by more
   * than the chaincode allows.
   */
  readonly aheadMeasuredAt: number;
}

/**
 * A flaw every reading of a batch has, so that the chaincode refuses it at a known step: `bad-signature` after
 * verifying the signature (signed with a key no device has), `device-clock-ahead` after verification and the
 * duplicate check's GET_STATE (CLOCK_SKEW). Neither writes anything.
 */
export type BatchFlaw = 'none' | 'bad-signature' | 'device-clock-ahead';

/** Devices with their own P-256 keys, each counting its own sequence numbers. */
export interface ReadingFleet {
  readonly devices: readonly FleetDevice[];
  /**
   * The fleet's next `size` readings, signed, full envelopes (every measurement and a location). Devices take
   * turns, so a batch holds readings of up to every device and no (deviceId, seq) ever repeats.
   */
  nextBatch(size: number, flaw?: BatchFlaw): ReadingBatch;
}

interface SigningDevice extends FleetDevice {
  readonly privateKey: KeyObject;
  nextSeq: number;
}

function tenths(n: number): number {
  return Math.round(n * 10) / 10;
}

function measurements(seq: number, breach: boolean): Measurements {
  return {
    temperatureC: breach ? BREACH_TEMPERATURE_C : tenths(4 + (seq % 7) * 0.5),
    humidityPct: tenths(60 + (seq % 10)),
    shockG: tenths(0.2 + (seq % 5) * 0.1),
    vibrationMmS: 1.8,
    batteryPct: tenths(95 - (seq % 500) * 0.1),
    location: { lat: (51_900 + (seq % 100)) / 1000, lon: 4.47917 },
  };
}

/** Builds a fleet; generating its keys is the costly part. */
export function newReadingFleet(options: Readonly<ReadingFleetOptions>): ReadingFleet {
  const devices: SigningDevice[] = Array.from({ length: options.devices }, (_, i) => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return {
      deviceId: `${options.idPrefix}-${String(i + 1).padStart(2, '0')}`,
      publicKeyPem: publicKeyPem(publicKey),
      privateKey,
      nextSeq: 1,
    };
  });
  const foreignKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  let turn = 0;
  let signed = 0;

  return {
    devices: devices.map(({ deviceId, publicKeyPem }) => ({ deviceId, publicKeyPem })),
    nextBatch(size, flaw = 'none') {
      const envelopes: SignedReading[] = [];
      let breaches = 0;
      for (let i = 0; i < size; i++) {
        const device = devices[turn++ % devices.length]!;
        const seq = device.nextSeq++;
        const breach = ++signed % options.breachEvery === 0;
        if (breach) breaches++;
        const reading: Reading = {
          v: READING_FORMAT_VERSION,
          deviceId: device.deviceId,
          seq,
          measuredAt:
            (flaw === 'device-clock-ahead' ? options.aheadMeasuredAt : options.firstMeasuredAt) +
            (seq - 1) * MINUTE_MS,
          shipmentId: options.shipmentId,
          measurements: measurements(seq, breach),
        };
        envelopes.push(sealReading(reading, flaw === 'bad-signature' ? foreignKey : device.privateKey));
      }
      return { json: JSON.stringify(envelopes), readings: size, breaches };
    },
  };
}
