import { Inject, Injectable } from '@nestjs/common';
import { GatewayError, GatewayErrorCode } from '../../errors/gateway-error';
import { LEDGER, type LedgerPort } from '../../ledger/ledger.port';
import { actorOf, type Principal } from '../auth/principal';
import { writeResponse, type LedgerRecord, type WriteResponse } from '../ledger-response';
import type { PageQuery } from '../validation/request.schemas';
import type { ProvisionDevice, RevokeDevice, RotateDeviceKey } from './devices.dto';

/** The device registry, on the ledger's `device` contract. */
@Injectable()
export class DevicesService {
  constructor(@Inject(LEDGER) private readonly ledger: LedgerPort) {}

  /**
   * Registers a device of the caller's organisation.
   * @throws {@link GatewayError} FORBIDDEN for another organisation's device (before any ledger call);
   * ALREADY_EXISTS; INVALID_ARGUMENT for a key that is not P-256.
   */
  async provision(principal: Principal, body: ProvisionDevice): Promise<WriteResponse> {
    const ownerOrg = body.ownerOrg ?? principal.org;
    // The chaincode refuses this too; refusing here saves an endorsement round trip for an obvious mistake.
    if (ownerOrg !== principal.org) {
      throw new GatewayError(
        GatewayErrorCode.Forbidden,
        `an admin of ${principal.org} may provision devices of ${principal.org} only, not of ${ownerOrg}`,
      );
    }
    const device = {
      deviceId: body.deviceId,
      publicKeyPem: body.publicKeyPem,
      ownerOrg,
      kind: body.kind,
      ...(body.metadata && { metadata: body.metadata }),
    };
    return writeResponse(
      await this.ledger.submit<LedgerRecord>(actorOf(principal), 'device:RegisterDevice', [
        JSON.stringify(device),
      ]),
    );
  }

  /** Devices in id order, a page at a time. */
  list(principal: Principal, page: PageQuery): Promise<LedgerRecord> {
    return this.ledger.evaluate(actorOf(principal), 'device:ListDevices', [
      String(page.pageSize),
      page.bookmark,
    ]);
  }

  /** One device with its keys (ascending by `fromSeq`) and status. */
  get(principal: Principal, deviceId: string): Promise<LedgerRecord> {
    return this.ledger.evaluate(actorOf(principal), 'device:GetDevice', [deviceId]);
  }

  /** Adds a signing key from `effectiveFromSeq` on; older readings stay verifiable with the older keys. */
  async rotateKey(principal: Principal, deviceId: string, body: RotateDeviceKey): Promise<WriteResponse> {
    return writeResponse(
      await this.ledger.submit<LedgerRecord>(actorOf(principal), 'device:RotateDeviceKey', [
        deviceId,
        body.publicKeyPem,
        String(body.effectiveFromSeq),
      ]),
    );
  }

  /** Revokes a device: its readings not yet on the ledger are refused from now on. */
  async revoke(principal: Principal, deviceId: string, body: RevokeDevice): Promise<WriteResponse> {
    return writeResponse(
      await this.ledger.submit<LedgerRecord>(actorOf(principal), 'device:RevokeDevice', [
        deviceId,
        body.reason,
      ]),
    );
  }
}
