// Small Node file helpers shared by the *-node.ts readers: existence checks that end in a
// one-line InputError, and positional reads for header checks.

import { open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { InputError } from '../core/errors.ts';

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'not found (a parent is not a folder)';
  return `cannot read (${code ?? (e instanceof Error ? e.message : String(e))})`;
}

/** stat, or InputError "<path>: not found". */
export async function statOrThrow(path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (e) {
    throw new InputError(path, reason(e));
  }
}

/** A regular file's size in bytes; InputError when missing or a folder. */
export async function fileSizeOrThrow(path: string): Promise<number> {
  const s = await statOrThrow(path);
  if (s.isDirectory()) throw new InputError(path, 'is a folder, expected a file');
  return s.size;
}

/** Reads up to `length` bytes at `offset` (fewer at the end of the file). */
export async function readBytesAt(path: string, offset: number, length: number): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new InputError(path, reason(e));
  }
  try {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
