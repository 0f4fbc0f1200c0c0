// `permasar fit`, device-agnostic: stream a stack through a fit kernel in row-block tiles and
// hand every product's rows to a writer. Data flows one way: reader → tile → kernel → writer.
// The same code runs in Node (CLI) and in the browser (web app); it never knows whether the
// kernel is a GPU or CPU one, and never holds more than a few tiles of the stack.
import type { RasterGrid } from '../core/grid.ts';
import { makeTimeAxis, type TimeAxis } from '../core/time.ts';
import { FIT_PRODUCT_KEYS, type FitContext, type FitKernel, type FitOptions, type FitProductKey, type FitProducts } from '../core/fit-types.ts';
import { percentileStride, StreamingStatistics, type ProductStatistics } from './stats.ts';
import { parseStackUnit, type StackUnit } from '../io/stack.ts';

/** What the pipeline needs of a stack (io/stack.ts StackSource satisfies it). */
export interface StackRows {
  grid: RasterGrid;
  dates: string[];
  /** Date-major [date][row][col] of rows row0..row0+nRows−1, in the stack's units. */
  readRows(row0: number, nRows: number): Promise<Float32Array>;
  /** Rows per storage chunk, when the reader knows it (io/stack.ts). */
  rowsPerChunk?: number;
}

/** A quality raster's rows and the threshold a pixel must reach to be fitted. */
export interface FitMask {
  rows(row0: number, nRows: number): Promise<Float32Array>;
  min: number;
}

/** Receives product rows as tiles finish (in row order). */
export interface FitProductWriter {
  writeRows(key: FitProductKey, row0: number, nRows: number, data: Float32Array): Promise<void> | void;
}

export interface FitRunOptions {
  stack: StackRows;
  kernel: FitKernel;
  options: FitOptions;
  /** Stored unit → mm (see unitScaleToMm). */
  scaleToMm: number;
  /**
   * Temporal coherence (or any quality) rows on the stack's grid, and the threshold that goes
   * with them (no default here: the option table's, passed by the caller): pixels below `min`
   * (or NaN) get no fit.
   */
  mask?: FitMask;
  writer: FitProductWriter;
  /** Rows per tile; default fitTileRows() (with `minTiles`). */
  tileRows?: number;
  /** At least this many tiles when the rule allows (progress granularity: the web app's bar). */
  minTiles?: number;
  /**
   * Tiles in flight (default 2: the next tile is read and fitted while the last is written; a
   * third bought no speed on this machine and cost one more tile of memory, bench/README.md).
   */
  depth?: number;
  onProgress?: (rowsDone: number, rowsTotal: number) => void;
  signal?: AbortSignal;
  /** Long side of the decimated preview rasters kept for quicklooks. */
  previewSize?: number;
}

export interface FitPreview {
  width: number;
  height: number;
  /** Every `step`-th row and column of the product. */
  step: number;
  data: Partial<Record<FitProductKey, Float32Array>>;
}

export interface FitRunResult {
  axis: TimeAxis;
  pixels: number;
  /** Masked out by --mask (below threshold or NaN in the mask). */
  maskedPixels: number;
  /** Pixels with a fit (enough valid epochs). */
  pixelsWithData: number;
  seasonalPixels: number;
  nonSeasonalPixels: number;
  statistics: Record<FitProductKey, ProductStatistics>;
  preview: FitPreview;
  tiles: number;
  /** Rows per tile (the last may have fewer). */
  tileRows: number;
}

/**
 * Bytes of series per tile (issue 13: "memory follows the tile"). What the fit holds scales with
 * it: `depth` tiles in flight, the HDF5 reader's copy of one in wasm memory (which never
 * shrinks), and on a software adapter (llvmpipe, SwiftShader) the GPU's chunk slots, which live
 * in host memory. Measured on a 1000 × 1000 × 223 stack (bench/README.md): 128 MiB tiles three
 * deep peaked at 1.15–1.25 GiB resident on llvmpipe and 0.86 GiB on the CPU; 32 MiB tiles two
 * deep at ~0.5 GiB: 37 000 pixels of 223 dates per tile still keep every core (or a GPU's
 * queue, three chunks deep) busy.
 */
export const FIT_TILE_SERIES_BYTES = 32 << 20;

/**
 * Whole rows per tile, the one rule of the CLI and the web app: the fewer of the kernel's largest
 * tile and FIT_TILE_SERIES_BYTES, and, given `minTiles`, no more than ceil(height / minTiles)
 * rows (so a progress bar moves in at least that many steps); at least one row, rounded down to
 * whole storage chunks where a tile spans several (each chunk is then read and inflated once).
 */
export function fitTileRows(width: number, height: number, nDates: number, kernelMaxPixels: number, rowsPerChunk?: number, minTiles?: number): number {
  const budgetPixels = Math.floor(FIT_TILE_SERIES_BYTES / (4 * Math.max(1, nDates)));
  let rows = Math.max(1, Math.floor(Math.min(kernelMaxPixels, budgetPixels) / width));
  if (minTiles && minTiles > 1) rows = Math.max(1, Math.min(rows, Math.ceil(height / minTiles)));
  if (rowsPerChunk && rowsPerChunk > 1 && rows > rowsPerChunk) rows -= rows % rowsPerChunk;
  return Math.min(height, rows);
}

const PREVIEW_KEYS: FitProductKey[] = ['rateMmPerYear', 'seasonalAmplitudeMm', 'peakDayOfYear', 'seasonalFlag'];

export async function runFitPipeline(run: FitRunOptions): Promise<FitRunResult> {
  const { stack, kernel, writer } = run;
  const { width, height } = stack.grid;
  const axis = makeTimeAxis(stack.dates);
  const nDates = axis.dates.length;
  const context: FitContext = { tCentredYears: axis.tCentredYears, tMidYears: axis.tMidYears, scaleToMm: run.scaleToMm, options: run.options };
  // Whole rows per tile (at least one: kernels split a tile that exceeds one device binding into
  // chunks themselves).
  const tileRows = Math.max(1, Math.min(height, run.tileRows ?? fitTileRows(width, height, nDates, kernel.maxTilePixels(nDates), stack.rowsPerChunk, run.minTiles)));
  const depth = Math.max(1, run.depth ?? 2);

  const stride = percentileStride(width * height);
  const stats = Object.fromEntries(FIT_PRODUCT_KEYS.map((k) => [k, new StreamingStatistics(stride)])) as Record<FitProductKey, StreamingStatistics>;
  const previewSize = run.previewSize ?? 1200;
  const step = Math.max(1, Math.ceil(Math.max(width, height) / previewSize));
  const preview: FitPreview = { width: Math.ceil(width / step), height: Math.ceil(height / step), step, data: {} };
  for (const k of PREVIEW_KEYS) preview.data[k] = new Float32Array(preview.width * preview.height).fill(NaN);

  let maskedPixels = 0, pixelsWithData = 0, seasonalPixels = 0, nonSeasonalPixels = 0, tiles = 0, rowsDone = 0;

  const startTile = async (row0: number): Promise<{ row0: number; nRows: number; products: FitProducts }> => {
    const nRows = Math.min(tileRows, height - row0);
    const nPixels = nRows * width;
    const values = await stack.readRows(row0, nRows);
    if (values.length !== nPixels * nDates) throw new Error(`reader returned ${values.length} values for ${nRows} rows × ${width} × ${nDates}`);
    if (run.mask) {
      const mask = await run.mask.rows(row0, nRows);
      const maskMin = run.mask.min;
      for (let p = 0; p < nPixels; p++) {
        if (mask[p] >= maskMin) continue; // NaN fails this test too: no quality, no fit
        maskedPixels++;
        for (let d = 0; d < nDates; d++) values[d * nPixels + p] = NaN;
      }
    }
    const products = await kernel.fitTile({ nPixels, nDates, values }, context);
    return { row0, nRows, products };
  };

  const finishTile = async ({ row0, nRows, products }: { row0: number; nRows: number; products: FitProducts }) => {
    for (const key of FIT_PRODUCT_KEYS) {
      await writer.writeRows(key, row0, nRows, products[key]);
      stats[key].add(products[key]);
    }
    const flag = products.seasonalFlag;
    for (let p = 0; p < flag.length; p++) {
      if (flag[p] === 1) seasonalPixels++;
      else if (flag[p] === 0) nonSeasonalPixels++;
    }
    for (let r = 0; r < nRows; r++) {
      const row = row0 + r;
      if (row % step) continue;
      for (const k of PREVIEW_KEYS) {
        const dst = preview.data[k]!;
        const src = products[k];
        for (let c = 0, pc = 0; c < width; c += step, pc++) dst[(row / step) * preview.width + pc] = src[r * width + c];
      }
    }
    tiles++;
    rowsDone += nRows;
    run.onProgress?.(rowsDone, height);
  };

  // Read-ahead pipeline: up to `depth` tiles between reading and writing, written in order.
  const inFlight: Promise<{ row0: number; nRows: number; products: FitProducts }>[] = [];
  try {
    for (let row0 = 0; row0 < height; row0 += tileRows) {
      if (run.signal?.aborted) throw run.signal.reason ?? new Error('aborted');
      inFlight.push(startTile(row0));
      if (inFlight.length >= depth) await finishTile(await inFlight.shift()!);
    }
    while (inFlight.length) await finishTile(await inFlight.shift()!);
  } catch (e) {
    // Let the other tiles settle so nothing keeps running after we report the failure.
    await Promise.allSettled(inFlight);
    throw e;
  }
  pixelsWithData = seasonalPixels + nonSeasonalPixels;

  const statistics = Object.fromEntries(FIT_PRODUCT_KEYS.map((k) => [k, stats[k].result()])) as Record<FitProductKey, ProductStatistics>;
  return { axis, pixels: width * height, maskedPixels, pixelsWithData, seasonalPixels, nonSeasonalPixels, statistics, preview, tiles, tileRows };
}

/** Sentinel-1 C band wavelength, m (MintPy's value for S1). */
export const SENTINEL1_WAVELENGTH_M = 0.05546576;

export type { StackUnit };
export const KNOWN_UNITS: readonly StackUnit[] = ['m', 'cm', 'mm', 'rad'];
/** Unit spellings seen in MintPy and GDAL files ("m", "meters", "radian", …) → StackUnit, or null. */
export const normaliseUnit = parseStackUnit;

/**
 * Factor from the stored unit to mm of LOS displacement, positive toward the satellite
 * (MintPy's sign). Unwrapped phase: d = −λ/(4π)·φ (MintPy's phase2range), so a phase
 * increase means motion away from the satellite.
 */
export function unitScaleToMm(unit: StackUnit, wavelengthM = SENTINEL1_WAVELENGTH_M): number {
  switch (unit) {
    case 'm': return 1000;
    case 'cm': return 10;
    case 'mm': return 1;
    case 'rad': return (-wavelengthM / (4 * Math.PI)) * 1000;
  }
}
