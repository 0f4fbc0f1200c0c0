// Work units of a corridor run and their fingerprints (issue 12: restartable, shardable; issue 22:
// frames given as interferograms, their inversion in row bands).
//
// Units. A frame unit is one frame: for a `stack` frame its fit (OUT/frames/<name>/); for an
// `ifgrams` frame its inversion (OUT/inversions/<name>/, what `permasar invert` writes) and then
// the fit of that folder (OUT/frames/<name>/, what `permasar fit OUT/inversions/<name>` writes).
// An `ifgrams` frame with `"bands": B > 1` also has B band units, each inverting rows
// [row0, row1) of its stack (invert.ts invertBands: whole HDF5 chunks) into OUT/bands/<name>/<k>/;
// its frame unit then merges the bands into OUT/inversions/<name>/ (mergeInvertBandsJob: exactly
// what one invert of the whole stack writes), removes the band folders, and fits. Units are listed
// deterministically: first every band unit (frames ascending then descending, each in manifest
// order, bands in row order), then every frame unit in the same frame order; unit k is index k.
// Without banded frames the list is the frames alone, as before.
//
// Fingerprints are what a result depends on: files by stamp (absolute path, size, modification
// time) and options as given in the manifest.
//   band:      ifgramStack.h5, ERA5.h5, waterMask.h5, geometry (its shadowMask), the invert
//              block, the band's index, count and rows;
//   inversion: the same less the band, plus the bands' fingerprints (B > 1);
//   frame:     `stack` frame: stack, geometry, mask, the fit block (unchanged from issue 12);
//              `ifgrams` frame: the inversion's fingerprint, geometry, mask, the fit block.
// A finished unit records its fingerprint in .permasar-unit.json in its folder (band:
// OUT/bands/<name>/<k>/; inversion: OUT/inversions/<name>/; frame: OUT/frames/<name>/), written
// last — after the folder was renamed into place, by write-then-rename — so a folder without it
// (a run that died in between) is redone, as is one whose fingerprint differs (a changed input
// or option), or any unit of the run with --force. So a changed fit option refits from the
// inversion already there; a changed invert option redoes bands, inversion and fit. A band unit
// is also done when its frame's inversion record matches (the bands were merged and removed).
// This is MintPy's "settings stored in the output" idea (its update mode), by file stamp, not
// content.
//
// Shards: `--shard I/N` runs the units with index % N === I, I in 0 … N−1 (zero-based, as
// SLURM_ARRAY_TASK_ID with `sbatch --array=0-(N-1)` and Kubernetes' JOB_COMPLETION_INDEX).
//
// Bands across shards (work stealing). A band is run under a claim: the file
// OUT/bands/<name>/<k>.running, created exclusively (O_EXCL) by the process that runs it, its
// mtime refreshed every BAND_CLAIM.heartbeatMs (30 s) while it runs (rewritten in place, so the
// file system's clock stamps it), removed when the band ends (done or failed). A claim is live
// while its mtime is less than BAND_CLAIM.staleMs (2 min) old — measured against
// the mtime of a file this process has just written in the same folder, so the nodes' clocks do
// not enter (a shared file system stamps with its own clock); a stale claim (a run killed with
// SIGKILL, a node lost) is removed and taken over. Whoever needs a band not done — the shard
// that owns the band unit, or the frame unit (in any shard, or the merge run) whose merge needs
// it — does the same: done → go on; claimed live by another → wait (poll every
// BAND_CLAIM.pollMs, 2 s; a frame unit runs its other missing bands meanwhile) until it is done,
// or its claim ends or goes stale; else claim it and run it. So a frame unit whose
// bands are not all done runs the missing ones itself (its shard, or the merge run, need not wait
// for shards that never started), and waits only for bands another node is running right now. A
// claim is held only while running, never while waiting, so two waiters cannot deadlock; when a
// shard ends, each of its units is done (or the shard failed), which keeps `sbatch --array` +
// the dependent merge run correct unchanged.
import path from 'node:path';
import { hostname } from 'node:os';
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { InputError } from '../../core/errors.ts';
import { frameInput, manifestFrames, type CorridorManifest, type ManifestFrame } from './manifest.ts';
import type { Shard } from './corridor-options.ts';

export { parseShard, type Shard } from './corridor-options.ts';

export const UNIT_RECORD = '.permasar-unit.json';
/** Bumped when the meaning of a unit's output changes, so old records stop matching. */
const UNIT_FORMAT = 1;
/** The band claim's heartbeat, its staleness, and how often a waiter looks (see the header). */
export const BAND_CLAIM = { heartbeatMs: 30_000, staleMs: 120_000, pollMs: 2_000 };

export interface FrameUnit {
  index: number;
  kind: 'frame';
  frame: ManifestFrame;
  /** OUT/frames/<name>. */
  outDir: string;
  /** OUT/inversions/<name> for an `ifgrams` frame, else null. */
  inversionDir: string | null;
  /** The frame's band units (empty unless `bands` > 1). */
  bands: BandUnit[];
}

export interface BandUnit {
  index: number;
  kind: 'band';
  frame: ManifestFrame;
  /** Band k of count (0-based). */
  band: number;
  count: number;
  /** OUT/bands/<name>/<k>. */
  outDir: string;
  /** OUT/bands/<name>/<k>.running: the claim of whoever runs it (see the header). */
  claimFile: string;
  /** OUT/inversions/<name>: the frame's merged inversion. */
  inversionDir: string;
}

export type WorkUnit = FrameUnit | BandUnit;

/** Every unit, in index order: band units first, then frame units (see the header). */
export function listUnits(manifest: CorridorManifest, outDir: string): WorkUnit[] {
  const frames = manifestFrames(manifest);
  const bandUnits = new Map<string, BandUnit[]>();
  const units: WorkUnit[] = [];
  for (const frame of frames) {
    if (!frame.ifgrams || frame.bands <= 1) continue;
    const list: BandUnit[] = [];
    for (let k = 0; k < frame.bands; k++) {
      const u: BandUnit = {
        index: units.length, kind: 'band', frame, band: k, count: frame.bands,
        outDir: path.join(outDir, 'bands', frame.name, String(k)),
        claimFile: path.join(outDir, 'bands', frame.name, `${k}.running`),
        inversionDir: path.join(outDir, 'inversions', frame.name),
      };
      units.push(u);
      list.push(u);
    }
    bandUnits.set(frame.name, list);
  }
  for (const frame of frames) {
    units.push({
      index: units.length, kind: 'frame', frame,
      outDir: path.join(outDir, 'frames', frame.name),
      inversionDir: frame.ifgrams ? path.join(outDir, 'inversions', frame.name) : null,
      bands: bandUnits.get(frame.name) ?? [],
    });
  }
  return units;
}

export function unitsOfShard(units: WorkUnit[], shard: Shard | null): WorkUnit[] {
  return shard ? units.filter((u) => u.index % shard.count === shard.index) : units;
}

/** "frame a1" / "band 2/3 of frame a1". */
export function unitLabel(unit: WorkUnit): string {
  return unit.kind === 'frame' ? `frame ${unit.frame.name}` : `band ${unit.band + 1}/${unit.count} of frame ${unit.frame.name}`;
}

async function stamp(file: string | null): Promise<{ path: string; bytes: number; mtimeMs: number } | null> {
  if (!file) return null;
  try {
    const s = await stat(file);
    return { path: file, bytes: s.size, mtimeMs: s.mtimeMs };
  } catch {
    throw new InputError(file, 'not found (it was there when the manifest was read)');
  }
}

/** Stamps of a folder of GeoTIFFs: every file in it (a GeoTIFF stack's dates are its files). */
async function stackStamp(file: string): Promise<unknown> {
  const s = await stat(file).catch(() => null);
  if (!s) throw new InputError(file, 'not found (it was there when the manifest was read)');
  if (!s.isDirectory()) return stamp(file);
  const names = (await readdir(file)).sort();
  return { path: file, files: await Promise.all(names.map((n) => stamp(path.join(file, n)))) };
}

export interface UnitFingerprint {
  format: number;
  frame: string;
  /** sha256 of the JSON of the rest. */
  hash: string;
  [key: string]: unknown;
}

function sealed(body: Record<string, unknown> & { format: number; frame: string }): UnitFingerprint {
  return { ...body, hash: createHash('sha256').update(JSON.stringify(body)).digest('hex') };
}

const sortedBlock = (block: Record<string, unknown>) => Object.fromEntries(Object.entries(block).sort(([a], [b]) => a.localeCompare(b)));

/** Rows of band k of a frame's stack (invert.ts invertBands), or null when the stack has fewer bands. */
export type BandRows = (frame: ManifestFrame, band: number) => Promise<{ row0: number; row1: number } | null>;

/**
 * Fingerprints of one run: computed once per unit (file stamps read once), so every shard and the
 * merge agree for unchanged inputs.
 */
export class Fingerprints {
  private readonly cache = new Map<string, Promise<UnitFingerprint>>();
  constructor(private readonly manifest: CorridorManifest, private readonly bandRows: BandRows) {}

  private once(key: string, make: () => Promise<UnitFingerprint>): Promise<UnitFingerprint> {
    let p = this.cache.get(key);
    if (!p) { p = make(); this.cache.set(key, p); }
    return p;
  }

  /** What every inversion of the frame depends on (bands or whole). */
  private async invertInputs(frame: ManifestFrame): Promise<Record<string, unknown>> {
    return {
      ifgrams: await stackStamp(frame.ifgrams!),
      troposphere: await stamp(frame.troposphere),
      waterMask: await stamp(frame.waterMask),
      geometry: await stamp(frame.geometry),
      invert: sortedBlock(this.manifest.invert),
    };
  }

  band(unit: BandUnit): Promise<UnitFingerprint> {
    return this.once(`band:${unit.frame.name}:${unit.band}`, async () => sealed({
      format: UNIT_FORMAT, frame: unit.frame.name, unit: 'band',
      ...(await this.invertInputs(unit.frame)),
      band: { index: unit.band, count: unit.count, rows: await this.bandRows(unit.frame, unit.band) },
    }));
  }

  /** The frame's inversion (OUT/inversions/<name>/): whole, or merged from its bands. */
  inversion(unit: FrameUnit): Promise<UnitFingerprint> {
    return this.once(`inversion:${unit.frame.name}`, async () => sealed({
      format: UNIT_FORMAT, frame: unit.frame.name, unit: 'inversion',
      ...(await this.invertInputs(unit.frame)),
      bands: unit.bands.length ? await Promise.all(unit.bands.map(async (b) => (await this.band(b)).hash)) : null,
    }));
  }

  frame(unit: FrameUnit): Promise<UnitFingerprint> {
    return this.once(`frame:${unit.frame.name}`, async () => {
      const options = sortedBlock(this.manifest.fit);
      if (!unit.frame.ifgrams) {
        // As issue 12 wrote it: records of corridors from series stay valid.
        return sealed({
          format: UNIT_FORMAT, frame: unit.frame.name,
          stack: await stackStamp(unit.frame.stack!),
          geometry: await stamp(unit.frame.geometry),
          mask: await stamp(unit.frame.mask),
          options,
        });
      }
      return sealed({
        format: UNIT_FORMAT, frame: unit.frame.name, unit: 'frame',
        inversion: (await this.inversion(unit)).hash,
        geometry: await stamp(unit.frame.geometry),
        mask: await stamp(unit.frame.mask),
        options,
      });
    });
  }

  of(unit: WorkUnit): Promise<UnitFingerprint> {
    return unit.kind === 'band' ? this.band(unit) : this.frame(unit);
  }
}

/** The record in a unit's folder, or null (absent, unreadable: not finished). */
export async function readRecord(dir: string): Promise<{ hash: string; record: Record<string, unknown> } | null> {
  try {
    const json = JSON.parse(await readFile(path.join(dir, UNIT_RECORD), 'utf8')) as { fingerprint?: { hash?: string } };
    return typeof json.fingerprint?.hash === 'string' ? { hash: json.fingerprint.hash, record: json as Record<string, unknown> } : null;
  } catch {
    return null;
  }
}

export async function recordMatches(dir: string, fingerprint: UnitFingerprint): Promise<boolean> {
  const record = await readRecord(dir);
  return record !== null && record.hash === fingerprint.hash;
}

export async function unitIsDone(unit: WorkUnit, fingerprint: UnitFingerprint): Promise<boolean> {
  return recordMatches(unit.outDir, fingerprint);
}

/** Writes a record last, atomically (temporary file + rename in the same folder). */
export async function writeRecord(dir: string, about: Record<string, unknown>, fingerprint: UnitFingerprint, extra: Record<string, unknown>): Promise<void> {
  const file = path.join(dir, UNIT_RECORD);
  const tmp = `${file}.partial-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  await writeFile(tmp, JSON.stringify({ software: 'permasar', unit: about, fingerprint, ...extra }, null, 2) + '\n');
  await rename(tmp, file);
}

export async function writeUnitRecord(unit: WorkUnit, fingerprint: UnitFingerprint, extra: Record<string, unknown>): Promise<void> {
  const about = unit.kind === 'frame'
    ? { index: unit.index, kind: unit.kind, frame: unit.frame.name, direction: unit.frame.direction }
    : { index: unit.index, kind: unit.kind, frame: unit.frame.name, direction: unit.frame.direction, band: unit.band, count: unit.count };
  await writeRecord(unit.outDir, about, fingerprint, extra);
}

// ── Band claims (see the header) ──

/** "Now" on the file system of `dir`: the mtime of a file just written there. */
async function fileSystemNow(dir: string): Promise<number> {
  const probe = path.join(dir, `.clock-${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  await writeFile(probe, '');
  try {
    return (await stat(probe)).mtimeMs;
  } finally {
    await unlink(probe).catch(() => {});
  }
}

export interface BandClaim {
  /** Stops the heartbeat and removes the claim file. */
  release(): Promise<void>;
}

export type ClaimState = { state: 'claimed'; claim: BandClaim } | { state: 'busy'; holder: string };

/** Claims band `unit` (see the header): 'claimed', or 'busy' while another holds a live claim. */
export async function claimBand(unit: BandUnit): Promise<ClaimState> {
  await mkdir(path.dirname(unit.claimFile), { recursive: true });
  const token = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 10)}`;
  const content = JSON.stringify({ host: hostname(), pid: process.pid, token, started: new Date().toISOString() }) + '\n';
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(unit.claimFile, 'wx');
      try {
        await handle.writeFile(content);
      } finally {
        await handle.close();
      }
      const file = unit.claimFile;
      // The heartbeat rewrites the claim in place (never creating it again), so the file system
      // stamps its mtime with its own clock (utimes would stamp this node's).
      const beat = async () => {
        const h = await open(file, 'r+');
        try { await h.write(content, 0); } finally { await h.close(); }
      };
      const timer = setInterval(() => { beat().catch(() => {}); }, BAND_CLAIM.heartbeatMs);
      timer.unref?.();
      let released = false;
      return {
        state: 'claimed',
        claim: {
          async release() {
            if (released) return;
            released = true;
            clearInterval(timer);
            // Only our own claim (one taken over as stale by another is theirs now).
            const now = await readFile(file, 'utf8').catch(() => null);
            if (now !== null && now.includes(token)) await unlink(file).catch(() => {});
          },
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const s = await stat(unit.claimFile).catch(() => null);
    if (!s) continue; // released meanwhile: try again
    const age = (await fileSystemNow(path.dirname(unit.claimFile))) - s.mtimeMs;
    const holder = await readFile(unit.claimFile, 'utf8').then((t) => {
      try { const j = JSON.parse(t) as { host?: string; pid?: number }; return `${j.host ?? '?'} pid ${j.pid ?? '?'}`; } catch { return '?'; }
    }, () => '?');
    if (age < BAND_CLAIM.staleMs || attempt >= 3) return { state: 'busy', holder };
    // Stale: its holder is gone. Remove it and try again (one of several takers wins).
    await unlink(unit.claimFile).catch(() => {});
  }
}

/** Removes a frame's band folders once they are merged (they are intermediate), and other files left beside them. */
export async function removeBands(units: BandUnit[], alsoFiles: string[] = []): Promise<void> {
  for (const u of units) await rm(u.outDir, { recursive: true, force: true });
  for (const f of alsoFiles) await rm(f, { force: true });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export { frameInput };
