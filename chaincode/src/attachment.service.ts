import { LedgerErrorCode, LedgerEvent } from '@provena/wire';
import { loadDevice } from './device.state';
import { parseIdList } from './input';
import { LedgerError } from './ledger-error';
import { attachmentKey } from './ledger-keys';
import { emitEvent, readRecord, writeRecord } from './ledger-state';
import type { AttachmentRecord, ShipmentRecord } from './shipment.model';
import { CUSTODIAN, onShipment, requireNotDelivered } from './shipment.state';
import type { TxScope } from './tx-scope';

/** Devices one AttachDevices or DetachDevices may name. */
export const MAX_DEVICES_PER_CALL = 100;

async function loadForChange(tx: TxScope, shipmentId: string, verb: string): Promise<ShipmentRecord> {
  const shipment = await onShipment(tx, shipmentId, `${verb} devices of`, CUSTODIAN);
  requireNotDelivered(shipment);
  return shipment;
}

/**
 * Attaches registered, unrevoked devices to a shipment. Each attachment is its own key, carrying the shipment's
 * compliance profile, so ingest reads the attachment and never the shipment.
 */
export async function attachDevices(
  tx: TxScope,
  shipmentId: string,
  deviceIdsJson: string,
): Promise<AttachmentRecord[]> {
  const shipment = await loadForChange(tx, shipmentId, 'attach');
  const deviceIds = parseIdList(deviceIdsJson, 'deviceIdsJson', MAX_DEVICES_PER_CALL);
  const attached: AttachmentRecord[] = [];
  for (const deviceId of deviceIds) {
    const device = await loadDevice(tx.ctx, deviceId);
    if (device.status === 'revoked') {
      throw new LedgerError(
        LedgerErrorCode.DeviceRevoked,
        `device ${deviceId} is revoked and cannot be attached`,
      );
    }
    const key = attachmentKey(tx.ctx.stub, shipment.shipmentId, deviceId);
    const existing = await readRecord<AttachmentRecord>(tx.ctx, key);
    if (existing?.status === 'attached') {
      throw new LedgerError(
        LedgerErrorCode.Conflict,
        `device ${deviceId} is already attached to shipment ${shipment.shipmentId}`,
      );
    }
    const attachment: AttachmentRecord = {
      shipmentId: shipment.shipmentId,
      deviceId,
      status: 'attached',
      complianceProfile: shipment.complianceProfile,
      attachedByOrg: tx.caller.mspId,
      attachedAtTxId: tx.txId,
      attachedAt: tx.nowMs,
      detachedAtTxId: null,
      detachedAt: null,
    };
    await writeRecord(tx.ctx, key, attachment);
    attached.push(attachment);
  }
  emitEvent(tx.ctx, LedgerEvent.DevicesAttached, {
    shipmentId: shipment.shipmentId,
    custodianOrg: shipment.custodianOrg,
    deviceIds,
  });
  return attached;
}

/**
 * Detaches devices; from then on their readings naming the shipment are refused SHIPMENT_MISMATCH. The
 * attachment record stays, marked detached, so provenance shows when the device was on board.
 */
export async function detachDevices(
  tx: TxScope,
  shipmentId: string,
  deviceIdsJson: string,
): Promise<AttachmentRecord[]> {
  const shipment = await loadForChange(tx, shipmentId, 'detach');
  const deviceIds = parseIdList(deviceIdsJson, 'deviceIdsJson', MAX_DEVICES_PER_CALL);
  const detached = await markDetached<AttachmentRecord>(
    tx,
    deviceIds,
    (deviceId) => attachmentKey(tx.ctx.stub, shipment.shipmentId, deviceId),
    `shipment ${shipment.shipmentId}`,
  );
  emitEvent(tx.ctx, LedgerEvent.DevicesDetached, {
    shipmentId: shipment.shipmentId,
    custodianOrg: shipment.custodianOrg,
    deviceIds,
  });
  return detached;
}

/** What a shipment's and a pallet's device attachments share. */
interface Detachable {
  status: 'attached' | 'detached';
  detachedAtTxId: string | null;
  detachedAt: number | null;
}

/**
 * Marks each device's attachment, under `keyOf(deviceId)`, detached in this transaction. The record stays, so
 * provenance shows when the device was on board.
 * @throws {@link LedgerError} CONFLICT for a device not attached to `holder` (e.g. `shipment S1`); the whole
 * transaction fails with it, so no other device is detached either.
 */
export async function markDetached<T extends Detachable>(
  tx: TxScope,
  deviceIds: readonly string[],
  keyOf: (deviceId: string) => string,
  holder: string,
): Promise<T[]> {
  const detached: T[] = [];
  for (const deviceId of deviceIds) {
    const key = keyOf(deviceId);
    const existing = await readRecord<T>(tx.ctx, key);
    if (existing?.status !== 'attached') {
      throw new LedgerError(LedgerErrorCode.Conflict, `device ${deviceId} is not attached to ${holder}`);
    }
    const attachment: T = { ...existing, status: 'detached', detachedAtTxId: tx.txId, detachedAt: tx.nowMs };
    await writeRecord(tx.ctx, key, attachment);
    detached.push(attachment);
  }
  return detached;
}
