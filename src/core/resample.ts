// Resampling a raster onto another grid (descending products onto the ascending grid, SMAP
// moisture onto the InSAR grid, a reference ALT map onto the amplitude grid).
//
// For each target pixel centre, its position in the source grid is found (through an optional
// coordinate transform when the CRSs differ) and sampled: nearest neighbour for flags and
// classes, bilinear for continuous values. NaN stays NaN: a bilinear sample whose four
// neighbours include a NaN (with non-zero weight) is NaN, and anything outside the source is NaN.
import { pixelCentre, type RasterGrid } from './grid.ts';

export type ResampleMethod = 'nearest' | 'bilinear';

/** Maps target-CRS coordinates to source-CRS coordinates (identity when the CRSs agree). */
export type CoordinateTransform = (x: number, y: number) => [number, number];

/** Fractional source (col, row) of a source-CRS point, inverting the affine geotransform. */
function sourcePixel(grid: RasterGrid, x: number, y: number): [number, number] {
  const [x0, a, b, y0, d, e] = grid.geoTransform;
  const det = a * e - b * d;
  const dx = x - x0;
  const dy = y - y0;
  return [(e * dx - b * dy) / det, (-d * dx + a * dy) / det];
}

/** Samples `data` (on `source`) at a source-CRS point; NaN outside or next to NaN. */
export function sampleAt(source: RasterGrid, data: ArrayLike<number>, x: number, y: number, method: ResampleMethod): number {
  const [col, row] = sourcePixel(source, x, y);
  if (method === 'nearest') {
    const c = Math.floor(col);
    const r = Math.floor(row);
    if (c < 0 || r < 0 || c >= source.width || r >= source.height) return NaN;
    return data[r * source.width + c];
  }
  // Bilinear between pixel centres (centre of pixel c is at col = c + 0.5).
  const u = col - 0.5;
  const v = row - 0.5;
  // Half a pixel at the edges samples the edge pixel (clamped), so a same-grid resample is exact.
  if (u < -0.5 || v < -0.5 || u > source.width - 0.5 || v > source.height - 0.5) return NaN;
  const c0 = Math.max(0, Math.min(source.width - 1, Math.floor(u)));
  const r0 = Math.max(0, Math.min(source.height - 1, Math.floor(v)));
  const c1 = Math.min(source.width - 1, c0 + 1);
  const r1 = Math.min(source.height - 1, r0 + 1);
  const fu = Math.max(0, Math.min(1, u - c0));
  const fv = Math.max(0, Math.min(1, v - r0));
  const w = [(1 - fu) * (1 - fv), fu * (1 - fv), (1 - fu) * fv, fu * fv];
  const vals = [data[r0 * source.width + c0], data[r0 * source.width + c1], data[r1 * source.width + c0], data[r1 * source.width + c1]];
  let sum = 0;
  for (let k = 0; k < 4; k++) {
    if (w[k] === 0) continue;
    if (!(vals[k] === vals[k])) return NaN;
    sum += w[k] * vals[k];
  }
  return sum;
}

/** Resamples `data` from `source` onto `target`; returns Float32Array(target.width × target.height). */
export function resampleToGrid(
  source: RasterGrid,
  data: ArrayLike<number>,
  target: RasterGrid,
  method: ResampleMethod,
  transform?: CoordinateTransform,
): Float32Array {
  const out = new Float32Array(target.width * target.height);
  for (let r = 0; r < target.height; r++) {
    for (let c = 0; c < target.width; c++) {
      const p = pixelCentre(target, r, c);
      const [x, y] = transform ? transform(p.x, p.y) : [p.x, p.y];
      out[r * target.width + c] = sampleAt(source, data, x, y, method);
    }
  }
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
