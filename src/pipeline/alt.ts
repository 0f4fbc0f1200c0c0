// The ALT stage, device-agnostic (study §2.4, DESIGN.md §1 "ALT"):
//
//   1. at every in-situ site, the nearest valid pixel within a radius gives the vertical
//      amplitude δ and the thawed water content N; Eq. 2 solved for n;
//   2. anomalous n dropped: outside [0, N), then robust outliers against the median n of the
//      nearest sites (k·1.4826·MAD of those differences);
//      every site that is skipped or dropped keeps its reason;
//   3. a thin-plate spline of the kept n (src/core/tps.ts) in a local metric frame, handed to
//      the kernel as an affine map from (col, row) to the spline's scaled frame;
//   4. per pixel, on the kernel (GPU or the CPU reference): n from the spline, clamped to
//      [0, N − gap], and H from Eq. 2.
// No file I/O: the CLI reads and writes.
import {
  ALT_STATUS,
  frozenWaterContentFromAlt,
  type AltKernel,
  type AltKernelParams,
  type AltTile,
  type AltTileResult,
  type Densities,
  type FrozenWaterModel,
} from '../core/alt.ts';
import { fitThinPlateSpline, localMetricFrame } from '../core/tps.ts';
import type { RasterGrid } from '../core/grid.ts';
import { GpuFallback } from './fallback-kernel.ts';

/** 1.4826·MAD estimates σ for normal data, so k reads as "k sigmas". */
export const MAD_TO_SIGMA = 1.4826;
/** A site's n is compared with the median n of this many nearest other sites. */
export const OUTLIER_NEIGHBOURS = 6;
/** Robust outliers are only looked for among at least this many sites. */
export const MIN_SITES_FOR_OUTLIER_TEST = 4;
/**
 * Spread floor (m³/m³): n closer than k × this to its neighbours' median is never an outlier
 * (0.06 with the default k = 3). Volumetric water content is rarely known better than
 * ±0.02–0.03 m³/m³ (TDR and soil-moisture sensors), and with sparse sites n varies by a few
 * hundredths between neighbours, so differences inside that are measurement and landscape, not
 * anomaly; without a floor, sites on a smooth surface (tiny MAD) would be dropped for ordinary
 * spatial variation.
 */
export const MIN_ROBUST_SPREAD = 0.02;

export interface AltSiteInput {
  name: string;
  lonDeg: number;
  latDeg: number;
  altM: number;
  /** Line in the CSV (for the report). */
  line: number;
}

export type SiteOutcome = 'kept' | 'skipped' | 'dropped';

export interface AltSiteResult extends AltSiteInput {
  /** Pixel whose amplitude and N were used; null when none. */
  pixelRow: number | null;
  pixelCol: number | null;
  /** Distance from the site to that pixel's centre, m. */
  distanceM: number;
  /** Vertical amplitude at the pixel, mm (peak to trough). */
  amplitudeMm: number;
  thawedWaterContent: number;
  /** Eq. 2 solved for n; NaN when the site could not be sampled. */
  frozenWaterContent: number;
  outcome: SiteOutcome;
  /** Why skipped or dropped; '' when kept. */
  reason: string;
}

/** Where the grid's map coordinates are metric, and how a site's lon/lat lands on the grid. */
export interface SiteGeometry {
  grid: RasterGrid;
  /** true: map coordinates are lon/lat degrees; false: metres (a projected CRS). */
  geographic: boolean;
  /** Site lon/lat → grid map coordinates (identity on a geographic grid). */
  lonLatToMap: (lonDeg: number, latDeg: number) => [number, number];
}

export interface SiteOptions {
  searchRadiusM: number;
  /** k of the robust rule: |n − median n of the nearest sites| > k·1.4826·MAD of those differences. */
  outlierK: number;
  densities: Densities;
  amplitudeToMetres: number;
}

/** Map coordinates → metres about an origin: equirectangular on lon/lat, identity otherwise. */
export interface MetricFrame {
  x0: number;
  y0: number;
  metresPerUnitX: number;
  metresPerUnitY: number;
}

export function metricFrameAt(geographic: boolean, x0: number, y0: number): MetricFrame {
  if (!geographic) return { x0, y0, metresPerUnitX: 1, metresPerUnitY: 1 };
  const f = localMetricFrame(x0, y0);
  return { x0, y0, metresPerUnitX: f.metresPerDegreeLon, metresPerUnitY: f.metresPerDegreeLat };
}

function toMetres(frame: MetricFrame, x: number, y: number): [number, number] {
  return [(x - frame.x0) * frame.metresPerUnitX, (y - frame.y0) * frame.metresPerUnitY];
}

/** Fractional (col, row) of a map point, inverting the full affine geotransform. */
function mapToFractionalPixel(grid: RasterGrid, x: number, y: number): [number, number] {
  const [x0, a, b, y0, d, e] = grid.geoTransform;
  const det = a * e - b * d;
  return [(e * (x - x0) - b * (y - y0)) / det, (-d * (x - x0) + a * (y - y0)) / det];
}

function pixelCentreMap(grid: RasterGrid, row: number, col: number): [number, number] {
  const g = grid.geoTransform;
  return [g[0] + (col + 0.5) * g[1] + (row + 0.5) * g[2], g[3] + (col + 0.5) * g[4] + (row + 0.5) * g[5]];
}

function median(values: number[]): number {
  const s = [...values].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

const fmt = (v: number, digits = 4): string => (Number.isFinite(v) ? String(Number(v.toFixed(digits))) : String(v));

/** The pixels a site is sampled from: amplitude (the raster's unit) and N at (row, col). */
export interface SitePixels {
  amplitudeAt(row: number, col: number): number;
  thawedAt(row: number, col: number): number;
}

/** Where a site falls on the grid and the window of pixels searched around it (± dr rows, ± dc columns). */
interface SiteWindow { mx: number; my: number; fc: number; fr: number; dc: number; dr: number; frame: MetricFrame }

function siteWindow(geometry: SiteGeometry, lonDeg: number, latDeg: number, searchRadiusM: number): SiteWindow | null {
  const { grid } = geometry;
  const [mx, my] = geometry.lonLatToMap(lonDeg, latDeg);
  const [fc, fr] = mapToFractionalPixel(grid, mx, my);
  if (!(fc >= 0 && fr >= 0 && fc < grid.width && fr < grid.height)) return null;
  // Search window: the radius in pixels along each axis, from the metric size of a pixel.
  const frame = metricFrameAt(geometry.geographic, mx, my);
  const g = grid.geoTransform;
  const colSizeM = Math.hypot(g[1] * frame.metresPerUnitX, g[4] * frame.metresPerUnitY);
  const rowSizeM = Math.hypot(g[2] * frame.metresPerUnitX, g[5] * frame.metresPerUnitY);
  return { mx, my, fc, fr, frame, dc: Math.ceil(searchRadiusM / colSizeM) + 1, dr: Math.ceil(searchRadiusM / rowSizeM) + 1 };
}

/**
 * The grid rows sampleSites can read, as sorted disjoint [row0, row0 + nRows) ranges: the row
 * job reads only these (issue 12: the site placement never needs the whole raster).
 */
export function siteSearchRows(sites: AltSiteInput[], geometry: SiteGeometry, searchRadiusM: number): { row0: number; nRows: number }[] {
  const spans: [number, number][] = [];
  for (const s of sites) {
    if (!(s.altM > 0) || !Number.isFinite(s.altM)) continue;
    const w = siteWindow(geometry, s.lonDeg, s.latDeg, searchRadiusM);
    if (!w) continue;
    spans.push([Math.max(0, Math.floor(w.fr) - w.dr), Math.min(geometry.grid.height - 1, Math.floor(w.fr) + w.dr)]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  const out: { row0: number; nRows: number }[] = [];
  for (const [lo, hi] of spans) {
    const last = out[out.length - 1];
    if (last && lo <= last.row0 + last.nRows) last.nRows = Math.max(last.nRows, hi - last.row0 + 1);
    else out.push({ row0: lo, nRows: hi - lo + 1 });
  }
  return out;
}

/**
 * Steps 1–2: samples each site and solves Eq. 2 for n; marks every site kept, skipped (no
 * valid pixel near, outside the grid, bad ALT) or dropped (anomalous n), with the reason.
 * A valid pixel has a finite amplitude ≥ 0 and a finite N > 0.
 */
export function sampleSites(sites: AltSiteInput[], geometry: SiteGeometry, amplitude: ArrayLike<number>, thawed: ArrayLike<number>, opts: SiteOptions): AltSiteResult[] {
  const w = geometry.grid.width;
  return sampleSitesAt(sites, geometry, { amplitudeAt: (r, c) => amplitude[r * w + c], thawedAt: (r, c) => thawed[r * w + c] }, opts);
}

/** sampleSites on pixels served by (row, col), e.g. only the rows siteSearchRows names. */
export function sampleSitesAt(sites: AltSiteInput[], geometry: SiteGeometry, pixels: SitePixels, opts: SiteOptions): AltSiteResult[] {
  const { grid } = geometry;
  const results: AltSiteResult[] = sites.map((s) => ({
    ...s, pixelRow: null, pixelCol: null, distanceM: NaN, amplitudeMm: NaN, thawedWaterContent: NaN, frozenWaterContent: NaN, outcome: 'kept', reason: '',
  }));
  for (const site of results) {
    if (!(site.altM > 0) || !Number.isFinite(site.altM)) {
      site.outcome = 'skipped';
      site.reason = `alt_m ${fmt(site.altM)} is not a positive thickness`;
      continue;
    }
    const win = siteWindow(geometry, site.lonDeg, site.latDeg, opts.searchRadiusM);
    if (!win) {
      site.outcome = 'skipped';
      site.reason = `outside the amplitude grid (${fmt(site.lonDeg, 5)}, ${fmt(site.latDeg, 5)})`;
      continue;
    }
    const { fc, fr, dc, dr, frame } = win;
    let bestRow = -1, bestCol = -1;
    let bestAmplitude = NaN, bestThawed = NaN;
    let bestDistanceM = Infinity;
    for (let r = Math.max(0, Math.floor(fr) - dr); r <= Math.min(grid.height - 1, Math.floor(fr) + dr); r++) {
      for (let c = Math.max(0, Math.floor(fc) - dc); c <= Math.min(grid.width - 1, Math.floor(fc) + dc); c++) {
        const a = pixels.amplitudeAt(r, c);
        const N = pixels.thawedAt(r, c);
        if (!(Number.isFinite(a) && a >= 0 && Number.isFinite(N) && N > 0)) continue;
        const [px, py] = pixelCentreMap(grid, r, c);
        const [ex, ey] = toMetres(frame, px, py);
        const d = Math.hypot(ex, ey);
        if (d <= opts.searchRadiusM && d < bestDistanceM) { bestDistanceM = d; bestRow = r; bestCol = c; bestAmplitude = a; bestThawed = N; }
      }
    }
    if (bestRow < 0) {
      site.outcome = 'skipped';
      site.reason = `no valid pixel (amplitude ≥ 0 and N) within ${fmt(opts.searchRadiusM, 1)} m`;
      continue;
    }
    site.pixelRow = bestRow;
    site.pixelCol = bestCol;
    site.distanceM = bestDistanceM;
    const amplitudeM = bestAmplitude * opts.amplitudeToMetres;
    site.amplitudeMm = amplitudeM * 1000;
    site.thawedWaterContent = bestThawed;
    // Eq. 2 solved for n (the study's Table S1 step).
    site.frozenWaterContent = frozenWaterContentFromAlt(site.altM, amplitudeM, site.thawedWaterContent, opts.densities);
    const n = site.frozenWaterContent;
    if (n < 0) {
      site.outcome = 'dropped';
      site.reason = `n = ${fmt(n)} < 0: the amplitude (${fmt(site.amplitudeMm, 2)} mm) is too large for ALT ${fmt(site.altM, 3)} m and N ${fmt(site.thawedWaterContent)}`;
    } else if (!(n < site.thawedWaterContent)) {
      site.outcome = 'dropped';
      site.reason = `n = ${fmt(n)} ≥ N = ${fmt(site.thawedWaterContent)}`;
    }
  }
  // Robust outliers among the physically possible n. n varies across a corridor (the study
  // interpolates it for that reason), so a site is judged against its neighbours, not against
  // all sites: its residual is n minus the median n of its nearest other sites, and it is an
  // outlier when that residual exceeds k robust sigmas (1.4826·MAD) of all sites' residuals.
  // A global median would drop the genuine extremes of a smoothly varying n surface.
  const candidates = results.filter((s) => s.outcome === 'kept');
  if (candidates.length >= MIN_SITES_FOR_OUTLIER_TEST) {
    const neighbours = Math.min(OUTLIER_NEIGHBOURS, candidates.length - 1);
    // Equirectangular distances on lon/lat: only the ranking of neighbours matters here.
    const distance = (a: AltSiteResult, b: AltSiteResult) =>
      Math.hypot((a.lonDeg - b.lonDeg) * Math.cos((((a.latDeg + b.latDeg) / 2) * Math.PI) / 180), a.latDeg - b.latDeg);
    const localMedians = candidates.map((s) => {
      const nearest = candidates.filter((o) => o !== s).sort((a, b) => distance(s, a) - distance(s, b)).slice(0, neighbours);
      return median(nearest.map((o) => o.frozenWaterContent));
    });
    const residuals = candidates.map((s, i) => s.frozenWaterContent - localMedians[i]);
    const spread = Math.max(MAD_TO_SIGMA * median(residuals.map(Math.abs)), MIN_ROBUST_SPREAD);
    candidates.forEach((s, i) => {
      const deviation = Math.abs(residuals[i]);
      if (deviation > opts.outlierK * spread) {
        s.outcome = 'dropped';
        s.reason = `robust outlier: n ${fmt(s.frozenWaterContent)} differs from the median n of its ${neighbours} nearest sites (${fmt(localMedians[i])}) by ${fmt(deviation)} > ${fmt(opts.outlierK, 2)} × 1.4826·MAD of the sites' differences = ${fmt(opts.outlierK * spread)}`;
      }
    });
  }
  // Two sites at one position would make the interpolating spline's system singular.
  const kept = results.filter((s) => s.outcome === 'kept');
  for (let i = 0; i < kept.length; i++) {
    if (kept[i].outcome !== 'kept') continue;
    const [xi, yi] = geometry.lonLatToMap(kept[i].lonDeg, kept[i].latDeg);
    const frame = metricFrameAt(geometry.geographic, xi, yi);
    for (let j = i + 1; j < kept.length; j++) {
      if (kept[j].outcome !== 'kept') continue;
      const [xj, yj] = geometry.lonLatToMap(kept[j].lonDeg, kept[j].latDeg);
      const [ex, ey] = toMetres(frame, xj, yj);
      if (Math.hypot(ex, ey) < 1) {
        kept[j].outcome = 'dropped';
        kept[j].reason = `within 1 m of site "${kept[i].name}" (line ${kept[i].line}), which is kept`;
      }
    }
  }
  return results;
}

export interface FrozenWaterSurface {
  model: FrozenWaterModel;
  kind: 'spline' | 'site-median' | 'constant';
  /** What was done and why, for the terminal and summary.json. */
  description: string;
  spline: { sites: number; smoothing: number; lengthScaleM: number } | null;
}

/** A user-given constant n (no sites): never clamped, see FrozenWaterModel.clamp. */
export function constantFrozenWater(n: number): FrozenWaterSurface {
  return {
    model: { centres: new Float64Array(0), affine: [n, 0, 0], frame: { xOrigin: 0, xPerCol: 0, xPerRow: 0, yOrigin: 0, yPerCol: 0, yPerRow: 0 }, clamp: false },
    kind: 'constant',
    description: `constant n = ${n} (no sites)`,
    spline: null,
  };
}

/**
 * Step 3: the thin-plate spline through the kept sites' n, expressed as the kernel's model.
 * With fewer than 3 kept sites, or all on one line, the spline's plane is undetermined and the
 * surface is the kept sites' median n (clamped per pixel like the spline). Null with no site.
 */
export function fitFrozenWaterSurface(results: AltSiteResult[], geometry: SiteGeometry, smoothing: number): FrozenWaterSurface | null {
  const kept = results.filter((s) => s.outcome === 'kept');
  if (kept.length === 0) return null;
  const map = kept.map((s) => geometry.lonLatToMap(s.lonDeg, s.latDeg));
  const cx = map.reduce((t, p) => t + p[0], 0) / map.length;
  const cy = map.reduce((t, p) => t + p[1], 0) / map.length;
  const frame = metricFrameAt(geometry.geographic, cx, cy);
  const metres = map.map(([x, y]) => toMetres(frame, x, y));
  const ns = kept.map((s) => s.frozenWaterContent);
  const spline = fitThinPlateSpline(metres.map((p) => p[0]), metres.map((p) => p[1]), ns, smoothing);
  const zeroFrame = { xOrigin: 0, xPerCol: 0, xPerRow: 0, yOrigin: 0, yPerCol: 0, yPerRow: 0 };
  if (!spline) {
    const med = median(ns);
    return {
      model: { centres: new Float64Array(0), affine: [med, 0, 0], frame: zeroFrame, clamp: true },
      kind: 'site-median',
      description: `median n = ${fmt(med)} of ${kept.length} kept site(s): a thin-plate spline needs 3 or more sites not on one line`,
      spline: null,
    };
  }
  // Pixel (col, row) → map → metres → the spline's scaled frame, folded into one affine map.
  const g = geometry.grid.geoTransform;
  const L = spline.lengthScale;
  const sx = frame.metresPerUnitX / L;
  const sy = frame.metresPerUnitY / L;
  const [X00, Y00] = pixelCentreMap(geometry.grid, 0, 0);
  const modelFrame = {
    xOrigin: ((X00 - frame.x0) * frame.metresPerUnitX - spline.centreX) / L,
    xPerCol: g[1] * sx,
    xPerRow: g[2] * sx,
    yOrigin: ((Y00 - frame.y0) * frame.metresPerUnitY - spline.centreY) / L,
    yPerCol: g[4] * sy,
    yPerRow: g[5] * sy,
  };
  const centres = new Float64Array(3 * kept.length);
  for (let j = 0; j < kept.length; j++) centres.set([spline.xs[j], spline.ys[j], spline.weights[j]], 3 * j);
  return {
    model: { centres, affine: spline.affine, frame: modelFrame, clamp: true },
    kind: 'spline',
    description: `thin-plate spline through ${kept.length} sites (smoothing ${smoothing}, length scale ${(L / 1000).toFixed(2)} km), clamped to [0, N − gap]`,
    spline: { sites: kept.length, smoothing, lengthScaleM: L },
  };
}

export interface AltRunResult extends AltTileResult {
  /** Pixels per ALT_STATUS code. */
  statusCounts: Record<number, number>;
  /** Pixels with a finite H. */
  altPixels: number;
}

/** Step 4 over the whole grid, in row tiles under the kernel's limit. */
export async function runAltPipeline(input: {
  grid: RasterGrid;
  amplitude: Float32Array;
  thawedWaterContent: Float32Array;
  params: AltKernelParams;
  kernel: AltKernel;
  onProgress?: (rowsDone: number, rows: number) => void;
}): Promise<AltRunResult> {
  const { grid } = input;
  return runAltRows({ width: grid.width, row0: 0, nRows: grid.height, amplitude: input.amplitude, thawedWaterContent: input.thawedWaterContent, params: input.params, kernel: input.kernel, onProgress: input.onProgress });
}

/**
 * Step 4 on rows row0 … row0 + nRows − 1 of a grid `width` pixels wide (the row-block job):
 * the spline is evaluated at each pixel's own (col, row), so a block's pixels are those of the
 * whole-grid run, whatever the block or tile size.
 */
export async function runAltRows(input: {
  width: number;
  row0: number;
  nRows: number;
  amplitude: Float32Array;
  thawedWaterContent: Float32Array;
  params: AltKernelParams;
  kernel: AltKernel;
  onProgress?: (rowsDone: number, rows: number) => void;
}): Promise<AltRunResult> {
  const { width, kernel, params } = input;
  const nPixels = width * input.nRows;
  const result: AltRunResult = {
    frozenWaterContent: new Float32Array(nPixels), altM: new Float32Array(nPixels), status: new Uint8Array(nPixels), statusCounts: {}, altPixels: 0,
  };
  const tileRows = Math.max(1, Math.floor(kernel.maxTilePixels(params.model.centres.length / 3) / width));
  for (let r = 0; r < input.nRows; r += tileRows) {
    const nRows = Math.min(tileRows, input.nRows - r);
    const a = r * width;
    const b = (r + nRows) * width;
    const tile = await kernel.evaluateTile({ row0: input.row0 + r, nRows, width, amplitude: input.amplitude.subarray(a, b), thawedWaterContent: input.thawedWaterContent.subarray(a, b) }, params);
    result.frozenWaterContent.set(tile.frozenWaterContent, a);
    result.altM.set(tile.altM, a);
    result.status.set(tile.status, a);
    input.onProgress?.(r + nRows, input.nRows);
  }
  for (const code of Object.values(ALT_STATUS)) result.statusCounts[code] = 0;
  for (let i = 0; i < nPixels; i++) {
    result.statusCounts[result.status[i]]++;
    if (Number.isFinite(result.altM[i])) result.altPixels++;
  }
  return result;
}

/** "auto" device: GPU first; on its first failure the tile and every later one go to the CPU. */
export class FallbackAltKernel extends GpuFallback<AltKernel> implements AltKernel {
  maxTilePixels(nCentres: number): number { return Math.min(this.gpu.maxTilePixels(nCentres), this.cpuKernel().maxTilePixels(nCentres)); }
  evaluateTile(tile: AltTile, params: AltKernelParams): Promise<AltTileResult> {
    return this.run((kernel) => kernel.evaluateTile(tile, params));
  }
}
