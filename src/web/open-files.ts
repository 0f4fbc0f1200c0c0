// Opening the user's files in the browser (inside the fit worker): a MintPy timeseries.h5 or a
// LiCSBAS cum.h5 / cum_filt.h5 through h5wasm, a set of per-date GeoTIFFs through geotiff.js,
// and single rasters (mask, incidence) of either kind. The format logic lives in src/io/ (the
// same readers the CLI uses); this module only turns File objects into what those readers take,
// and makes every failure a one-line InputError that names the file, so the page can show it
// instead of a blank map.
//
// Files are read where they lie, never copied whole: an HDF5 file is mounted with Emscripten's
// WORKERFS (a File read synchronously, slice by slice, with FileReaderSync, which exists only in
// workers), so the wasm heap holds only the row block being read; GeoTIFFs are read by range
// (geotiff.js fromBlob reads Blob slices). A multi-GB stack therefore opens in a tab.
/// <reference lib="webworker" />
import h5wasm, { FS as h5FS, Module as h5Module } from 'h5wasm';
import type { File as H5File } from 'h5wasm';
import { fromBlob } from 'geotiff';
import { InputError } from '../core/errors.ts';
import { describeGrid, sameGrid, type RasterGrid } from '../core/grid.ts';
import { checkHdf5Header } from '../io/hdf5-header.ts';
import { mintpyStackFromH5, h5DatasetNames, readH5Dataset2dFromFile } from '../io/mintpy-h5.ts';
import { isLicsbasH5, licsbasStackFromH5 } from '../io/licsbas-h5.ts';
import { geotiffFolderStack, isTiffName, type TiffEntry } from '../io/geotiff-stack.ts';
import { readGeoTiffRaster, type RasterData } from '../io/geotiff-read.ts';
import type { StackSource } from '../io/stack.ts';
import { ReadAheadFile, type ReadAheadStats } from './read-ahead.ts';

const HDF5_NAME = /\.(h5|he5|hdf5|hdf)$/i;

let mountCounter = 0;

/** Bytes [offset, offset + length) of a File (fewer at its end), read by slice. */
async function readFileBytes(file: Blob, offset: number, length: number): Promise<Uint8Array> {
  return new Uint8Array(await file.slice(offset, offset + length).arrayBuffer());
}

/**
 * Size of h5wasm's wasm heap in bytes (it only grows): what reading the file has cost the worker.
 * The browser test asserts it stays far below the size of the stack (null before h5wasm loads).
 */
export function h5wasmHeapBytes(): number | null {
  const heap = (h5Module as unknown as { HEAPU8?: Uint8Array } | undefined)?.HEAPU8;
  return heap ? heap.byteLength : null;
}

/** The read-ahead of each mounted File (read-ahead.ts), and the totals of the files closed. */
const readAheadByFile = new Map<Blob, ReadAheadFile>();
const closedStats: ReadAheadStats = { fetches: 0, bytesFetched: 0, reads: 0 };

/** HDF5's reads of mounted files so far: calls, and the FileReaderSync fetches that served them. */
export function h5ReadStats(): ReadAheadStats {
  const total = { ...closedStats };
  for (const f of readAheadByFile.values()) {
    total.fetches += f.stats.fetches;
    total.bytesFetched += f.stats.bytesFetched;
    total.reads += f.stats.reads;
  }
  return total;
}

type WorkerFsStream = { node: { contents: Blob } };
let readAheadInstalled = false;

/** Puts read-ahead.ts under WORKERFS's read(), once (its stream_ops are shared by every file). */
function installReadAhead(FS: NonNullable<typeof h5FS>): void {
  if (readAheadInstalled) return;
  readAheadInstalled = true;
  const reader = new FileReaderSync();
  const ops = (FS.filesystems as { WORKERFS: { stream_ops: { read: unknown } } }).WORKERFS.stream_ops;
  ops.read = (stream: WorkerFsStream, buffer: Uint8Array, offset: number, length: number, position: number): number => {
    const file = stream.node.contents;
    let cached = readAheadByFile.get(file);
    if (!cached) {
      cached = new ReadAheadFile(file.size, (start, end) => new Uint8Array(reader.readAsArrayBuffer(file.slice(start, end))));
      readAheadByFile.set(file, cached);
    }
    return cached.read(buffer, offset, length, position);
  };
}

/**
 * Mounts a File with WORKERFS in its own directory and opens it with h5wasm. HDF5 then reads it
 * through WORKERFS's read() (with read-ahead, read-ahead.ts), by FileReaderSync slices: the file
 * is never in memory whole. The superblock is checked first from two small slices (hdf5-header.ts), since
 * h5wasm answers a bad file with a trace and a negative id rather than an error.
 */
async function openH5(file: File): Promise<H5File> {
  await checkHdf5Header(file.name, file.size, (offset, length) => readFileBytes(file, offset, length));
  await h5wasm.ready;
  // A live binding: set once the wasm module is ready.
  const FS = h5FS!;
  installReadAhead(FS);
  const mountPoint = `/in-${++mountCounter}`;
  FS.mkdir(mountPoint);
  FS.mount(FS.filesystems.WORKERFS, { files: [file] }, mountPoint);
  const release = (): void => {
    const cached = readAheadByFile.get(file);
    if (cached) {
      closedStats.fetches += cached.stats.fetches;
      closedStats.bytesFetched += cached.stats.bytesFetched;
      closedStats.reads += cached.stats.reads;
      readAheadByFile.delete(file);
    }
    try { FS.unmount(mountPoint); FS.rmdir(mountPoint); } catch { /* already gone */ }
  };
  let h5: H5File;
  try {
    h5 = new h5wasm.File(`${mountPoint}/${file.name}`, 'r');
  } catch (e) {
    release();
    throw new InputError(file.name, `not a readable HDF5 file: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
  }
  // h5wasm signals a failed open with a negative id rather than an exception.
  if (h5.file_id < 0n) {
    release();
    throw new InputError(file.name, 'not a readable HDF5 file (the HDF5 library could not open it)');
  }
  // Unmount when the file is closed.
  const close = h5.close.bind(h5);
  h5.close = () => {
    try { return close(); } finally { release(); }
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
 * A displacement stack from the files picked or dropped: one MintPy timeseries.h5 or LiCSBAS
 * cum.h5 / cum_filt.h5 (told apart by their datasets, as the CLI's openStack does), or several
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
    throw new InputError(describeStackFiles(files), 'several files that are not GeoTIFFs: give one MintPy timeseries.h5 or LiCSBAS cum.h5, or per-date GeoTIFFs');
  }
  const file = files[0];
  const h5 = await openH5(file);
  return isLicsbasH5(h5) ? licsbasStackFromH5(h5, file.name) : mintpyStackFromH5(h5, file.name);
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
