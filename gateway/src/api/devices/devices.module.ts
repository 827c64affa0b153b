import { Module } from '@nestjs/common';
import { DevicesController } from './devices.controller';
import { DevicesService } from './devices.service';

/** The device registry routes. Needs LEDGER and API_OPTIONS, which the API module makes visible. */
@Module({ controllers: [DevicesController], providers: [DevicesService] })
export class DevicesModule {}
