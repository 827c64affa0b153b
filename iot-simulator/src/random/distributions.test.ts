import {
  exponential,
  gamma,
  gaussian,
  logNormal,
  negativeBinomial,
  poisson,
  poissonProcess,
} from './distributions';
import { newPrng } from './prng';

function stats(xs: number[]): { mean: number; variance: number } {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return { mean, variance: xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1) };
}

function sample(n: number, f: () => number): number[] {
  return Array.from({ length: n }, f);
}

describe('distributions', () => {
  const rng = newPrng('distributions');

  it('gaussian has the requested mean and standard deviation', () => {
    const { mean, variance } = stats(sample(50_000, () => gaussian(rng, 5, 2)));
    expect(mean).toBeCloseTo(5, 1);
    expect(Math.sqrt(variance)).toBeCloseTo(2, 1);
  });

  it('exponential has mean 1 / rate', () => {
    expect(stats(sample(50_000, () => exponential(rng, 4))).mean).toBeCloseTo(0.25, 2);
  });

  it.each([0.7, 3, 45, 400])('poisson(%p) has mean and variance equal to the mean', (lambda) => {
    const { mean, variance } = stats(sample(20_000, () => poisson(rng, lambda)));
    expect(Math.abs(mean - lambda) / lambda).toBeLessThan(0.03);
    expect(Math.abs(variance - lambda) / lambda).toBeLessThan(0.08);
  });

  it('gamma has mean kθ and variance kθ² (shape above and below 1)', () => {
    for (const [k, theta] of [
      [0.5, 2],
      [4, 1.5],
    ] as const) {
      const { mean, variance } = stats(sample(40_000, () => gamma(rng, k, theta)));
      expect(Math.abs(mean - k * theta) / (k * theta)).toBeLessThan(0.03);
      expect(Math.abs(variance - k * theta * theta) / (k * theta * theta)).toBeLessThan(0.08);
    }
  });

  it('negative binomial is over-dispersed: variance = mean + mean² / k', () => {
    const { mean, variance } = stats(sample(40_000, () => negativeBinomial(rng, 20, 5)));
    expect(Math.abs(mean - 20) / 20).toBeLessThan(0.03);
    expect(Math.abs(variance - 100) / 100).toBeLessThan(0.1);
  });

  it('log-normal median is exp(mu)', () => {
    const xs = sample(20_001, () => logNormal(rng, 0, 0.3)).sort((a, b) => a - b);
    expect(xs[10_000]).toBeCloseTo(1, 1);
  });

  it('poisson process has the configured rate and sorted times inside the window', () => {
    const times = poissonProcess(rng, 0.01, 1000, 1_001_000);
    expect(Math.abs(times.length - 10_000) / 10_000).toBeLessThan(0.05);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(times[0]).toBeGreaterThanOrEqual(1000);
    expect(times.at(-1)).toBeLessThan(1_001_000);
  });
});
