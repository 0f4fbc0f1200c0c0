// The input readers of the jobs, in one home (issue 12: they were private to the commands, and
// `seasons` and `envelope` kept copies of `fit`'s and `alt`'s). Node-only (they read files);
// every problem is a one-line InputError naming the file. The browser reads its own way
// (web/open-files.ts) and shares the checks in fit-setup.ts.
import path from 'node:path';
import { readFile, stat } from 'node:fs/promises';
import { InputError, optionError } from '../../core/errors.ts';
import { describeGrid, sameGrid, type RasterGrid } from '../../core/grid.ts';
import { isIncidenceAngle } from '../../core/decomposition.ts';
import { gridsOverlap, resampleRowBlock, resampleScale, resampleToGrid, sourceRowsForBlock } from '../../core/resample.ts';
import { readFitFolder, type FitFolder } from '../../io/fit-folder-node.ts';
import { h5HasDatasets, isHdf5Path, openRasterRows, readGeometry, readRaster, type Geometry, type RasterData, type RasterRowReader } from '../../io/raster-node.ts';
import { LICSBAS_LOS_DATASETS } from '../../io/mintpy-h5.ts';
import type { RadarLookup } from '../../core/geocode.ts';
import { openGeoTiffNode } from '../../io/geotiff-node.ts';
import { readGeoTiffBands, type RasterBands } from '../../io/geotiff-read.ts';
import { rangeProblem } from '../../pipeline/fit-setup.ts';
import { crsTransform } from '../../pipeline/grid-crs.ts';
import type { TrackAngles, TrackProducts } from '../../pipeline/compare.ts';

// ---------------------------------------------------------------------------------------------
// fit and seasons: auxiliary rasters on the stack's grid

/** A 2-D raster on the stack's grid (GeoTIFF, or an HDF5 dataset), or a one-line error. */
export async function readAligned(file: string, grid: RasterGrid, dataset?: string): Promise<Float32Array> {
  const raster = await readRaster(path.resolve(file), { ...(dataset && isHdf5Path(file) ? { dataset } : {}), allowRadarCoded: grid.radarCoded });
  if (!sameGrid(raster.grid, grid)) {
    throw new InputError(file, `grid differs from the stack's (${describeGrid(raster.grid)} vs ${describeGrid(grid)})`);
  }
  return raster.data;
}

/**
 * Incidence on the stack's grid: a constant in degrees, a raster (GeoTIFF or a MintPy
 * geometry's incidenceAngle), or, without either, the `geometry` file's incidenceAngle.
 */
export async function readStackIncidence(given: string | number | null | undefined, geometry: string | null | undefined, grid: RasterGrid): Promise<{ data: Float32Array; source: string } | null> {
  if (typeof given === 'number') {
    if (!(given > 0 && given < 90)) throw optionError('incidence', `${given}° is not an incidence angle (0–90°)`);
    return { data: new Float32Array(grid.width * grid.height).fill(given), source: `constant ${given}°` };
  }
  if (given) return { data: checkIncidence(await readAligned(given, grid, 'incidenceAngle'), given), source: path.resolve(given) };
  if (geometry) return { data: checkIncidence(await readAligned(geometry, grid, 'incidenceAngle'), geometry), source: `${path.resolve(geometry)}:incidenceAngle` };
  return null;
}

export interface StackGeometry {
  incidence: { data: Float32Array; source: string } | null;
  azimuthDeg: Float32Array | null;
  /** Latitude/longitude per pixel of a radar-coded stack (geometryRadar.h5). */
  lookup: RadarLookup | null;
  /** The geometry file used (given, or the LiCSBAS cum.h5 itself), or null. */
  geometry: string | null;
  kind: Geometry['kind'] | null;
}

/**
 * The geometry of a stack for fit: `geometry` (MintPy geometryGeo.h5 / geometryRadar.h5, a LiCSBAS
 * cum.h5 or E/N/U GeoTIFFs: readGeometry), else a LiCSBAS stack's own E.geo/N.geo/U.geo; an
 * explicit `incidence` wins for the incidence. Checked against the stack's grid (radar-coded:
 * its shape) before anything is written.
 */
export async function readStackGeometry(given: { incidence?: string | number | null; geometry?: string | null }, stack: { path: string; format: string; grid: RasterGrid }): Promise<StackGeometry> {
  const { grid } = stack;
  let geometryFile = given.geometry ?? null;
  if (!geometryFile && stack.format === 'licsbas-h5' && await h5HasDatasets(stack.path, LICSBAS_LOS_DATASETS)) geometryFile = stack.path;
  if (grid.radarCoded && !geometryFile) {
    throw new InputError(stack.path, 'in radar coordinates (no X_FIRST/Y_FIRST/X_STEP/Y_STEP): give --geometry geometryRadar.h5 (latitude, longitude per pixel) to geocode the products, or run MintPy geocode.py first');
  }
  const explicit = given.incidence !== undefined && given.incidence !== null ? await readStackIncidence(given.incidence, null, grid) : null;
  if (!geometryFile) return { incidence: explicit, azimuthDeg: null, lookup: null, geometry: null, kind: null };
  const g = await readGeometry(path.resolve(geometryFile), { allowRadarCoded: grid.radarCoded });
  if (!sameGrid(g.grid, grid)) {
    throw new InputError(geometryFile, grid.radarCoded || g.grid.radarCoded
      ? `is ${describeGrid(g.grid)} but the stack is ${describeGrid(grid)}`
      : `grid differs from the stack's (${describeGrid(g.grid)} vs ${describeGrid(grid)})`);
  }
  if (grid.radarCoded && !g.latitudeDeg) throw new InputError(geometryFile, 'no latitude/longitude: a radar-coded stack needs geometryRadar.h5');
  const source = g.kind === 'licsbas-los-vector' ? `${path.resolve(geometryFile)} (LOS unit vector E, N, U; incidence = acos U, azimuth = atan2(−E, N))` : `${path.resolve(geometryFile)}:incidenceAngle`;
  return {
    incidence: explicit ?? { data: checkIncidence(g.incidenceAngleDeg, geometryFile), source },
    azimuthDeg: g.azimuthAngleDeg,
    lookup: g.latitudeDeg && g.longitudeDeg ? { width: grid.width, height: grid.height, latitudeDeg: g.latitudeDeg, longitudeDeg: g.longitudeDeg } : null,
    geometry: path.resolve(geometryFile),
    kind: g.kind,
  };
}

/** Incidence from a raster must be an angle in (0°, 90°) (NaN for no data): δ_v = δ_LOS / cos θ. */
function checkIncidence(data: Float32Array, file: string): Float32Array {
  const problem = rangeProblem(data, { min: 0, max: 90, openMin: true, openMax: true }, 'an incidence angle lies in (0°, 90°) (NaN for no data)');
  if (problem) throw new InputError(file, problem);
  return data;
}

/** A numeric option string as a number ("46.8" → 46.8), anything else as given (a path). */
export function numberOrPath(given: string | undefined): string | number | undefined {
  if (given === undefined) return undefined;
  const v = Number(given);
  return given.trim() !== '' && Number.isFinite(v) ? v : given;
}

// ---------------------------------------------------------------------------------------------
// compare and vertical: the products of a fit folder

/** Products compare and vertical read from a fit folder, and the unit each must carry. */
const REQUIRED_PRODUCTS = [
  { name: 'rate', unit: 'mm/yr' },
  { name: 'amplitude', unit: 'mm' },
  { name: 'timing', unit: 'day of year' },
  { name: 'seasonal', unit: 'flag' },
] as const;

/** A fit folder's four products, checked: present, one grid, the units `fit` writes. */
export async function readTrackProducts(dir: string): Promise<TrackProducts> {
  const folder = await readFitFolder(path.resolve(dir));
  checkIsFitOutput(folder, dir);
  const rasters: RasterData[] = [];
  for (const { name, unit } of REQUIRED_PRODUCTS) {
    if (!folder.products.includes(name)) {
      throw new InputError(dir, `not a complete permasar fit output: ${name}.tif is missing`);
    }
    const raster = await folder.readProduct(name);
    // fit writes mm and mm/yr; a product in other units (m/yr from another tool, or edited)
    // would make every threshold wrong by a factor, so it is refused, not converted.
    const stated = raster.unit ?? raster.metadata.UNITS ?? null;
    if (stated !== null && stated !== unit) {
      throw new InputError(path.join(dir, `${name}.tif`), `unit "${stated}", expected "${unit}" (permasar fit writes ${unit})`);
    }
    if (rasters.length && !sameSize(rasters[0], raster)) {
      throw new InputError(path.join(dir, `${name}.tif`), `grid differs from rate.tif's (${raster.grid.width}×${raster.grid.height} vs ${rasters[0].grid.width}×${rasters[0].grid.height})`);
    }
    rasters.push(raster);
  }
  const [rate, amplitude, timing, seasonal] = rasters;
  return {
    source: dir,
    grid: rate.grid,
    rateMmPerYear: rate.data,
    seasonalAmplitudeMm: amplitude.data,
    peakDayOfYear: timing.data,
    seasonalFlag: seasonal.data,
  };
}

/** A fit folder's four products kept open for row reads (compare and vertical in row blocks). */
export interface TrackProductRows {
  source: string;
  grid: RasterGrid;
  rate: RasterRowReader;
  amplitude: RasterRowReader;
  timing: RasterRowReader;
  seasonal: RasterRowReader;
  close(): void;
}

/**
 * readTrackProducts' checks (present, one grid, the units `fit` writes) on the headers only;
 * the pixels are read by rows later.
 */
export async function openTrackProductRows(dir: string): Promise<TrackProductRows> {
  const folder = await readFitFolder(path.resolve(dir));
  checkIsFitOutput(folder, dir);
  const readers: RasterRowReader[] = [];
  const closeAll = () => { for (const r of readers) r.close(); };
  try {
    for (const { name, unit } of REQUIRED_PRODUCTS) {
      if (!folder.products.includes(name)) {
        throw new InputError(dir, `not a complete permasar fit output: ${name}.tif is missing`);
      }
      const reader = await openRasterRows(path.join(path.resolve(dir), `${name}.tif`));
      readers.push(reader);
      const stated = reader.info.unit ?? reader.info.metadata.UNITS ?? null;
      if (stated !== null && stated !== unit) {
        throw new InputError(path.join(dir, `${name}.tif`), `unit "${stated}", expected "${unit}" (permasar fit writes ${unit})`);
      }
      const first = readers[0].info.grid;
      const g = reader.info.grid;
      if (!(first.width === g.width && first.height === g.height && first.geoTransform.every((v, i) => v === g.geoTransform[i]))) {
        throw new InputError(path.join(dir, `${name}.tif`), `grid differs from rate.tif's (${g.width}×${g.height} vs ${first.width}×${first.height})`);
      }
    }
  } catch (e) {
    closeAll();
    throw e;
  }
  const [rate, amplitude, timing, seasonal] = readers;
  return { source: dir, grid: rate.info.grid, rate, amplitude, timing, seasonal, close: closeAll };
}

function sameSize(a: RasterData, b: RasterData): boolean {
  return a.grid.width === b.grid.width && a.grid.height === b.grid.height && a.grid.geoTransform.every((v, i) => v === b.grid.geoTransform[i]);
}

function checkIsFitOutput(folder: FitFolder, dir: string): void {
  const summary = folder.summary as { command?: unknown; software?: unknown } | null;
  // A `seasons` folder holds every fit product too (jobs/seasons.ts).
  if (summary && summary.command !== undefined && summary.command !== 'fit' && summary.command !== 'seasons') {
    throw new InputError(dir, `is the output of permasar ${String(summary.command)}, not of permasar fit`);
  }
}

/** Angles of one track: a MintPy geometry file, or incidence.tif + azimuth.tif of its fit folder. */
export async function readTrackAngles(geometryFile: string | null | undefined, fitDir: string): Promise<TrackAngles | null> {
  if (geometryFile) {
    const g = await readGeometry(path.resolve(geometryFile));
    if (!g.azimuthAngleDeg) throw new InputError(geometryFile, 'no azimuthAngle dataset: the decomposition needs the LOS azimuth as well as the incidence');
    return { source: geometryFile, grid: g.grid, incidenceDeg: g.incidenceAngleDeg, azimuthDeg: g.azimuthAngleDeg };
  }
  const folder = await readFitFolder(path.resolve(fitDir));
  if (!folder.otherRasters.includes('incidence.tif') || !folder.otherRasters.includes('azimuth.tif')) return null;
  const incidence = await folder.readProduct('incidence.tif');
  const azimuth = await folder.readProduct('azimuth.tif');
  return { source: path.join(fitDir, 'incidence.tif'), grid: incidence.grid, incidenceDeg: incidence.data, azimuthDeg: azimuth.data };
}

/**
 * Incidence on the fit grid for `vertical`, and where it came from: a constant, a GeoTIFF or a
 * MintPy geometry file on any grid (bilinear onto the fit grid), or the fit folder's incidence.tif.
 */
export async function readFitIncidence(given: string | number | null | undefined, fitDir: string, grid: RasterGrid): Promise<{ data: Float32Array; source: string }> {
  const n = grid.width * grid.height;
  if (typeof given === 'number') {
    if (!isIncidenceAngle(given)) throw optionError('incidence', `${given}° is not an incidence angle (0–90°)`);
    return { data: new Float32Array(n).fill(given), source: `constant ${given}°` };
  }
  let raster: { grid: RasterGrid; data: Float32Array };
  let source: string;
  if (given) {
    const file = path.resolve(given);
    // readGeometry turns MintPy's 0 outside the swath into NaN.
    raster = isHdf5Path(file) ? await readGeometry(file).then((g) => ({ grid: g.grid, data: g.incidenceAngleDeg })) : await readRaster(file);
    source = file;
  } else {
    const folder = await readFitFolder(path.resolve(fitDir));
    if (!folder.otherRasters.includes('incidence.tif')) {
      throw optionError('incidence', `is required: ${fitDir} has no incidence.tif (give a GeoTIFF, a MintPy geometryGeo.h5 or degrees)`);
    }
    raster = await folder.readProduct('incidence.tif');
    source = path.resolve(fitDir, 'incidence.tif');
  }
  if (sameGrid(raster.grid, grid)) return { data: raster.data, source };
  const transform = crsTransform(grid, raster.grid, source);
  if (!transform && !gridsOverlap(raster.grid, grid)) {
    throw new InputError(source, `does not overlap the fit grid (${describeGrid(raster.grid)} vs ${describeGrid(grid)})`);
  }
  return { data: resampleToGrid(raster.grid, raster.data, grid, 'bilinear', transform ?? undefined), source: `${source} (resampled bilinear onto the fit grid)` };
}

/** Incidence rows on the fit grid (vertical in row blocks); see readFitIncidence. */
export interface IncidenceRows {
  source: string;
  readRows(row0: number, nRows: number): Promise<Float32Array>;
  close(): void;
}

/**
 * readFitIncidence by rows: a constant, or a GeoTIFF on the fit grid, is read row by row; a
 * MintPy geometry file, or a raster on another grid, is read whole (HDF5 is not windowed here)
 * and resampled block by block, bit for bit as readFitIncidence (core/resample.ts).
 */
export async function openFitIncidenceRows(given: string | number | null | undefined, fitDir: string, grid: RasterGrid): Promise<IncidenceRows> {
  if (typeof given === 'number') {
    if (!isIncidenceAngle(given)) throw optionError('incidence', `${given}° is not an incidence angle (0–90°)`);
    return { source: `constant ${given}°`, readRows: async (_row0, nRows) => new Float32Array(nRows * grid.width).fill(given), close: () => {} };
  }
  let file: string;
  let source: string;
  if (given) {
    file = path.resolve(given);
    source = file;
  } else {
    const folder = await readFitFolder(path.resolve(fitDir));
    if (!folder.otherRasters.includes('incidence.tif')) {
      throw optionError('incidence', `is required: ${fitDir} has no incidence.tif (give a GeoTIFF, a MintPy geometryGeo.h5 or degrees)`);
    }
    file = path.resolve(fitDir, 'incidence.tif');
    source = file;
  }
  if (!isHdf5Path(file)) {
    const reader = await openRasterRows(file);
    if (sameGrid(reader.info.grid, grid)) return { source, readRows: (row0, nRows) => reader.readRows(row0, nRows), close: () => reader.close() };
    reader.close();
  }
  // readGeometry turns MintPy's 0 outside the swath into NaN.
  const raster = isHdf5Path(file) ? await readGeometry(file).then((g) => ({ grid: g.grid, data: g.incidenceAngleDeg })) : await readRaster(file);
  if (sameGrid(raster.grid, grid)) {
    return { source, readRows: async (row0, nRows) => raster.data.slice(row0 * grid.width, (row0 + nRows) * grid.width), close: () => {} };
  }
  const transform = crsTransform(grid, raster.grid, source);
  if (!transform && !gridsOverlap(raster.grid, grid)) {
    throw new InputError(source, `does not overlap the fit grid (${describeGrid(raster.grid)} vs ${describeGrid(grid)})`);
  }
  const t = transform ?? undefined;
  const scale = resampleScale(raster.grid, grid, 'bilinear', t);
  return {
    source: `${source} (resampled bilinear onto the fit grid)`,
    readRows: async (row0, nRows) => resampleRowBlock(raster.grid, raster.data, grid, 'bilinear', { targetRow0: row0, nRows, sourceRow0: 0, sourceRows: raster.grid.height, scale }, t),
    close: () => {},
  };
}

/** amplitude_by_year.tif of a `seasons` folder opened for row reads, one reader per band (null for a plain fit folder). */
export async function openAmplitudeByYearRows(fitDir: string, grid: RasterGrid): Promise<{ bands: { description: string | null; reader: RasterRowReader }[]; close(): void } | null> {
  const folder = await readFitFolder(path.resolve(fitDir));
  if (!folder.otherRasters.includes('amplitude_by_year.tif')) return null;
  const file = path.join(path.resolve(fitDir), 'amplitude_by_year.tif');
  const first = await openRasterRows(file);
  const bands = [{ description: first.info.description, reader: first }];
  const close = () => { for (const b of bands) b.reader.close(); };
  try {
    if (!sameGrid(first.info.grid, grid)) throw new InputError(file, `grid differs from rate.tif's (${describeGrid(first.info.grid)} vs ${describeGrid(grid)})`);
    if (first.info.unit !== null && first.info.unit !== 'mm') throw new InputError(file, `unit "${first.info.unit}", expected "mm" (permasar seasons writes mm)`);
    const nBands = (first.info as { nBands?: number }).nBands ?? 1;
    for (let b = 2; b <= nBands; b++) {
      const reader = await openRasterRows(file, { band: b });
      bands.push({ description: reader.info.description, reader });
    }
  } catch (e) {
    close();
    throw e;
  }
  return { bands, close };
}

/** amplitude_by_year.tif of a `seasons` folder (null for a plain fit folder), checked against the fit grid. */
export async function readAmplitudeByYear(fitDir: string, grid: RasterGrid): Promise<RasterBands | null> {
  const folder = await readFitFolder(path.resolve(fitDir));
  if (!folder.otherRasters.includes('amplitude_by_year.tif')) return null;
  const file = path.join(path.resolve(fitDir), 'amplitude_by_year.tif');
  const { tiff, byteLength } = await openGeoTiffNode(file);
  try {
    const bands = await readGeoTiffBands(tiff, file, byteLength);
    if (!sameGrid(bands.grid, grid)) throw new InputError(file, `grid differs from rate.tif's (${describeGrid(bands.grid)} vs ${describeGrid(grid)})`);
    if (bands.unit !== null && bands.unit !== 'mm') throw new InputError(file, `unit "${bands.unit}", expected "mm" (permasar seasons writes mm)`);
    return bands;
  } finally {
    tiff.close();
  }
}

// ---------------------------------------------------------------------------------------------
// alt and envelope: the vertical amplitude, and rasters resampled onto its grid

const UNIT_TO_METRES: Record<string, number> = { mm: 0.001, millimeter: 0.001, millimetre: 0.001, cm: 0.01, m: 1, meter: 1, metre: 1 };

// ---------------------------------------------------------------------------------------------
// alt and envelope in row blocks

/** The amplitude kept open for row reads: checked on the headers and one pass over its rows. */
export interface AmplitudeRows {
  file: string;
  grid: RasterGrid;
  unit: string;
  toMetres: number;
  /** One year per band of a multi-band amplitude, null for one band. */
  years: number[] | null;
  /** The band, or per pixel the mean of the valid yearly amplitudes (readAmplitude's `raster`). */
  readRows(row0: number, nRows: number): Promise<Float32Array>;
  /** Each year's rows (multi-band only), in band order. */
  readYearRows(row0: number, nRows: number): Promise<Float32Array[]>;
  close(): void;
}

/**
 * readAmplitude by rows: the same checks (unit, at least one valid pixel, not all negative) on
 * a pass over the rows in blocks of `blockRows`, the same values (the yearly mean in float64,
 * stored as float32, as readYearBands).
 */
export async function openAmplitudeRows(amplitudeFile: string, unitGiven: string | undefined, opts: { allBands?: boolean; blockRows: number }): Promise<AmplitudeRows> {
  const file = path.resolve(amplitudeFile);
  if (unitGiven !== undefined && !(unitGiven.toLowerCase() in UNIT_TO_METRES)) throw optionError('amplitude-unit', `unknown unit "${unitGiven}" (expected mm|cm|m)`);
  const first = await openRasterRows(file);
  const readers = [first];
  const close = () => { for (const r of readers) r.close(); };
  try {
    const grid = first.info.grid;
    const nBands = opts.allBands && !isHdf5Path(file) ? (first.info as { nBands?: number }).nBands ?? 1 : 1;
    for (let b = 2; b <= nBands; b++) readers.push(await openRasterRows(file, { band: b }));
    const years = nBands >= 2 ? readers.map((r, i) => {
      const d = r.info.description;
      const year = Number(d);
      if (!(d && Number.isInteger(year) && year > 0)) {
        throw new InputError(file, `band ${i + 1} is described as ${JSON.stringify(d)}, not a year: a multi-band amplitude needs one band per year (amplitude_by_year_vertical.tif of permasar vertical)`);
      }
      return year;
    }) : null;
    const unit = (unitGiven ?? first.info.unit ?? 'mm').trim().toLowerCase();
    const toMetres = UNIT_TO_METRES[unit];
    if (toMetres === undefined) throw new InputError(file, `band unit "${first.info.unit}" is not a length; pass --amplitude-unit mm|cm|m`);
    const readYearRows = (row0: number, nRows: number) => Promise.all(readers.map((r) => r.readRows(row0, nRows)));
    const readRows = async (row0: number, nRows: number): Promise<Float32Array> => {
      if (!years) return first.readRows(row0, nRows);
      const bands = await readYearRows(row0, nRows);
      const mean = new Float32Array(grid.width * nRows);
      for (let p = 0; p < mean.length; p++) {
        let sum = 0, count = 0;
        for (const b of bands) { const v = b[p]; if (Number.isFinite(v)) { sum += v; count++; } }
        mean[p] = count ? sum / count : NaN;
      }
      return mean;
    };
    let finite = 0;
    let negative = 0;
    for (let row0 = 0; row0 < grid.height; row0 += opts.blockRows) {
      for (const v of await readRows(row0, Math.min(opts.blockRows, grid.height - row0))) {
        if (Number.isFinite(v)) { finite++; if (v < 0) negative++; }
      }
    }
    if (finite === 0) throw new InputError(file, 'no valid amplitude (every pixel is no-data)');
    // Peak to trough is ≥ 0: a raster that is mostly negative is a sign or product mix-up.
    if (negative === finite) throw new InputError(file, `every amplitude is negative (${negative} pixels): expected the peak-to-trough seasonal amplitude, ≥ 0`);
    return { file, grid, unit, toMetres, years, readRows, readYearRows, close };
  } catch (e) {
    close();
    throw e;
  }
}

/** A raster on any grid and CRS, served by rows of `target`: readResampled block by block. */
export interface ResampledRows {
  sourceGrid: RasterGrid;
  /** The source band's unit. */
  unit: string | null;
  readRows(row0: number, nRows: number): Promise<Float32Array>;
  close(): void;
}

/**
 * readResampled by rows of the target: per block only the source rows its stencils reach
 * (core/resample.ts sourceRowsForBlock), bit for bit the whole-raster resampling. Coverage is
 * the caller's check (it reads every block anyway).
 */
export async function openResampledRows(file: string, target: RasterGrid): Promise<ResampledRows> {
  const reader = await openRasterRows(path.resolve(file));
  try {
    const source = reader.info.grid;
    const t = crsTransform(target, source, file, 'the amplitude grid') ?? undefined;
    const scale = resampleScale(source, target, 'bilinear', t);
    return {
      sourceGrid: source,
      unit: reader.info.unit,
      async readRows(row0, nRows) {
        const need = sourceRowsForBlock(source, target, row0, nRows, scale, t);
        const rows = need.sourceRows > 0 ? await reader.readRows(need.sourceRow0, need.sourceRows) : new Float32Array(0);
        return resampleRowBlock(source, rows, target, 'bilinear', { targetRow0: row0, nRows, sourceRow0: need.sourceRow0, sourceRows: need.sourceRows, scale }, t);
      },
      close: () => reader.close(),
    };
  } catch (e) {
    reader.close();
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// fit and seasons on an invert folder

/**
 * `permasar fit DIR` where DIR is an invert output: the final series its summary.json names
 * (`series`: timeseries.h5, or a corrected one a later step wrote), and, unless a mask was
 * given, the folder's maskTempCoh.h5 (MintPy's temporal-coherence mask, 1 = keep) where it
 * exists. Any other input is returned as it is.
 */
export async function resolveInvertFolder<T extends { stack: string; mask?: string | null; maskDataset?: string | null }>(inputs: T): Promise<T> {
  const dir = path.resolve(inputs.stack);
  const isDir = await stat(dir).then((s) => s.isDirectory(), () => false);
  if (!isDir) return inputs;
  const summaryFile = path.join(dir, 'summary.json');
  const text = await readFile(summaryFile, 'utf8').catch(() => null);
  if (text === null) return inputs;
  let summary: { command?: unknown; series?: unknown };
  try {
    summary = JSON.parse(text);
  } catch {
    return inputs;
  }
  if (summary.command !== 'invert') return inputs;
  if (typeof summary.series !== 'string' || !summary.series || path.isAbsolute(summary.series) || summary.series.includes('..')) {
    throw new InputError(summaryFile, 'an invert summary without a "series" file name in its folder');
  }
  const series = path.join(dir, summary.series);
  if (!(await stat(series).then((s) => s.isFile(), () => false))) throw new InputError(series, `named by ${summaryFile} as the final series, but missing`);
  const maskFile = path.join(dir, 'maskTempCoh.h5');
  const useMask = !inputs.mask && (await stat(maskFile).then((s) => s.isFile(), () => false));
  return { ...inputs, stack: series, ...(useMask ? { mask: maskFile, maskDataset: 'mask' } : {}) };
}
