// Opening HDF5 files in Node with h5wasm's Node build, which reads real paths directly
// (NODERAWFS), so slices read only the bytes they need. Node-only.

import h5wasm from 'h5wasm/node';
import type { File as H5File } from 'h5wasm';
import { resolve } from 'node:path';
import { InputError } from '../core/errors.ts';
import { checkHdf5Header } from './hdf5-header.ts';
import { fileSizeOrThrow, readBytesAt } from './files-node.ts';

let ready: Promise<unknown> | null = null;

/**
 * Opens `path` read-only after checking it exists and that its HDF5 superblock is intact
 * (h5wasm itself prints a trace to stderr and returns an invalid handle for bad files).
 */
export async function openH5Node(path: string): Promise<H5File> {
  const byteLength = await fileSizeOrThrow(path);
  await checkHdf5Header(path, byteLength, (offset, length) => readBytesAt(path, offset, length));
  ready ??= h5wasm.ready;
  await ready;
  let file: H5File;
  try {
    file = new h5wasm.File(resolve(path), 'r');
  } catch (e) {
    throw new InputError(path, `not a readable HDF5 file: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
  }
  // h5wasm signals a failed open with a negative id rather than an exception.
  if (file.file_id < 0n) throw new InputError(path, 'not a readable HDF5 file (the HDF5 library could not open it)');
  return file;
}

/** Opens, runs `fn`, closes. */
export async function withH5Node<T>(path: string, fn: (h5: H5File) => T): Promise<T> {
  const file = await openH5Node(path);
  try {
    return fn(file);
  } finally {
    try { file.close(); } catch { /* nothing left to release */ }
  }
}
