import { Module } from '@nestjs/common';
import { ProvenanceController } from './provenance.controller';
import { ProvenanceService } from './provenance.service';

/** The provenance and verification routes. Needs LEDGER, which the API module makes visible. */
@Module({ controllers: [ProvenanceController], providers: [ProvenanceService] })
export class ProvenanceModule {}
