import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiKeyProtected, ApiWriteErrors, ERROR_SCHEMA_NAME } from '../api-docs.decorators';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { Roles } from '../auth/roles.decorator';
import { IdParam, Paging } from '../validation/request.decorators';
import type { PageQuery } from '../validation/request.schemas';
import { CaptureRefusalCode, MAX_CAPTURE_EVENTS } from './epcis-capture';
import type { EpcisDocument } from './epcis-export';
import { EpcisService, type CaptureResult } from './epcis.service';

const EPCIS_DOCUMENT_SCHEMA = {
  type: 'object',
  description:
    'An EPCIS 2.0 EPCISDocument (JSON-LD): @context, type, schemaVersion "2.0", creationDate, ' +
    'epcisBody.eventList; Provena extension fields in the urn:provena:epcis: namespace (prefix "provena")',
  required: ['@context', 'type', 'schemaVersion', 'creationDate', 'epcisBody'],
  additionalProperties: true,
};

const CAPTURE_RESULT_SCHEMA = {
  type: 'object',
  required: ['accepted', 'duplicates', 'refused', 'txId', 'blockNumber', 'events'],
  properties: {
    accepted: { type: 'integer' },
    duplicates: { type: 'integer' },
    refused: { type: 'integer' },
    txId: { type: 'string', nullable: true, description: 'the RecordReadings transaction; null if none' },
    blockNumber: { type: 'string', nullable: true },
    events: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'eventID', 'deviceId', 'seq', 'status'],
        properties: {
          index: { type: 'integer' },
          eventID: { type: 'string', nullable: true },
          deviceId: { type: 'string', nullable: true },
          seq: { type: 'integer', nullable: true },
          status: { type: 'string', enum: ['accepted', 'duplicate', 'refused'] },
          code: { type: 'string', enum: [...new Set(Object.values(CaptureRefusalCode))] },
          reason: { type: 'string' },
          path: { type: 'string', description: 'JSON Pointer into the captured document' },
          txId: { type: 'string' },
        },
      },
    },
  },
};

/** GS1 EPCIS 2.0: a shipment exported as an EPCISDocument, and partners' documents captured as readings. */
@ApiTags('epcis')
@ApiKeyProtected()
@Controller()
export class EpcisController {
  constructor(private readonly epcis: EpcisService) {}

  @Get('shipments/:shipmentId/epcis')
  @ApiOperation({
    summary:
      'The shipment as an EPCIS 2.0 document: custody steps and device-signed readings as ObjectEvents, each ' +
      'with its Fabric transaction (shipment:GetShipment + reading:GetReadingsByShipment + block look-ups). ' +
      'Paged by readings; the custody events are on the first page; a `Link: <...>; rel="next"` header and ' +
      'the document field provena:nextBookmark name the next page',
  })
  @ApiProduces('application/ld+json')
  @ApiOkResponse({ schema: EPCIS_DOCUMENT_SCHEMA })
  async exportShipment(
    @CurrentPrincipal() principal: Principal,
    @IdParam('shipmentId') shipmentId: string,
    @Paging() page: PageQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<EpcisDocument> {
    const { document, nextBookmark } = await this.epcis.exportShipment(principal, shipmentId, page);
    response.setHeader('Content-Type', 'application/ld+json; charset=utf-8');
    if (nextBookmark !== null) {
      const next = `/shipments/${shipmentId}/epcis?pageSize=${page.pageSize}&bookmark=${encodeURIComponent(nextBookmark)}`;
      response.setHeader('Link', `<${next}>; rel="next"`);
    }
    return document;
  }

  @Post('epcis/capture')
  @HttpCode(200)
  @Roles('operator', 'admin')
  @ApiWriteErrors()
  @ApiOperation({
    summary:
      `Capture an EPCIS 2.0 document (at most ${MAX_CAPTURE_EVENTS} events, 100 KB): ObjectEvents carrying a ` +
      'device-signed reading (provena:reading, provena:signature) are checked as MQTT readings are and recorded ' +
      'by reading:RecordReadings; one result per event (accepted, duplicate, or refused with code, reason and ' +
      'path). A body that is not EPCIS 2.0 is refused as a whole, 400 VALIDATION_FAILED with details.reason',
  })
  @ApiConsumes('application/json', 'application/ld+json')
  @ApiBody({ schema: EPCIS_DOCUMENT_SCHEMA })
  @ApiOkResponse({ schema: CAPTURE_RESULT_SCHEMA })
  @ApiResponse({
    status: 413,
    description: 'VALIDATION_FAILED: the body is over 100 KB (either content type)',
    schema: { $ref: `#/components/schemas/${ERROR_SCHEMA_NAME}` },
  })
  capture(@CurrentPrincipal() principal: Principal, @Body() body: unknown): Promise<CaptureResult> {
    return this.epcis.capture(principal, body);
  }
}
