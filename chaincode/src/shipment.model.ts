import { LedgerErrorCode, Limits } from '@provena/wire';
import { COMPLIANCE_RULES, parseComplianceProfile, type ComplianceProfile } from './compliance';
import { parseJsonArgument, requireId, requireInteger, requireObject, requireText } from './input';
import { LedgerError } from './ledger-error';

/** One step of the custody chain, with the transaction that made it. */
export interface CustodyRecord {
  action: 'created' | 'offered' | 'accepted' | 'rejected' | 'delivered';
  /** The organisation that acted, and the client identity that signed. */
  byOrg: string;
  by: string;
  /** The custodian after this step. */
  custodianOrg: string;
  /** The previous custodian, for `accepted`. */
  fromOrg: string | null;
  /** The organisation offered custody, for `offered` and `rejected`. */
  toOrg: string | null;
  /** Why, for `rejected`. */
  reason: string | null;
  /** The pallet whose custody step this was, when the shipment moved as a case on it (absent otherwise). */
  palletId?: string;
  txId: string;
  at: number;
}

/** One stay of a shipment, as a case, on a pallet: packed, and unpacked once it is taken off. */
export interface PalletTrip {
  palletId: string;
  packedByOrg: string;
  packedBy: string;
  packedAtTxId: string;
  packedAt: number;
  unpackedByOrg: string | null;
  unpackedBy: string | null;
  unpackedAtTxId: string | null;
  unpackedAt: number | null;
}

/** A shipment as the ledger stores it under `shipment [shipmentId]`. Readings never write this key. */
export interface ShipmentRecord {
  shipmentId: string;
  productCode: string;
  quantity: number;
  origin: string;
  destination: string;
  complianceProfile: ComplianceProfile;
  /**
   * When the order behind the shipment was placed (Unix ms), as the ordering system says; the creation time when
   * none was given. Demand forecasting counts orders by this date, which may lie before the shipment's creation
   * when order history is imported.
   */
  orderedAt: number;
  /** The organisation that created the shipment; it may settle breaches alongside the custodian. */
  ownerOrg: string;
  custodianOrg: string;
  status: 'in-custody' | 'custody-offered' | 'delivered';
  pendingOffer: { toOrg: string; offeredAtTxId: string; offeredAt: number } | null;
  custody: CustodyRecord[];
  createdAtTxId: string;
  createdAt: number;
  /**
   * The pallet the shipment is packed on as a case, null once unpacked. Absent on shipments never packed, so
   * their records stay what they were before pallets.
   */
  palletId?: string | null;
  /** Every pallet the shipment travelled on, in packing order; absent on shipments never packed. */
  palletTrips?: PalletTrip[];
}

/**
 * A device on a shipment, under `attachment [shipmentId, deviceId]`. It carries a copy of the shipment's
 * (immutable) compliance profile so ingest can judge readings without reading the shipment key, which custody
 * transactions write.
 */
export interface AttachmentRecord {
  shipmentId: string;
  deviceId: string;
  status: 'attached' | 'detached';
  complianceProfile: ComplianceProfile;
  attachedByOrg: string;
  attachedAtTxId: string;
  attachedAt: number;
  detachedAtTxId: string | null;
  detachedAt: number | null;
}

/** What was decided about a breach. */
export type Decision = 'release' | 'quarantine' | 'destroy' | 'return';
/** Every {@link Decision}, in the order error messages list them. */
export const DECISIONS: readonly Decision[] = ['release', 'quarantine', 'destroy', 'return'];

/** A breach's disposition, with the transaction that recorded it. */
export interface Disposition {
  decision: Decision;
  note: string;
  byOrg: string;
  by: string;
  txId: string;
  at: number;
}

/**
 * A compliance breach under `breach [shipmentId, deviceId, seq16, rule]`: the evidence, and the disposition once
 * someone has decided what to do about it.
 */
export interface BreachRecord {
  breachId: string;
  shipmentId: string;
  deviceId: string;
  seq: number;
  rule: string;
  limit: number;
  observed: number;
  measuredAt: number;
  /** The RecordReadings transaction that found it. */
  txId: string;
  recordedAt: number;
  disposition: Disposition | null;
  /** The pallet the shipment was packed on when the reading of the pallet's logger found it (absent otherwise). */
  palletId?: string;
}

/** A breach id names its shipment-local key: `<deviceId>/<seq>/<rule>` (ids cannot contain `/`). */
export function breachIdOf(deviceId: string, seq: number, rule: string): string {
  return `${deviceId}/${seq}/${rule}`;
}

/**
 * Splits a breach id into its parts.
 * @throws {@link LedgerError} INVALID_ARGUMENT
 */
export function parseBreachId(
  breachId: string,
  field: string,
): { deviceId: string; seq: number; rule: string } {
  const [deviceId, seqText, rule, ...rest] = breachId.split('/');
  const seq = Number(seqText);
  if (
    deviceId === undefined ||
    rest.length > 0 ||
    !/^[1-9][0-9]*$/.test(seqText ?? '') ||
    !Number.isSafeInteger(seq) ||
    !COMPLIANCE_RULES.includes(rule ?? '')
  ) {
    throw new LedgerError(LedgerErrorCode.InvalidArgument, `${field} must be <deviceId>/<seq>/<rule>`);
  }
  return { deviceId: requireId(deviceId, field), seq, rule: rule ?? '' };
}

/** What CreateShipment accepts, validated. `orderedAt` is optional there. */
export type ShipmentInput = Pick<
  ShipmentRecord,
  'shipmentId' | 'productCode' | 'quantity' | 'origin' | 'destination' | 'complianceProfile'
> & { orderedAt?: number };

/**
 * Parses CreateShipment's argument.
 * @throws {@link LedgerError} INVALID_ARGUMENT
 */
export function parseShipmentInput(shipmentJson: string): ShipmentInput {
  const value = requireObject(
    parseJsonArgument(shipmentJson, 'shipmentJson'),
    'shipment',
    ['shipmentId', 'productCode', 'quantity', 'origin', 'destination'],
    ['complianceProfile', 'orderedAt'],
  );
  return {
    shipmentId: requireId(value.shipmentId, 'shipment.shipmentId'),
    productCode: requireId(value.productCode, 'shipment.productCode'),
    quantity: requireInteger(value.quantity, 'shipment.quantity', 1, Limits.maxSeq),
    origin: requireText(value.origin, 'shipment.origin'),
    destination: requireText(value.destination, 'shipment.destination'),
    complianceProfile:
      value.complianceProfile === undefined
        ? {}
        : parseComplianceProfile(value.complianceProfile, 'shipment.complianceProfile'),
    // The upper bound against the transaction time is the contract's: the parser has no clock.
    ...(value.orderedAt !== undefined && {
      orderedAt: requireInteger(
        value.orderedAt,
        'shipment.orderedAt',
        Limits.minMeasuredAt,
        Limits.maxMeasuredAt,
      ),
    }),
  };
}
