import type { Context } from 'fabric-contract-api';
import { LedgerErrorCode, LedgerEvent } from '@provena/wire';
import { authorize, requireMemberOf, requireWriter } from './access';
import { loadDevice } from './device.state';
import { parseIdList, requireId, requireText } from './input';
import { LedgerError } from './ledger-error';
import { KeyType, palletAttachmentKey, palletKey, shipmentKey } from './ledger-keys';
import { decodeRecord, emitEvent, readRecord, scanPartial, writeRecord } from './ledger-state';
import {
  MAX_CASES_PER_CALL,
  MAX_CASES_PER_PALLET,
  parsePalletInput,
  type PalletAttachmentRecord,
  type PalletContent,
  type PalletRecord,
  type PalletStep,
} from './pallet.model';
import { markDetached, MAX_DEVICES_PER_CALL } from './attachment.service';
import { offerReceiver } from './custody.service';
import type { ShipmentRecord } from './shipment.model';
import { loadShipment, requireNoOpenBreach, requireNotDelivered } from './shipment.state';
import type { TxScope } from './tx-scope';

/** Loads a pallet or refuses with NOT_FOUND. */
export async function loadPallet(tx: Pick<TxScope, 'ctx'>, palletId: string): Promise<PalletRecord> {
  const pallet = await readRecord<PalletRecord>(tx.ctx, palletKey(tx.ctx.stub, palletId));
  if (!pallet) throw new LedgerError(LedgerErrorCode.NotFound, `pallet ${palletId} does not exist`);
  return pallet;
}

function step(
  tx: TxScope,
  fields: Pick<PalletStep, 'action' | 'custodianOrg'> & Partial<PalletStep>,
): PalletStep {
  return {
    action: fields.action,
    caseIds: fields.caseIds ?? [],
    byOrg: tx.caller.mspId,
    by: tx.caller.id,
    custodianOrg: fields.custodianOrg,
    fromOrg: fields.fromOrg ?? null,
    toOrg: fields.toOrg ?? null,
    reason: fields.reason ?? null,
    txId: tx.txId,
    at: tx.nowMs,
  };
}

/** Every logger that was ever attached to the pallet, attached now or detached, in device id order. */
export async function palletAttachments(ctx: Context, palletId: string): Promise<PalletAttachmentRecord[]> {
  return (await scanPartial(ctx, KeyType.PalletAttachment, [palletId])).map((e) =>
    decodeRecord<PalletAttachmentRecord>(e.key, e.value),
  );
}

// The custodian's acts; auditors are refused FORBIDDEN whatever the id.
function onPallet(tx: TxScope, palletId: string, act: string): Promise<PalletRecord> {
  return authorize<PalletRecord>({
    eligible: tx.caller.role !== 'auditor',
    generic: `only an operator or admin of the pallet's custodian may ${act} a pallet; ${tx.caller.mspId} may only read`,
    load: () => loadPallet(tx, requireId(palletId, 'palletId')),
    check: (pallet) => requireMemberOf(tx.caller, [pallet.custodianOrg], `${act} pallet ${pallet.palletId}`),
  });
}

// Packing and unpacking change what the offer covers, so they wait until the offer is settled.
function requireNoPendingOffer(pallet: PalletRecord, action: string): void {
  if (pallet.pendingOffer !== null) {
    throw new LedgerError(
      LedgerErrorCode.OfferPending,
      `custody of pallet ${pallet.palletId} is offered to ${pallet.pendingOffer.toOrg}; it must be accepted or rejected before you ${action}`,
    );
  }
}

async function writePallet(tx: TxScope, pallet: PalletRecord): Promise<void> {
  await writeRecord(tx.ctx, palletKey(tx.ctx.stub, pallet.palletId), pallet);
}

async function writeShipment(tx: TxScope, shipment: ShipmentRecord): Promise<void> {
  await writeRecord(tx.ctx, shipmentKey(tx.ctx.stub, shipment.shipmentId), shipment);
}

/**
 * Creates an empty pallet; the caller's organisation owns and holds it. Pallet and shipment ids share one
 * namespace, because a logger's reading names either in the same field.
 * @throws {@link LedgerError} ALREADY_EXISTS when a pallet or a shipment has the id.
 */
export async function createPallet(tx: TxScope, palletJson: string): Promise<PalletRecord> {
  requireWriter(tx.caller, 'create a pallet');
  const { palletId } = parsePalletInput(palletJson);
  const { ctx } = tx;
  if (await readRecord<PalletRecord>(ctx, palletKey(ctx.stub, palletId))) {
    throw new LedgerError(LedgerErrorCode.AlreadyExists, `pallet ${palletId} already exists`);
  }
  if (await readRecord<ShipmentRecord>(ctx, shipmentKey(ctx.stub, palletId))) {
    throw new LedgerError(
      LedgerErrorCode.AlreadyExists,
      `${palletId} is a shipment id; pallets and shipments need distinct ids`,
    );
  }
  const org = tx.caller.mspId;
  const pallet: PalletRecord = {
    palletId,
    ownerOrg: org,
    custodianOrg: org,
    status: 'in-custody',
    pendingOffer: null,
    contents: [],
    history: [step(tx, { action: 'created', custodianOrg: org })],
    createdAtTxId: tx.txId,
    createdAt: tx.nowMs,
  };
  await writePallet(tx, pallet);
  emitEvent(ctx, LedgerEvent.PalletCreated, { palletId, custodianOrg: org, caseIds: [] });
  return pallet;
}

/**
 * Packs cases (shipments) onto a pallet. Only an organisation holding the pallet and every case may: packing must
 * not let anyone move goods they do not hold. A case is on at most one pallet at a time.
 * @throws {@link LedgerError} FORBIDDEN, NOT_FOUND, OFFER_PENDING (pallet or case offered), SHIPMENT_DELIVERED,
 * CONFLICT (case already on a pallet, pallet full).
 */
export async function packCases(
  tx: TxScope,
  palletId: string,
  caseIdsJson: string,
): Promise<{ pallet: PalletRecord; cases: ShipmentRecord[] }> {
  const pallet = await onPallet(tx, palletId, 'pack cases onto');
  const caseIds = parseIdList(caseIdsJson, 'caseIdsJson', MAX_CASES_PER_CALL);
  requireNoPendingOffer(pallet, 'pack cases onto it');
  if (pallet.contents.length + caseIds.length > MAX_CASES_PER_PALLET) {
    throw new LedgerError(
      LedgerErrorCode.Conflict,
      `pallet ${pallet.palletId} holds ${pallet.contents.length} cases; it takes at most ${MAX_CASES_PER_PALLET}`,
    );
  }
  const cases: ShipmentRecord[] = [];
  const added: PalletContent[] = [];
  for (const caseId of caseIds) {
    const shipment = await loadShipment(tx.ctx, caseId);
    requireMemberOf(tx.caller, [shipment.custodianOrg], `pack shipment ${caseId}`);
    requireNotDelivered(shipment);
    if (shipment.palletId) {
      throw new LedgerError(
        LedgerErrorCode.Conflict,
        `shipment ${caseId} is already packed on pallet ${shipment.palletId}; unpack it first`,
      );
    }
    if (shipment.pendingOffer !== null) {
      throw new LedgerError(
        LedgerErrorCode.OfferPending,
        `custody of shipment ${caseId} is offered to ${shipment.pendingOffer.toOrg}; settle the offer before you pack it`,
      );
    }
    const packed: ShipmentRecord = {
      ...shipment,
      palletId: pallet.palletId,
      palletTrips: [
        ...(shipment.palletTrips ?? []),
        {
          palletId: pallet.palletId,
          packedByOrg: tx.caller.mspId,
          packedBy: tx.caller.id,
          packedAtTxId: tx.txId,
          packedAt: tx.nowMs,
          unpackedByOrg: null,
          unpackedBy: null,
          unpackedAtTxId: null,
          unpackedAt: null,
        },
      ],
    };
    await writeShipment(tx, packed);
    cases.push(packed);
    added.push({
      caseId,
      complianceProfile: shipment.complianceProfile,
      packedAtTxId: tx.txId,
      packedAt: tx.nowMs,
    });
  }
  const updated: PalletRecord = {
    ...pallet,
    contents: [...pallet.contents, ...added].sort((a, b) => (a.caseId < b.caseId ? -1 : 1)),
    history: [...pallet.history, step(tx, { action: 'packed', custodianOrg: pallet.custodianOrg, caseIds })],
  };
  await writePallet(tx, updated);
  emitEvent(tx.ctx, LedgerEvent.CasesPacked, {
    palletId: updated.palletId,
    custodianOrg: updated.custodianOrg,
    caseIds,
  });
  return { pallet: updated, cases };
}

/**
 * Takes cases off a pallet: each goes on as an independent shipment, in the custody of the pallet's custodian.
 * @throws {@link LedgerError} FORBIDDEN, NOT_FOUND, OFFER_PENDING, CONFLICT (case not on this pallet).
 */
export async function unpackCases(
  tx: TxScope,
  palletId: string,
  caseIdsJson: string,
): Promise<{ pallet: PalletRecord; cases: ShipmentRecord[] }> {
  const pallet = await onPallet(tx, palletId, 'unpack cases from');
  const caseIds = parseIdList(caseIdsJson, 'caseIdsJson', MAX_CASES_PER_CALL);
  requireNoPendingOffer(pallet, 'unpack cases from it');
  const cases: ShipmentRecord[] = [];
  for (const caseId of caseIds) {
    if (!pallet.contents.some((c) => c.caseId === caseId)) {
      throw new LedgerError(
        LedgerErrorCode.Conflict,
        `shipment ${caseId} is not packed on pallet ${pallet.palletId}`,
      );
    }
    const shipment = await loadShipment(tx.ctx, caseId);
    // Custody of a packed case only moves with its pallet, so this holds unless the ledger is inconsistent;
    // checked anyway, because unpacking hands the case back to its own custody.
    requireMemberOf(tx.caller, [shipment.custodianOrg], `unpack shipment ${caseId}`);
    const trips = shipment.palletTrips ?? [];
    const last = trips[trips.length - 1];
    if (shipment.palletId !== pallet.palletId || last === undefined) {
      throw new LedgerError(
        LedgerErrorCode.Internal,
        `pallet ${pallet.palletId} lists shipment ${caseId}, whose record names pallet ${shipment.palletId ?? 'none'}`,
      );
    }
    const unpacked: ShipmentRecord = {
      ...shipment,
      palletId: null,
      palletTrips: [
        ...trips.slice(0, -1),
        {
          ...last,
          unpackedByOrg: tx.caller.mspId,
          unpackedBy: tx.caller.id,
          unpackedAtTxId: tx.txId,
          unpackedAt: tx.nowMs,
        },
      ],
    };
    await writeShipment(tx, unpacked);
    cases.push(unpacked);
  }
  const updated: PalletRecord = {
    ...pallet,
    contents: pallet.contents.filter((c) => !caseIds.includes(c.caseId)),
    history: [
      ...pallet.history,
      step(tx, { action: 'unpacked', custodianOrg: pallet.custodianOrg, caseIds }),
    ],
  };
  await writePallet(tx, updated);
  emitEvent(tx.ctx, LedgerEvent.CasesUnpacked, {
    palletId: updated.palletId,
    custodianOrg: updated.custodianOrg,
    caseIds,
  });
  return { pallet: updated, cases };
}

/** First step of a pallet's handover: the custodian names the receiver. Its cases are not written until acceptance. */
export async function offerPalletCustody(
  tx: TxScope,
  palletId: string,
  toOrg: string,
): Promise<PalletRecord> {
  const pallet = await onPallet(tx, palletId, 'offer custody of');
  const receiver = offerReceiver(pallet, `pallet ${pallet.palletId}`, toOrg);
  const updated: PalletRecord = {
    ...pallet,
    status: 'custody-offered',
    pendingOffer: { toOrg: receiver, offeredAtTxId: tx.txId, offeredAt: tx.nowMs },
    history: [
      ...pallet.history,
      step(tx, { action: 'offered', custodianOrg: pallet.custodianOrg, toOrg: receiver }),
    ],
  };
  await writePallet(tx, updated);
  emitEvent(tx.ctx, LedgerEvent.PalletCustodyOffered, {
    palletId: updated.palletId,
    custodianOrg: updated.custodianOrg,
    caseIds: updated.contents.map((c) => c.caseId),
    fromOrg: updated.custodianOrg,
    toOrg: receiver,
  });
  return updated;
}

// Accept and reject: only the organisation named in the pending offer.
async function loadOfferedPallet(
  tx: TxScope,
  palletId: string,
  action: string,
): Promise<{ pallet: PalletRecord; toOrg: string }> {
  return authorize({
    eligible: tx.caller.role !== 'auditor',
    generic: `only an operator or admin of the organisation offered custody may ${action} it; ${tx.caller.mspId} may only read`,
    load: async () => {
      const pallet = await loadPallet(tx, requireId(palletId, 'palletId'));
      if (pallet.pendingOffer === null) {
        throw new LedgerError(
          LedgerErrorCode.NoPendingOffer,
          `no custody offer is pending for pallet ${pallet.palletId}`,
        );
      }
      return { pallet, toOrg: pallet.pendingOffer.toOrg };
    },
    check: ({ pallet, toOrg }) =>
      requireMemberOf(tx.caller, [toOrg], `${action} custody of pallet ${pallet.palletId}`),
  });
}

/**
 * Second step: the receiver takes the pallet and, in the same transaction, every case on it; each case's custody
 * chain records the step with the pallet's id. Refused OPEN_BREACH while any case has a breach without a
 * disposition, as a single shipment's acceptance is.
 */
export async function acceptPalletCustody(
  tx: TxScope,
  palletId: string,
): Promise<{ pallet: PalletRecord; cases: ShipmentRecord[] }> {
  const { pallet, toOrg } = await loadOfferedPallet(tx, palletId, 'accept');
  const fromOrg = pallet.custodianOrg;
  const caseIds = pallet.contents.map((c) => c.caseId);
  const cases: ShipmentRecord[] = [];
  for (const caseId of caseIds) {
    const shipment = await loadShipment(tx.ctx, caseId);
    await requireNoOpenBreach(tx.ctx, shipment, `accept custody of pallet ${pallet.palletId}`);
    const moved: ShipmentRecord = {
      ...shipment,
      custodianOrg: toOrg,
      custody: [
        ...shipment.custody,
        {
          action: 'accepted',
          byOrg: tx.caller.mspId,
          by: tx.caller.id,
          custodianOrg: toOrg,
          fromOrg: shipment.custodianOrg,
          toOrg: null,
          reason: null,
          palletId: pallet.palletId,
          txId: tx.txId,
          at: tx.nowMs,
        },
      ],
    };
    await writeShipment(tx, moved);
    cases.push(moved);
  }
  const updated: PalletRecord = {
    ...pallet,
    custodianOrg: toOrg,
    status: 'in-custody',
    pendingOffer: null,
    history: [...pallet.history, step(tx, { action: 'accepted', custodianOrg: toOrg, fromOrg, caseIds })],
  };
  await writePallet(tx, updated);
  emitEvent(tx.ctx, LedgerEvent.PalletCustodyAccepted, {
    palletId: updated.palletId,
    custodianOrg: toOrg,
    caseIds,
    fromOrg,
    toOrg,
  });
  return { pallet: updated, cases };
}

/** The receiver declines; the pallet and its cases stay where they were. */
export async function rejectPalletCustody(
  tx: TxScope,
  palletId: string,
  reason: string,
): Promise<PalletRecord> {
  const { pallet, toOrg } = await loadOfferedPallet(tx, palletId, 'reject');
  const why = requireText(reason, 'reason');
  const updated: PalletRecord = {
    ...pallet,
    status: 'in-custody',
    pendingOffer: null,
    history: [
      ...pallet.history,
      step(tx, { action: 'rejected', custodianOrg: pallet.custodianOrg, toOrg, reason: why }),
    ],
  };
  await writePallet(tx, updated);
  emitEvent(tx.ctx, LedgerEvent.PalletCustodyRejected, {
    palletId: updated.palletId,
    custodianOrg: updated.custodianOrg,
    caseIds: updated.contents.map((c) => c.caseId),
    fromOrg: updated.custodianOrg,
    toOrg,
  });
  return updated;
}

/**
 * Attaches loggers to a pallet (custodian only): their readings name the pallet and apply to every case packed
 * on it when measured.
 * @throws {@link LedgerError} DEVICE_REVOKED, CONFLICT (already attached), NOT_FOUND, FORBIDDEN
 */
export async function attachPalletDevices(
  tx: TxScope,
  palletId: string,
  deviceIdsJson: string,
): Promise<PalletAttachmentRecord[]> {
  const pallet = await onPallet(tx, palletId, 'attach devices to');
  const deviceIds = parseIdList(deviceIdsJson, 'deviceIdsJson', MAX_DEVICES_PER_CALL);
  const attached: PalletAttachmentRecord[] = [];
  for (const deviceId of deviceIds) {
    const device = await loadDevice(tx.ctx, deviceId);
    if (device.status === 'revoked') {
      throw new LedgerError(
        LedgerErrorCode.DeviceRevoked,
        `device ${deviceId} is revoked and cannot be attached`,
      );
    }
    const key = palletAttachmentKey(tx.ctx.stub, pallet.palletId, deviceId);
    if ((await readRecord<PalletAttachmentRecord>(tx.ctx, key))?.status === 'attached') {
      throw new LedgerError(
        LedgerErrorCode.Conflict,
        `device ${deviceId} is already attached to pallet ${pallet.palletId}`,
      );
    }
    const attachment: PalletAttachmentRecord = {
      palletId: pallet.palletId,
      deviceId,
      status: 'attached',
      attachedByOrg: tx.caller.mspId,
      attachedAtTxId: tx.txId,
      attachedAt: tx.nowMs,
      detachedAtTxId: null,
      detachedAt: null,
    };
    await writeRecord(tx.ctx, key, attachment);
    attached.push(attachment);
  }
  emitEvent(tx.ctx, LedgerEvent.PalletDevicesAttached, {
    palletId: pallet.palletId,
    custodianOrg: pallet.custodianOrg,
    caseIds: [],
    deviceIds,
  });
  return attached;
}

/**
 * Detaches loggers from a pallet (custodian only): from then on their readings naming the pallet are refused
 * SHIPMENT_MISMATCH. The attachment stays, marked detached, so the pallet's record shows when each logger was on
 * it; a logger detached may be attached again, to this pallet or another.
 * @throws {@link LedgerError} CONFLICT (not attached), NOT_FOUND, FORBIDDEN
 */
export async function detachPalletDevices(
  tx: TxScope,
  palletId: string,
  deviceIdsJson: string,
): Promise<PalletAttachmentRecord[]> {
  const pallet = await onPallet(tx, palletId, 'detach devices from');
  const deviceIds = parseIdList(deviceIdsJson, 'deviceIdsJson', MAX_DEVICES_PER_CALL);
  const detached = await markDetached<PalletAttachmentRecord>(
    tx,
    deviceIds,
    (deviceId) => palletAttachmentKey(tx.ctx.stub, pallet.palletId, deviceId),
    `pallet ${pallet.palletId}`,
  );
  emitEvent(tx.ctx, LedgerEvent.PalletDevicesDetached, {
    palletId: pallet.palletId,
    custodianOrg: pallet.custodianOrg,
    caseIds: [],
    deviceIds,
  });
  return detached;
}
