// `permasar seasons`, device-agnostic (issue 15): the whole-series fit exactly as `fit` runs it
// (runFitPipeline: same tiles, mask, statistics and products), and on each tile, right after
// the fit kernel, the per-year kernel with the fit's rate and seasonal flag as inputs.
//
// Why after the fit kernel on the same tile rather than a second pass or a fused kernel: the
// per-year fit needs the whole-series rate (the trend to remove) and the seasonality decision
// (which pixels get an amplitude trend), so it must follow the fit; doing it on the tile still
// in memory reads the stack once, and keeping it a separate kernel leaves `fit` untouched.
// The fit's offset is not needed (core/seasons.ts: the per-year offset absorbs it).
//
// The by-year products reach the writer with the fit's rows: runFitPipeline hands products to
// its writer in row order, and the seasons products of a tile are found from the identity of
// the tile's rate array (a WeakMap), so no row bookkeeping is duplicated here.
import type { RasterGrid } from '../core/grid.ts';
import type { FitContext, FitKernel, FitProducts, SeriesTile } from '../core/fit-types.ts';
import {
  buildSeasonsContext,
  SEASONS_BY_YEAR_KEYS,
  SEASONS_PIXEL_KEYS,
  type SeasonsByYearKey,
  type SeasonsContext,
  type SeasonsFitInput,
  type SeasonsKernel,
  type SeasonsOptions,
  type SeasonsPixelKey,
  type SeasonsProducts,
} from '../core/seasons.ts';
import { makeTimeAxis } from '../core/time.ts';
import { runFitPipeline, type FitProductWriter, type FitRunOptions, type FitRunResult } from './fit.ts';
import { percentileStride, StreamingStatistics, type ProductStatistics } from './stats.ts';
import type { GeoTiffWriteOptions } from '../io/geotiff-write.ts';
import { renderRasterQuicklook, robustRange } from '../plot/raster.ts';
import { createImage, drawImage, WHITE } from '../plot/image.ts';
import { encodePng } from '../plot/png.ts';
import { lonLatExtent } from './fit-quicklooks.ts';
import { GpuFallback } from './fallback-kernel.ts';

/** How the seasons products are named on disk (one table for writers, summary and readers). */
export const SEASONS_BY_YEAR_INFO: readonly { key: SeasonsByYearKey; file: string; unit: string; description: string }[] = [
  { key: 'amplitudeMm', file: 'amplitude_by_year.tif', unit: 'mm', description: 'seasonal LOS amplitude of each calendar year, peak to trough (2|A| of that year\'s annual sinusoid, trend removed); NaN where the year has < the required epochs or months' },
  { key: 'amplitudeStdMm', file: 'amplitude_by_year_std.tif', unit: 'mm', description: 'standard error of each year\'s peak-to-trough amplitude' },
  { key: 'peakDayOfYear', file: 'timing_by_year.tif', unit: 'day of year', description: 'day of year of each year\'s seasonal peak' },
];
export const SEASONS_PIXEL_INFO: readonly { key: SeasonsPixelKey; file: string; unit: string; description: string }[] = [
  { key: 'amplitudeTrendMmPerYear', file: 'amplitude_trend.tif', unit: 'mm/yr', description: 'trend of the yearly seasonal amplitude (weighted least squares, weights 1/σ²); NaN unless seasonal with enough valid years' },
  { key: 'amplitudeTrendStdMmPerYear', file: 'amplitude_trend_std.tif', unit: 'mm/yr', description: 'standard error of the amplitude trend' },
  { key: 'validYearCount', file: 'valid_years.tif', unit: 'count', description: 'years with a valid seasonal amplitude' },
];

/** GeoTIFF options of a by-year product: one band per year, each band's description the year. */
export function byYearGeoTiffOptions(info: (typeof SEASONS_BY_YEAR_INFO)[number], years: number[]): GeoTiffWriteOptions {
  return {
    sampleType: 'float32',
    overviewResampling: info.key === 'peakDayOfYear' ? 'nearest' : 'average',
    bandDescriptions: years.map(String),
    bandUnit: info.unit,
    metadata: { PRODUCT: info.file.replace('.tif', ''), UNITS: info.unit, SOFTWARE: 'permasar', DESCRIPTION: info.description, YEARS: years.join(',') },
  };
}

export function pixelProductGeoTiffOptions(info: (typeof SEASONS_PIXEL_INFO)[number]): GeoTiffWriteOptions {
  return {
    sampleType: 'float32',
    overviewResampling: info.key === 'validYearCount' ? 'nearest' : 'average',
    bandDescription: info.description,
    bandUnit: info.unit,
    metadata: { PRODUCT: info.file.replace('.tif', ''), UNITS: info.unit, SOFTWARE: 'permasar' },
  };
}

/** Receives the seasons rows as tiles finish (in row order). */
export interface SeasonsProductWriter {
  writeByYear(key: SeasonsByYearKey, yearIndex: number, row0: number, data: Float32Array): Promise<void> | void;
  writePixel(key: SeasonsPixelKey, row0: number, data: Float32Array): Promise<void> | void;
}

export interface SeasonsRunOptions extends Omit<FitRunOptions, 'writer' | 'kernel'> {
  fitKernel: FitKernel;
  seasonsKernel: SeasonsKernel;
  seasonsOptions: SeasonsOptions;
  fitWriter: FitProductWriter;
  seasonsWriter: SeasonsProductWriter;
  /** Long side of the decimated previews kept for the small multiples (default SEASONS_PREVIEW_SIZE). */
  yearPreviewSize?: number;
}

/** Long side of the seasons quicklooks' previews, pixels. */
export const SEASONS_PREVIEW_SIZE = 400;

export interface SeasonsRunResult {
  fit: FitRunResult;
  years: number[];
  context: SeasonsContext;
  /** Per year: statistics of the amplitude over the pixels where it is valid. */
  yearStatistics: { year: number; amplitudeMm: ProductStatistics; peakDayOfYear: ProductStatistics }[];
  trendStatistics: ProductStatistics;
  trendStdStatistics: ProductStatistics;
  /** Pixels with a trend: seasonal with ≥ minTrendYears valid years. */
  trendPixels: number;
  /** Of those, the trend is positive by more than 2σ (the amplitude grows: the active layer deepens). */
  growingPixels: number;
  shrinkingPixels: number;
  preview: { width: number; height: number; step: number; trend: Float32Array; amplitudeByYear: Float32Array[] };
}

/** The years that would become bands, before anything is read (the CLI refuses none). */
export function seasonsYearsOf(dates: string[], options: SeasonsOptions): number[] {
  const axis = makeTimeAxis(dates);
  return buildSeasonsContext(dates, axis.tYears, 1, options).years.map((y) => y.year);
}

export async function runSeasonsPipeline(run: SeasonsRunOptions): Promise<SeasonsRunResult> {
  const { stack, fitKernel, seasonsKernel } = run;
  const { width, height } = stack.grid;
  const axis = makeTimeAxis(stack.dates);
  const context = buildSeasonsContext(axis.dates, axis.tYears, run.scaleToMm, run.seasonsOptions);
  const years = context.years.map((y) => y.year);
  const nYears = years.length;

  const byRate = new WeakMap<Float32Array, SeasonsProducts>();
  const adapter: FitKernel = {
    kind: fitKernel.kind,
    description: fitKernel.description,
    maxTilePixels: (nDates) => fitKernel.maxTilePixels(nDates),
    async fitTile(tile: SeriesTile, fitContext: FitContext): Promise<FitProducts> {
      const products = await fitKernel.fitTile(tile, fitContext);
      // tile.values is still ours until this promise settles (FitKernel contract).
      byRate.set(products.rateMmPerYear, await seasonsKernel.seasonsTile(tile, products, context));
      return products;
    },
    dispose: () => {},
  };

  const sampleStride = percentileStride(width * height);
  const yearStats = years.map(() => ({ amplitude: new StreamingStatistics(sampleStride), timing: new StreamingStatistics(sampleStride) }));
  const trendStats = new StreamingStatistics(sampleStride);
  const trendStdStats = new StreamingStatistics(sampleStride);
  let trendPixels = 0, growingPixels = 0, shrinkingPixels = 0;
  const previewSize = run.yearPreviewSize ?? SEASONS_PREVIEW_SIZE;
  const step = Math.max(1, Math.ceil(Math.max(width, height) / previewSize));
  const pw = Math.ceil(width / step), ph = Math.ceil(height / step);
  const preview = { width: pw, height: ph, step, trend: new Float32Array(pw * ph).fill(NaN), amplitudeByYear: years.map(() => new Float32Array(pw * ph).fill(NaN)) };
  const decimate = (src: Float32Array, dst: Float32Array, row0: number, nRows: number) => {
    for (let r = 0; r < nRows; r++) {
      const row = row0 + r;
      if (row % step) continue;
      for (let c = 0, pc = 0; c < width; c += step, pc++) dst[(row / step) * pw + pc] = src[r * width + c];
    }
  };

  const writer: FitProductWriter = {
    async writeRows(key, row0, nRows, data) {
      await run.fitWriter.writeRows(key, row0, nRows, data);
      if (key !== 'rateMmPerYear') return;
      const seasons = byRate.get(data);
      if (!seasons) throw new Error('seasons pipeline: a tile reached the writer without its per-year products');
      const n = nRows * width;
      for (const k of SEASONS_BY_YEAR_KEYS) {
        for (let y = 0; y < nYears; y++) await run.seasonsWriter.writeByYear(k, y, row0, seasons[k].subarray(y * n, (y + 1) * n));
      }
      for (const k of SEASONS_PIXEL_KEYS) await run.seasonsWriter.writePixel(k, row0, seasons[k]);
      for (let y = 0; y < nYears; y++) {
        yearStats[y].amplitude.add(seasons.amplitudeMm.subarray(y * n, (y + 1) * n));
        yearStats[y].timing.add(seasons.peakDayOfYear.subarray(y * n, (y + 1) * n));
        decimate(seasons.amplitudeMm.subarray(y * n, (y + 1) * n), preview.amplitudeByYear[y], row0, nRows);
      }
      trendStats.add(seasons.amplitudeTrendMmPerYear);
      trendStdStats.add(seasons.amplitudeTrendStdMmPerYear);
      decimate(seasons.amplitudeTrendMmPerYear, preview.trend, row0, nRows);
      for (let p = 0; p < n; p++) {
        const slope = seasons.amplitudeTrendMmPerYear[p];
        if (!Number.isFinite(slope)) continue;
        trendPixels++;
        const sigma = seasons.amplitudeTrendStdMmPerYear[p];
        if (slope > 2 * sigma) growingPixels++;
        else if (slope < -2 * sigma) shrinkingPixels++;
      }
    },
  };

  const fit = await runFitPipeline({ ...run, kernel: adapter, writer });
  return {
    fit,
    years,
    context,
    yearStatistics: years.map((year, y) => ({ year, amplitudeMm: yearStats[y].amplitude.result(), peakDayOfYear: yearStats[y].timing.result() })),
    trendStatistics: trendStats.result(),
    trendStdStatistics: trendStdStats.result(),
    trendPixels,
    growingPixels,
    shrinkingPixels,
    preview,
  };
}

/**
 * PNGs: the amplitude trend (diverging, white on no change), and small multiples of the yearly
 * amplitude maps on one shared colour range so the years compare at a glance.
 */
export function renderSeasonsQuicklooks(result: SeasonsRunResult, grid: RasterGrid): [string, Uint8Array][] {
  const { preview, years } = result;
  const extent = lonLatExtent(grid);
  const out: [string, Uint8Array][] = [];
  out.push(['amplitude_trend.png', encodePng(renderRasterQuicklook({
    data: preview.trend, width: preview.width, height: preview.height, extent,
    title: 'Trend of the seasonal amplitude (+ growing: active layer deepening)',
    subtitle: `${years[0]}–${years[years.length - 1]}, ${result.trendPixels} pixels with a trend`,
    unitLabel: 'mm/yr', colormap: 'rdbu',
  }))]);
  if (years.length) {
    const all = new Float32Array(preview.amplitudeByYear.reduce((s, a) => s + a.length, 0));
    preview.amplitudeByYear.forEach((a, y) => all.set(a, y * a.length));
    const range = robustRange(all);
    const panels = preview.amplitudeByYear.map((data, y) => renderRasterQuicklook({
      data, width: preview.width, height: preview.height, title: String(years[y]), unitLabel: 'mm', colormap: 'viridis', range, maxSize: 320, minSize: 200,
    }));
    const columns = Math.min(4, panels.length);
    const rows = Math.ceil(panels.length / columns);
    const cellW = Math.max(...panels.map((p) => p.width));
    const cellH = Math.max(...panels.map((p) => p.height));
    const sheet = createImage(columns * cellW, rows * cellH, WHITE);
    panels.forEach((p, i) => drawImage(sheet, p, (i % columns) * cellW, Math.floor(i / columns) * cellH));
    out.push(['amplitude_by_year.png', encodePng(sheet)]);
  }
  return out;
}

/** `--device auto`: the GPU per-year kernel until it first fails, then the float64 one (GpuFallback's rule). */
export class FallbackSeasonsKernel extends GpuFallback<SeasonsKernel> implements SeasonsKernel {
  seasonsTile(tile: { nPixels: number; nDates: number; values: Float32Array }, fit: SeasonsFitInput, context: SeasonsContext): Promise<SeasonsProducts> {
    return this.run((kernel) => kernel.seasonsTile(tile, fit, context));
  }
}
