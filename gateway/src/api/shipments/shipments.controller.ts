import { Controller, Get, HttpCode, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyProtected, ApiWriteErrors } from '../api-docs.decorators';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { Roles } from '../auth/roles.decorator';
import type { LedgerRecord, WriteResponse } from '../ledger-response';
import { IdParam, Paging, ValidBody } from '../validation/request.decorators';
import { EmptyBodySchema, type PageQuery } from '../validation/request.schemas';
import {
  BreachDispositionBody,
  CommercialTermsBody,
  CreateShipmentBody,
  DisclosedTermsBody,
  DeviceListBody,
  OfferCustodyBody,
  RejectCustodyBody,
  type BreachDisposition,
  type CommercialTermsInput,
  type CreateShipment,
  type DisclosedTerms,
  type DeviceList,
  type OfferCustody,
  type RejectCustody,
} from './shipments.dto';
import { ShipmentsService, type DisclosedTermsCheck } from './shipments.service';

/** `/shipments`: shipments, their devices, custody handover and breach dispositions. Writes: operators, admins. */
@ApiTags('shipments')
@ApiKeyProtected()
@Controller('shipments')
export class ShipmentsController {
  constructor(private readonly shipments: ShipmentsService) {}

  @Post()
  @Roles('operator', 'admin')
  @ApiWriteErrors()
  @ApiOperation({ summary: 'Create a shipment (shipment:CreateShipment)' })
  create(
    @CurrentPrincipal() principal: Principal,
    @ValidBody(CreateShipmentBody) body: CreateShipment,
  ): Promise<WriteResponse> {
    return this.shipments.create(principal, body);
  }

  @Get()
  @ApiOperation({ summary: 'List shipments in id order (shipment:ListShipments)' })
  list(@CurrentPrincipal() principal: Principal, @Paging() page: PageQuery): Promise<LedgerRecord> {
    return this.shipments.list(principal, page);
  }

  @Get(':shipmentId')
  @ApiOperation({ summary: 'One shipment with its custody chain (shipment:GetShipment)' })
  get(
    @CurrentPrincipal() principal: Principal,
    @IdParam('shipmentId') shipmentId: string,
  ): Promise<LedgerRecord> {
    return this.shipments.get(principal, shipmentId);
  }

  @Post(':shipmentId/devices')
  @HttpCode(200)
  @Roles('operator', 'admin')
  @ApiWriteErrors()
  @ApiOperation({ summary: 'Attach devices (shipment:AttachDevices)' })
  attach(
    @CurrentPrincipal() principal: Principal,
    @IdParam('shipmentId') shipmentId: string,
    @ValidBody(DeviceListBody) body: DeviceList,
  ): Promise<WriteResponse> {
    return this.shipments.attach(principal, shipmentId, body);
  }

  @Post(':shipmentId/devices/detach')
  @HttpCode(200)
  @Roles('operator', 'admin')
  @ApiWriteErrors()
  @ApiOperation({ summary: 'Detach devices (shipment:DetachDevices)' })
  detach(
    @CurrentPrincipal() principal: Principal,
    @IdParam('shipmentId') shipmentId: string,
    @ValidBody(DeviceListBody) body: DeviceList,
  ): Promise<WriteResponse> {
    return this.shipments.detach(principal, shipmentId, body);
  }

  @Post(':shipmentId/custody/offer')
  @HttpCode(200)
  @Roles('operator', 'admin')
  @ApiWriteErrors()
  @ApiOperation({ summary: 'Offer custody to another organisation (shipment:OfferCustody)' })
  offer(
    @CurrentPrincipal() principal: Principal,
    @IdParam('shipmentId') shipmentId: string,
    @ValidBody(OfferCustodyBody) body: OfferCustody,
  ): Promise<WriteResponse> {
    return this.shipments.offerCustody(principal, shipmentId, body);
  }

  @Post(':shipmentId/custody/accept')
  @HttpCode(200)
  @Roles('operator', 'admin')
  @ApiWriteErrors()
  @ApiOperation({ summary: 'Accept the pending custody offer (shipment:AcceptCustody)' })
  accept(
    @CurrentPrincipal() principal: Principal,
    @IdParam('shipmentId') shipmentId: string,
    @ValidBody(EmptyBodySchema) _body: unknown,
  ): Promise<WriteResponse> {
    return this.shipments.acceptCustody(principal, shipmentId);
  }

  @Post(':shipmentId/custody/reject')
  @HttpCode(200)
  @Roles('operator', 'admin')
  @ApiWriteErrors()
  @ApiOperation({ summary: 'Reject the pending custody offer (shipment:RejectCustody)' })
  reject(
    @CurrentPrincipal() principal: Principal,
    @IdParam('shipmentId') shipmentId: string,
    @ValidBody(RejectCustodyBody) body: RejectCustody,
  ): Promise<WriteResponse> {
    return this.shipments.rejectCustody(principal, shipmentId, body);
  }

  @Post(':shipmentId/breaches/disposition')
  @HttpCode(200)
  @Roles('operator', 'admin')
  @ApiWriteErrors()
  @ApiOperation({ summary: 'Record a decision about breaches (shipment:RecordBreachDisposition)' })
  dispose(
    @CurrentPrincipal() principal: Principal,
    @IdParam('shipmentId') shipmentId: string,
    @ValidBody(BreachDispositionBody) body: BreachDisposition,
  ): Promise<WriteResponse> {
    return this.shipments.recordBreachDisposition(principal, shipmentId, body);
  }

  @Post(':shipmentId/deliver')
  @HttpCode(200)
  @Roles('operator', 'admin')
  @ApiWriteErrors()
  @ApiOperation({ summary: 'Close the shipment at its destination (shipment:DeliverShipment)' })
  deliver(
    @CurrentPrincipal() principal: Principal,
    @IdParam('shipmentId') shipmentId: string,
    @ValidBody(EmptyBodySchema) _body: unknown,
  ): Promise<WriteResponse> {
    return this.shipments.deliver(principal, shipmentId);
  }

  @Put(':shipmentId/commercial-terms')
  @HttpCode(200)
  @Roles('operator', 'admin')
  @ApiWriteErrors()
  @ApiOperation({
    summary: 'Record or amend the commercial terms, privately (shipment:SetCommercialTerms)',
    description:
      "Owner organisation only, before delivery. The terms reach only the trading organisations' peers " +
      '(private data collection commercialTerms); every block carries their SHA-256 alone.',
  })
  setCommercialTerms(
    @CurrentPrincipal() principal: Principal,
    @IdParam('shipmentId') shipmentId: string,
    @ValidBody(CommercialTermsBody) body: CommercialTermsInput,
  ): Promise<WriteResponse> {
    return this.shipments.setCommercialTerms(principal, shipmentId, body);
  }

  @Get(':shipmentId/commercial-terms')
  @Roles('operator', 'admin')
  @ApiOperation({
    summary: "The commercial terms, from the own organisation's peer (shipment:GetCommercialTerms)",
    description: 'Trading organisations only; `document` is the exact stored text to disclose to an auditor.',
  })
  commercialTerms(
    @CurrentPrincipal() principal: Principal,
    @IdParam('shipmentId') shipmentId: string,
  ): Promise<LedgerRecord> {
    return this.shipments.commercialTerms(principal, shipmentId);
  }

  @Get(':shipmentId/commercial-terms/hash')
  @ApiOperation({
    summary: 'The SHA-256 of the commercial terms on the ledger (shipment:GetCommercialTermsHash)',
  })
  commercialTermsHash(
    @CurrentPrincipal() principal: Principal,
    @IdParam('shipmentId') shipmentId: string,
  ): Promise<LedgerRecord> {
    return this.shipments.commercialTermsHash(principal, shipmentId);
  }

  @Post(':shipmentId/commercial-terms/verification')
  @HttpCode(200)
  @ApiOperation({
    summary: "Check a disclosed copy of the commercial terms against the hash on the caller's own peer",
  })
  verifyCommercialTerms(
    @CurrentPrincipal() principal: Principal,
    @IdParam('shipmentId') shipmentId: string,
    @ValidBody(DisclosedTermsBody) body: DisclosedTerms,
  ): Promise<DisclosedTermsCheck> {
    return this.shipments.verifyDisclosedTerms(principal, shipmentId, body);
  }
}
