import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyProtected } from '../api/api-docs.decorators';
import { Roles } from '../api/auth/roles.decorator';
import { IdParam } from '../api/validation/request.decorators';
import type { VerifyReport } from '../verify/verify-report';
import { AuditorVerifyService } from './auditor-verify.service';

/** The auditor's verifier behind the dashboard's "verify" button. */
@ApiTags('verify')
@ApiKeyProtected()
@Controller('verify')
export class AuditorVerifyController {
  constructor(private readonly verifier: AuditorVerifyService) {}

  // POST although it writes nothing: it is an action that costs seconds of CPU, not a cacheable read.
  @Post('shipments/:shipmentId')
  @HttpCode(200)
  @Roles('auditor')
  @ApiOperation({
    summary:
      "Run provena-verify's checks on a shipment against the auditor's own peer and the trusted genesis block " +
      '(hash chain, orderer signatures, endorsements and policy, device signatures); the JSON report',
  })
  shipment(@IdParam('shipmentId') shipmentId: string): Promise<VerifyReport> {
    return this.verifier.verify({ kind: 'shipment', shipmentId });
  }
}
