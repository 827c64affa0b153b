import { LedgerErrorCode } from '@provena/wire';
import type { ComplianceProfile } from './compliance';
import { parseJsonArgument, requireId, requireObject } from './input';
import { LedgerError } from './ledger-error';
import type { ShipmentRecord } from './shipment.model';

// A case is a shipment: it already has an id, an owner, a custodian, a compliance profile, attached devices,
// breaches and provenance, and a case that leaves its pallet goes on as exactly that. A pallet is a record of its
// own that aggregates cases (EPCIS AggregationEvent: ADD on pack, DELETE on unpack) and carries their custody.

/** Cases one PackCases or UnpackCases may name. */
export const MAX_CASES_PER_CALL = 100;

/**
 * Cases one pallet may hold. Every reading of the pallet's logger is judged against each packed case's profile
 * and indexed for it, so the bound caps that fan-out per reading as well as the size of the pallet record.
 */
export const MAX_CASES_PER_PALLET = 200;

/** A case on a pallet, with the copy of its compliance profile that ingest judges the pallet's readings by. */
export interface PalletContent {
  caseId: string;
  /** Copied at packing (a shipment's profile never changes), so ingest never reads shipment keys. */
  complianceProfile: ComplianceProfile;
  packedAtTxId: string;
  packedAt: number;
}

/** One step of a pallet's history, with the transaction that made it. */
export interface PalletStep {
  action: 'created' | 'packed' | 'unpacked' | 'offered' | 'accepted' | 'rejected';
  /** Packed, unpacked: the cases moved; accepted: every case whose custody moved with the pallet. */
  caseIds: string[];
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
  txId: string;
  at: number;
}

/** A pallet as the ledger stores it under `pallet [palletId]`. */
export interface PalletRecord {
  palletId: string;
  /** The organisation that created the pallet. */
  ownerOrg: string;
  custodianOrg: string;
  status: 'in-custody' | 'custody-offered';
  pendingOffer: { toOrg: string; offeredAtTxId: string; offeredAt: number } | null;
  /** The cases packed now, in case id order. */
  contents: PalletContent[];
  history: PalletStep[];
  createdAtTxId: string;
  createdAt: number;
}

/** A logger on a pallet, under `pallet~attachment [palletId, deviceId]`; its readings name the pallet. */
export interface PalletAttachmentRecord {
  palletId: string;
  deviceId: string;
  status: 'attached' | 'detached';
  attachedByOrg: string;
  attachedAtTxId: string;
  attachedAt: number;
  detachedAtTxId: string | null;
  detachedAt: number | null;
}

/**
 * Parses CreatePallet's argument, `{palletId}`.
 * @throws {@link LedgerError} INVALID_ARGUMENT
 */
export function parsePalletInput(palletJson: string): { palletId: string } {
  const value = requireObject(parseJsonArgument(palletJson, 'palletJson'), 'pallet', ['palletId']);
  return { palletId: requireId(value.palletId, 'pallet.palletId') };
}

/**
 * Refuses a custody change of a case on a pallet: its custody moves with the pallet until it is unpacked.
 * @throws {@link LedgerError} CONFLICT naming the pallet.
 */
export function requireNotPacked(shipment: ShipmentRecord, action: string): void {
  if (shipment.palletId) {
    throw new LedgerError(
      LedgerErrorCode.Conflict,
      `shipment ${shipment.shipmentId} is packed on pallet ${shipment.palletId}; its custody moves with the pallet: unpack it before you ${action}`,
    );
  }
}
