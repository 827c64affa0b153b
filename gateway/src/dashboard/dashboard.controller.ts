import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../api/auth/public.decorator';
import { DASHBOARD_CSP, type DashboardAsset, type DashboardBundle } from './dashboard-assets';

/** DI token of the {@link DashboardBundle} the gateway serves. */
export const DASHBOARD_BUNDLE = Symbol('DASHBOARD_BUNDLE');

/**
 * The dashboard's page at `/` and its script and stylesheet. Public: the page holds no data, and every call it
 * makes carries the API key the user typed in, which the API checks as for any client.
 */
@ApiExcludeController()
@Public()
@Controller()
export class DashboardController {
  constructor(@Inject(DASHBOARD_BUNDLE) private readonly bundle: DashboardBundle) {}

  @Get()
  page(@Req() request: Request, @Res() response: Response): void {
    this.#send(request, response, 'index.html');
  }

  @Get('dashboard/assets/:file')
  asset(@Param('file') file: string, @Req() request: Request, @Res() response: Response): void {
    this.#send(request, response, file === 'index.html' ? '' : file);
  }

  #send(request: Request, response: Response, name: string): void {
    response.setHeader('Content-Security-Policy', DASHBOARD_CSP);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    if (!this.bundle.built) {
      response.status(503).type('text/plain').send(`the dashboard is not built: ${this.bundle.reason}\n`);
      return;
    }
    const asset: DashboardAsset | undefined = this.bundle.files.get(name);
    if (!asset) {
      response.status(404).type('text/plain').send('not found\n');
      return;
    }
    // File names are not content-hashed: the browser revalidates each load, answered 304 while unchanged.
    response.setHeader('Cache-Control', 'no-cache');
    response.setHeader('ETag', asset.etag);
    if (request.headers['if-none-match'] === asset.etag) {
      response.status(304).end();
      return;
    }
    response.status(200).type(asset.contentType).send(asset.body);
  }
}
