// Resampling a raster onto another grid, the one rule every stage uses (descending products onto
// the ascending grid, soil moisture and reference ALT onto the amplitude grid, the browser's
// direction view): GDAL's warp kernel (alg/gdalwarpkernel.cpp, GDAL 3.6), so our products agree
// with `gdalwarp -r bilinear|near -srcnodata nan -dstnodata nan -et 0`.
//
// For each target pixel centre, its fractional position (x, y) in the source grid's pixel space
// (pixel-is-area: pixel c spans [c, c+1), its centre is c + 0.5) is found, through a coordinate
// transform when the CRSs differ. Then, as GWKGeneralCaseThread does:
//   - a centre outside [0, width) × [0, height) of the source is NaN;
//   - a centre whose containing source pixel (floor x, floor y) is NaN is NaN: GDAL skips a
//     target pixel whose "nearest" source pixel is invalid before it resamples, so holes keep
//     their shape and never shrink by half a pixel;
//   - nearest: the containing pixel's value (flags, classes);
//   - bilinear, target not coarser than the source (scale ≥ 0.95 on both axes, GDAL's
//     bUse4SamplesFormula), GWKBilinearResample4Sample: the four pixels around (x − ½, y − ½),
//     weights (1−fx)(1−fy)…; a NaN neighbour or one beyond the right/bottom edge gets weight 0
//     and the rest are renormalised (divided by their sum); at the left/top edge
//     (floor(x − ½) = −1) GDAL moves to column 0 with weight 1 instead;
//   - bilinear, target coarser (scale < 0.95 on an axis), GWKResample: the triangle kernel is
//     widened by the scale, weight (1 − |(i − dx)·scale|)+ over i ∈ [−R, R], R = ceil(1/scale),
//     NaN and off-source pixels dropped and the rest renormalised. The scale per axis is what
//     gdalwarp 3.6 uses (measured against it): same CRS and north-up, the ratio of the pixel
//     sizes; across CRSs, GDALWarpKernel::PerformWarp's target pixels / source window pixels,
//     the window being the target's edges transformed into the source
//     (GDALWarpOperation::ComputeSourceWindow: 21 points an edge, floor/ceil, clamped to the
//     source), set to 1 when the window is at most the resampling padding larger than the
//     target. Either way snapped to 1/n when 1/scale is within 0.05 of an integer n.
// Where a target centre falls on a source centre (within COINCIDENT_CENTRE_PX on both axes:
// identical or integer-shifted grids, geotransforms rounded in their last digits) the source
// value is copied bit for bit; GDAL gets the same number to ~1e-12 by floating point.
//
// Where we differ from gdalwarp: gdalwarp processes large rasters in chunks (warp memory, 64 MB by
// default) and derives the scale per chunk; we derive it once for the whole target. Results
// differ only when the target is coarser than the source and chunking changes the window
// (never for rasters under the warp memory, as in the tests).
import { peakDayToPhase, phaseToPeakDay } from './decomposition.ts';
import type { RasterGrid } from './grid.ts';

export type ResampleMethod = 'nearest' | 'bilinear';

/** Maps target-CRS coordinates to source-CRS coordinates (identity when the CRSs agree). */
export type CoordinateTransform = (x: number, y: number) => [number, number];

/**
 * A target centre this close to a source centre (in source pixels, per axis) counts as on it:
 * geotransforms written as decimal text (MintPy's X_FIRST, GDAL's .aux.xml, TIFF doubles
 * computed from degrees) differ from the exact grid by ~1e-10 pixel, far below this.
 */
export const COINCIDENT_CENTRE_PX = 1e-6;

/** GDAL's triangle filter (GWKBilinear). */
function triangle(x: number): number {
  const a = Math.abs(x);
  return a < 1 ? 1 - a : 0;
}

/** Fractional source (col, row) of a source-CRS point, inverting the affine geotransform. */
function inverseGeoTransform(grid: RasterGrid): (x: number, y: number) => [number, number] {
  const [x0, a, b, y0, d, e] = grid.geoTransform;
  const det = a * e - b * d;
  return (x, y) => {
    const dx = x - x0;
    const dy = y - y0;
    return [(e * dx - b * dy) / det, (-d * dx + a * dy) / det];
  };
}

/** Target pixel-space point (col, row) → source pixel-space point. */
type PixelTransform = (col: number, row: number) => [number, number];

function pixelTransform(source: RasterGrid, target: RasterGrid, transform?: CoordinateTransform): PixelTransform {
  const [x0, a, b, y0, d, e] = target.geoTransform;
  const toSource = inverseGeoTransform(source);
  return (col, row) => {
    const x = x0 + col * a + row * b;
    const y = y0 + col * d + row * e;
    if (!transform) return toSource(x, y);
    const [u, v] = transform(x, y);
    return toSource(u, v);
  };
}

/** GDAL's resampling scale per axis (target pixels per source pixel), see the header. */
export function warpScale(source: RasterGrid, target: RasterGrid, transform?: CoordinateTransform): [number, number] {
  const snap = (scale: number): number => {
    if (scale >= 1) return scale;
    const n = Math.round(1 / scale);
    return Math.abs(1 / scale - n) < 0.05 ? 1 / n : scale;
  };
  const [, sa, sb, , sd, se] = source.geoTransform;
  const [, ta, tb, , td, te] = target.geoTransform;
  if (!transform && sb === 0 && sd === 0 && tb === 0 && td === 0) {
    // Same CRS, north-up: gdalwarp 3.6 uses the ratio of the pixel sizes (measured: its output
    // matches ours exactly with this scale, not with the source-window one).
    return [snap(Math.abs(sa / ta)), snap(Math.abs(se / te))];
  }
  const toSource = pixelTransform(source, target, transform);
  const steps = 21;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i <= steps; i++) {
    const f = i / steps;
    const edgePoints: [number, number][] = [
      [f * target.width, 0], [f * target.width, target.height], [0, f * target.height], [target.width, f * target.height],
    ];
    for (const [c, r] of edgePoints) {
      const [x, y] = toSource(c, r);
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      minX = Math.min(minX, x); maxX = Math.max(maxX, x);
      minY = Math.min(minY, y); maxY = Math.max(maxY, y);
    }
  }
  if (!(maxX > minX && maxY > minY)) return [1, 1];
  // Padding of the source window for the kernel (nResWinSize), from the unrounded scale.
  const rawScale = (n: number, lo: number, hi: number) => n / (hi - lo);
  const radius = (s: number) => (s < 1 ? Math.ceil(1 / s) : 1);
  const pad = Math.max(radius(rawScale(target.width, minX, maxX)), radius(rawScale(target.height, minY, maxY)));
  const axis = (nDst: number, nSrc: number, lo: number, hi: number): number => {
    const off = lo >= 0 ? Math.min(Math.trunc(lo), nSrc) : 0;
    const end = Math.ceil(hi);
    const sizeRaw = Math.max(0, Math.min(nSrc - off, end - off));
    const offPadded = Math.min(Math.max(0, off - pad), nSrc);
    const sizePadded = Math.max(0, Math.min(nSrc - offPadded, end - offPadded + pad));
    const extra = sizePadded - sizeRaw;
    if (sizeRaw <= 0) return 1;
    let scale = nDst / sizeRaw;
    if (sizePadded >= nDst && sizePadded <= nDst + extra) scale = 1;
    return snap(scale);
  };
  return [axis(target.width, source.width, minX, maxX), axis(target.height, source.height, minY, maxY)];
}

/**
 * The weights of one target pixel: `count` source indices and weights summing to 1 (already
 * renormalised), or count 0 for NaN. `exact` marks a bit-for-bit copy of one source pixel.
 */
interface Stencil {
  count: number;
  index: Int32Array;
  weight: Float64Array;
  exact: boolean;
}

/**
 * Rows `targetRow0 … targetRow0 + nRows − 1` of the target, and the source rows the caller holds:
 * `sourceRow0` is the first row of `data` (data holds whole source rows from there). The whole-
 * raster path is the block (0, target.height) with every source row; the block path gives the
 * same numbers bit for bit, since each target pixel's stencil depends only on its own position
 * and the scale, which the caller derives once for the whole target (resampleScale).
 */
export interface RowBlock {
  targetRow0: number;
  nRows: number;
  sourceRow0: number;
  /** Number of source rows held. */
  sourceRows: number;
  /** Resampling scale per axis for the whole target (resampleScale). */
  scale: [number, number];
}

/** The scale `method` resamples with (GDAL's, per axis, for the whole target): see the header. */
export function resampleScale(source: RasterGrid, target: RasterGrid, method: ResampleMethod, transform?: CoordinateTransform): [number, number] {
  return method === 'bilinear' ? warpScale(source, target, transform) : [1, 1];
}

function wholeBlock(source: RasterGrid, target: RasterGrid, method: ResampleMethod, transform?: CoordinateTransform): RowBlock {
  return { targetRow0: 0, nRows: target.height, sourceRow0: 0, sourceRows: source.height, scale: resampleScale(source, target, method, transform) };
}

/** Builds, per target pixel of the block, GDAL's stencil over `valid` source pixels, and hands it to `visit`. */
function forEachStencil(
  source: RasterGrid,
  valid: (i: number) => boolean,
  target: RasterGrid,
  method: ResampleMethod,
  transform: CoordinateTransform | undefined,
  block: RowBlock,
  visit: (targetIndex: number, s: Stencil) => void,
): void {
  const W = source.width;
  const H = source.height;
  const toSource = pixelTransform(source, target, transform);
  const [scaleX, scaleY] = method === 'bilinear' ? block.scale : [1, 1];
  const fourSamples = scaleX >= 0.95 && scaleY >= 0.95;
  const radiusX = scaleX < 1 ? Math.ceil(1 / scaleX) : 1;
  const radiusY = scaleY < 1 ? Math.ceil(1 / scaleY) : 1;
  const cap = Math.max(4, (2 * radiusX + 1) * (2 * radiusY + 1));
  const s: Stencil = { count: 0, index: new Int32Array(cap), weight: new Float64Array(cap), exact: false };
  const wx = new Float64Array(2 * radiusX + 1);
  // Indices are into the held rows: source row j is data row j − sourceRow0.
  const base = block.sourceRow0 * W;
  const heldFrom = block.sourceRow0;
  const heldTo = block.sourceRow0 + block.sourceRows;
  const held = (row: number) => {
    if (row < heldFrom || row >= heldTo) throw new Error(`resample: source row ${row} needed but rows ${heldFrom}…${heldTo - 1} held`);
  };
  for (let r = block.targetRow0; r < block.targetRow0 + block.nRows; r++) {
    for (let c = 0; c < target.width; c++) {
      const t = (r - block.targetRow0) * target.width + c;
      s.count = 0;
      s.exact = false;
      let [x, y] = toSource(c + 0.5, r + 0.5);
      // GWKGeneralCaseThread: outside the source, or on an invalid source pixel → no value.
      if (!(x >= 0 && x < W && y >= 0 && y < H)) { visit(t, s); continue; }
      const col = Math.floor(x);
      const row = Math.floor(y);
      held(row);
      const containing = row * W + col - base;
      if (!valid(containing)) { visit(t, s); continue; }
      const onX = Math.abs(x - (col + 0.5)) <= COINCIDENT_CENTRE_PX;
      const onY = Math.abs(y - (row + 0.5)) <= COINCIDENT_CENTRE_PX;
      if (method === 'nearest' || (onX && onY)) {
        s.count = 1; s.index[0] = containing; s.weight[0] = 1; s.exact = true;
        visit(t, s); continue;
      }
      if (onX) x = col + 0.5;
      if (onY) y = row + 0.5;
      let sum = 0;
      if (fourSamples) {
        // GWKBilinearResample4Sample.
        let i0 = Math.floor(x - 0.5);
        let j0 = Math.floor(y - 0.5);
        let ratioX = 1.5 - (x - i0);
        let ratioY = 1.5 - (y - j0);
        if (i0 === -1) { i0 = 0; ratioX = 1; }
        if (j0 === -1) { j0 = 0; ratioY = 1; }
        held(j0);
        if (j0 + 1 < H) held(j0 + 1);
        const take = (i: number, j: number, w: number) => {
          if (i < 0 || i >= W || j < 0 || j >= H || w === 0) return;
          const k = j * W + i - base;
          if (!valid(k)) return;
          s.index[s.count] = k; s.weight[s.count] = w; s.count++; sum += w;
        };
        take(i0, j0, ratioX * ratioY);
        take(i0 + 1, j0, (1 - ratioX) * ratioY);
        take(i0, j0 + 1, ratioX * (1 - ratioY));
        take(i0 + 1, j0 + 1, (1 - ratioX) * (1 - ratioY));
        if (sum < 1e-5) s.count = 0;
      } else {
        // GWKResample with the bilinear filter, widened on the axes where scale < 1.
        const i0 = Math.floor(x - 0.5);
        const j0 = Math.floor(y - 0.5);
        const dx = x - 0.5 - i0;
        const dy = y - 0.5 - j0;
        const iMin = Math.max(-radiusX, -i0), iMax = Math.min(radiusX, W - 1 - i0);
        const jMin = Math.max(-radiusY, -j0), jMax = Math.min(radiusY, H - 1 - j0);
        held(j0 + jMin);
        held(j0 + jMax);
        for (let i = iMin; i <= iMax; i++) wx[i + radiusX] = triangle(scaleX < 1 ? (i - dx) * scaleX : i - dx);
        for (let j = jMin; j <= jMax; j++) {
          const wy = triangle(scaleY < 1 ? (j - dy) * scaleY : j - dy);
          if (wy === 0) continue;
          for (let i = iMin; i <= iMax; i++) {
            const w = wx[i + radiusX] * wy;
            if (w === 0) continue;
            const k = (j0 + j) * W + i0 + i - base;
            if (!valid(k)) continue;
            s.index[s.count] = k; s.weight[s.count] = w; s.count++; sum += w;
          }
        }
        if (sum < 1e-6) s.count = 0;
      }
      if (s.count > 0 && sum !== 1) for (let k = 0; k < s.count; k++) s.weight[k] /= sum;
      visit(t, s);
    }
  }
}

/**
 * The source rows a block of target rows needs: every row any of its stencils can touch with the
 * given scale (the containing row, and floor(y − ½) − R … floor(y − ½) + max(1, R) with
 * R = ceil(1/scale) on a coarser axis, 0 otherwise), clamped to the source. `sourceRows` is 0 when
 * no target centre of the block falls inside the source. Every pixel centre of the block is
 * transformed (a curved reprojection has its extremes anywhere, not only on the block's edges).
 */
export function sourceRowsForBlock(
  source: RasterGrid,
  target: RasterGrid,
  targetRow0: number,
  nRows: number,
  scale: [number, number],
  transform?: CoordinateTransform,
): { sourceRow0: number; sourceRows: number } {
  const toSource = pixelTransform(source, target, transform);
  const fourSamples = scale[0] >= 0.95 && scale[1] >= 0.95;
  const below = fourSamples ? 0 : (scale[1] < 1 ? Math.ceil(1 / scale[1]) : 1);
  const above = Math.max(1, below);
  let lo = Infinity, hi = -Infinity;
  for (let r = targetRow0; r < targetRow0 + nRows; r++) {
    for (let c = 0; c < target.width; c++) {
      const [x, y] = toSource(c + 0.5, r + 0.5);
      if (!(x >= 0 && x < source.width && y >= 0 && y < source.height)) continue;
      // The stencil's rows as forEachStencil finds them: a centre within COINCIDENT_CENTRE_PX of a
      // source row's centre is snapped onto it first, and above the first row's centre the
      // four-sample stencil starts at row 0 (GDAL's j0 = −1 → 0), so it reads rows 0 and 1
      // (without these, a target row just above the source's first centre got rows 0…0 and the
      // stencil asked for row 1: resample-blocks seed 1600942369).
      const row = Math.floor(y);
      const ySnapped = Math.abs(y - (row + 0.5)) <= COINCIDENT_CENTRE_PX ? row + 0.5 : y;
      const j0 = Math.max(fourSamples ? 0 : -Infinity, Math.floor(ySnapped - 0.5));
      lo = Math.min(lo, Math.floor(y), j0 - below);
      hi = Math.max(hi, Math.floor(y), j0 + above);
    }
  }
  if (hi < lo) return { sourceRow0: 0, sourceRows: 0 };
  const row0 = Math.max(0, lo);
  const end = Math.min(source.height - 1, hi);
  return { sourceRow0: row0, sourceRows: end - row0 + 1 };
}

/** Whether each target pixel centre of the block falls inside the source grid (row-major, the block's pixels). */
export function centresInsideSource(source: RasterGrid, target: RasterGrid, targetRow0: number, nRows: number, transform?: CoordinateTransform): Uint8Array {
  const toSource = pixelTransform(source, target, transform);
  const inside = new Uint8Array(nRows * target.width);
  for (let r = 0; r < nRows; r++) {
    for (let c = 0; c < target.width; c++) {
      const [x, y] = toSource(c + 0.5, targetRow0 + r + 0.5);
      inside[r * target.width + c] = x >= 0 && x < source.width && y >= 0 && y < source.height ? 1 : 0;
    }
  }
  return inside;
}

const isValid = (data: ArrayLike<number>) => (i: number) => {
  const v = data[i];
  return v === v; // not NaN
};

function resampleBlock(source: RasterGrid, data: ArrayLike<number>, target: RasterGrid, method: ResampleMethod, transform: CoordinateTransform | undefined, block: RowBlock): Float32Array {
  const out = new Float32Array(target.width * block.nRows);
  forEachStencil(source, isValid(data), target, method, transform, block, (t, s) => {
    if (s.count === 0) { out[t] = Number.NaN; return; }
    if (s.exact) { out[t] = data[s.index[0]]; return; }
    let v = 0;
    for (let k = 0; k < s.count; k++) v += s.weight[k] * data[s.index[k]];
    out[t] = v;
  });
  return out;
}

/** Resamples `data` from `source` onto `target`; returns Float32Array(target.width × target.height). */
export function resampleToGrid(
  source: RasterGrid,
  data: ArrayLike<number>,
  target: RasterGrid,
  method: ResampleMethod,
  transform?: CoordinateTransform,
): Float32Array {
  return resampleBlock(source, data, target, method, transform, wholeBlock(source, target, method, transform));
}

/**
 * Rows block.targetRow0 … of resampleToGrid, from the source rows block.sourceRow0 … held in
 * `rows` (sourceRowsForBlock says which): the same values bit for bit, in bounded memory.
 */
export function resampleRowBlock(
  source: RasterGrid,
  rows: ArrayLike<number>,
  target: RasterGrid,
  method: ResampleMethod,
  block: RowBlock,
  transform?: CoordinateTransform,
): Float32Array {
  return resampleBlock(source, rows, target, method, transform, block);
}

/**
 * Day-of-year rasters (seasonal timing) resampled on the unit circle: cos and sin of the
 * annual phase are averaged with the bilinear stencil above and atan2 taken, so day 360 and
 * day 5 average to ~day 1, not day 182. Where the phases cancel (|mean vector| < 1e-3), NaN:
 * no timing is better than a made-up one. Exact centres copy the day bit for bit.
 */
export function resampleDayOfYear(
  source: RasterGrid,
  days: ArrayLike<number>,
  target: RasterGrid,
  transform?: CoordinateTransform,
): Float32Array {
  return dayOfYearBlock(source, days, target, transform, wholeBlock(source, target, 'bilinear', transform));
}

/** Rows of resampleDayOfYear from held source rows, as resampleRowBlock. */
export function resampleDayOfYearRowBlock(
  source: RasterGrid,
  days: ArrayLike<number>,
  target: RasterGrid,
  block: RowBlock,
  transform?: CoordinateTransform,
): Float32Array {
  return dayOfYearBlock(source, days, target, transform, block);
}

function dayOfYearBlock(source: RasterGrid, days: ArrayLike<number>, target: RasterGrid, transform: CoordinateTransform | undefined, block: RowBlock): Float32Array {
  const cos = new Float64Array(days.length);
  const sin = new Float64Array(days.length);
  for (let i = 0; i < days.length; i++) {
    const phase = peakDayToPhase(days[i]);
    cos[i] = Math.cos(phase);
    sin[i] = Math.sin(phase);
  }
  const out = new Float32Array(target.width * block.nRows);
  forEachStencil(source, isValid(days), target, 'bilinear', transform, block, (t, s) => {
    if (s.count === 0) { out[t] = Number.NaN; return; }
    if (s.exact) { out[t] = days[s.index[0]]; return; }
    let c = 0, sn = 0;
    for (let k = 0; k < s.count; k++) {
      c += s.weight[k] * cos[s.index[k]];
      sn += s.weight[k] * sin[s.index[k]];
    }
    out[t] = Math.hypot(c, sn) > 1e-3 ? phaseToPeakDay(Math.atan2(sn, c)) : Number.NaN;
  });
  return out;
}

/** Map-coordinate bounds [xmin, ymin, xmax, ymax] of a grid's outer edges. */
export function gridBounds(grid: RasterGrid): [number, number, number, number] {
  const [x0, a, b, y0, d, e] = grid.geoTransform;
  const xs = [x0, x0 + a * grid.width, x0 + b * grid.height, x0 + a * grid.width + b * grid.height];
  const ys = [y0, y0 + d * grid.width, y0 + e * grid.height, y0 + d * grid.width + e * grid.height];
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** Whether two same-CRS grids overlap by any area. */
export function gridsOverlap(a: RasterGrid, b: RasterGrid): boolean {
  const [ax0, ay0, ax1, ay1] = gridBounds(a);
  const [bx0, by0, bx1, by1] = gridBounds(b);
  return ax0 < bx1 && bx0 < ax1 && ay0 < by1 && by0 < ay1;
}
