import type { Context } from 'fabric-contract-api';
import { canonicalJson, LedgerErrorCode, LedgerEvent, Limits } from '@provena/wire';
import { authorize, requireAdminOf } from './access';
import { declareContract } from './contract-surface';
import { canonicalPublicKey, parseDeviceRegistration, type DeviceRecord } from './device.model';
import { loadDevice } from './device.state';
import { parseIntegerArgument, requireId, requireText } from './input';
import { LedgerError } from './ledger-error';
import { deviceKey, KeyType } from './ledger-keys';
import { emitEvent, readRecord, readRecordPage, writeRecord } from './ledger-state';
import { ProvenaContract } from './provena-contract';
import { openTx, type TxScope } from './tx-scope';

// Admin-only acts on an existing device: the refusal names the owner organisation whenever the device exists.
function onOwnDevice(
  tx: TxScope,
  deviceId: string,
  act: string,
  actOn: (id: string) => string,
): Promise<DeviceRecord> {
  return authorize<DeviceRecord>({
    eligible: tx.caller.role === 'admin',
    generic: `only an admin of the device's owner organisation may ${act}`,
    load: () => loadDevice(tx.ctx, requireId(deviceId, 'deviceId')),
    check: (device) => requireAdminOf(tx.caller, device.ownerOrg, actOn(device.deviceId)),
  });
}

/**
 * The device registry: devices, their signing keys over time, and revocation.
 * Contract name `device`; transactions `device:RegisterDevice` and so on.
 */
export class DeviceContract extends ProvenaContract {
  constructor() {
    super('device');
  }

  /** Registers a device of the caller's organisation with its first key, valid from sequence number 1. */
  async RegisterDevice(ctx: Context, deviceJson: string): Promise<string> {
    const tx = openTx(ctx);
    if (tx.caller.role !== 'admin') {
      throw new LedgerError(
        LedgerErrorCode.Forbidden,
        `only an admin of the device's owner organisation may register a device; the caller is ${tx.caller.role} of ${tx.caller.mspId}`,
      );
    }
    const input = parseDeviceRegistration(deviceJson);
    requireAdminOf(tx.caller, input.ownerOrg, `register device ${input.deviceId} for ${input.ownerOrg}`);
    const key = deviceKey(ctx.stub, input.deviceId);
    if (await readRecord<DeviceRecord>(ctx, key)) {
      throw new LedgerError(LedgerErrorCode.AlreadyExists, `device ${input.deviceId} is already registered`);
    }
    const device: DeviceRecord = {
      deviceId: input.deviceId,
      ownerOrg: input.ownerOrg,
      kind: input.kind,
      metadata: input.metadata,
      keys: [
        { publicKeyPem: input.publicKeyPem, fromSeq: 1, rotatedAtTxId: tx.txId, rotatedBy: tx.caller.id },
      ],
      status: 'active',
      revocation: null,
      registeredAtTxId: tx.txId,
      registeredAt: tx.nowMs,
      registeredBy: tx.caller.id,
    };
    await writeRecord(ctx, key, device);
    emitEvent(ctx, LedgerEvent.DeviceRegistered, { deviceId: device.deviceId, ownerOrg: device.ownerOrg });
    return canonicalJson(device);
  }

  /** One device with its key list and status. */
  async GetDevice(ctx: Context, deviceId: string): Promise<string> {
    openTx(ctx);
    return canonicalJson(await loadDevice(ctx, requireId(deviceId, 'deviceId')));
  }

  /** Devices in id order, a page at a time; pass the returned bookmark to get the next page ("" for the first). */
  async ListDevices(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    openTx(ctx);
    return canonicalJson(await readRecordPage<DeviceRecord>(ctx, KeyType.Device, pageSize, bookmark));
  }

  /**
   * Adds a key that signs readings from `effectiveFromSeq` on. Older keys stay, so readings signed before the
   * rotation remain verifiable; the new start must lie beyond the current key's.
   */
  async RotateDeviceKey(
    ctx: Context,
    deviceId: string,
    publicKeyPem: string,
    effectiveFromSeq: string,
  ): Promise<string> {
    const tx = openTx(ctx);
    const device = await onOwnDevice(
      tx,
      deviceId,
      'rotate a device key',
      (id) => `rotate the key of device ${id}`,
    );
    if (device.status === 'revoked') {
      throw new LedgerError(LedgerErrorCode.DeviceRevoked, `device ${device.deviceId} is revoked`);
    }
    const pem = canonicalPublicKey(publicKeyPem, 'publicKeyPem');
    const fromSeq = parseIntegerArgument(effectiveFromSeq, 'effectiveFromSeq', 1, Limits.maxSeq);
    const current = device.keys[device.keys.length - 1];
    if (current && fromSeq <= current.fromSeq) {
      throw new LedgerError(
        LedgerErrorCode.Conflict,
        `effectiveFromSeq must be greater than ${current.fromSeq}, where the current key of device ${device.deviceId} starts`,
      );
    }
    const updated: DeviceRecord = {
      ...device,
      keys: [...device.keys, { publicKeyPem: pem, fromSeq, rotatedAtTxId: tx.txId, rotatedBy: tx.caller.id }],
    };
    await writeRecord(ctx, deviceKey(ctx.stub, device.deviceId), updated);
    emitEvent(ctx, LedgerEvent.KeyRotated, {
      deviceId: device.deviceId,
      ownerOrg: device.ownerOrg,
      effectiveFromSeq: fromSeq,
    });
    return canonicalJson(updated);
  }

  /**
   * Revokes a device: every reading of it not already on the ledger is refused from now on. Recorded readings
   * stay valid; the device stays listed with the reason.
   */
  async RevokeDevice(ctx: Context, deviceId: string, reason: string): Promise<string> {
    const tx = openTx(ctx);
    const device = await onOwnDevice(tx, deviceId, 'revoke a device', (id) => `revoke device ${id}`);
    if (device.status === 'revoked') {
      throw new LedgerError(LedgerErrorCode.DeviceRevoked, `device ${device.deviceId} is already revoked`);
    }
    const why = requireText(reason, 'reason');
    const updated: DeviceRecord = {
      ...device,
      status: 'revoked',
      revocation: { reason: why, txId: tx.txId, at: tx.nowMs, by: tx.caller.id },
    };
    await writeRecord(ctx, deviceKey(ctx.stub, device.deviceId), updated);
    emitEvent(ctx, LedgerEvent.DeviceRevoked, {
      deviceId: device.deviceId,
      ownerOrg: device.ownerOrg,
      reason: why,
    });
    return canonicalJson(updated);
  }
}

declareContract(
  DeviceContract,
  {
    title: 'device',
    description:
      'Device registry: registration, key rotation and revocation of the devices that sign readings',
    version: '0.1.0',
  },
  {
    RegisterDevice: {
      submit: true,
      params: {
        deviceJson: 'JSON {deviceId, publicKeyPem, ownerOrg, kind, metadata?}; ownerOrg is the caller',
      },
    },
    GetDevice: { submit: false, params: { deviceId: 'device id' } },
    ListDevices: {
      submit: false,
      params: {
        pageSize: 'positive integer, served at most 200',
        bookmark: 'from the previous page; "" first',
      },
    },
    RotateDeviceKey: {
      submit: true,
      params: {
        deviceId: 'device id',
        publicKeyPem: 'new P-256 public key, PEM SPKI',
        effectiveFromSeq: 'first sequence number the new key signs; above the current key start',
      },
    },
    RevokeDevice: { submit: true, params: { deviceId: 'device id', reason: 'why, free text' } },
  },
);
