import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ForecastScorecard } from '@provena/forecasting';
import { SERIES_ID_PATTERN } from '@provena/wire';
import { GatewayError, GatewayErrorCode } from '../../errors/gateway-error';
import { ApiKeyProtected } from '../api-docs.decorators';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { IdParam } from '../validation/request.decorators';
import {
  ForecastsService,
  type ForecastSummary,
  type ForecastWithVerification,
  type MaintenanceFlagView,
} from './forecasts.service';

/**
 * Demand forecasts with prediction intervals and model cards. Every role reads them, auditors included: the
 * point of anchoring is that anyone can check a forecast against the ledger.
 */
@ApiTags('forecasts')
@ApiKeyProtected()
@Controller('forecasts')
export class ForecastsController {
  constructor(private readonly forecasts: ForecastsService) {}

  @Get()
  @ApiOperation({ summary: 'The newest published forecast of every series' })
  latest(): Promise<ForecastSummary[]> {
    return this.forecasts.latest();
  }

  @Get('series/:seriesId')
  @ApiOperation({ summary: 'Every published run of one series (e.g. demand:SKU-1@Store-7), newest first' })
  series(@Param('seriesId') seriesId: string): Promise<ForecastSummary[]> {
    if (!SERIES_ID_PATTERN.test(seriesId)) {
      throw new GatewayError(GatewayErrorCode.ValidationFailed, 'seriesId: not a series id', {
        fields: ['seriesId'],
      });
    }
    return this.forecasts.runsOf(seriesId);
  }

  // Declared before ':runId', which would otherwise take "scorecard" for a run id.
  @Get('scorecard')
  @ApiOperation({
    summary:
      'How the published demand forecasts did so far: each run against the orders now on the ledger for its ' +
      'days (days inside the prediction interval, mean absolute error, MASE), pooled per series and overall',
  })
  scorecard(): Promise<ForecastScorecard> {
    return this.forecasts.scorecard();
  }

  @Get(':runId')
  @ApiOperation({
    summary:
      'One forecast run: values, prediction interval, model card, and its anchor on the ledger with the ' +
      'values hashed again (forecast:GetForecastAnchor)',
  })
  get(
    @CurrentPrincipal() principal: Principal,
    @IdParam('runId') runId: string,
  ): Promise<ForecastWithVerification> {
    return this.forecasts.get(principal, runId);
  }
}

/** Maintenance flags: which machine needs service within the threshold, and the evidence. Every role reads them. */
@ApiTags('forecasts')
@ApiKeyProtected()
@Controller('maintenance-flags')
export class MaintenanceFlagsController {
  constructor(private readonly forecasts: ForecastsService) {}

  @Get()
  @ApiOperation({
    summary:
      'The newest maintenance assessment of every machine (flagged first): predicted hours left, interval, ' +
      'confidence, recent trend; each an anchored forecast run',
  })
  latest(): Promise<MaintenanceFlagView[]> {
    return this.forecasts.maintenanceFlags();
  }
}
