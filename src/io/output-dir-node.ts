// Output folders that are never half-written (issue 2: "Nothing is left half-written when the
// run fails or is stopped"). Everything goes into a staging folder beside the target, in the
// same parent so the final step is one rename(2) on one file system; the target either does
// not exist, or holds a complete previous run, or holds the complete new one.
//
// On overwrite, the old folder is moved aside, the new one renamed in, then the old deleted:
// a crash between the two renames leaves both complete folders on disk, never a mix.
// While a staging folder exists, SIGINT/SIGTERM remove it and exit 130/143 (128 + signal),
// the shell's convention for "stopped by a signal". Node-only.
//
// Every job writes through `withOutput` (one helper: begin, write, commit, or abort on error).
//
// Staging folders of killed runs (issue 20). SIGKILL — what Slurm sends a preempted job after
// its grace time — runs no handler, so the staging folder stays. Each staging folder therefore
// holds an owner file (OWNER_FILE: host, boot id, pid namespace, pid, the process's start time)
// whose mtime is a heartbeat, rewritten every HEARTBEAT_MS while the run lives. A new run for
// the same output sweeps the siblings `<name>.partial-*` it can prove dead:
//
//  - owner on this machine (same host name, same kernel boot id, same pid namespace): removed
//    when its pid is gone, or is now another process (its start time in /proc differs: pid
//    reuse, common in containers where every run is pid 7). A live pid is never touched, however
//    old its heartbeat (a run stopped with SIGSTOP or Slurm's suspend beats no more, yet lives).
//  - owner on another machine (a cluster node on a shared file system: its pid cannot be
//    checked from here), or no readable owner file (a folder of a version before this one, or
//    one caught in the instants before its owner file is written / after it is removed at
//    commit): removed only when the heartbeat (the owner file's mtime, else the folder's) is
//    older than STALE_MS = 24 h. The age is measured against the mtime of the owner file this
//    run has just written on the same file system, not against this node's clock, so clock
//    skew between nodes does not enter (NFS stamps writes with the server's clock). 24 h is far
//    above every way a live run can miss beats — NFS attribute caching (about a minute), an
//    event loop busy in one long synchronous step (minutes), a job suspended for a while — and
//    short enough that debris goes with the next day's run. A lock file alone would not do:
//    locks (flock/fcntl) are not reliable across nodes on NFS, and a pid means nothing on
//    another node; an age rule alone would leave same-node debris for a day.
//
// `<name>.old-*` (the previous results moved aside during a commit) are swept too, but only
// while `<name>` itself is a folder: the committer needs its aside folder back only when the
// rename into place failed, which is when `<name>` is missing.

import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { readFileSync, readlinkSync, renameSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError } from '../core/errors.ts';

export interface OutputStaging {
  /** The staging folder: write every output file here. */
  readonly dir: string;
  /** The folder the outputs will have once committed. */
  readonly outDir: string;
  /** 'open' until commit() or abort() has run. */
  readonly state: 'open' | 'committed' | 'aborted';
  /** Staging folders of killed runs removed when this one began (see the header). */
  readonly swept: readonly string[];
  /** Moves the staging folder into place (replacing an old outDir when overwrite was given). */
  commit(): Promise<void>;
  /** Removes the staging folder and everything in it; outDir is untouched. */
  abort(): Promise<void>;
}

export interface BeginOutputOptions {
  /** Replace an existing outDir (on commit, not before: a failed run keeps the old one). */
  overwrite: boolean;
  /** Heartbeat age after which a foreign or ownerless staging folder is swept (tests). */
  staleMs?: number;
  /** How often the owner file's heartbeat is rewritten (tests). */
  heartbeatMs?: number;
}

export interface WithOutputOptions extends BeginOutputOptions {
  /** Runs when `write` failed, before the staging folder is removed (close open files). */
  beforeAbort?: () => Promise<void> | void;
}

/** The owner file inside each staging folder; removed before the commit's rename. */
export const OWNER_FILE = '.permasar-staging.json';
export const HEARTBEAT_MS = 60_000;
export const STALE_MS = 24 * 3600_000;

/** Who owns a staging folder: enough to tell, from this machine, whether it is still alive. */
export interface StagingOwner {
  software: 'permasar';
  host: string;
  /** /proc/sys/kernel/random/boot_id (Linux): tells a reboot or another machine of the same name. */
  bootId: string | null;
  /** /proc/self/ns/pid (Linux): pids of another container on the same machine cannot be checked. */
  pidNamespace: string | null;
  pid: number;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat, field 22): tells pid reuse. */
  processStart: string | null;
  started: string;
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

/** Removes a staging folder: renamed aside first, for the reason given in onSignal. */
async function removeStaging(dir: string): Promise<void> {
  let doomed = dir;
  try { await rename(dir, `${dir}.removing`); doomed = `${dir}.removing`; } catch { /* remove in place */ }
  await rm(doomed, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
}

// ---- owners and the sweep ----

function readOr(read: () => string): string | null {
  try { return read().trim(); } catch { return null; }
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces). */
function processStartOf(pid: number | 'self'): string | null {
  const text = readOr(() => readFileSync(`/proc/${pid}/stat`, 'utf8'));
  if (text === null) return null;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? null; // fields[0] is field 3 (state)
}

let thisOwnerCache: Omit<StagingOwner, 'started'> | null = null;
function thisOwner(): StagingOwner {
  thisOwnerCache ??= {
    software: 'permasar',
    host: hostname(),
    bootId: readOr(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')),
    pidNamespace: readOr(() => readlinkSync('/proc/self/ns/pid')),
    pid: process.pid,
    processStart: processStartOf('self'),
  };
  return { ...thisOwnerCache, started: new Date().toISOString() };
}

function parseOwner(text: string): StagingOwner | null {
  try {
    const o = JSON.parse(text) as Partial<StagingOwner>;
    if (o?.software !== 'permasar' || typeof o.host !== 'string' || !Number.isInteger(o.pid)) return null;
    return o as StagingOwner;
  } catch {
    return null; // half-written or not ours: judged by age
  }
}

/** The owner runs on this machine, where its pid can be checked. */
function onThisMachine(owner: StagingOwner, me: StagingOwner): boolean {
  return owner.host === me.host && (owner.bootId ?? null) === me.bootId && (owner.pidNamespace ?? null) === me.pidNamespace;
}

/** Whether the owner's process still runs (on this machine). */
function ownerAlive(owner: StagingOwner): boolean {
  if (owner.processStart && thisOwnerCache?.processStart) {
    // /proc is there: the pid is alive and the same process only if its start time matches.
    const now = processStartOf(owner.pid);
    if (now !== null) return now === owner.processStart;
  }
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

type Verdict = 'keep' | 'remove';

/** `<name>` + these: the staging folders (uniqueSuffix, maybe renamed for removal) and aside folders. */
const STAGING_NAME = /^\.partial-\d+-[0-9a-f]{8}(\.removing)?$/;
const ASIDE_NAME = /^\.old-\d+-[0-9a-f]{8}$/;

/** Judges one sibling staging folder (see the header for the rule). */
async function judgeStaging(dir: string, me: StagingOwner, nowMs: number, staleMs: number): Promise<Verdict> {
  let owner: StagingOwner | null = null;
  let beatMs: number;
  try {
    const file = join(dir, OWNER_FILE);
    beatMs = (await stat(file)).mtimeMs;
    owner = parseOwner(await readFile(file, 'utf8'));
  } catch {
    try { beatMs = (await stat(dir)).mtimeMs; } catch { return 'keep'; } // gone meanwhile
  }
  if (owner && onThisMachine(owner, me)) return ownerAlive(owner) ? 'keep' : 'remove';
  return nowMs - beatMs > staleMs ? 'remove' : 'keep';
}

async function sweepSiblings(target: string, ownStaging: string, me: StagingOwner, nowMs: number, staleMs: number): Promise<string[]> {
  const parent = dirname(target);
  const name = basename(target);
  let names: string[];
  try { names = await readdir(parent); } catch { return []; }
  const swept: string[] = [];
  for (const entry of names) {
    const path = join(parent, entry);
    if (path === ownStaging || activeStaging.has(path) || !entry.startsWith(name)) continue;
    // Only names this module makes (a user's own `results.old-2023` beside `results` is theirs).
    const kind = STAGING_NAME.test(entry.slice(name.length)) ? 'partial' : ASIDE_NAME.test(entry.slice(name.length)) ? 'old' : null;
    if (kind === null) continue;
    let verdict: Verdict = 'keep';
    try {
      if (kind === 'partial') {
        if ((await exists(path)) !== 'dir') continue;
        verdict = await judgeStaging(path, me, nowMs, staleMs);
      } else {
        if ((await exists(path)) !== 'dir') continue;
        verdict = (await exists(target)) === 'dir' ? 'remove' : 'keep';
      }
      if (verdict === 'remove') {
        await rm(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
        swept.push(path);
      }
    } catch { /* the sweep is best effort: never the reason a run fails */ }
  }
  return swept;
}

/** Writes the owner file and rewrites it every `intervalMs` (same bytes, in place: a new mtime). */
async function startHeartbeat(staging: string, owner: StagingOwner, intervalMs: number): Promise<{ stop(): Promise<void>; beatMs: number }> {
  const file = join(staging, OWNER_FILE);
  const bytes = Buffer.from(JSON.stringify(owner, null, 2) + '\n');
  const handle = await open(file, 'wx');
  try { await handle.write(bytes, 0, bytes.length, 0); } finally { await handle.close(); }
  let beatMs = Date.now();
  try { beatMs = (await stat(file)).mtimeMs; } catch { /* keep this clock */ }
  let pending: Promise<void> = Promise.resolve();
  const beat = async (): Promise<void> => {
    try {
      const h = await open(file, 'r+');
      try { await h.write(bytes, 0, bytes.length, 0); } finally { await h.close(); }
    } catch { /* removed meanwhile (commit, abort) */ }
  };
  const timer = setInterval(() => { pending = pending.then(beat); }, intervalMs);
  timer.unref();
  return {
    beatMs,
    async stop() {
      clearInterval(timer);
      await pending;
    },
  };
}

/**
 * Starts writing an output folder. Refuses an existing `outDir` unless `overwrite`, creates
 * the parent folders if needed, sweeps the staging folders that killed runs left beside it,
 * and returns the staging folder to write into. Prefer `withOutput`.
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
  let heartbeat: Awaited<ReturnType<typeof startHeartbeat>>;
  const me = thisOwner();
  try {
    heartbeat = await startHeartbeat(staging, me, opts.heartbeatMs ?? HEARTBEAT_MS);
  } catch (e) {
    await removeStaging(staging).catch(() => undefined);
    unregister(staging);
    throw new InputError(outDir, `cannot write in the folder beside it (${errnoText(e)})`);
  }
  // "Now" is the file system's clock: the mtime of the owner file just written.
  const swept = await sweepSiblings(target, staging, me, heartbeat.beatMs, opts.staleMs ?? STALE_MS);
  let state: 'open' | 'committed' | 'aborted' = 'open';

  return {
    dir: staging,
    outDir: target,
    swept,
    get state() { return state; },
    async commit() {
      if (state !== 'open') throw new Error(`output ${outDir} already ${state}`);
      const now = await exists(target);
      if (now === 'file') throw new InputError(outDir, 'exists and is a file, not a folder');
      if (now === 'dir' && !opts.overwrite) {
        // Appeared while we ran (another run?): keep theirs, report, and leave ours to abort().
        throw new InputError(outDir, 'exists; use --overwrite');
      }
      // The owner file is not part of the results. From here to the rename the folder has none,
      // and its fresh mtime keeps it from a sweep (ownerless: judged by age).
      await heartbeat.stop();
      await rm(join(staging, OWNER_FILE), { force: true });
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
        await heartbeat.stop();
        await removeStaging(staging);
      } finally {
        unregister(staging);
      }
    },
  };
}

/**
 * The one way jobs write an output folder: begins it (refusing an existing one unless
 * overwrite, sweeping killed runs' staging folders), runs `write` with the staging folder,
 * and commits — unless `write` committed itself (to report success only once the results are
 * in place) — or, on any error, runs `beforeAbort`, removes the staging folder and rethrows.
 */
export async function withOutput<T>(outDir: string, opts: WithOutputOptions, write: (output: OutputStaging) => Promise<T>): Promise<T> {
  const out = await beginOutput(outDir, opts);
  try {
    const result = await write(out);
    if (out.state === 'open') await out.commit();
    return result;
  } catch (e) {
    // The first error is the one to report; a failing cleanup does not replace it.
    await Promise.resolve().then(() => opts.beforeAbort?.()).catch(() => undefined);
    await out.abort();
    throw e;
  }
}
