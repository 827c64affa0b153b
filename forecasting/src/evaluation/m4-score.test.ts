import { AIR_PASSENGERS_1949_1954 as AIR } from '../testing/air-passengers';
import { m4Mase, m4MaseScale, m4Smape, scoreM4Panel } from './m4-score';

describe('M4 scores', () => {
  // R, M4's smape_cal / mase_cal on insample = ts(AIR[1:30], frequency = 12), outsample = AIR[31:36].
  const history = AIR.slice(0, 30);
  const actual = AIR.slice(30, 36);
  const forecast = [150, 160, 170, 160, 150, 140];

  it('sMAPE and MASE (seasonal scale, lag 12) equal what M4 evaluation code computes', () => {
    expect(m4Smape(actual, forecast)).toBeCloseTo(13.10920933742955, 12);
    expect(m4Mase(history, actual, forecast, 12)).toBeCloseTo(1.14529914529915, 12);
  });

  it('scales by the mean absolute difference at the lag, and takes panel means and OWA', () => {
    expect(m4MaseScale([1, 3, 2, 6], 1)).toBeCloseTo((2 + 1 + 4) / 3, 12);
    expect(m4MaseScale([1, 3, 2, 6], 2)).toBeCloseTo((1 + 3) / 2, 12);
    const panel = [
      { history: [1, 2, 3], future: [4, 4], forecast: [4, 4] },
      { history: [1, 2, 3], future: [4, 4], forecast: [2, 2] },
    ];
    const score = scoreM4Panel(panel, 1, { smape: 20, mase: 2 });
    expect(score.smape).toBeCloseTo((0 + (200 * 2) / 6) / 2, 12);
    expect(score.mase).toBeCloseTo((0 + 2) / 2, 12);
    expect(score.owa).toBeCloseTo(0.5 * (score.smape / 20 + score.mase / 2), 12);
  });

  it('gives what R gives where a term divides by 0: NaN for 0/0 in sMAPE, Infinity for a flat history', () => {
    expect(m4Smape([0], [0])).toBeNaN();
    expect(m4Mase([5, 5, 5], [5], [6], 1)).toBe(Infinity);
  });
});
