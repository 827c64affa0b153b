/**
 * mulberry32: a 32-bit PRNG with a full 2^32 period, good enough to initialise and shuffle a network and small
 * enough to read. Returns floats in [0, 1), like `Math.random`.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs `fn` with `Math.random` replaced by a seeded {@link mulberry32}, and puts the original back afterwards,
 * even when `fn` throws. brain.js 1.6 draws its initial weights from `Math.random` and takes no seed; without
 * this, two trainings on the same data give different networks, so neither the model nor its hash could be
 * reproduced. Synchronous only: an `await` inside `fn` would let other code run with the seeded generator.
 *
 * @example
 * ```ts
 * const a = withSeededRandom(7, () => Math.random());
 * const b = withSeededRandom(7, () => Math.random()); // a === b
 * ```
 */
export function withSeededRandom<T>(seed: number, fn: () => T): T {
  const original = Math.random;
  Math.random = mulberry32(seed);
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}
