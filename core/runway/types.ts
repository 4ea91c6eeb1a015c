/** What the runway estimator says after each observation. */
export interface RunwayEstimate {
  /** Seconds until the balance reaches zero at the estimated rate; null when unknown (no spend seen yet). */
  readonly runwaySeconds: number | null;
  /**
   * Pessimistic runway: under the estimator's model the account outlives it with 90 % probability
   * (at most runwaySeconds); null when the runway is unknown.
   */
  readonly runwayLowerBoundSeconds: number | null;
  /** Estimated spend rate used for the runway, in currency units per second; null when unknown. */
  readonly spendRatePerSecond: number | null;
  /**
   * Sustained change of spend the runway was projected with, as a share per day (0.2 = +20 % a
   * day, -0.1 = -10 % a day); 0 when none stands out from the noise.
   */
  readonly trendPerDay: number;
  /** Sum of all decreases observed since the estimator was created (monotonic). */
  readonly spentTotal: number;
  /** Sum of all increases (deposits) observed since the estimator was created (monotonic). */
  readonly depositedTotal: number;
}
