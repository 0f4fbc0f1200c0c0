// Single rasters from disk (Node): GeoTIFF bands, and 2-D datasets of MintPy HDF5 files
// (incidence angle, temporal coherence, masks). Node-only; the format logic lives in
// geotiff-read.ts and mintpy-h5.ts.

import { basename } from 'node:path';
import { InputError } from '../core/errors.ts';
import { geoTiffInfo, readGeoTiffRaster, readGeoTiffRows, type GeoTiffInfo, type RasterData } from './geotiff-read.ts';
import { openGeoTiffNode } from './geotiff-node.ts';
import { h5DatasetNames, readGeometryFromFile, readH5Dataset2dFromFile, type Geometry } from './mintpy-h5.ts';
import { withH5Node } from './h5-node.ts';

export type { RasterData } from './geotiff-read.ts';
export type { Geometry } from './mintpy-h5.ts';

export interface ReadRasterOptions {
  /** GeoTIFF band, 1-based as in GDAL (default 1). */
  band?: number;
  /** HDF5 dataset name; default: the file's only 2-D dataset, or the one named like the file. */
  dataset?: string;
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
    return withH5Node(path, (h5) => readH5Dataset2dFromFile(h5, path, opts.dataset ?? pickDataset(path, h5DatasetNames(h5, path))));
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

/** Incidence and azimuth angles (degrees) of a MintPy geometryGeo.h5; see Geometry. */
export function readGeometry(path: string): Promise<Geometry> {
  return withH5Node(path, (h5) => readGeometryFromFile(h5, path));
}
