// Opening HDF5 files in Node with h5wasm's Node build, which reads real paths directly
// (NODERAWFS), so slices read only the bytes they need. Node-only.

import h5wasm from 'h5wasm/node';
import type { File as H5File } from 'h5wasm';
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
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

/** How long the metadata probe may take: a valid file's metadata reads in milliseconds. */
export const HDF5_PROBE_LIMIT_MS = 15_000;
const probed = new Map<string, Promise<void>>();

/**
 * Reads `path`'s HDF5 metadata once in a worker thread (io/h5-probe-worker.mjs) with a time limit,
 * before h5wasm touches it on this thread: HDF5 1.14.6 loops forever on some damaged files (a
 * global-heap free-space object of size 0, met by the fuzz test in a MintPy file's attribute
 * heap), and a synchronous wasm call here could never be interrupted — the command would hang.
 * A probe that does not finish in time is terminated and the file refused in one line. Errors
 * the probe meets are left to the real open, which words them. Once per file and process.
 */
export function probeHdf5Metadata(path: string, stamp: string): Promise<void> {
  const key = `${resolve(path)}\u0000${stamp}`;
  let probe = probed.get(key);
  if (!probe) {
    probe = new Promise<void>((done, fail) => {
      const worker = new Worker(new URL('./h5-probe-worker.mjs', import.meta.url), { workerData: { path: resolve(path) }, stderr: true, stdout: true });
      worker.stderr.resume();
      worker.stdout.resume();
      const timer = setTimeout(() => {
        void worker.terminate();
        fail(new InputError(path, `damaged HDF5 file: the HDF5 library did not finish reading its metadata in ${HDF5_PROBE_LIMIT_MS / 1000} s (a corrupt heap or index that it loops on)`));
      }, HDF5_PROBE_LIMIT_MS);
      const finish = () => { clearTimeout(timer); void worker.terminate(); done(); };
      worker.once('message', finish);
      worker.once('error', finish);
      worker.once('exit', finish);
    });
    probed.set(key, probe);
  }
  return probe;
}

/**
 * Opens `path` read-only after checking it exists and that its HDF5 superblock is intact
 * (h5wasm itself prints a trace to stderr and returns an invalid handle for bad files).
 */
export async function openH5Node(path: string): Promise<H5File> {
  const byteLength = await fileSizeOrThrow(path);
  await checkHdf5Header(path, byteLength, (offset, length) => readBytesAt(path, offset, length));
  const mtimeMs = fs.statSync(path).mtimeMs;
  await probeHdf5Metadata(path, `${byteLength}:${mtimeMs}`);
  ready ??= h5wasm.ready.then(installFilterPlugins);
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

/**
 * HDF5's LZF filter (and the other plugin filters of h5wasm-plugins: blosc, lz4, zstd, bshuf …):
 * MintPy writes ifgramStack.h5's connectComponent LZF-compressed, and h5wasm without the plugin
 * returns an undecoded buffer instead of failing. Once per process, before the first file opens.
 */
async function installFilterPlugins(module: unknown): Promise<void> {
  const plugins = (await import('h5wasm-plugins')) as { install_local_plugins(m: unknown): void };
  plugins.install_local_plugins(module);
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
