// The profile job (`permasar profile`, issue 23): what each kilometre of railway and highway
// stands on. Line pieces are chained into routes with a chainage on the WGS 84 ellipsoid
// (core/routes.ts), cut into segments, and every product raster is summarised per segment over
// the pixels within the half-width (core/profile.ts), with thermokarst counts per buffer and the
// study's flags. Rasters are read in row blocks, and only the blocks that hold pixels near the
// line: memory follows the pixels near the line, never the mosaic. Outputs go through a staging
// folder and appear only when complete.
import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError, optionError } from '../core/errors.ts';
import { describeGrid, sameGrid, type RasterGrid } from '../core/grid.ts';
import { antimeridianMarginProblem, type HazardFeature } from '../core/hazards.ts';
import { DirectionClass } from '../core/direction.ts';
import { ALT_STATUS_NAMES } from '../core/alt.ts';
import {
  assignPixels, countFeaturesBySegment, flagOf, pickSource, productColumns, SegmentIndex, segmentStatistics, SegmentValues,
  STUDY_FLAG_THRESHOLDS, type FlagThresholds, type PixelAssignment, type ProductKind, type SegmentFeatureCounts,
} from '../core/profile.ts';
import { chainageOfPoint, chainRoutes, segmentRoutes, type LinePiece, type Route, type Segment } from '../core/routes.ts';
import { featuresFromFeatures, linesFromFeatures, type GeoJsonLayer } from '../io/geojson.ts';
import { readVectorLayer } from '../io/vector-node.ts';
import { openRasterRows, type RasterRowReader } from '../io/raster-node.ts';
import { lonLatTransforms } from '../pipeline/grid-crs.ts';
import { withOutput } from '../io/output-dir-node.ts';
import { writeCsv, writeJson } from '../io/text-files-node.ts';
import { encodePng } from '../plot/png.ts';
import { profileChart, type ProfilePanel } from '../plot/profile-chart.ts';
import type { JobContext } from './support/context.ts';
import type { ProductChoice, ProfileOptionValues } from './profile-options.ts';
import { DEFAULT_BUFFERS_M } from './hazards-options.ts';

export interface ProfileJobInputs {
  /** LineString/MultiLineString layer (FILE.geojson|.json, FILE.shp, FILE.gpkg[:NAME]). */
  lines: string;
  /** --product NAME=FILE, or NAME alone (one of --from's products). */
  products?: ProductChoice[];
  /** A corridor, demo or job folder whose known products are profiled. */
  from?: string | null;
  /** Thermokarst feature layers (Point/Polygon). */
  features?: string[];
  /** Point layer of named stations. */
  stations?: string | null;
}

export type ProfileJobOptions = Partial<ProfileOptionValues>;

// ---------------------------------------------------------------------------------------------
// Products

/** The Table 1 classes of direction_secular / direction_seasonal (core/direction.ts). */
const DIRECTION_CLASS_NAMES: Record<number, string> = {
  [DirectionClass.NOT_TESTED]: 'not_tested',
  [DirectionClass.VERTICAL]: 'vertical',
  [DirectionClass.EAST_WEST]: 'east_west',
  [DirectionClass.UNDETERMINED]: 'undetermined',
};

/** Products --from knows, by file: how each is summarised. */
const KNOWN_PRODUCTS: { file: string; kind: ProductKind; classNames?: Record<number, string> }[] = [
  { file: 'rate.tif', kind: 'continuous' },
  { file: 'amplitude.tif', kind: 'continuous' },
  { file: 'timing.tif', kind: 'day-of-year' },
  { file: 'seasonal.tif', kind: 'flag' },
  { file: 'rate_vertical.tif', kind: 'continuous' },
  { file: 'amplitude_vertical.tif', kind: 'continuous' },
  { file: 'rate_up.tif', kind: 'continuous' },
  { file: 'rate_east.tif', kind: 'continuous' },
  { file: 'amplitude_up.tif', kind: 'continuous' },
  { file: 'amplitude_east.tif', kind: 'continuous' },
  { file: 'timing_up.tif', kind: 'day-of-year' },
  { file: 'timing_east.tif', kind: 'day-of-year' },
  { file: 'direction_secular.tif', kind: 'class', classNames: DIRECTION_CLASS_NAMES },
  { file: 'direction_seasonal.tif', kind: 'class', classNames: DIRECTION_CLASS_NAMES },
  { file: 'amplitude_trend.tif', kind: 'continuous' },
  { file: 'alt.tif', kind: 'continuous' },
  { file: 'alt_trend.tif', kind: 'continuous' },
];

/**
 * Where --from looks, and the prefix of the names found there: the folder itself (a job folder),
 * and the folders a corridor or the demo writes. Both tracks have a rate: asc_rate, desc_rate.
 */
const FROM_FOLDERS: [string, string][] = [
  ['.', ''], ['asc', 'asc_'], ['desc', 'desc_'], ['asc-vertical', 'asc_'], ['desc-vertical', 'desc_'], ['direction', ''], ['alt', ''],
];

/** The flag rules: which product each prefers, in order (vertical, else up, else LOS). */
const SUBSIDENCE_SOURCES = ['rate_vertical', 'asc_rate_vertical', 'desc_rate_vertical', 'rate_up', 'rate', 'asc_rate', 'desc_rate'];
const AMPLITUDE_SOURCES = ['amplitude_vertical', 'asc_amplitude_vertical', 'desc_amplitude_vertical', 'amplitude_up', 'amplitude', 'asc_amplitude', 'desc_amplitude'];
const ALT_SOURCES = ['alt'];

interface ProductInput {
  name: string;
  file: string;
  kind: ProductKind;
  classNames?: Record<number, string>;
  /** Given as NAME=FILE: the kind comes from the name or the raster's unit once opened. */
  inferKind?: boolean;
}

async function isFile(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isFile(), () => false);
}

/** The known products of a folder (see FROM_FOLDERS), by name. */
async function productsOfFolder(dir: string): Promise<ProductInput[]> {
  const s = await stat(dir).catch(() => null);
  if (!s) throw new InputError(dir, 'not found');
  if (!s.isDirectory()) throw new InputError(dir, 'is not a folder (--from takes a corridor, demo or job output folder)');
  const found: ProductInput[] = [];
  for (const [sub, prefix] of FROM_FOLDERS) {
    for (const known of KNOWN_PRODUCTS) {
      const file = path.join(dir, sub, known.file);
      const name = prefix + known.file.replace(/\.tif$/, '');
      if (found.some((p) => p.name === name)) continue;
      if (await isFile(file)) found.push({ name, file, kind: known.kind, classNames: known.classNames });
    }
  }
  if (found.length === 0) {
    const entries = await readdir(dir).catch(() => [] as string[]);
    throw new InputError(dir, `no known products here (looked for ${KNOWN_PRODUCTS.slice(0, 4).map((k) => k.file).join(', ')} … in it and in ${FROM_FOLDERS.slice(1).map(([d]) => `${d}/`).join(', ')}; it holds ${entries.slice(0, 6).join(', ') || 'nothing'})`);
  }
  return found;
}

/** How a raster given by --product NAME=FILE is summarised: by its name, else its unit. */
function kindOf(name: string, unit: string | null): { kind: ProductKind; classNames?: Record<number, string> } {
  const known = KNOWN_PRODUCTS.find((k) => name === k.file.replace(/\.tif$/, '') || name.endsWith(`_${k.file.replace(/\.tif$/, '')}`));
  if (known) return { kind: known.kind, classNames: known.classNames };
  const u = (unit ?? '').toLowerCase();
  if (u === 'day of year' || /(^|_)timing(_|$)/.test(name)) return { kind: 'day-of-year' };
  if (u === 'flag') return { kind: 'flag' };
  if (name === 'alt_status') return { kind: 'class', classNames: Object.fromEntries(Object.entries(ALT_STATUS_NAMES).map(([k, v]) => [k, v.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '')])) };
  if (u === 'class') return { kind: 'class' };
  return { kind: 'continuous' };
}

async function resolveProducts(inputs: ProfileJobInputs): Promise<ProductInput[]> {
  const choices = inputs.products ?? [];
  const fromList = inputs.from ? await productsOfFolder(path.resolve(inputs.from)) : [];
  const picked: ProductInput[] = [];
  const named = choices.filter((c) => c.file === null);
  if (named.length && !inputs.from) throw optionError('product', `"${named[0].name}": NAME=FILE expected (NAME alone picks one of the products of --from DIR)`);
  for (const c of named) {
    const hit = fromList.find((p) => p.name === c.name);
    if (!hit) throw new InputError(inputs.from!, `no product "${c.name}" here (it has: ${fromList.map((p) => p.name).join(', ')})`);
    picked.push(hit);
  }
  // --from alone: all its products; with names: those; NAME=FILE adds to either.
  const base = inputs.from && named.length === 0 ? fromList : picked;
  const out = [...base];
  for (const c of choices.filter((x) => x.file !== null)) {
    const existing = out.findIndex((p) => p.name === c.name);
    const item: ProductInput = { name: c.name, file: path.resolve(c.file!), kind: 'continuous', inferKind: true };
    if (existing >= 0) out[existing] = item; else out.push(item);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Lines

function propertyText(value: unknown): string | null {
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/** The pieces of the chosen class(es), grouped by route; one-line errors naming the file. */
async function readPieces(file: string, o: ResolvedOptions): Promise<{ pieces: LinePiece[]; layerFile: string; classes: string[] }> {
  const layer = await readVectorLayer(file);
  const lines = linesFromFeatures(layer.features, layer.file, o.classProperty);
  const classes = [...new Set(lines.items.map((l) => l.lineClass))];
  const pieces: LinePiece[] = [];
  lines.items.forEach((line, i) => {
    if (o.lineClass !== null && line.lineClass !== o.lineClass) return;
    let group = line.lineClass;
    if (o.routeProperty !== null) {
      const v = propertyText(layer.features[i].properties[o.routeProperty]);
      if (v === null) throw new InputError(layer.file, `feature ${i} (id ${JSON.stringify(line.id)}) has no "${o.routeProperty}" property (--route-property names it)`);
      group = v;
    }
    for (const part of line.parts) pieces.push({ lonLat: part, group, lineClass: line.lineClass, feature: i });
  });
  if (pieces.length === 0) {
    throw new InputError(layer.file, `no line of class "${o.lineClass}" (property "${o.classProperty}"; the classes here: ${classes.slice(0, 8).join(', ')})`);
  }
  const problem = antimeridianMarginProblem(lines.items.filter((l) => o.lineClass === null || l.lineClass === o.lineClass), Math.max(o.halfWidthM, o.thermokarstSearchM));
  if (problem) throw new InputError(layer.file, problem);
  return { pieces, layerFile: layer.file, classes };
}

interface ResolvedOptions extends ProfileOptionValues {
  /** How far feature distances are searched: the largest buffer or the thermokarst distance. */
  thermokarstSearchM: number;
}

function resolveOptions(o: ProfileJobOptions): ResolvedOptions {
  const thresholds: FlagThresholds = { ...STUDY_FLAG_THRESHOLDS, ...(o.thresholds ?? {}) };
  const r: ProfileOptionValues = {
    lineClass: o.lineClass ?? null,
    classProperty: o.classProperty ?? 'class',
    routeProperty: o.routeProperty ?? null,
    joinM: o.joinM ?? 50,
    maxGapM: o.maxGapM ?? 20_000,
    start: o.start ?? null,
    segmentM: o.segmentM ?? 1000,
    halfWidthM: o.halfWidthM ?? 500,
    typeProperty: o.typeProperty ?? 'type',
    buffersM: [...(o.buffersM ?? DEFAULT_BUFFERS_M)].sort((a, b) => a - b),
    stationProperty: o.stationProperty ?? 'name',
    stationMaxM: o.stationMaxM ?? 5000,
    thresholds,
    overwrite: Boolean(o.overwrite),
  };
  if (!(r.segmentM > 0)) throw optionError('segment-m', 'must be > 0');
  if (!(r.halfWidthM > 0)) throw optionError('half-width-m', 'must be > 0');
  if (!(r.joinM >= 0)) throw optionError('join-m', 'must be ≥ 0');
  if (!(thresholds.thermokarstM > 0)) throw optionError('thermokarst-m', 'must be > 0');
  return { ...r, thermokarstSearchM: Math.max(thresholds.thermokarstM, ...r.buffersM) };
}

// ---------------------------------------------------------------------------------------------
// Rasters

interface OpenProduct extends ProductInput {
  reader: RasterRowReader;
  grid: RasterGrid;
  unit: string | null;
}

/** Rows read at once: about 4 M pixels (16 MiB of float32) whatever the width. */
function blockRowsFor(width: number): number {
  return Math.max(1, Math.floor((1 << 22) / Math.max(1, width)));
}

/** Per-segment statistics of one product, reading only the row blocks that hold assigned pixels. */
async function gatherProduct(product: OpenProduct, assignment: PixelAssignment): Promise<SegmentValues> {
  const { grid } = product;
  const classCodes = product.kind === 'class' && product.classNames ? new Set(Object.keys(product.classNames).map(Number)) : null;
  // Class rasters: codes outside the legend (255, no data) are not valid pixels.
  const valid = classCodes ? (v: number) => classCodes.has(v) : Number.isFinite;
  const values = new SegmentValues(assignment, grid.width, valid);
  const blockRows = blockRowsFor(grid.width);
  for (const [r0, r1] of SegmentValues.rowSpans(assignment, grid.width, blockRows)) {
    for (let row0 = r0; row0 <= r1; row0 += blockRows) {
      const nRows = Math.min(blockRows, r1 + 1 - row0);
      values.addRows(row0, nRows, await product.reader.readRows(row0, nRows));
    }
  }
  return values;
}

// ---------------------------------------------------------------------------------------------
// Output

/** Column-safe text: "thaw slump" → thaw_slump. */
function columnName(text: string): string {
  return text.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'feature';
}

function rounded(v: number | null): number | null {
  if (v === null || !Number.isFinite(v)) return null;
  return Number(v.toPrecision(7));
}

function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_');
}

export interface ProfileFlagSummary {
  rule: string;
  source: string;
  threshold: number;
  /** Which product the rule read, in order of preference; null when none was given. */
  products: string[];
}

export type ProfileJobSummary = Awaited<ReturnType<typeof buildSummary>>;

function buildSummary(args: {
  inputs: ProfileJobInputs; layerFile: string; o: ResolvedOptions; routes: Route[]; segments: Segment[];
  products: { name: string; file: string; kind: ProductKind; unit: string | null; grid: string; pixels: number; segmentsWithData: number; warning: string | null }[];
  flags: Record<string, ProfileFlagSummary>; flagValues: Record<string, (0 | 1 | null)[]>; flagScore: Record<string, (number | null)[]>;
  stations: { name: string; route: string | null; km: number | null; distanceM: number | null }[];
  featureTypes: string[];
}) {
  const { routes, segments, o } = args;
  const flaggedKm: Record<string, Record<string, number>> = {};
  for (const route of routes) flaggedKm[route.name] = Object.fromEntries(Object.keys(args.flags).map((f) => [f, 0]));
  // A rule with no value on any segment of a route (no product there) reports null, not 0 km.
  const known: Record<string, Set<string>> = {};
  segments.forEach((s, i) => {
    for (const f of Object.keys(args.flags)) {
      if (args.flagValues[f][i] === null) continue;
      (known[routes[s.route].name] ??= new Set()).add(f);
      if (args.flagValues[f][i] === 1) flaggedKm[routes[s.route].name][f] += s.lineLengthM / 1000;
    }
  });
  const flaggedKmOrNull: Record<string, Record<string, number | null>> = {};
  for (const [route, r] of Object.entries(flaggedKm)) {
    flaggedKmOrNull[route] = Object.fromEntries(Object.entries(r).map(([f, km]) => [f, known[route]?.has(f) ? Math.round(km * 1000) / 1000 : null]));
  }
  // Ten worst per rule: lowest rate, highest amplitude and ALT, most features near.
  const worst: Record<string, unknown[]> = {};
  for (const f of Object.keys(args.flags)) {
    const order = segments.map((_, i) => i).filter((i) => args.flagScore[f][i] !== null);
    const sign = f === 'flag_subsidence' ? 1 : -1;
    order.sort((a, b) => sign * (args.flagScore[f][a]! - args.flagScore[f][b]!) || a - b);
    worst[f] = order.slice(0, 10).map((i) => ({
      route: routes[segments[i].route].name, segment: segments[i].index,
      km_from: rounded(segments[i].fromM / 1000), km_to: rounded(segments[i].toM / 1000),
      value: rounded(args.flagScore[f][i]), flagged: args.flagValues[f][i],
      centre: segments[i].centreLonLat.map((v) => Number(v.toFixed(6))),
    }));
  }
  return {
    software: 'permasar',
    command: 'profile',
    description: 'Per segment of each route: statistics of every product over the pixels within the half-width, features per buffer, and flags by the study\'s thresholds (README: "permasar profile").',
    inputs: {
      lines: args.layerFile, products: args.products.map((p) => ({ name: p.name, file: p.file })), from: args.inputs.from ?? null,
      features: args.inputs.features ?? [], stations: args.inputs.stations ?? null,
    },
    options: {
      class: o.lineClass, class_property: o.classProperty, route_property: o.routeProperty, join_m: o.joinM, max_gap_m: o.maxGapM,
      start: o.start, segment_m: o.segmentM, half_width_m: o.halfWidthM, type_property: o.typeProperty, buffers_m: o.buffersM,
    },
    routes: routes.map((r) => ({
      name: r.name, class: r.lineClass, group: r.group, branch_of: r.branchOf,
      length_km: rounded(r.lengthM / 1000), line_km: rounded(r.lineLengthM / 1000), gaps: r.runs.length - 1,
      gap_km: rounded((r.lengthM - r.lineLengthM) / 1000), pieces: r.pieces,
      segments: segments.filter((s) => routes[s.route] === r).length,
      start: [r.runs[0].lonLat[0], r.runs[0].lonLat[1]],
      end: (() => { const last = r.runs[r.runs.length - 1].lonLat; return [last[last.length - 2], last[last.length - 1]]; })(),
    })),
    products: args.products,
    feature_types: args.featureTypes,
    flags: args.flags,
    flagged_km: flaggedKmOrNull,
    worst_segments: worst,
    stations: args.stations,
    chainage: 'geodesic on WGS 84 (core/geodesy.ts, as hazards): the sum of the edges\' lengths from the route\'s start; gaps in the line data count by their geodesic length',
  };
}

// ---------------------------------------------------------------------------------------------
// The job

export async function profileJob(inputs: ProfileJobInputs, options: ProfileJobOptions, outDir: string, ctx: JobContext): Promise<ProfileJobSummary> {
  const o = resolveOptions(options);
  const warn = ctx.warn ?? ((line: string) => console.error(line));
  if ((inputs.products ?? []).length === 0 && !inputs.from && (inputs.features ?? []).length === 0) {
    throw optionError('product', 'nothing to profile: give --product NAME=FILE, --from DIR or --features LAYER');
  }

  // 1. Routes and segments.
  const { pieces, layerFile } = await readPieces(inputs.lines, o);
  const routes = chainRoutes(pieces, { joinM: o.joinM, maxGapM: o.maxGapM, start: o.start });
  const segments = segmentRoutes(routes, o.segmentM);

  // 2. Every input opened and checked before anything is written.
  const productInputs = await resolveProducts(inputs);
  const open: OpenProduct[] = [];
  const closeAll = () => { for (const p of open) p.reader.close(); };
  try {
    for (const p of productInputs) {
      const reader = await openRasterRows(p.file);
      const grid = reader.info.grid;
      const item: OpenProduct = { ...p, reader, grid, unit: reader.info.unit };
      open.push(item);
      if (grid.radarCoded) throw new InputError(p.file, 'is in radar coordinates; profile needs a geocoded raster (run MintPy geocode.py, or fit with --geometry)');
      if (grid.geoTransform[2] !== 0 || grid.geoTransform[4] !== 0) throw new InputError(p.file, 'has a rotated geotransform; warp it north-up first (gdalwarp)');
      if (item.inferKind) Object.assign(item, kindOf(item.name, item.unit));
    }
    const featureLayers: GeoJsonLayer<HazardFeature> = { items: [], raw: [] };
    for (const f of inputs.features ?? []) {
      const layer = await readVectorLayer(f);
      const read = featuresFromFeatures(layer.features, layer.file, o.typeProperty);
      featureLayers.items.push(...read.items);
      featureLayers.raw.push(...read.raw);
    }
    const stationPoints: { name: string; lon: number; lat: number }[] = [];
    if (inputs.stations) {
      const layer = await readVectorLayer(inputs.stations);
      layer.features.forEach((f, i) => {
        if (f.geometry.type !== 'Point' || !Array.isArray(f.geometry.coordinates)) throw new InputError(layer.file, `feature ${i} is a ${String(f.geometry.type)}; the stations layer takes Point features`);
        const [lon, lat] = f.geometry.coordinates as number[];
        if (!Number.isFinite(lon) || !Number.isFinite(lat)) throw new InputError(layer.file, `feature ${i}: coordinates are not numbers`);
        stationPoints.push({ name: propertyText(f.properties[o.stationProperty]) ?? `station ${i}`, lon, lat });
      });
    }

    // 3. Pixels to segments, once per distinct grid; then each product's values per segment.
    const index = new SegmentIndex(segments, o.halfWidthM);
    const grids: { grid: RasterGrid; assignment: PixelAssignment }[] = [];
    const stats = new Map<string, (number | null)[][]>();
    const productSummaries: Parameters<typeof buildSummary>[0]['products'] = [];
    const columns: string[] = [];
    const apart: string[] = [];
    for (const [k, product] of open.entries()) {
      ctx.progress?.(k, open.length, 'profile');
      let entry = grids.find((g) => sameGrid(g.grid, product.grid));
      if (!entry) {
        const t = lonLatTransforms(product.grid, product.file);
        entry = { grid: product.grid, assignment: assignPixels(index, product.grid, t.toGrid, t.toLonLat, t.geographic) };
        grids.push(entry);
      }
      const values = await gatherProduct(product, entry.assignment);
      // Class rasters without a legend: the codes seen near the line (at most 32).
      if (product.kind === 'class' && !product.classNames) {
        const codes = new Set<number>();
        segments.forEach((_, s) => { for (const v of values.of(s)) codes.add(v); });
        product.classNames = Object.fromEntries([...codes].sort((a, b) => a - b).slice(0, 32).map((c) => [c, String(c)]));
      }
      const perSegment = segments.map((_, s) => segmentStatistics(Float32Array.from(values.of(s)), product.kind, product.classNames));
      stats.set(product.name, perSegment);
      columns.push(...productColumns(product.name, product.kind, product.classNames));
      const withData = perSegment.filter((row) => (row[0] ?? 0) > 0).length;
      let warning: string | null = null;
      if (entry.assignment.pixel.length === 0) {
        warning = `does not overlap the lines (no pixel within ${o.halfWidthM} m of any segment; ${describeGrid(product.grid)}); its columns are empty`;
        apart.push(product.file);
      } else if (withData === 0) {
        warning = `no valid pixel within ${o.halfWidthM} m of any segment (all no-data there); its columns are empty`;
        warn(`permasar profile: warning: ${product.file}: ${warning}`);
      }
      productSummaries.push({ name: product.name, file: product.file, kind: product.kind, unit: product.unit, grid: describeGrid(product.grid), pixels: entry.assignment.pixel.length, segmentsWithData: withData, warning: warning && `${product.file}: ${warning}` });
    }
    ctx.progress?.(open.length, open.length, 'profile');
    // One line for all the rasters off the line (a folder of products elsewhere would print many).
    if (apart.length === 1) warn(`permasar profile: warning: ${apart[0]}: does not overlap the lines (no pixel within ${o.halfWidthM} m of any segment); its columns are empty`);
    if (apart.length > 1) warn(`permasar profile: warning: ${apart.length} rasters do not overlap the lines (no pixel within ${o.halfWidthM} m of any segment), their columns are empty: ${apart.slice(0, 3).join(', ')}${apart.length > 3 ? ` and ${apart.length - 3} more (summary.json lists each)` : ''}`);

    // 4. Features per segment.
    let featureCounts: SegmentFeatureCounts | null = null;
    const featureColumns: string[] = [];
    if ((inputs.features ?? []).length) {
      featureCounts = countFeaturesBySegment(segments, featureLayers.items, o.buffersM, o.thresholds.thermokarstM);
      for (const t of featureCounts.featureTypes) for (const b of o.buffersM) featureColumns.push(`${columnName(t)}_within_${b}m`);
      featureColumns.push('features_nearest_m');
    }

    // 5. Flags: per segment, the first product of the rule's preference with a median there.
    const names = open.map((p) => p.name);
    const medianOf = (name: string, s: number): number | null => {
      const row = stats.get(name)?.[s];
      return row && row[1] !== null ? (row[1] as number) : null;
    };
    const flags: Record<string, ProfileFlagSummary> = {};
    const flagValues: Record<string, (0 | 1 | null)[]> = {};
    const flagScore: Record<string, (number | null)[]> = {};
    const flagSource: Record<string, (string | null)[]> = {};
    const medianRule = (flag: string, preference: string[], rule: 'at-most' | 'at-least', threshold: number, text: string, source: string) => {
      const usable = preference.filter((n) => names.includes(n) && open.find((p) => p.name === n)!.kind === 'continuous');
      flags[flag] = { rule: text, source, threshold, products: usable };
      flagValues[flag] = [];
      flagScore[flag] = [];
      flagSource[flag] = [];
      segments.forEach((_, s) => {
        const from = usable.find((n) => medianOf(n, s) !== null) ?? null;
        const m = from ? medianOf(from, s) : null;
        flagValues[flag].push(flagOf(m, rule, threshold));
        flagScore[flag].push(m);
        flagSource[flag].push(from);
      });
    };
    const t = o.thresholds;
    medianRule('flag_subsidence', SUBSIDENCE_SOURCES, 'at-most', t.subsidenceMmPerYear,
      `median of the vertical rate (rate_vertical), else of the up rate (rate_up), else of the LOS rate (rate) ≤ ${t.subsidenceMmPerYear} mm/yr`,
      'the study\'s abstract and §5: subsidence "exceeding 20 mm/year in areas between Golmud and Nagqu"');
    medianRule('flag_amplitude', AMPLITUDE_SOURCES, 'at-least', t.amplitudeMm,
      `median of the vertical seasonal amplitude (amplitude_vertical), else up (amplitude_up), else LOS (amplitude) ≥ ${t.amplitudeMm} mm`,
      'the study\'s §4.2 and Fig. 8b,c: ALT ≥ 1 m where the vertical seasonal amplitude exceeds 55 mm');
    medianRule('flag_alt', ALT_SOURCES, 'at-least', t.altM, `median ALT (alt) ≥ ${t.altM} m`,
      'the study\'s §4.2 and Fig. 8: the 1 m ALT lower bound');
    if (featureCounts) {
      flags.flag_thermokarst = {
        rule: `a feature of the --features layers (any type: thaw slump, thaw lake) within ${t.thermokarstM} m of the segment`,
        source: 'the study\'s §4.3 and Fig. 10b: thaw slumps and thaw lakes within 2 km of the railway and highway', threshold: t.thermokarstM, products: [],
      };
      flagValues.flag_thermokarst = segments.map((_, s) => (featureCounts!.within[s] ? 1 : 0));
      // Worst: the most features within the flag distance, then the nearest.
      flagScore.flag_thermokarst = segments.map((_, s) => {
        let n = 0;
        const b = o.buffersM.indexOf(t.thermokarstM);
        if (b >= 0) for (const c of featureCounts!.counts[s]) n += c[b];
        else n = featureCounts!.within[s];
        return n > 0 ? n : null;
      });
    }

    // 6. Stations at their chainage.
    const stations = stationPoints.map((st) => {
      let best: { route: string; km: number; distanceM: number } | null = null;
      for (const r of routes) {
        const c = chainageOfPoint(r, st.lon, st.lat);
        if (!best || c.distanceM < best.distanceM) best = { route: r.name, km: c.chainageM / 1000, distanceM: c.distanceM };
      }
      return best && best.distanceM <= o.stationMaxM
        ? { name: st.name, route: best.route, km: rounded(best.km), distanceM: rounded(best.distanceM) }
        : { name: st.name, route: null, km: null, distanceM: best ? rounded(best.distanceM) : null };
    });

    // 7. Rows: the same properties in segments.csv and segments.geojson.
    const flagNames = Object.keys(flags);
    const header = ['route', 'class', 'segment', 'km_from', 'km_to', 'line_km', 'centre_lon', 'centre_lat', ...columns, ...featureColumns,
      ...flagNames.flatMap((f) => (f === 'flag_thermokarst' ? [f] : [f, `${f}_value`, `${f}_source`]))];
    const rows: (string | number | null)[][] = segments.map((s, i) => {
      const row: (string | number | null)[] = [routes[s.route].name, routes[s.route].lineClass, s.index, rounded(s.fromM / 1000), rounded(s.toM / 1000), rounded(s.lineLengthM / 1000),
        Number(s.centreLonLat[0].toFixed(7)), Number(s.centreLonLat[1].toFixed(7))];
      for (const p of open) for (const v of stats.get(p.name)![i]) row.push(rounded(v));
      if (featureCounts) {
        for (const c of featureCounts.counts[i]) for (const v of c) row.push(v);
        row.push(Number.isFinite(featureCounts.nearestM[i]) ? rounded(featureCounts.nearestM[i]) : null);
      }
      for (const f of flagNames) {
        row.push(flagValues[f][i]);
        if (f !== 'flag_thermokarst') row.push(rounded(flagScore[f][i]), flagSource[f][i]);
      }
      return row;
    });

    const summary = buildSummary({
      inputs, layerFile, o, routes, segments, products: productSummaries, flags, flagValues, flagScore, stations,
      featureTypes: featureCounts?.featureTypes ?? [],
    });

    return await withOutput(outDir, { overwrite: o.overwrite }, async (out) => {
      await writeCsv(path.join(out.dir, 'segments.csv'), header, rows);
      const features = segments.map((s, i) => ({
        type: 'Feature',
        id: `${routes[s.route].name}:${s.index}`,
        geometry: s.parts.length === 1
          ? { type: 'LineString', coordinates: pairs(s.parts[0]) }
          : { type: 'MultiLineString', coordinates: s.parts.map(pairs) },
        properties: Object.fromEntries(header.map((h, k) => [h, rows[i][k]])),
      }));
      // RFC 7946 (EPSG:4326 lon/lat, no "crs" member); one feature per line, as near_features.geojson.
      await writeFile(path.join(out.dir, 'segments.geojson'), `{"type":"FeatureCollection","features":[\n${features.map((f) => JSON.stringify(f)).join(',\n')}\n]}\n`);
      const pngs: string[] = [];
      for (const [r, route] of routes.entries()) {
        const idx = segments.map((s, i) => (s.route === r ? i : -1)).filter((i) => i >= 0);
        const km = (f: (s: Segment) => number) => idx.map((i) => f(segments[i]) / 1000);
        const kmFrom = km((s) => s.fromM), kmTo = km((s) => s.toM);
        const panels: ProfilePanel[] = [];
        for (const p of open) {
          if (p.kind !== 'continuous' || !/(^|_)(rate|amplitude|alt)(_vertical|_up)?$/.test(p.name)) continue;
          const st = idx.map((i) => stats.get(p.name)![i]);
          if (!st.some((row) => row[1] !== null)) continue;
          const rule = /rate/.test(p.name) ? 'flag_subsidence' : /amplitude/.test(p.name) ? 'flag_amplitude' : 'flag_alt';
          const threshold = rule === 'flag_subsidence' ? t.subsidenceMmPerYear : rule === 'flag_amplitude' ? t.amplitudeMm : t.altM;
          panels.push({
            title: p.name, unit: p.unit ?? '', kmFrom, kmTo,
            median: st.map((row) => row[1] ?? NaN), p5: st.map((row) => row[2] ?? NaN), p95: st.map((row) => row[3] ?? NaN),
            threshold,
            // Shade where this very product set the flag.
            flagged: idx.map((i) => (flagSource[rule]?.[i] === p.name ? flagValues[rule][i] : null)),
          });
        }
        const img = profileChart({
          title: `${route.name} (${route.lineClass}): ${(route.lengthM / 1000).toFixed(1)} km${route.branchOf ? `, branch of ${route.branchOf}` : ''}`,
          lengthKm: route.lengthM / 1000,
          panels,
          // Rules with no value on this route (no product for them) get no row.
          flagRows: flagNames.filter((f) => idx.some((i) => flagValues[f][i] !== null)).map((f) => ({ label: f.replace(/^flag_/, ''), kmFrom, kmTo, flagged: idx.map((i) => flagValues[f][i]) })),
          stations: stations.filter((s) => s.route === route.name && s.km !== null).map((s) => ({ name: s.name, km: s.km! })),
        });
        const file = `profile_${fileSafe(route.name)}.png`;
        await writeFile(path.join(out.dir, file), encodePng(img));
        pngs.push(file);
      }
      await writeJson(path.join(out.dir, 'summary.json'), summary);
      await out.commit();
      for (const r of summary.routes) {
        const flagged = flagNames.filter((f) => summary.flagged_km[r.name][f] !== null).map((f) => `${summary.flagged_km[r.name][f]} km ${f.replace(/^flag_/, '')}`).join(', ') || 'no flag has data here';
        ctx.log(`${r.name}: ${r.length_km} km, ${r.segments} segments${r.gaps ? `, ${r.gaps} gap(s) ${r.gap_km} km` : ''}${r.branch_of ? ` (branch of ${r.branch_of})` : ''}; flagged: ${flagged}`);
      }
      ctx.log(`wrote ${out.outDir}: segments.csv, segments.geojson, ${pngs.length > 2 ? `${pngs.length} profile_*.png` : pngs.join(', ')}, summary.json`);
      return summary;
    });
  } finally {
    closeAll();
  }
}

function pairs(lonLat: Float64Array): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < lonLat.length; i += 2) out.push([Number(lonLat[i].toFixed(8)), Number(lonLat[i + 1].toFixed(8))]);
  return out;
}
