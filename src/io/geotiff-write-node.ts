// Node file sink for GeoTiffStreamWriter: positional writes into a file sized up front, fsync
// on close so a committed output folder (output-dir-node.ts) holds complete files.

import { open, type FileHandle } from 'node:fs/promises';
import type { RasterGrid } from '../core/grid.ts';
import { InputError } from '../core/errors.ts';
import { encodeGeoTiff, GeoTiffStreamWriter, type ByteSink, type GeoTiffWriteOptions } from './geotiff-write.ts';

/** A GeoTIFF being written to disk. Call `close()` once every row is written. */
export interface GeoTiffFileWriter {
  readonly path: string;
  readonly grid: RasterGrid;
  writeRows(row0: number, data: Float32Array | Uint8Array): Promise<void>;
  /** Checks every row was written, fsyncs and closes the file. */
  close(): Promise<void>;
  /** Closes the file without the completeness check (on failure; the staging dir is removed). */
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

export async function createGeoTiffFile(path: string, grid: RasterGrid, opts: GeoTiffWriteOptions): Promise<GeoTiffFileWriter> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'w');
  } catch (e) {
    throw new InputError(path, `cannot create file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    const writer = await GeoTiffStreamWriter.open(new FileSink(handle), grid, opts);
    // Size the file now: rows may arrive out of order, and a full disk fails here, early.
    await handle.truncate(writer.layout.totalBytes);
    let closed = false;
    return {
      path,
      grid,
      writeRows: (row0, data) => writer.writeRows(row0, data),
      async close() {
        if (closed) return;
        writer.finish();
        closed = true;
        await handle.sync();
        await handle.close();
      },
      async discard() {
        if (closed) return;
        closed = true;
        await handle.close().catch(() => undefined);
      },
    };
  } catch (e) {
    await handle.close().catch(() => undefined);
    throw e;
  }
}

/** Writes a whole raster in one go (small products, tests). */
export async function writeGeoTiffFile(path: string, grid: RasterGrid, data: Float32Array | Uint8Array, opts: GeoTiffWriteOptions): Promise<void> {
  const bytes = encodeGeoTiff(grid, data, opts);
  const handle = await open(path, 'w');
  try {
    await new FileSink(handle).write(0, bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
