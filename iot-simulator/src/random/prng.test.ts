import { newPrng } from './prng';

function draw(seed: number | string, n: number): number[] {
  const rng = newPrng(seed);
  return Array.from({ length: n }, () => rng.next());
}

describe('newPrng', () => {
  it('replays the same sequence from the same seed', () => {
    expect(draw(42, 1000)).toEqual(draw(42, 1000));
    expect(draw('42', 10)).toEqual(draw(42, 10));
  });

  it('gives unrelated sequences for neighbouring seeds', () => {
    const a = draw(1, 1000);
    const b = draw(2, 1000);
    expect(a.filter((x, i) => x === b[i])).toHaveLength(0);
  });

  it('stays in [0, 1) and is uniform enough for simulation (mean, variance, deciles)', () => {
    const xs = draw(7, 100_000);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(mean).toBeCloseTo(0.5, 2);
    expect(variance).toBeCloseTo(1 / 12, 2);
    const deciles = new Array<number>(10).fill(0);
    for (const x of xs) deciles[Math.floor(x * 10)]!++;
    for (const count of deciles) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it('forks named streams that do not depend on draws made before the fork', () => {
    const fresh = newPrng(9).fork('doors');
    const used = newPrng(9);
    for (let i = 0; i < 100; i++) used.next();
    const late = used.fork('doors');
    expect(Array.from({ length: 20 }, () => late.next())).toEqual(
      Array.from({ length: 20 }, () => fresh.next()),
    );
    expect(newPrng(9).fork('a').next()).not.toBe(newPrng(9).fork('b').next());
  });

  it('returns unsigned 32-bit integers', () => {
    const rng = newPrng(3);
    for (let i = 0; i < 1000; i++) {
      const n = rng.nextUint32();
      expect(Number.isInteger(n) && n >= 0 && n <= 0xffffffff).toBe(true);
    }
  });
});
