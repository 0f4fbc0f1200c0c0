// Single rasters from disk (Node): GeoTIFF bands, and 2-D datasets of MintPy HDF5 files
// (incidence angle, temporal coherence, masks). Node-only; the format logic lives in
// geotiff-read.ts and mintpy-h5.ts.

import { basename, dirname, join } from 'node:path';
import { describeGrid, sameGrid } from '../core/grid.ts';
import { InputError } from '../core/errors.ts';
import { geoTiffInfo, readGeoTiffRaster, readGeoTiffRows, type GeoTiffInfo, type RasterData } from './geotiff-read.ts';
import { openGeoTiffNode } from './geotiff-node.ts';
import { anglesFromLosVector, h5DatasetNames, readGeometryFromFile, readH5Dataset2dFromFile, type Geometry } from './mintpy-h5.ts';
import { withH5Node } from './h5-node.ts';

export type { RasterData } from './geotiff-read.ts';
export type { Geometry } from './mintpy-h5.ts';

export interface ReadRasterOptions {
  /** GeoTIFF band, 1-based as in GDAL (default 1). */
  band?: number;
  /** HDF5 dataset name; default: the file's only 2-D dataset, or the one named like the file. */
  dataset?: string;
  /** An HDF5 file without X_FIRST… is in radar coordinates (for a radar-coded stack), not refused. */
  allowRadarCoded?: boolean;
}

export function isHdf5Path(path: string): boolean {
  return /\.(h5|he5|hdf5|hdf)$/i.test(path);
}

/**
 * Known MintPy single-raster files and the dataset to use, so `--mask temporalCoherence.h5`
 * or `--incidence geometryGeo.h5` work without naming the dataset.
 */
const DEFAULT_DATASETS = ['temporalCoherence', 'mask', 'incidenceAngle', 'coherence', 'velocity'];

function pickDataset(path: string, names: string[]): string {
  if (names.length === 1) return names[0];
  const stem = basename(path).replace(/\.[^.]+$/, '');
  if (names.includes(stem)) return stem;
  const known = DEFAULT_DATASETS.find((n) => names.includes(n));
  if (known) return known;
  throw new InputError(path, `several datasets (${names.join(', ')}); say which one`);
}

/** A whole raster: GeoTIFF band (nodata → NaN) or an HDF5 2-D dataset. */
export async function readRaster(path: string, opts: ReadRasterOptions = {}): Promise<RasterData> {
  if (isHdf5Path(path)) {
    return withH5Node(path, (h5) => readH5Dataset2dFromFile(h5, path, opts.dataset ?? pickDataset(path, h5DatasetNames(h5, path)), undefined, { allowRadarCoded: opts.allowRadarCoded }));
  }
  const { tiff, byteLength } = await openGeoTiffNode(path);
  try {
    return await readGeoTiffRaster(tiff, path, byteLength, (opts.band ?? 1) - 1);
  } finally {
    tiff.close();
  }
}

/** A raster kept open for windowed row reads (masks and angles read tile by tile). */
export interface RasterRowReader {
  info: Pick<GeoTiffInfo, 'grid' | 'nodata' | 'metadata' | 'unit' | 'description'>;
  readRows(row0: number, nRows: number): Promise<Float32Array>;
  close(): void;
}

export async function openRasterRows(path: string, opts: ReadRasterOptions = {}): Promise<RasterRowReader> {
  if (isHdf5Path(path)) {
    // h5wasm reads are synchronous and cheap to reopen; keep no handle between tiles.
    const whole = await readRaster(path, { ...opts, dataset: opts.dataset });
    const { grid } = whole;
    return {
      info: whole,
      async readRows(row0, nRows) {
        return whole.data.slice(row0 * grid.width, (row0 + nRows) * grid.width);
      },
      close() { /* nothing held */ },
    };
  }
  const { tiff, byteLength } = await openGeoTiffNode(path);
  const band = (opts.band ?? 1) - 1;
  let info: GeoTiffInfo;
  try {
    info = await geoTiffInfo(tiff, path, byteLength, band);
  } catch (e) {
    tiff.close();
    throw e;
  }
  return {
    info,
    readRows: (row0, nRows) => readGeoTiffRows(tiff, path, info, row0, nRows, band),
    close: () => { tiff.close(); },
  };
}

/** One 2-D dataset of an HDF5 file, optionally a window of rows. */
export function readH5Dataset2d(path: string, name: string, window?: { row0: number; nRows: number }): Promise<RasterData> {
  return withH5Node(path, (h5) => readH5Dataset2dFromFile(h5, path, name, window));
}

/**
 * Incidence and azimuth angles (degrees), see Geometry: a MintPy geometryGeo.h5 (or
 * geometryRadar.h5 where allowed, with latitude/longitude), a LiCSBAS cum.h5 with E.geo, N.geo,
 * U.geo, or one of three GeoTIFFs of that LOS unit vector (LiCSAR's FRAME.geo.E.tif,
 * FRAME.geo.N.tif, FRAME.geo.U.tif, or E.geo.tif …: any name whose E/N/U token, between dots,
 * underscores or the start, names the component; the other two are found beside it).
 */
export async function readGeometry(path: string, opts: { allowRadarCoded?: boolean } = {}): Promise<Geometry> {
  if (!isHdf5Path(path) && /\.tiff?$/i.test(path)) return readLosVectorGeoTiffs(path);
  return withH5Node(path, (h5) => readGeometryFromFile(h5, path, opts));
}

/** The paths of the E, N and U GeoTIFFs of a LOS unit vector given one of them, or null. */
export function losVectorSiblings(path: string): { east: string; north: string; up: string } | null {
  const dir = dirname(path);
  const name = basename(path);
  const m = /^(.*?(?:^|[._]))([ENU])((?:[._][^/]*)?\.tiff?)$/i.exec(name);
  if (!m) return null;
  const upper = m[2] === m[2].toUpperCase();
  const named = (c: string) => join(dir, m[1] + (upper ? c : c.toLowerCase()) + m[3]);
  return { east: named('E'), north: named('N'), up: named('U') };
}

async function readLosVectorGeoTiffs(path: string): Promise<Geometry> {
  const files = losVectorSiblings(path);
  if (!files) throw new InputError(path, 'a GeoTIFF geometry is the LOS unit vector as three files named with E, N and U (e.g. FRAME.geo.E.tif, FRAME.geo.N.tif, FRAME.geo.U.tif)');
  const [east, north, up] = [await readRaster(files.east), await readRaster(files.north), await readRaster(files.up)];
  for (const [file, r] of [[files.east, east], [files.north, north]] as const) {
    if (!sameGrid(r.grid, up.grid)) throw new InputError(file, `grid differs from ${basename(files.up)}'s (${describeGrid(r.grid)} vs ${describeGrid(up.grid)})`);
  }
  const angles = anglesFromLosVector(east.data, north.data, up.data);
  return { grid: up.grid, ...angles, attributes: up.metadata, kind: 'licsbas-los-vector', latitudeDeg: null, longitudeDeg: null };
}

/** Whether an HDF5 file has all of these root datasets. */
export function h5HasDatasets(path: string, names: readonly string[]): Promise<boolean> {
  return withH5Node(path, (h5) => {
    const present = h5DatasetNames(h5, path);
    return names.every((n) => present.includes(n));
  });
}
