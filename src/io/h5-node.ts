// Opening HDF5 files in Node with h5wasm's Node build, which reads real paths directly
// (NODERAWFS), so slices read only the bytes they need. Node-only.

import h5wasm from 'h5wasm/node';
import type { File as H5File } from 'h5wasm';
import fs from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../core/errors.ts';
import { checkHdf5Header } from './hdf5-header.ts';
import { fileSizeOrThrow, readBytesAt } from './files-node.ts';
import { callHdf5, innermostHdf5Message, setHdf5TraceCapture, type Hdf5CallOutcome } from './hdf5-trace.ts';

/**
 * h5wasm's Node build (NODERAWFS) prints HDF5's error trace with fs.writeSync(2, …). For the
 * length of one synchronous h5wasm call, writes to fd 2 are collected instead of printed;
 * nothing else can run during a synchronous call, so no other output is swallowed. The
 * trace goes into our error message (its innermost line) rather than onto the terminal.
 */
function captureNodeStderr<T>(fn: () => T): Hdf5CallOutcome<T> {
  const original = fs.writeSync;
  let trace = '';
  const decoder = new TextDecoder();
  const patched = function (this: unknown, fd: number, buffer: unknown, ...rest: unknown[]): number {
    if (fd === 2) {
      if (typeof buffer === 'string') { trace += buffer; return Buffer.byteLength(buffer); }
      const view = buffer as Uint8Array;
      const offset = typeof rest[0] === 'number' ? rest[0] : 0;
      const length = typeof rest[1] === 'number' ? rest[1] : view.byteLength - offset;
      trace += decoder.decode(view.subarray(offset, offset + length));
      return length;
    }
    return (original as (...a: unknown[]) => number).call(fs, fd, buffer, ...rest);
  };
  (fs as { writeSync: unknown }).writeSync = patched;
  try {
    return { ok: true, value: fn(), trace };
  } catch (error) {
    return { ok: false, error, trace };
  } finally {
    fs.writeSync = original;
  }
}

setHdf5TraceCapture(captureNodeStderr);

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
  const outcome = callHdf5(() => new h5wasm.File(resolve(path), 'r'));
  const detail = innermostHdf5Message(outcome.trace);
  if (!outcome.ok) {
    throw new InputError(path, `not a readable HDF5 file: ${detail ?? (outcome.error instanceof Error ? outcome.error.message : String(outcome.error)).split('\n')[0]}`);
  }
  // h5wasm signals a failed open with a negative id rather than an exception.
  if (outcome.value.file_id < 0n) throw new InputError(path, `not a readable HDF5 file${detail ? `: ${detail}` : ''}`);
  return outcome.value;
}

/** Opens, runs `fn`, closes. */
export async function withH5Node<T>(path: string, fn: (h5: H5File) => T): Promise<T> {
  const file = await openH5Node(path);
  try {
    return fn(file);
  } finally {
    callHdf5(() => file.close()); // nothing left to release if it fails
  }
}
