import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyProtected } from '../api-docs.decorators';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { IdParam, SeqParam } from '../validation/request.decorators';
import {
  ProvenanceService,
  type ReadingVerification,
  type ShipmentProvenanceView,
} from './provenance.service';

/** What auditors come for: a shipment's history with block numbers, and independent checks of readings. */
@ApiTags('provenance')
@ApiKeyProtected()
@Controller()
export class ProvenanceController {
  constructor(private readonly provenance: ProvenanceService) {}

  @Get('shipments/:shipmentId/provenance')
  @ApiOperation({
    summary:
      'Custody chain, attachments, breaches, reading counts and the pallets it travelled on, with the block of every transaction ' +
      '(shipment:GetShipmentProvenance + block look-ups)',
  })
  shipment(
    @CurrentPrincipal() principal: Principal,
    @IdParam('shipmentId') shipmentId: string,
  ): Promise<ShipmentProvenanceView> {
    return this.provenance.shipmentProvenance(principal, shipmentId);
  }

  @Get('devices/:deviceId/readings/:seq/verification')
  @ApiOperation({
    summary:
      "Re-verify a recorded reading's signature with the device key of its sequence number, and locate its " +
      'transaction (reading:GetReading + device:GetDevice + block look-up)',
  })
  verifyReading(
    @CurrentPrincipal() principal: Principal,
    @IdParam('deviceId') deviceId: string,
    @SeqParam() seq: number,
  ): Promise<ReadingVerification> {
    return this.provenance.verifyReading(principal, deviceId, seq);
  }
}
