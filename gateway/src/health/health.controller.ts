import { Controller, Get, Header, HttpCode, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../api/auth/public.decorator';
import { IngestService } from '../ingest/ingest.service';
import { LEDGER, type LedgerPort } from '../ledger/ledger.port';
import { GatewayMetrics } from '../observability/gateway-metrics';

/** Liveness, readiness and metrics: open without an API key, as orchestrators and Prometheus expect. */
@Public()
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    @Inject(LEDGER) private readonly ledger: LedgerPort,
    private readonly ingest: IngestService,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** The process answers. Nothing else is checked: a restart would not fix a broker or a peer. */
  @Get('health')
  @HttpCode(HttpStatus.OK)
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Whether the gateway can do its work now: the broker session is up and Fabric answers a query. */
  @Get('ready')
  async ready(
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ ready: boolean; broker: boolean; ledger: boolean }> {
    const broker = this.ingest.session.connected;
    const ledger = await this.ledger.isReachable();
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
