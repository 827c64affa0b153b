import { Module } from '@nestjs/common';
import { ShipmentsController } from './shipments.controller';
import { ShipmentsService } from './shipments.service';

/** The shipment routes. Needs LEDGER and API_OPTIONS, which the API module makes visible. */
@Module({ controllers: [ShipmentsController], providers: [ShipmentsService] })
export class ShipmentsModule {}
