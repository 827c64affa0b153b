import { Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { EpcisController } from './epcis.controller';
import { EpcisService } from './epcis.service';
import { LdJsonBodyMiddleware } from './ld-json-body.middleware';

/** The GS1 EPCIS 2.0 routes: export of a shipment, capture of partners' documents. Needs LEDGER. */
@Module({ controllers: [EpcisController], providers: [EpcisService] })
export class EpcisModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(LdJsonBodyMiddleware).forRoutes({ path: 'epcis/capture', method: RequestMethod.POST });
  }
}
