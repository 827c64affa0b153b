import type { KeyObject } from 'node:crypto';
import {
  encodeSignedReading,
  Limits,
  READING_FORMAT_VERSION,
  RefusalCode,
  sealReading,
  type Measurements,
  type Reading,
  type SignedReading,
} from '@provena/wire';
import { SimulatorError, SimulatorErrorCode } from '../errors';

/** What the system must do with one payload: accept it, answer DUPLICATE, or refuse it with a code. */
export type HostileVerdict = 'ACCEPTED' | 'DUPLICATE' | RefusalCode;

export interface HostilePayload {
  /** The device whose reading topic the payload goes to. */
  deviceId: string;
  bytes: Buffer;
  expect: HostileVerdict;
}

export interface HostileExample {
  mode: HostileMode;
  description: string;
  /** In publishing order: a replay needs its original first. */
  payloads: HostilePayload[];
}

export const HOSTILE_MODES = [
  'tampered',
  'wrong-key',
  'replay',
  'sequence-reset',
  'clock-skew',
  'malformed-json',
  'oversized',
  'unknown-device',
  'flood',
] as const;

export type HostileMode = (typeof HOSTILE_MODES)[number];

/** Inputs of a hostile example. Everything random (keys, fresh sequence numbers, the clock) comes in from here. */
export interface HostileContext {
  /** A provisioned device. */
  deviceId: string;
  /** Signs with the device's registered key (a key store's `seal`). */
  seal(reading: Reading): SignedReading;
  /** A P-256 private key that is not the device's: the attacker's. */
  foreignKey: KeyObject;
  /** Fresh sequence numbers of the device, never used before; {@link sequenceNumbersNeeded} says how many. */
  seqs: readonly number[];
  /** The receiver's clock, Unix ms. Normal readings are measured a second before it. */
  nowMs: number;
  /** An id no device is registered under, for `unknown-device`. */
  unknownDeviceId: string;
  /** How far ahead `clock-skew` puts measuredAt (default 24 h, far beyond any sane tolerance). */
  skewMs?: number;
  /** Readings in a `flood` (default 1,000). */
  floodCount?: number;
  shipmentId?: string;
}

/** Fresh sequence numbers a mode uses. */
export function sequenceNumbersNeeded(mode: HostileMode, floodCount = 1000): number {
  if (mode === 'flood') return floodCount;
  return mode === 'unknown-device' ? 0 : 1;
}

const DEFAULT_SKEW_MS = 24 * 3_600_000;

function reading(
  ctx: HostileContext,
  seq: number,
  measurements: Measurements,
  deviceId = ctx.deviceId,
): Reading {
  return {
    v: READING_FORMAT_VERSION,
    deviceId,
    seq,
    measuredAt: ctx.nowMs - 1000,
    ...(ctx.shipmentId !== undefined && { shipmentId: ctx.shipmentId }),
    measurements,
  };
}

function seqAt(ctx: HostileContext, index: number, mode: HostileMode): number {
  const seq = ctx.seqs[index];
  if (seq === undefined) {
    throw new SimulatorError(
      SimulatorErrorCode.BadArgument,
      `${mode} needs ${index + 1} fresh sequence numbers`,
    );
  }
  return seq;
}

const NORMAL: Measurements = { temperatureC: 4.6, humidityPct: 71.2 };

/**
 * Builds one hostile example: the exact bytes to publish and the verdict the gateway and chaincode must reach
 * for each. Deterministic apart from ECDSA's random signatures.
 * @throws {@link SimulatorError} BAD_ARGUMENT when `seqs` holds too few numbers.
 */
export function buildHostileExample(mode: HostileMode, ctx: HostileContext): HostileExample {
  const one = (bytes: Buffer, expect: HostileVerdict, deviceId = ctx.deviceId): HostilePayload[] => [
    { deviceId, bytes, expect },
  ];
  switch (mode) {
    case 'tampered': {
      // Raise the temperature after signing, as a carrier hiding a breach would in reverse: the bytes still parse.
      const signed = ctx.seal(reading(ctx, seqAt(ctx, 0, mode), { temperatureC: 9.8 }));
      const forged = { ...signed, reading: { ...signed.reading, measurements: { temperatureC: 4.8 } } };
      return {
        mode,
        description: 'a valid reading whose temperature was changed after signing',
        payloads: one(encodeSignedReading(forged), RefusalCode.BadSignature),
      };
    }
    case 'wrong-key':
      return {
        mode,
        description:
          "a well-formed reading in the device's name, signed with a key that is not the registered one",
        payloads: one(
          encodeSignedReading(sealReading(reading(ctx, seqAt(ctx, 0, mode), NORMAL), ctx.foreignKey)),
          RefusalCode.BadSignature,
        ),
      };
    case 'replay': {
      const bytes = encodeSignedReading(ctx.seal(reading(ctx, seqAt(ctx, 0, mode), NORMAL)));
      return {
        mode,
        description: 'a valid reading, then the exact same envelope again',
        payloads: [
          { deviceId: ctx.deviceId, bytes, expect: 'ACCEPTED' },
          { deviceId: ctx.deviceId, bytes: Buffer.from(bytes), expect: 'DUPLICATE' },
        ],
      };
    }
    case 'sequence-reset': {
      const seq = seqAt(ctx, 0, mode);
      return {
        mode,
        description:
          'a valid reading, then a different, validly signed reading with the same sequence number',
        payloads: [
          {
            deviceId: ctx.deviceId,
            bytes: encodeSignedReading(ctx.seal(reading(ctx, seq, NORMAL))),
            expect: 'ACCEPTED',
          },
          {
            deviceId: ctx.deviceId,
            bytes: encodeSignedReading(ctx.seal(reading(ctx, seq, { temperatureC: 5.1, humidityPct: 70.4 }))),
            expect: RefusalCode.SequenceReused,
          },
        ],
      };
    }
    case 'clock-skew': {
      const skewed = {
        ...reading(ctx, seqAt(ctx, 0, mode), NORMAL),
        measuredAt: ctx.nowMs + (ctx.skewMs ?? DEFAULT_SKEW_MS),
      };
      return {
        mode,
        description: `a validly signed reading measured ${(ctx.skewMs ?? DEFAULT_SKEW_MS) / 3_600_000} h in the future`,
        payloads: one(encodeSignedReading(ctx.seal(skewed)), RefusalCode.ClockSkew),
      };
    }
    case 'malformed-json': {
      const bytes = encodeSignedReading(ctx.seal(reading(ctx, seqAt(ctx, 0, mode), NORMAL)));
      // A truncated envelope: what a device with a full send buffer or a broken serialiser emits.
      return {
        mode,
        description: 'a signed envelope cut off in the middle',
        payloads: one(bytes.subarray(0, Math.floor(bytes.length / 2)), RefusalCode.MalformedJson),
      };
    }
    case 'oversized': {
      const bytes = encodeSignedReading(ctx.seal(reading(ctx, seqAt(ctx, 0, mode), NORMAL)));
      // Valid JSON, valid signature, only too big: trailing whitespace isolates the size limit as the reason.
      const padded = Buffer.concat([bytes, Buffer.alloc(Limits.maxEnvelopeBytes + 1 - bytes.length, 0x20)]);
      return {
        mode,
        description: `a valid envelope padded to ${padded.length} bytes (limit ${Limits.maxEnvelopeBytes})`,
        payloads: one(padded, RefusalCode.TooLarge),
      };
    }
    case 'unknown-device':
      return {
        mode,
        description: `a well-formed reading from "${ctx.unknownDeviceId}", which was never provisioned`,
        payloads: one(
          encodeSignedReading(sealReading(reading(ctx, 1, NORMAL, ctx.unknownDeviceId), ctx.foreignKey)),
          RefusalCode.UnknownDevice,
          ctx.unknownDeviceId,
        ),
      };
    case 'flood': {
      const count = ctx.floodCount ?? 1000;
      const payloads: HostilePayload[] = [];
      for (let i = 0; i < count; i++) {
        const r = {
          ...reading(ctx, seqAt(ctx, i, mode), { temperatureC: 4.5 + (i % 10) / 10 }),
          measuredAt: ctx.nowMs - count + i,
        };
        payloads.push({
          deviceId: ctx.deviceId,
          bytes: encodeSignedReading(ctx.seal(r)),
          expect: 'ACCEPTED',
        });
      }
      return {
        mode,
        description:
          `${count} valid readings from one device as fast as the broker takes them. None may be lost: each is ` +
          'recorded, or refused with a notice on the rejection topic if the gateway rate-limits; silence is a failure',
        payloads,
      };
    }
  }
}
