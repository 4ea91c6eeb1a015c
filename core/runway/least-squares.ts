/**
 * Weighted least squares of y on time from running sums, for the trend fit (trend.ts) and the
 * slope of a young account's first hours (estimator.ts). The sums are a Float64Array of six:
 * w, wx, wy, wxx, wxy, wyy, kept by the caller (scratch: nothing is allocated per point).
 */

/** Adds the point (x, y) with weight w to the sums. */
export function accumulate(acc: Float64Array, x: number, y: number, w: number): void {
  acc[0]! += w;
  acc[1]! += w * x;
  acc[2]! += w * y;
  acc[3]! += w * x * x;
  acc[4]! += w * x * y;
  acc[5]! += w * y * y;
}

/** Weighted least squares of y on x from accumulated sums: slope, its standard error, weighted means. */
export function regress(acc: Float64Array, n: number): { slope: number; se: number; mx: number; my: number } | null {
  const sw = acc[0]!;
  if (!(sw > 0) || n < 3) return null;
  const mx = acc[1]! / sw;
  const my = acc[2]! / sw;
  const sxx = acc[3]! - sw * mx * mx;
  if (!(sxx > 0)) return null;
  const sxy = acc[4]! - sw * mx * my;
  const syy = acc[5]! - sw * my * my;
  const slope = sxy / sxx;
  // residual variance of a unit-weight block (with n blocks' worth of weight spread over sw), then of the slope
  const s2 = Math.max(0, syy - slope * sxy) / (n - 2);
  return { slope, se: Math.sqrt(s2 / sxx), mx, my };
}
