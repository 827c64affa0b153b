import type { Context } from 'fabric-contract-api';
import { LedgerErrorCode } from '@provena/wire';
import type { DeviceRecord } from './device.model';
import { LedgerError } from './ledger-error';
import { deviceKey } from './ledger-keys';
import { readRecord } from './ledger-state';

/** Loads a device or refuses with NOT_FOUND. */
export async function loadDevice(ctx: Context, deviceId: string): Promise<DeviceRecord> {
  const device = await readRecord<DeviceRecord>(ctx, deviceKey(ctx.stub, deviceId));
  if (!device) throw new LedgerError(LedgerErrorCode.NotFound, `device ${deviceId} is not registered`);
  return device;
}
