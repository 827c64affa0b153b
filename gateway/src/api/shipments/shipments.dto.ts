import { CommercialTermsRules, Limits } from '@provena/wire';
import { z } from 'zod';
import { IdSchema, idListSchema, textSchema } from '../validation/request.schemas';

/** Devices one attach or detach may name (the chaincode's MAX_DEVICES_PER_CALL). */
export const MAX_DEVICES_PER_CALL = 100;
/** Breaches one disposition may settle (the chaincode's MAX_BREACHES_PER_DISPOSITION). */
export const MAX_BREACHES_PER_DISPOSITION = 200;

const Bounds = z.strictObject({ min: z.number().optional(), max: z.number().optional() });
const Ceiling = z.strictObject({ max: z.number() });

/** The conditions a shipment must travel in; the chaincode checks the limits against physical ranges. */
export const ComplianceProfileBody = z.strictObject({
  temperatureC: Bounds.optional(),
  humidityPct: Bounds.optional(),
  shockG: Ceiling.optional(),
  vibrationMmS: Ceiling.optional(),
});

const decimal = z
  .string()
  .regex(
    CommercialTermsRules.decimal,
    'must be a decimal string such as "12.50" (up to 15 digits, 6 decimals)',
  );

/**
 * A shipment's commercial terms as a trading organisation sends them. They reach the ledger only as a private
 * data collection of the trading organisations, with a hash on the channel. `salt` (at least 16 random bytes,
 * base64url) is generated when absent; give one only to reproduce a document recorded elsewhere.
 */
export const CommercialTermsBody = z.strictObject({
  price: z.strictObject({
    amount: decimal,
    currency: z.string().regex(CommercialTermsRules.currency, 'must be an ISO 4217 code such as EUR'),
  }),
  quantity: z.strictObject({
    amount: decimal,
    unit: z.string().regex(CommercialTermsRules.unit, 'must be a unit code or word of at most 24 characters'),
  }),
  customer: textSchema().refine(
    (c) => c.length <= CommercialTermsRules.maxCustomerLength && c.trim() === c,
    `must be at most ${CommercialTermsRules.maxCustomerLength} characters, without outer spaces`,
  ),
  salt: z
    .string()
    .regex(CommercialTermsRules.salt, 'must be at least 16 random bytes in base64url (22 to 88 characters)')
    .optional(),
});
/** A validated `CommercialTermsBody`. */
export type CommercialTermsInput = z.infer<typeof CommercialTermsBody>;

/** POST /shipments/:shipmentId/commercial-terms/verification: a disclosed copy, exactly as a member read it. */
export const DisclosedTermsBody = z.strictObject({
  terms: z.strictObject({
    shipmentId: IdSchema,
    price: CommercialTermsBody.shape.price,
    quantity: CommercialTermsBody.shape.quantity,
    customer: z.string().max(CommercialTermsRules.maxCustomerLength),
    salt: z.string().regex(CommercialTermsRules.salt, 'must be the salt of the disclosed document'),
  }),
});
/** A validated `DisclosedTermsBody`. */
export type DisclosedTerms = z.infer<typeof DisclosedTermsBody>;

/** POST /shipments: the caller's organisation becomes owner and first custodian. */
export const CreateShipmentBody = z.strictObject({
  shipmentId: IdSchema,
  productCode: IdSchema,
  quantity: z.number().int().min(1).max(Limits.maxSeq),
  origin: textSchema(),
  destination: textSchema(),
  complianceProfile: ComplianceProfileBody.optional(),
  /** When the order was placed (Unix ms); defaults to the creation time. Earlier dates import order history. */
  orderedAt: z.number().int().min(Limits.minMeasuredAt).max(Limits.maxMeasuredAt).optional(),
  /** Private to the trading organisations; recorded in the same transaction as the shipment. */
  commercialTerms: CommercialTermsBody.optional(),
});
/** A validated `CreateShipmentBody`. */
export type CreateShipment = z.infer<typeof CreateShipmentBody>;

/** POST /shipments/:shipmentId/devices and /devices/detach. */
export const DeviceListBody = z.strictObject({ deviceIds: idListSchema(MAX_DEVICES_PER_CALL) });
/** A validated `DeviceListBody`. */
export type DeviceList = z.infer<typeof DeviceListBody>;

/** POST /shipments/:shipmentId/custody/offer. */
export const OfferCustodyBody = z.strictObject({ toOrg: IdSchema });
/** A validated `OfferCustodyBody`. */
export type OfferCustody = z.infer<typeof OfferCustodyBody>;

/** POST /shipments/:shipmentId/custody/reject. */
export const RejectCustodyBody = z.strictObject({ reason: textSchema() });
/** A validated `RejectCustodyBody`. */
export type RejectCustody = z.infer<typeof RejectCustodyBody>;

/** What may be decided about a breach. */
export const DECISIONS = ['release', 'quarantine', 'destroy', 'return'] as const;

/** POST /shipments/:shipmentId/breaches/disposition: one decision for one or more breaches. */
export const BreachDispositionBody = z.strictObject({
  /** `<deviceId>/<seq>/<rule>`, as the provenance lists them. */
  breachIds: z
    .array(z.string().min(1).max(256))
    .min(1, 'must name at least one breach')
    .max(MAX_BREACHES_PER_DISPOSITION, `must name at most ${MAX_BREACHES_PER_DISPOSITION} breaches`),
  decision: z.enum(DECISIONS),
  note: textSchema({ allowEmpty: true }).default(''),
});
/** A validated `BreachDispositionBody`. */
export type BreachDisposition = z.infer<typeof BreachDispositionBody>;
