/**
 * A small seeded pseudo-random generator: xoshiro128** (Blackman and Vigna), seeded through a string hash and
 * the SplitMix32 finaliser. `Math.random` cannot be seeded, and scenarios must replay exactly from their seed.
 */
export interface Prng {
  /** Uniform in [0, 1), 53 bits of resolution. */
  next(): number;
  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /**
   * An independent generator for a named sub-stream. It depends only on this generator's seed and the name, not
   * on how many numbers were drawn, so adding a draw in one part of a model cannot shift another part.
   */
  fork(name: string): Prng;
}

/** FNV-1a over UTF-16 code units: cheap, and good enough to spread seed material before SplitMix32 mixes it. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** SplitMix32 step: a Weyl increment then the MurmurHash3 finaliser, so nearby seeds give unrelated states. */
function splitMix32(state: { value: number }): number {
  state.value = (state.value + 0x9e3779b9) >>> 0;
  let z = state.value;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

class Xoshiro128StarStar implements Prng {
  readonly #s = new Uint32Array(4);

  constructor(readonly material: string) {
    const mix = { value: hashString(material) };
    for (let i = 0; i < 4; i++) this.#s[i] = splitMix32(mix);
    // The all-zero state is the one fixed point of xoshiro; SplitMix32 never yields four zeros, but be certain.
    if (this.#s.every((word) => word === 0)) this.#s[0] = 1;
  }

  nextUint32(): number {
    const s = this.#s;
    const s0 = s[0]!;
    const s1 = s[1]!;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s[2]! ^= s0;
    s[3]! ^= s1;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  next(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  fork(name: string): Prng {
    return new Xoshiro128StarStar(`${this.material}/${name}`);
  }
}

/**
 * A generator for a seed. Numbers and strings are both accepted; `newPrng(42)` and `newPrng('42')` are the same.
 * @example
 * const rng = newPrng(42).fork('devices/dev-01');
 * const u = rng.next();
 */
export function newPrng(seed: number | string): Prng {
  return new Xoshiro128StarStar(String(seed));
}
