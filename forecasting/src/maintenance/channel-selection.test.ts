import { SYNTHETIC_CHANNELS, syntheticDegradation } from '../testing/synthetic-degradation';
import { projectChannels, selectInformativeChannels } from './channel-selection';

describe('selectInformativeChannels', () => {
  const units = syntheticDegradation({ units: 10 });

  it('keeps channels that drift with wear and drops pure noise and constants', () => {
    const selection = selectInformativeChannels(units, SYNTHETIC_CHANNELS);
    expect(selection.channels).toEqual(['vibration_rms', 'bearing_temp']);
    expect(selection.indices).toEqual([0, 1]);
    expect(selection.statistics.map((s) => s.reason)).toEqual([
      'informative',
      'informative',
      'noise',
      'constant',
    ]);
  });

  it('projects histories onto the chosen columns', () => {
    const [first] = projectChannels(units, [1, 0]);
    expect(first!.rows[0]).toEqual([units[0]!.rows[0]![1], units[0]!.rows[0]![0]]);
  });
});
