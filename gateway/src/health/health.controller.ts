import { Controller, Get, Header, HttpCode, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../api/auth/public.decorator';
import { GATEWAY_CONFIG } from '../config/config.token';
import type { GatewayConfig } from '../config/gateway-config';
import { IngestService } from '../ingest/ingest.service';
import { LEDGER, type LedgerPort } from '../ledger/ledger.port';
import { GatewayMetrics } from '../observability/gateway-metrics';
import { CachedProbe, DEFAULT_READY_CACHE_MS } from './ready-probe';

/** Liveness, readiness and metrics: open without an API key, as orchestrators and Prometheus expect. */
@Public()
@ApiExcludeController()
@Controller()
export class HealthController {
  /** The ledger half of `/ready`: an open route must not cost a Fabric query per request (see CachedProbe). */
  readonly #ledgerReady: CachedProbe;

  constructor(
    @Inject(LEDGER) ledger: LedgerPort,
    private readonly ingest: IngestService,
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.#ledgerReady = new CachedProbe({
      probe: () => ledger.isReachable(),
      ttlMs: config.http.readyCacheMs ?? DEFAULT_READY_CACHE_MS,
    });
  }

  /** The process answers. Nothing else is checked: a restart would not fix a broker or a peer. */
  @Get('health')
  @HttpCode(HttpStatus.OK)
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Whether the gateway can do its work now: the broker session is up (read live: it costs nothing) and Fabric
   * answers a query (at most one query per PROVENA_READY_CACHE_MS, shared by every request meanwhile).
   */
  @Get('ready')
  async ready(
    @Res({ passthrough: true }) res: Pick<Response, 'status'>,
  ): Promise<{ ready: boolean; broker: boolean; ledger: boolean }> {
    const ledger = await this.#ledgerReady.check();
    const broker = this.ingest.session.connected;
    const ready = broker && ledger;
    res.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { ready, broker, ledger };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async prometheus(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
