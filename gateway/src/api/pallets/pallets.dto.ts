import { z } from 'zod';
import { IdSchema, idListSchema, textSchema } from '../validation/request.schemas';

/** Cases one pack or unpack may name (the chaincode's MAX_CASES_PER_CALL). */
export const MAX_CASES_PER_CALL = 100;
/** Devices one attach or detach may name (the chaincode's MAX_DEVICES_PER_CALL). */
export const MAX_DEVICES_PER_CALL = 100;

/** POST /pallets: the caller's organisation becomes owner and first custodian of an empty pallet. */
export const CreatePalletBody = z.strictObject({ palletId: IdSchema });
/** A validated `CreatePalletBody`. */
export type CreatePallet = z.infer<typeof CreatePalletBody>;

/** POST /pallets/:palletId/pack and /unpack: the cases (shipment ids) to put on or take off. */
export const CaseListBody = z.strictObject({ caseIds: idListSchema(MAX_CASES_PER_CALL) });
/** A validated `CaseListBody`. */
export type CaseList = z.infer<typeof CaseListBody>;

/** POST /pallets/:palletId/devices and /devices/detach: loggers whose readings name the pallet. */
export const PalletDeviceListBody = z.strictObject({ deviceIds: idListSchema(MAX_DEVICES_PER_CALL) });
/** A validated `PalletDeviceListBody`. */
export type PalletDeviceList = z.infer<typeof PalletDeviceListBody>;

/** POST /pallets/:palletId/custody/offer. */
export const OfferPalletCustodyBody = z.strictObject({ toOrg: IdSchema });
/** A validated `OfferPalletCustodyBody`. */
export type OfferPalletCustody = z.infer<typeof OfferPalletCustodyBody>;

/** POST /pallets/:palletId/custody/reject. */
export const RejectPalletCustodyBody = z.strictObject({ reason: textSchema() });
/** A validated `RejectPalletCustodyBody`. */
export type RejectPalletCustody = z.infer<typeof RejectPalletCustodyBody>;
