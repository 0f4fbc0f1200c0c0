// Node file writer for Cloud-Optimized GeoTIFFs (CogEncoder, geotiff-write.ts).
//
// Memory stays bounded by the row bands in flight plus the overview pyramid: each band of 256
// rows, once complete, is compressed into its full-resolution tiles and appended to a
// temporary file beside the output (`NAME.tif.tiles.partial`, in the same staging folder, see
// output-dir-node.ts). `close` assembles the COG — header and IFDs, overview tiles, then the
// stored full-resolution tiles band after band — fsyncs it and removes the temporary file.
// On any failure both files are removed: nothing half-written is left.

import { open, rm, type FileHandle } from 'node:fs/promises';
import { deflate } from 'node:zlib';
import type { RasterGrid } from '../core/grid.ts';
import { InputError } from '../core/errors.ts';
import { CogEncoder, encodeGeoTiffAsync, type ByteSink, type CompressedBand, type GeoTiffWriteOptions, type TileDeflate } from './geotiff-write.ts';

/**
 * node:zlib's deflate on libuv's thread pool: the tiles of a row band compress in parallel and
 * beside the main thread (which reads the stack and, on dawn's OpenGL ES backend, waits in the
 * kernel's submit). Measured on a 1000 × 1000 fit: fflate on the main thread was ~1/5 of the
 * main thread's time, and node's zlib is ~1.5× faster per byte (bench/README.md).
 */
export const nodeDeflate: TileDeflate = (predicted, level) => new Promise((resolve, reject) => {
  deflate(predicted, { level }, (error, out) => (error ? reject(error) : resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength))));
});

/** A GeoTIFF being written to disk. Call `close()` once every row is written. */
export interface GeoTiffFileWriter {
  readonly path: string;
  readonly grid: RasterGrid;
  /** Rows of GDAL band `band` (0-based; default 0, the only band of a single-band file). */
  writeRows(row0: number, data: Float32Array | Uint8Array, band?: number): Promise<void>;
  /** Checks every row was written, assembles the COG, fsyncs and closes it. */
  close(): Promise<void>;
  /** Drops everything written so far (on failure; the staging dir is removed anyway). */
  discard(): Promise<void>;
}

class FileSink implements ByteSink {
  constructor(private readonly handle: FileHandle) {}
  async write(offsetBytes: number, bytes: Uint8Array): Promise<void> {
    let done = 0;
    // fs may write less than asked (large buffers); loop until the block is on disk.
    while (done < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done, offsetBytes + done);
      if (bytesWritten <= 0) throw new Error(`short write at byte ${offsetBytes + done}`);
      done += bytesWritten;
    }
  }
}

async function openOrThrow(path: string, flags: string): Promise<FileHandle> {
  try {
    return await open(path, flags);
  } catch (e) {
    throw new InputError(path, `cannot create file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

async function readExactly(handle: FileHandle, at: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(out, done, length - done, at + done);
    if (bytesRead <= 0) throw new Error(`short read at byte ${at + done} of the tile store`);
    done += bytesRead;
  }
  return out;
}

export async function createGeoTiffFile(path: string, grid: RasterGrid, opts: GeoTiffWriteOptions): Promise<GeoTiffFileWriter> {
  // The encoder first: an unusable CRS is refused before any file exists.
  const encoder = new CogEncoder(grid, opts, path, nodeDeflate);
  const storePath = `${path}.tiles.partial`;
  const store = await openOrThrow(storePath, 'w+');
  const storeSink = new FileSink(store);
  /** Where each row band's compressed tiles lie in the store, keyed sample × nBands + band (file order). */
  const bandAt = new Map<number, { at: number; length: number }>();
  let storeEnd = 0;
  let state: 'open' | 'closed' | 'failed' = 'open';

  const removeAll = async (): Promise<void> => {
    await store.close().catch(() => undefined);
    await rm(storePath, { force: true }).catch(() => undefined);
    await rm(path, { force: true }).catch(() => undefined);
  };
  const keep = async (bands: CompressedBand[]): Promise<void> => {
    for (const b of bands) {
      // Reserve the range before awaiting, so concurrent writeRows never overlap.
      const at = storeEnd;
      storeEnd += b.bytes.length;
      bandAt.set(b.sample * encoder.nBands + b.band, { at, length: b.bytes.length });
      await storeSink.write(at, b.bytes);
    }
  };

  return {
    path,
    grid,
    async writeRows(row0, data, band = 0) {
      if (state !== 'open') throw new Error(`GeoTiffFileWriter: ${path} is ${state}; rows ${row0}+ outside the open file`);
      await keep(await encoder.addRowsAsync(row0, data, band));
    },
    async close() {
      if (state === 'closed') return;
      if (state === 'failed') throw new Error(`GeoTiffFileWriter: ${path} was discarded`);
      const layout = await encoder.finishAsync(); // throws on missing rows; the caller then discards
      state = 'closed';
      let out: FileHandle | null = null;
      try {
        out = await openOrThrow(path, 'w');
        const sink = new FileSink(out);
        await sink.write(0, layout.header);
        await sink.write(layout.header.length, layout.overviewBytes);
        let at = layout.fullResOffsetBytes;
        for (let key = 0; key < encoder.nBands * encoder.samples; key++) {
          const stored = bandAt.get(key)!;
          await sink.write(at, await readExactly(store, stored.at, stored.length));
          at += stored.length;
        }
        if (at !== layout.totalBytes) throw new Error(`GeoTiffFileWriter: assembled ${at} bytes, planned ${layout.totalBytes}`);
        await out.sync();
        await out.close();
        out = null;
        await store.close();
        await rm(storePath, { force: true });
      } catch (e) {
        await out?.close().catch(() => undefined);
        await removeAll();
        throw e;
      }
    },
    async discard() {
      if (state === 'closed' || state === 'failed') return;
      state = 'failed';
      await removeAll();
    },
  };
}

/** Writes a whole raster in one go (small products, tests); nothing is left on failure. */
/** `data`: one plane, or one per band (opts.bandDescriptions). */
export async function writeGeoTiffFile(path: string, grid: RasterGrid, data: Float32Array | Uint8Array | (Float32Array | Uint8Array)[], opts: GeoTiffWriteOptions): Promise<void> {
  const bytes = await encodeGeoTiffAsync(grid, data, opts, path, nodeDeflate);
  const handle = await openOrThrow(path, 'w');
  try {
    await new FileSink(handle).write(0, bytes);
    await handle.sync();
    await handle.close();
  } catch (e) {
    await handle.close().catch(() => undefined);
    await rm(path, { force: true }).catch(() => undefined);
    throw e;
  }
}
