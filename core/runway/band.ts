/**
 * The pessimistic side of the runway: how widely the spend to come may turn out above the
 * projection. The runway's lower bound is the time by which the projected spend, raised by
 * BAND_Z of these standard deviations (of log spend), reaches the balance: under the model the
 * account outlives it with 90 % probability.
 */

/** The standard normal's 90th percentile: the bound is outlived with 90 % probability. */
export const BAND_Z = 1.2815515655446004;
/**
 * While a lull is projected, two independent things may make the runway shorter: the spend to come
 * may run above the projection, and the lull may end sooner than its median. The 90 % bound takes
 * each at an equal share of BAND_Z (root-sum-square: BAND_Z / sqrt(2) standard deviations each), so
 * the spend spread is raised by BAND_SPLIT_Z and the lull ends at its BAND_SPLIT_QUANTILE quantile
 * (the standard normal's probability below -BAND_SPLIT_Z, about 18 %), not both at their 10 %.
 */
export const BAND_SPLIT_Z = BAND_Z / Math.SQRT2;
export const BAND_SPLIT_QUANTILE = 0.18241664139292585;
/** Spread of log spend from the hour-to-hour noise while it is not known yet (under a day of history). */
export const BAND_UNKNOWN_SPREAD = 0.5;
/**
 * Prior of the day-to-day variance of spend over its expectation (a standard deviation of 50 %),
 * worth DAY_PRIOR_DAYS days: a young account's next days may differ from its first ones by that
 * much (its first weekday after a weekend start, a daily cycle not yet seen), and the days
 * measured take over as they come.
 */
export const DAY_VAR_PRIOR = 0.25;
export const DAY_PRIOR_DAYS = 2;
/**
 * Standard error of the trend (log spend per hour) before any trend can be fitted (under a day and
 * a half of history): growth of 20 % a day is as likely as none.
 */
export const TREND_PRIOR_SE = Math.log(1.2) / 24;

export interface SpreadInputs {
  /** Hours ahead the spend is summed over. */
  hours: number;
  /** Spend projected over them (currency). */
  spend: number;
  /** Variance of one hour's spend around the profile (currency²); NaN = unknown. */
  hourVar: number;
  /** Independent observations the level is worth (spend² over its variance); the level's own error. */
  levelObs: number;
  /** Day-to-day variance of a day's spend over its expectation (NaN = unknown) and the days it is from. */
  dayVar: number;
  days: number;
  /**
   * How much faster than projected spend may grow (log spend per hour): the trend's standard
   * error plus what its tests and shrinkage left out of the projection; NaN = no fit (a prior applies).
   */
  trendSe: number;
  /** Hours the trend is projected for (its error grows over them, then stays). */
  trendHours: number;
}

/**
 * Standard deviation of log spend over the next `hours`, from independent parts: the hour-to-hour
 * noise (summed over the hours, so it averages out over a long runway), the error of the level
 * (a mean of a week's spend), the day-to-day wandering of the level (future days average it out,
 * the week's mean holds its error), and a trend that may be steeper (or flatter) than fitted
 * (its error in log spend grows with the horizon: half of it, on average over the hours).
 */
export function spendSpread(x: SpreadInputs): number {
  if (!(x.spend > 0) || !(x.hours > 0)) return BAND_UNKNOWN_SPREAD;
  let v = Number.isFinite(x.hourVar) ? (x.hourVar * x.hours) / (x.spend * x.spend) : BAND_UNKNOWN_SPREAD ** 2;
  v += 1 / Math.max(1, x.levelObs);
  const days = Number.isFinite(x.dayVar) ? x.days : 0;
  const dayVar = ((days > 0 ? days * x.dayVar : 0) + DAY_PRIOR_DAYS * DAY_VAR_PRIOR) / (days + DAY_PRIOR_DAYS);
  v += dayVar * (1 / Math.max(1, x.hours / 24) + 1 / Math.max(1, days));
  const trendSe = Number.isFinite(x.trendSe) ? x.trendSe : TREND_PRIOR_SE;
  const h = Number.isFinite(x.trendSe) ? Math.min(x.hours, x.trendHours) : x.hours;
  v += ((trendSe * h) / 2) ** 2;
  return Math.sqrt(v);
}
