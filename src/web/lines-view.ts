// Lines in the web app (issue 23): a lines layer (GeoJSON, dropped or chosen like a stack) is
// chained into routes and 1-km segments by the CLI's own code (core/routes.ts), drawn on every
// map, and a profile panel shows the product chosen there along the chainage (per segment: the
// median and P5–P95 band over the pixels within 500 m, as `permasar profile` computes them, from
// the products already in the page). Clicking a segment of the profile zooms every map to it;
// clicking a map near the line marks the segment under the click, on the maps and the profile.
import { describeGrid, type RasterGrid } from '../core/grid.ts';
import { isInputError } from '../core/errors.ts';
import type { FitProductKey } from '../core/fit-types.ts';
import { assignPixels, flagOf, SegmentIndex, segmentStatistics, SegmentValues, STUDY_FLAG_THRESHOLDS, type PixelAssignment, type ProductKind } from '../core/profile.ts';
import { chainRoutes, segmentRoutes, type LinePiece, type Route, type Segment } from '../core/routes.ts';
import { linesFromFeatures, readGeoJsonFeatures } from '../io/geojson.ts';
import { lonLatTransforms } from '../pipeline/grid-crs.ts';
import { productInfo } from '../pipeline/fit-products.ts';
import { profileChart, type ProfileChartImage } from '../plot/profile-chart.ts';
import { clampView, MAX_ZOOM } from './view-transform.ts';
import { setLineOverlays, toImageData, type LineOverlay, type PixelHit } from './map-view.ts';
import { installEpsgDatabase } from './epsg-database.ts';
import { showMessage } from './messages.ts';
import { $, type AppState, type Track } from './state.ts';

/** The CLI's defaults (jobs/profile-options.ts): 1 km segments, 500 m half-width, 50 m joins. */
const SEGMENT_M = 1000;
const HALF_WIDTH_M = 500;
const JOIN_M = 50;
const MAX_GAP_M = 20_000;

export interface LinesLayer {
  file: string;
  routes: Route[];
  segments: Segment[];
  index: SegmentIndex;
  /** Per grid (describeGrid): segments in raster coordinates, and the pixels of each segment. */
  onGrid: Map<string, { paths: Float64Array[]; pathSegment: Int32Array; assignment: PixelAssignment | null; toLonLat: (x: number, y: number) => [number, number] }>;
}

/** The products the profile panel offers, how each is summarised, and the flag threshold drawn. */
const PROFILE_PRODUCTS: { key: FitProductKey; kind: ProductKind; threshold?: number; rule?: 'at-most' | 'at-least' }[] = [
  { key: 'rateMmPerYear', kind: 'continuous', threshold: STUDY_FLAG_THRESHOLDS.subsidenceMmPerYear, rule: 'at-most' },
  { key: 'seasonalAmplitudeMm', kind: 'continuous', threshold: STUDY_FLAG_THRESHOLDS.amplitudeMm, rule: 'at-least' },
  { key: 'peakDayOfYear', kind: 'day-of-year' },
  { key: 'seasonalFlag', kind: 'flag' },
];

/** Reads and chains a GeoJSON lines layer; InputError naming the file on any problem. */
export function linesLayerFromText(text: string, file: string): LinesLayer {
  const lines = linesFromFeatures(readGeoJsonFeatures(text, file), file, 'class');
  const pieces: LinePiece[] = [];
  lines.items.forEach((line, i) => { for (const part of line.parts) pieces.push({ lonLat: part, group: line.lineClass, lineClass: line.lineClass, feature: i }); });
  const routes = chainRoutes(pieces, { joinM: JOIN_M, maxGapM: MAX_GAP_M });
  const segments = segmentRoutes(routes, SEGMENT_M);
  return { file, routes, segments, index: new SegmentIndex(segments, HALF_WIDTH_M), onGrid: new Map() };
}

/** The layer on a grid: paths in raster coordinates (continuous col, row) and the segments' pixels. */
function onGrid(layer: LinesLayer, grid: RasterGrid, withPixels: boolean) {
  const key = describeGrid(grid);
  let entry = layer.onGrid.get(key);
  if (!entry) {
    const t = lonLatTransforms(grid, 'the map grid');
    const gt = grid.geoTransform;
    const paths: Float64Array[] = [];
    const pathSegment: number[] = [];
    layer.segments.forEach((s, k) => {
      for (const part of s.parts) {
        const path = new Float64Array(part.length);
        for (let i = 0; i < part.length; i += 2) {
          const [x, y] = t.toGrid(part[i], part[i + 1]);
          path[i] = (x - gt[0]) / gt[1];
          path[i + 1] = (y - gt[3]) / gt[5];
        }
        paths.push(path);
        pathSegment.push(k);
      }
    });
    entry = { paths, pathSegment: Int32Array.from(pathSegment), assignment: null, toLonLat: t.toLonLat };
    layer.onGrid.set(key, entry);
  }
  if (withPixels && !entry.assignment) {
    const t = lonLatTransforms(grid, 'the map grid');
    entry.assignment = assignPixels(layer.index, grid, t.toGrid, t.toLonLat, t.geographic);
  }
  return entry;
}

function overlayProvider(state: AppState): (grid: RasterGrid) => LineOverlay | null {
  return (grid) => {
    if (!state.lines) return null;
    try {
      const e = onGrid(state.lines, grid, false);
      return { paths: e.paths, pathSegment: e.pathSegment, marked: state.markedSegment };
    } catch {
      return null; // a grid whose CRS cannot be placed: no lines, the map stays usable
    }
  };
}

/** Wires the lines card: file input and drop zone. */
export function setupLines(state: AppState): void {
  const input = $<HTMLInputElement>('lines-input');
  const load = async (file: File | undefined): Promise<void> => {
    if (!file) return;
    if (!/\.(geo)?json$/i.test(file.name)) {
      showMessage(`${file.name}: the web app reads lines as GeoJSON (WGS 84); convert a Shapefile or GeoPackage with ogr2ogr -f GeoJSON -t_srs EPSG:4326 lines.geojson ${file.name}, or use permasar profile`);
      return;
    }
    try {
      await installEpsgDatabase();
      const layer = linesLayerFromText(await file.text(), file.name);
      state.lines = layer;
      state.markedSegment = null;
      $('lines-name').textContent = `${file.name} · ${layer.routes.length} route(s), ${(layer.routes.reduce((s, r) => s + r.lengthM, 0) / 1000).toFixed(1)} km, ${layer.segments.length} segments`;
      $('lines-card').classList.add('loaded');
      const select = $<HTMLSelectElement>('profile-route');
      select.replaceChildren(...layer.routes.map((r, i) => new Option(`${r.name} (${(r.lengthM / 1000).toFixed(1)} km)`, String(i))));
      setLineOverlays(overlayProvider(state));
      renderProfile(state);
    } catch (e) {
      showMessage(isInputError(e) ? e.message : `${file.name}: ${(e as Error).message}`);
    }
  };
  input.addEventListener('change', () => { void load(input.files?.[0]); });
  const drop = $('drop-lines');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    void load(e.dataTransfer?.files?.[0]);
  });
  const productSelect = $<HTMLSelectElement>('profile-product');
  productSelect.replaceChildren(...PROFILE_PRODUCTS.map((p) => new Option(productInfo(p.key).quicklook?.title ?? p.key, p.key)));
  productSelect.addEventListener('change', () => renderProfile(state));
  $<HTMLSelectElement>('profile-route').addEventListener('change', () => renderProfile(state));
  const canvas = $<HTMLCanvasElement>('profile-canvas');
  canvas.addEventListener('click', (e) => {
    const chart = lastChart;
    if (!chart || !state.lines) return;
    const rect = canvas.getBoundingClientRect();
    const x = ((e.clientX - rect.left) * canvas.width) / rect.width;
    const km = ((x - chart.plotX) / chart.plotWidth) * chart.lengthKm;
    const route = Number($<HTMLSelectElement>('profile-route').value);
    const k = state.lines.segments.findIndex((s) => s.route === route && s.fromM / 1000 <= km && km < s.toM / 1000);
    if (k < 0) return;
    markSegment(state, k);
    zoomToSegment(state, k);
  });
}

/** The track on show, when it is fitted. */
function activeTrack(state: AppState): Track | null {
  return typeof state.activeView === 'number' ? state.tracks[state.activeView - 1]?.outcome ? state.tracks[state.activeView - 1] : null : null;
}

let lastChart: ProfileChartImage | null = null;

/** Draws the profile of the chosen route and product for the track on show (hidden without lines). */
export function renderProfile(state: AppState): void {
  const card = $('profile-card');
  const t = activeTrack(state);
  card.hidden = !state.lines || !t;
  if (!state.lines || !t) return;
  const o = t.outcome!;
  const layer = state.lines;
  const route = Number($<HTMLSelectElement>('profile-route').value || 0);
  const product = PROFILE_PRODUCTS.find((p) => p.key === $<HTMLSelectElement>('profile-product').value) ?? PROFILE_PRODUCTS[0];
  let entry;
  try {
    entry = onGrid(layer, o.grid, true);
  } catch (e) {
    showMessage(isInputError(e) ? e.message : String(e));
    return;
  }
  const values = new SegmentValues(entry.assignment!, o.grid.width);
  values.addRows(0, o.grid.height, o.products[product.key]);
  const idx = layer.segments.map((s, k) => (s.route === route ? k : -1)).filter((k) => k >= 0);
  const stats = idx.map((k) => segmentStatistics(Float32Array.from(values.of(k)), product.kind));
  const info = productInfo(product.key);
  const median = stats.map((s) => (s[1] ?? NaN) as number);
  const band = (q: 2 | 3) => stats.map((s) => (product.kind === 'continuous' ? ((s[q] ?? NaN) as number) : NaN));
  const r = layer.routes[route];
  const chart = profileChart({
    title: `${r.name} (${r.lineClass}): ${(r.lengthM / 1000).toFixed(1)} km · ${trackName(t)}`,
    lengthKm: r.lengthM / 1000,
    panels: [{
      title: `${info.quicklook?.title ?? product.key}${product.kind === 'day-of-year' ? ', circular mean' : product.kind === 'flag' ? ', share of pixels' : ', median and P5–P95'}`,
      unit: product.kind === 'flag' ? 'share' : info.unit,
      kmFrom: idx.map((k) => layer.segments[k].fromM / 1000),
      kmTo: idx.map((k) => layer.segments[k].toM / 1000),
      median, p5: band(2), p95: band(3),
      threshold: product.threshold,
      flagged: product.rule ? median.map((m) => flagOf(Number.isFinite(m) ? m : null, product.rule!, product.threshold!)) : undefined,
    }],
    flagRows: [],
    stations: [],
    width: 1200,
  });
  lastChart = chart;
  const canvas = $<HTMLCanvasElement>('profile-canvas');
  canvas.width = chart.width;
  canvas.height = chart.height;
  const g = canvas.getContext('2d')!;
  g.putImageData(toImageData(chart), 0, 0);
  const marked = state.markedSegment;
  if (marked !== null && layer.segments[marked]?.route === route) {
    const s = layer.segments[marked];
    const x0 = chart.plotX + (s.fromM / 1000 / chart.lengthKm) * chart.plotWidth;
    const x1 = chart.plotX + (s.toM / 1000 / chart.lengthKm) * chart.plotWidth;
    g.fillStyle = 'rgba(214, 39, 40, 0.35)';
    g.fillRect(x0, chart.plotTop, Math.max(2, x1 - x0), chart.plotBottom - chart.plotTop);
  }
  canvas.dataset.segments = String(idx.length);
  canvas.dataset.route = r.name;
  canvas.dataset.profileProduct = product.key;
  canvas.dataset.withData = String(stats.filter((s) => (s[0] ?? 0) > 0).length);
  if (marked !== null) canvas.dataset.marked = String(marked); else delete canvas.dataset.marked;
  const seg = marked !== null ? layer.segments[marked] : null;
  const k = seg ? idx.indexOf(marked!) : -1;
  $('profile-caption').textContent = seg && k >= 0
    ? `Segment ${seg.index} of ${r.name}: km ${(seg.fromM / 1000).toFixed(1)}–${(seg.toM / 1000).toFixed(1)}, ${stats[k][0]} valid pixels within ${HALF_WIDTH_M} m, ${product.kind === 'flag' ? 'share' : product.kind === 'day-of-year' ? 'circular mean' : 'median'} ${Number.isFinite(median[k]) ? median[k].toFixed(2) : '–'} ${product.kind === 'flag' ? '' : info.unit}.`
    : `Segments of ${SEGMENT_M / 1000} km; pixels within ${HALF_WIDTH_M} m of a segment. Click the profile to zoom the maps to a segment; click a map near the line to mark one.`;
}

function trackName(t: Track): string {
  return `Track ${t.index}${t.outcome?.orbitDirection ? ` (${t.outcome.orbitDirection.toLowerCase()})` : ''}`;
}

/** Marks segment k (null: none) on every map and the profile. */
export function markSegment(state: AppState, k: number | null): void {
  state.markedSegment = k;
  if (k !== null && state.lines) {
    const select = $<HTMLSelectElement>('profile-route');
    select.value = String(state.lines.segments[k].route);
  }
  setLineOverlays(state.lines ? overlayProvider(state) : null);
  renderProfile(state);
}

/** Zooms the shared view of the maps to segment k on the track on show (its extent, padded). */
export function zoomToSegment(state: AppState, k: number): void {
  const t = activeTrack(state);
  if (!t || !state.lines) return;
  const { grid } = t.outcome!;
  const e = onGrid(state.lines, grid, false);
  let c0 = Infinity, r0 = Infinity, c1 = -Infinity, r1 = -Infinity;
  e.paths.forEach((path, i) => {
    if (e.pathSegment[i] !== k) return;
    for (let j = 0; j < path.length; j += 2) {
      c0 = Math.min(c0, path[j]); c1 = Math.max(c1, path[j]);
      r0 = Math.min(r0, path[j + 1]); r1 = Math.max(r1, path[j + 1]);
    }
  });
  if (!Number.isFinite(c0)) return;
  // The segment with its half-width around it, and at least 8 pixels across.
  const uc = (c0 + c1) / 2 / grid.width, vc = (r0 + r1) / 2 / grid.height;
  const span = Math.max((c1 - c0 + 8) / grid.width, (r1 - r0 + 8) / grid.height) * 1.6;
  const s = Math.max(1, Math.min(MAX_ZOOM, 1 / span));
  const view = new Float64Array(9);
  view[0] = view[4] = s;
  view[8] = 1;
  view[6] = 0.5 - s * uc;
  view[7] = 0.5 - s * vc;
  state.view.set(clampView(view));
}

/** A click on a map: the segment nearest the pixel, if within the half-width, is marked. */
export function markNearestSegment(state: AppState, t: Track, hit: PixelHit): void {
  if (!state.lines || !t.outcome) return;
  const { grid } = t.outcome;
  let e;
  try { e = onGrid(state.lines, grid, false); } catch { return; }
  const gt = grid.geoTransform;
  const [lon, lat] = e.toLonLat(gt[0] + (hit.col + 0.5) * gt[1], gt[3] + (hit.row + 0.5) * gt[5]);
  const k = state.lines.index.nearest(lon, lat);
  if (k >= 0) markSegment(state, k);
}

/** For the browser test: segment k's middle vertex as a map pixel, and its point on the profile. */
export function segmentProbe(state: AppState, k: number): { row: number; col: number; profileX: number | null } | null {
  const t = activeTrack(state);
  if (!t || !state.lines) return null;
  const s = state.lines.segments[k];
  const { grid } = t.outcome!;
  const t2 = lonLatTransforms(grid, 'the map grid');
  const gt = grid.geoTransform;
  const [x, y] = t2.toGrid(s.centreLonLat[0], s.centreLonLat[1]);
  const chart = lastChart;
  const canvas = document.getElementById('profile-canvas') as HTMLCanvasElement | null;
  const km = (s.fromM + s.toM) / 2000;
  const profileX = chart && canvas ? ((chart.plotX + (km / chart.lengthKm) * chart.plotWidth) * canvas.getBoundingClientRect().width) / canvas.width : null;
  return { row: Math.floor((y - gt[3]) / gt[5]), col: Math.floor((x - gt[0]) / gt[1]), profileX };
}
