import { FixedWindowRateLimiter } from './rate-limiter';

describe('FixedWindowRateLimiter', () => {
  let now = 0;
  const limiter = () => new FixedWindowRateLimiter({ limit: 3, windowMs: 60_000, now: () => now });

  beforeEach(() => {
    now = 1_000_000;
  });

  it('allows the limit within a window and refuses the next request with the seconds left', () => {
    const rl = limiter();
    expect([rl.take('k'), rl.take('k'), rl.take('k')].map((d) => [d.allowed, d.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
    ]);
    now += 20_500;
    expect(rl.take('k')).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 40 });
  });

  it('opens a new window once the old one is over', () => {
    const rl = limiter();
    for (let i = 0; i < 3; i++) rl.take('k');
    now += 59_999;
    expect(rl.take('k').allowed).toBe(false);
    now += 1;
    expect(rl.take('k')).toMatchObject({ allowed: true, remaining: 2 });
  });

  it('counts each key on its own', () => {
    const rl = limiter();
    for (let i = 0; i < 3; i++) rl.take('a');
    expect(rl.take('a').allowed).toBe(false);
    expect(rl.take('b').allowed).toBe(true);
  });

  it('never tells a refused client to retry in less than a second', () => {
    const rl = limiter();
    for (let i = 0; i < 3; i++) rl.take('k');
    now += 59_900;
    expect(rl.take('k').retryAfterSeconds).toBe(1);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new FixedWindowRateLimiter({ limit: 0 })).toThrow(RangeError);
    expect(() => new FixedWindowRateLimiter({ limit: 1.5 })).toThrow(RangeError);
  });
});

describe('FixedWindowRateLimiter with maxKeys', () => {
  let now = 0;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('holds at most maxKeys keys under a flood of new ones, forgetting the oldest windows first', () => {
    const rl = new FixedWindowRateLimiter({ limit: 2, windowMs: 60_000, maxKeys: 100, now: () => now });
    for (let i = 0; i < 10_000; i++) {
      rl.take(`10.0.${i >> 8}.${i & 255}`);
      expect(rl.size).toBeLessThanOrEqual(100);
    }
    expect(rl.size).toBe(100);
  });

  it('keeps counting a recent key while older ones make room', () => {
    const rl = new FixedWindowRateLimiter({ limit: 2, windowMs: 60_000, maxKeys: 3, now: () => now });
    rl.take('old');
    now += 1;
    rl.take('busy');
    rl.take('busy');
    now += 1;
    rl.take('a');
    rl.take('b'); // 'old' goes: it started first
    expect(rl.take('busy').allowed).toBe(false);
    expect(rl.take('old')).toMatchObject({ allowed: true, remaining: 1 });
  });

  it('refuses a maxKeys that is not a positive integer', () => {
    expect(() => new FixedWindowRateLimiter({ limit: 1, maxKeys: 0 })).toThrow(RangeError);
  });
});
