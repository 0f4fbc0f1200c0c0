// The contract of the per-year seasonal kernel of `permasar seasons` (issue 15), CPU (float64
// reference, src/cpu/seasons.ts) and GPU (WGSL, shaders/seasons.wgsl) alike, and the pure
// pieces both need: which calendar years become bands, and the per-date year table.
//
// Per pixel, after the whole-series fit (`fit`, DESIGN.md §1 items 1–4):
//   for each calendar year Y with ≥ minYearEpochs valid epochs in ≥ minYearMonths distinct
//   calendar months:
//     r(t) = d(t) − a·t                         (a: the fit's rate, Eq. 1 where seasonal)
//     r(t) ≈ o_Y + c_Y sin 2πτ + s_Y cos 2πτ    τ = t − (Y + ½), the year's mid-date
//     amplitude_Y = 2·√(c² + s²)  (peak to trough, as fit's 2|A|), its standard error by
//     first-order propagation of σ²(GᵀG)⁻¹, and the day of the peak (fit's convention).
//   The fit's offset b is not needed: a constant (b, or a·(Y + ½ − t_mid) from measuring t from
//   another origin) is absorbed exactly by o_Y, so only the rate is taken from the fit.
//   A year failing the coverage rule is NaN for that pixel.
//   Trend of the amplitude: weighted least squares amplitude_Y = α + β (Y − Ȳ), weights
//   w = 1/σ_Y², β = (Σw Σwxy − Σwx Σwy) / D, σ_β = √(Σw / D), D = Σw Σwx² − (Σwx)²: the formal
//   error from the stated σ_Y. Only for pixels the fit calls seasonal, with ≥ minTrendYears
//   valid years; NaN elsewhere.
//
// Why "distinct calendar months" for coverage: twelve epochs bunched in one summer would pass
// an epoch count but cannot separate the annual sinusoid from the offset; eight months with
// data spread the phases over most of the cycle, including a sparse winter.

/** Options of the per-year fit. */
export interface SeasonsOptions {
  /** A year needs this many valid epochs (issue 15: 12). At least 4 (3 parameters + 1). */
  minYearEpochs: number;
  /** … in at least this many distinct calendar months (issue 15: 8). 1..12. */
  minYearMonths: number;
  /** The amplitude trend needs this many valid years (issue 15: 4). At least 3. */
  minTrendYears: number;
}

export const DEFAULT_SEASONS_OPTIONS: SeasonsOptions = { minYearEpochs: 12, minYearMonths: 8, minTrendYears: 4 };

/** Parameters of the per-year model (offset, sin, cos). */
export const YEAR_MODEL_PARAMETERS = 3;

/** One band of the by-year products: a calendar year and its dates in the stack. */
export interface SeasonYear {
  year: number;
  /** Dates firstDate … endDate − 1 of the (sorted) stack fall in this year. */
  firstDate: number;
  endDate: number;
  /** Y − Ȳ (Ȳ: mean of the band years): the abscissa of the amplitude trend, years. */
  yearCentred: number;
}

/** What the per-year kernel needs besides the tile and the fit's per-pixel products. */
export interface SeasonsContext {
  /** One per band, ascending. */
  years: SeasonYear[];
  /**
   * Per date: τ = t − (Y + ½) in years, Y the date's calendar year. Computed in float64 from the
   * decimal year before any rounding to float32: τ ∈ [−0.5, 0.5) keeps sub-minute resolution in
   * float32, where t itself (≈ 2018) keeps only about an hour.
   */
  tYearCentred: Float64Array;
  /** Per date: calendar month 0..11 (the coverage rule). */
  monthOfDate: Uint8Array;
  /** Stored unit → mm (as FitContext.scaleToMm). */
  scaleToMm: number;
  options: SeasonsOptions;
}

/** The fit's products the per-year kernel takes, per pixel of the tile. */
export interface SeasonsFitInput {
  /** The fit's rate a, mm/yr (Eq. 1 where seasonal, linear trend elsewhere); NaN: no fit. */
  rateMmPerYear: Float32Array;
  /** The fit's seasonal flag: 1 seasonal, 0 not, NaN no data. */
  seasonalFlag: Float32Array;
}

/** Products of one tile. By-year arrays are year-major: value[year × nPixels + pixel]. */
export interface SeasonsProducts {
  nYears: number;
  /** Peak-to-trough amplitude of each year, mm; NaN where the year fails coverage or the fit. */
  amplitudeMm: Float32Array;
  /** Its standard error, mm. */
  amplitudeStdMm: Float32Array;
  /** Day of year (1 ≤ doy < 367) of the year's seasonal peak. */
  peakDayOfYear: Float32Array;
  /** Weighted LS slope of the yearly amplitudes against the year, mm/yr; NaN unless seasonal with enough years. */
  amplitudeTrendMmPerYear: Float32Array;
  /** Its standard error, mm/yr. */
  amplitudeTrendStdMmPerYear: Float32Array;
  /** Years with a valid amplitude (0 where none). */
  validYearCount: Float32Array;
}

export const SEASONS_BY_YEAR_KEYS = ['amplitudeMm', 'amplitudeStdMm', 'peakDayOfYear'] as const;
export const SEASONS_PIXEL_KEYS = ['amplitudeTrendMmPerYear', 'amplitudeTrendStdMmPerYear', 'validYearCount'] as const;
export type SeasonsByYearKey = (typeof SEASONS_BY_YEAR_KEYS)[number];
export type SeasonsPixelKey = (typeof SEASONS_PIXEL_KEYS)[number];

export function allocateSeasonsProducts(nPixels: number, nYears: number, fill = Number.NaN): SeasonsProducts {
  return {
    nYears,
    amplitudeMm: new Float32Array(nYears * nPixels).fill(fill),
    amplitudeStdMm: new Float32Array(nYears * nPixels).fill(fill),
    peakDayOfYear: new Float32Array(nYears * nPixels).fill(fill),
    amplitudeTrendMmPerYear: new Float32Array(nPixels).fill(fill),
    amplitudeTrendStdMmPerYear: new Float32Array(nPixels).fill(fill),
    validYearCount: new Float32Array(nPixels).fill(fill),
  };
}

/** A backend of the per-year kernel: the float64 reference or a WebGPU device. */
export interface SeasonsKernel {
  readonly description: string;
  readonly kind: 'cpu' | 'gpu';
  seasonsTile(tile: { nPixels: number; nDates: number; values: Float32Array }, fit: SeasonsFitInput, context: SeasonsContext): Promise<SeasonsProducts>;
  dispose(): Promise<void> | void;
}

/** The checks of the options, as one-line problems (null when fine). */
export function seasonsOptionProblem(options: SeasonsOptions): { option: keyof SeasonsOptions; problem: string } | null {
  if (!(Number.isInteger(options.minYearEpochs) && options.minYearEpochs > YEAR_MODEL_PARAMETERS)) {
    return { option: 'minYearEpochs', problem: `must be an integer > ${YEAR_MODEL_PARAMETERS} (the per-year model has ${YEAR_MODEL_PARAMETERS} parameters)` };
  }
  if (!(Number.isInteger(options.minYearMonths) && options.minYearMonths >= 1 && options.minYearMonths <= 12)) {
    return { option: 'minYearMonths', problem: 'must be an integer from 1 to 12' };
  }
  if (!(Number.isInteger(options.minTrendYears) && options.minTrendYears >= 3)) {
    return { option: 'minTrendYears', problem: 'must be an integer ≥ 3 (a slope and its error need three years)' };
  }
  return null;
}

/**
 * The bands and the per-date table of a stack. A year becomes a band when the stack's own
 * dates pass the coverage rule there (a year no pixel can pass would be an all-NaN band).
 * @param dates YYYYMMDD, sorted ascending (readers check)
 * @param tYears MintPy decimal years of the dates
 */
export function buildSeasonsContext(dates: readonly string[], tYears: Float64Array, scaleToMm: number, options: SeasonsOptions): SeasonsContext {
  const n = dates.length;
  const yearOf = new Int32Array(n);
  const monthOfDate = new Uint8Array(n);
  const tYearCentred = new Float64Array(n);
  for (let d = 0; d < n; d++) {
    const year = Number(dates[d].slice(0, 4));
    yearOf[d] = year;
    monthOfDate[d] = Number(dates[d].slice(4, 6)) - 1;
    tYearCentred[d] = tYears[d] - (year + 0.5);
  }
  const years: SeasonYear[] = [];
  for (let first = 0; first < n;) {
    let end = first;
    let months = 0;
    while (end < n && yearOf[end] === yearOf[first]) { months |= 1 << monthOfDate[end]; end++; }
    if (end - first >= options.minYearEpochs && countBits(months) >= options.minYearMonths) {
      years.push({ year: yearOf[first], firstDate: first, endDate: end, yearCentred: 0 });
    }
    first = end;
  }
  const mean = years.length ? years.reduce((s, y) => s + y.year, 0) / years.length : 0;
  for (const y of years) y.yearCentred = y.year - mean;
  return { years, tYearCentred, monthOfDate, scaleToMm, options };
}

export function countBits(mask: number): number {
  let count = 0;
  for (let m = mask; m; m &= m - 1) count++;
  return count;
}

/**
 * Weighted least-squares slope of y against x with weights 1/σ² and its formal standard error
 * (see the head of this file). Entries with a non-finite y or σ ≤ 0 are left out; null when
 * fewer than minPoints remain or the abscissae do not spread.
 */
export function weightedSlope(x: ArrayLike<number>, y: ArrayLike<number>, sigma: ArrayLike<number>, minPoints: number): { slope: number; slopeStd: number; intercept: number } | null {
  let sw = 0, swx = 0, swy = 0, swxx = 0, swxy = 0, count = 0;
  for (let i = 0; i < x.length; i++) {
    const s = sigma[i];
    if (!(Number.isFinite(y[i]) && s > 0 && Number.isFinite(s))) continue;
    const w = 1 / (s * s);
    sw += w; swx += w * x[i]; swy += w * y[i]; swxx += w * x[i] * x[i]; swxy += w * x[i] * y[i];
    count++;
  }
  const det = sw * swxx - swx * swx;
  // Relative floor: all valid years at one abscissa leave det at rounding level.
  if (count < minPoints || !(det > 1e-9 * sw * swxx)) return null;
  const slope = (sw * swxy - swx * swy) / det;
  return { slope, slopeStd: Math.sqrt(sw / det), intercept: (swy - slope * swx) / sw };
}
