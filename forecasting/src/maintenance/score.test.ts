import { scoreRul } from './score';

describe('scoreRul', () => {
  it('computes RMSE, MAE, F1 of RUL <= 30 and the PHM08 score on a hand-checked case', () => {
    // Errors: -10 (early), 0, +5 (late), +20 (late). Flags (<= 30): predicted [10, 25, 45, 60], true [20, 25, 40, 40].
    const score = scoreRul([10, 25, 45, 60], [20, 25, 40, 40]);
    expect(score.rmse).toBeCloseTo(Math.sqrt((100 + 0 + 25 + 400) / 4), 12);
    expect(score.mae).toBeCloseTo(35 / 4, 12);
    expect(score.precision).toBe(1);
    expect(score.recall).toBe(1);
    expect(score.f1At30).toBe(1);
    expect(score.nasaScore).toBeCloseTo(Math.exp(10 / 13) - 1 + 0 + Math.exp(0.5) - 1 + Math.exp(2) - 1, 12);
  });

  it('counts a missed and a false flag', () => {
    // true due: 10, 20; predicted due: 10 and 29 (the latter truly at 50). Unit truly at 20 predicted 40: missed.
    const score = scoreRul([10, 40, 29, 80], [10, 20, 50, 90]);
    expect(score.precision).toBe(0.5);
    expect(score.recall).toBe(0.5);
    expect(score.f1At30).toBe(0.5);
  });

  it('penalises late predictions more than early ones of the same size', () => {
    expect(scoreRul([30], [20]).nasaScore).toBeGreaterThan(scoreRul([10], [20]).nasaScore);
  });

  it('rejects mismatched or non-finite input', () => {
    expect(() => scoreRul([1, 2], [1])).toThrow(/2 predictions for 1/);
    expect(() => scoreRul([Number.NaN], [1])).toThrow(/not finite/);
  });
});
