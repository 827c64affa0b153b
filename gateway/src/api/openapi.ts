import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { API_KEY_SCHEME, ERROR_BODY_SCHEMA, ERROR_SCHEMA_NAME } from './api-docs.decorators';
import { documentIdempotencyKey } from './idempotency/idempotency.openapi';

/**
 * Serves the API's OpenAPI description: the UI at `/docs`, the JSON at `/docs/json`. Both are public (Swagger's
 * routes sit outside Nest's guards); the document describes routes, not data. Call before `app.init()` or
 * `app.listen()`.
 *
 * @example
 * const app = await NestFactory.create(AppModule);
 * setupOpenApi(app);
 * await app.listen(8080);
 */
export function setupOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Provena gateway')
    .setDescription(
      'Supply-chain and IoT provenance on Hyperledger Fabric: devices, shipments, custody, readings and ' +
        'provenance. Every route but the documentation and health needs an API key: ' +
        '`Authorization: Bearer pvk_<id>_<secret>` (created with `provena-gateway keys create`). Errors are ' +
        '`{ code, message, details? }`; writes return the chaincode result with `txId` and `blockNumber`.',
    )
    .setVersion('0.1.0')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'pvk_<id>_<secret>', description: 'an API key' },
      API_KEY_SCHEME,
    )
    .build();
  const created = SwaggerModule.createDocument(app, config);
  const document: OpenAPIObject = documentIdempotencyKey({
    ...created,
    components: {
      ...created.components,
      schemas: { ...created.components?.schemas, [ERROR_SCHEMA_NAME]: ERROR_BODY_SCHEMA },
    },
  });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json', yamlDocumentUrl: 'docs/yaml' });
  return document;
}
