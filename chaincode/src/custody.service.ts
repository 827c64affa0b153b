import { LedgerErrorCode, LedgerEvent, type JsonValue } from '@provena/wire';
import { authorize, requireMemberOf } from './access';
import { AUDITOR_MSP } from './caller';
import { parseJsonArgument, requireId, requireOneOf, requireText } from './input';
import { LedgerError } from './ledger-error';
import { breachKey, shipmentKey } from './ledger-keys';
import { emitEvent, readRecord, writeRecord } from './ledger-state';
import { requireNotPacked } from './pallet.model';
import {
  DECISIONS,
  parseBreachId,
  type BreachRecord,
  type CustodyRecord,
  type ShipmentRecord,
} from './shipment.model';
import {
  CUSTODIAN,
  loadShipment,
  onShipment,
  requireNoOpenBreach,
  requireNotDelivered,
} from './shipment.state';
import type { TxScope } from './tx-scope';

/** Breaches one RecordBreachDisposition may settle. */
export const MAX_BREACHES_PER_DISPOSITION = 200;

function custodyStep(
  tx: TxScope,
  step: Pick<CustodyRecord, 'action' | 'custodianOrg'> & Partial<CustodyRecord>,
): CustodyRecord {
  return {
    action: step.action,
    byOrg: tx.caller.mspId,
    by: tx.caller.id,
    custodianOrg: step.custodianOrg,
    fromOrg: step.fromOrg ?? null,
    toOrg: step.toOrg ?? null,
    reason: step.reason ?? null,
    txId: tx.txId,
    at: tx.nowMs,
  };
}

// Accept and reject: only the organisation named in the pending offer, which the refusal names.
async function loadPendingOffer(
  tx: TxScope,
  shipmentId: string,
  action: string,
): Promise<{ shipment: ShipmentRecord; toOrg: string }> {
  return authorize({
    eligible: tx.caller.role !== 'auditor',
    generic: `only an operator or admin of the organisation offered custody may ${action} it; ${tx.caller.mspId} may only read`,
    load: async () => {
      const shipment = await loadShipment(tx.ctx, requireId(shipmentId, 'shipmentId'));
      if (shipment.pendingOffer === null) {
        throw new LedgerError(
          LedgerErrorCode.NoPendingOffer,
          `no custody offer is pending for shipment ${shipment.shipmentId}`,
        );
      }
      return { shipment, toOrg: shipment.pendingOffer.toOrg };
    },
    check: ({ shipment, toOrg }) =>
      requireMemberOf(tx.caller, [toOrg], `${action} custody of shipment ${shipment.shipmentId}`),
  });
}

/**
 * The organisation an offer of custody names, checked against what holds the goods (a shipment or a pallet): no
 * offer pending already, and a member organisation other than the custodian.
 * @throws {@link LedgerError} OFFER_PENDING, INVALID_ARGUMENT.
 */
export function offerReceiver(
  holder: { readonly pendingOffer: { readonly toOrg: string } | null; readonly custodianOrg: string },
  what: string,
  toOrg: string,
): string {
  if (holder.pendingOffer !== null) {
    throw new LedgerError(
      LedgerErrorCode.OfferPending,
      `custody of ${what} is already offered to ${holder.pendingOffer.toOrg}`,
    );
  }
  const receiver = requireId(toOrg, 'toOrg');
  if (receiver === holder.custodianOrg || receiver === AUDITOR_MSP) {
    throw new LedgerError(
      LedgerErrorCode.InvalidArgument,
      `toOrg must be a member organisation other than the custodian ${holder.custodianOrg}`,
    );
  }
  return receiver;
}

/** First step of a handover: the custodian names the organisation that should take the shipment. */
export async function offerCustody(tx: TxScope, shipmentId: string, toOrg: string): Promise<ShipmentRecord> {
  const shipment = await onShipment(tx, shipmentId, 'offer custody of', CUSTODIAN);
  requireNotDelivered(shipment);
  requireNotPacked(shipment, 'offer its custody');
  const receiver = offerReceiver(shipment, `shipment ${shipment.shipmentId}`, toOrg);
  const updated: ShipmentRecord = {
    ...shipment,
    status: 'custody-offered',
    pendingOffer: { toOrg: receiver, offeredAtTxId: tx.txId, offeredAt: tx.nowMs },
    custody: [
      ...shipment.custody,
      custodyStep(tx, { action: 'offered', custodianOrg: shipment.custodianOrg, toOrg: receiver }),
    ],
  };
  await writeRecord(tx.ctx, shipmentKey(tx.ctx.stub, updated.shipmentId), updated);
  emitEvent(tx.ctx, LedgerEvent.CustodyOffered, {
    shipmentId: updated.shipmentId,
    custodianOrg: updated.custodianOrg,
    fromOrg: updated.custodianOrg,
    toOrg: receiver,
  });
  return updated;
}

/** Second step: the named receiver takes custody, unless a breach still awaits a disposition. */
export async function acceptCustody(tx: TxScope, shipmentId: string): Promise<ShipmentRecord> {
  const { shipment, toOrg } = await loadPendingOffer(tx, shipmentId, 'accept');
  await requireNoOpenBreach(tx.ctx, shipment, 'accept custody');
  const updated: ShipmentRecord = {
    ...shipment,
    custodianOrg: toOrg,
    status: 'in-custody',
    pendingOffer: null,
    custody: [
      ...shipment.custody,
      custodyStep(tx, { action: 'accepted', custodianOrg: toOrg, fromOrg: shipment.custodianOrg }),
    ],
  };
  await writeRecord(tx.ctx, shipmentKey(tx.ctx.stub, updated.shipmentId), updated);
  emitEvent(tx.ctx, LedgerEvent.CustodyAccepted, {
    shipmentId: updated.shipmentId,
    custodianOrg: toOrg,
    fromOrg: shipment.custodianOrg,
    toOrg,
  });
  return updated;
}

/** The named receiver declines; custody stays where it was. */
export async function rejectCustody(
  tx: TxScope,
  shipmentId: string,
  reason: string,
): Promise<ShipmentRecord> {
  const { shipment, toOrg } = await loadPendingOffer(tx, shipmentId, 'reject');
  const why = requireText(reason, 'reason');
  const updated: ShipmentRecord = {
    ...shipment,
    status: 'in-custody',
    pendingOffer: null,
    custody: [
      ...shipment.custody,
      custodyStep(tx, { action: 'rejected', custodianOrg: shipment.custodianOrg, toOrg, reason: why }),
    ],
  };
  await writeRecord(tx.ctx, shipmentKey(tx.ctx.stub, updated.shipmentId), updated);
  emitEvent(tx.ctx, LedgerEvent.CustodyRejected, {
    shipmentId: updated.shipmentId,
    custodianOrg: updated.custodianOrg,
    fromOrg: updated.custodianOrg,
    toOrg,
  });
  return updated;
}

/** The custodian closes the shipment at its destination: no pending offer, no breach without a disposition. */
export async function deliverShipment(tx: TxScope, shipmentId: string): Promise<ShipmentRecord> {
  const shipment = await onShipment(tx, shipmentId, 'deliver', CUSTODIAN);
  requireNotDelivered(shipment);
  requireNotPacked(shipment, 'deliver it');
  if (shipment.pendingOffer !== null) {
    throw new LedgerError(
      LedgerErrorCode.OfferPending,
      `custody of shipment ${shipment.shipmentId} is offered to ${shipment.pendingOffer.toOrg}; it must be accepted or rejected first`,
    );
  }
  await requireNoOpenBreach(tx.ctx, shipment, 'deliver');
  const updated: ShipmentRecord = {
    ...shipment,
    status: 'delivered',
    custody: [
      ...shipment.custody,
      custodyStep(tx, { action: 'delivered', custodianOrg: shipment.custodianOrg }),
    ],
  };
  await writeRecord(tx.ctx, shipmentKey(tx.ctx.stub, updated.shipmentId), updated);
  emitEvent(tx.ctx, LedgerEvent.ShipmentDelivered, {
    shipmentId: updated.shipmentId,
    custodianOrg: updated.custodianOrg,
  });
  return updated;
}

function parseBreachIds(text: string): string[] {
  const value: JsonValue = parseJsonArgument(text, 'breachIdsJson');
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_BREACHES_PER_DISPOSITION) {
    throw new LedgerError(
      LedgerErrorCode.InvalidArgument,
      `breachIdsJson must be a JSON array of 1 to ${MAX_BREACHES_PER_DISPOSITION} breach ids`,
    );
  }
  const ids = value.map((id, i) => {
    if (typeof id !== 'string') {
      throw new LedgerError(LedgerErrorCode.InvalidArgument, `breachIdsJson[${i}] must be a string`);
    }
    return id;
  });
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate !== undefined) {
    throw new LedgerError(LedgerErrorCode.InvalidArgument, `breachIdsJson names ${duplicate} twice`);
  }
  return ids;
}

/**
 * Records what was decided about breaches of a shipment. A disposition is final: a breach that has one is not
 * disposed again, so the ledger keeps the decision that let custody pass.
 */
export async function recordBreachDisposition(
  tx: TxScope,
  shipmentId: string,
  breachIdsJson: string,
  decision: string,
  note: string,
): Promise<{ shipmentId: string; breaches: BreachRecord[] }> {
  const shipment = await onShipment(tx, shipmentId, 'record breach dispositions for', {
    role: 'custodian or owner',
    orgs: (s) => [s.custodianOrg, s.ownerOrg],
  });
  const breachIds = parseBreachIds(breachIdsJson);
  const chosen = requireOneOf(decision, 'decision', DECISIONS);
  const text = requireText(note, 'note', { allowEmpty: true });
  const updated: BreachRecord[] = [];
  for (const [i, breachId] of breachIds.entries()) {
    const { deviceId, seq, rule } = parseBreachId(breachId, `breachIdsJson[${i}]`);
    const key = breachKey(tx.ctx.stub, shipment.shipmentId, deviceId, seq, rule);
    const breach = await readRecord<BreachRecord>(tx.ctx, key);
    if (!breach) {
      throw new LedgerError(
        LedgerErrorCode.NotFound,
        `shipment ${shipment.shipmentId} has no breach ${breachId}`,
      );
    }
    if (breach.disposition !== null) {
      throw new LedgerError(
        LedgerErrorCode.Conflict,
        `breach ${breachId} already has the disposition ${breach.disposition.decision} (transaction ${breach.disposition.txId})`,
      );
    }
    const disposed: BreachRecord = {
      ...breach,
      disposition: {
        decision: chosen,
        note: text,
        byOrg: tx.caller.mspId,
        by: tx.caller.id,
        txId: tx.txId,
        at: tx.nowMs,
      },
    };
    await writeRecord(tx.ctx, key, disposed);
    updated.push(disposed);
  }
  emitEvent(tx.ctx, LedgerEvent.BreachDisposed, {
    shipmentId: shipment.shipmentId,
    breachIds,
    disposition: chosen,
  });
  return { shipmentId: shipment.shipmentId, breaches: updated };
}
