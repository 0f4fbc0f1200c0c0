// A synthetic corridor with known truth (issue 12): overlapping frames per orbit direction along a
// north–south strip (as Golmud–Lhasa), each frame its own MintPy stack with its own dates and its
// own reference — a constant rate and displacement offset, what referencing a frame to its own
// stable point does — all seen from ONE ground-motion field. The field reuses the cells of
// data/motion-field.ts: each cell COLUMN one secular motion (SECULAR_MOTIONS), each cell ROW one
// seasonal motion (SEASONAL_MOTIONS, cycling down the corridor), so Table 1 gives a known class on
// every cell, and each track's LOS rate, amplitude and peak day follow from its incidence (34°–42°
// across the swath) and azimuth (±102.5°).
//
// The frames as interferograms instead (issue 22, writeCorridorIfgrams): each frame's series —
// the same rows frameRowGenerator gives — as the displacement of a MintPy ifgramStack.h5
// (data/ifgram-stack.ts) with a planted troposphere (and its ERA5.h5) and linear ramps, geocoded
// on the frame's grid, referenced to a pixel with data; the manifest names them as "ifgrams".
//
// Small for tests (`makeCorridor()` defaults, a few thousand pixels a frame); `--size N` writes a
// corridor of about N pixels in all, streaming each stack to disk row block by row block
// (writeMintpyTimeseriesRows), for `npm run bench:corridor`.
//
//   node bin/run-ts.mjs data/make-corridor.ts OUT_DIR [--size PIXELS] [--dates N] [--frames A,D]
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { losUnitVector, peakDayToPhase, phaseToPeakDay } from '../src/core/decomposition.ts';
import { pixelCentre, type RasterGrid } from '../src/core/grid.ts';
import { makeTimeAxis, ymdToDecimalYear } from '../src/core/time.ts';
import { writeMintpyRasters, writeMintpyTimeseriesRows } from '../src/io/mintpy-h5-write-node.ts';
import { SEASONAL_MOTIONS, SECULAR_MOTIONS, type AnnualTerm } from './motion-field.ts';
import { writeSyntheticIfgramStack } from './ifgram-stack.ts';
import { makeNormal, makeRandom, regularDates } from './synthetic.ts';

export type Direction = 'ascending' | 'descending';

export interface CorridorOptions {
  seed?: number;
  /** Frames per direction (default 3 and 3). */
  framesPerDirection?: [number, number];
  /** Cell size, degrees (default 0.008). */
  cellDeg?: number;
  /** Ascending pixel size, degrees (default 0.001); descending pixels are 1.3× larger. */
  ascPixelDeg?: number;
  /** Rows of one ascending frame (default 48) and rows two neighbours share (default 14). */
  frameRows?: number;
  overlapRows?: number;
  /** Cell columns across the strip (default 4, every secular motion once); more for wide frames. */
  cellColumns?: number;
  /** Dates: every `intervalDays` (default 24) from Dec 2014 for `nDates` (default to Sep 2022). */
  intervalDays?: number;
  nDates?: number;
  noiseMm?: number;
  /** Fraction of pixels without data per frame (default 0.01). */
  noDataFraction?: number;
  /** Put the last descending frame half a pixel off the lattice, so the mosaic resamples it. */
  offLatticeLastDescending?: boolean;
  /**
   * The first frame of each direction referenced to a stable point (offsets 0), the others each to
   * their own point (default true): the mosaics then equal the truth with no constant, so Table 1
   * classes of the mosaics are known.
   */
  stableFirstFrame?: boolean;
}

export interface CorridorFrame {
  name: string;
  direction: Direction;
  grid: RasterGrid;
  dates: string[];
  /** The frame's reference offsets: rate (mm/yr) and displacement (mm) added to every pixel. */
  rateOffsetMmPerYear: number;
  displacementOffsetMm: number;
  seed: number;
}

export interface CorridorTruth {
  /** LOS rate (mm/yr, + toward the satellite), peak-to-trough amplitude (mm), peak day; NaN where not seasonal. */
  rateMmPerYear: number;
  amplitudeMm: number;
  peakDayOfYear: number;
  seasonal: boolean;
  secularClass: number;
  seasonalClass: number;
  /** Distance to the nearest cell edge, degrees (classes are known away from edges). */
  edgeDistanceDeg: number;
}

export interface Corridor {
  options: Required<Omit<CorridorOptions, 'nDates'>> & { nDates: number | null };
  frames: CorridorFrame[];
  /** Truth of a direction at a map point (EPSG:4326 lon/lat). */
  truthAt(direction: Direction, x: number, y: number): CorridorTruth;
  incidenceAt(direction: Direction, x: number): number;
  azimuthDeg(direction: Direction): number;
}

const INCIDENCE_NEAR_DEG = 34;
const INCIDENCE_FAR_DEG = 42;
const WEST = 92.9;
const NORTH = 35.2;

function phasor(term: AnnualTerm | null): [number, number] {
  if (!term) return [0, 0];
  const phase = peakDayToPhase(term.peakDayOfYear);
  return [(term.amplitudeMm / 2) * Math.cos(phase), (term.amplitudeMm / 2) * Math.sin(phase)];
}

export function makeCorridor(options: CorridorOptions = {}): Corridor {
  const o = {
    seed: options.seed ?? 1212,
    framesPerDirection: options.framesPerDirection ?? [3, 3],
    cellDeg: options.cellDeg ?? 0.008,
    ascPixelDeg: options.ascPixelDeg ?? 0.001,
    frameRows: options.frameRows ?? 48,
    overlapRows: options.overlapRows ?? 14,
    cellColumns: options.cellColumns ?? SECULAR_MOTIONS.length,
    intervalDays: options.intervalDays ?? 24,
    nDates: options.nDates ?? null,
    noiseMm: options.noiseMm ?? 1,
    noDataFraction: options.noDataFraction ?? 0.01,
    offLatticeLastDescending: options.offLatticeLastDescending ?? false,
    stableFirstFrame: options.stableFirstFrame ?? true,
  } as Corridor['options'];
  const cell = o.cellDeg;
  const east = WEST + o.cellColumns * cell;
  const swathWest = WEST - cell, swathEast = east + cell;
  const ramp = (x: number) => Math.min(1, Math.max(0, (x - swathWest) / (swathEast - swathWest)));
  const incidenceAt = (direction: Direction, x: number) => direction === 'ascending'
    ? INCIDENCE_NEAR_DEG + (INCIDENCE_FAR_DEG - INCIDENCE_NEAR_DEG) * ramp(x)
    : INCIDENCE_FAR_DEG - (INCIDENCE_FAR_DEG - INCIDENCE_NEAR_DEG) * ramp(x);
  const azimuthDeg = (direction: Direction) => (direction === 'ascending' ? 102.5 : -102.5);

  const truthAt = (direction: Direction, x: number, y: number): CorridorTruth => {
    const column = Math.floor((x - WEST) / cell);
    const row = Math.floor((NORTH - y) / cell);
    const secular = SECULAR_MOTIONS[((column % SECULAR_MOTIONS.length) + SECULAR_MOTIONS.length) % SECULAR_MOTIONS.length];
    const seasonal = SEASONAL_MOTIONS[((row % SEASONAL_MOTIONS.length) + SEASONAL_MOTIONS.length) % SEASONAL_MOTIONS.length];
    const los = losUnitVector(incidenceAt(direction, x), azimuthDeg(direction));
    const rate = los.east * secular.eastMmPerYear + los.north * secular.northMmPerYear + los.up * secular.upMmPerYear;
    let amplitude = NaN, peak = NaN;
    if (seasonal.seasonal) {
      const [upRe, upIm] = phasor(seasonal.up);
      const [eRe, eIm] = phasor(seasonal.east);
      const re = los.up * upRe + los.east * eRe, im = los.up * upIm + los.east * eIm;
      amplitude = 2 * Math.hypot(re, im);
      peak = phaseToPeakDay(Math.atan2(im, re));
    }
    const fx = (x - WEST) / cell - column, fy = (NORTH - y) / cell - row;
    const inside = x >= WEST && x <= east;
    const edgeDistanceDeg = inside ? cell * Math.min(fx, 1 - fx, fy, 1 - fy) : -1;
    return { rateMmPerYear: rate, amplitudeMm: amplitude, peakDayOfYear: peak, seasonal: seasonal.seasonal, secularClass: secular.expected, seasonalClass: seasonal.expected, edgeDistanceDeg };
  };

  const random = makeRandom(o.seed);
  const frames: CorridorFrame[] = [];
  (['ascending', 'descending'] as Direction[]).forEach((direction, di) => {
    const step = direction === 'ascending' ? o.ascPixelDeg : o.ascPixelDeg * 1.3;
    // Frames of a direction share its lattice; they march south with `overlapRows` in common.
    const rows = direction === 'ascending' ? o.frameRows : Math.round(o.frameRows / 1.3);
    const overlap = direction === 'ascending' ? o.overlapRows : Math.round(o.overlapRows / 1.3);
    const x0 = direction === 'ascending' ? WEST - 0.5 * cell : WEST - 0.3 * cell + 0.37 * step;
    const y0 = direction === 'ascending' ? NORTH + 0.25 * cell : NORTH + 0.3 * cell - 0.21 * step;
    const width = Math.ceil((east + (direction === 'ascending' ? 0.5 : 0.8) * cell - x0) / step);
    const n = o.framesPerDirection[di];
    for (let f = 0; f < n; f++) {
      const off = o.offLatticeLastDescending && direction === 'descending' && f === n - 1 && n > 1 ? 0.5 * step : 0;
      const start = direction === 'ascending' ? 20141210 : 20141216;
      const startYmd = shiftDays(String(start), 6 * f);
      let dates = regularDates(startYmd, '20220925', o.intervalDays);
      if (o.nDates) dates = regularDates(startYmd, '20400101', o.intervalDays).slice(0, o.nDates);
      frames.push({
        name: `${direction === 'ascending' ? 'a' : 'd'}${f}`,
        direction,
        grid: { width, height: rows, geoTransform: [x0 + off, step, 0, y0 - f * (rows - overlap) * step - off, 0, -step], epsg: 4326 },
        dates,
        // Each frame's reference: a rate offset of a few mm/yr and a displacement offset.
        rateOffsetMmPerYear: o.stableFirstFrame && f === 0 ? (random(), 0) : Math.round((random() * 12 - 6) * 100) / 100,
        displacementOffsetMm: o.stableFirstFrame && f === 0 ? (random(), 0) : Math.round((random() * 40 - 20) * 100) / 100,
        seed: o.seed * 31 + di * 7 + f,
      });
    }
  });
  return { options: o, frames, truthAt, incidenceAt, azimuthDeg };
}

function shiftDays(ymd: string, days: number): string {
  const d = new Date(Date.UTC(Number(ymd.slice(0, 4)), Number(ymd.slice(4, 6)) - 1, Number(ymd.slice(6, 8)) + days));
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** Date-major LOS rows (metres, + toward the satellite) of a frame, generated in row order. */
export function frameRowGenerator(corridor: Corridor, frame: CorridorFrame): (row0: number, nRows: number) => Float32Array {
  const axis = makeTimeAxis(frame.dates);
  const tRef = ymdToDecimalYear(frame.dates[0]);
  const random = makeRandom(frame.seed);
  const normal = makeNormal(random);
  const { grid } = frame;
  const nDates = frame.dates.length;
  let nextRow = 0;
  return (row0, nRows) => {
    if (row0 !== nextRow) throw new Error(`frameRowGenerator: rows must come in order (${row0} asked, ${nextRow} next)`);
    nextRow = row0 + nRows;
    const n = nRows * grid.width;
    const values = new Float32Array(nDates * n);
    for (let r = 0; r < nRows; r++) {
      for (let c = 0; c < grid.width; c++) {
        const p = r * grid.width + c;
        if (random() < corridor.options.noDataFraction) {
          for (let d = 0; d < nDates; d++) values[d * n + p] = NaN;
          continue;
        }
        const { x, y } = pixelCentre(grid, row0 + r, c);
        const truth = corridor.truthAt(frame.direction, x, y);
        const upCoefficient = Math.cos((corridor.incidenceAt(frame.direction, x) * Math.PI) / 180);
        const phase = peakDayToPhase(truth.peakDayOfYear);
        for (let d = 0; d < nDates; d++) {
          const t = axis.tYears[d];
          let v = truth.rateMmPerYear * axis.tCentredYears[d] + frame.rateOffsetMmPerYear * (t - tRef) + frame.displacementOffsetMm + corridor.options.noiseMm * normal();
          if (truth.seasonal) v += (truth.amplitudeMm / 2) * Math.cos(2 * Math.PI * t - phase);
          else v += upCoefficient * (8 * Math.sin(4 * Math.PI * t + 0.7) + 5 * Math.sin(6 * Math.PI * t + 2.1));
          values[d * n + p] = v / 1000;
        }
      }
    }
    return values;
  };
}

/** A frame's folder under `dir` (asc/<name> or desc/<name>), made, and its path relative to `dir`. */
async function frameFolder(dir: string, frame: { direction: string; name: string }): Promise<{ rel: string; frameDir: string }> {
  const rel = path.join(frame.direction === 'ascending' ? 'asc' : 'desc', frame.name);
  const frameDir = path.join(dir, rel);
  await mkdir(frameDir, { recursive: true });
  return { rel, frameDir };
}

/**
 * Writes every frame as MintPy would (OUT/<asc|desc>/<name>/timeseries.h5, geometryGeo.h5) and
 * OUT/corridor.json naming them; returns the corridor (its truth) and the manifest path.
 */
export async function writeCorridor(dir: string, corridor: Corridor, manifestExtras: Record<string, unknown> = {}): Promise<string> {
  const manifest: Record<string, unknown> = { ascending: [], descending: [] };
  for (const frame of corridor.frames) {
    const { rel, frameDir } = await frameFolder(dir, frame);
    const { grid } = frame;
    await writeMintpyTimeseriesRows(path.join(frameDir, 'timeseries.h5'), {
      grid, dates: frame.dates, unit: 'm', refDate: frame.dates[0], wavelengthM: 0.05546576,
      attributes: { ORBIT_DIRECTION: frame.direction.toUpperCase(), PLATFORM: 'Sen' }, blockRows: 16,
    }, frameRowGenerator(corridor, frame));
    const incidence = new Float32Array(grid.width * grid.height);
    for (let r = 0; r < grid.height; r++) for (let c = 0; c < grid.width; c++) incidence[r * grid.width + c] = corridor.incidenceAt(frame.direction, pixelCentre(grid, r, c).x);
    const azimuth = new Float32Array(grid.width * grid.height).fill(corridor.azimuthDeg(frame.direction));
    await writeMintpyRasters(path.join(frameDir, 'geometryGeo.h5'), grid, { incidenceAngle: incidence, azimuthAngle: azimuth }, 'geometry');
    (manifest[frame.direction] as unknown[]).push({ name: frame.name, stack: path.join(rel, 'timeseries.h5'), geometry: path.join(rel, 'geometryGeo.h5') });
  }
  Object.assign(manifest, manifestExtras);
  const file = path.join(dir, 'corridor.json');
  await writeFile(file, JSON.stringify(manifest, null, 2) + '\n');
  return file;
}

export interface CorridorIfgramOptions {
  /** Each date paired with its next `neighbours` dates (default 2). */
  neighbours?: number;
  /** Plant a troposphere and write ERA5.h5 beside each stack, named as the frame's "troposphere" (default true). */
  troposphere?: boolean;
  /** Plant linear ramps (default true). */
  ramps?: boolean;
  /** Write waterMask.h5 (a lake) beside each stack, named as the frame's "waterMask" (default false). */
  waterMask?: boolean;
  /** "bands" of frames, by name. */
  bands?: Record<string, number>;
}

/** Date-major rows of a whole frame (metres, NaN = no data), as frameRowGenerator gives them. */
function frameValues(corridor: Corridor, frame: CorridorFrame): Float32Array {
  return frameRowGenerator(corridor, frame)(0, frame.grid.height);
}

/**
 * Writes every frame as an interferogram stack (OUT/<asc|desc>/<name>/ifgramStack.h5, ERA5.h5,
 * geometryGeo.h5, and waterMask.h5 when asked) and OUT/corridor.json naming them as "ifgrams";
 * returns the manifest path. The displacement of each stack is the frame's series of
 * writeCorridor (one motion field, each frame's own reference offsets and noise).
 */
export async function writeCorridorIfgrams(dir: string, corridor: Corridor, manifestExtras: Record<string, unknown> = {}, options: CorridorIfgramOptions = {}): Promise<string> {
  const manifest: Record<string, unknown> = { ascending: [], descending: [] };
  for (const frame of corridor.frames) {
    const { rel, frameDir } = await frameFolder(dir, frame);
    const { grid } = frame;
    const { width, height } = grid;
    const nDates = frame.dates.length;
    const values = frameValues(corridor, frame);
    const plane = width * height;
    // The reference: the pixel with data nearest to about a third in from the top-left.
    let ref: { y: number; x: number } | null = null;
    let best = Infinity;
    for (let y = 1; y < height - 1; y++) {
      for (let x = 1; x < width - 1; x++) {
        if (!Number.isFinite(values[y * width + x])) continue;
        const d = (y - 0.37 * height) ** 2 + (x - 0.41 * width) ** 2;
        if (d < best) { best = d; ref = { y, x }; }
      }
    }
    const g = grid.geoTransform;
    const stack = await writeSyntheticIfgramStack(path.join(frameDir, 'ifgramStack.h5'), {
      seed: frame.seed,
      length: height,
      width,
      dates: frame.dates,
      network: { neighbours: options.neighbours ?? 2 },
      ref: ref!,
      noDataPatches: 0,
      unwrapErrorPatches: 0,
      notUnwrappedFraction: 0,
      dropFraction: 0,
      geocoded: true,
      waterMask: options.waterMask ?? false,
      attributes: {
        X_FIRST: String(g[0]), Y_FIRST: String(g[3]), X_STEP: String(g[1]), Y_STEP: String(g[5]), EPSG: String(grid.epsg ?? 4326),
        ORBIT_DIRECTION: frame.direction.toUpperCase(), HEADING: frame.direction === 'ascending' ? '-12.2' : '-167.8',
      },
      ...(options.troposphere ?? true ? { troposphere: {} } : {}),
      ...(options.ramps ?? true ? { ramps: { kind: 'linear' as const } } : {}),
      displacementRows: (row0, nRows) => {
        const out = new Float32Array(nDates * nRows * width);
        for (let k = 0; k < nDates; k++) out.set(values.subarray(k * plane + row0 * width, k * plane + (row0 + nRows) * width), k * nRows * width);
        return out;
      },
    });
    const incidence = new Float32Array(width * height);
    for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) incidence[r * width + c] = corridor.incidenceAt(frame.direction, pixelCentre(grid, r, c).x);
    const azimuth = new Float32Array(width * height).fill(corridor.azimuthDeg(frame.direction));
    // geometryGeo.h5 as MintPy writes it, with its shadowMask (no shadow here), which invert reads.
    await writeMintpyRasters(path.join(frameDir, 'geometryGeo.h5'), grid, { incidenceAngle: incidence, azimuthAngle: azimuth, shadowMask: new Float32Array(width * height) }, 'geometry');
    (manifest[frame.direction] as unknown[]).push({
      name: frame.name,
      ifgrams: path.join(rel, 'ifgramStack.h5'),
      geometry: path.join(rel, 'geometryGeo.h5'),
      ...(stack.troposphere?.era5Path ? { troposphere: path.relative(dir, stack.troposphere.era5Path) } : {}),
      ...(stack.waterMaskPath ? { waterMask: path.relative(dir, stack.waterMaskPath) } : {}),
      ...(options.bands?.[frame.name] ? { bands: options.bands[frame.name] } : {}),
    });
  }
  Object.assign(manifest, manifestExtras);
  const file = path.join(dir, 'corridor.json');
  await writeFile(file, JSON.stringify(manifest, null, 2) + '\n');
  return file;
}

/**
 * Hazard inputs over the corridor, for its alt and hazards stages: `lines.geojson`, a railway down
 * the middle of the strip and a highway a cell east of it, wandering a little (class "railway" /
 * "highway"), and `thermokarst.geojson`, `featureCount` points spread uniformly over the frames'
 * extent (type "thaw slump" or "thermokarst lake", as the study's inventory). Returns the
 * manifest blocks that use them (paths relative to `dir`, where the manifest lies).
 */
export async function writeCorridorHazardInputs(dir: string, corridor: Corridor, featureCount: number, seed = 77): Promise<{ hazards: Record<string, unknown> }> {
  let south = Infinity, north = -Infinity, west = Infinity, east = -Infinity;
  for (const { grid } of corridor.frames) {
    const [x0, dx, , y0, , dy] = grid.geoTransform;
    west = Math.min(west, x0); east = Math.max(east, x0 + dx * grid.width);
    north = Math.max(north, y0); south = Math.min(south, y0 + dy * grid.height);
  }
  const random = makeRandom(seed);
  const centre = (west + east) / 2;
  const line = (x: number) => {
    const coordinates: [number, number][] = [];
    const steps = 200;
    for (let i = 0; i <= steps; i++) {
      const y = north - ((north - south) * i) / steps;
      coordinates.push([x + 0.2 * corridor.options.cellDeg * Math.sin((i / steps) * 12 * Math.PI), y]);
    }
    return coordinates;
  };
  const lines = {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', id: 'R1', properties: { class: 'railway', name: 'synthetic railway' }, geometry: { type: 'LineString', coordinates: line(centre) } },
      { type: 'Feature', id: 'H1', properties: { class: 'highway', name: 'synthetic highway' }, geometry: { type: 'LineString', coordinates: line(Math.min(east, centre + corridor.options.cellDeg)) } },
    ],
  };
  const features = {
    type: 'FeatureCollection',
    features: Array.from({ length: featureCount }, (_, i) => ({
      type: 'Feature', id: `F${i + 1}`,
      properties: { type: random() < 0.7 ? 'thaw slump' : 'thermokarst lake' },
      geometry: { type: 'Point', coordinates: [west + (east - west) * random(), south + (north - south) * random()] },
    })),
  };
  await writeFile(path.join(dir, 'lines.geojson'), JSON.stringify(lines) + '\n');
  await writeFile(path.join(dir, 'thermokarst.geojson'), JSON.stringify(features) + '\n');
  return { hazards: { lines: 'lines.geojson', features: ['thermokarst.geojson'] } };
}

/** Options for a corridor of about `pixels` pixels in all, over `frames` = [asc, desc] frames. */
export function corridorOfSize(pixels: number, frames: [number, number], nDates: number): CorridorOptions {
  // Frames about 1.4× taller than wide (Sentinel-1 frames are ~250 × 170 km); each asc frame has
  // W × H pixels, desc frames 1/1.69 as many (1.3× larger pixels): solve for W.
  const perAsc = pixels / (frames[0] + frames[1] / 1.69);
  const width = Math.sqrt(perAsc / 1.4);
  const cellPx = 8;
  return {
    framesPerDirection: frames,
    cellColumns: Math.max(4, Math.round(width / cellPx) - 1),
    frameRows: Math.round(width * 1.4),
    overlapRows: Math.round(width * 0.1),
    intervalDays: 12,
    nDates,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const out = args.find((a) => !a.startsWith('--'));
  if (!out) { console.error('usage: make-corridor.ts OUT_DIR [--size PIXELS] [--dates N] [--frames A,D]'); process.exit(1); }
  const value = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
  const size = value('--size');
  const frames = (value('--frames') ?? '5,4').split(',').map(Number) as [number, number];
  const options = size ? corridorOfSize(Number(size), frames, Number(value('--dates') ?? 240)) : {};
  const corridor = makeCorridor(options);
  const manifest = await writeCorridor(out, corridor, { compare: {} });
  const pixels = corridor.frames.reduce((s, f) => s + f.grid.width * f.grid.height, 0);
  console.log(`${corridor.frames.length} frames, ${pixels} pixels, ${corridor.frames[0].dates.length} dates → ${manifest}`);
}
