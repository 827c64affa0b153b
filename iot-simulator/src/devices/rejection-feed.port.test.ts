import { newMemoryRejectionFeed } from './memory-rejection-feed.adapter';
import { parseRejectionNotice, UNREADABLE_NOTICE } from './rejection-feed.port';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('parseRejectionNotice', () => {
  it('reads a notice with or without a sequence number', () => {
    expect(
      parseRejectionNotice(
        'dev-1',
        bytes('{"deviceId":"dev-1","seq":7,"code":"BAD_SIGNATURE","reason":"does not verify"}'),
      ),
    ).toEqual({ deviceId: 'dev-1', seq: 7, code: 'BAD_SIGNATURE', reason: 'does not verify' });
    expect(
      parseRejectionNotice('dev-1', bytes('{"deviceId":"dev-1","code":"MALFORMED_JSON","reason":"line 1"}')),
    ).toEqual({ deviceId: 'dev-1', code: 'MALFORMED_JSON', reason: 'line 1' });
  });

  it('counts a payload that is not a notice as UNREADABLE_NOTICE for the topic’s device, never throws', () => {
    for (const text of [
      'not json',
      '[]',
      'null',
      '{"deviceId":"dev-1","reason":"no code"}',
      '{"deviceId":"dev-1","code":"","reason":"empty code"}',
      '{"deviceId":"dev-1","code":"X","reason":"r","seq":0}',
      '{"deviceId":"dev-1","code":"X","code":"Y","reason":"duplicate key"}',
    ]) {
      expect(parseRejectionNotice('dev-1', bytes(text))).toMatchObject({
        deviceId: 'dev-1',
        code: UNREADABLE_NOTICE,
        reason: expect.stringContaining('not a rejection notice'),
      });
    }
  });
});

describe('memory rejection feed', () => {
  it('delivers notices to the listeners of the device named, and says when nobody watches it', async () => {
    const feed = newMemoryRejectionFeed();
    const a: string[] = [];
    const b: string[] = [];
    await feed.watch(['dev-1', 'dev-2'], (n) => a.push(`${n.deviceId}:${n.code}`));
    await feed.watch(['dev-2'], (n) => b.push(`${n.deviceId}:${n.code}`));
    expect(feed.notify({ deviceId: 'dev-1', code: 'CLOCK_SKEW', reason: 'ahead' })).toBe(true);
    expect(feed.notify({ deviceId: 'dev-2', code: 'UNKNOWN_DEVICE', reason: 'who' })).toBe(true);
    expect(feed.notify({ deviceId: 'dev-3', code: 'UNKNOWN_DEVICE', reason: 'who' })).toBe(false);
    expect(a).toEqual(['dev-1:CLOCK_SKEW', 'dev-2:UNKNOWN_DEVICE']);
    expect(b).toEqual(['dev-2:UNKNOWN_DEVICE']);
    await feed.close();
    expect(feed.watched.size).toBe(0);
  });
});
