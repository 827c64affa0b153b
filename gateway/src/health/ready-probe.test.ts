import { CachedProbe } from './ready-probe';

/** A probe whose answers the test releases one by one, counting how often it was asked. */
function controlledProbe() {
  const waiting: ((value: boolean) => void)[] = [];
  let calls = 0;
  return {
    probe: () => {
      calls += 1;
      return new Promise<boolean>((resolve) => waiting.push(resolve));
    },
    answer: (value: boolean) => waiting.shift()?.(value),
    calls: () => calls,
  };
}

describe('CachedProbe', () => {
  let now: number;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('runs one probe for every caller that asks while it is under way', async () => {
    const ledger = controlledProbe();
    const ready = new CachedProbe({ probe: ledger.probe, ttlMs: 2000, now: () => now });
    const answers = Array.from({ length: 100 }, () => ready.check());
    expect(ledger.calls()).toBe(1);
    ledger.answer(true);
    expect(await Promise.all(answers)).toEqual(Array<boolean>(100).fill(true));
  });

  it('reuses an answer for the TTL after it came back, then probes again', async () => {
    const ledger = controlledProbe();
    const ready = new CachedProbe({ probe: ledger.probe, ttlMs: 2000, now: () => now });
    const first = ready.check();
    now += 5000; // a slow probe: the TTL runs from its answer, not its start
    ledger.answer(false);
    expect(await first).toBe(false);
    now += 1999;
    expect(await ready.check()).toBe(false);
    expect(ledger.calls()).toBe(1);
    now += 1;
    const second = ready.check();
    expect(ledger.calls()).toBe(2);
    ledger.answer(true);
    expect(await second).toBe(true);
  });

  it('counts a probe that throws as not ready, and caches that too', async () => {
    let calls = 0;
    const ready = new CachedProbe({
      probe: () => {
        calls += 1;
        return Promise.reject(new Error('peer unreachable'));
      },
      ttlMs: 2000,
      now: () => now,
    });
    expect(await ready.check()).toBe(false);
    expect(await ready.check()).toBe(false);
    expect(calls).toBe(1);
  });

  it('with a TTL of 0 probes on every request, still one at a time', async () => {
    const ledger = controlledProbe();
    const ready = new CachedProbe({ probe: ledger.probe, ttlMs: 0, now: () => now });
    const together = [ready.check(), ready.check()];
    ledger.answer(true);
    await Promise.all(together);
    const later = ready.check();
    ledger.answer(true);
    await later;
    expect(ledger.calls()).toBe(2);
  });

  it('refuses a negative TTL', () => {
    expect(() => new CachedProbe({ probe: async () => true, ttlMs: -1 })).toThrow(RangeError);
  });
});
