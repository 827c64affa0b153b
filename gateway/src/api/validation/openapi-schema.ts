import type { SchemaObject } from '@nestjs/swagger';
import { z } from 'zod';

/**
 * The OpenAPI 3.0 schema of what a zod schema accepts (its input side: defaults make fields optional), so the
 * documentation is generated from the very schema that validates, and cannot drift from it. Refinements (e.g.
 * "no id twice") have no JSON Schema form and are left out.
 */
export function openApiSchemaOf(schema: z.ZodType): SchemaObject {
  const json: Record<string, unknown> = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    unrepresentable: 'any',
  });
  // The dialect marker belongs to standalone JSON Schema documents, not to a schema inside an OpenAPI one.
  delete json.$schema;
  return json as SchemaObject;
}
