// Opening the user's files in the browser (inside the fit worker): a MintPy timeseries.h5
// through h5wasm, a set of per-date GeoTIFFs through geotiff.js, and single rasters (mask,
// incidence) of either kind. The format logic lives in src/io/; this module only turns File
// objects into what those readers take, and makes every failure a one-line InputError that
// names the file, so the page can show it instead of a blank map.
import h5wasm, { FS as h5FS } from 'h5wasm';
import type { File as H5File } from 'h5wasm';
import { fromBlob } from 'geotiff';
import { InputError } from '../core/errors.ts';
import { describeGrid, sameGrid, type RasterGrid } from '../core/grid.ts';
import { checkHdf5Bytes } from '../io/hdf5-header.ts';
import { mintpyStackFromH5, h5DatasetNames, readH5Dataset2dFromFile } from '../io/mintpy-h5.ts';
import { geotiffFolderStack, isTiffName, type TiffEntry } from '../io/geotiff-stack.ts';
import { readGeoTiffRaster, type RasterData } from '../io/geotiff-read.ts';
import type { StackSource } from '../io/stack.ts';

const HDF5_NAME = /\.(h5|he5|hdf5|hdf)$/i;

let fileCounter = 0;

/**
 * Copies a File into h5wasm's in-memory file system and opens it. The whole file is held in
 * wasm memory (h5wasm's browser build has no lazy file backend), which is fine for the stacks
 * one opens in a browser tab; the CLI reads large stacks slice by slice from disk instead.
 */
async function openH5(file: File): Promise<H5File> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  await checkHdf5Bytes(file.name, bytes);
  await h5wasm.ready;
  // A live binding: set once the wasm module is ready.
  const FS = h5FS!;
  const fsPath = `/upload-${++fileCounter}.h5`;
  FS.writeFile(fsPath, bytes);
  let h5: H5File;
  try {
    h5 = new h5wasm.File(fsPath, 'r');
  } catch (e) {
    FS.unlink(fsPath);
    throw new InputError(file.name, `not a readable HDF5 file: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
  }
  // h5wasm signals a failed open with a negative id rather than an exception.
  if (h5.file_id < 0n) {
    FS.unlink(fsPath);
    throw new InputError(file.name, 'not a readable HDF5 file (the HDF5 library could not open it)');
  }
  // Free the in-memory copy when the file is closed.
  const close = h5.close.bind(h5);
  h5.close = () => {
    try { return close(); } finally { try { FS.unlink(fsPath); } catch { /* already gone */ } }
  };
  return h5;
}

function isTiffFile(file: File): boolean {
  return isTiffName(file.name);
}

/** Which stack the user picked, in words for errors and the summary. */
export function describeStackFiles(files: File[]): string {
  if (files.length === 1) return files[0].name;
  return `${files.length} files (${files[0].name} … ${files[files.length - 1].name})`;
}

/**
 * A displacement stack from the files picked or dropped: one MintPy HDF5 file, or several
 * GeoTIFFs with YYYYMMDD in their names (all on one grid).
 */
export async function openStackFiles(files: File[]): Promise<StackSource> {
  if (files.length === 0) throw new InputError('stack', 'no file selected');
  const tiffs = files.filter(isTiffFile);
  if (tiffs.length > 0) {
    const others = files.filter((f) => !isTiffFile(f));
    if (others.length) throw new InputError(others[0].name, 'mixed with GeoTIFFs: give either one timeseries.h5 or the per-date GeoTIFFs');
    if (tiffs.length === 1) {
      throw new InputError(tiffs[0].name, 'a single GeoTIFF is not a stack: select all the per-date GeoTIFFs together');
    }
    const entries: TiffEntry[] = tiffs.map((f) => ({ name: f.name, path: f.name, byteLength: f.size, open: () => fromBlob(f) }));
    return geotiffFolderStack(describeStackFiles(tiffs), entries);
  }
  if (files.length > 1) {
    throw new InputError(describeStackFiles(files), 'several files that are not GeoTIFFs: give one MintPy timeseries.h5, or per-date GeoTIFFs');
  }
  const file = files[0];
  return mintpyStackFromH5(await openH5(file), file.name);
}

/** Known MintPy single-raster datasets, so a temporalCoherence.h5 or geometryGeo.h5 just works. */
const DEFAULT_DATASETS = ['temporalCoherence', 'mask', 'incidenceAngle', 'coherence'];

function pickDataset(fileName: string, names: string[], preferred: string | undefined): string {
  if (preferred && names.includes(preferred)) return preferred;
  if (names.length === 1) return names[0];
  const stem = fileName.replace(/\.[^.]+$/, '');
  if (names.includes(stem)) return stem;
  const known = DEFAULT_DATASETS.find((n) => names.includes(n));
  if (known) return known;
  throw new InputError(fileName, `several datasets (${names.join(', ')}) and none is ${preferred ?? 'a known one'}`);
}

/**
 * A single raster (mask, incidence): a GeoTIFF band 1, or a 2-D dataset of an HDF5 file
 * (`preferred` first, e.g. incidenceAngle of a geometryGeo.h5), checked against the stack's grid.
 */
export async function readAlignedRaster(file: File, grid: RasterGrid, preferred?: string): Promise<RasterData> {
  let raster: RasterData;
  if (isTiffFile(file)) {
    const tiff = await fromBlob(file).catch((e: unknown) => {
      throw new InputError(file.name, `not a readable TIFF: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
    });
    try {
      raster = await readGeoTiffRaster(tiff, file.name, file.size);
    } finally {
      tiff.close();
    }
  } else if (HDF5_NAME.test(file.name) || file.size >= 8) {
    const h5 = await openH5(file);
    try {
      raster = readH5Dataset2dFromFile(h5, file.name, pickDataset(file.name, h5DatasetNames(h5, file.name), preferred));
    } finally {
      h5.close();
    }
  } else {
    throw new InputError(file.name, 'neither a GeoTIFF nor an HDF5 file');
  }
  if (!sameGrid(raster.grid, grid)) {
    throw new InputError(file.name, `grid differs from the stack's (${describeGrid(raster.grid)} vs ${describeGrid(grid)})`);
  }
  return raster;
}
