// Float64 reference kernel of `permasar fit` (DESIGN.md §1 items 1–4): the CPU fallback and
// the truth the WGSL kernel (shaders/fit.wgsl) is tested against. Same inputs, same outputs.
//
// Per pixel, over its own valid epochs only (t_c = t − t_mid):
//   1. trend        d = a t_c + b                                   (2 × 2 normal equations)
//   2. seasonality  r = d − (a t_c + b) ≈ o + Σ_{k=1..3} s_k sin 2πk t_c + c_k cos 2πk t_c
//                   (7 × 7), extrema of the fitted curve on the daily grid (counted one period at
//                   a time: countExtremaPerPeriod), decision ± tolerance
//   3. Eq. 1        d = a t_c + b + c sin 2πt_c + s cos 2πt_c       (4 × 4), seasonal pixels only;
//                   A = √(c² + s²), amplitude 2A (peak to trough), timing from ψ = atan2(s, c)
//   4. errors       σ² = RSS / (n − p), Cov = σ² (GᵀG)⁻¹, rate σ = √Cov_aa,
//                   σ_A² ≈ (c² Cov_cc + s² Cov_ss + 2cs Cov_cs) / A² (first-order propagation)

import { choleskyInPlace, choleskySolveInPlace, choleskyInverseColumn } from '../core/linalg.ts';
import {
  annualPeakYearFraction,
  countExtremaPerPeriod,
  dailyGridPointCount,
  expectedExtremaCount,
  isSeasonal,
  HARMONIC_COUNT,
  isFlatHarmonicCurve,
} from '../core/seasonality.ts';
import { yearFractionToDayOfYear } from '../core/time.ts';
import {
  allocateFitProducts,
  type FitContext,
  type FitKernel,
  type FitProducts,
  type SeriesTile,
} from '../core/fit-types.ts';
import type { PixelFit } from '../core/fit-detail.ts';

const TWO_PI = 2 * Math.PI;

// The per-pixel detail types are plain data declared in core (the web page takes them from there).
export type { PixelFit };

/**
 * Workspace reused across the pixels of a tile so the inner loop allocates nothing. The sines
 * and cosines of the three harmonics depend only on the date, so they are tabulated once per
 * tile (harmonicTable[d·6 + 2k] = sin 2π(k+1)t_c, [+1] = cos) and gathered with each pixel's
 * valid epochs.
 */
class Workspace {
  readonly t: Float64Array;
  readonly y: Float64Array;
  /** Per valid epoch of the current pixel: sin/cos of the three harmonics. */
  readonly harmonics: Float64Array;
  readonly harmonicTable: Float64Array;
  readonly normal7 = new Float64Array(49);
  readonly rhs7 = new Float64Array(7);
  readonly normal4 = new Float64Array(16);
  readonly rhs4 = new Float64Array(4);
  readonly inverseColumn = new Float64Array(4);
  readonly column = new Float64Array(7);
  readonly sinK = new Float64Array(HARMONIC_COUNT);
  readonly cosK = new Float64Array(HARMONIC_COUNT);
  /** The normal matrices of a pixel with every epoch valid, made on first use (see below). */
  private complete: CompleteSeriesNormals | null = null;
  constructor(private readonly tCentredYears: Float64Array) {
    const nDates = tCentredYears.length;
    this.t = new Float64Array(nDates);
    this.y = new Float64Array(nDates);
    this.harmonics = new Float64Array(nDates * 2 * HARMONIC_COUNT);
    this.harmonicTable = new Float64Array(nDates * 2 * HARMONIC_COUNT);
    for (let d = 0; d < nDates; d++) {
      for (let k = 0; k < HARMONIC_COUNT; k++) {
        const phase = TWO_PI * (k + 1) * tCentredYears[d];
        this.harmonicTable[d * 6 + 2 * k] = Math.sin(phase);
        this.harmonicTable[d * 6 + 2 * k + 1] = Math.cos(phase);
      }
    }
  }

  /**
   * The normal matrices GᵀG of steps 1–3 depend only on which epochs a pixel has, not on its
   * values, and most pixels of a stack have every epoch (MintPy's own fit requires it). For those
   * they are summed and factored once per tile instead of once per pixel, which leaves each pixel
   * only its right-hand sides: about a quarter of the work. They are summed by the very loops and
   * in the very order the per-pixel path uses, so both give the same bits.
   */
  completeSeriesNormals(): CompleteSeriesNormals {
    if (this.complete) return this.complete;
    const t = this.tCentredYears;
    const n = t.length;
    let st = 0, stt = 0, tFirst = Infinity, tLast = -Infinity;
    for (let i = 0; i < n; i++) { st += t[i]; stt += t[i] * t[i]; }
    for (let i = 0; i < n; i++) { if (t[i] < tFirst) tFirst = t[i]; if (t[i] > tLast) tLast = t[i]; }
    const harmonic = new Float64Array(49);
    accumulateHarmonicNormal(harmonic, this.harmonicTable, n, this.column);
    const eq1 = new Float64Array(16);
    accumulateEq1Normal(eq1, t, this.harmonicTable, n, this.column);
    const harmonicOk = choleskyInPlace(harmonic, 7);
    const eq1Ok = choleskyInPlace(eq1, 4);
    const eq1Inverse = new Float64Array(12);
    if (eq1Ok) {
      [0, 2, 3].forEach((j, k) => choleskyInverseColumn(eq1, 4, j, eq1Inverse.subarray(4 * k, 4 * k + 4)));
    }
    this.complete = { st, stt, tFirst, tLast, harmonicFactor: harmonicOk ? harmonic : null, eq1Factor: eq1Ok ? eq1 : null, eq1Inverse };
    return this.complete;
  }
}

/** Steps 1–3's matrices for a pixel with every epoch valid (Workspace.completeSeriesNormals). */
interface CompleteSeriesNormals {
  st: number;
  stt: number;
  tFirst: number;
  tLast: number;
  /** Cholesky factor of step 2's 7 × 7 GᵀG; null when it is singular. */
  harmonicFactor: Float64Array | null;
  /** Cholesky factor of Eq. 1's 4 × 4 GᵀG; null when it is singular. */
  eq1Factor: Float64Array | null;
  /** Columns 0, 2 and 3 of Eq. 1's (GᵀG)⁻¹, four values each. */
  eq1Inverse: Float64Array;
}

/** Step 2's GᵀG over n epochs, columns 1, sin 2πk t, cos 2πk t (k = 1..3); lower triangle mirrored. */
function accumulateHarmonicNormal(g: Float64Array, hx: Float64Array, n: number, col: Float64Array): void {
  g.fill(0);
  for (let i = 0; i < n; i++) {
    col[0] = 1;
    for (let j = 0; j < 6; j++) col[1 + j] = hx[i * 6 + j];
    for (let a = 0; a < 7; a++) {
      for (let b = 0; b <= a; b++) g[a * 7 + b] += col[a] * col[b];
    }
  }
  for (let a = 0; a < 7; a++) for (let b = 0; b < a; b++) g[b * 7 + a] = g[a * 7 + b];
}

/** Eq. 1's GᵀG over n epochs, columns t, 1, sin 2πt, cos 2πt; lower triangle mirrored. */
function accumulateEq1Normal(m: Float64Array, t: Float64Array, hx: Float64Array, n: number, col: Float64Array): void {
  m.fill(0);
  for (let i = 0; i < n; i++) {
    col[0] = t[i]; col[1] = 1; col[2] = hx[i * 6]; col[3] = hx[i * 6 + 1];
    for (let a = 0; a < 4; a++) {
      for (let b = 0; b <= a; b++) m[a * 4 + b] += col[a] * col[b];
    }
  }
  for (let a = 0; a < 4; a++) for (let b = 0; b < a; b++) m[b * 4 + a] = m[a * 4 + b];
}

/**
 * Fits pixel p of a tile. Writes its products into `out` at index p and, when `detail` is
 * requested, returns the full PixelFit.
 */
function fitOnePixel(
  tile: SeriesTile,
  p: number,
  context: FitContext,
  ws: Workspace,
  out: FitProducts,
  detail: boolean,
): PixelFit | null {
  const { nPixels, nDates, values } = tile;
  const { tCentredYears, tMidYears, scaleToMm, options } = context;

  // Gather this pixel's valid epochs (date-major: stride nPixels).
  let n = 0;
  for (let d = 0; d < nDates; d++) {
    const v = values[d * nPixels + p];
    if (v === v) {
      ws.y[n] = v * scaleToMm;
      n++;
    }
  }
  // Every epoch valid: the date tables as they are, and the normal matrices made once per tile.
  const complete = n === nDates && n >= options.minValidEpochs ? ws.completeSeriesNormals() : null;
  if (!complete && n > 0) {
    let k = 0;
    for (let d = 0; d < nDates; d++) {
      if (values[d * nPixels + p] === values[d * nPixels + p]) {
        ws.t[k] = tCentredYears[d];
        for (let j = 0; j < 6; j++) ws.harmonics[k * 6 + j] = ws.harmonicTable[d * 6 + j];
        k++;
      }
    }
  }
  out.validEpochCount[p] = n;
  const noData = (): PixelFit | null => {
    out.rateMmPerYear[p] = NaN;
    out.rateStdMmPerYear[p] = NaN;
    out.seasonalAmplitudeMm[p] = NaN;
    out.seasonalAmplitudeStdMm[p] = NaN;
    out.peakDayOfYear[p] = NaN;
    out.extremaCount[p] = NaN;
    out.seasonalFlag[p] = NaN;
    out.residualRmsMm[p] = NaN;
    return detail
      ? { validEpochCount: n, trend: null, harmonics: null, spanYears: NaN, tFirstCentredYears: NaN, extremaCount: NaN, expectedExtrema: NaN, seasonal: false, eq1: null }
      : null;
  };
  if (n < options.minValidEpochs) return noData();
  const t = complete ? tCentredYears : ws.t;
  const y = ws.y;
  const hx = complete ? ws.harmonicTable : ws.harmonics;

  // 1. Trend: closed-form 2 × 2 normal equations (each sum on its own, so the precomputed ones of
  // a complete series are the same numbers).
  let st = 0, sy = 0, stt = 0, sty = 0;
  if (complete) {
    st = complete.st;
    stt = complete.stt;
    for (let i = 0; i < n; i++) { sy += y[i]; sty += t[i] * y[i]; }
  } else {
    for (let i = 0; i < n; i++) {
      st += t[i]; sy += y[i]; stt += t[i] * t[i]; sty += t[i] * y[i];
    }
  }
  const det = n * stt - st * st;
  if (!(det > 1e-12 * n * stt)) return noData(); // all epochs at one instant
  const trendRate = (n * sty - st * sy) / det;
  const trendOffset = (sy - trendRate * st) / n;
  let rssTrend = 0;
  for (let i = 0; i < n; i++) {
    const r = y[i] - trendRate * t[i] - trendOffset;
    rssTrend += r * r;
  }
  const sigma2Trend = rssTrend / (n - 2);
  const trendRateStd = Math.sqrt(sigma2Trend * n / det); // (GᵀG)⁻¹_aa = n / det
  const trendRms = Math.sqrt(rssTrend / n);

  // 2. Three sinusoids on the detrended series. Columns: 1, sin 2πk t, cos 2πk t (k = 1..3).
  const h = ws.rhs7;
  let h0 = 0, h1 = 0, h2 = 0, h3 = 0, h4 = 0, h5 = 0, h6 = 0;
  for (let i = 0; i < n; i++) {
    const r = y[i] - trendRate * t[i] - trendOffset;
    const o = i * 6;
    h0 += r;
    h1 += hx[o] * r; h2 += hx[o + 1] * r; h3 += hx[o + 2] * r;
    h4 += hx[o + 3] * r; h5 += hx[o + 4] * r; h6 += hx[o + 5] * r;
  }
  h[0] = h0; h[1] = h1; h[2] = h2; h[3] = h3; h[4] = h4; h[5] = h5; h[6] = h6;
  let harmonicFactor: Float64Array | null;
  if (complete) {
    harmonicFactor = complete.harmonicFactor;
  } else {
    accumulateHarmonicNormal(ws.normal7, hx, n, ws.column);
    harmonicFactor = choleskyInPlace(ws.normal7, 7) ? ws.normal7 : null;
  }

  let tFirst = Infinity, tLast = -Infinity;
  if (complete) {
    tFirst = complete.tFirst;
    tLast = complete.tLast;
  } else {
    for (let i = 0; i < n; i++) { if (t[i] < tFirst) tFirst = t[i]; if (t[i] > tLast) tLast = t[i]; }
  }
  const spanYears = tLast - tFirst;
  const expected = expectedExtremaCount(spanYears, options.expectedExtrema);

  let extrema = NaN;
  let seasonal = false;
  let harmonics: PixelFit['harmonics'] = null;
  if (harmonicFactor) {
    choleskySolveInPlace(harmonicFactor, 7, h);
    for (let k = 0; k < HARMONIC_COUNT; k++) { ws.sinK[k] = h[1 + 2 * k]; ws.cosK[k] = h[2 + 2 * k]; }
    let yMin = Infinity, yMax = -Infinity;
    for (let i = 0; i < n; i++) { if (y[i] < yMin) yMin = y[i]; if (y[i] > yMax) yMax = y[i]; }
    extrema = isFlatHarmonicCurve(ws.sinK, ws.cosK, yMax - yMin) ? 0 : countExtremaPerPeriod(ws.sinK, ws.cosK, tFirst, dailyGridPointCount(spanYears));
    seasonal = isSeasonal(extrema, expected, options.extremaTolerance);
    if (detail) harmonics = { offsetMm: h[0], sin: Array.from(ws.sinK), cos: Array.from(ws.cosK) };
  }
  // Untestable (rank-deficient harmonics): extrema NaN, not seasonal.

  // 3. Eq. 1 for seasonal pixels. Columns: t, 1, sin 2πt, cos 2πt.
  let eq1: PixelFit['eq1'] = null;
  if (seasonal) {
    const q = ws.rhs4;
    let q0 = 0, q1 = 0, q2 = 0, q3 = 0;
    for (let i = 0; i < n; i++) {
      const yi = y[i];
      q0 += t[i] * yi; q1 += yi; q2 += hx[i * 6] * yi; q3 += hx[i * 6 + 1] * yi;
    }
    q[0] = q0; q[1] = q1; q[2] = q2; q[3] = q3;
    let m: Float64Array | null;
    if (complete) {
      m = complete.eq1Factor;
    } else {
      accumulateEq1Normal(ws.normal4, t, hx, n, ws.column);
      m = choleskyInPlace(ws.normal4, 4) ? ws.normal4 : null;
    }
    if (m) {
      choleskySolveInPlace(m, 4, q);
      const [rate, offset, sinMm, cosMm] = q;
      let rss = 0;
      for (let i = 0; i < n; i++) {
        const r = y[i] - rate * t[i] - offset - sinMm * hx[i * 6] - cosMm * hx[i * 6 + 1];
        rss += r * r;
      }
      const sigma2 = rss / (n - 4);
      // Needed elements of (GᵀG)⁻¹: (a,a), and the (c,s) block.
      let invRate: number, invSinSin: number, invSinCos: number, invCosCos: number;
      if (complete) {
        const ci = complete.eq1Inverse;
        invRate = ci[0]; invSinSin = ci[4 + 2]; invSinCos = ci[4 + 3]; invCosCos = ci[8 + 3];
      } else {
        const inv = ws.inverseColumn;
        choleskyInverseColumn(m, 4, 0, inv);
        invRate = inv[0];
        choleskyInverseColumn(m, 4, 2, inv);
        invSinSin = inv[2];
        invSinCos = inv[3];
        choleskyInverseColumn(m, 4, 3, inv);
        invCosCos = inv[3];
      }
      const covRate = sigma2 * invRate;
      const covSinSin = sigma2 * invSinSin;
      const covSinCos = sigma2 * invSinCos;
      const covCosCos = sigma2 * invCosCos;
      const a = Math.hypot(sinMm, cosMm);
      const varA = a > 0 ? (sinMm * sinMm * covSinSin + cosMm * cosMm * covCosCos + 2 * sinMm * cosMm * covSinCos) / (a * a) : NaN;
      eq1 = {
        rateMmPerYear: rate,
        offsetMm: offset,
        sinMm,
        cosMm,
        amplitudeMm: 2 * a,
        amplitudeStdMm: 2 * Math.sqrt(Math.max(varA, 0)),
        rateStdMmPerYear: Math.sqrt(covRate),
        peakDayOfYear: yearFractionToDayOfYear(annualPeakYearFraction(sinMm, cosMm, tMidYears)),
        rmsMm: Math.sqrt(rss / n),
      };
    } else {
      seasonal = false;
    }
  }

  out.extremaCount[p] = extrema;
  out.seasonalFlag[p] = seasonal ? 1 : 0;
  if (eq1) {
    out.rateMmPerYear[p] = eq1.rateMmPerYear;
    out.rateStdMmPerYear[p] = eq1.rateStdMmPerYear;
    out.seasonalAmplitudeMm[p] = eq1.amplitudeMm;
    out.seasonalAmplitudeStdMm[p] = eq1.amplitudeStdMm;
    out.peakDayOfYear[p] = eq1.peakDayOfYear;
    out.residualRmsMm[p] = eq1.rmsMm;
  } else {
    out.rateMmPerYear[p] = trendRate;
    out.rateStdMmPerYear[p] = trendRateStd;
    out.seasonalAmplitudeMm[p] = NaN;
    out.seasonalAmplitudeStdMm[p] = NaN;
    out.peakDayOfYear[p] = NaN;
    out.residualRmsMm[p] = trendRms;
  }
  if (!detail) return null;
  return {
    validEpochCount: n,
    trend: { rateMmPerYear: trendRate, offsetMm: trendOffset, rateStdMmPerYear: trendRateStd, rmsMm: trendRms },
    harmonics,
    spanYears,
    tFirstCentredYears: tFirst,
    extremaCount: extrema,
    expectedExtrema: expected,
    seasonal,
    eq1,
  };
}

/** Fits every pixel of a tile in float64. `out` may be given to avoid allocation. */
export function fitTileCpu(tile: SeriesTile, context: FitContext, out?: FitProducts): FitProducts {
  const products = out ?? allocateFitProducts(tile.nPixels);
  fitTileRangeCpu(tile, context, products, 0, tile.nPixels);
  return products;
}

/** Fits pixels [pixelStart, pixelEnd) of a tile into `out` (worker threads split tiles this way). */
export function fitTileRangeCpu(tile: SeriesTile, context: FitContext, out: FitProducts, pixelStart: number, pixelEnd: number): void {
  const ws = new Workspace(context.tCentredYears);
  for (let p = pixelStart; p < pixelEnd; p++) fitOnePixel(tile, p, context, ws, out, false);
}

/** The full fit of one series (values in the input's units, one per date; NaN = no data). */
export function fitPixelDetailed(series: ArrayLike<number>, context: FitContext): PixelFit {
  const tile: SeriesTile = { nPixels: 1, nDates: series.length, values: Float32Array.from(series) };
  const out = allocateFitProducts(1);
  return fitOnePixel(tile, 0, context, new Workspace(context.tCentredYears), out, true)!;
}

/** The reference kernel on the calling thread. */
export class CpuFitKernel implements FitKernel {
  readonly kind = 'cpu' as const;
  readonly description = 'cpu (float64, 1 thread)';
  async fitTile(tile: SeriesTile, context: FitContext): Promise<FitProducts> {
    return fitTileCpu(tile, context);
  }
  maxTilePixels(nDates: number): number {
    return Math.max(1, Math.floor((64 << 20) / (4 * Math.max(1, nDates))));
  }
  dispose(): void {}
}
