import type { CommitFeed, CommittedReading } from '../load/commit-feed.port';

export interface GatewayCommitFeedOptions {
  /** e.g. `http://127.0.0.1:3000` */
  readonly baseUrl: string;
  /** Any role may follow the gateway's events; an auditor key is enough. */
  readonly apiKey: string;
}

/**
 * Commits from the gateway's Server-Sent Events (`/events?types=ingest`): each ingest event names the readings its
 * transaction recorded.
 */
export function newGatewayCommitFeed(options: GatewayCommitFeedOptions): CommitFeed {
  const abort = new AbortController();
  let reading: Promise<void> | undefined;
  return {
    async watch(listener) {
      const response = await fetch(new URL('/events?types=ingest', options.baseUrl), {
        headers: { authorization: `Bearer ${options.apiKey}`, accept: 'text/event-stream' },
        signal: abort.signal,
      });
      if (!response.ok || !response.body) {
        throw new Error(`the gateway's event stream answered ${response.status}`);
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
              const readings = (JSON.parse(data) as { readings?: CommittedReading[] }).readings;
              if (readings && readings.length > 0) listener(readings);
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
