import type { ForecastAnchorInput, ForecastValues } from '@provena/wire';
import type { MaintenanceAssessment } from '../maintenance/maintenance-flag';

/**
 * What a model card says about the model behind a forecast: what it is, what it was trained on, and how it did
 * against the baselines on the same validation origins.
 */
export interface ModelCard {
  readonly kind: string;
  readonly modelHash: string;
  /** Set when the validated choice was refused and a baseline published instead. */
  readonly fallback: { readonly from: string; readonly reason: string } | null;
  /**
   * How each candidate did in validation, baselines included (null where a candidate failed): mean MASE over
   * rolling origins for demand, cross-validated RMSE in cycles for remaining useful life. Lower is better.
   */
  readonly validation: { readonly metric: 'MASE' | 'RMSE'; readonly scores: Record<string, number | null> };
  readonly training: {
    readonly from: string;
    readonly to: string;
    readonly points: number;
    /** Demand only: the total ordered over the training days (absent in runs published before it was added). */
    readonly total?: number;
    readonly blocks: { readonly from: string; readonly to: string };
  };
  readonly config: Record<string, unknown>;
}

/** One published forecast run: its values, its model card, its anchor and where the anchor is on the ledger. */
export interface PublishedForecast {
  readonly runId: string;
  readonly values: ForecastValues;
  readonly anchor: ForecastAnchorInput;
  readonly modelCard: ModelCard;
  readonly ledger: { readonly txId: string; readonly blockNumber: string };
  /** For a maintenance run: the flag and the evidence behind it. */
  readonly maintenance?: MaintenanceAssessment;
  readonly publishedAt: string;
}
