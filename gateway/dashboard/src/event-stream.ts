// The gateway's live feed (`GET /events`, Server-Sent Events). EventSource cannot send an Authorization header,
// and an API key in the query string would end up in proxy and access logs, so the stream is read with fetch.

/** One event of the feed, as the gateway sends it (`event:`, `id:`, `data:` JSON). */
export interface FeedEvent {
  readonly type: string;
  readonly id: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * Splits `buffer` into the complete events it holds and the unfinished rest. Comments and fields other than
 * event, id and data are ignored, as the SSE specification says; an event whose data is not JSON is dropped.
 */
export function parseEventStream(buffer: string): { events: FeedEvent[]; rest: string } {
  const blocks = buffer.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  const events: FeedEvent[] = [];
  for (const block of blocks) {
    let type = 'message';
    let id = '';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      const colon = line.indexOf(':');
      if (colon === 0) continue;
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') type = value;
      else if (field === 'id') id = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) continue;
    try {
      events.push({ type, id, data: JSON.parse(data.join('\n')) as Record<string, unknown> });
    } catch {
      // Not ours to show.
    }
  }
  return { events, rest };
}

/** Where the feed stands, for the page's "live" indicator. */
export type FeedState = 'connecting' | 'live' | 'retrying' | 'refused';

/**
 * Follows `/events` until stopped, reconnecting with back-off (1 s doubling to 15 s). A key the gateway refuses
 * (401, 403) ends it: retrying would only count against the address's allowance. After a reconnect the caller
 * should reload what it shows, since events sent meanwhile are not replayed.
 * @returns a function that stops following.
 */
export function followEvents(
  key: string,
  onEvent: (event: FeedEvent) => void,
  onState: (state: FeedState) => void,
): () => void {
  const abort = new AbortController();
  let delay = 1000;
  const run = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      onState('connecting');
      try {
        const response = await fetch('/events', {
          headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' },
          signal: abort.signal,
          cache: 'no-store',
        });
        if (response.status === 401 || response.status === 403) {
          onState('refused');
          return;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        onState('live');
        delay = 1000;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          const parsed = parseEventStream(buffer + value);
          buffer = parsed.rest;
          for (const event of parsed.events) onEvent(event);
        }
      } catch {
        if (abort.signal.aborted) return;
      }
      onState('retrying');
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 15_000);
    }
  };
  void run();
  return () => abort.abort();
}
