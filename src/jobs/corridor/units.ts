// Work units of a corridor run and their fingerprints (issue 12: restartable, shardable).
//
// A unit is one frame's fit (OUT/frames/<name>/). Units are listed deterministically: ascending
// frames then descending, each in manifest order; unit k is index k. (Frames are not split into
// row bands: a frame of a few million pixels fits in minutes on one machine, and one folder per
// frame keeps a unit what `permasar fit` writes.)
//
// A unit's fingerprint is what its result depends on: the stack, geometry and mask files (absolute
// path, size, modification time) and the fit options. A finished unit records it in
// OUT/frames/<name>/.permasar-unit.json, written last — after the fit folder was renamed into
// place, by write-then-rename — so a folder without it (a run that died in between) is redone, as
// is one whose fingerprint differs (a changed input or option), or any with --force. This is
// MintPy's "settings stored in the output" idea (its update mode), by file stamp, not content.
//
// Shards: `--shard I/N` runs the units with index % N === I, I in 0 … N−1 (zero-based, as
// SLURM_ARRAY_TASK_ID with `sbatch --array=0-(N-1)` and Kubernetes' JOB_COMPLETION_INDEX).
import path from 'node:path';
import { createHash } from 'node:crypto';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { InputError } from '../../core/errors.ts';
import { manifestFrames, type CorridorManifest, type ManifestFrame } from './manifest.ts';
import type { Shard } from './corridor-options.ts';

export { parseShard, type Shard } from './corridor-options.ts';

export const UNIT_RECORD = '.permasar-unit.json';
/** Bumped when the meaning of a unit's output changes, so old records stop matching. */
const UNIT_FORMAT = 1;

export interface WorkUnit {
  index: number;
  kind: 'frame';
  frame: ManifestFrame;
  /** OUT/frames/<name>. */
  outDir: string;
}


export function listUnits(manifest: CorridorManifest, outDir: string): WorkUnit[] {
  return manifestFrames(manifest).map((frame, index) => ({ index, kind: 'frame', frame, outDir: path.join(outDir, 'frames', frame.name) }));
}


export function unitsOfShard(units: WorkUnit[], shard: Shard | null): WorkUnit[] {
  return shard ? units.filter((u) => u.index % shard.count === shard.index) : units;
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
  const s = await stat(file);
  if (!s.isDirectory()) return stamp(file);
  const { readdir } = await import('node:fs/promises');
  const names = (await readdir(file)).sort();
  return { path: file, files: await Promise.all(names.map((n) => stamp(path.join(file, n)))) };
}

export interface UnitFingerprint {
  format: number;
  frame: string;
  stack: unknown;
  geometry: unknown;
  mask: unknown;
  options: Record<string, unknown>;
  /** sha256 of the JSON of the above. */
  hash: string;
}

export async function unitFingerprint(unit: WorkUnit, manifest: CorridorManifest): Promise<UnitFingerprint> {
  const options = Object.fromEntries(Object.entries(manifest.fit).sort(([a], [b]) => a.localeCompare(b)));
  const body = {
    format: UNIT_FORMAT,
    frame: unit.frame.name,
    stack: await stackStamp(unit.frame.stack),
    geometry: await stamp(unit.frame.geometry),
    mask: await stamp(unit.frame.mask),
    options,
  };
  return { ...body, hash: createHash('sha256').update(JSON.stringify(body)).digest('hex') };
}

/** The record of a finished unit, or null (absent, unreadable: not finished). */
export async function readUnitRecord(unit: WorkUnit): Promise<{ hash: string } | null> {
  try {
    const json = JSON.parse(await readFile(path.join(unit.outDir, UNIT_RECORD), 'utf8')) as { fingerprint?: { hash?: string } };
    return typeof json.fingerprint?.hash === 'string' ? { hash: json.fingerprint.hash } : null;
  } catch {
    return null;
  }
}

export async function unitIsDone(unit: WorkUnit, fingerprint: UnitFingerprint): Promise<boolean> {
  const record = await readUnitRecord(unit);
  return record !== null && record.hash === fingerprint.hash;
}

/** Writes the record last, atomically (temporary file + rename in the same folder). */
export async function writeUnitRecord(unit: WorkUnit, fingerprint: UnitFingerprint, extra: Record<string, unknown>): Promise<void> {
  const file = path.join(unit.outDir, UNIT_RECORD);
  const tmp = `${file}.partial-${process.pid}`;
  await writeFile(tmp, JSON.stringify({ software: 'permasar', unit: { index: unit.index, kind: unit.kind, frame: unit.frame.name, direction: unit.frame.direction }, fingerprint, ...extra }, null, 2) + '\n');
  await rename(tmp, file);
}
