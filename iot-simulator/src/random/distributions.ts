import type { Prng } from './prng';

/** Uniform in [min, max). */
export function uniform(rng: Prng, min: number, max: number): number {
  return min + (max - min) * rng.next();
}

/**
 * Normal variate by Box-Muller. Only the cosine branch is used: caching the sine twin would make a draw depend
 * on whether the previous call was odd or even, which breaks replay when models are reordered.
 */
export function gaussian(rng: Prng, mean = 0, sd = 1): number {
  const u1 = 1 - rng.next(); // (0, 1]: log(0) would be -Infinity
  const u2 = rng.next();
  return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Exponential variate with the given rate (events per unit); mean 1 / rate. */
export function exponential(rng: Prng, rate: number): number {
  return -Math.log(1 - rng.next()) / rate;
}

/** Log-normal variate: exp of a normal with the given mean and sd of the log. */
export function logNormal(rng: Prng, mu: number, sigma: number): number {
  return Math.exp(gaussian(rng, mu, sigma));
}

/** Knuth's product method is exact but underflows for large means, so large means are summed from small chunks. */
const POISSON_CHUNK = 30;

/** Poisson variate with the given mean (exact; cost grows linearly with the mean, fine for daily order counts). */
export function poisson(rng: Prng, mean: number): number {
  if (!(mean > 0)) return 0;
  let remaining = mean;
  let count = 0;
  while (remaining > 0) {
    const chunk = Math.min(remaining, POISSON_CHUNK);
    remaining -= chunk;
    const limit = Math.exp(-chunk);
    let product = rng.next();
    while (product > limit) {
      count++;
      product *= rng.next();
    }
  }
  return count;
}

/** Gamma variate (shape k, scale θ) by Marsaglia and Tsang's squeeze method; shape < 1 via the boost u^(1/k). */
export function gamma(rng: Prng, shape: number, scale: number): number {
  if (shape < 1) return gamma(rng, shape + 1, scale) * Math.pow(1 - rng.next(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = gaussian(rng);
    const v0 = 1 + c * x;
    if (v0 <= 0) continue;
    const v = v0 * v0 * v0;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v * scale;
  }
}

/**
 * Negative binomial variate as a gamma-Poisson mixture with the given mean and dispersion k:
 * variance = mean + mean² / k. Real order counts are over-dispersed; k → ∞ tends to Poisson.
 */
export function negativeBinomial(rng: Prng, mean: number, dispersion: number): number {
  if (!(mean > 0)) return 0;
  return poisson(rng, gamma(rng, dispersion, mean / dispersion));
}

/** Event times of a homogeneous Poisson process with `ratePerMs` on [fromMs, toMs), in increasing order. */
export function poissonProcess(rng: Prng, ratePerMs: number, fromMs: number, toMs: number): number[] {
  const times: number[] = [];
  if (!(ratePerMs > 0)) return times;
  for (let t = fromMs + exponential(rng, ratePerMs); t < toMs; t += exponential(rng, ratePerMs)) {
    times.push(t);
  }
  return times;
}
