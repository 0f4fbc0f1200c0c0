// Output folders that are never half-written (issue 2: "Nothing is left half-written when the
// run fails or is stopped"). Everything goes into a staging folder beside the target, in the
// same parent so the final step is one rename(2) on one file system; the target either does
// not exist, or holds a complete previous run, or holds the complete new one.
//
// On overwrite, the old folder is moved aside, the new one renamed in, then the old deleted:
// a crash between the two renames leaves both complete folders on disk, never a mix.
// While a staging folder exists, SIGINT/SIGTERM remove it and exit 130/143 (128 + signal),
// the shell's convention for "stopped by a signal". Node-only.

import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { renameSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError } from '../core/errors.ts';

export interface OutputStaging {
  /** The staging folder: write every output file here. */
  readonly dir: string;
  /** The folder the outputs will have once committed. */
  readonly outDir: string;
  /** Moves the staging folder into place (replacing an old outDir when overwrite was given). */
  commit(): Promise<void>;
  /** Removes the staging folder and everything in it; outDir is untouched. */
  abort(): Promise<void>;
}

export interface BeginOutputOptions {
  /** Replace an existing outDir (on commit, not before: a failed run keeps the old one). */
  overwrite: boolean;
}

const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** Staging folders alive in this process, removed by the signal handlers. */
const activeStaging = new Set<string>();
const handlers = new Map<NodeJS.Signals, () => void>();

function onSignal(signal: keyof typeof SIGNAL_EXIT_CODES): void {
  // Synchronous on purpose: the process exits right after, so no promise would settle.
  // Renamed first: a write still in flight on libuv's thread pool opens its file by the old path
  // and so can no longer add an entry under the folder being removed (it did, one run in ~20 of
  // test/gpu-device-loss.test.ts's Ctrl-C case: rmSync then met ENOTEMPTY and left the folder).
  for (const dir of activeStaging) {
    let doomed = dir;
    try { renameSync(dir, `${dir}.removing`); doomed = `${dir}.removing`; } catch { /* remove in place */ }
    try { rmSync(doomed, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 }); } catch { /* best effort while dying */ }
  }
  activeStaging.clear();
  process.exit(SIGNAL_EXIT_CODES[signal]);
}

function register(dir: string): void {
  activeStaging.add(dir);
  if (handlers.size === 0) {
    for (const signal of Object.keys(SIGNAL_EXIT_CODES) as (keyof typeof SIGNAL_EXIT_CODES)[]) {
      const handler = (): void => onSignal(signal);
      handlers.set(signal, handler);
      process.on(signal, handler);
    }
  }
}

function unregister(dir: string): void {
  activeStaging.delete(dir);
  if (activeStaging.size === 0) {
    // Leave the process's default signal behaviour once nothing needs cleaning up.
    for (const [signal, handler] of handlers) process.off(signal, handler);
    handlers.clear();
  }
}

async function exists(path: string): Promise<'dir' | 'file' | null> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'file';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new InputError(path, `cannot check (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

function errnoText(e: unknown): string {
  return (e as NodeJS.ErrnoException)?.code ?? (e instanceof Error ? e.message : String(e));
}

/** fsync of a folder makes the renames in it durable (Linux); harmless to skip elsewhere. */
async function syncDir(path: string): Promise<void> {
  try {
    const handle = await open(path, 'r');
    try { await handle.sync(); } finally { await handle.close(); }
  } catch { /* not supported on this platform/file system */ }
}

function uniqueSuffix(): string {
  return `${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * Starts writing an output folder. Refuses an existing `outDir` unless `overwrite`, creates
 * the parent folders if needed, and returns the staging folder to write into.
 */
export async function beginOutput(outDir: string, opts: BeginOutputOptions): Promise<OutputStaging> {
  const target = resolve(outDir);
  const existing = await exists(target);
  if (existing === 'file') throw new InputError(outDir, 'exists and is a file, not a folder');
  if (existing === 'dir' && !opts.overwrite) throw new InputError(outDir, 'exists; use --overwrite');
  const parent = dirname(target);
  try {
    await mkdir(parent, { recursive: true });
  } catch (e) {
    throw new InputError(outDir, `cannot create the parent folder (${errnoText(e)})`);
  }
  const staging = `${target}.partial-${uniqueSuffix()}`;
  try {
    await mkdir(staging);
  } catch (e) {
    throw new InputError(outDir, `cannot create a folder beside it (${errnoText(e)})`);
  }
  register(staging);
  let state: 'open' | 'committed' | 'aborted' = 'open';

  return {
    dir: staging,
    outDir: target,
    async commit() {
      if (state !== 'open') throw new Error(`output ${outDir} already ${state}`);
      const now = await exists(target);
      if (now === 'file') throw new InputError(outDir, 'exists and is a file, not a folder');
      if (now === 'dir' && !opts.overwrite) {
        // Appeared while we ran (another run?): keep theirs, report, and leave ours to abort().
        throw new InputError(outDir, 'exists; use --overwrite');
      }
      await syncDir(staging);
      let aside: string | null = null;
      if (now === 'dir') {
        aside = `${target}.old-${uniqueSuffix()}`;
        try {
          await rename(target, aside);
        } catch (e) {
          throw new InputError(outDir, `cannot move the old folder aside (${errnoText(e)})`);
        }
      }
      try {
        await rename(staging, target);
      } catch (e) {
        if (aside) await rename(aside, target).catch(() => undefined); // put the old one back
        throw new InputError(outDir, `cannot move the new results into place (${errnoText(e)})`);
      }
      state = 'committed';
      unregister(staging);
      await syncDir(parent);
      if (aside) await rm(aside, { recursive: true, force: true });
    },
    async abort() {
      if (state !== 'open') return;
      state = 'aborted';
      try {
        await rm(staging, { recursive: true, force: true });
      } finally {
        unregister(staging);
      }
    },
  };
}

/** Runs `write(stagingDir)` and commits, or aborts on any error and rethrows it. */
export async function withOutput<T>(outDir: string, opts: BeginOutputOptions, write: (dir: string) => Promise<T>): Promise<T> {
  const out = await beginOutput(outDir, opts);
  try {
    const result = await write(out.dir);
    await out.commit();
    return result;
  } catch (e) {
    await out.abort();
    throw e;
  }
}
