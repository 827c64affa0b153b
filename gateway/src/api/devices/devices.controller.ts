import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyProtected, ApiWriteErrors } from '../api-docs.decorators';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { Roles } from '../auth/roles.decorator';
import type { LedgerRecord, WriteResponse } from '../ledger-response';
import { IdParam, Paging, ValidBody } from '../validation/request.decorators';
import type { PageQuery } from '../validation/request.schemas';
import {
  ProvisionDeviceBody,
  RevokeDeviceBody,
  RotateDeviceKeyBody,
  type ProvisionDevice,
  type RevokeDevice,
  type RotateDeviceKey,
} from './devices.dto';
import { DevicesService } from './devices.service';

/** `/devices`: the device registry. Admins manage their organisation's devices; every key may read. */
@ApiTags('devices')
@ApiKeyProtected()
@Controller('devices')
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  @Post()
  @Roles('admin')
  @ApiWriteErrors()
  @ApiOperation({ summary: "Provision a device of the admin's organisation (device:RegisterDevice)" })
  provision(
    @CurrentPrincipal() principal: Principal,
    @ValidBody(ProvisionDeviceBody) body: ProvisionDevice,
  ): Promise<WriteResponse> {
    return this.devices.provision(principal, body);
  }

  @Get()
  @ApiOperation({ summary: 'List devices in id order (device:ListDevices)' })
  list(@CurrentPrincipal() principal: Principal, @Paging() page: PageQuery): Promise<LedgerRecord> {
    return this.devices.list(principal, page);
  }

  @Get(':deviceId')
  @ApiOperation({ summary: 'One device with its keys and status (device:GetDevice)' })
  get(
    @CurrentPrincipal() principal: Principal,
    @IdParam('deviceId') deviceId: string,
  ): Promise<LedgerRecord> {
    return this.devices.get(principal, deviceId);
  }

  @Post(':deviceId/rotate')
  @HttpCode(200)
  @Roles('admin')
  @ApiWriteErrors()
  @ApiOperation({ summary: 'Add a signing key from a sequence number on (device:RotateDeviceKey)' })
  rotate(
    @CurrentPrincipal() principal: Principal,
    @IdParam('deviceId') deviceId: string,
    @ValidBody(RotateDeviceKeyBody) body: RotateDeviceKey,
  ): Promise<WriteResponse> {
    return this.devices.rotateKey(principal, deviceId, body);
  }

  @Post(':deviceId/revoke')
  @HttpCode(200)
  @Roles('admin')
  @ApiWriteErrors()
  @ApiOperation({ summary: 'Revoke a device (device:RevokeDevice)' })
  revoke(
    @CurrentPrincipal() principal: Principal,
    @IdParam('deviceId') deviceId: string,
    @ValidBody(RevokeDeviceBody) body: RevokeDevice,
  ): Promise<WriteResponse> {
    return this.devices.revoke(principal, deviceId, body);
  }
}
