/**
 * What every forecasting method gives back: the point forecast for each step of the horizon and the parameters
 * it fitted, which a published forecast's model hash covers so an auditor can tell two models apart.
 */
export interface ModelFit {
  readonly kind: string;
  readonly point: number[];
  /** Fitted parameters and weights; JSON with finite numbers only. */
  readonly parameters: Record<string, unknown>;
}

/** A forecasting method: fits on `history` and forecasts `horizon` steps; `period` is the season length. */
export interface Forecaster {
  readonly kind: string;
  fit(history: readonly number[], horizon: number, period: number): ModelFit;
}
