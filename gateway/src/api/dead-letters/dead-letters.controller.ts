import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { RedriveResult } from '../../ingest/dead-letter-redrive';
import type { DeadLetterPage } from '../../ingest/dead-letter.store';
import { ApiKeyProtected } from '../api-docs.decorators';
import { Roles } from '../auth/roles.decorator';
import { Paging, ValidBody } from '../validation/request.decorators';
import type { PageQuery } from '../validation/request.schemas';
import { RedriveBody, type Redrive } from './dead-letters.dto';
import { DeadLettersService } from './dead-letters.service';

/**
 * `/admin/dead-letters`: readings ingest could not place on the ledger within its bound (gateway README, "How
 * ingest loses nothing"). Admins only: entries hold devices' signed readings of every organisation's devices.
 */
@ApiTags('admin')
@ApiKeyProtected()
@Roles('admin')
@Controller('admin/dead-letters')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get()
  @ApiOperation({
    summary: 'Dead-lettered readings, oldest first: envelope as received, reason, first and last attempt',
  })
  list(@Paging() page: PageQuery): Promise<DeadLetterPage> {
    return this.deadLetters.list(page);
  }

  @Post('redrive')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Submit dead letters again (reading:RecordReadings): recorded, duplicate or refused ones leave the store; ' +
      'still-failing ones stay, with the new reason and attempt',
  })
  redrive(@ValidBody(RedriveBody) body: Redrive): Promise<RedriveResult> {
    return this.deadLetters.redrive(body);
  }
}
