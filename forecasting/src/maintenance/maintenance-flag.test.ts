import { trainSyntheticRulModel } from '../testing/synthetic-rul-model';
import { assessMaintenance } from './maintenance-flag';

describe('assessMaintenance', () => {
  const { channels, heldOut, model } = trainSyntheticRulModel();
  const unit = heldOut[0]!;
  const nearFailure = unit.rows.slice(0, unit.rows.length - 5);
  const fresh = unit.rows.slice(0, 20);

  it('flags a unit 5 cycles from failure, with confidence and an interval around the prediction', () => {
    const assessment = assessMaintenance(unit.unitId, nearFailure, model, { thresholdCycles: 30 });
    expect(assessment.flag).toBe(true);
    expect(assessment.unitId).toBe(unit.unitId);
    expect(assessment.predictedCyclesLeft).toBeLessThan(20);
    expect(assessment.confidence).toBeGreaterThan(0.8);
    expect(assessment.interval[0]).toBeLessThanOrEqual(assessment.predictedCyclesLeft);
    expect(assessment.interval[1]).toBeGreaterThanOrEqual(assessment.predictedCyclesLeft);
    expect(assessment.evidence.cyclesObserved).toBe(nearFailure.length);
    expect(assessment.evidence.recentTrend.map((t) => t.channel)).toEqual(channels);
    // Wear shows as rising vibration late in life.
    expect(assessment.evidence.recentTrend[0]!.slopePerCycle).toBeGreaterThan(0);
  });

  it('does not flag a fresh unit, and is confident it need not', () => {
    const assessment = assessMaintenance(unit.unitId, fresh, model, { thresholdCycles: 30 });
    expect(assessment.flag).toBe(false);
    expect(assessment.predictedCyclesLeft).toBeGreaterThan(40);
    expect(assessment.confidence).toBeLessThan(0.1);
    expect(assessment.evidence.windowCycles).toBe(Math.min(20, model.features.window));
  });

  it('rejects a negative threshold', () => {
    expect(() => assessMaintenance('u', fresh, model, { thresholdCycles: -1 })).toThrow(/thresholdCycles/);
  });
});
