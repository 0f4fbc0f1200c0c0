// Ground-temperature coupling at one pixel (the study's §4.1 and Fig. 7c): how a pixel's
// displacement series follows the ground temperature (GLDAS, top 2 m of soil, K).
//
// The study reads three things off Fig. 7c, and this module computes each:
//   1. "a notable inverse correlation" between displacement and temperature: the Pearson
//      correlation of the detrended displacement with temperature at a range of lags, both
//      resampled onto one regular grid (step = the median acquisition interval), and the lag of
//      its extreme. Lag > 0 means displacement follows temperature: r(L) = corr(T(t), d(t + L)).
//   2. "the peaks in ground deformation generally lag behind the annual minimum ground
//      temperature by approximately four months": from annual sinusoids fitted to each series
//      (robust to noise and to the coarse monthly sampling of GLDAS), and per year (each winter's
//      temperature minimum to the peak of a sinusoid fitted to the following 12 months of
//      displacement).
//   3. the thaw windows, when temperature exceeds 273.15 K (0 °C), "roughly half the year from
//      May to October", shaded in red in Fig. 7c.
//
// Time is MintPy's decimal year (core/time.ts); days are 365.25 per year, the same convention.
// Pure: no I/O.

import { DAYS_PER_DECIMAL_YEAR, decimalYearToYmd } from './time.ts';

/** 0 °C in kelvin: above it the active layer thaws (the study's blue dashed line in Fig. 7c). */
export const THAW_THRESHOLD_K = 273.15;
const TWO_PI = 2 * Math.PI;

/** A temperature series, sorted by time, no duplicates, finite values. */
export interface TemperatureSeries {
  tYears: Float64Array;
  kelvin: Float64Array;
}

/** Linear interpolation of the temperature at each time; NaN outside the series' range (no extrapolation). */
export function interpolateTemperature(series: TemperatureSeries, tYears: ArrayLike<number>): Float64Array {
  const { tYears: ts, kelvin } = series;
  const out = new Float64Array(tYears.length);
  const n = ts.length;
  for (let i = 0; i < tYears.length; i++) {
    const t = tYears[i];
    if (!(t >= ts[0] && t <= ts[n - 1])) { out[i] = NaN; continue; }
    // Binary search for ts[j] ≤ t < ts[j + 1].
    let lo = 0, hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (ts[mid] <= t) lo = mid; else hi = mid;
    }
    const span = ts[hi] - ts[lo];
    out[i] = span > 0 ? kelvin[lo] + ((kelvin[hi] - kelvin[lo]) * (t - ts[lo])) / span : kelvin[lo];
  }
  return out;
}

/** Median spacing of sorted times, in days. */
export function medianIntervalDays(tYears: ArrayLike<number>): number {
  const gaps: number[] = [];
  for (let i = 1; i < tYears.length; i++) gaps.push((tYears[i] - tYears[i - 1]) * DAYS_PER_DECIMAL_YEAR);
  gaps.sort((a, b) => a - b);
  return gaps.length ? gaps[gaps.length >> 1] : NaN;
}

export interface CrossCorrelation {
  /** Grid step, days (the median acquisition interval). */
  stepDays: number;
  lagsDays: number[];
  /** Pearson r at each lag; NaN where fewer than MIN_PAIRS pairs overlap. */
  correlation: number[];
  pairs: number[];
  /** Largest |r|. */
  extreme: { lagDays: number; r: number } | null;
  /** Most negative r: the inverse coupling the study describes (thaw ⇒ subsidence). */
  mostNegative: { lagDays: number; r: number } | null;
  mostPositive: { lagDays: number; r: number } | null;
}

const MIN_PAIRS = 10;

/**
 * Lagged cross-correlation of displacement (valid epochs only, detrended) and temperature.
 * Both are resampled by linear interpolation onto a regular grid over their common span, with
 * step = the median acquisition interval; a grid point inside an acquisition gap longer than
 * maxGapDays gets no displacement value (a straight line across a missing winter would
 * invent data). Lags are whole steps within [minLagDays, maxLagDays].
 */
export function laggedCrossCorrelation(
  displacementTYears: Float64Array,
  displacementMm: Float64Array,
  temperature: TemperatureSeries,
  options: { minLagDays: number; maxLagDays: number; maxGapDays?: number },
): CrossCorrelation {
  const stepDays = Math.max(1, Math.round(medianIntervalDays(displacementTYears)));
  const stepYears = stepDays / DAYS_PER_DECIMAL_YEAR;
  const maxGapYears = (options.maxGapDays ?? 3 * stepDays) / DAYS_PER_DECIMAL_YEAR;
  const t0 = Math.max(displacementTYears[0], temperature.tYears[0]);
  const t1 = Math.min(displacementTYears[displacementTYears.length - 1], temperature.tYears[temperature.tYears.length - 1]);
  const nGrid = t1 > t0 ? Math.floor((t1 - t0) / stepYears + 1e-9) + 1 : 0;
  const grid = new Float64Array(nGrid);
  for (let i = 0; i < nGrid; i++) grid[i] = t0 + i * stepYears;
  const tempOnGrid = interpolateTemperature(temperature, grid);
  const dispOnGrid = new Float64Array(nGrid).fill(NaN);
  let j = 0;
  for (let i = 0; i < nGrid; i++) {
    const t = grid[i];
    while (j + 1 < displacementTYears.length && displacementTYears[j + 1] < t) j++;
    if (t === displacementTYears[j]) { dispOnGrid[i] = displacementMm[j]; continue; }
    if (j + 1 >= displacementTYears.length) { if (Math.abs(t - displacementTYears[j]) < 1e-9) dispOnGrid[i] = displacementMm[j]; continue; }
    const ta = displacementTYears[j], tb = displacementTYears[j + 1];
    if (!(t >= ta && t <= tb) || tb - ta > maxGapYears) continue;
    dispOnGrid[i] = displacementMm[j] + ((displacementMm[j + 1] - displacementMm[j]) * (t - ta)) / (tb - ta);
  }

  const lagsDays: number[] = [];
  const correlation: number[] = [];
  const pairs: number[] = [];
  const kMin = Math.ceil(options.minLagDays / stepDays - 1e-9);
  const kMax = Math.floor(options.maxLagDays / stepDays + 1e-9);
  for (let k = kMin; k <= kMax; k++) {
    // r(L) = corr(T(t), d(t + L)), L = k steps.
    let n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (let i = 0; i < nGrid; i++) {
      const m = i + k;
      if (m < 0 || m >= nGrid) continue;
      const x = tempOnGrid[i], y = dispOnGrid[m];
      if (!(x === x && y === y)) continue;
      n++; sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
    }
    const cov = sxy - (sx * sy) / n;
    const vx = sxx - (sx * sx) / n;
    const vy = syy - (sy * sy) / n;
    lagsDays.push(k * stepDays);
    pairs.push(n);
    correlation.push(n >= MIN_PAIRS && vx > 0 && vy > 0 ? cov / Math.sqrt(vx * vy) : NaN);
  }
  const pick = (score: (r: number) => number): { lagDays: number; r: number } | null => {
    let best = -1;
    for (let i = 0; i < correlation.length; i++) {
      if (!Number.isFinite(correlation[i])) continue;
      if (best < 0 || score(correlation[i]) > score(correlation[best])) best = i;
    }
    return best < 0 ? null : { lagDays: lagsDays[best], r: correlation[best] };
  };
  return {
    stepDays,
    lagsDays,
    correlation,
    pairs,
    extreme: pick(Math.abs),
    mostNegative: pick((r) => -r),
    mostPositive: pick((r) => r),
  };
}

export interface AnnualSinusoid {
  /** Half peak-to-trough, in the series' unit. */
  amplitude: number;
  /** Fraction of the calendar year (0..1) at which the annual term is highest / lowest. */
  peakYearFraction: number;
  troughYearFraction: number;
  rms: number;
  n: number;
}

/**
 * Least-squares y ≈ o [+ r t] + c sin 2πt + s cos 2πt on decimal years (centred for
 * conditioning: a shift of t by whole years does not move the phase, a fractional one is added
 * back). c sin 2πt + s cos 2πt = A sin(2πt + ψ), ψ = atan2(s, c), highest at t = 1/4 − ψ/2π.
 * Null with fewer than 6 points or when the epochs cannot separate sin from cos.
 */
export function fitAnnualSinusoid(tYears: ArrayLike<number>, values: ArrayLike<number>, withTrend: boolean): AnnualSinusoid | null {
  const n = tYears.length;
  if (n < 6) return null;
  let tMean = 0;
  for (let i = 0; i < n; i++) tMean += tYears[i] / n;
  const p = withTrend ? 4 : 3;
  const g = new Float64Array(p * p);
  const h = new Float64Array(p);
  const row = new Float64Array(p);
  const fill = (t: number): void => {
    row[0] = 1;
    row[1] = Math.sin(TWO_PI * t);
    row[2] = Math.cos(TWO_PI * t);
    if (withTrend) row[3] = t - tMean;
  };
  for (let i = 0; i < n; i++) {
    fill(tYears[i]);
    for (let a = 0; a < p; a++) {
      h[a] += row[a] * values[i];
      for (let b = 0; b < p; b++) g[a * p + b] += row[a] * row[b];
    }
  }
  const x = solveSmall(g, h, p);
  if (!x) return null;
  let rss = 0;
  for (let i = 0; i < n; i++) {
    fill(tYears[i]);
    let model = 0;
    for (let a = 0; a < p; a++) model += row[a] * x[a];
    rss += (values[i] - model) ** 2;
  }
  const c = x[1], s = x[2];
  const peak = 0.25 - Math.atan2(s, c) / TWO_PI;
  const peakYearFraction = peak - Math.floor(peak);
  const trough = peakYearFraction + 0.5;
  return { amplitude: Math.hypot(c, s), peakYearFraction, troughYearFraction: trough - Math.floor(trough), rms: Math.sqrt(rss / n), n };
}

/** Gaussian elimination with partial pivoting for p ≤ 4; null when singular. */
function solveSmall(g: Float64Array, h: Float64Array, p: number): Float64Array | null {
  const a = Float64Array.from(g);
  const b = Float64Array.from(h);
  const scale = Math.max(...Array.from({ length: p }, (_, i) => Math.abs(a[i * p + i])));
  for (let col = 0; col < p; col++) {
    let pivot = col;
    for (let r = col + 1; r < p; r++) if (Math.abs(a[r * p + col]) > Math.abs(a[pivot * p + col])) pivot = r;
    if (!(Math.abs(a[pivot * p + col]) > 1e-10 * scale)) return null;
    if (pivot !== col) {
      for (let k = 0; k < p; k++) [a[col * p + k], a[pivot * p + k]] = [a[pivot * p + k], a[col * p + k]];
      [b[col], b[pivot]] = [b[pivot], b[col]];
    }
    for (let r = col + 1; r < p; r++) {
      const f = a[r * p + col] / a[col * p + col];
      for (let k = col; k < p; k++) a[r * p + k] -= f * a[col * p + k];
      b[r] -= f * b[col];
    }
  }
  const x = new Float64Array(p);
  for (let r = p - 1; r >= 0; r--) {
    let v = b[r];
    for (let k = r + 1; k < p; k++) v -= a[r * p + k] * x[k];
    x[r] = v / a[r * p + r];
  }
  return x;
}

/** Days from fraction `from` forward to fraction `to` of the year, in [0, 365.25). */
export function forwardLagDays(fromYearFraction: number, toYearFraction: number): number {
  const d = toYearFraction - fromYearFraction;
  return (d - Math.floor(d)) * DAYS_PER_DECIMAL_YEAR;
}

export interface YearlyLag {
  /** Decimal year of that winter's temperature minimum. */
  temperatureMinimumTYears: number;
  temperatureMinimumDate: string;
  temperatureMinimumK: number;
  displacementPeakTYears: number;
  displacementPeakDate: string;
  lagDays: number;
  /** Displacement epochs in the 12 months after the minimum that the peak was fitted to. */
  epochs: number;
}

/**
 * Per winter: the temperature minimum (lowest sample within ±half a year of the minimum the
 * annual sinusoid predicts, refined by a parabola through it and its neighbours, since monthly
 * GLDAS samples are a month apart), then the peak of an annual sinusoid fitted to the detrended
 * displacement over the following 12 months. A year counts only when that window is covered by
 * displacement epochs to within coverageDays at each end and holds ≥ 6 epochs.
 */
export function yearlyMinimumToPeakLags(
  temperature: TemperatureSeries,
  troughYearFraction: number,
  displacementTYears: Float64Array,
  detrendedMm: Float64Array,
  coverageDays = 45,
): YearlyLag[] {
  const ts = temperature.tYears;
  const tk = temperature.kelvin;
  const out: YearlyLag[] = [];
  const coverageYears = coverageDays / DAYS_PER_DECIMAL_YEAR;
  const firstYear = Math.floor(ts[0]) - 1;
  const lastYear = Math.ceil(ts[ts.length - 1]) + 1;
  for (let year = firstYear; year <= lastYear; year++) {
    const predicted = year + troughYearFraction;
    let best = -1;
    for (let i = 0; i < ts.length; i++) {
      if (ts[i] < predicted - 0.5 || ts[i] >= predicted + 0.5) continue;
      if (best < 0 || tk[i] < tk[best]) best = i;
    }
    // The minimum must be bracketed by samples (not at the series' ends, where it may lie outside).
    if (best <= 0 || best >= ts.length - 1) continue;
    const tMin = parabolaVertex(ts[best - 1], tk[best - 1], ts[best], tk[best], ts[best + 1], tk[best + 1]);
    const windowEnd = tMin + 1;
    const tw: number[] = [];
    const yw: number[] = [];
    for (let i = 0; i < displacementTYears.length; i++) {
      if (displacementTYears[i] >= tMin && displacementTYears[i] < windowEnd) { tw.push(displacementTYears[i]); yw.push(detrendedMm[i]); }
    }
    if (tw.length < 6 || tw[0] > tMin + coverageYears || tw[tw.length - 1] < windowEnd - coverageYears) continue;
    const fit = fitAnnualSinusoid(tw, yw, false);
    if (!fit) continue;
    const lagDays = forwardLagDays(tMin - Math.floor(tMin), fit.peakYearFraction);
    const tPeak = tMin + lagDays / DAYS_PER_DECIMAL_YEAR;
    out.push({
      temperatureMinimumTYears: tMin,
      temperatureMinimumDate: decimalYearToYmd(tMin),
      temperatureMinimumK: Math.min(tk[best], tk[best - 1], tk[best + 1]),
      displacementPeakTYears: tPeak,
      displacementPeakDate: decimalYearToYmd(tPeak),
      lagDays,
      epochs: tw.length,
    });
  }
  return out;
}

/** Abscissa of the vertex of the parabola through three points; the middle one if degenerate. */
function parabolaVertex(x0: number, y0: number, x1: number, y1: number, x2: number, y2: number): number {
  const d = (x0 - x1) * (x0 - x2) * (x1 - x2);
  const a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / d;
  const b = (x2 * x2 * (y0 - y1) + x1 * x1 * (y2 - y0) + x0 * x0 * (y1 - y2)) / d;
  if (!(a > 0)) return x1;
  const v = -b / (2 * a);
  return v >= x0 && v <= x2 ? v : x1;
}

export interface ThawWindow {
  startTYears: number;
  endTYears: number;
  startDate: string;
  endDate: string;
  days: number;
  /** Calendar year of the start. */
  year: number;
  /** True when the window was cut by the start or end of the analysed range (its true length is longer). */
  clipped: boolean;
}

/**
 * Intervals when the linearly interpolated temperature is above thresholdK, within
 * [fromTYears, toTYears]. Crossing times are interpolated between samples.
 */
export function thawWindows(series: TemperatureSeries, fromTYears: number, toTYears: number, thresholdK = THAW_THRESHOLD_K): ThawWindow[] {
  const { tYears: ts, kelvin } = series;
  const windows: ThawWindow[] = [];
  let start: number | null = null;
  const lo = Math.max(fromTYears, ts[0]);
  const hi = Math.min(toTYears, ts[ts.length - 1]);
  if (!(hi > lo)) return windows;
  const [kLo] = interpolateTemperature(series, [lo]);
  if (kLo > thresholdK) start = lo;
  let startClipped = start !== null && (lo > ts[0] || kelvin[0] > thresholdK);
  const close = (end: number, clipped: boolean): void => {
    const s = start!;
    windows.push({
      startTYears: s,
      endTYears: end,
      startDate: decimalYearToYmd(s),
      endDate: decimalYearToYmd(end),
      days: (end - s) * DAYS_PER_DECIMAL_YEAR,
      year: Math.floor(s),
      clipped: clipped || startClipped,
    });
    start = null;
    startClipped = false;
  };
  for (let i = 1; i < ts.length; i++) {
    const ta = ts[i - 1], tb = ts[i];
    if (tb <= lo || ta >= hi) continue;
    const ka = kelvin[i - 1], kb = kelvin[i];
    if ((ka > thresholdK) === (kb > thresholdK)) continue;
    const tc = ta + ((thresholdK - ka) / (kb - ka)) * (tb - ta);
    if (tc < lo || tc > hi) continue;
    if (kb > thresholdK) { if (start === null) start = tc; } else if (start !== null) close(tc, false);
  }
  if (start !== null) close(hi, true);
  return windows;
}
