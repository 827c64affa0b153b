import type { Measurements } from '@provena/wire';

/** What a sensor model produces for one instant: a reading before it gets a sequence number and a signature. */
export interface Sample {
  deviceId: string;
  measuredAt: number;
  shipmentId?: string;
  measurements: Measurements;
}

/** Rounds to `decimals` places: real sensors report a fixed resolution, and short numbers keep envelopes small. */
export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  const rounded = Math.round(value * factor) / factor;
  return Object.is(rounded, -0) ? 0 : rounded;
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
