import { ID_PATTERN, Limits } from '@provena/wire';
import { SimulatorError, SimulatorErrorCode } from '../errors';
import type { Sample } from '../models/sample';
import { clamp, round } from '../models/sample';
import { gaussian } from '../random/distributions';
import { newPrng, type Prng } from '../random/prng';
import { COLD_CHAIN_DEFAULTS } from '../scenario/model-params.parser';
import { DAY_MS } from '../scenario/time-units';

/** Ids of a load fleet: `load-device-0001`, `load-device-0002`, ... (at least four digits, all the same width). */
export function loadDeviceIds(count: number, prefix = 'load-device-'): string[] {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new SimulatorError(
      SimulatorErrorCode.BadArgument,
      `device count must be a positive integer, got ${count}`,
    );
  }
  const width = Math.max(4, String(count).length);
  // The pattern also bounds the length, so testing the widest id covers every one.
  if (!ID_PATTERN.test(`${prefix}${'0'.repeat(width)}`)) {
    throw new SimulatorError(
      SimulatorErrorCode.BadArgument,
      `device prefix "${prefix}" does not make valid device ids (letters, digits and ._:- only, ` +
        `starting with a letter or digit, at most ${Limits.maxIdLength} characters)`,
    );
  }
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(width, '0')}`);
}

/** Makes the measurements of each reading of a load run. */
export interface LoadSampler {
  sample(deviceId: string, measuredAt: number): Omit<Sample, 'deviceId'>;
}

/**
 * Readings of a cold-chain logger at rest in a working reefer: temperature around the cold-chain model's default
 * set point with its sensor noise, humidity around its default, a battery draining at its default rate. The
 * shipment-bound parts of the model (route, door openings, hand-overs) need a scenario, and a load run has
 * none; what matters here is an envelope of realistic size and content that the gateway and chaincode accept.
 * Each device draws from its own stream of the seed, so a run's values do not depend on the device count.
 */
export function newLoadSampler(seed: number | string = 'load'): LoadSampler {
  const root = newPrng(seed);
  const devices = new Map<string, { rng: Prng; firstAt: number }>();
  const d = COLD_CHAIN_DEFAULTS;
  return {
    sample(deviceId, measuredAt) {
      let device = devices.get(deviceId);
      if (!device) {
        device = { rng: root.fork(deviceId), firstAt: measuredAt };
        devices.set(deviceId, device);
      }
      const battery =
        d.battery.startPct - (d.battery.drainPctPerDay * (measuredAt - device.firstAt)) / DAY_MS;
      return {
        measuredAt,
        measurements: {
          temperatureC: round(gaussian(device.rng, d.setPointC, d.noiseC), 2),
          humidityPct: round(clamp(gaussian(device.rng, d.humidity.basePct, d.humidity.noisePct), 0, 100), 1),
          batteryPct: round(clamp(battery, 0, 100), 1),
        },
      };
    },
  };
}
