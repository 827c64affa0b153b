import { Controller, Query, Sse, type MessageEvent } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { filter, map, type Observable } from 'rxjs';
import { GatewayError, GatewayErrorCode } from '../errors/gateway-error';
import { LedgerEventsService, type FeedEvent } from './ledger-events.service';

const TYPES: readonly FeedEvent['type'][] = ['breach', 'custody', 'ingest', 'ledger'];

/** The live feed for dashboards: compliance breaches, custody changes, ingest counts, as Server-Sent Events. */
@ApiTags('events')
@ApiBearerAuth()
@Controller('events')
export class EventsController {
  constructor(private readonly events: LedgerEventsService) {}

  @Sse()
  @ApiOperation({ summary: 'Live ledger events (text/event-stream); any API key may follow them' })
  @ApiQuery({ name: 'types', required: false, description: 'comma-separated: breach,custody,ingest,ledger' })
  stream(@Query('types') types?: string): Observable<MessageEvent> {
    const wanted = parseTypes(types);
    return this.events.feed.pipe(
      filter((event) => wanted.has(event.type)),
      map((event) => ({ type: event.type, id: event.id, data: event.data })),
    );
  }
}

function parseTypes(text: string | undefined): ReadonlySet<string> {
  if (text === undefined || text === '') return new Set(TYPES);
  const asked = text.split(',');
  const unknown = asked.filter((t) => !(TYPES as readonly string[]).includes(t));
  if (unknown.length > 0) {
    throw new GatewayError(GatewayErrorCode.ValidationFailed, `unknown event types: ${unknown.join(', ')}`, {
      field: 'types',
    });
  }
  return new Set(asked);
}
