// Float64 reference of the per-year seasonal kernel of `permasar seasons` (issue 15; the model
// is derived at the head of src/core/seasons.ts): the CPU path, and the truth the WGSL kernel
// (shaders/seasons.wgsl) is tested against in test/seasons-parity.test.ts.
//
// Per pixel and band year Y, over the pixel's valid epochs of Y:
//   r = y·scaleToMm − a τ          (a: the fit's rate; τ = t − (Y + ½))
//   3 × 3 normal equations of r = o + c sin 2πτ + s cos 2πτ, Cholesky;
//   σ² = RSS / (n − 3), Cov = σ² (GᵀG)⁻¹,
//   amplitude 2A = 2√(c² + s²), σ_2A = 2·√((c² Cov_cc + s² Cov_ss + 2cs Cov_cs) / A²),
//   peak day from annualPeakYearFraction(c, s, Y + ½), as fit's timing.
// Then the weighted amplitude trend (weightedSlope) for seasonal pixels.

import { choleskyInPlace, choleskyInverseColumn, choleskySolveInPlace } from '../core/linalg.ts';
import { annualPeakYearFraction } from '../core/seasonality.ts';
import { yearFractionToDayOfYear } from '../core/time.ts';
import {
  allocateSeasonsProducts,
  countBits,
  weightedSlope,
  YEAR_MODEL_PARAMETERS,
  type SeasonsContext,
  type SeasonsFitInput,
  type SeasonsKernel,
  type SeasonsProducts,
} from '../core/seasons.ts';
import type { PixelSeasons, YearFit } from '../core/fit-detail.ts';

const TWO_PI = 2 * Math.PI;

// The per-pixel detail types are plain data declared in core (the web page takes them from there).
export type { PixelSeasons, YearFit };

/** sin/cos 2πτ per date, float64 (shared by the pixels of a tile). */
function harmonicTable(context: SeasonsContext): Float64Array {
  const table = new Float64Array(2 * context.tYearCentred.length);
  context.tYearCentred.forEach((tau, d) => {
    table[2 * d] = Math.sin(TWO_PI * tau);
    table[2 * d + 1] = Math.cos(TWO_PI * tau);
  });
  return table;
}

function seasonsOnePixel(
  values: Float32Array, nPixels: number, p: number, rate: number, seasonal: boolean,
  context: SeasonsContext, harmonics: Float64Array, out: SeasonsProducts, detail: boolean,
): PixelSeasons | null {
  const { years, tYearCentred, monthOfDate, scaleToMm, options } = context;
  const nYears = years.length;
  const g = new Float64Array(9);
  const h = new Float64Array(3);
  const inv = new Float64Array(3);
  const yearFits: YearFit[] = [];
  const amplitudes = new Float64Array(nYears).fill(NaN);
  const sigmas = new Float64Array(nYears).fill(NaN);
  let validYears = 0;
  for (let k = 0; k < nYears; k++) {
    const Y = years[k];
    let n = 0;
    let months = 0;
    g.fill(0);
    h.fill(0);
    let amplitudeMm = NaN, amplitudeStdMm = NaN, peakDayOfYear = NaN;
    if (rate === rate) {
      for (let d = Y.firstDate; d < Y.endDate; d++) {
        const v = values[d * nPixels + p];
        if (v !== v) continue;
        const r = v * scaleToMm - rate * tYearCentred[d];
        const sn = harmonics[2 * d], cs = harmonics[2 * d + 1];
        g[0] += 1; g[1] += sn; g[2] += cs; g[4] += sn * sn; g[5] += sn * cs; g[8] += cs * cs;
        h[0] += r; h[1] += sn * r; h[2] += cs * r;
        months |= 1 << monthOfDate[d];
        n++;
      }
    }
    const monthCount = countBits(months);
    if (n >= options.minYearEpochs && monthCount >= options.minYearMonths) {
      g[3] = g[1]; g[6] = g[2]; g[7] = g[5];
      if (choleskyInPlace(g, 3)) {
        choleskySolveInPlace(g, 3, h);
        const [offset, sinMm, cosMm] = h;
        let rss = 0;
        for (let d = Y.firstDate; d < Y.endDate; d++) {
          const v = values[d * nPixels + p];
          if (v !== v) continue;
          const e = v * scaleToMm - rate * tYearCentred[d] - offset - sinMm * harmonics[2 * d] - cosMm * harmonics[2 * d + 1];
          rss += e * e;
        }
        const sigma2 = rss / (n - YEAR_MODEL_PARAMETERS);
        choleskyInverseColumn(g, 3, 1, inv);
        const covSinSin = sigma2 * inv[1];
        const covSinCos = sigma2 * inv[2];
        choleskyInverseColumn(g, 3, 2, inv);
        const covCosCos = sigma2 * inv[2];
        const a = Math.hypot(sinMm, cosMm);
        const varA = a > 0 ? (sinMm * sinMm * covSinSin + cosMm * cosMm * covCosCos + 2 * sinMm * cosMm * covSinCos) / (a * a) : NaN;
        amplitudeMm = 2 * a;
        amplitudeStdMm = 2 * Math.sqrt(Math.max(varA, 0));
        peakDayOfYear = yearFractionToDayOfYear(annualPeakYearFraction(sinMm, cosMm, Y.year + 0.5));
        validYears++;
      }
    }
    out.amplitudeMm[k * nPixels + p] = amplitudeMm;
    out.amplitudeStdMm[k * nPixels + p] = amplitudeStdMm;
    out.peakDayOfYear[k * nPixels + p] = peakDayOfYear;
    amplitudes[k] = amplitudeMm;
    sigmas[k] = amplitudeStdMm;
    if (detail) yearFits.push({ year: Y.year, validEpochs: n, months: monthCount, amplitudeMm, amplitudeStdMm, peakDayOfYear });
  }
  out.validYearCount[p] = validYears;
  const fitted = seasonal ? weightedSlope(years.map((y) => y.yearCentred), amplitudes, sigmas, options.minTrendYears) : null;
  out.amplitudeTrendMmPerYear[p] = fitted ? fitted.slope : NaN;
  out.amplitudeTrendStdMmPerYear[p] = fitted ? fitted.slopeStd : NaN;
  if (!detail) return null;
  return { years: yearFits, trend: fitted ? { slopeMmPerYear: fitted.slope, slopeStdMmPerYear: fitted.slopeStd, interceptMm: fitted.intercept } : null };
}

function checkInputs(tile: { nPixels: number; nDates: number; values: Float32Array }, fit: SeasonsFitInput, context: SeasonsContext): void {
  const { nPixels, nDates, values } = tile;
  if (values.length !== nPixels * nDates) throw new Error(`seasons tile: ${values.length} values for ${nPixels} pixels × ${nDates} dates`);
  if (context.tYearCentred.length !== nDates) throw new Error(`seasons tile: ${nDates} dates but a year table of ${context.tYearCentred.length}`);
  if (fit.rateMmPerYear.length !== nPixels || fit.seasonalFlag.length !== nPixels) throw new Error('seasons tile: fit products do not match the tile');
}

/** Every pixel of a tile, in float64. */
export function seasonsTileCpu(tile: { nPixels: number; nDates: number; values: Float32Array }, fit: SeasonsFitInput, context: SeasonsContext): SeasonsProducts {
  checkInputs(tile, fit, context);
  const out = allocateSeasonsProducts(tile.nPixels, context.years.length);
  const harmonics = harmonicTable(context);
  for (let p = 0; p < tile.nPixels; p++) {
    seasonsOnePixel(tile.values, tile.nPixels, p, fit.rateMmPerYear[p], fit.seasonalFlag[p] === 1, context, harmonics, out, false);
  }
  return out;
}

/** The per-year fits of one series (values in the input's units; rate and flag from the fit). */
export function seasonsPixelDetailed(series: ArrayLike<number>, rateMmPerYear: number, seasonal: boolean, context: SeasonsContext): PixelSeasons {
  const values = Float32Array.from(series);
  const out = allocateSeasonsProducts(1, context.years.length);
  return seasonsOnePixel(values, 1, 0, rateMmPerYear, seasonal, context, harmonicTable(context), out, true)!;
}

export class CpuSeasonsKernel implements SeasonsKernel {
  readonly kind = 'cpu' as const;
  readonly description = 'cpu (float64, 1 thread)';
  async seasonsTile(tile: { nPixels: number; nDates: number; values: Float32Array }, fit: SeasonsFitInput, context: SeasonsContext): Promise<SeasonsProducts> {
    return seasonsTileCpu(tile, fit, context);
  }
  dispose(): void {}
}
