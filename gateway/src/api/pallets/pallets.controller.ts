import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyProtected, ApiWriteErrors } from '../api-docs.decorators';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { Roles } from '../auth/roles.decorator';
import type { LedgerRecord, WriteResponse } from '../ledger-response';
import { IdParam, Paging, ValidBody } from '../validation/request.decorators';
import { EmptyBodySchema, type PageQuery } from '../validation/request.schemas';
import {
  CaseListBody,
  CreatePalletBody,
  OfferPalletCustodyBody,
  PalletDeviceListBody,
  RejectPalletCustodyBody,
  type CaseList,
  type CreatePallet,
  type OfferPalletCustody,
  type PalletDeviceList,
  type RejectPalletCustody,
} from './pallets.dto';
import { PalletsService } from './pallets.service';

/**
 * `/pallets`: cases (shipments) packed and unpacked, custody of a pallet carrying its cases, pallet loggers.
 * Writes: operators, admins.
 */
@ApiTags('pallets')
@ApiKeyProtected()
@Controller('pallets')
export class PalletsController {
  constructor(private readonly pallets: PalletsService) {}

  @Post()
  @Roles('operator', 'admin')
  @ApiWriteErrors()
  @ApiOperation({ summary: 'Create an empty pallet (pallet:CreatePallet)' })
  create(
    @CurrentPrincipal() principal: Principal,
    @ValidBody(CreatePalletBody) body: CreatePallet,
  ): Promise<WriteResponse> {
    return this.pallets.create(principal, body);
  }

  @Get()
  @ApiOperation({ summary: 'List pallets in id order (pallet:ListPallets)' })
  list(@CurrentPrincipal() principal: Principal, @Paging() page: PageQuery): Promise<LedgerRecord> {
    return this.pallets.list(principal, page);
  }

  @Get(':palletId')
  @ApiOperation({ summary: 'One pallet with its contents, history and loggers (pallet:GetPallet)' })
  get(
    @CurrentPrincipal() principal: Principal,
    @IdParam('palletId') palletId: string,
  ): Promise<LedgerRecord> {
    return this.pallets.get(principal, palletId);
  }

  @Post(':palletId/pack')
  @HttpCode(200)
  @Roles('operator', 'admin')
  @ApiWriteErrors()
  @ApiOperation({ summary: 'Pack cases onto the pallet (pallet:PackCases)' })
  pack(
    @CurrentPrincipal() principal: Principal,
    @IdParam('palletId') palletId: string,
    @ValidBody(CaseListBody) body: CaseList,
  ): Promise<WriteResponse> {
    return this.pallets.pack(principal, palletId, body);
  }

  @Post(':palletId/unpack')
  @HttpCode(200)
  @Roles('operator', 'admin')
  @ApiWriteErrors()
  @ApiOperation({ summary: 'Take cases off the pallet (pallet:UnpackCases)' })
  unpack(
    @CurrentPrincipal() principal: Principal,
    @IdParam('palletId') palletId: string,
    @ValidBody(CaseListBody) body: CaseList,
  ): Promise<WriteResponse> {
    return this.pallets.unpack(principal, palletId, body);
  }

  @Post(':palletId/devices')
  @HttpCode(200)
  @Roles('operator', 'admin')
  @ApiWriteErrors()
  @ApiOperation({ summary: 'Attach loggers to the pallet (pallet:AttachDevices)' })
  attach(
    @CurrentPrincipal() principal: Principal,
    @IdParam('palletId') palletId: string,
    @ValidBody(PalletDeviceListBody) body: PalletDeviceList,
  ): Promise<WriteResponse> {
    return this.pallets.attach(principal, palletId, body);
  }

  @Post(':palletId/devices/detach')
  @HttpCode(200)
  @Roles('operator', 'admin')
  @ApiWriteErrors()
  @ApiOperation({ summary: 'Detach loggers from the pallet (pallet:DetachDevices)' })
  detach(
    @CurrentPrincipal() principal: Principal,
    @IdParam('palletId') palletId: string,
    @ValidBody(PalletDeviceListBody) body: PalletDeviceList,
  ): Promise<WriteResponse> {
    return this.pallets.detach(principal, palletId, body);
  }

  @Post(':palletId/custody/offer')
  @HttpCode(200)
  @Roles('operator', 'admin')
  @ApiWriteErrors()
  @ApiOperation({ summary: 'Offer custody of the pallet and its cases (pallet:OfferCustody)' })
  offer(
    @CurrentPrincipal() principal: Principal,
    @IdParam('palletId') palletId: string,
    @ValidBody(OfferPalletCustodyBody) body: OfferPalletCustody,
  ): Promise<WriteResponse> {
    return this.pallets.offerCustody(principal, palletId, body);
  }

  @Post(':palletId/custody/accept')
  @HttpCode(200)
  @Roles('operator', 'admin')
  @ApiWriteErrors()
  @ApiOperation({
    summary: 'Accept the pending offer: the pallet and every case on it (pallet:AcceptCustody)',
  })
  accept(
    @CurrentPrincipal() principal: Principal,
    @IdParam('palletId') palletId: string,
    @ValidBody(EmptyBodySchema) _body: unknown,
  ): Promise<WriteResponse> {
    return this.pallets.acceptCustody(principal, palletId);
  }

  @Post(':palletId/custody/reject')
  @HttpCode(200)
  @Roles('operator', 'admin')
  @ApiWriteErrors()
  @ApiOperation({ summary: 'Reject the pending custody offer (pallet:RejectCustody)' })
  reject(
    @CurrentPrincipal() principal: Principal,
    @IdParam('palletId') palletId: string,
    @ValidBody(RejectPalletCustodyBody) body: RejectPalletCustody,
  ): Promise<WriteResponse> {
    return this.pallets.rejectCustody(principal, palletId, body);
  }
}
