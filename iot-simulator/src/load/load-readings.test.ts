import { checkReading, READING_FORMAT_VERSION } from '@provena/wire';
import { SimulatorErrorCode } from '../errors';
import { loadDeviceIds, newLoadSampler } from './load-readings';

describe('loadDeviceIds', () => {
  it('numbers devices from 1 with at least four digits, all the same width', () => {
    expect(loadDeviceIds(3)).toEqual(['load-device-0001', 'load-device-0002', 'load-device-0003']);
    const many = loadDeviceIds(12_000, 'x');
    expect(many[0]).toBe('x00001');
    expect(many[11_999]).toBe('x12000');
  });

  it('refuses a prefix that does not make valid device ids, and a count that is not a positive integer', () => {
    for (const prefix of ['bad/', '-starts-with-dash', 'a'.repeat(61), 'has space']) {
      expect(() => loadDeviceIds(10, prefix)).toThrow(
        expect.objectContaining({ code: SimulatorErrorCode.BadArgument }),
      );
    }
    expect(() => loadDeviceIds(0)).toThrow(/positive integer/);
    expect(() => loadDeviceIds(1.5)).toThrow(/positive integer/);
  });
});

describe('newLoadSampler', () => {
  it('gives readings the wire format accepts, around the cold-chain set point, with a draining battery', () => {
    const sampler = newLoadSampler(7);
    const t0 = Date.UTC(2026, 2, 2);
    const temperatures: number[] = [];
    let battery = 100;
    for (let i = 0; i < 2000; i++) {
      const sample = sampler.sample('dev-1', t0 + i * 60_000);
      checkReading({ v: READING_FORMAT_VERSION, deviceId: 'dev-1', seq: i + 1, ...sample });
      temperatures.push(sample.measurements.temperatureC!);
      expect(sample.measurements.batteryPct).toBeLessThanOrEqual(battery);
      battery = sample.measurements.batteryPct!;
    }
    const mean = temperatures.reduce((a, b) => a + b, 0) / temperatures.length;
    expect(mean).toBeCloseTo(5, 1);
    expect(battery).toBeLessThan(100); // 2,000 minutes at 2 % a day: about 2.8 % gone
  });

  it('gives each device its own stream from the seed, whatever order devices are sampled in', () => {
    const one = newLoadSampler(1);
    const two = newLoadSampler(1);
    one.sample('dev-a', 0);
    const fromOne = one.sample('dev-b', 0);
    const fromTwo = two.sample('dev-b', 0);
    expect(fromOne).toEqual(fromTwo);
  });
});
