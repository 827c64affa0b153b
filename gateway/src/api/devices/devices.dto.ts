import { Limits } from '@provena/wire';
import { z } from 'zod';
import { IdSchema, PublicKeyPemSchema, textSchema } from '../validation/request.schemas';

/** POST /devices: a device to register, with its first signing key (valid from sequence number 1). */
export const ProvisionDeviceBody = z.strictObject({
  deviceId: IdSchema,
  publicKeyPem: PublicKeyPemSchema,
  /** Defaults to the caller's organisation; an admin may provision only its own organisation's devices. */
  ownerOrg: IdSchema.optional(),
  kind: IdSchema,
  metadata: z.record(IdSchema, textSchema({ allowEmpty: true })).optional(),
});
/** A validated `ProvisionDeviceBody`. */
export type ProvisionDevice = z.infer<typeof ProvisionDeviceBody>;

/** POST /devices/:deviceId/rotate: the new key and the first sequence number it signs. */
export const RotateDeviceKeyBody = z.strictObject({
  publicKeyPem: PublicKeyPemSchema,
  effectiveFromSeq: z.number().int().min(1).max(Limits.maxSeq),
});
/** A validated `RotateDeviceKeyBody`. */
export type RotateDeviceKey = z.infer<typeof RotateDeviceKeyBody>;

/** POST /devices/:deviceId/revoke. */
export const RevokeDeviceBody = z.strictObject({ reason: textSchema() });
/** A validated `RevokeDeviceBody`. */
export type RevokeDevice = z.infer<typeof RevokeDeviceBody>;
