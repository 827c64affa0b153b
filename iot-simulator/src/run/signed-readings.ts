import type { SignedReading } from '@provena/wire';
import { READING_FORMAT_VERSION } from '@provena/wire';
import type { ReadingSealer } from '../devices/key-store';
import type { SequenceStore } from '../devices/sequence-store';
import type { Sample } from '../models/sample';
import type { ScenarioPlan } from '../models/scenario-plan';

/**
 * Every sample of a plan, numbered from each device's sequence store and signed, in time order. The samples are
 * the same on every run of a scenario; sequence numbers continue from the store (a device never reuses one), so
 * two runs give identical readings only with two fresh stores.
 */
export async function* signedReadings(
  plan: ScenarioPlan,
  sealer: ReadingSealer,
  sequences: SequenceStore,
): AsyncGenerator<{ sample: Sample; signed: SignedReading }> {
  for (const sample of plan.samples()) {
    const signed = sealer.seal({
      v: READING_FORMAT_VERSION,
      deviceId: sample.deviceId,
      seq: await sequences.next(sample.deviceId),
      measuredAt: sample.measuredAt,
      ...(sample.shipmentId !== undefined && { shipmentId: sample.shipmentId }),
      measurements: sample.measurements,
    });
    yield { sample, signed };
  }
}
