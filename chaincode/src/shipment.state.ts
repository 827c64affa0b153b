import type { Context } from 'fabric-contract-api';
import { LedgerErrorCode } from '@provena/wire';
import { authorize, requireMemberOf } from './access';
import { requireId } from './input';
import { LedgerError } from './ledger-error';
import { KeyType, shipmentKey } from './ledger-keys';
import { decodeRecord, readRecord, scanPartial } from './ledger-state';
import type { BreachRecord, ShipmentRecord } from './shipment.model';
import type { TxScope } from './tx-scope';

/** Loads a shipment or refuses with NOT_FOUND. */
export async function loadShipment(ctx: Context, shipmentId: string): Promise<ShipmentRecord> {
  const shipment = await readRecord<ShipmentRecord>(ctx, shipmentKey(ctx.stub, shipmentId));
  if (!shipment) throw new LedgerError(LedgerErrorCode.NotFound, `shipment ${shipmentId} does not exist`);
  return shipment;
}

/**
 * Refuses changes to a delivered shipment.
 * @throws {@link LedgerError} SHIPMENT_DELIVERED
 */
export function requireNotDelivered(shipment: ShipmentRecord): void {
  if (shipment.status === 'delivered') {
    throw new LedgerError(LedgerErrorCode.ShipmentDelivered, `shipment ${shipment.shipmentId} is delivered`);
  }
}

/** Every breach of a shipment, in key order (device, then sequence, then rule). */
export async function breachesOf(ctx: Context, shipmentId: string): Promise<BreachRecord[]> {
  const entries = await scanPartial(ctx, KeyType.Breach, [shipmentId]);
  return entries.map((e) => decodeRecord<BreachRecord>(e.key, e.value));
}

/**
 * Refuses while any breach of the shipment lacks a disposition. The scan is a range read, so a breach recorded
 * concurrently makes Fabric invalidate this transaction (phantom read) rather than let custody pass over it.
 * @throws {@link LedgerError} OPEN_BREACH naming up to five of them.
 */
export async function requireNoOpenBreach(
  ctx: Context,
  shipment: ShipmentRecord,
  action: string,
): Promise<void> {
  const open = (await breachesOf(ctx, shipment.shipmentId)).filter((b) => b.disposition === null);
  if (open.length > 0) {
    const shown = open.slice(0, 5).map((b) => b.breachId);
    const more = open.length > shown.length ? ` and ${open.length - shown.length} more` : '';
    throw new LedgerError(
      LedgerErrorCode.OpenBreach,
      `shipment ${shipment.shipmentId} has ${open.length} breach(es) without a disposition (${shown.join(', ')}${more}); record a disposition before you ${action}`,
    );
  }
}

/**
 * Loads a shipment for an act only some of its organisations may do (`who` picks them, `role` names them), so the
 * refusal names them; auditors are refused FORBIDDEN whatever the id.
 */
export function onShipment(
  tx: TxScope,
  shipmentId: string,
  act: string,
  who: { role: string; orgs: (shipment: ShipmentRecord) => string[] },
): Promise<ShipmentRecord> {
  return authorize<ShipmentRecord>({
    eligible: tx.caller.role !== 'auditor',
    generic: `only an operator or admin of the shipment's ${who.role} may ${act} a shipment; ${tx.caller.mspId} may only read`,
    load: () => loadShipment(tx.ctx, requireId(shipmentId, 'shipmentId')),
    check: (shipment) =>
      requireMemberOf(tx.caller, who.orgs(shipment), `${act} shipment ${shipment.shipmentId}`),
  });
}

/** Custodian-only acts. */
export const CUSTODIAN = { role: 'custodian', orgs: (s: ShipmentRecord): string[] => [s.custodianOrg] };
