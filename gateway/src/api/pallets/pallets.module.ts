import { Module } from '@nestjs/common';
import { PalletsController } from './pallets.controller';
import { PalletsService } from './pallets.service';

/** The pallet routes. Needs LEDGER and API_OPTIONS, which the API module makes visible. */
@Module({ controllers: [PalletsController], providers: [PalletsService] })
export class PalletsModule {}
