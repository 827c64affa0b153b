import { Inject, Injectable } from '@nestjs/common';
import {
  ForecastError,
  ForecastErrorCode,
  ForecastStore,
  type ForecastScorecard,
  type PublishedForecast,
} from '@provena/forecasting';
import { forecastValuesHash } from '@provena/wire';
import { GatewayError, GatewayErrorCode } from '../../errors/gateway-error';
import { LEDGER, type LedgerPort } from '../../ledger/ledger.port';
import { API_OPTIONS, type ApiOptions } from '../api.options';
import { actorOf, type Principal } from '../auth/principal';

/** A forecast in a list: enough to pick one, without its values. */
export interface ForecastSummary {
  runId: string;
  seriesId: string;
  purpose: 'demand' | 'maintenance';
  modelKind: string;
  origin: string;
  horizon: number;
  publishedAt: string;
  anchorTxId: string;
}

/** A machine's maintenance flag as the API lists it; the run behind it is at `/forecasts/{runId}`. */
export interface MaintenanceFlagView {
  deviceId: string;
  flag: boolean;
  predictedHoursLeft: number;
  interval: readonly [number, number];
  thresholdHours: number;
  confidence: number;
  evidence: NonNullable<PublishedForecast['maintenance']>['evidence'];
  modelKind: string;
  runId: string;
  anchorTxId: string;
  publishedAt: string;
}

/** What the ledger holds for a forecast run, as `forecast:GetForecastAnchor` returns it. */
interface AnchorRecord {
  valuesHash: string;
  modelHash: string;
  txId: string;
  anchoredByOrg: string;
  /** Fabric's client id of the identity that anchored: the forecasting service's own, not the gateway's. */
  anchoredBy: string;
  anchoredAt: number;
}

/** A forecast with the auditor's check: its values hashed again here, against the hash on the ledger. */
export interface ForecastWithVerification extends PublishedForecast {
  verification: {
    recomputedValuesHash: string;
    ledgerValuesHash: string;
    ledgerModelHash: string;
    anchorTxId: string;
    anchoredByOrg: string;
    anchoredBy: string;
    /** The values served here are the values the ledger anchored, and the model is the one the card names. */
    matchesLedger: boolean;
  };
}

/**
 * Published forecasts, read from the forecasting service's store (a folder it shares with the gateway) and checked
 * against their ledger anchors. The gateway trains nothing: it restarts without touching a forecast, and what it
 * serves is only as trusted as the match with the anchor, which every read recomputes.
 */
@Injectable()
export class ForecastsService {
  private readonly store: ForecastStore;

  constructor(
    @Inject(LEDGER) private readonly ledger: LedgerPort,
    @Inject(API_OPTIONS) options: ApiOptions,
  ) {
    this.store = new ForecastStore(options.forecastDirectory ?? '.provena/forecasts');
  }

  async latest(): Promise<ForecastSummary[]> {
    return (await this.store.latest()).map(summary);
  }

  /** The newest maintenance assessment of every machine, flagged ones first. */
  async maintenanceFlags(): Promise<MaintenanceFlagView[]> {
    return (await this.store.latest())
      .filter((f) => f.anchor.purpose === 'maintenance' && f.maintenance)
      .map((f) => ({
        deviceId: f.maintenance!.unitId,
        flag: f.maintenance!.flag,
        predictedHoursLeft: f.maintenance!.predictedCyclesLeft,
        interval: f.maintenance!.interval,
        thresholdHours: f.maintenance!.thresholdCycles,
        confidence: f.maintenance!.confidence,
        evidence: f.maintenance!.evidence,
        modelKind: f.modelCard.kind,
        runId: f.runId,
        anchorTxId: f.ledger.txId,
        publishedAt: f.publishedAt,
      }))
      .sort((a, b) => Number(b.flag) - Number(a.flag) || a.predictedHoursLeft - b.predictedHoursLeft);
  }

  /**
   * How the published demand forecasts did on the days whose orders are now on the ledger, as the forecasting
   * service scored them after its last run. Each listed run names its values hash and anchor transaction, so an
   * auditor can check any of them at `/forecasts/{runId}`.
   * @throws GatewayError NOT_FOUND before the service's first run.
   */
  async scorecard(): Promise<ForecastScorecard> {
    const scorecard = await this.store.scorecard();
    if (!scorecard) {
      throw new GatewayError(
        GatewayErrorCode.NotFound,
        'no forecast scorecard yet: the forecasting service writes one after each forecast run',
      );
    }
    return scorecard;
  }

  async runsOf(seriesId: string): Promise<ForecastSummary[]> {
    return (await this.store.runsOf(seriesId)).map(summary);
  }

  /**
   * One run, with its anchor fetched from the ledger as the caller and its values hashed again.
   * @throws GatewayError NOT_FOUND when the store or the ledger has no such run.
   */
  async get(principal: Principal, runId: string): Promise<ForecastWithVerification> {
    let forecast: PublishedForecast;
    try {
      forecast = await this.store.get(runId);
    } catch (err) {
      if (err instanceof ForecastError && err.code === ForecastErrorCode.NotFound) {
        throw new GatewayError(GatewayErrorCode.NotFound, `no forecast run ${runId}`);
      }
      throw err;
    }
    const anchor = await this.ledger.evaluate<AnchorRecord>(
      actorOf(principal),
      'forecast:GetForecastAnchor',
      [runId],
    );
    const recomputed = forecastValuesHash(forecast.values);
    return {
      ...forecast,
      verification: {
        recomputedValuesHash: recomputed,
        ledgerValuesHash: anchor.valuesHash,
        ledgerModelHash: anchor.modelHash,
        anchorTxId: anchor.txId,
        anchoredByOrg: anchor.anchoredByOrg,
        anchoredBy: anchor.anchoredBy,
        matchesLedger: recomputed === anchor.valuesHash && forecast.modelCard.modelHash === anchor.modelHash,
      },
    };
  }
}

function summary(f: PublishedForecast): ForecastSummary {
  return {
    runId: f.runId,
    seriesId: f.values.seriesId,
    purpose: f.anchor.purpose,
    modelKind: f.modelCard.kind,
    origin: f.values.origin,
    horizon: f.anchor.horizon,
    publishedAt: f.publishedAt,
    anchorTxId: f.ledger.txId,
  };
}
