import { SimulatorError, SimulatorErrorCode } from '../errors';
import type { CommitFeed, CommittedReading, IngestTransaction } from '../load/commit-feed.port';
import { causeOf, gatewayRequestError } from './gateway-client';

export interface GatewayCommitFeedOptions {
  /** e.g. `http://127.0.0.1:3000` */
  readonly baseUrl: string;
  /** Any role may follow the gateway's events; an auditor key is enough. */
  readonly apiKey: string;
}

/** The `data` of an ingest event on `/events` (the gateway's `feedEventsOf`). */
interface IngestEventData {
  txId?: string;
  blockNumber?: string;
  duplicates?: number;
  refused?: number;
  readings?: CommittedReading[];
}

/**
 * Commits from the gateway's Server-Sent Events (`/events?types=ingest`): each ingest event names the readings its
 * transaction recorded and counts the duplicates and refusals it found.
 * @throws from `watch`: {@link SimulatorError} GATEWAY_UNAVAILABLE when the gateway cannot be reached;
 * `GatewayRequestError` when it refuses the stream (a bad API key, for one).
 */
export function newGatewayCommitFeed(options: GatewayCommitFeedOptions): CommitFeed {
  const abort = new AbortController();
  let reading: Promise<void> | undefined;
  return {
    async watch(listener) {
      const url = new URL('/events?types=ingest', options.baseUrl);
      let response: Response;
      try {
        response = await fetch(url, {
          headers: { authorization: `Bearer ${options.apiKey}`, accept: 'text/event-stream' },
          signal: abort.signal,
        });
      } catch (err) {
        throw new SimulatorError(
          SimulatorErrorCode.GatewayUnavailable,
          `the gateway's event stream at ${url.href} does not answer: ${causeOf(err)}`,
          { cause: err },
        );
      }
      if (!response.ok) throw await gatewayRequestError(response);
      if (!response.body) {
        throw new SimulatorError(
          SimulatorErrorCode.GatewayUnavailable,
          `the gateway's event stream at ${url.href} answered ${response.status} without a body`,
        );
      }
      const decoder = new TextDecoder();
      const stream = response.body;
      reading = (async () => {
        let buffer = '';
        try {
          for await (const chunk of stream) {
            buffer += decoder.decode(chunk as Uint8Array, { stream: true });
            let end: number;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const event = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const data = event
                .split('\n')
                .filter((line) => line.startsWith('data:'))
                .map((line) => line.slice(5).trimStart())
                .join('\n');
              if (data === '') continue;
              const ingest = JSON.parse(data) as IngestEventData;
              const transaction: IngestTransaction = {
                txId: ingest.txId ?? '',
                blockNumber: ingest.blockNumber ?? '',
                duplicates: ingest.duplicates ?? 0,
                refused: ingest.refused ?? 0,
              };
              listener(ingest.readings ?? [], transaction);
            }
          }
        } catch (err) {
          if (!abort.signal.aborted) throw err;
        }
      })();
      reading.catch(() => undefined);
    },
    async close() {
      abort.abort();
      await reading?.catch(() => undefined);
    },
  };
}
