// The input readers of the jobs, in one home (issue 12: they were private to the commands, and
// `seasons` and `envelope` kept copies of `fit`'s and `alt`'s). Node-only (they read files);
// every problem is a one-line InputError naming the file. The browser reads its own way
// (web/open-files.ts) and shares the checks in fit-setup.ts.
import path from 'node:path';
import { InputError } from '../../core/errors.ts';
import { describeGrid, sameGrid, type RasterGrid } from '../../core/grid.ts';
import { isIncidenceAngle } from '../../core/decomposition.ts';
import { gridsOverlap, resampleToGrid } from '../../core/resample.ts';
import { readFitFolder, type FitFolder } from '../../io/fit-folder-node.ts';
import { isHdf5Path, readGeometry, readRaster, type RasterData } from '../../io/raster-node.ts';
import { openGeoTiffNode } from '../../io/geotiff-node.ts';
import { readGeoTiffBands, type RasterBands } from '../../io/geotiff-read.ts';
import { rangeProblem } from '../fit-setup.ts';
import { crsTransform } from '../grid-crs.ts';
import type { TrackAngles, TrackProducts } from '../compare.ts';

// ---------------------------------------------------------------------------------------------
// fit and seasons: auxiliary rasters on the stack's grid

/** A 2-D raster on the stack's grid (GeoTIFF, or an HDF5 dataset), or a one-line error. */
export async function readAligned(file: string, grid: RasterGrid, dataset?: string): Promise<Float32Array> {
  const raster = await readRaster(path.resolve(file), dataset && isHdf5Path(file) ? { dataset } : {});
  if (!sameGrid(raster.grid, grid)) {
    throw new InputError(file, `grid differs from the stack's (${describeGrid(raster.grid)} vs ${describeGrid(grid)})`);
  }
  return raster.data;
}

/** A temporal-coherence mask on the stack's grid, checked to lie in [0, 1]. */
export async function readMask(file: string, grid: RasterGrid, dataset?: string): Promise<Float32Array> {
  const mask = await readAligned(file, grid, dataset);
  // A wrong raster given as the mask (an incidence map, a velocity) would mask nothing or everything.
  const problem = rangeProblem(mask, { min: 0, max: 1 }, 'a temporal coherence mask lies in [0, 1] (NaN for no data)');
  if (problem) throw new InputError(file, problem);
  return mask;
}

/**
 * Incidence on the stack's grid: a constant in degrees, a raster (GeoTIFF or a MintPy
 * geometry's incidenceAngle), or, without either, the `geometry` file's incidenceAngle.
 */
export async function readStackIncidence(given: string | number | null | undefined, geometry: string | null | undefined, grid: RasterGrid): Promise<{ data: Float32Array; source: string } | null> {
  if (typeof given === 'number') {
    if (!(given > 0 && given < 90)) throw new InputError('--incidence', `${given}° is not an incidence angle (0–90°)`);
    return { data: new Float32Array(grid.width * grid.height).fill(given), source: `constant ${given}°` };
  }
  if (given) return { data: checkIncidence(await readAligned(given, grid, 'incidenceAngle'), given), source: path.resolve(given) };
  if (geometry) return { data: checkIncidence(await readAligned(geometry, grid, 'incidenceAngle'), geometry), source: `${path.resolve(geometry)}:incidenceAngle` };
  return null;
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
    if (!isIncidenceAngle(given)) throw new InputError('--incidence', `${given}° is not an incidence angle (0–90°)`);
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
      throw new InputError('--incidence', `is required: ${fitDir} has no incidence.tif (give a GeoTIFF, a MintPy geometryGeo.h5 or degrees)`);
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

/** The bands of a multi-band amplitude, one per year (null for a single band). */
export interface AmplitudeByYear {
  years: number[];
  bands: Float32Array[];
  /** Per pixel, the mean of the valid yearly amplitudes, as a single-band raster. */
  mean: RasterData;
}

export interface AmplitudeInput {
  raster: RasterData;
  file: string;
  unit: string;
  toMetres: number;
  byYear: AmplitudeByYear | null;
}

/**
 * The vertical amplitude raster and its unit → metres factor. `unit` (--amplitude-unit) wins,
 * then the band's unit; a unit we do not know is an error, never a guess.
 */
export async function readAmplitude(amplitudeFile: string, unitGiven: string | undefined, opts: { allBands?: boolean } = {}): Promise<AmplitudeInput> {
  const file = path.resolve(amplitudeFile);
  const byYear = opts.allBands && !isHdf5Path(file) ? await readYearBands(file) : null;
  const raster = byYear ? byYear.mean : await readRaster(file);
  if (unitGiven !== undefined && !(unitGiven.toLowerCase() in UNIT_TO_METRES)) throw new InputError('--amplitude-unit', `unknown unit "${unitGiven}" (expected mm|cm|m)`);
  const unit = (unitGiven ?? raster.unit ?? 'mm').trim().toLowerCase();
  const toMetres = UNIT_TO_METRES[unit];
  if (toMetres === undefined) throw new InputError(file, `band unit "${raster.unit}" is not a length; pass --amplitude-unit mm|cm|m`);
  let finite = 0;
  let negative = 0;
  for (const v of raster.data) {
    if (Number.isFinite(v)) { finite++; if (v < 0) negative++; }
  }
  if (finite === 0) throw new InputError(file, 'no valid amplitude (every pixel is no-data)');
  // Peak to trough is ≥ 0: a raster that is mostly negative is a sign or product mix-up.
  if (negative === finite) throw new InputError(file, `every amplitude is negative (${negative} pixels): expected the peak-to-trough seasonal amplitude, ≥ 0`);
  return { raster, file, unit, toMetres, byYear };
}

async function readYearBands(file: string): Promise<AmplitudeByYear | null> {
  const { tiff, byteLength } = await openGeoTiffNode(file);
  let read;
  try {
    read = await readGeoTiffBands(tiff, file, byteLength);
  } finally {
    tiff.close();
  }
  if (read.bands.length < 2) return null;
  const years = read.bands.map((b, i) => {
    const year = Number(b.description);
    if (!(b.description && Number.isInteger(year) && year > 0)) {
      throw new InputError(file, `band ${i + 1} is described as ${JSON.stringify(b.description)}, not a year: a multi-band amplitude needs one band per year (amplitude_by_year_vertical.tif of permasar vertical)`);
    }
    return year;
  });
  const n = read.grid.width * read.grid.height;
  const mean = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    let sum = 0, count = 0;
    for (const b of read.bands) { const v = b.data[p]; if (Number.isFinite(v)) { sum += v; count++; } }
    mean[p] = count ? sum / count : NaN;
  }
  return {
    years,
    bands: read.bands.map((b) => b.data),
    mean: { grid: read.grid, data: mean, nodata: read.nodata, metadata: read.metadata, unit: read.unit, description: `mean of the yearly amplitudes ${years[0]}–${years[years.length - 1]}` },
  };
}

/** A raster on any grid and CRS resampled onto `target` by gdalwarp's bilinear rule (core/resample.ts). */
export async function readResampled(file: string, target: RasterGrid): Promise<{ data: Float32Array; sourceGrid: RasterGrid; raster: RasterData }> {
  const raster = await readRaster(path.resolve(file));
  const transform = crsTransform(target, raster.grid, file, 'the amplitude grid');
  const data = resampleToGrid(raster.grid, raster.data, target, 'bilinear', transform ?? undefined);
  let finite = 0;
  for (const v of data) if (Number.isFinite(v)) finite++;
  if (finite === 0) throw new InputError(file, `does not cover the amplitude grid (${describeGrid(raster.grid)} vs ${describeGrid(target)})`);
  return { data, sourceGrid: raster.grid, raster };
}
