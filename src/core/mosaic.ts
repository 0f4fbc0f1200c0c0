// Mosaicking the fit products of several frames of one orbit direction into one seamless raster
// (issue 12). Pure: grids, medians, a small least-squares solve and the per-pixel overlap rule.
//
// Reference offsets. Each frame's stack is referenced to its own point, so its rates differ from
// the truth by one constant c_f (mm/yr; the displacement offset is absorbed by the fit's own
// intercept and never reaches a product). In the overlap of frames i and j, every pixel sees
// rate_j − rate_i = c_j − c_i + noise. As MintPy's image_stitch.py (stitch_two_matrices) we
// estimate that difference from the overlap pixels — MintPy takes their mean, we take the median,
// which a few unwrapping errors or a moving slope in the overlap cannot drag — giving one
// observation d_ij per overlapping pair. MintPy stitches pairs one after another, so its errors
// add up along a chain; we solve every pair together:
//
//   minimise Σ_(i,j) w_ij (c_j − c_i − d_ij)²,  w_ij = number of overlap pixels used,
//
// with one frame per connected component of the overlap graph fixed at c = 0 (the first frame of
// the component in manifest order). For a chain this reproduces the pairwise offsets exactly; for
// a network (a frame overlapping two others) it spreads the misclosure by weight. Frames that
// overlap nothing in their component's graph (disconnected components) keep their own reference:
// the solve says so and the caller reports it. The corrected rate is rate − c_f.
//
// Overlap rule (documented in README "corridor"): where several frames have a value,
//   - rate: the inverse-variance mean of the offset-corrected rates, weights 1/rate_std²
//     (a frame without a usable rate_std gets the weight of the least certain frame there);
//   - rate_std: 1/√Σw, the standard error of that mean;
//   - seasonal flag, extrema, valid epochs, rms: from the frame with the smallest rate_std (the
//     best-constrained fit; ties go to the earlier frame of the manifest) — flags are not averaged;
//   - amplitude and amplitude_std: where that frame is seasonal, the inverse-variance mean
//     (weights 1/amplitude_std²) over the frames seasonal there, and 1/√Σw; NaN where it is not
//     (fit's rule: no amplitude for a non-seasonal pixel);
//   - timing: where that frame is seasonal, the circular mean of the peak days of the frames
//     seasonal there, on the unit circle with the same weights (day 360 and day 5 average to
//     ~day 1); NaN where it is not, or where the phases cancel.
// Amplitude and timing do not depend on the reference point, so they are never offset.
import type { RasterGrid } from './grid.ts';

/** Days in one annual cycle, the same year as decomposition.ts's peakDayToPhase (365.25). */
const DAYS_PER_CYCLE = 365.25;

// ---------------------------------------------------------------------------------------------
// Grid union

/**
 * A frame's place on the union grid: its window (rows, cols of the union) and whether its
 * pixels sit exactly on union pixels (`onLattice`: an integer shift, copied value for value) or
 * must be resampled (other pixel size, fractional shift, other CRS).
 */
export interface FramePlacement {
  row0: number;
  col0: number;
  rows: number;
  cols: number;
  onLattice: boolean;
}

/** Pixel positions this close to an integer count as on the lattice (decimal-text geotransforms). */
const LATTICE_TOLERANCE_PX = 1e-6;

function boundsOf(grid: RasterGrid): [number, number, number, number] {
  const [x0, dx, , y0, , dy] = grid.geoTransform;
  const xa = x0, xb = x0 + dx * grid.width, ya = y0, yb = y0 + dy * grid.height;
  return [Math.min(xa, xb), Math.min(ya, yb), Math.max(xa, xb), Math.max(ya, yb)];
}

/**
 * The grid covering every frame: the union of the frames' bounds (in the first frame's CRS,
 * `bounds` given for frames on other CRSs), snapped outward to the first frame's pixel lattice
 * (same pixel size, origin shifted by whole pixels), so the first frame is copied value for value
 * and so is any frame on the same lattice. North-up grids only (MintPy's geocoded products).
 */
export function unionGrid(first: RasterGrid, otherBounds: [number, number, number, number][]): RasterGrid {
  const [x0, dx, rx, y0, ry, dy] = first.geoTransform;
  if (rx !== 0 || ry !== 0) throw new Error('unionGrid: rotated geotransforms are not supported');
  let [minX, minY, maxX, maxY] = boundsOf(first);
  for (const b of otherBounds) {
    minX = Math.min(minX, b[0]); minY = Math.min(minY, b[1]);
    maxX = Math.max(maxX, b[2]); maxY = Math.max(maxY, b[3]);
  }
  // Lattice columns/rows of the edges, relative to the first frame's origin; snapped outward but
  // a value within the tolerance of an integer is that integer.
  const snapDown = (v: number) => Math.floor(v + LATTICE_TOLERANCE_PX);
  const snapUp = (v: number) => Math.ceil(v - LATTICE_TOLERANCE_PX);
  const sx = Math.sign(dx), sy = Math.sign(dy);
  const colA = sx > 0 ? snapDown((minX - x0) / dx) : snapDown((maxX - x0) / dx);
  const colB = sx > 0 ? snapUp((maxX - x0) / dx) : snapUp((minX - x0) / dx);
  const rowA = sy < 0 ? snapDown((maxY - y0) / dy) : snapDown((minY - y0) / dy);
  const rowB = sy < 0 ? snapUp((minY - y0) / dy) : snapUp((maxY - y0) / dy);
  return {
    width: colB - colA,
    height: rowB - rowA,
    geoTransform: [x0 + colA * dx, dx, 0, y0 + rowA * dy, 0, dy],
    epsg: first.epsg,
    ...(first.wkt ? { wkt: first.wkt } : {}),
  };
}

/**
 * Where a frame on the union's CRS lies on the union grid. `onLattice` when it has the union's
 * pixel size and its origin is a whole number of pixels away; otherwise the window is the union
 * pixels whose centres fall inside the frame's bounds (`bounds`: the frame's bounds in the union's
 * CRS, for frames on another CRS).
 */
export function placeFrame(union: RasterGrid, frame: RasterGrid | null, bounds: [number, number, number, number]): FramePlacement {
  const [ux0, udx, , uy0, , udy] = union.geoTransform;
  if (frame) {
    const [fx0, fdx, frx, fy0, fry, fdy] = frame.geoTransform;
    const samePixel = Math.abs(fdx - udx) <= 1e-9 * Math.abs(udx) && Math.abs(fdy - udy) <= 1e-9 * Math.abs(udy);
    const c = (fx0 - ux0) / udx;
    const r = (fy0 - uy0) / udy;
    if (samePixel && frx === 0 && fry === 0 && Math.abs(c - Math.round(c)) <= LATTICE_TOLERANCE_PX && Math.abs(r - Math.round(r)) <= LATTICE_TOLERANCE_PX) {
      return { row0: Math.round(r), col0: Math.round(c), rows: frame.height, cols: frame.width, onLattice: true };
    }
  }
  // Union pixel centres x = ux0 + (c + ½)·udx inside [minX, maxX] (and likewise rows).
  const [minX, minY, maxX, maxY] = bounds;
  const colRange = (a: number, b: number): [number, number] => {
    const lo = Math.min((a - ux0) / udx - 0.5, (b - ux0) / udx - 0.5);
    const hi = Math.max((a - ux0) / udx - 0.5, (b - ux0) / udx - 0.5);
    return [Math.max(0, Math.ceil(lo)), Math.min(union.width - 1, Math.floor(hi))];
  };
  const rowRange = (a: number, b: number): [number, number] => {
    const lo = Math.min((a - uy0) / udy - 0.5, (b - uy0) / udy - 0.5);
    const hi = Math.max((a - uy0) / udy - 0.5, (b - uy0) / udy - 0.5);
    return [Math.max(0, Math.ceil(lo)), Math.min(union.height - 1, Math.floor(hi))];
  };
  const [c0, c1] = colRange(minX, maxX);
  const [r0, r1] = rowRange(maxY, minY);
  return { row0: r0, col0: c0, rows: Math.max(0, r1 - r0 + 1), cols: Math.max(0, c1 - c0 + 1), onLattice: false };
}

/** The union rows and columns two placements share, or null. */
export function placementOverlap(a: FramePlacement, b: FramePlacement): { row0: number; col0: number; rows: number; cols: number } | null {
  const row0 = Math.max(a.row0, b.row0), row1 = Math.min(a.row0 + a.rows, b.row0 + b.rows);
  const col0 = Math.max(a.col0, b.col0), col1 = Math.min(a.col0 + a.cols, b.col0 + b.cols);
  if (row1 <= row0 || col1 <= col0) return null;
  return { row0, col0, rows: row1 - row0, cols: col1 - col0 };
}

// ---------------------------------------------------------------------------------------------
// Offsets

/** Median of the finite values (NaN when none); sorts a copy. */
export function median(values: ArrayLike<number>): number {
  const finite = Float64Array.from(Array.prototype.filter.call(values, (v: number) => Number.isFinite(v)) as number[]);
  if (finite.length === 0) return NaN;
  finite.sort();
  const m = finite.length >> 1;
  return finite.length % 2 ? finite[m] : 0.5 * (finite[m - 1] + finite[m]);
}

/**
 * Deterministic subsampling of an overlap: every `stride`-th overlap pixel (in union row-major
 * order) enters the median, stride = ceil(pixels / maxSamples). The median of a regular
 * subsample of a million pixels differs from the full median by far less than the noise of one
 * pixel's rate, and the memory stays bounded whatever the overlap's size.
 */
export function overlapStride(overlapPixels: number, maxSamples: number): number {
  return Math.max(1, Math.ceil(overlapPixels / Math.max(1, maxSamples)));
}

/** One overlap observation: the median of rate_b − rate_a over `pixels` overlap pixels. */
export interface OverlapDifference {
  a: number;
  b: number;
  medianDifference: number;
  /** Pixels with a value on both frames that entered the median. */
  pixels: number;
  /** Every `stride`-th overlap pixel was used (1: all). */
  stride: number;
}

export interface OffsetSolution {
  /** Per frame, the constant to subtract (mm/yr): corrected = rate − offset. */
  offsets: number[];
  /** Per frame, its connected component of the overlap graph (0, 1, …, in manifest order). */
  component: number[];
  /** Per component, the frame held fixed (offset 0 before any reference point shift). */
  fixedFrame: number[];
  /** Per overlap, what is left after the solve: d_ab − (c_b − c_a) (0 on a chain). */
  residuals: number[];
}

/**
 * Joint least-squares offsets over the overlap graph (see the header). Overlaps with no usable
 * pixel (NaN median) are left out; each component's first frame is fixed at 0.
 */
export function solveFrameOffsets(nFrames: number, overlaps: OverlapDifference[]): OffsetSolution {
  const usable = overlaps.filter((o) => Number.isFinite(o.medianDifference) && o.pixels > 0 && o.a !== o.b);
  // Connected components by union-find, labelled in frame order.
  const parent = Array.from({ length: nFrames }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (const o of usable) {
    const ra = find(o.a), rb = find(o.b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
  const component = new Array<number>(nFrames);
  const fixedFrame: number[] = [];
  const labelOfRoot = new Map<number, number>();
  for (let i = 0; i < nFrames; i++) {
    const root = find(i);
    if (!labelOfRoot.has(root)) { labelOfRoot.set(root, fixedFrame.length); fixedFrame.push(i); }
    component[i] = labelOfRoot.get(root)!;
  }
  // Normal equations of the free frames (every frame but the fixed ones), weighted Laplacian.
  const free = Array.from({ length: nFrames }, (_, i) => i).filter((i) => !fixedFrame.includes(i));
  const index = new Map(free.map((f, k) => [f, k]));
  const n = free.length;
  const A = Array.from({ length: n }, () => new Float64Array(n));
  const rhs = new Float64Array(n);
  for (const o of usable) {
    // Residual r = d − (c_b − c_a): ∂/∂c_b gives +w(c_b − c_a − d), ∂/∂c_a gives −w(…).
    const w = o.pixels;
    const ia = index.get(o.a), ib = index.get(o.b);
    if (ib !== undefined) { A[ib][ib] += w; rhs[ib] += w * o.medianDifference; if (ia !== undefined) A[ib][ia] -= w; }
    if (ia !== undefined) { A[ia][ia] += w; rhs[ia] -= w * o.medianDifference; if (ib !== undefined) A[ia][ib] -= w; }
  }
  const x = solveSymmetric(A, rhs);
  const offsets = new Array<number>(nFrames).fill(0);
  free.forEach((f, k) => { offsets[f] = x[k]; });
  const residuals = overlaps.map((o) => (Number.isFinite(o.medianDifference) ? o.medianDifference - (offsets[o.b] - offsets[o.a]) : NaN));
  return { offsets, component, fixedFrame, residuals };
}

/** Gaussian elimination with partial pivoting (the matrix is small: one row per frame). */
function solveSymmetric(A: Float64Array[], b: Float64Array): Float64Array {
  const n = b.length;
  const M = A.map((row, i) => { const r = new Float64Array(n + 1); r.set(row); r[n] = b[i]; return r; });
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(M[i][k]) > Math.abs(M[p][k])) p = i;
    [M[k], M[p]] = [M[p], M[k]];
    if (M[k][k] === 0) throw new Error('solveFrameOffsets: singular system (a free frame without an overlap)');
    for (let i = k + 1; i < n; i++) {
      const f = M[i][k] / M[k][k];
      if (f !== 0) for (let j = k; j <= n; j++) M[i][j] -= f * M[k][j];
    }
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = M[i][n];
    for (let j = i + 1; j < n; j++) s -= M[i][j] * x[j];
    x[i] = s / M[i][i];
  }
  return x;
}

/**
 * Moves a component's offsets so the corrected rate at a reference point is 0 (`reference.lalo`):
 * every frame of the component gets `rateAtPointCorrected` added to its offset.
 */
export function shiftComponent(solution: OffsetSolution, componentIndex: number, rateAtPointCorrected: number): number[] {
  return solution.offsets.map((c, f) => (solution.component[f] === componentIndex ? c + rateAtPointCorrected : c));
}

// ---------------------------------------------------------------------------------------------
// The overlap rule, per pixel

/** Fit products in the order the mosaic combines them (fit's product keys). */
export interface MosaicPixelInputs {
  rate: ArrayLike<number>;
  rateStd: ArrayLike<number>;
  amplitude: ArrayLike<number>;
  amplitudeStd: ArrayLike<number>;
  timing: ArrayLike<number>;
  extrema: ArrayLike<number>;
  seasonal: ArrayLike<number>;
  rms: ArrayLike<number>;
  valid: ArrayLike<number>;
}

export type MosaicPlanes = { [K in keyof MosaicPixelInputs]: Float32Array };

export const MOSAIC_PLANE_KEYS: readonly (keyof MosaicPixelInputs)[] = ['rate', 'rateStd', 'amplitude', 'amplitudeStd', 'timing', 'extrema', 'seasonal', 'rms', 'valid'];

/** Float32 planes of `n` pixels, NaN everywhere. */
export function emptyMosaicPlanes(n: number): MosaicPlanes {
  return Object.fromEntries(MOSAIC_PLANE_KEYS.map((k) => [k, new Float32Array(n).fill(NaN)])) as MosaicPlanes;
}

/** One frame's contribution to a pixel: its planes at pixel `index`, and its offset. */
export interface FrameSample {
  planes: MosaicPixelInputs;
  index: number;
  offsetMmPerYear: number;
}

const finitePositive = (v: number) => Number.isFinite(v) && v > 0;

/**
 * Combines the frames that have a rate at one pixel into `out` at `outIndex` by the overlap rule
 * of the header. `samples` in manifest order. Leaves NaN when no frame has a rate.
 */
export function combinePixel(samples: FrameSample[], out: MosaicPlanes, outIndex: number): void {
  // Frames with a fit at this pixel (a rate is written wherever fit had enough epochs).
  let best = -1, bestStd = Infinity, worstStd = 0, count = 0;
  for (let k = 0; k < samples.length; k++) {
    const s = samples[k];
    if (!Number.isFinite(s.planes.rate[s.index])) continue;
    count++;
    const std = s.planes.rateStd[s.index];
    if (finitePositive(std)) {
      if (std < bestStd) { bestStd = std; best = k; }
      if (std > worstStd) worstStd = std;
    }
  }
  if (count === 0) return;
  if (best < 0) best = samples.findIndex((s) => Number.isFinite(s.planes.rate[s.index]));
  // Rate: inverse-variance mean (a frame without a std weighs like the least certain one).
  const fallbackWeight = worstStd > 0 ? 1 / (worstStd * worstStd) : 1;
  let sumW = 0, sumWV = 0;
  for (const s of samples) {
    const v = s.planes.rate[s.index];
    if (!Number.isFinite(v)) continue;
    const std = s.planes.rateStd[s.index];
    const w = finitePositive(std) ? 1 / (std * std) : fallbackWeight;
    sumW += w;
    sumWV += w * (v - s.offsetMmPerYear);
  }
  out.rate[outIndex] = sumWV / sumW;
  out.rateStd[outIndex] = count === 1 ? samples[best].planes.rateStd[samples[best].index] : worstStd > 0 ? 1 / Math.sqrt(sumW) : NaN;
  const b = samples[best];
  out.seasonal[outIndex] = b.planes.seasonal[b.index];
  out.extrema[outIndex] = b.planes.extrema[b.index];
  out.rms[outIndex] = b.planes.rms[b.index];
  out.valid[outIndex] = b.planes.valid[b.index];
  if (b.planes.seasonal[b.index] !== 1) {
    out.amplitude[outIndex] = b.planes.amplitude[b.index];
    out.amplitudeStd[outIndex] = b.planes.amplitudeStd[b.index];
    out.timing[outIndex] = b.planes.timing[b.index];
    return;
  }
  // Seasonal where the best frame says so: amplitude and timing over the seasonal frames.
  let aW = 0, aWV = 0, cosSum = 0, sinSum = 0, nSeasonal = 0, anyStd = false;
  for (const s of samples) {
    if (!Number.isFinite(s.planes.rate[s.index]) || s.planes.seasonal[s.index] !== 1) continue;
    const amplitude = s.planes.amplitude[s.index];
    const day = s.planes.timing[s.index];
    if (!Number.isFinite(amplitude) || !Number.isFinite(day)) continue;
    const std = s.planes.amplitudeStd[s.index];
    const w = finitePositive(std) ? 1 / (std * std) : 1;
    if (finitePositive(std)) anyStd = true;
    aW += w; aWV += w * amplitude;
    const phase = (2 * Math.PI * (day - 1)) / DAYS_PER_CYCLE;
    cosSum += w * Math.cos(phase); sinSum += w * Math.sin(phase);
    nSeasonal++;
  }
  if (nSeasonal <= 1) {
    out.amplitude[outIndex] = b.planes.amplitude[b.index];
    out.amplitudeStd[outIndex] = b.planes.amplitudeStd[b.index];
    out.timing[outIndex] = b.planes.timing[b.index];
    return;
  }
  out.amplitude[outIndex] = aWV / aW;
  out.amplitudeStd[outIndex] = anyStd ? 1 / Math.sqrt(aW) : NaN;
  // Unit-circle mean; where the phases cancel (|mean vector| tiny) no timing is better than a made-up one.
  if (Math.hypot(cosSum, sinSum) / aW < 1e-3) { out.timing[outIndex] = NaN; return; }
  let f = Math.atan2(sinSum, cosSum) / (2 * Math.PI);
  f -= Math.floor(f);
  out.timing[outIndex] = 1 + f * DAYS_PER_CYCLE;
}
