import { Inject, Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { API_OPTIONS, type ApiOptions } from '../api.options';
import {
  pageQuerySchema,
  readingRangeQuerySchema,
  type PageQuery,
  type ReadingRangeQuery,
} from './request.schemas';
import { ZodValidationPipe } from './zod-validation.pipe';

// Query schemas depend on the configured page size limit, so their pipes are built by DI, not at decoration time.

/** Validates `?pageSize=&bookmark=` (pageSize 1..maxPageSize, default 50; unknown parameters refused). */
@Injectable()
export class PageQueryPipe implements PipeTransform<unknown, PageQuery> {
  readonly #pipe: ZodValidationPipe<PageQuery>;

  constructor(@Inject(API_OPTIONS) options: ApiOptions) {
    this.#pipe = new ZodValidationPipe(pageQuerySchema(options.maxPageSize));
  }

  transform(value: unknown, metadata: ArgumentMetadata): PageQuery {
    return this.#pipe.transform(value, metadata);
  }
}

/** Validates `?from=&to=&pageSize=&bookmark=` (Unix ms, from < to). */
@Injectable()
export class ReadingRangeQueryPipe implements PipeTransform<unknown, ReadingRangeQuery> {
  readonly #pipe: ZodValidationPipe<ReadingRangeQuery>;

  constructor(@Inject(API_OPTIONS) options: ApiOptions) {
    this.#pipe = new ZodValidationPipe(readingRangeQuerySchema(options.maxPageSize));
  }

  transform(value: unknown, metadata: ArgumentMetadata): ReadingRangeQuery {
    return this.#pipe.transform(value, metadata);
  }
}
