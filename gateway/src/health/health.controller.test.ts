import type { GatewayConfig } from '../config/gateway-config';
import type { IngestService } from '../ingest/ingest.service';
import type { LedgerPort } from '../ledger/ledger.port';
import { GatewayMetrics } from '../observability/gateway-metrics';
import { HealthController } from './health.controller';

/** The controller over a ledger whose isReachable the test answers, and a broker session it switches. */
function controller(readyCacheMs?: number) {
  const pending: ((up: boolean) => void)[] = [];
  let queries = 0;
  const ledger = {
    isReachable: () => {
      queries += 1;
      return new Promise<boolean>((resolve) => pending.push(resolve));
    },
  } as unknown as LedgerPort;
  const session = { connected: true };
  const config = {
    http: { host: '127.0.0.1', port: 0, ...(readyCacheMs !== undefined && { readyCacheMs }) },
  };
  const health = new HealthController(
    ledger,
    { session } as unknown as IngestService,
    new GatewayMetrics(),
    config as GatewayConfig,
  );
  const statuses: number[] = [];
  const res = { status: (code: number) => (statuses.push(code), res) } as never;
  return {
    ready: () => health.ready(res),
    answer: (up: boolean) => pending.splice(0).forEach((resolve) => resolve(up)),
    queries: () => queries,
    session,
    statuses,
  };
}

describe('GET /ready', () => {
  it('answers a burst of requests from one ledger query, and the next ones from its cached answer', async () => {
    const gateway = controller();
    const burst = Array.from({ length: 200 }, () => gateway.ready());
    gateway.answer(true);
    expect(await Promise.all(burst)).toEqual(
      Array.from({ length: 200 }, () => ({ ready: true, broker: true, ledger: true })),
    );
    expect(await gateway.ready()).toEqual({ ready: true, broker: true, ledger: true });
    expect(gateway.queries()).toBe(1);
    expect(new Set(gateway.statuses)).toEqual(new Set([200]));
  });

  it('reads the broker session live while the ledger answer is cached', async () => {
    const gateway = controller();
    const first = gateway.ready();
    gateway.answer(true);
    await first;
    gateway.session.connected = false;
    expect(await gateway.ready()).toEqual({ ready: false, broker: false, ledger: true });
    expect(gateway.statuses.at(-1)).toBe(503);
    expect(gateway.queries()).toBe(1);
  });

  it('with PROVENA_READY_CACHE_MS=0 asks the ledger again for each request after an answer', async () => {
    const gateway = controller(0);
    for (const up of [false, true]) {
      const answer = gateway.ready();
      gateway.answer(up);
      expect(await answer).toMatchObject({ ledger: up });
    }
    expect(gateway.queries()).toBe(2);
    expect(gateway.statuses).toEqual([503, 200]);
  });
});
