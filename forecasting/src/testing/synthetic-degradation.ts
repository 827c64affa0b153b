import { mulberry32 } from '../maintenance/seeded-random';
import type { UnitHistory } from '../maintenance/unit-history';

/** Options of {@link syntheticDegradation}. */
export interface SyntheticDegradationOptions {
  readonly units: number;
  readonly minLife?: number;
  readonly maxLife?: number;
  /** Standard deviation of the per-cycle noise, relative to the full wear-driven drift of a channel. */
  readonly noise?: number;
  readonly seed?: number;
}

/** Channels of {@link syntheticDegradation}: two wear channels, one pure-noise channel and one constant. */
export const SYNTHETIC_CHANNELS = ['vibration_rms', 'bearing_temp', 'ambient_noise', 'rated_speed'] as const;

/**
 * Run-to-failure histories that behave like worn machinery: wear grows faster towards the end of life
 * (`(t / life)^2`), vibration rises and temperature follows it, each around a unit-specific baseline with noise;
 * one channel is noise only and one is constant, so channel selection has something to drop. The last row of
 * each unit is its failure cycle.
 */
export function syntheticDegradation({
  units,
  minLife = 80,
  maxLife = 160,
  noise = 0.05,
  seed = 42,
}: SyntheticDegradationOptions): UnitHistory[] {
  const random = mulberry32(seed);
  const gaussian = (): number => {
    const u = Math.max(random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  return Array.from({ length: units }, (_, u) => {
    const life = minLife + Math.floor(random() * (maxLife - minLife + 1));
    const vibrationBase = 0.4 + 0.02 * gaussian();
    const temperatureBase = 60 + 0.6 * gaussian();
    const rows = Array.from({ length: life }, (_, i) => {
      const wear = ((i + 1) / life) ** 2;
      return [
        vibrationBase + 0.6 * wear + 0.6 * noise * gaussian(),
        temperatureBase + 12 * wear + 12 * noise * gaussian(),
        5 + gaussian(),
        1500,
      ];
    });
    return { unitId: `unit-${u + 1}`, rows };
  });
}
