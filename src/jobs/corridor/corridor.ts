// The corridor job (issue 12): one manifest, every frame, seamless mosaics, then the later stages
// on the mosaics, on one machine or many.
//
//   OUT/frames/<name>/        each frame's fit (a work unit; skipped when its record matches)
//   OUT/asc/, OUT/desc/       the fit products mosaicked per direction, offsets removed
//   OUT/direction/            compare of the two mosaics (Table 1 classes)
//   OUT/asc-vertical/, OUT/desc-vertical/   vertical projection of each mosaic
//   OUT/alt/                  ALT from the ascending vertical amplitude (descending if no ascending)
//   OUT/hazards/              hazard counts near the lines
//   OUT/profile/              per segment of the hazards' lines: every product, features, flags
//   OUT/summary.json          frames, offsets, per-stage times, device, corridor-wide counts
//
// With a shard, only that shard's units run and the job stops; without, every unit not done runs,
// then the merge. OUT itself is shared by the shards: each unit's folder and each stage's folder
// is written through its own staging folder (output-dir-node.ts) and renamed into place, so no
// folder is ever half-written; summary.json is written last (temporary file, rename).
import path from 'node:path';
import { mkdir, readFile, rename, writeFile, stat } from 'node:fs/promises';
import { InputError } from '../../core/errors.ts';
import { withOutput } from '../../io/output-dir-node.ts';
import { optionsOfBlock, readCorridorManifest, type CorridorManifest } from './manifest.ts';
import { listUnits, unitFingerprint, unitIsDone, unitsOfShard, writeUnitRecord, type Shard, type WorkUnit } from './units.ts';
import { mosaicDirection, type MosaicSummary } from '../mosaic.ts';
import { mosaicOptionsFrom } from '../mosaic-options.ts';
import { jobStages, type CorridorStages } from './stages.ts';
import { nodeDeviceSelection } from '../support/devices-node.ts';
import type { DeviceChoice } from '../../pipeline/devices.ts';
import type { JobContext } from '../support/context.ts';

export type { DeviceChoice };

export interface CorridorRunOptions {
  device: DeviceChoice;
  shard: Shard | null;
  force: boolean;
  /** How stages run (default: the jobs of src/jobs/ with the manifest's options). */
  stages?: (manifest: CorridorManifest) => CorridorStages;
  /** Result lines (one per frame, one per stage). */
  log(line: string): void;
  /** Overall progress: work done and total, in units (frames and stages). */
  progress?(done: number, total: number, label: string): void;
}

export interface CorridorSummary {
  software: 'permasar';
  command: 'corridor';
  manifest: string;
  device: DeviceChoice;
  shard: string | null;
  /** Per frame; `device` is where its fit ran (from its summary.json). */
  frames: { name: string; direction: string; stack: string; status: 'fitted' | 'skipped'; seconds: number; pixels: number | null; withData: number | null; seasonal: number | null; device: string | null }[];
  mosaics: Partial<Record<'asc' | 'desc', MosaicSummary>>;
  stages: Record<string, { status: 'done' | 'skipped'; reason?: string; seconds?: number; outDir?: string }>;
  counts: Record<string, unknown>;
  seconds: Record<string, number>;
  complete: boolean;
}

async function folderExists(p: string): Promise<boolean> {
  try { return (await stat(p)).isDirectory(); } catch { return false; }
}

/** Writes a JSON file by temporary file and rename (never half-written). */
async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.partial-${process.pid}`;
  await writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
  await rename(tmp, file);
}

export async function runCorridor(manifestPath: string, outDir: string, options: CorridorRunOptions): Promise<CorridorSummary> {
  const manifest: CorridorManifest = await readCorridorManifest(manifestPath);
  // Options converted and checked before anything runs; one device selection for the whole run
  // (the GPU acquired once, kernels shared by every job).
  const stages = (options.stages ?? jobStages)(manifest);
  const devices = nodeDeviceSelection(options.device);
  try {
    return await runCorridorWith(manifest, stages, outDir, options, { device: options.device, log: () => {}, kernels: devices });
  } finally {
    await devices.dispose();
  }
}

async function runCorridorWith(manifest: CorridorManifest, stages: CorridorStages, outDir: string, options: CorridorRunOptions, ctx: JobContext): Promise<CorridorSummary> {
  const started = Date.now();
  const out = path.resolve(outDir);
  try {
    await mkdir(path.join(out, 'frames'), { recursive: true });
  } catch (e) {
    throw new InputError(outDir, `cannot create the output folder (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const units = listUnits(manifest, out);
  const mine = unitsOfShard(units, options.shard);
  const merging = options.shard === null;
  const stageNames = merging ? ['mosaic asc', 'mosaic desc', 'compare', 'vertical', 'alt', 'hazards', 'profile'] : [];
  // Progress in hundredths of a unit (a frame or a stage), so a frame's tiles move the bar and
  // the time remaining is estimated within a frame too.
  const total = 100 * (mine.length + stageNames.length);
  let done = 0;
  const tick = (label: string) => { done += 100; options.progress?.(done, total, label); };
  const within = (label: string): JobContext => ({
    ...ctx,
    progress: (d, t) => options.progress?.(done + (t > 0 ? Math.min(99, Math.floor((100 * d) / t)) : 0), total, label),
  });
  options.progress?.(0, total, 'starting');

  const summary: CorridorSummary = {
    software: 'permasar', command: 'corridor', manifest: manifest.file, device: options.device,
    shard: options.shard ? `${options.shard.index}/${options.shard.count}` : null,
    frames: [], mosaics: {}, stages: {}, counts: {}, seconds: {}, complete: false,
  };

  // 1. Fit the units of this run (all, or this shard's).
  const tFit = Date.now();
  for (const unit of mine) {
    const t0 = Date.now();
    const fingerprint = await unitFingerprint(unit, manifest);
    const label = `frame ${unit.frame.name} (${unit.index + 1}/${units.length}, ${unit.frame.direction})`;
    if (!options.force && (await unitIsDone(unit, fingerprint))) {
      options.log(`${label}: done before, inputs and options unchanged — skipped`);
      summary.frames.push({ name: unit.frame.name, direction: unit.frame.direction, stack: unit.frame.stack, status: 'skipped', seconds: 0, ...(await frameCounts(unit)) });
    } else {
      const fit = await stages.fit({ stack: unit.frame.stack, geometry: unit.frame.geometry, mask: unit.frame.mask }, unit.outDir, within(`frame ${unit.frame.name}`));
      const seconds = (Date.now() - t0) / 1000;
      await writeUnitRecord(unit, fingerprint, { seconds, device: (fit as { device?: unknown }).device ?? null });
      const counts = await frameCounts(unit);
      options.log(`${label}: fitted in ${seconds.toFixed(1)} s — ${counts.withData ?? '?'} of ${counts.pixels ?? '?'} pixels, ${counts.seasonal ?? '?'} seasonal`);
      summary.frames.push({ name: unit.frame.name, direction: unit.frame.direction, stack: unit.frame.stack, status: 'fitted', seconds, ...counts });
    }
    tick(`frame ${unit.frame.name}`);
  }
  summary.seconds.fit = (Date.now() - tFit) / 1000;
  if (!merging) {
    options.log(`shard ${options.shard!.index}/${options.shard!.count}: ${mine.length} of ${units.length} frame(s) done; run without --shard to merge`);
    summary.seconds.total = (Date.now() - started) / 1000;
    return summary;
  }

  // 2. Merge: every unit must be done (a shard may still be running or have failed).
  for (const unit of units) {
    if (!(await unitIsDone(unit, await unitFingerprint(unit, manifest)))) {
      throw new InputError(path.join(out, 'frames', unit.frame.name), 'frame not finished (a shard still running or failed?); rerun its shard or run without --shard');
    }
  }
  for (const unit of units) if (!summary.frames.some((f) => f.name === unit.frame.name)) summary.frames.push({ name: unit.frame.name, direction: unit.frame.direction, stack: unit.frame.stack, status: 'skipped', seconds: 0, ...(await frameCounts(unit)) });

  const { blockRows, maxOverlapSamples } = optionsOfBlock(manifest, 'mosaic', () => mosaicOptionsFrom(manifest.mosaic));
  const mosaicDirs: Partial<Record<'asc' | 'desc', string>> = {};
  for (const [key, frames] of [['asc', manifest.ascending], ['desc', manifest.descending]] as const) {
    const t0 = Date.now();
    const stage = `mosaic ${key}`;
    if (frames.length === 0) {
      summary.stages[stage] = { status: 'skipped', reason: `no ${key === 'asc' ? 'ascending' : 'descending'} frames in the manifest` };
      options.log(`${stage}: skipped (no ${key === 'asc' ? 'ascending' : 'descending'} frames)`);
      tick(stage);
      continue;
    }
    const dir = path.join(out, key);
    // Replacing an older mosaic only once the new one is complete.
    const mosaic = await withOutput(dir, { overwrite: true }, async ({ dir: staging }) => {
      const m = await mosaicDirection(frames.map((f) => ({ name: f.name, dir: path.join(out, 'frames', f.name) })), staging, {
        blockRows, maxOverlapSamples,
        referenceLatLon: manifest.reference?.lalo ?? null,
        referenceLabel: `${manifest.file}: "reference.lalo"`,
        log: (line) => options.log(`${stage}: ${line.replace(/^mosaic: /, '')}`),
        progress: (d, t) => within(stage).progress?.(d, t, stage),
      });
      // A fit folder on the mosaic grid (compare and vertical read it as one): command "fit".
      await writeFile(path.join(staging, 'summary.json'), JSON.stringify({ software: 'permasar', command: 'fit', made: 'corridor mosaic', direction: key, ...m }, null, 2) + '\n');
      return m;
    });
    summary.mosaics[key] = mosaic;
    mosaicDirs[key] = dir;
    summary.stages[stage] = { status: 'done', seconds: (Date.now() - t0) / 1000, outDir: dir };
    tick(stage);
  }

  const runStage = async (name: string, outName: string, skipReason: string | null, body: (staging: string) => Promise<Record<string, unknown>>) => {
    const t0 = Date.now();
    if (skipReason) {
      summary.stages[name] = { status: 'skipped', reason: skipReason };
      options.log(`${name}: skipped (${skipReason})`);
      return null;
    }
    const dir = path.join(out, outName);
    const result = await body(dir);
    summary.stages[name] = { status: 'done', seconds: (Date.now() - t0) / 1000, outDir: dir };
    options.log(`${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s → ${dir}`);
    return result;
  };

  const both = mosaicDirs.asc && mosaicDirs.desc;
  const compare = await runStage('compare', 'direction', both ? null : 'needs ascending and descending frames',
    (dir) => stages.compare(mosaicDirs.asc!, mosaicDirs.desc!, dir, ctx));
  tick('compare');

  const verticalDirs: Partial<Record<'asc' | 'desc', string>> = {};
  const tVertical = Date.now();
  for (const key of ['asc', 'desc'] as const) {
    const mosaic = mosaicDirs[key];
    const hasIncidence = mosaic ? (await folderExists(mosaic)) && summary.mosaics[key]!.products.includes('incidence.tif') : false;
    const reason = !mosaic ? `no ${key === 'asc' ? 'ascending' : 'descending'} mosaic`
      : !hasIncidence && manifest.vertical?.incidence === undefined ? 'no incidence angle: give the frames a "geometry" (geometryGeo.h5) or "vertical": {"incidence": DEG}' : null;
    const r = await runStage(`vertical ${key}`, `${key}-vertical`, reason, (dir) => stages.vertical(mosaic!, dir, ctx));
    if (r) verticalDirs[key] = path.join(out, `${key}-vertical`);
  }
  tick('vertical');
  summary.seconds.vertical = (Date.now() - tVertical) / 1000;

  const altSource = verticalDirs.asc ?? verticalDirs.desc;
  const alt = await runStage('alt', 'alt', !manifest.alt ? 'no "alt" block in the manifest' : !altSource ? 'no vertical amplitude (needs incidence angles)' : null,
    (dir) => stages.alt(path.join(altSource!, 'amplitude_vertical.tif'), dir, ctx));
  tick('alt');
  const hazards = await runStage('hazards', 'hazards', !manifest.hazards ? 'no "hazards" block in the manifest' : null,
    (dir) => stages.hazards(dir, ctx));
  tick('hazards');
  // After hazards: the profile reads the mosaics and every later product of OUT (--from OUT).
  const profile = await runStage('profile', 'profile', !manifest.hazards?.lines ? 'no "hazards.lines" in the manifest' : !stages.profile ? 'not among the stages run' : null,
    (dir) => stages.profile!(out, dir, ctx));
  tick('profile');

  // Corridor-wide counts: the mosaics' pixel counts, and the direction classes where compared.
  const counts: Record<string, unknown> = {};
  for (const key of ['asc', 'desc'] as const) {
    const m = summary.mosaics[key];
    if (m) counts[key] = m.counts;
  }
  if (compare) counts.direction = (compare as { counts?: unknown }).counts ?? null;
  if (alt) counts.alt = (alt as { pixels?: unknown }).pixels ?? null;
  if (hazards) counts.hazards = (hazards as { counts?: unknown }).counts ?? null;
  // The flagged kilometres per rule and route, as the profile's summary.json gives them.
  if (profile) counts.profile = { routes: (profile as { routes?: unknown }).routes ?? null, flagged_km: (profile as { flagged_km?: unknown }).flagged_km ?? null };
  summary.counts = counts;
  summary.seconds.mosaic = (['mosaic asc', 'mosaic desc'] as const).reduce((s, k) => s + (summary.stages[k]?.seconds ?? 0), 0);
  summary.seconds.total = (Date.now() - started) / 1000;
  summary.complete = true;
  await writeJsonAtomic(path.join(out, 'summary.json'), summary);
  return summary;
}

/** Pixel counts of a finished frame, from its fit summary.json (null where absent). */
async function frameCounts(unit: WorkUnit): Promise<{ pixels: number | null; withData: number | null; seasonal: number | null; device: string | null }> {
  try {
    const s = JSON.parse(await readFile(path.join(unit.outDir, 'summary.json'), 'utf8')) as { counts?: { pixels?: number; withData?: number; seasonal?: number }; device?: { description?: string } };
    return { pixels: s.counts?.pixels ?? null, withData: s.counts?.withData ?? null, seasonal: s.counts?.seasonal ?? null, device: s.device?.description ?? null };
  } catch {
    return { pixels: null, withData: null, seasonal: null, device: null };
  }
}
