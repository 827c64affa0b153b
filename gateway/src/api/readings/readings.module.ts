import { Module } from '@nestjs/common';
import { ReadingsController } from './readings.controller';
import { ReadingsService } from './readings.service';

/** The reading query routes. Needs LEDGER and API_OPTIONS, which the API module makes visible. */
@Module({ controllers: [ReadingsController], providers: [ReadingsService] })
export class ReadingsModule {}
