import { trainSyntheticRulModel } from '../testing/synthetic-rul-model';
import { isMaintenanceError, MaintenanceErrorCode } from './maintenance-error';
import { restoreRulModel, rulModelHash, trainRulModel } from './rul-model';
import { scoreRul } from './score';
import { mulberry32 } from './seeded-random';

describe('trainRulModel on synthetic degradation', () => {
  const { channels, train, heldOut, model } = trainSyntheticRulModel();
  const cap = model.capCycles;
  // Held-out units cut at random cycles, as the C-MAPSS test set is; three cuts each.
  const next = mulberry32(11);
  const cuts = heldOut.flatMap((unit) =>
    [0, 1, 2].map(() => {
      const length = 1 + Math.floor(next() * unit.rows.length);
      return { rows: unit.rows.slice(0, length), truth: Math.min(cap, unit.rows.length - length) };
    }),
  );

  it('beats the constant-mean predictor by a clear margin on held-out units', () => {
    const truth = cuts.map((c) => c.truth);
    const modelScore = scoreRul(
      cuts.map((c) => model.predict(c.rows).rulCycles),
      truth,
    );
    const constantScore = scoreRul(
      cuts.map(() => model.toJSON().trainingMean),
      truth,
    );
    expect(modelScore.rmse).toBeLessThan(0.5 * constantScore.rmse);
  });

  it('sets intervals by the cycles actually left: they hold most held-out units, those beyond the cap too', () => {
    // Targets are capped, but the interval is about the unit: a healthy unit predicted at the cap may have far more.
    const actual = heldOut.flatMap((unit) =>
      [0.1, 0.3, 0.5, 0.7, 0.9].map((at) => {
        const length = Math.max(1, Math.floor(at * unit.rows.length));
        return { rows: unit.rows.slice(0, length), left: unit.rows.length - length };
      }),
    );
    const inside = actual.filter((c) => {
      const { low, high } = model.predict(c.rows);
      return low <= c.left && c.left <= high;
    }).length;
    expect(inside / actual.length).toBeGreaterThan(0.6);
    const early = model.predict(heldOut[0]!.rows.slice(0, 5));
    expect(early.high).toBeGreaterThan(early.rulCycles);
  });

  it('reports cross-validation metrics for every candidate and chooses the lowest RMSE', () => {
    const { candidates, chosen } = model.cvMetrics;
    expect(candidates.map((c) => c.name)).toEqual(['ridge', 'neural-network']);
    expect(candidates.every((c) => Number.isFinite(c.rmse) && c.count === train.length * 3)).toBe(true);
    expect(chosen).toBe(candidates.reduce((a, b) => (b.rmse < a.rmse ? b : a)).name);
  });

  it('never returns NaN, even for a one-row history or values far outside the training range', () => {
    for (const history of [[train[0]!.rows[0]!], [channels.map(() => 1e308)], [channels.map(() => -1e300)]]) {
      const { rulCycles, low, high } = model.predict(history);
      expect([rulCycles, low, high].every(Number.isFinite)).toBe(true);
      expect(low).toBeGreaterThanOrEqual(0);
      expect(low).toBeLessThanOrEqual(rulCycles);
      expect(high).toBeGreaterThanOrEqual(rulCycles);
      expect(rulCycles).toBeLessThanOrEqual(cap);
    }
  });

  it('refuses an empty history, a row of the wrong width and a non-finite value', () => {
    for (const history of [[], [[1]], [channels.map(() => Number.NaN)]]) {
      expect(() => model.predict(history)).toThrow(
        expect.objectContaining({ code: MaintenanceErrorCode.InvalidInput }),
      );
    }
  });

  it('is reproducible: the same seed gives the same model hash, another seed a different one', () => {
    expect(rulModelHash(trainSyntheticRulModel().model)).toBe(rulModelHash(model));
    expect(rulModelHash(trainSyntheticRulModel(2).model)).not.toBe(rulModelHash(model));
  });

  it('serialises kind, config, scaler and weights, and restores to the same predictions', () => {
    const json = JSON.parse(JSON.stringify(model.toJSON()));
    expect(json).toMatchObject({ kind: 'rul-model', version: 1, config: { channels, capCycles: cap } });
    expect(json.scaler.means).toHaveLength(channels.length * 3 + 1);
    const restored = restoreRulModel(json);
    for (const c of cuts.slice(0, 5)) expect(restored.predict(c.rows)).toEqual(model.predict(c.rows));
    expect(rulModelHash(restored)).toBe(rulModelHash(model));
  });

  it('refuses fewer than two units to cross-validate on', () => {
    try {
      trainRulModel(train.slice(0, 1), { channels });
      throw new Error('expected a throw');
    } catch (error) {
      expect(isMaintenanceError(error, MaintenanceErrorCode.InvalidInput)).toBe(true);
    }
  });
});
