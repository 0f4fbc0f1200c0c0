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

/** The daily grid repeats after 4 years: 4 × 365.25 = 1461 days. */
const DAYS_PER_FOUR_YEARS = 1461;
/**
 * Grid points per period in countExtremaPerPeriod: days 0..366, i.e. 366 first differences
 * whose midpoints cover 365 days; the 367th midpoint (one year after the first) lies 0.25 day
 * later and closes the period.
 */
export const PERIOD_GRID_DIFFERENCES = 366;

/**
 * countDailyExtrema, counted one period at a time: the same count as the daily grid except
 * where two extrema of the curve lie less than about a day apart (test/seasonality-period.test.ts
 * counts those cases). About 367 rotations per pixel instead of floor(span × 365.25).
 *
 * Why it holds. Let g(x) = sign[f(x + h/2) − f(x − h/2)], h = 1 day: the daily count is the
 * number of sign changes of g sampled at the difference midpoints m_j = t_0 + (j − ½)h,
 * j = 1..K (K = nDays − 1), zeros keeping the previous sign. f has a period of one year, so g
 * does too. With q = floor((m_K − m_1) / 1 yr) whole years and x_b = m_K − q yr, the count is
 *   (sign changes of g at m_1, …, m_J, x_b, with m_J the last midpoint before x_b)
 *   + q × G,   G = sign changes of g around one period,
 * because from x_b to m_K g runs through q whole periods and g(x_b) = g(m_K). G is counted
 * cyclically on m_1..m_366 and back to m_1 + 1 yr (≡ m_1). The prefix m_1..m_J (J ≤ 366) lies
 * on the same grid, so one pass serves both. The sampled values at x_b ± h/2 are
 * f(t_{J−1} + δ) and f(t_J + δ), δ = x_b − m_J a multiple of a quarter day (m_K − q yr with
 * q yr = 1461q/4 days): one quarter-day rotation 4δ times from the saved state at t_{J−1}.
 * Every sign change of g is seen by each grid (daily, or the shorter steps at x_b and at the
 * wrap) as long as no two fall in one step: the counts differ only where two sign changes of
 * g, i.e. two extrema of f, lie less than a day apart.
 *
 * The rotation scheme and sign rule are those of countDailyExtrema (and of shaders/fit.wgsl,
 * which follows this function step for step in float32). If the state after x_b is still
 * "no sign yet" (every difference so far exactly 0), the daily grid itself decides.
 */
export function countExtremaPerPeriod(
  sinCoefficients: ArrayLike<number>,
  cosCoefficients: ArrayLike<number>,
  tStartYears: number,
  nDays: number,
): number {
  const differenceCount = nDays - 1;
  // q = floor((K − 1) / 365.25) in integers (365.25 = 1461 / 4).
  const wholeYears = differenceCount >= 2 ? Math.floor((4 * (differenceCount - 1)) / DAYS_PER_FOUR_YEARS) : 0;
  if (wholeYears === 0) return countDailyExtrema(sinCoefficients, cosCoefficients, tStartYears, nDays);
  // q yr = 1461q / 4 days; J = K − ceil(q yr in days); x_b = m_J + quarterSteps / 4 days.
  const shiftQuarterDays = DAYS_PER_FOUR_YEARS * wholeYears;
  const shiftCeilDays = Math.ceil(shiftQuarterDays / 4);
  const prefixEnd = differenceCount - shiftCeilDays;
  const quarterSteps = 4 * shiftCeilDays - shiftQuarterDays;

  const s1 = sinCoefficients[0], s2 = sinCoefficients[1], s3 = sinCoefficients[2];
  const c1 = cosCoefficients[0], c2 = cosCoefficients[1], c3 = cosCoefficients[2];
  const w1 = TWO_PI, w2 = 2 * TWO_PI, w3 = 3 * TWO_PI;
  let sin1 = Math.sin(w1 * tStartYears), cos1 = Math.cos(w1 * tStartYears);
  let sin2 = Math.sin(w2 * tStartYears), cos2 = Math.cos(w2 * tStartYears);
  let sin3 = Math.sin(w3 * tStartYears), cos3 = Math.cos(w3 * tStartYears);
  const dayCos1 = Math.cos(w1 / DAYS_PER_DECIMAL_YEAR), daySin1 = Math.sin(w1 / DAYS_PER_DECIMAL_YEAR);
  const dayCos2 = Math.cos(w2 / DAYS_PER_DECIMAL_YEAR), daySin2 = Math.sin(w2 / DAYS_PER_DECIMAL_YEAR);
  const dayCos3 = Math.cos(w3 / DAYS_PER_DECIMAL_YEAR), daySin3 = Math.sin(w3 / DAYS_PER_DECIMAL_YEAR);

  // State at t_{J−1} (J ≥ 1), from which x_b ± h/2 are reached.
  let savedSin1 = sin1, savedCos1 = cos1, savedSin2 = sin2, savedCos2 = cos2, savedSin3 = sin3, savedCos3 = cos3;
  let previous = s1 * sin1 + c1 * cos1 + s2 * sin2 + c2 * cos2 + s3 * sin3 + c3 * cos3;
  let previousSign = 0;
  let firstSign = 0;
  let changes = 0;
  let prefixChanges = 0;
  let prefixSign = 0;
  for (let day = 1; day <= PERIOD_GRID_DIFFERENCES; day++) {
    let s = sin1 * dayCos1 + cos1 * daySin1;
    cos1 = cos1 * dayCos1 - sin1 * daySin1;
    sin1 = s;
    s = sin2 * dayCos2 + cos2 * daySin2;
    cos2 = cos2 * dayCos2 - sin2 * daySin2;
    sin2 = s;
    s = sin3 * dayCos3 + cos3 * daySin3;
    cos3 = cos3 * dayCos3 - sin3 * daySin3;
    sin3 = s;
    const value = s1 * sin1 + c1 * cos1 + s2 * sin2 + c2 * cos2 + s3 * sin3 + c3 * cos3;
    const difference = value - previous;
    const sign = difference > 0 ? 1 : difference < 0 ? -1 : 0;
    if (sign !== 0) {
      if (previousSign !== 0 && sign !== previousSign) changes++;
      if (firstSign === 0) firstSign = sign;
      previousSign = sign;
    }
    previous = value;
    if (day === prefixEnd - 1) {
      savedSin1 = sin1; savedCos1 = cos1; savedSin2 = sin2; savedCos2 = cos2; savedSin3 = sin3; savedCos3 = cos3;
    }
    if (day === prefixEnd) {
      prefixChanges = changes;
      prefixSign = previousSign;
    }
  }
  // Around the period: the last sign against the first (the 0.25-day closing step).
  const periodChanges = changes + (firstSign !== 0 && previousSign !== 0 && firstSign !== previousSign ? 1 : 0);

  // g(x_b): f(t_{J−1} + δ) and f(t_J + δ) by quarterSteps quarter-day rotations and one day.
  if (quarterSteps > 0) {
    const quarterCos1 = Math.cos(w1 / (4 * DAYS_PER_DECIMAL_YEAR)), quarterSin1 = Math.sin(w1 / (4 * DAYS_PER_DECIMAL_YEAR));
    const quarterCos2 = Math.cos(w2 / (4 * DAYS_PER_DECIMAL_YEAR)), quarterSin2 = Math.sin(w2 / (4 * DAYS_PER_DECIMAL_YEAR));
    const quarterCos3 = Math.cos(w3 / (4 * DAYS_PER_DECIMAL_YEAR)), quarterSin3 = Math.sin(w3 / (4 * DAYS_PER_DECIMAL_YEAR));
    for (let step = 0; step < quarterSteps; step++) {
      let s = savedSin1 * quarterCos1 + savedCos1 * quarterSin1;
      savedCos1 = savedCos1 * quarterCos1 - savedSin1 * quarterSin1;
      savedSin1 = s;
      s = savedSin2 * quarterCos2 + savedCos2 * quarterSin2;
      savedCos2 = savedCos2 * quarterCos2 - savedSin2 * quarterSin2;
      savedSin2 = s;
      s = savedSin3 * quarterCos3 + savedCos3 * quarterSin3;
      savedCos3 = savedCos3 * quarterCos3 - savedSin3 * quarterSin3;
      savedSin3 = s;
    }
  }
  const before = s1 * savedSin1 + c1 * savedCos1 + s2 * savedSin2 + c2 * savedCos2 + s3 * savedSin3 + c3 * savedCos3;
  let s = savedSin1 * dayCos1 + savedCos1 * daySin1;
  savedCos1 = savedCos1 * dayCos1 - savedSin1 * daySin1;
  savedSin1 = s;
  s = savedSin2 * dayCos2 + savedCos2 * daySin2;
  savedCos2 = savedCos2 * dayCos2 - savedSin2 * daySin2;
  savedSin2 = s;
  s = savedSin3 * dayCos3 + savedCos3 * daySin3;
  savedCos3 = savedCos3 * dayCos3 - savedSin3 * daySin3;
  savedSin3 = s;
  const after = s1 * savedSin1 + c1 * savedCos1 + s2 * savedSin2 + c2 * savedCos2 + s3 * savedSin3 + c3 * savedCos3;
  const boundaryDifference = after - before;
  const boundarySign = boundaryDifference > 0 ? 1 : boundaryDifference < 0 ? -1 : 0;
  if (boundarySign !== 0) {
    if (prefixSign !== 0 && boundarySign !== prefixSign) prefixChanges++;
    prefixSign = boundarySign;
  }
  if (prefixSign === 0) return countDailyExtrema(sinCoefficients, cosCoefficients, tStartYears, nDays);
  return prefixChanges + wholeYears * periodChanges;
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
