import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyProtected } from '../api-docs.decorators';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import type { LedgerRecord } from '../ledger-response';
import { IdParam, Paging, ReadingRange, SeqParam } from '../validation/request.decorators';
import type { PageQuery, ReadingRangeQuery } from '../validation/request.schemas';
import { ReadingsService } from './readings.service';

/** Reading queries under their device, their shipment and their pallet. Every key may read. */
@ApiTags('readings')
@ApiKeyProtected()
@Controller()
export class ReadingsController {
  constructor(private readonly readings: ReadingsService) {}

  @Get('devices/:deviceId/readings')
  @ApiOperation({ summary: "A device's readings in a time range (reading:GetReadingsByDevice)" })
  byDevice(
    @CurrentPrincipal() principal: Principal,
    @IdParam('deviceId') deviceId: string,
    @ReadingRange() query: ReadingRangeQuery,
  ): Promise<LedgerRecord> {
    return this.readings.byDevice(principal, deviceId, query);
  }

  @Get('devices/:deviceId/readings/:seq')
  @ApiOperation({ summary: 'One reading (reading:GetReading)' })
  get(
    @CurrentPrincipal() principal: Principal,
    @IdParam('deviceId') deviceId: string,
    @SeqParam() seq: number,
  ): Promise<LedgerRecord> {
    return this.readings.get(principal, deviceId, seq);
  }

  @Get('shipments/:shipmentId/readings')
  @ApiOperation({ summary: "A shipment's readings (reading:GetReadingsByShipment)" })
  byShipment(
    @CurrentPrincipal() principal: Principal,
    @IdParam('shipmentId') shipmentId: string,
    @Paging() page: PageQuery,
  ): Promise<LedgerRecord> {
    return this.readings.byShipment(principal, shipmentId, page);
  }

  @Get('pallets/:palletId/readings')
  @ApiOperation({
    summary: "A pallet's readings: its loggers' readings naming it (reading:GetReadingsByPallet)",
  })
  byPallet(
    @CurrentPrincipal() principal: Principal,
    @IdParam('palletId') palletId: string,
    @Paging() page: PageQuery,
  ): Promise<LedgerRecord> {
    return this.readings.byPallet(principal, palletId, page);
  }
}
