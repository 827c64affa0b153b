import { Body, Param, Query } from '@nestjs/common';
import { ApiBody, ApiParam, ApiQuery } from '@nestjs/swagger';
import type { z } from 'zod';
import { openApiSchemaOf } from './openapi-schema';
import { PageQueryPipe, ReadingRangeQueryPipe } from './query.pipes';
import { IdSchema, SeqSchema } from './request.schemas';
import { ZodValidationPipe } from './zod-validation.pipe';

// Each decorator here validates one part of the request and documents it in OpenAPI from the same schema, so a
// route cannot validate one thing and document another.

function documented(param: ParameterDecorator, ...docs: MethodDecorator[]): ParameterDecorator {
  return (target, key, index) => {
    param(target, key, index);
    const descriptor = key === undefined ? undefined : Object.getOwnPropertyDescriptor(target, key);
    if (key === undefined || descriptor === undefined) return;
    for (const doc of docs) doc(target, key, descriptor);
  };
}

/**
 * The request body, validated by `schema` (use `z.strictObject`: unknown fields are refused).
 * @example
 * create(@ValidBody(CreateShipmentBody) body: CreateShipment) {}
 */
export function ValidBody<T>(schema: z.ZodType<T>): ParameterDecorator {
  return documented(
    Body(new ZodValidationPipe(schema)),
    ApiBody({ schema: openApiSchemaOf(schema), required: !schema.safeParse(undefined).success }),
  );
}

/** A path parameter holding an id ({@link IdSchema}). */
export function IdParam(name: string): ParameterDecorator {
  return documented(
    Param(name, new ZodValidationPipe(IdSchema)),
    ApiParam({ name, schema: openApiSchemaOf(IdSchema) }),
  );
}

/** The `:seq` path parameter: a reading's sequence number. */
export function SeqParam(): ParameterDecorator {
  return documented(
    Param('seq', new ZodValidationPipe(SeqSchema)),
    ApiParam({ name: 'seq', schema: { type: 'integer', minimum: 1 }, description: 'sequence number' }),
  );
}

const PAGE_DOCS = [
  ApiQuery({
    name: 'pageSize',
    required: false,
    schema: { type: 'integer', minimum: 1, default: 50 },
    description: "items per page, at most the gateway's configured maximum",
  }),
  ApiQuery({
    name: 'bookmark',
    required: false,
    schema: { type: 'string', maxLength: 512 },
    description: 'the bookmark of the previous page; omit for the first page',
  }),
];

/** `?pageSize=&bookmark=`, validated into a `PageQuery`. */
export function Paging(): ParameterDecorator {
  return documented(Query(PageQueryPipe), ...PAGE_DOCS);
}

/** `?from=&to=` (Unix ms, from inclusive, to exclusive) and the page, validated into a `ReadingRangeQuery`. */
export function ReadingRange(): ParameterDecorator {
  return documented(
    Query(ReadingRangeQueryPipe),
    ...PAGE_DOCS,
    ApiQuery({
      name: 'from',
      required: false,
      schema: { type: 'integer', minimum: 0, default: 0 },
      description: 'measuredAt lower bound, Unix ms, inclusive',
    }),
    ApiQuery({
      name: 'to',
      required: false,
      schema: { type: 'integer', minimum: 1 },
      description: 'measuredAt upper bound, Unix ms, exclusive; default: no bound',
    }),
  );
}
