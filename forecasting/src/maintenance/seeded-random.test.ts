import { trainNetwork } from './rul-network';
import { mulberry32, withSeededRandom } from './seeded-random';

describe('withSeededRandom', () => {
  it('gives the same draws for the same seed and different ones for another', () => {
    const draw = (): number[] => [Math.random(), Math.random(), Math.random()];
    expect(withSeededRandom(7, draw)).toEqual(withSeededRandom(7, draw));
    expect(withSeededRandom(7, draw)).not.toEqual(withSeededRandom(8, draw));
    expect(withSeededRandom(7, draw)[0]).toBe(mulberry32(7)());
  });

  it('puts Math.random back afterwards, also when the function throws', () => {
    const original = Math.random;
    expect(() =>
      withSeededRandom(1, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(Math.random).toBe(original);
    withSeededRandom(1, () => 0);
    expect(Math.random).toBe(original);
  });

  it('draws uniformly from [0, 1)', () => {
    const next = mulberry32(123);
    const draws = Array.from({ length: 20_000 }, next);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    expect(draws.reduce((s, v) => s + v, 0) / draws.length).toBeCloseTo(0.5, 2);
  });
});

describe('seeded brain.js training', () => {
  const next = mulberry32(5);
  const inputs = Array.from({ length: 200 }, () => [next() * 2 - 1, next() * 2 - 1, next() * 2 - 1]);
  const targets = inputs.map(([a = 0, b = 0]) => 0.5 + 0.3 * Math.tanh(a - b));
  const spec = (seed: number) =>
    ({
      kind: 'neural-network',
      hiddenLayers: [6],
      activation: 'sigmoid',
      epochs: 5,
      learningRate: 0.1,
      momentum: 0.5,
      seed,
    }) as const;

  it('gives identical weights for the same seed and different weights for another seed', () => {
    const first = trainNetwork(spec(1), inputs, targets).toJSON();
    const again = trainNetwork(spec(1), inputs, targets).toJSON();
    const other = trainNetwork(spec(2), inputs, targets).toJSON();
    expect(again).toEqual(first);
    expect(other.weights).not.toEqual(first.weights);
    expect(first.sizes).toEqual([3, 6, 1]);
  });
});
