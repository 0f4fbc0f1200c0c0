// MintPy HDF5 products through h5wasm, platform-free: the caller opens the h5wasm File (Node:
// a real path, h5-node.ts; browser: a file in h5wasm's in-memory FS) and these functions read
// MintPy's layout from it.
//
// MintPy layout (mintpy/objects/stack.py, timeseries): dataset `timeseries` float32
// [date, row, col] in UNIT (m), dataset `date` of YYYYMMDD byte strings, root attributes as
// text: LENGTH, WIDTH, X_FIRST, Y_FIRST, X_STEP, Y_STEP, EPSG, UNIT, REF_DATE, WAVELENGTH …
// geometryGeo.h5 holds 2-D `incidenceAngle`, `azimuthAngle` (degrees) and others;
// temporalCoherence.h5 `temporalCoherence`; maskTempCoh.h5 `mask` (bool).

import type { Dataset as H5Dataset, File as H5File } from 'h5wasm';
import type { RasterGrid } from '../core/grid.ts';
import { gridFromMintpyAttributes, radarCodedGrid } from '../core/grid.ts';
import { losUnitVectorToAngles } from '../core/decomposition.ts';
import { InputError } from '../core/errors.ts';
import { parseYmd } from '../core/time.ts';
import { checkRowBlock, parseStackUnit, rowsPerChunkOf, type StackSource } from './stack.ts';
import { callHdf5, innermostHdf5Message } from './hdf5-trace.ts';
import type { RasterData } from './geotiff-read.ts';

/** h5wasm type class codes (H5T_class_t) in Dataset.metadata.type. */
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_ENUM = 8; // h5py stores bool as an enum of int8

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 200);
}

/**
 * Runs a synchronous h5wasm call and turns whatever it throws into a one-line InputError,
 * with HDF5's own innermost message (captured from its stderr trace, see hdf5-trace.ts) when
 * there is one, since h5wasm's exception text ("name not defined!") says little.
 */
export function asH5InputError<T>(file: string, what: string, fn: () => T): T {
  const outcome = callHdf5(fn);
  if (outcome.ok) return outcome.value;
  if (outcome.error instanceof InputError) throw outcome.error;
  const detail = innermostHdf5Message(outcome.trace) ?? firstLine(outcome.error);
  throw new InputError(file, `${what}: ${detail}`);
}

function attributeText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Uint8Array) return new TextDecoder().decode(value).replace(/\0+$/, '');
  if (ArrayBuffer.isView(value) || Array.isArray(value)) {
    const items = Array.from(value as ArrayLike<unknown>, attributeText);
    return items.length === 1 ? items[0] : items.join(' ');
  }
  return String(value);
}

/** Root attributes as text, the way MintPy itself treats them (readfile.read_attribute). */
export function rootAttributes(h5: H5File, file: string): Record<string, string> {
  return asH5InputError(file, 'cannot read attributes', () => {
    const out: Record<string, string> = {};
    for (const [name, attr] of Object.entries(h5.attrs)) {
      try {
        out[name] = attributeText(attr.value);
      } catch {
        // An attribute of an exotic type (reference, compound) is not something we use.
      }
    }
    return out;
  });
}

export function getDataset(h5: H5File, file: string, name: string): H5Dataset {
  const lookup = callHdf5(() => h5.get(name));
  if (!lookup.ok) throw new InputError(file, `cannot read dataset "${name}": ${innermostHdf5Message(lookup.trace) ?? firstLine(lookup.error)}`);
  const entity = lookup.value;
  if (!entity || !('shape' in entity) || !('slice' in entity)) {
    // h5wasm answers a lookup that failed inside HDF5 with a bogus Group; the trace tells.
    const failure = innermostHdf5Message(lookup.trace);
    if (failure) throw new InputError(file, `cannot read dataset "${name}": ${failure}`);
    const present = asH5InputError(file, 'corrupt HDF5 file, cannot list its datasets', () => h5.keys());
    if (present.includes(name)) {
      const isGroup = !!entity && 'keys' in entity && typeof (entity as { keys: unknown }).keys === 'function';
      throw new InputError(file, isGroup ? `"${name}" is not a dataset (a group, or the file is corrupt)` : `cannot read dataset "${name}" (corrupt HDF5 file?)`);
    }
    throw new InputError(file, `no dataset "${name}" (has: ${present.join(', ') || 'nothing'})`);
  }
  return entity as H5Dataset;
}

export function checkNumeric(ds: H5Dataset, file: string, name: string): void {
  const type = asH5InputError(file, `cannot read the type of dataset "${name}"`, () => ds.metadata.type);
  if (type !== H5T_FLOAT && type !== H5T_INTEGER && type !== H5T_ENUM) {
    throw new InputError(file, `dataset "${name}" is not numeric (HDF5 type class ${type})`);
  }
}

export function toFloat32(values: unknown, file: string, name: string): Float32Array {
  if (values instanceof Float32Array) return values;
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    return Float32Array.from(values as unknown as ArrayLike<number>, Number);
  }
  if (Array.isArray(values)) return Float32Array.from(values.flat(Infinity) as number[], (v) => Number(v));
  throw new InputError(file, `dataset "${name}" did not read as numbers`);
}

/**
 * Geocoded grid from root attributes, for a dataset of `height` × `width`. Radar-coded files
 * (no X_FIRST; MintPy's Y_FIRST/X_FIRST appear only after geocode.py) are refused.
 */
export function mintpyGrid(attrs: Record<string, string>, file: string, width: number, height: number, opts: { allowRadarCoded?: boolean } = {}): RasterGrid {
  for (const [key, size] of [['WIDTH', width], ['LENGTH', height]] as const) {
    if (attrs[key] !== undefined && Number(attrs[key]) !== size) {
      throw new InputError(file, `attribute ${key}=${attrs[key]} but the data are ${size} wide/long`);
    }
  }
  const grid = gridFromMintpyAttributes(attrs, width, height);
  if (!grid && opts.allowRadarCoded) {
    // A coordinate attribute present but broken (X_FIRST="abc") is not radar coordinates.
    const partial = ['X_FIRST', 'Y_FIRST', 'X_STEP', 'Y_STEP'].filter((k) => attrs[k] !== undefined);
    if (partial.length) throw new InputError(file, `geocoding attributes ${partial.map((k) => `${k}=${attrs[k]}`).join(', ')} are not a grid (X_FIRST, Y_FIRST, X_STEP, Y_STEP, all numbers)`);
    return radarCodedGrid(width, height);
  }
  if (!grid) {
    throw new InputError(file, 'not geocoded (no X_FIRST/Y_FIRST/X_STEP/Y_STEP attributes): run MintPy geocode.py first');
  }
  // A zero step puts every pixel on one point: no grid to write products on (fuzzing, issue 11).
  if (grid.geoTransform[1] === 0 || grid.geoTransform[5] === 0) {
    throw new InputError(file, `X_STEP=${attrs.X_STEP}, Y_STEP=${attrs.Y_STEP}: a pixel size of 0 is not a grid`);
  }
  return grid;
}

export function checkDateList(dates: string[], file: string, what: string): void {
  dates.forEach((d, i) => {
    if (!parseYmd(d)) throw new InputError(file, `${what} ${i + 1} is "${d}", not YYYYMMDD`);
    if (i > 0 && !(d > dates[i - 1])) {
      throw new InputError(file, d === dates[i - 1] ? `duplicate date ${d}` : `dates not in order (${dates[i - 1]} then ${d})`);
    }
  });
}

export function readDates(h5: H5File, file: string, nDates: number): string[] {
  const ds = getDataset(h5, file, 'date');
  const raw = asH5InputError(file, 'cannot read dataset "date"', () => ds.value);
  const dateShape = asH5InputError(file, 'cannot read dataset "date"', () => ds.shape);
  let dates: string[];
  if (Array.isArray(raw)) {
    dates = raw.map((d) => attributeText(d).trim());
  } else if (raw instanceof Uint8Array && dateShape?.length === 2) {
    // A 2-D char array [date, 8]: one row of bytes per date.
    const n = dateShape[1];
    dates = Array.from({ length: dateShape[0] }, (_, i) => attributeText(raw.subarray(i * n, (i + 1) * n)).trim());
  } else {
    dates = [attributeText(raw).trim()];
  }
  if (dates.length !== nDates) {
    throw new InputError(file, `dataset "date" has ${dates.length} dates but "timeseries" has ${nDates}`);
  }
  dates.forEach((d, i) => {
    if (!parseYmd(d)) throw new InputError(file, `date ${i + 1} is "${d}", not YYYYMMDD`);
    if (i > 0 && !(d > dates[i - 1])) {
      throw new InputError(file, d === dates[i - 1] ? `duplicate date ${d}` : `dates not in order (${dates[i - 1]} then ${d})`);
    }
  });
  return dates;
}

/**
 * A MintPy timeseries.h5 as a StackSource. Takes ownership of `h5` (closed by `close`).
 * `file` is the name used in errors.
 */
export function mintpyStackFromH5(h5: H5File, file: string, opts: { allowRadarCoded?: boolean } = {}): StackSource {
  try {
    const ds = getDataset(h5, file, 'timeseries');
    checkNumeric(ds, file, 'timeseries');
    const shape = asH5InputError(file, 'cannot read the shape of "timeseries"', () => ds.shape) ?? [];
    if (shape.length !== 3) throw new InputError(file, `dataset "timeseries" has shape [${shape.join(', ')}], not [date, row, col]`);
    const [nDates, height, width] = shape;
    if (nDates < 1 || height < 1 || width < 1) throw new InputError(file, `dataset "timeseries" is empty [${shape.join(', ')}]`);
    const attributes = rootAttributes(h5, file);
    const grid = mintpyGrid(attributes, file, width, height, opts);
    const dates = readDates(h5, file, nDates);
    const wavelength = Number(attributes.WAVELENGTH);
    const refDate = attributes.REF_DATE && parseYmd(attributes.REF_DATE.trim()) ? attributes.REF_DATE.trim() : null;
    let open = true;
    return {
      path: file,
      format: 'mintpy-h5',
      grid,
      dates,
      unit: parseStackUnit(attributes.UNIT),
      wavelengthM: Number.isFinite(wavelength) && wavelength > 0 ? wavelength : null,
      refDate,
      attributes,
      rowsPerChunk: rowsPerChunkOf(asH5InputError(file, 'cannot read the layout of "timeseries"', () => ds.metadata.chunks)),
      async readRows(row0: number, nRows: number): Promise<Float32Array> {
        checkRowBlock(grid, row0, nRows);
        if (!open) throw new Error(`${file}: readRows after close`);
        if (nRows === 0) return new Float32Array(0);
        // A hyperslab [all dates, row0:row0+nRows, all cols] comes back C-ordered, which is
        // exactly the date-major tile layout.
        const block = asH5InputError(file, `cannot read rows ${row0}–${row0 + nRows - 1} of "timeseries"`, () =>
          ds.slice([[0, nDates], [row0, row0 + nRows], [0, width]]));
        const values = toFloat32(block, file, 'timeseries');
        if (values.length !== nDates * nRows * width) {
          throw new InputError(file, `short read of "timeseries" rows ${row0}–${row0 + nRows - 1}`);
        }
        return values;
      },
      close() {
        if (!open) return;
        open = false;
        callHdf5(() => h5.close()); // a failure to close a read-only file loses nothing
      },
    };
  } catch (e) {
    callHdf5(() => h5.close()); // nothing to release if it fails
    throw e;
  }
}

/** A 2-D dataset's size, for windowed reads. */
export function h5Dataset2dShape(h5: H5File, file: string, name: string): { width: number; height: number } {
  const ds = getDataset(h5, file, name);
  const shape = asH5InputError(file, `cannot read the shape of "${name}"`, () => ds.shape) ?? [];
  // MintPy sometimes keeps single-epoch rasters as [1, row, col].
  const dims = shape.length === 3 && shape[0] === 1 ? shape.slice(1) : shape;
  if (dims.length !== 2) throw new InputError(file, `dataset "${name}" has shape [${shape.join(', ')}], not 2-D`);
  return { height: dims[0], width: dims[1] };
}

/**
 * Rows row0 … row0 + nRows − 1 of a 2-D dataset as float32 (bool/int masks become 0/1 and
 * integers). Whole dataset when nRows is omitted.
 */
export function readH5Dataset2dFromFile(h5: H5File, file: string, name: string, window?: { row0: number; nRows: number }, opts: { allowRadarCoded?: boolean } = {}): RasterData {
  const ds = getDataset(h5, file, name);
  checkNumeric(ds, file, name);
  const { width, height } = h5Dataset2dShape(h5, file, name);
  const attributes = rootAttributes(h5, file);
  const grid = h5FileGrid(h5, file, attributes, width, height, opts);
  const row0 = window?.row0 ?? 0;
  const nRows = window?.nRows ?? height;
  checkRowBlock(grid, row0, nRows);
  const threeD = (asH5InputError(file, `cannot read the shape of "${name}"`, () => ds.shape) ?? []).length === 3;
  const ranges: [number, number][] = threeD ? [[0, 1], [row0, row0 + nRows], [0, width]] : [[row0, row0 + nRows], [0, width]];
  const values = asH5InputError(file, `cannot read dataset "${name}"`, () => ds.slice(ranges));
  const data = toFloat32(values, file, name);
  const datasetAttrs = asH5InputError(file, `cannot read attributes of "${name}"`, () => {
    const out: Record<string, string> = {};
    for (const [k, a] of Object.entries(ds.attrs)) {
      try { out[k] = attributeText(a.value); } catch { /* unused exotic attribute */ }
    }
    return out;
  });
  const unit = datasetAttrs.UNIT ?? datasetAttrs.units ?? null;
  return {
    grid: window ? { ...grid, height: nRows, geoTransform: shiftRows(grid, row0) } : grid,
    data,
    nodata: null,
    metadata: { ...attributes, ...datasetAttrs },
    unit,
    description: name,
  };
}

/**
 * The grid of a 2-D dataset of an HDF5 file: LiCSBAS's corner_lat/corner_lon/post_lat/post_lon
 * datasets when the file has them (cum.h5), else MintPy's attributes (radar coordinates when
 * allowed and the file has none).
 */
export function h5FileGrid(h5: H5File, file: string, attributes: Record<string, string>, width: number, height: number, opts: { allowRadarCoded?: boolean } = {}): RasterGrid {
  const names = h5DatasetNames(h5, file);
  if (names.includes('corner_lat') || names.includes('corner_lon')) return licsbasGrid(h5, file, width, height);
  return mintpyGrid(attributes, file, width, height, opts);
}

/** A scalar (0-d or one-element) numeric dataset as a number. */
export function readScalar(h5: H5File, file: string, name: string): number {
  const ds = getDataset(h5, file, name);
  checkNumeric(ds, file, name);
  const value = asH5InputError(file, `cannot read dataset "${name}"`, () => ds.value);
  const v = typeof value === 'number' || typeof value === 'bigint' ? Number(value) : ArrayBuffer.isView(value) && (value as unknown as ArrayLike<number>).length === 1 ? Number((value as unknown as ArrayLike<number>)[0]) : NaN;
  if (!Number.isFinite(v)) throw new InputError(file, `dataset "${name}" is not one finite number`);
  return v;
}

/**
 * LiCSBAS's geographic grid (LiCSBAS13_sb_inv.py, from GAMMA's EQA.dem_par): corner_lat and
 * corner_lon are the CENTRE of the first pixel (GAMMA's grid registration), post_lat (negative)
 * and post_lon the pixel size, EPSG:4326. GDAL's geotransform is of the pixel's outer corner,
 * half a post away: x0 = corner_lon − post_lon/2, y0 = corner_lat − post_lat/2 (as LiCSBAS's own
 * GeoTIFF writer, LiCSBAS_flt2geotiff.py, does).
 */
export function licsbasGrid(h5: H5File, file: string, width: number, height: number): RasterGrid {
  const names = h5DatasetNames(h5, file);
  const missing = ['corner_lat', 'corner_lon', 'post_lat', 'post_lon'].filter((n) => !names.includes(n));
  if (missing.length) throw new InputError(file, `no dataset ${missing.map((n) => `"${n}"`).join(', ')}: LiCSBAS writes corner_lat/corner_lon/post_lat/post_lon for a geocoded stack (radar-coded LiCSBAS stacks are not supported)`);
  const [cornerLat, cornerLon, postLat, postLon] = ['corner_lat', 'corner_lon', 'post_lat', 'post_lon'].map((n) => readScalar(h5, file, n));
  if (!(postLat < 0) || !(postLon > 0)) throw new InputError(file, `post_lat=${postLat}, post_lon=${postLon}: LiCSBAS's grid has post_lat < 0 and post_lon > 0`);
  if (Math.abs(cornerLat) > 90 || Math.abs(cornerLon) > 360) throw new InputError(file, `corner_lat=${cornerLat}, corner_lon=${cornerLon} are not degrees`);
  return { width, height, geoTransform: [cornerLon - postLon / 2, postLon, 0, cornerLat - postLat / 2, 0, postLat], epsg: 4326 };
}

function shiftRows(grid: RasterGrid, row0: number): RasterGrid['geoTransform'] {
  const g = grid.geoTransform;
  return [g[0] + row0 * g[2], g[1], g[2], g[3] + row0 * g[5], g[4], g[5]];
}

/** Names of the datasets at the root of the file. */
export function h5DatasetNames(h5: H5File, file: string): string[] {
  return asH5InputError(file, 'corrupt HDF5 file, cannot list its datasets', () => h5.keys().filter((k) => {
    const e = h5.get(k);
    return !!e && 'shape' in e;
  }));
}

/**
 * MintPy geometry (geometryGeo.h5), angles in degrees.
 *
 * incidenceAngle: angle between the LOS and the local vertical at the ground pixel.
 * azimuthAngle (MintPy convention, mintpy/utils/utils0.py): azimuth of the LOS vector from the
 * ground to the satellite, measured from north, anticlockwise positive. For a right-looking
 * Sentinel-1 track that is about +102° ascending and about −102° (i.e. 258°) descending. The
 * flight heading (clockwise from north) is heading = 90° − az, wrapped to [−180°, 180°):
 * see mintpyAzimuthToHeadingDeg.
 */
export interface Geometry {
  grid: RasterGrid;
  incidenceAngleDeg: Float32Array;
  /** Null when the file has no azimuthAngle (older MintPy, ISCE without it). */
  azimuthAngleDeg: Float32Array | null;
  attributes: Record<string, string>;
  /** MintPy's incidenceAngle/azimuthAngle, or angles derived from LiCSBAS's LOS unit vector. */
  kind: 'mintpy' | 'licsbas-los-vector';
  /** Per-pixel latitude/longitude of a radar-coded geometry (geometryRadar.h5), else null. */
  latitudeDeg: Float32Array | null;
  longitudeDeg: Float32Array | null;
}

/** LiCSBAS's LOS unit-vector datasets (E.geo, N.geo, U.geo: ground → satellite, east/north/up). */
export const LICSBAS_LOS_DATASETS = ['E.geo', 'N.geo', 'U.geo'] as const;

/**
 * MintPy's angles from a LOS unit vector per pixel (decomposition.ts losUnitVectorToAngles):
 * incidence = acos U, azimuth = atan2(−E, N), so `vertical` and `compare` use a LiCSBAS track
 * exactly as a MintPy one (their (G1) gives back E, N, U). LiCSBAS writes 0 for no data.
 */
export function anglesFromLosVector(east: Float32Array, north: Float32Array, up: Float32Array): { incidenceAngleDeg: Float32Array; azimuthAngleDeg: Float32Array } {
  const incidenceAngleDeg = new Float32Array(up.length);
  const azimuthAngleDeg = new Float32Array(up.length);
  for (let p = 0; p < up.length; p++) {
    const a = losUnitVectorToAngles(east[p], north[p], up[p]);
    incidenceAngleDeg[p] = a.incidenceDeg;
    azimuthAngleDeg[p] = a.azimuthDeg;
  }
  return { incidenceAngleDeg, azimuthAngleDeg };
}

export function readGeometryFromFile(h5: H5File, file: string, opts: { allowRadarCoded?: boolean } = {}): Geometry {
  const names = h5DatasetNames(h5, file);
  if (!names.includes('incidenceAngle') && LICSBAS_LOS_DATASETS.every((n) => names.includes(n))) {
    const [e, n, u] = LICSBAS_LOS_DATASETS.map((name) => readH5Dataset2dFromFile(h5, file, name));
    const angles = anglesFromLosVector(e.data, n.data, u.data);
    return { grid: u.grid, ...angles, attributes: u.metadata, kind: 'licsbas-los-vector', latitudeDeg: null, longitudeDeg: null };
  }
  if (!names.includes('incidenceAngle')) {
    throw new InputError(file, `no dataset "incidenceAngle": not a MintPy geometry file (nor LiCSBAS's, with E.geo, N.geo, U.geo) (has: ${names.join(', ') || 'nothing'})`);
  }
  const incidence = readH5Dataset2dFromFile(h5, file, 'incidenceAngle', undefined, opts);
  const azimuth = names.includes('azimuthAngle') ? readH5Dataset2dFromFile(h5, file, 'azimuthAngle', undefined, opts) : null;
  let latitudeDeg: Float32Array | null = null;
  let longitudeDeg: Float32Array | null = null;
  if (incidence.grid.radarCoded) {
    const missing = ['latitude', 'longitude'].filter((k) => !names.includes(k));
    if (missing.length) throw new InputError(file, `in radar coordinates but no dataset ${missing.map((k) => `"${k}"`).join(', ')}: a geometryRadar.h5 holds the latitude and longitude of every pixel`);
    const [lat, lon] = ['latitude', 'longitude'].map((k) => readH5Dataset2dFromFile(h5, file, k, undefined, opts));
    for (const [k, r] of [['latitude', lat], ['longitude', lon]] as const) {
      if (r.grid.width !== incidence.grid.width || r.grid.height !== incidence.grid.height) {
        throw new InputError(file, `"${k}" is ${r.grid.width}×${r.grid.height} but "incidenceAngle" is ${incidence.grid.width}×${incidence.grid.height}`);
      }
    }
    latitudeDeg = lat.data;
    longitudeDeg = lon.data;
  }
  // MintPy marks geometry no-data with 0 incidence (outside the swath); 0° is not a SAR
  // incidence angle, so it becomes NaN, as does the azimuth there.
  const inc = incidence.data;
  for (let i = 0; i < inc.length; i++) {
    if (inc[i] === 0) {
      inc[i] = Number.NaN;
      if (azimuth) azimuth.data[i] = Number.NaN;
    }
  }
  return { grid: incidence.grid, incidenceAngleDeg: inc, azimuthAngleDeg: azimuth?.data ?? null, attributes: incidence.metadata, kind: 'mintpy', latitudeDeg, longitudeDeg };
}

/**
 * Flight heading (degrees clockwise from north, [−180, 180)) from MintPy's LOS azimuth angle
 * for a right-looking sensor (utils0.azimuth2heading_angle): the look direction is heading +
 * 90° clockwise; the ground→satellite LOS points the opposite way.
 */
export function mintpyAzimuthToHeadingDeg(azimuthAngleDeg: number): number {
  const heading = 90 - azimuthAngleDeg;
  return ((((heading + 180) % 360) + 360) % 360) - 180;
}
