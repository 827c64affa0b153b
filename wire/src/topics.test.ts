import { checkClockSkew, deviceIdOfReadingTopic, Topics, type Reading } from './index';

describe('topics', () => {
  it('round-trips a device id through the reading topic', () => {
    expect(deviceIdOfReadingTopic(Topics.readings('reefer-0001'))).toBe('reefer-0001');
  });

  it('does not take other topics for reading topics', () => {
    expect(deviceIdOfReadingTopic(Topics.rejections('reefer-0001'))).toBeUndefined();
    expect(deviceIdOfReadingTopic('provena/v1/devices/a/b/readings')).toBeUndefined();
    expect(deviceIdOfReadingTopic('provena/v1/devices/-bad/readings')).toBeUndefined();
  });

  it('shares the readings subscription across gateway replicas', () => {
    expect(Topics.sharedReadings()).toBe('$share/provena-gateway/provena/v1/devices/+/readings');
  });
});

describe('clock skew', () => {
  const reading = { measuredAt: 1_000_000 } as Reading;
  it('accepts readings from the past (buffered while offline)', () => {
    expect(() => checkClockSkew(reading, 5_000_000, 60_000)).not.toThrow();
  });
  it('refuses readings too far in the future', () => {
    expect(() => checkClockSkew(reading, 1_000_000 - 60_001, 60_000)).toThrow(/CLOCK_SKEW/);
  });
});
