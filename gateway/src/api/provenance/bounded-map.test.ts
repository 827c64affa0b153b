import { mapBounded } from './bounded-map';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('mapBounded', () => {
  it('keeps at most `limit` calls in flight and returns results in input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const items = Array.from({ length: 30 }, (_, i) => i);
    const results = await mapBounded(items, 8, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await tick();
      // Later items finish sooner, so order comes from the index, not from completion.
      if (n % 2 === 0) await tick();
      inFlight--;
      return n * 10;
    });
    expect(peak).toBe(8);
    expect(results).toEqual(items.map((n) => n * 10));
  });

  it('starts no new call after a failure and rejects with it', async () => {
    const started: number[] = [];
    const run = mapBounded([1, 2, 3, 4, 5, 6], 2, async (n) => {
      started.push(n);
      await tick();
      if (n === 2) throw new Error('lookup failed');
      return n;
    });
    await expect(run).rejects.toThrow('lookup failed');
    expect(started).toEqual([1, 2, 3]);
  });

  it('returns nothing for nothing', async () => {
    await expect(mapBounded([], 8, async () => 1)).resolves.toEqual([]);
  });
});
