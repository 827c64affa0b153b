import { IdempotencyStore } from './idempotency.store';

describe('IdempotencyStore', () => {
  let now: number;
  const store = (maxEntries = 100, ttlMs = 60_000) => new IdempotencyStore({ ttlMs, maxEntries }, () => now);

  beforeEach(() => {
    now = 1_000_000;
  });

  it('lets the first request run, tells the same one meanwhile that it runs, then replays its answer', () => {
    const s = store();
    const first = s.claim('k', 'req-a');
    expect(first.outcome).toBe('first');
    expect(s.claim('k', 'req-a')).toEqual({ outcome: 'in-progress' });
    if (first.outcome === 'first') first.complete({ status: 201, body: { id: 1 } });
    expect(s.claim('k', 'req-a')).toEqual({ outcome: 'replay', answer: { status: 201, body: { id: 1 } } });
  });

  it('tells a key reused for another request from a retry, running or answered', () => {
    const s = store();
    const first = s.claim('k', 'req-a');
    expect(s.claim('k', 'req-b')).toEqual({ outcome: 'mismatch' });
    if (first.outcome === 'first') first.complete({ status: 200, body: null });
    expect(s.claim('k', 'req-b')).toEqual({ outcome: 'mismatch' });
    expect(s.claim('other', 'req-b').outcome).toBe('first');
  });

  it('forgets an abandoned key, so the retry runs again', () => {
    const s = store();
    const first = s.claim('k', 'req-a');
    if (first.outcome === 'first') first.abandon();
    expect(s.claim('k', 'req-a').outcome).toBe('first');
  });

  it('replays for the TTL after the answer, then treats the key as new', () => {
    const s = store(100, 60_000);
    const first = s.claim('k', 'req-a');
    now += 10_000;
    if (first.outcome === 'first') first.complete({ status: 201, body: {} });
    now += 59_999;
    expect(s.claim('k', 'req-a').outcome).toBe('replay');
    now += 1;
    expect(s.claim('k', 'req-b').outcome).toBe('first');
  });

  it('holds at most maxEntries keys, forgetting the oldest; a forgotten running request stores nothing', () => {
    const s = store(3);
    const oldest = s.claim('k0', 'r');
    for (let i = 1; i <= 1000; i++) {
      const claim = s.claim(`k${i}`, 'r');
      if (claim.outcome === 'first') claim.complete({ status: 201, body: i });
      expect(s.size).toBeLessThanOrEqual(3);
    }
    if (oldest.outcome === 'first') oldest.complete({ status: 201, body: 0 });
    expect(s.size).toBe(3);
    expect(s.claim('k1000', 'r')).toMatchObject({ outcome: 'replay', answer: { body: 1000 } });
    expect(s.claim('k0', 'r').outcome).toBe('first');
  });

  it('refuses a TTL or bound that is not a positive integer', () => {
    expect(() => new IdempotencyStore({ ttlMs: 0, maxEntries: 1 })).toThrow(RangeError);
    expect(() => new IdempotencyStore({ ttlMs: 1, maxEntries: 1.5 })).toThrow(RangeError);
  });
});
