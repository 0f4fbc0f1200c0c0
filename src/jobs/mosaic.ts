// The mosaic job (issue 12): the fit folders of one orbit direction's frames → one set of fit
// products on a grid covering them all, each frame's reference offset removed (estimated jointly
// from the overlaps, core/mosaic.ts), written as the same files `permasar fit` writes
// (rate.tif, rate_std.tif, …, incidence.tif and azimuth.tif where every frame has them).
//
// Memory follows the row block, never the corridor: frames are read through the GeoTIFF reader
// by row window (readGeoTiffRows), products written through the streaming COG writer (assembled
// on close), the offsets estimated from overlap pixels read block by block (at most
// `maxOverlapSamples` differences held per overlap, a deterministic stride beyond that).
// Frames on another pixel lattice or CRS are resampled per block with the one rule of
// core/resample.ts (bilinear, nearest for flags and counts, the unit circle for days of year).
// Node-only (reads files).
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { InputError } from '../core/errors.ts';
import { MOSAIC_OPTIONS } from './mosaic-options.ts';
import { optionDefault } from './support/option-table.ts';
import { sameGrid, describeGrid, mapToPixel, type RasterGrid } from '../core/grid.ts';
import {
  combinePixel, emptyMosaicPlanes, median, overlapStride, placeFrame, placementOverlap, shiftComponent, solveFrameOffsets, unionGrid,
  MOSAIC_PLANE_KEYS, type FramePlacement, type FrameSample, type MosaicPixelInputs, type MosaicPlanes, type OverlapDifference,
} from '../core/mosaic.ts';
import { gridBounds, resampleDayOfYear, resampleToGrid, type CoordinateTransform } from '../core/resample.ts';
import { openRasterRows, type RasterRowReader } from '../io/raster-node.ts';
import { createGeoTiffFile, type GeoTiffFileWriter } from '../io/geotiff-write-node.ts';
import { FIT_PRODUCT_INFO } from '../pipeline/fit-products.ts';
import { fitProductGeoTiffOptions } from '../pipeline/fit-geotiff-options.ts';
import { crsTransform, lonLatToGrid } from '../pipeline/grid-crs.ts';
import { StreamingStatistics, type ProductStatistics } from '../pipeline/stats.ts';
import { renderRasterQuicklook } from '../plot/raster.ts';
import { encodePng } from '../plot/png.ts';
import { lonLatExtent } from '../pipeline/fit-quicklooks.ts';
import type { FitProductKey } from '../core/fit-types.ts';

/** Mosaic plane → fit product key (file names and GeoTIFF options come from FIT_PRODUCT_INFO). */
const PLANE_PRODUCT: Record<keyof MosaicPixelInputs, FitProductKey> = {
  rate: 'rateMmPerYear', rateStd: 'rateStdMmPerYear', amplitude: 'seasonalAmplitudeMm', amplitudeStd: 'seasonalAmplitudeStdMm',
  timing: 'peakDayOfYear', extrema: 'extremaCount', seasonal: 'seasonalFlag', rms: 'residualRmsMm', valid: 'validEpochCount',
};
const fileOf = (key: keyof MosaicPixelInputs) => FIT_PRODUCT_INFO.find((p) => p.key === PLANE_PRODUCT[key])!.file;

/** Planes resampled with nearest (flags and counts); timing on the unit circle; the rest bilinear. */
const NEAREST_PLANES = new Set<string>(['seasonal', 'extrema', 'valid']);

/** Geometry rasters fit keeps beside its products, mosaicked when every frame has them. */
const GEOMETRY_FILES = ['incidence.tif', 'azimuth.tif'] as const;

export interface MosaicFrameInput {
  name: string;
  /** A `permasar fit` output folder. */
  dir: string;
}

export interface MosaicOptions {
  /** Union rows per block (default 256, one COG tile row). */
  blockRows?: number;
  /** At most this many overlap pixels enter one overlap's median (default 1,000,000). */
  maxOverlapSamples?: number;
  /** Reference the mosaic to this point (`reference.lalo` of the manifest): [lat, lon] in degrees. */
  referenceLatLon?: [number, number] | null;
  /** Named in errors about the reference point (e.g. "corridor.json: reference.lalo"). */
  referenceLabel?: string;
  /** Long side of the PNG overviews (default 1200). */
  previewSize?: number;
  log?: (line: string) => void;
  progress?: (done: number, total: number) => void;
}

export interface MosaicSummary {
  grid: { width: number; height: number; geoTransform: number[]; epsg: number | null };
  frames: { name: string; dir: string; row0: number; col0: number; rows: number; cols: number; resampled: boolean; offsetMmPerYear: number; component: number }[];
  overlaps: { a: string; b: string; medianDifferenceMmPerYear: number | null; pixels: number; stride: number; residualMmPerYear: number | null }[];
  components: { frames: string[]; fixedFrame: string; referencedTo: string }[];
  reference: { latLon: [number, number]; frame: string; rateBeforeMmPerYear: number } | null;
  products: string[];
  counts: { pixels: number; withData: number; seasonal: number; notSeasonal: number; seasonalPercentOfData: number | null; overlapPixels: number };
  statistics: Record<string, ProductStatistics>;
  rules: Record<string, string>;
  seconds: { offsets: number; write: number };
}

/** One frame opened for row reads: every product plane, the geometry planes, its place. */
interface OpenFrame {
  name: string;
  dir: string;
  grid: RasterGrid;
  readers: Map<string, RasterRowReader>;
  placement: FramePlacement;
  /** Union CRS → frame CRS (null when the same). */
  toFrame: CoordinateTransform | null;
}

/** A frame's planes for union rows [row0, row0 + rows), in its placement's columns. */
interface FrameBlock {
  row0: number;
  rows: number;
  col0: number;
  cols: number;
  planes: Map<string, Float32Array>;
}

async function openFrame(frame: MosaicFrameInput, planeFiles: string[]): Promise<{ grid: RasterGrid; readers: Map<string, RasterRowReader> }> {
  const readers = new Map<string, RasterRowReader>();
  try {
    let grid: RasterGrid | null = null;
    for (const file of planeFiles) {
      const full = path.join(frame.dir, file);
      const reader = await openRasterRows(full);
      readers.set(file, reader);
      if (!grid) grid = reader.info.grid;
      else if (!sameGrid(grid, reader.info.grid)) {
        throw new InputError(full, `grid differs from ${planeFiles[0]}'s of the same frame (${describeGrid(reader.info.grid)} vs ${describeGrid(grid)})`);
      }
    }
    return { grid: grid!, readers };
  } catch (e) {
    for (const r of readers.values()) r.close();
    throw e;
  }
}

/** Frame bounds in the union's CRS: the frame's edges (21 points each, as GDAL) transformed. */
function boundsInCrs(grid: RasterGrid, toUnion: CoordinateTransform | null): [number, number, number, number] {
  const b = gridBounds(grid);
  if (!toUnion) return b;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i <= 20; i++) {
    const f = i / 20;
    for (const [x, y] of [[b[0] + f * (b[2] - b[0]), b[1]], [b[0] + f * (b[2] - b[0]), b[3]], [b[0], b[1] + f * (b[3] - b[1])], [b[2], b[1] + f * (b[3] - b[1])]]) {
      const [u, v] = toUnion(x, y);
      if (!Number.isFinite(u) || !Number.isFinite(v)) continue;
      minX = Math.min(minX, u); maxX = Math.max(maxX, u); minY = Math.min(minY, v); maxY = Math.max(maxY, v);
    }
  }
  return [minX, minY, maxX, maxY];
}

/** Reads a frame's planes for union rows [row0, row0 + rows) ∩ its placement; null if none. */
async function readFrameBlock(frame: OpenFrame, union: RasterGrid, files: string[], row0: number, rows: number): Promise<FrameBlock | null> {
  const p = frame.placement;
  const a = Math.max(row0, p.row0), b = Math.min(row0 + rows, p.row0 + p.rows);
  if (b <= a || p.cols === 0) return null;
  const planes = new Map<string, Float32Array>();
  if (p.onLattice) {
    for (const file of files) planes.set(file, await frame.readers.get(file)!.readRows(a - p.row0, b - a));
    return { row0: a, rows: b - a, col0: p.col0, cols: p.cols, planes };
  }
  // Resampled: the block's target grid (union rows a..b, the placement's columns), and the source
  // rows its stencils can touch (the target's edges in source pixels, plus a margin for the kernel).
  const [ux0, udx, , uy0, , udy] = union.geoTransform;
  const target: RasterGrid = { ...union, width: p.cols, height: b - a, geoTransform: [ux0 + p.col0 * udx, udx, 0, uy0 + a * udy, 0, udy] };
  const src = frame.grid;
  let minRow = Infinity, maxRow = -Infinity;
  for (let i = 0; i <= 20; i++) {
    for (const [c, r] of [[(i / 20) * target.width, 0], [(i / 20) * target.width, target.height], [0, (i / 20) * target.height], [target.width, (i / 20) * target.height]]) {
      let x = target.geoTransform[0] + c * udx, y = target.geoTransform[3] + r * udy;
      if (frame.toFrame) [x, y] = frame.toFrame(x, y);
      const row = mapToPixel(src, x, y).row;
      if (Number.isFinite(row)) { minRow = Math.min(minRow, row); maxRow = Math.max(maxRow, row); }
    }
  }
  const margin = 3 + Math.ceil(Math.abs(udy / src.geoTransform[5])) + Math.ceil(Math.abs(src.geoTransform[5] / udy));
  const s0 = Math.max(0, Math.floor(minRow) - margin), s1 = Math.min(src.height, Math.ceil(maxRow) + margin);
  if (s1 <= s0) return null;
  const [sx0, sdx, , sy0, , sdy] = src.geoTransform;
  const window: RasterGrid = { ...src, height: s1 - s0, geoTransform: [sx0, sdx, 0, sy0 + s0 * sdy, 0, sdy] };
  const transform = frame.toFrame ?? undefined;
  for (const file of files) {
    const data = await frame.readers.get(file)!.readRows(s0, s1 - s0);
    const plane = planeOfFile(file);
    planes.set(file, plane === 'timing' ? resampleDayOfYear(window, data, target, transform)
      : resampleToGrid(window, data, target, plane && NEAREST_PLANES.has(plane) ? 'nearest' : 'bilinear', transform));
  }
  return { row0: a, rows: b - a, col0: p.col0, cols: p.cols, planes };
}

function planeOfFile(file: string): keyof MosaicPixelInputs | null {
  return MOSAIC_PLANE_KEYS.find((k) => fileOf(k) === file) ?? null;
}

/**
 * Mosaics one direction's frames into `outDir` (an existing folder, e.g. a staging folder).
 * Returns the summary (the caller puts it in its summary.json).
 */
export async function mosaicDirection(frameInputs: MosaicFrameInput[], outDir: string, options: MosaicOptions = {}): Promise<MosaicSummary> {
  if (frameInputs.length === 0) throw new Error('mosaicDirection: no frames');
  const blockRows = Math.max(1, options.blockRows ?? optionDefault<number>(MOSAIC_OPTIONS, 'block-rows'));
  const maxSamples = options.maxOverlapSamples ?? optionDefault<number>(MOSAIC_OPTIONS, 'max-overlap-samples');
  const log = options.log ?? (() => {});
  const productFiles = MOSAIC_PLANE_KEYS.map(fileOf);
  const { readdir } = await import('node:fs/promises');
  const geometryFiles: string[] = [];
  for (const g of GEOMETRY_FILES) {
    let all = true;
    for (const f of frameInputs) if (!(await readdir(f.dir)).includes(g)) all = false;
    if (all) geometryFiles.push(g);
  }
  const allFiles = [...productFiles, ...geometryFiles];

  const frames: OpenFrame[] = [];
  const writers = new Map<string, GeoTiffFileWriter>();
  try {
    for (const f of frameInputs) {
      const { grid, readers } = await openFrame(f, allFiles);
      frames.push({ name: f.name, dir: f.dir, grid, readers, placement: { row0: 0, col0: 0, rows: 0, cols: 0, onLattice: true }, toFrame: null });
    }
    // The union grid: the first frame's CRS and pixel lattice.
    const first = frames[0].grid;
    const bounds = frames.map((f, i) => (i === 0 ? gridBounds(first) : boundsInCrs(f.grid, crsTransform(f.grid, first, path.join(f.dir, 'rate.tif'), path.join(frames[0].dir, 'rate.tif')))));
    const union = unionGrid(first, bounds.slice(1));
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      f.toFrame = crsTransform(union, f.grid, path.join(f.dir, 'rate.tif'));
      f.placement = placeFrame(union, f.toFrame ? null : f.grid, bounds[i]);
    }
    log(`mosaic: ${frames.length} frame(s) → ${union.width}×${union.height} pixels${frames.some((f) => !f.placement.onLattice) ? ` (resampled: ${frames.filter((f) => !f.placement.onLattice).map((f) => f.name).join(', ')})` : ''}`);

    // 1. Overlap medians, block by block, then the joint solve.
    const t0 = Date.now();
    const overlaps: OverlapDifference[] = [];
    let overlapPixels = 0;
    const rateFile = fileOf('rate');
    for (let i = 0; i < frames.length; i++) {
      for (let j = i + 1; j < frames.length; j++) {
        const ov = placementOverlap(frames[i].placement, frames[j].placement);
        if (!ov) continue;
        overlapPixels += ov.rows * ov.cols;
        const stride = overlapStride(ov.rows * ov.cols, maxSamples);
        const diffs = new Float64Array(Math.ceil((ov.rows * ov.cols) / stride));
        let n = 0;
        for (let r0 = ov.row0; r0 < ov.row0 + ov.rows; r0 += blockRows) {
          const rows = Math.min(blockRows, ov.row0 + ov.rows - r0);
          const A = await readFrameBlock(frames[i], union, [rateFile], r0, rows);
          const B = await readFrameBlock(frames[j], union, [rateFile], r0, rows);
          if (!A || !B) continue;
          const ra = A.planes.get(rateFile)!, rb = B.planes.get(rateFile)!;
          for (let r = r0; r < r0 + rows; r++) {
            for (let c = ov.col0; c < ov.col0 + ov.cols; c++) {
              if (((r - ov.row0) * ov.cols + (c - ov.col0)) % stride) continue;
              const va = ra[(r - A.row0) * A.cols + (c - A.col0)];
              const vb = rb[(r - B.row0) * B.cols + (c - B.col0)];
              if (Number.isFinite(va) && Number.isFinite(vb)) diffs[n++] = vb - va;
            }
          }
        }
        overlaps.push({ a: i, b: j, medianDifference: median(diffs.subarray(0, n)), pixels: n, stride });
      }
    }
    const solution = solveFrameOffsets(frames.length, overlaps);
    let offsets = solution.offsets;
    let reference: MosaicSummary['reference'] = null;
    const referencedTo = solution.fixedFrame.map((f) => `frame ${frames[f].name} (its own reference point)`);
    if (options.referenceLatLon) {
      const [lat, lon] = options.referenceLatLon;
      const label = options.referenceLabel ?? 'reference.lalo';
      const [x, y] = lonLatToGrid(union, label)(lon, lat);
      const { col, row } = mapToPixel(union, x, y);
      const r = Math.floor(row), c = Math.floor(col);
      if (!(r >= 0 && r < union.height && c >= 0 && c < union.width)) {
        throw new InputError(label, `[${lat}, ${lon}] lies outside the ${frames.length} frame(s) of this direction (${describeGrid(union)})`);
      }
      let found = false;
      for (let k = 0; k < frames.length && !found; k++) {
        const block = await readFrameBlock(frames[k], union, [rateFile], r, 1);
        if (!block || c < block.col0 || c >= block.col0 + block.cols) continue;
        const v = block.planes.get(rateFile)![c - block.col0];
        if (!Number.isFinite(v)) continue;
        const corrected = v - offsets[k];
        offsets = shiftComponent(solution, solution.component[k], corrected);
        referencedTo[solution.component[k]] = `reference.lalo [${lat}, ${lon}]`;
        reference = { latLon: [lat, lon], frame: frames[k].name, rateBeforeMmPerYear: corrected };
        found = true;
      }
      if (!found) throw new InputError(label, `[${lat}, ${lon}] has no rate in any frame of this direction (no data there); choose a point with data`);
    }
    const offsetSeconds = (Date.now() - t0) / 1000;
    for (let i = 0; i < frames.length; i++) log(`  ${frames[i].name}: offset ${offsets[i].toFixed(3)} mm/yr${solution.fixedFrame.includes(i) && !reference ? ' (fixed)' : ''}`);
    if (solution.fixedFrame.length > 1) {
      log(`  note: ${solution.fixedFrame.length} groups of frames do not overlap each other; each keeps its own reference (${solution.fixedFrame.map((f) => frames[f].name).join(', ')})`);
    }

    // 2. Write the products block by block.
    const t1 = Date.now();
    for (const file of allFiles) {
      const plane = planeOfFile(file);
      const opts = plane ? fitProductGeoTiffOptions(FIT_PRODUCT_INFO.find((p) => p.key === PLANE_PRODUCT[plane])!)
        : { sampleType: 'float32' as const, bandUnit: 'degrees', bandDescription: `${file === 'incidence.tif' ? 'incidence angle' : 'azimuth angle of the LOS, MintPy convention'} (mosaic of ${frames.length} frames)` };
      writers.set(file, await createGeoTiffFile(path.join(outDir, file), union, opts));
    }
    // Percentiles from at most 250 000 pixels a product: bounded memory over 11 products.
    const stride = Math.max(1, Math.ceil((union.width * union.height) / 250_000));
    const stats = new Map(allFiles.map((f) => [f, new StreamingStatistics(stride)]));
    const previewSize = options.previewSize ?? 1200;
    const step = Math.max(1, Math.ceil(Math.max(union.width, union.height) / previewSize));
    const preview = { width: Math.ceil(union.width / step), height: Math.ceil(union.height / step), step };
    const previewPlanes = new Map<string, Float32Array>(['rate', 'amplitude', 'timing', 'seasonal'].map((k) => [k, new Float32Array(preview.width * preview.height).fill(NaN)]));
    let withData = 0, seasonal = 0, notSeasonal = 0;
    const W = union.width;
    for (let row0 = 0; row0 < union.height; row0 += blockRows) {
      const rows = Math.min(blockRows, union.height - row0);
      const n = rows * W;
      const out: MosaicPlanes = emptyMosaicPlanes(n);
      const geometry = geometryFiles.map(() => new Float32Array(n).fill(NaN));
      const blocks: { frame: number; block: FrameBlock; planes: MosaicPixelInputs }[] = [];
      for (let k = 0; k < frames.length; k++) {
        const block = await readFrameBlock(frames[k], union, allFiles, row0, rows);
        if (!block) continue;
        const planes = Object.fromEntries(MOSAIC_PLANE_KEYS.map((key) => [key, block.planes.get(fileOf(key))!])) as unknown as MosaicPixelInputs;
        blocks.push({ frame: k, block, planes });
      }
      const samples: FrameSample[] = [];
      for (let r = row0; r < row0 + rows; r++) {
        for (let c = 0; c < W; c++) {
          samples.length = 0;
          let bestGeometry: { block: FrameBlock; index: number; std: number } | null = null;
          for (const { frame, block, planes } of blocks) {
            if (r < block.row0 || r >= block.row0 + block.rows || c < block.col0 || c >= block.col0 + block.cols) continue;
            const index = (r - block.row0) * block.cols + (c - block.col0);
            samples.push({ planes, index, offsetMmPerYear: offsets[frame] });
            if (geometryFiles.length && Number.isFinite(planes.rate[index])) {
              const std = planes.rateStd[index];
              const s = Number.isFinite(std) && std > 0 ? std : Infinity;
              if (!bestGeometry || s < bestGeometry.std) bestGeometry = { block, index, std: s };
            }
          }
          if (samples.length === 0) continue;
          const o = (r - row0) * W + c;
          combinePixel(samples, out, o);
          // Geometry (incidence, azimuth) from the frame the flags come from (smallest rate_std).
          if (bestGeometry) geometryFiles.forEach((g, gi) => { geometry[gi][o] = bestGeometry!.block.planes.get(g)![bestGeometry!.index]; });
        }
      }
      for (const key of MOSAIC_PLANE_KEYS) {
        await writers.get(fileOf(key))!.writeRows(row0, out[key]);
        stats.get(fileOf(key))!.add(out[key]);
      }
      for (let gi = 0; gi < geometryFiles.length; gi++) {
        await writers.get(geometryFiles[gi])!.writeRows(row0, geometry[gi]);
        stats.get(geometryFiles[gi])!.add(geometry[gi]);
      }
      for (let p = 0; p < n; p++) {
        const f = out.seasonal[p];
        if (f === 1) seasonal++;
        else if (f === 0) notSeasonal++;
      }
      for (let r = row0; r < row0 + rows; r++) {
        if (r % step) continue;
        for (const [key, dst] of previewPlanes) {
          const src = out[key as keyof MosaicPlanes];
          for (let c = 0, pc = 0; c < W; c += step, pc++) dst[(r / step) * preview.width + pc] = src[(r - row0) * W + c];
        }
      }
      options.progress?.(row0 + rows, union.height);
    }
    withData = seasonal + notSeasonal;
    for (const w of writers.values()) await w.close();
    writers.clear();

    // PNG overviews of the mosaic.
    const base = { width: preview.width, height: preview.height, extent: lonLatExtent(union), subtitle: `mosaic of ${frames.map((f) => f.name).join(', ')}` };
    const pngs: [string, Uint8Array][] = [
      ['rate.png', encodePng(renderRasterQuicklook({ ...base, data: previewPlanes.get('rate')!, title: 'Secular LOS rate, frames mosaicked (+ toward satellite)', unitLabel: 'mm/yr', colormap: 'rdbu' }))],
      ['amplitude.png', encodePng(renderRasterQuicklook({ ...base, data: previewPlanes.get('amplitude')!, title: 'Seasonal LOS amplitude, peak to trough', unitLabel: 'mm', colormap: 'viridis' }))],
      ['timing.png', encodePng(renderRasterQuicklook({ ...base, data: previewPlanes.get('timing')!, title: 'Day of year of the seasonal peak', unitLabel: 'day of year', colormap: 'twilight', range: [1, 366] }))],
      ['seasonal.png', encodePng(renderRasterQuicklook({
        ...base, data: previewPlanes.get('seasonal')!, title: 'Seasonality test', unitLabel: '', colormap: 'categorical',
        categories: [{ value: 1, label: `seasonal (${seasonal})`, color: '#1b9e77' }, { value: 0, label: `not seasonal (${notSeasonal})`, color: '#d95f02' }],
      }))],
    ];
    for (const [file, png] of pngs) await writeFile(path.join(outDir, file), png);
    const writeSeconds = (Date.now() - t1) / 1000;

    const summary: MosaicSummary = {
      grid: { width: union.width, height: union.height, geoTransform: [...union.geoTransform], epsg: union.epsg },
      frames: frames.map((f, i) => ({ name: f.name, dir: f.dir, ...f.placement, resampled: !f.placement.onLattice, offsetMmPerYear: offsets[i], component: solution.component[i] })).map(({ onLattice: _, ...rest }) => rest),
      overlaps: overlaps.map((o, k) => ({
        a: frames[o.a].name, b: frames[o.b].name,
        medianDifferenceMmPerYear: Number.isFinite(o.medianDifference) ? o.medianDifference : null,
        pixels: o.pixels, stride: o.stride,
        residualMmPerYear: Number.isFinite(solution.residuals[k]) ? solution.residuals[k] : null,
      })),
      components: solution.fixedFrame.map((fixed, ci) => ({ frames: frames.filter((_, i) => solution.component[i] === ci).map((f) => f.name), fixedFrame: frames[fixed].name, referencedTo: referencedTo[ci] })),
      reference,
      products: [...allFiles, ...pngs.map(([f]) => f)],
      counts: { pixels: union.width * union.height, withData, seasonal, notSeasonal, seasonalPercentOfData: withData ? (100 * seasonal) / withData : null, overlapPixels },
      statistics: Object.fromEntries([...stats].map(([f, s]) => [f, s.result()])),
      rules: {
        offsets: `per overlapping pair, the median of rate_b − rate_a over the overlap pixels with a rate on both (every stride-th pixel beyond ${maxSamples}); offsets solved jointly by least squares over the overlap graph (weights: pixels used), the first frame of each connected group fixed at 0${options.referenceLatLon ? ', then the group holding reference.lalo shifted so the rate there is 0' : ''}; corrected rate = rate − offset`,
        overlap: 'rate: inverse-variance mean (1/rate_std²) of the corrected rates, rate_std: 1/√Σw; seasonal, extrema, valid, rms, incidence, azimuth: from the frame with the smallest rate_std; amplitude, amplitude_std, timing: where that frame is seasonal, the 1/amplitude_std²-weighted mean over the seasonal frames (timing on the unit circle), else NaN',
        resampling: 'frames on another lattice or CRS: GDAL bilinear (nearest for seasonal, extrema, valid; unit circle for timing), as gdalwarp -r bilinear -srcnodata nan',
      },
      seconds: { offsets: offsetSeconds, write: writeSeconds },
    };
    return summary;
  } catch (e) {
    for (const w of writers.values()) await w.discard().catch(() => {});
    throw e;
  } finally {
    for (const f of frames) for (const r of f.readers.values()) r.close();
  }
}
