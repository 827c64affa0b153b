import type { ChannelNames, UnitHistory } from './unit-history';

/** Thresholds of {@link selectInformativeChannels}; the defaults separate C-MAPSS's noise from its signal widely. */
export interface ChannelSelectionOptions {
  /**
   * A channel whose standard deviation is at most this share of `max(1, |mean|)` is constant. Relative, because
   * C-MAPSS's "constant" sensors still vary in the 13th digit after parsing.
   */
  readonly constantTolerance?: number;
  /**
   * Least {@link ChannelStatistics.trendShare} a channel needs to be kept. In FD001 the operating settings and
   * sensor 6 score below 0.1 and every informative sensor above 0.55, so 0.3 sits in a wide gap.
   */
  readonly minTrendShare?: number;
}

/** What the selection measured for one channel and why it kept or dropped it. */
export interface ChannelStatistics {
  readonly channel: string;
  readonly mean: number;
  readonly variance: number;
  /**
   * Share of the channel's variance that persists from one cycle to the next: `1 - E[(x_t - x_{t-1})^2] / (2 var)`
   * over consecutive cycles of the same unit (one minus half the von Neumann ratio). Cycle-to-cycle noise scores
   * about 0; a channel that drifts with wear, or differs from unit to unit, scores near 1.
   */
  readonly trendShare: number;
  readonly kept: boolean;
  readonly reason: 'informative' | 'constant' | 'noise';
}

/** The channels worth modelling, as column indices into the input rows, and the statistics behind the choice. */
export interface ChannelSelection {
  readonly indices: readonly number[];
  readonly channels: ChannelNames;
  readonly statistics: readonly ChannelStatistics[];
}

/**
 * Picks the channels that carry information about wear, from the data rather than from a list, so the same code
 * serves C-MAPSS and ledger telemetry with other channels. A channel is dropped when it is constant, or when its
 * variance is mostly cycle-to-cycle noise (operating-setting jitter, a sensor toggling between two quantisation
 * steps): such channels only add noise features and give a model something to overfit.
 *
 * @example
 * ```ts
 * const { indices, channels } = selectInformativeChannels(train, allChannels);
 * const trimmed = projectChannels(train, indices);
 * ```
 */
export function selectInformativeChannels(
  units: readonly UnitHistory[],
  channels: ChannelNames,
  { constantTolerance = 1e-9, minTrendShare = 0.3 }: ChannelSelectionOptions = {},
): ChannelSelection {
  const statistics = channels.map((channel, c): ChannelStatistics => {
    let count = 0;
    let sum = 0;
    for (const unit of units) {
      for (const row of unit.rows) {
        sum += row[c] ?? 0;
        count += 1;
      }
    }
    const mean = count > 0 ? sum / count : 0;
    let squares = 0;
    let steps = 0;
    let stepSquares = 0;
    for (const unit of units) {
      unit.rows.forEach((row, i) => {
        const value = row[c] ?? 0;
        squares += (value - mean) ** 2;
        const previous = unit.rows[i - 1];
        if (previous !== undefined) {
          stepSquares += (value - (previous[c] ?? 0)) ** 2;
          steps += 1;
        }
      });
    }
    const variance = count > 0 ? squares / count : 0;
    const constant = Math.sqrt(variance) <= constantTolerance * Math.max(1, Math.abs(mean));
    const trendShare = constant || steps === 0 ? 0 : 1 - stepSquares / steps / (2 * variance);
    const reason = constant ? 'constant' : trendShare < minTrendShare ? 'noise' : 'informative';
    return { channel, mean, variance, trendShare, kept: reason === 'informative', reason };
  });
  const indices = statistics.flatMap((s, c) => (s.kept ? [c] : []));
  return { indices, channels: indices.map((c) => channels[c] ?? String(c)), statistics };
}

/** The histories with only the given columns, in the given order. */
export function projectChannels(units: readonly UnitHistory[], indices: readonly number[]): UnitHistory[] {
  return units.map((unit) => ({
    unitId: unit.unitId,
    rows: unit.rows.map((row) => indices.map((c) => row[c] ?? Number.NaN)),
  }));
}
