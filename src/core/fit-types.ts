// The contract every per-pixel fit kernel shares, CPU (float64 reference) and GPU (WGSL, float32).
//
// A tile is a block of pixels with its full time series, stored date-major
// (values[date * nPixels + pixel]) so that on the GPU consecutive threads (pixels) read
// consecutive addresses for each date: one coalesced read of the whole series per warp.
// A row block of a MintPy `timeseries` dataset [date, row, col] already has this layout.

/** Options of the per-pixel fit (DESIGN.md §1 items 1–4). */
export interface FitOptions {
  /** Pixels with fewer valid (non-NaN) epochs are NaN in every product. ≥ 8 (7-parameter model + 1). */
  minValidEpochs: number;
  /** Seasonal when |extrema − expected| ≤ this (the study: 2). */
  extremaTolerance: number;
  /**
   * Expected count of maxima plus minima. null: round(2 × the pixel's observed span in years),
   * one maximum and one minimum per year (the study: 16 over Dec 2014 – Sep 2022).
   */
  expectedExtrema: number | null;
}

export const DEFAULT_FIT_OPTIONS: FitOptions = {
  minValidEpochs: 10,
  extremaTolerance: 2,
  expectedExtrema: null,
};

/** Number of parameters of the largest model fitted (offset + 3 × (sin, cos)). */
export const THREE_SINUSOID_PARAMETERS = 7;

/** One tile of displacement series in the input's units; NaN = no data. */
export interface SeriesTile {
  nPixels: number;
  nDates: number;
  /** Date-major: values[d * nPixels + p]. Length nDates × nPixels. */
  values: Float32Array;
}

/** What a kernel needs besides the tile: the time axis and the unit conversion. */
export interface FitContext {
  /** t − t_mid in decimal years, one per date (see core/time.ts). */
  tCentredYears: Float64Array;
  /** Mid-date of the stack in decimal years (timing is returned on the calendar). */
  tMidYears: number;
  /** Multiply a stored value by this to get millimetres (1 for mm, 1000 for m, −λ/4π·1000 for rad). */
  scaleToMm: number;
  options: FitOptions;
}

/**
 * Products of `permasar fit` for one tile, each Float32Array of length nPixels.
 * NaN = no data (too few valid epochs), or "not defined" (amplitude/timing of a non-seasonal pixel).
 */
export interface FitProducts {
  /** Secular rate a of Eq. 1 (seasonal pixels) or of the linear trend (others), mm/yr. */
  rateMmPerYear: Float32Array;
  /** Standard error of the rate, mm/yr. */
  rateStdMmPerYear: Float32Array;
  /** Peak-to-trough seasonal amplitude 2|A| of Eq. 1, mm; NaN where not seasonal. */
  seasonalAmplitudeMm: Float32Array;
  /** Standard error of 2|A|, mm; NaN where not seasonal. */
  seasonalAmplitudeStdMm: Float32Array;
  /** Day of year (1 ≤ doy < 367) at which the annual term peaks; NaN where not seasonal. */
  peakDayOfYear: Float32Array;
  /** Maxima plus minima of the three-sinusoid curve on the daily grid; NaN if untestable. */
  extremaCount: Float32Array;
  /** 1 seasonal, 0 not, NaN no data. */
  seasonalFlag: Float32Array;
  /** RMS of the residual of the model whose rate is reported, mm. */
  residualRmsMm: Float32Array;
  /** Valid (non-NaN) epochs; written for every pixel, 0 where the series is all NaN. */
  validEpochCount: Float32Array;
}

/** Order in which products are packed (GPU output buffer, GeoTIFF names, summaries). */
export const FIT_PRODUCT_KEYS = [
  'rateMmPerYear',
  'rateStdMmPerYear',
  'seasonalAmplitudeMm',
  'seasonalAmplitudeStdMm',
  'peakDayOfYear',
  'extremaCount',
  'seasonalFlag',
  'residualRmsMm',
  'validEpochCount',
] as const satisfies readonly (keyof FitProducts)[];

export type FitProductKey = (typeof FIT_PRODUCT_KEYS)[number];

export function allocateFitProducts(nPixels: number, fill = Number.NaN): FitProducts {
  const out = {} as FitProducts;
  for (const key of FIT_PRODUCT_KEYS) out[key] = new Float32Array(nPixels).fill(fill);
  return out;
}

/** A backend that fits tiles: the CPU reference, CPU workers, or a WebGPU device. */
export interface FitKernel {
  /** Human-readable name, e.g. "cpu (2 workers)" or "gpu: llvmpipe (opengles, compatibility)". */
  readonly description: string;
  readonly kind: 'cpu' | 'gpu';
  /**
   * Fits one tile. Implementations may run several tiles concurrently; callers may have
   * several calls in flight and must not reuse `tile.values` until the promise settles.
   */
  fitTile(tile: SeriesTile, context: FitContext): Promise<FitProducts>;
  /** Largest tile (pixels) this backend takes for a given number of dates. */
  maxTilePixels(nDates: number): number;
  dispose(): Promise<void> | void;
}
