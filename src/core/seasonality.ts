// The seasonality test of the study (DESIGN.md §1 item 2), pure math shared by every kernel.
//
// The detrended series is fitted with three sinusoids (periods 1, 1/2, 1/3 yr) plus an offset;
// the fitted curve is evaluated on a daily grid over the pixel's observed span, and its local
// maxima plus minima are counted. An annual signal gives one maximum and one minimum a year,
// so a seasonal pixel has ≈ 2 × span extrema (the study: 16 ± 2 for Dec 2014 – Sep 2022);
// noise fitted by the higher harmonics adds wiggles and raises the count.

import { DAYS_PER_DECIMAL_YEAR } from './time.ts';

export const HARMONIC_COUNT = 3;
const TWO_PI = 2 * Math.PI;

/**
 * A series that is exactly a line (or constant) leaves a detrended residual at rounding level,
 * whose three-sinusoid fit is numerical noise with noise "extrema". Such a curve is called flat
 * (no extrema): when √Σ(s_k² + c_k²) ≤ max(FLAT_HARMONIC_RELATIVE × range of the series,
 * FLAT_HARMONIC_FLOOR_MM). Real data (noise ≥ 0.01 mm) sit orders of magnitude above this.
 */
export const FLAT_HARMONIC_RELATIVE = 1e-5;
export const FLAT_HARMONIC_FLOOR_MM = 1e-6;

export function isFlatHarmonicCurve(sinCoefficients: ArrayLike<number>, cosCoefficients: ArrayLike<number>, seriesRangeMm: number): boolean {
  let sumSquares = 0;
  for (let k = 0; k < HARMONIC_COUNT; k++) sumSquares += sinCoefficients[k] ** 2 + cosCoefficients[k] ** 2;
  return Math.sqrt(sumSquares) <= Math.max(FLAT_HARMONIC_RELATIVE * seriesRangeMm, FLAT_HARMONIC_FLOOR_MM);
}

/** expected = round(2 × span in years), or the user's override. */
export function expectedExtremaCount(spanYears: number, override: number | null): number {
  return override ?? Math.round(2 * spanYears);
}

export function isSeasonal(extremaCount: number, expected: number, tolerance: number): boolean {
  return Math.abs(extremaCount - expected) <= tolerance;
}

/** Number of daily grid points over a span: days 0..floor(span × 365.25). */
export function dailyGridPointCount(spanYears: number): number {
  return Math.floor(spanYears * DAYS_PER_DECIMAL_YEAR + 1e-9) + 1;
}

/**
 * Counts local maxima plus minima of f(t) = Σ_k s_k sin(2πk t) + c_k cos(2πk t), k = 1..3,
 * sampled at t_j = tStart + j / 365.25, j = 0..nDays−1. An extremum is a strict change of sign
 * of the first difference; zero differences (a flat step) keep the previous sign, so a plateau
 * counts once. The sines are advanced by rotation (one complex multiply per harmonic per day)
 * rather than evaluated, exactly as the WGSL kernel does, so both count the same curve.
 *
 * @param sinCoefficients s_1..s_3   @param cosCoefficients c_1..c_3
 */
export function countDailyExtrema(
  sinCoefficients: ArrayLike<number>,
  cosCoefficients: ArrayLike<number>,
  tStartYears: number,
  nDays: number,
): number {
  // (sin θ_k, cos θ_k) at the current day, and the one-day rotation for each harmonic.
  const sinTheta = new Float64Array(HARMONIC_COUNT);
  const cosTheta = new Float64Array(HARMONIC_COUNT);
  const sinStep = new Float64Array(HARMONIC_COUNT);
  const cosStep = new Float64Array(HARMONIC_COUNT);
  for (let k = 0; k < HARMONIC_COUNT; k++) {
    const omega = TWO_PI * (k + 1);
    sinTheta[k] = Math.sin(omega * tStartYears);
    cosTheta[k] = Math.cos(omega * tStartYears);
    sinStep[k] = Math.sin(omega / DAYS_PER_DECIMAL_YEAR);
    cosStep[k] = Math.cos(omega / DAYS_PER_DECIMAL_YEAR);
  }
  const curve = (): number => {
    let f = 0;
    for (let k = 0; k < HARMONIC_COUNT; k++) f += sinCoefficients[k] * sinTheta[k] + cosCoefficients[k] * cosTheta[k];
    return f;
  };
  let previous = curve();
  let previousSign = 0;
  let extrema = 0;
  for (let day = 1; day < nDays; day++) {
    for (let k = 0; k < HARMONIC_COUNT; k++) {
      const s = sinTheta[k] * cosStep[k] + cosTheta[k] * sinStep[k];
      const c = cosTheta[k] * cosStep[k] - sinTheta[k] * sinStep[k];
      sinTheta[k] = s;
      cosTheta[k] = c;
    }
    const value = curve();
    const difference = value - previous;
    const sign = difference > 0 ? 1 : difference < 0 ? -1 : 0;
    if (sign !== 0) {
      if (previousSign !== 0 && sign !== previousSign) extrema++;
      previousSign = sign;
    }
    previous = value;
  }
  return extrema;
}

/**
 * Annual term c sin(2πt_c) + s cos(2πt_c) = A sin(2πt_c + ψ), ψ = atan2(s, c), with t_c = t − t_mid.
 * Its maximum is at 2πt_c + ψ = π/2, i.e. t = t_mid + 1/4 − ψ/2π (mod 1 yr); returned as the
 * fraction of the calendar year in [0, 1). (MintPy: peak at t_ref + ((π/2 − φ)/2π mod 1).)
 */
export function annualPeakYearFraction(sinCoefficient: number, cosCoefficient: number, tMidYears: number): number {
  const psi = Math.atan2(cosCoefficient, sinCoefficient);
  const f = tMidYears + 0.25 - psi / TWO_PI;
  return f - Math.floor(f);
}
