// The corridor job (issue 12): one manifest, every frame, seamless mosaics, then the later stages
// on the mosaics, on one machine or many.
//
//   OUT/bands/<name>/<k>/     a band of an `ifgrams` frame's inversion (a work unit; removed once merged)
//   OUT/inversions/<name>/    an `ifgrams` frame's inversion, whole or merged from its bands
//   OUT/frames/<name>/        each frame's fit (a work unit with its inversion; skipped when its record matches)
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
import { hostname } from 'node:os';
import { mkdir, readFile, rename, writeFile, stat } from 'node:fs/promises';
import { InputError } from '../../core/errors.ts';
import { withOutput } from '../../io/output-dir-node.ts';
import { frameInput, optionsOfBlock, readCorridorManifest, type CorridorManifest, type ManifestFrame } from './manifest.ts';
import {
  BAND_CLAIM, Fingerprints, claimBand, listUnits, readRecord, recordMatches, removeBands, sleep, unitIsDone, unitLabel, unitsOfShard,
  writeRecord, writeUnitRecord, type BandUnit, type FrameUnit, type Shard, type WorkUnit,
} from './units.ts';
import { mosaicDirection, type MosaicSummary } from '../mosaic.ts';
import { mosaicOptionsFrom } from '../mosaic-options.ts';
import { jobStages, type CorridorStages, type InvertBandRows, type InvertFrameInput } from './stages.ts';
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

/** What became of a band unit in this run. */
export type BandStatus = 'inverted' | 'skipped' | 'waited' | 'empty';

/** An `ifgrams` frame's inversion in the corridor summary. */
export interface FrameInversion {
  /** This run inverted it whole, merged it from its bands, or found it done before. */
  status: 'inverted' | 'merged' | 'reused';
  dir: string;
  /** The final series (summary.json's `series`), the pixel counts, the interferograms kept of those in the file. */
  series: string | null;
  pixels: number | null;
  inverted: number | null;
  interferograms: { inFile: number | null; kept: number | null };
  /** maskTempCoh's pixels. */
  maskTempCoh: number | null;
  /** Seconds of the inversion (whole) or of the merge, when it ran. */
  seconds: number | null;
  /** Per band (null when inverted whole): rows, seconds, where it ran. */
  bands: { band: number; rows: [number, number] | null; seconds: number | null; device: string | null; host: string | null }[] | null;
}

export interface CorridorSummary {
  software: 'permasar';
  command: 'corridor';
  manifest: string;
  device: DeviceChoice;
  shard: string | null;
  /**
   * Per frame; `stack` is its input (the series, or the ifgramStack.h5 when `ifgrams` gives it);
   * `device` is where its fit ran (from its summary.json); `inversion` the counts and times of an
   * `ifgrams` frame's inversion (null for a `stack` frame).
   */
  frames: { name: string; direction: string; stack: string; status: 'fitted' | 'skipped'; seconds: number; pixels: number | null; withData: number | null; seasonal: number | null; device: string | null; inversion: FrameInversion | null }[];
  /** The band units this run saw (its shard's, and any its frame units ran or waited for). */
  bands: { frame: string; band: number; count: number; rows: [number, number] | null; status: BandStatus; seconds: number }[];
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
    frames: [], bands: [], mosaics: {}, stages: {}, counts: {}, seconds: {}, complete: false,
  };

  // 1. The units of this run (all, or this shard's): bands of inversions, then frames.
  const tFit = Date.now();
  const rowsCache = new Map<string, Promise<InvertBandRows[]>>();
  const bandsOfFrame = (frame: ManifestFrame) => {
    let p = rowsCache.get(frame.name);
    if (!p) { p = stages.bandRows(frame.ifgrams!, frame.bands); rowsCache.set(frame.name, p); }
    return p;
  };
  const bandRows = async (frame: ManifestFrame, band: number) => {
    const b = (await bandsOfFrame(frame))[band];
    return b ? { row0: b.row0, row1: b.row1 } : null;
  };
  const fingerprints = new Fingerprints(manifest, bandRows);
  const frameUnitOf = new Map(units.flatMap((u) => (u.kind === 'frame' ? [[u.frame.name, u] as const] : [])));
  const invertInput = (frame: ManifestFrame, cache: string | null): InvertFrameInput => ({
    ifgrams: frame.ifgrams!, troposphere: frame.troposphere, waterMask: frame.waterMask, geometry: frame.geometry, networkSelectionCache: cache,
  });
  /** The network selection shared by a banded frame's bands and merge: beside the bands, named by what it depends on. */
  const selectionCache = async (frame: FrameUnit) => {
    const dir = path.join(out, 'bands', frame.frame.name);
    await mkdir(dir, { recursive: true });
    return path.join(dir, `network-selection-${(await fingerprints.inversion(frame)).hash.slice(0, 16)}.json`);
  };
  /**
   * A band is done when its folder's record matches; as a unit of a shard, also when its frame's
   * inversion record does (merged, its folder removed). A merge needs the folder itself.
   */
  const bandDone = async (unit: BandUnit, forMerge: boolean) => (await recordMatches(unit.outDir, await fingerprints.band(unit)))
    || (!forMerge && (await recordMatches(unit.inversionDir, await fingerprints.inversion(frameUnitOf.get(unit.frame.name)!))));

  type BandEntry = CorridorSummary['bands'][number];
  /**
   * One look at a band (units.ts header): done → skipped (or 'waited' when `waitedSince` is set);
   * claimed live elsewhere → 'busy'; else claim and run it. `force` runs it even when done.
   */
  const tryBand = async (unit: BandUnit, force: boolean, forMerge: boolean, label: string, waitedSince: number | null): Promise<BandEntry | { status: 'busy'; holder: string }> => {
    const rows = await bandRows(unit.frame, unit.band);
    const entry = (status: BandStatus, seconds = 0): BandEntry => ({ frame: unit.frame.name, band: unit.band, count: unit.count, rows: rows ? [rows.row0, rows.row1] : null, status, seconds });
    if (!rows) {
      options.log(`${label}: no rows (the stack has fewer whole-chunk bands than "bands": ${unit.count}) — nothing to do`);
      return entry('empty');
    }
    const doneNow = async () => {
      if (force || !(await bandDone(unit, forMerge))) return null;
      options.log(waitedSince !== null ? `${label}: done by another run, waited ${((Date.now() - waitedSince) / 1000).toFixed(1)} s` : `${label}: done before, inputs and options unchanged — skipped`);
      return entry(waitedSince !== null ? 'waited' : 'skipped');
    };
    const before = await doneNow();
    if (before) return before;
    const claim = await claimBand(unit);
    if (claim.state === 'busy') return { status: 'busy', holder: claim.holder };
    try {
      // Done between the look and the claim: nothing to run.
      const between = await doneNow();
      if (between) return between;
      const t1 = Date.now();
      const frameUnit = frameUnitOf.get(unit.frame.name)!;
      const result = await stages.invertBand(invertInput(unit.frame, await selectionCache(frameUnit)), rows, unit.outDir, within(label));
      const seconds = (Date.now() - t1) / 1000;
      const device = (result as { device?: { description?: unknown } }).device?.description ?? null;
      await writeUnitRecord(unit, await fingerprints.band(unit), { seconds, rows: [rows.row0, rows.row1], device, host: hostname() });
      options.log(`${label} (rows ${rows.row0}–${rows.row1 - 1}): inverted in ${seconds.toFixed(1)} s`);
      return entry('inverted', seconds);
    } finally {
      await claim.claim.release();
    }
  };

  /**
   * Bands done, by whoever needs them: each one not done and not claimed is run here; those
   * another process is running are waited for (polled), the others run meanwhile.
   */
  const ensureBands = async (list: { unit: BandUnit; label: string }[], force: boolean, forMerge: boolean): Promise<BandEntry[]> => {
    const results = new Map<BandUnit, BandEntry>();
    const waitingSince = new Map<BandUnit, number>();
    let pending = list;
    while (pending.length) {
      const busy: typeof list = [];
      for (const item of pending) {
        const r = await tryBand(item.unit, force, forMerge, item.label, waitingSince.get(item.unit) ?? null);
        if (r.status !== 'busy') { results.set(item.unit, r as BandEntry); continue; }
        if (!waitingSince.has(item.unit)) {
          options.log(`${item.label}: being run by another process (${(r as { holder: string }).holder}) — waiting for it`);
          waitingSince.set(item.unit, Date.now());
        }
        busy.push(item);
      }
      pending = busy;
      if (pending.length) await sleep(BAND_CLAIM.pollMs);
    }
    return list.map((item) => results.get(item.unit)!);
  };

  /** The inversion of an `ifgrams` frame into OUT/inversions/<name>/ (whole or from its bands), unless done. */
  const ensureInversion = async (unit: FrameUnit, label: string): Promise<FrameInversion['status']> => {
    const dir = unit.inversionDir!;
    const fingerprint = await fingerprints.inversion(unit);
    if (!options.force && (await recordMatches(dir, fingerprint))) {
      options.log(`${label}: inversion done before, inputs and options unchanged — kept`);
      return 'reused';
    }
    const about = { kind: 'inversion', frame: unit.frame.name, direction: unit.frame.direction };
    if (unit.bands.length === 0) {
      const t0 = Date.now();
      await stages.invert(invertInput(unit.frame, null), dir, within(label));
      await writeRecord(dir, about, fingerprint, { status: 'inverted', seconds: (Date.now() - t0) / 1000, bands: null, host: hostname() });
      return 'inverted';
    }
    // Every band done (run here, or waited for), then merged.
    const results = await ensureBands(unit.bands.map((band) => ({ unit: band, label: `${label}: ${unitLabel(band)}` })), false, true);
    for (const r of results) if (!summary.bands.some((b) => b.frame === r.frame && b.band === r.band)) summary.bands.push(r);
    const present = unit.bands.filter((_, k) => results[k].status !== 'empty');
    const bands = await Promise.all(present.map(async (b) => {
      const rec = (await readRecord(b.outDir))?.record as { seconds?: number; rows?: [number, number]; device?: string | null; host?: string | null } | undefined;
      return { band: b.band, rows: rec?.rows ?? null, seconds: rec?.seconds ?? null, device: rec?.device ?? null, host: rec?.host ?? null };
    }));
    const t0 = Date.now();
    const cache = await selectionCache(unit);
    await stages.mergeBands(invertInput(unit.frame, cache), present.map((b) => b.outDir), dir, within(label));
    await writeRecord(dir, about, fingerprint, { status: 'merged', seconds: (Date.now() - t0) / 1000, bands, host: hostname() });
    await removeBands(unit.bands, [cache]);
    return 'merged';
  };

  for (const unit of mine) {
    const t0 = Date.now();
    const of = `${unit.index + 1}/${units.length}`;
    if (unit.kind === 'band') {
      const label = `${unitLabel(unit)} (${of}, ${unit.frame.direction})`;
      const [r] = await ensureBands([{ unit, label }], options.force, false);
      const at = summary.bands.findIndex((b) => b.frame === r.frame && b.band === r.band);
      if (at >= 0) summary.bands[at] = r; else summary.bands.push(r);
      tick(unitLabel(unit));
      continue;
    }
    const fingerprint = await fingerprints.frame(unit);
    const label = `frame ${unit.frame.name} (${of}, ${unit.frame.direction})`;
    if (!options.force && (await unitIsDone(unit, fingerprint))) {
      options.log(`${label}: done before, inputs and options unchanged — skipped`);
      summary.frames.push({ ...frameEntry(unit.frame), status: 'skipped', seconds: 0, ...(await frameCounts(unit)) });
    } else {
      const inversionStatus = unit.inversionDir ? await ensureInversion(unit, label) : null;
      const fitInput = unit.inversionDir ?? unit.frame.stack!;
      const fit = await stages.fit({ stack: fitInput, geometry: unit.frame.geometry, mask: unit.frame.mask }, unit.outDir, within(`frame ${unit.frame.name}`));
      const seconds = (Date.now() - t0) / 1000;
      await writeUnitRecord(unit, fingerprint, { seconds, device: (fit as { device?: unknown }).device ?? null });
      const counts = await frameCounts(unit);
      if (counts.inversion && inversionStatus) counts.inversion.status = inversionStatus;
      const inv = counts.inversion;
      const inverted = inv ? `${inv.status === 'reused' ? 'inversion kept' : inv.status === 'merged' ? `inverted in ${inv.bands?.length ?? 0} bands, merged` : 'inverted'} (${inv.inverted ?? '?'} of ${inv.pixels ?? '?'} pixels, ${inv.interferograms.kept ?? '?'} of ${inv.interferograms.inFile ?? '?'} interferograms → ${inv.series ?? '?'}); ` : '';
      options.log(`${label}: ${inverted}fitted in ${seconds.toFixed(1)} s — ${counts.withData ?? '?'} of ${counts.pixels ?? '?'} pixels, ${counts.seasonal ?? '?'} seasonal`);
      summary.frames.push({ ...frameEntry(unit.frame), status: 'fitted', seconds, ...counts });
    }
    tick(`frame ${unit.frame.name}`);
  }
  summary.seconds.fit = (Date.now() - tFit) / 1000;
  if (!merging) {
    const frameUnits = units.filter((u) => u.kind === 'frame');
    const bandUnits = units.filter((u) => u.kind === 'band');
    const mineFrames = mine.filter((u) => u.kind === 'frame').length;
    const mineBands = mine.filter((u) => u.kind === 'band').length;
    options.log(`shard ${options.shard!.index}/${options.shard!.count}: ${mineFrames} of ${frameUnits.length} frame(s) done${bandUnits.length ? `, ${mineBands} of ${bandUnits.length} inversion band(s)` : ''}; run without --shard to merge`);
    summary.seconds.total = (Date.now() - started) / 1000;
    return summary;
  }

  // 2. Merge: every unit must be done (a shard may still be running or have failed).
  const frameUnits = units.filter((u): u is FrameUnit => u.kind === 'frame');
  for (const unit of frameUnits) {
    if (!(await unitIsDone(unit, await fingerprints.frame(unit)))) {
      throw new InputError(path.join(out, 'frames', unit.frame.name), 'frame not finished (a shard still running or failed?); rerun its shard or run without --shard');
    }
  }
  for (const unit of frameUnits) if (!summary.frames.some((f) => f.name === unit.frame.name)) summary.frames.push({ ...frameEntry(unit.frame), status: 'skipped', seconds: 0, ...(await frameCounts(unit)) });

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

function frameEntry(frame: ManifestFrame): { name: string; direction: string; stack: string } {
  return { name: frame.name, direction: frame.direction, stack: frameInput(frame) };
}

/** Pixel counts of a finished frame, from its fit summary.json, and of its inversion (null where absent). */
async function frameCounts(unit: FrameUnit): Promise<{ pixels: number | null; withData: number | null; seasonal: number | null; device: string | null; inversion: FrameInversion | null }> {
  let fit: { pixels: number | null; withData: number | null; seasonal: number | null; device: string | null };
  try {
    const s = JSON.parse(await readFile(path.join(unit.outDir, 'summary.json'), 'utf8')) as { counts?: { pixels?: number; withData?: number; seasonal?: number }; device?: { description?: string } };
    fit = { pixels: s.counts?.pixels ?? null, withData: s.counts?.withData ?? null, seasonal: s.counts?.seasonal ?? null, device: s.device?.description ?? null };
  } catch {
    fit = { pixels: null, withData: null, seasonal: null, device: null };
  }
  return { ...fit, inversion: unit.inversionDir ? await inversionCounts(unit.inversionDir) : null };
}

/** An inversion folder's counts (its summary.json) and times (its unit record). */
async function inversionCounts(dir: string): Promise<FrameInversion> {
  const s = await readFile(path.join(dir, 'summary.json'), 'utf8').then((t) => JSON.parse(t) as {
    series?: string; counts?: { pixels?: number; inverted?: number }; interferograms?: { inFile?: number; kept?: number }; maskTempCoh?: { pixels?: number };
  }, () => null);
  const rec = (await readRecord(dir))?.record as { status?: string; seconds?: number; bands?: FrameInversion['bands'] } | undefined;
  return {
    status: rec?.status === 'merged' ? 'merged' : 'inverted',
    dir,
    series: s?.series ?? null,
    pixels: s?.counts?.pixels ?? null,
    inverted: s?.counts?.inverted ?? null,
    interferograms: { inFile: s?.interferograms?.inFile ?? null, kept: s?.interferograms?.kept ?? null },
    maskTempCoh: s?.maskTempCoh?.pixels ?? null,
    seconds: rec?.seconds ?? null,
    bands: rec?.bands ?? null,
  };
}
