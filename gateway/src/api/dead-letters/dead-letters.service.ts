import { Injectable } from '@nestjs/common';
import type { RedriveResult } from '../../ingest/dead-letter-redrive';
import type { DeadLetterPage } from '../../ingest/dead-letter.store';
import { IngestService } from '../../ingest/ingest.service';
import type { PageQuery } from '../validation/request.schemas';
import type { Redrive } from './dead-letters.dto';

/** The dead-letter store of this gateway's ingest, for admins: list, and redrive through RecordReadings. */
@Injectable()
export class DeadLettersService {
  constructor(private readonly ingest: IngestService) {}

  list(page: PageQuery): Promise<DeadLetterPage> {
    return this.ingest.deadLetters.list(page.pageSize, page.bookmark);
  }

  async redrive(body: Redrive): Promise<RedriveResult> {
    const store = this.ingest.deadLetters;
    const entries =
      body?.ids !== undefined ? await store.get(body.ids) : (await store.list(body?.limit ?? 100)).items;
    return this.ingest.redrive(entries);
  }
}
