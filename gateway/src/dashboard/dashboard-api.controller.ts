import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyProtected } from '../api/api-docs.decorators';
import { CurrentPrincipal } from '../api/auth/current-principal.decorator';
import type { Principal } from '../api/auth/principal';
import { Paging } from '../api/validation/request.decorators';
import type { PageQuery } from '../api/validation/request.schemas';
import { DashboardOverviewService, type ShipmentOverviewPage } from './dashboard-overview.service';

/** What the dashboard asks beyond the resource routes: who the key is, and the shipment list with breach counts. */
@ApiTags('dashboard')
@ApiKeyProtected()
@Controller('dashboard')
export class DashboardApiController {
  constructor(private readonly overview: DashboardOverviewService) {}

  @Get('session')
  @ApiOperation({
    summary: "The API key's role and organisation: the dashboard shows only what that role may do",
  })
  session(@CurrentPrincipal() principal: Principal): Principal {
    return { keyId: principal.keyId, role: principal.role, org: principal.org };
  }

  @Get('shipments')
  @ApiOperation({ summary: 'Shipments in id order with their breach counts, open and total' })
  shipments(
    @CurrentPrincipal() principal: Principal,
    @Paging() page: PageQuery,
  ): Promise<ShipmentOverviewPage> {
    return this.overview.shipments(principal, page);
  }
}
