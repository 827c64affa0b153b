import { projectChannels, selectInformativeChannels } from '../maintenance/channel-selection';
import { networkSpec, trainRulModel, type RulModel, type RulModelOptions } from '../maintenance/rul-model';
import type { UnitHistory } from '../maintenance/unit-history';
import { SYNTHETIC_CHANNELS, syntheticDegradation } from './synthetic-degradation';

/** A small, fast model configuration for unit tests: ridge and one small network, 3 folds. */
export const FAST_MODEL_OPTIONS: Omit<RulModelOptions, 'channels'> = {
  capCycles: 60,
  stride: 2,
  folds: 3,
  cutsPerUnit: 3,
  features: { window: 15 },
  candidates: [
    { name: 'ridge', members: [{ kind: 'ridge', lambda: 1 }] },
    {
      name: 'neural-network',
      members: [networkSpec(1, { hiddenLayers: [8], epochs: 30, learningRate: 0.05 })],
    },
  ],
};

/** A model trained on synthetic degradation units, with held-out units from another seed to test it on. */
export function trainSyntheticRulModel(seed = 1): {
  channels: string[];
  train: UnitHistory[];
  heldOut: UnitHistory[];
  model: RulModel;
} {
  const all = syntheticDegradation({ units: 30, seed: 42 });
  const selection = selectInformativeChannels(all, SYNTHETIC_CHANNELS);
  const channels = [...selection.channels];
  const train = projectChannels(all, selection.indices);
  const heldOut = projectChannels(syntheticDegradation({ units: 20, seed: 4242 }), selection.indices);
  return { channels, train, heldOut, model: trainRulModel(train, { channels, ...FAST_MODEL_OPTIONS, seed }) };
}
