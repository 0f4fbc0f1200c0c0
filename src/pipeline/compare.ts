// The two-track step wired together, device-agnostic (DESIGN.md §1 "Two tracks"): the
// descending fit products resampled onto the ascending grid, cropped to the overlap, Table 1
// and the up/east decomposition by a CompareKernel (CPU reference or WGSL), the class counts
// of summary.json, and the quicklooks. Also the vertical projection (`permasar vertical`).
// No file I/O here: the CLI reads and writes; the web app can call the same functions.
//
// Resampling (core/resample.ts, gdalwarp's rules), onto the ascending grid:
//   rate, amplitude           bilinear: NaN neighbours get weight 0 and the rest are
//                             renormalised; NaN where the containing descending pixel is NaN;
//                             coincident pixel centres copied bit for bit
//   timing (day of year)      the same stencil on the unit circle (cos, sin, atan2), so day 360
//                             and day 5 average to ~day 1, not day 182
//   seasonal flag             nearest neighbour
//   LOS east/up coefficients  bilinear, computed on each track's own grid first, so azimuths
//                             never need interpolating across ±180°
// A descending pixel counts as seasonal where its nearest flag is 1 AND the bilinear amplitude
// and timing exist (with gdalwarp's rule they exist wherever the containing pixel has them).
//
// CRS (pipeline/grid-crs.ts): the same CRS on both tracks → resampled directly. Different → the
// ascending pixel centres are reprojected into the descending CRS with proj4, for any 2-D
// geographic or projected EPSG CRS (src/io/crs.ts) or a grid that carries WKT. A CRS that is
// unknown or unusable → InputError naming the file and why.
import { InputError } from '../core/errors.ts';
import { describeGrid, type RasterGrid } from '../core/grid.ts';
import { gridBounds, gridsOverlap, resampleDayOfYear, resampleToGrid, type CoordinateTransform } from '../core/resample.ts';
import { crsName, crsTransform } from './grid-crs.ts';

export { crsTransform } from './grid-crs.ts';
import {
  classOfReason,
  DIRECTION_LEGEND,
  DirectionClass,
  SeasonalReason,
  SecularReason,
  type DirectionThresholds,
} from '../core/direction.ts';
import { isIncidenceAngle, losUnitVector } from '../core/decomposition.ts';
import type { CompareKernel, CompareOutputs, CompareTile, TwoTrackGeometryPlanes, VerticalKernel, VerticalOutputs } from '../core/two-track.ts';
import { renderRasterQuicklook, type LonLatExtent, type RasterCategory } from '../plot/raster.ts';
import { pieChart } from '../plot/charts.ts';
import { encodePng } from '../plot/png.ts';

/** The fit products of one track that the step reads (fit output file in brackets). */
export interface TrackProducts {
  /** Folder or file the products came from, for error messages. */
  source: string;
  grid: RasterGrid;
  rateMmPerYear: Float32Array; // rate.tif
  seasonalAmplitudeMm: Float32Array; // amplitude.tif
  peakDayOfYear: Float32Array; // timing.tif
  seasonalFlag: Float32Array; // seasonal.tif
}

/** MintPy incidence and azimuth angles of one track, on their own grid. */
export interface TrackAngles {
  source: string;
  grid: RasterGrid;
  incidenceDeg: Float32Array;
  azimuthDeg: Float32Array;
}

/** Ascending pixels [col0, col0 + width) × [row0, row0 + height) that the step works on. */
export interface GridWindow {
  col0: number;
  row0: number;
  width: number;
  height: number;
}

export interface PreparedComparison {
  /** The output grid: the ascending grid cropped to the overlap. */
  grid: RasterGrid;
  window: GridWindow;
  tile: CompareTile;
  /** How the descending grid was brought onto the ascending one. */
  resampling: { crs: 'same' | 'reprojected'; ascCrs: string; descCrs: string };
}


/** The window of `target` whose pixel centres sample `source` (through `transform`); null if none. */
export function overlapWindow(source: RasterGrid, target: RasterGrid, transform: CoordinateTransform | null): GridWindow | null {
  const reach = resampleToGrid(source, new Float32Array(source.width * source.height), target, 'nearest', transform ?? undefined);
  let c0 = Infinity, r0 = Infinity, c1 = -1, r1 = -1;
  for (let r = 0; r < target.height; r++) {
    for (let c = 0; c < target.width; c++) {
      if (reach[r * target.width + c] === 0) {
        if (c < c0) c0 = c;
        if (c > c1) c1 = c;
        if (r < r0) r0 = r;
        if (r > r1) r1 = r;
      }
    }
  }
  if (c1 < 0) return null;
  return { col0: c0, row0: r0, width: c1 - c0 + 1, height: r1 - r0 + 1 };
}

/** The sub-grid of a window (same spacing, origin moved by whole pixels). */
export function windowGrid(grid: RasterGrid, w: GridWindow): RasterGrid {
  const [x0, dx, rx, y0, ry, dy] = grid.geoTransform;
  return {
    ...grid,
    width: w.width,
    height: w.height,
    geoTransform: [x0 + w.col0 * dx + w.row0 * rx, dx, rx, y0 + w.col0 * ry + w.row0 * dy, ry, dy],
  };
}

function cropPlane(data: Float32Array, grid: RasterGrid, w: GridWindow): Float32Array {
  if (w.col0 === 0 && w.row0 === 0 && w.width === grid.width && w.height === grid.height) return data;
  const out = new Float32Array(w.width * w.height);
  for (let r = 0; r < w.height; r++) {
    const start = (w.row0 + r) * grid.width + w.col0;
    out.set(data.subarray(start, start + w.width), r * w.width);
  }
  return out;
}

/** East and up coefficients (G1) on the angles' own grid; NaN where an angle is no data. */
function losCoefficients(angles: TrackAngles): { east: Float32Array; up: Float32Array } {
  const n = angles.incidenceDeg.length;
  const east = new Float32Array(n);
  const up = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const inc = angles.incidenceDeg[i];
    const az = angles.azimuthDeg[i];
    if (!isIncidenceAngle(inc) || !Number.isFinite(az)) {
      east[i] = up[i] = Number.NaN;
      continue;
    }
    const v = losUnitVector(inc, az);
    east[i] = v.east;
    up[i] = v.up;
  }
  return { east, up };
}


/** Resamples angles' coefficients onto `target` (the output grid, in the ascending CRS). */
function coefficientsOnGrid(angles: TrackAngles, target: RasterGrid): { east: Float32Array; up: Float32Array } {
  const coefficients = losCoefficients(angles);
  const transform = crsTransform(target, angles.grid, angles.source);
  return {
    east: resampleToGrid(angles.grid, coefficients.east, target, 'bilinear', transform ?? undefined),
    up: resampleToGrid(angles.grid, coefficients.up, target, 'bilinear', transform ?? undefined),
  };
}

/**
 * Brings both tracks onto the ascending grid's overlap with the descending one.
 * Throws InputError when the grids do not overlap or no pixel has data on both tracks.
 */
export function prepareComparison(
  asc: TrackProducts,
  desc: TrackProducts,
  angles: { asc: TrackAngles; desc: TrackAngles } | null,
): PreparedComparison {
  const transform = crsTransform(asc.grid, desc.grid, desc.source, asc.source);
  if (!transform && !gridsOverlap(asc.grid, desc.grid)) {
    const [ax0, ay0, ax1, ay1] = gridBounds(asc.grid).map((v) => Number(v.toPrecision(8)));
    const [dx0, dy0, dx1, dy1] = gridBounds(desc.grid).map((v) => Number(v.toPrecision(8)));
    throw new InputError(desc.source, `does not overlap the ascending track (x ${dx0}…${dx1}, y ${dy0}…${dy1} vs x ${ax0}…${ax1}, y ${ay0}…${ay1})`);
  }
  const window = overlapWindow(desc.grid, asc.grid, transform);
  if (!window) throw new InputError(desc.source, `no ascending pixel centre falls inside the descending grid (${describeGrid(desc.grid)} vs ${describeGrid(asc.grid)})`);
  const grid = windowGrid(asc.grid, window);
  const t = transform ?? undefined;
  const descRate = resampleToGrid(desc.grid, desc.rateMmPerYear, grid, 'bilinear', t);
  const descAmplitude = resampleToGrid(desc.grid, desc.seasonalAmplitudeMm, grid, 'bilinear', t);
  const descPeakDay = resampleDayOfYear(desc.grid, desc.peakDayOfYear, grid, t);
  const descFlag = resampleToGrid(desc.grid, desc.seasonalFlag, grid, 'nearest', t);
  for (let i = 0; i < descFlag.length; i++) {
    if (descFlag[i] === 1 && !(Number.isFinite(descAmplitude[i]) && Number.isFinite(descPeakDay[i]))) descFlag[i] = 0;
  }
  const ascRate = cropPlane(asc.rateMmPerYear, asc.grid, window);
  if (!ascRate.some((v, i) => Number.isFinite(v) && Number.isFinite(descRate[i]))) {
    throw new InputError(desc.source, 'the tracks overlap but no pixel of the overlap has a rate on both (all no data)');
  }
  let geometry: TwoTrackGeometryPlanes | null = null;
  if (angles) {
    const a = coefficientsOnGrid(angles.asc, grid);
    const d = coefficientsOnGrid(angles.desc, grid);
    geometry = { ascEast: a.east, ascUp: a.up, descEast: d.east, descUp: d.up };
  }
  return {
    grid,
    window,
    tile: {
      nPixels: grid.width * grid.height,
      ascRateMmPerYear: ascRate,
      descRateMmPerYear: descRate,
      ascAmplitudeMm: cropPlane(asc.seasonalAmplitudeMm, asc.grid, window),
      descAmplitudeMm: descAmplitude,
      ascPeakDayOfYear: cropPlane(asc.peakDayOfYear, asc.grid, window),
      descPeakDayOfYear: descPeakDay,
      ascSeasonalFlag: cropPlane(asc.seasonalFlag, asc.grid, window),
      descSeasonalFlag: descFlag,
      geometry,
    },
    resampling: { crs: transform ? 'reprojected' : 'same', ascCrs: crsName(asc.grid), descCrs: crsName(desc.grid) },
  };
}

export interface DirectionCounts {
  /** Pixels that entered the test (denominator of every percentage). */
  tested: number;
  vertical: number;
  eastWest: number;
  undetermined: number;
  /** Why undetermined: secular {magnitudeDiffers, bothNearZero}, seasonal {otherTiming, amplitudeDiffers}. */
  undeterminedBecause: Record<string, number>;
  notTested: number;
  noData: number;
  percentOfTested: { vertical: number | null; eastWest: number | null; undetermined: number | null } & Record<string, number | null>;
}

function percent(part: number, whole: number): number | null {
  return whole > 0 ? (100 * part) / whole : null;
}

/** Counts of one test's reason codes (core/direction.ts) over the output grid. */
export function countReasons(reasons: Uint8Array, test: 'secular' | 'seasonal'): DirectionCounts {
  const tally = new Map<number, number>();
  for (const r of reasons) tally.set(r, (tally.get(r) ?? 0) + 1);
  const get = (code: number) => tally.get(code) ?? 0;
  const vertical = get(1);
  const eastWest = get(2);
  const because: Record<string, number> = test === 'secular'
    ? { magnitudeDiffers: get(SecularReason.MAGNITUDE_DIFFERS), bothNearZero: get(SecularReason.BOTH_NEAR_ZERO) }
    : { otherTiming: get(SeasonalReason.OTHER_TIMING), amplitudeDiffers: get(SeasonalReason.AMPLITUDE_DIFFERS) };
  const undetermined = get(3) + get(4);
  const tested = vertical + eastWest + undetermined;
  const percentOfTested: DirectionCounts['percentOfTested'] = {
    vertical: percent(vertical, tested),
    eastWest: percent(eastWest, tested),
    undetermined: percent(undetermined, tested),
  };
  for (const [k, v] of Object.entries(because)) percentOfTested[k] = percent(v, tested);
  return { tested, vertical, eastWest, undetermined, undeterminedBecause: because, notTested: get(0), noData: get(255), percentOfTested };
}

/** Class rasters (uint8, DirectionClass codes) from the reason codes. */
export function classRaster(reasons: Uint8Array): Uint8Array {
  return Uint8Array.from(reasons, classOfReason);
}

/** Band metadata of a class raster: its legend, readable with gdalinfo. */
export function directionLegendMetadata(): Record<string, string> {
  return Object.fromEntries(Object.entries(DIRECTION_LEGEND).map(([code, label]) => [`CLASS_${code}`, label]));
}

export const CLASS_COLORS: Record<number, string> = {
  [DirectionClass.VERTICAL]: '#1b9e77',
  [DirectionClass.EAST_WEST]: '#d95f02',
  [DirectionClass.UNDETERMINED]: '#7570b3',
  [DirectionClass.NOT_TESTED]: '#bdbdbd',
};

export interface CompareRun {
  prepared: PreparedComparison;
  outputs: CompareOutputs;
  secularClass: Uint8Array;
  seasonalClass: Uint8Array;
  counts: { secular: DirectionCounts; seasonal: DirectionCounts };
}

export async function runComparison(prepared: PreparedComparison, kernel: CompareKernel, thresholds: DirectionThresholds): Promise<CompareRun> {
  const outputs = await kernel.compareTile(prepared.tile, thresholds);
  return {
    prepared,
    outputs,
    secularClass: classRaster(outputs.secularReason),
    seasonalClass: classRaster(outputs.seasonalReason),
    counts: { secular: countReasons(outputs.secularReason, 'secular'), seasonal: countReasons(outputs.seasonalReason, 'seasonal') },
  };
}

function lonLatExtent(grid: RasterGrid): LonLatExtent | undefined {
  if (grid.epsg !== 4326) return undefined;
  const [west, south, east, north] = gridBounds(grid);
  return { west, east, south, north };
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/** Class maps with a legend, pie charts of the class shares, decomposition maps. */
export function renderComparisonQuicklooks(run: CompareRun): [string, Uint8Array][] {
  const { grid } = run.prepared;
  const out: [string, Uint8Array][] = [];
  const base = { width: grid.width, height: grid.height, extent: lonLatExtent(grid), unitLabel: '', colormap: 'categorical' as const };
  const tests = [
    { key: 'secular' as const, classes: run.secularClass, title: 'Direction of secular motion (Table 1)' },
    { key: 'seasonal' as const, classes: run.seasonalClass, title: 'Direction of seasonal motion (Table 1)' },
  ];
  for (const { key, classes, title } of tests) {
    const c = run.counts[key];
    const categories: RasterCategory[] = [
      { value: 1, label: `vertical (${fmt(c.vertical)})`, color: CLASS_COLORS[1] },
      { value: 2, label: `east-west (${fmt(c.eastWest)})`, color: CLASS_COLORS[2] },
      { value: 3, label: `undetermined (${fmt(c.undetermined)})`, color: CLASS_COLORS[3] },
    ];
    if (c.notTested) categories.push({ value: 0, label: `not seasonal on both (${fmt(c.notTested)})`, color: CLASS_COLORS[0] });
    // 255 (no data) is drawn as NaN: the quicklook's no-data grey.
    const data = Float32Array.from(classes, (v) => (v === DirectionClass.NO_DATA ? Number.NaN : v));
    out.push([`direction_${key}.png`, encodePng(renderRasterQuicklook({ ...base, data, title, subtitle: `${fmt(c.tested)} pixels tested`, categories }))]);
    const slices = key === 'secular'
      ? [
        { label: 'vertical', value: c.vertical, color: CLASS_COLORS[1] },
        { label: 'east-west', value: c.eastWest, color: CLASS_COLORS[2] },
        { label: 'undetermined: magnitudes differ', value: c.undeterminedBecause.magnitudeDiffers, color: CLASS_COLORS[3] },
        { label: 'undetermined: both near zero', value: c.undeterminedBecause.bothNearZero, color: '#b3b0d6' },
      ]
      : [
        { label: 'vertical', value: c.vertical, color: CLASS_COLORS[1] },
        { label: 'east-west', value: c.eastWest, color: CLASS_COLORS[2] },
        { label: 'undetermined: other timing', value: c.undeterminedBecause.otherTiming, color: CLASS_COLORS[3] },
        { label: 'undetermined: amplitudes differ', value: c.undeterminedBecause.amplitudeDiffers, color: '#b3b0d6' },
      ];
    out.push([`direction_${key}_shares.png`, encodePng(pieChart({ title: `${title}: shares of ${fmt(c.tested)} tested pixels`, slices, countUnit: 'px' }))]);
  }
  if (run.prepared.tile.geometry) {
    const o = run.outputs;
    const maps: [string, Float32Array, string, string, 'rdbu' | 'viridis'][] = [
      ['rate_up.png', o.rateUpMmPerYear, 'Vertical rate (two-track decomposition, + up)', 'mm/yr', 'rdbu'],
      ['rate_east.png', o.rateEastMmPerYear, 'East-west rate (two-track decomposition, + east)', 'mm/yr', 'rdbu'],
      ['amplitude_up.png', o.amplitudeUpMm, 'Vertical seasonal amplitude, peak to trough', 'mm', 'viridis'],
    ];
    for (const [file, data, title, unitLabel, colormap] of maps) {
      out.push([file, encodePng(renderRasterQuicklook({ width: grid.width, height: grid.height, extent: lonLatExtent(grid), data, title, unitLabel, colormap }))]);
    }
  }
  return out;
}

/** Products of the decomposition: file, output key, unit, description. */
export const DECOMPOSITION_PRODUCTS = [
  { file: 'rate_up.tif', key: 'rateUpMmPerYear', unit: 'mm/yr', description: 'vertical secular rate from the two-track decomposition (north neglected); positive = up' },
  { file: 'rate_east.tif', key: 'rateEastMmPerYear', unit: 'mm/yr', description: 'east-west secular rate from the two-track decomposition (north neglected); positive = east' },
  { file: 'amplitude_up.tif', key: 'amplitudeUpMm', unit: 'mm', description: 'vertical seasonal amplitude, peak to trough, from the decomposition; NaN unless seasonal on both tracks' },
  { file: 'amplitude_east.tif', key: 'amplitudeEastMm', unit: 'mm', description: 'east-west seasonal amplitude, peak to trough, from the decomposition; NaN unless seasonal on both tracks' },
  { file: 'timing_up.tif', key: 'peakDayUp', unit: 'day of year', description: 'day of year of the highest point of the vertical annual term; NaN unless seasonal on both tracks' },
  { file: 'timing_east.tif', key: 'peakDayEast', unit: 'day of year', description: 'day of year of the furthest-east point of the east-west annual term; NaN unless seasonal on both tracks' },
] as const satisfies readonly { file: string; key: keyof CompareOutputs; unit: string; description: string }[];

// ---- Vertical projection ----------------------------------------------------------------------

export interface VerticalRun {
  outputs: VerticalOutputs;
  /** 1/cos θ over the pixels with an incidence angle. */
  factorRange: [number, number] | null;
  incidenceRangeDeg: [number, number] | null;
}

export async function runVerticalProjection(
  kernel: VerticalKernel,
  rateMmPerYear: Float32Array,
  amplitudeMm: Float32Array,
  incidenceDeg: Float32Array,
): Promise<VerticalRun> {
  const outputs = await kernel.verticalTile({ nPixels: rateMmPerYear.length, rateMmPerYear, amplitudeMm, incidenceDeg });
  let lo = Infinity, hi = -Infinity;
  for (const inc of incidenceDeg) {
    if (!isIncidenceAngle(inc)) continue;
    if (inc < lo) lo = inc;
    if (inc > hi) hi = inc;
  }
  if (!(hi >= lo)) return { outputs, factorRange: null, incidenceRangeDeg: null };
  const factor = (deg: number) => 1 / Math.cos((deg * Math.PI) / 180);
  return { outputs, factorRange: [factor(lo), factor(hi)], incidenceRangeDeg: [lo, hi] };
}
