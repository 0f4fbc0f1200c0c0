// What the float64 reference kernels know about ONE pixel (src/cpu/fit.ts fitPixelDetailed,
// src/cpu/seasons.ts seasonsPixelDetailed): the web app's series and by-year plots, `coupling`'s
// refit. Plain data (structured-clone safe: the web worker posts it to the page), so the types
// live here in core, where the page, the worker and the kernels all may import them.

/** Everything the fit knows about one pixel (the web app's pixel plot and `coupling` use it). */
export interface PixelFit {
  validEpochCount: number;
  /** Linear trend d = rate t_c + offset. */
  trend: { rateMmPerYear: number; offsetMm: number; rateStdMmPerYear: number; rmsMm: number } | null;
  /** Three-sinusoid fit of the detrended series: offset, sin_k, cos_k (k = 1..3). */
  harmonics: { offsetMm: number; sin: number[]; cos: number[] } | null;
  spanYears: number;
  tFirstCentredYears: number;
  extremaCount: number;
  expectedExtrema: number;
  seasonal: boolean;
  /** Eq. 1 coefficients on t_c (seasonal pixels). */
  eq1: {
    rateMmPerYear: number;
    offsetMm: number;
    sinMm: number;
    cosMm: number;
    amplitudeMm: number;
    amplitudeStdMm: number;
    rateStdMmPerYear: number;
    peakDayOfYear: number;
    rmsMm: number;
  } | null;
}

/** One year of one pixel: NaN fields when the year fails coverage or the fit. */
export interface YearFit {
  year: number;
  validEpochs: number;
  months: number;
  amplitudeMm: number;
  amplitudeStdMm: number;
  peakDayOfYear: number;
}

/** Everything the per-year kernel knows about one pixel (the web app's by-year pixel plot). */
export interface PixelSeasons {
  years: YearFit[];
  trend: { slopeMmPerYear: number; slopeStdMmPerYear: number; interceptMm: number } | null;
}
