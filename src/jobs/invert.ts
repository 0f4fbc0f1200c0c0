// The invert job (`permasar invert`): the study's network inversion (§2.1) from MintPy's
// ifgramStack.h5, MintPy's estimator exactly (INVERSION.md §2; pipeline/invert.ts, the kernels of
// core/inversion.ts), streamed in row tiles of whole HDF5 chunks so a 20–30 GB frame is never
// held. Writes what MintPy's ifgram_inversion writes (timeseries.h5, temporalCoherence.h5,
// numInvIfgram.h5, with its datasets and attributes), the temporal coherence as a COG with a
// quicklook, and summary.json, whose `series` names the final series `permasar fit` reads from
// the folder. Node-only.
//
// Where this differs from MintPy, on purpose:
// - A pixel that is not inverted is NaN in timeseries.h5 (MintPy writes 0, indistinguishable
//   from "no motion"); temporalCoherence and numInvIfgram keep MintPy's 0 there (a coherence of
//   0 and a count of 0 are what was measured; maskTempCoh drops them either way).
// - A reference pixel that is 0 or NaN in a kept interferogram is refused: MintPy silently leaves
//   that interferogram unreferenced (0) or drops it everywhere (NaN).
// - waterMask.h5 is used only when given (--water-mask); MintPy picks up one from the working
//   folder if it happens to exist. ../avgSpatialCoh.h5 is not looked for (INVERSION.md §2.9, 5).
import path from 'node:path';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { InputError, optionError } from '../core/errors.ts';
import type { InvertKernel, InvertOutputs } from '../core/inversion.ts';
import { INVERT_PRODUCTS } from '../core/products.ts';
import {
  RampNormalEquations,
  SpatialMeanCoherence,
  matchTroposphereDates,
  rampTermCount,
  selectByCoherence,
  subtractTroposphere,
  temporalCoherenceMask,
  type RampType,
  type TroposphereDates,
} from '../core/corrections.ts';
import {
  datasetsNeeded,
  emptyInvertCounts,
  invertTile,
  planInversion,
  prepareInvertTile,
  setReferencePixel,
  type InversionPlan,
  type InvertCounts,
} from '../pipeline/invert.ts';
import { selectInvertKernel, float64InvertKernel } from '../pipeline/kernels.ts';
import { WorkerPoolInvertKernel } from '../cpu/invert-worker-pool.ts';
import { pixelOfLatLon } from '../pipeline/stack-selection.ts';
import { productGeoTiffOptions } from '../pipeline/fit-geotiff-options.ts';
import { DecimatedPlane } from '../pipeline/blocks.ts';
import { openIfgramStackNode, type IfgramStackReader } from '../io/ifgram-stack-node.ts';
import { mintpyStackMetadata, timeseriesPerpendicularBaselineM } from '../io/ifgram-stack.ts';
import { INVERSION_FILE_NAMES, openInversionWriters, openTimeseriesFileWriter, writeMaskFile, type InversionWriters, type TimeseriesFileWriter } from '../io/mintpy-inversion-write-node.ts';
import { openDelayStackNode, type DelayStackReader } from '../io/delay-stack-node.ts';
import { openH5Node, withH5Node } from '../io/h5-node.ts';
import { h5DatasetNames, mintpyStackFromH5, readH5Dataset2dFromFile } from '../io/mintpy-h5.ts';
import { callHdf5 } from '../io/hdf5-trace.ts';
import { createGeoTiffFile, type GeoTiffFileWriter } from '../io/geotiff-write-node.ts';
import { withOutput } from '../io/output-dir-node.ts';
import { renderRasterQuicklook } from '../plot/raster.ts';
import { encodePng } from '../plot/png.ts';
import { readAligned } from './support/inputs-node.ts';
import { withJobDevices } from './support/devices-node.ts';
import { formatSeconds } from './support/format.ts';
import { DEFAULT_INVERT_OPTIONS, type InvertTableOptions } from './invert-options.ts';
import type { JobContext } from './support/context.ts';
import type { RasterGrid } from '../core/grid.ts';

export interface InvertJobInputs {
  /** MintPy's inputs/ifgramStack.h5. */
  stack: string;
}

export type InvertJobOptions = Partial<InvertTableOptions>;

/** Interferogram bytes a tile may hold (every dataset read), before preparation. */
const TILE_BUDGET_BYTES = 48 * 1024 * 1024;

/** The corrections' output names, as smallbaselineApp names them. */
export const CORRECTION_FILE_NAMES = { maskTempCoh: 'maskTempCoh.h5', troposphereSuffix: '_ERA5', rampSuffix: '_ramp' } as const;

export interface InvertJobSummary {
  software: 'permasar';
  command: 'invert';
  created: string;
  inputs: { stack: string; waterMask: string | null; troposphere: string | null; geometry: string | null };
  /** The final series in this folder, for `permasar fit FOLDER` (a later step may name another). */
  series: string;
  options: Record<string, unknown>;
  grid: { width: number; height: number; radarCoded: boolean; geoTransform: number[] | null; epsg: number | null | undefined };
  reference: { row: number; col: number; source: string };
  interferograms: { inFile: number; kept: number; dropped: string[]; used: string[] };
  dates: string[];
  network: { halfBandwidth: number; redundancyExemptDate: string };
  weights: { function: string; looks: number | null };
  counts: { pixels: number; inverted: number; noData: number; skippedByRedundancy: number; solvedInFloat64: number; outsideWaterMask: number };
  device: { kind: 'cpu' | 'gpu'; description: string; notes: string[] };
  /** Coherence-based network selection (modify_network), or null when not asked. */
  networkSelection: { minCoherence: number; meanCoherence: Record<string, number | null>; droppedByCoherence: string[]; keptByMinimumSpanningTree: string[] } | null;
  /** maskTempCoh.h5. */
  maskTempCoh: { file: string; minTemporalCoherence: number; shadowMask: string | null; pixels: number; share: number };
  troposphere: { file: string; corrected: string; uncorrectedDates: string[] } | null;
  deramp: { type: string; file: string; maskFile: string; samplingStep: Record<string, number>; undeterminedDates: string[] } | null;
  products: string[];
  elapsedSeconds: number;
  [key: string]: unknown;
}

function pairName(p: { referenceDate: string; secondaryDate: string }): string {
  return `${p.referenceDate}_${p.secondaryDate}`;
}

/** The reference pixel: --ref-yx, --ref-lalo, or the file's REF_Y/REF_X. */
function referencePixel(reader: IfgramStackReader, options: InvertJobOptions): { row: number; col: number; source: string } {
  const { info } = reader;
  const inside = (row: number, col: number) => row >= 0 && col >= 0 && row < info.length && col < info.width;
  if (options.refYx) {
    const [row, col] = options.refYx;
    if (!inside(row, col)) throw optionError('ref-yx', `${row},${col} lies outside ${info.file} (rows 0–${info.length - 1}, columns 0–${info.width - 1})`);
    return { row, col, source: '--ref-yx' };
  }
  if (options.refLalo) {
    const [lat, lon] = options.refLalo;
    if (info.grid.radarCoded) throw optionError('ref-lalo', `${info.file} is in radar coordinates: use --ref-yx`);
    const at = pixelOfLatLon(info.grid, lat, lon, info.file, null);
    if (!at) throw optionError('ref-lalo', `${lat},${lon} lies outside ${info.file}`);
    return { ...at, source: '--ref-lalo' };
  }
  if (!info.ref) throw new InputError(info.file, 'no reference pixel: the file has no REF_Y/REF_X attributes (run MintPy\'s reference_point.py, or give --ref-yx ROW,COL or --ref-lalo LAT,LON)');
  const { y, x } = info.ref;
  if (!inside(y, x)) throw new InputError(info.file, `REF_Y/REF_X ${y},${x} lie outside the ${info.length} × ${info.width} stack`);
  return { row: y, col: x, source: 'REF_Y/REF_X' };
}

/**
 * The reference phase of each kept interferogram, or an InputError naming the interferograms
 * where the reference pixel has no data (0 or NaN): MintPy would leave such an interferogram
 * unreferenced, or blank it everywhere.
 */
function referencePhase(reader: IfgramStackReader, plan: InversionPlan, ref: { row: number; col: number; source: string }, pairs: { referenceDate: string; secondaryDate: string }[]): Float32Array {
  const values = reader.readPixel('unwrapPhase', plan.keptIfgrams, ref.row, ref.col);
  const bad = plan.keptIfgrams.filter((_, i) => values[i] === 0 || Number.isNaN(values[i]));
  if (bad.length) {
    const names = bad.slice(0, 3).map((i) => pairName(pairs[i])).join(', ');
    throw new InputError(reader.info.file, `the reference pixel (row ${ref.row}, column ${ref.col}, from ${ref.source}) has no data (0 or NaN) in ${bad.length} kept interferogram${bad.length === 1 ? '' : 's'} (${names}${bad.length > 3 ? ', …' : ''}): choose another with --ref-yx, or drop them`);
  }
  return values;
}

/** Rows per tile: whole HDF5 chunks within the byte budget, at least one row. */
export function tileRowsFor(reader: IfgramStackReader, plan: InversionPlan, given: number | null | undefined): number {
  if (given) return Math.min(given, reader.info.length);
  const need = datasetsNeeded(plan);
  const datasets = 1 + (need.coherence ? 1 : 0) + (need.connectComponent ? 1 : 0);
  const bytesPerRow = plan.keptIfgrams.length * reader.info.width * 4 * datasets;
  let rows = Math.max(1, Math.floor(TILE_BUDGET_BYTES / bytesPerRow));
  const chunk = reader.info.chunkRows;
  if (chunk > 1 && rows >= chunk) rows -= rows % chunk;
  return Math.min(rows, reader.info.length);
}

/**
 * The spatial mean coherence of each interferogram the file keeps (zeros excluded, inside the
 * water mask): one pass over the coherence in row tiles.
 */
function meanCoherenceOf(reader: IfgramStackReader, water: Float32Array | null, progress: (done: number, total: number) => void): Float64Array {
  const { info } = reader;
  const kept = info.keep.flatMap((k, i) => (k ? [i] : []));
  const bytesPerRow = Math.max(1, kept.length * info.width * 4);
  const rows = Math.max(1, Math.min(info.length, Math.floor(TILE_BUDGET_BYTES / bytesPerRow)));
  const sums = new SpatialMeanCoherence(info.pairs.length);
  for (let row0 = 0; row0 < info.length; row0 += rows) {
    const nRows = Math.min(rows, info.length - row0);
    const nPixels = nRows * info.width;
    sums.add(reader.readRows('coherence', kept, row0, nRows), kept, nPixels, water ? waterRows(water, row0 * info.width, nPixels) : null);
    progress(row0 + nRows, info.length);
  }
  return sums.means();
}

/** The geometry's shadowMask as 0/1 (1 = shadow), or null when the file has none. */
async function readShadowMask(geometry: string, grid: RasterGrid): Promise<Uint8Array | null> {
  const names = await withH5Node(geometry, (h5) => h5DatasetNames(h5, geometry));
  if (!names.includes('shadowMask')) return null;
  const values = await readAligned(geometry, grid, 'shadowMask');
  return Uint8Array.from(values, (v) => (v === 1 ? 1 : 0));
}

/** Options of one run; the corridor adds where the network selection is kept for a frame's bands. */
export interface InvertRunOptions extends InvertJobOptions {
  /**
   * A JSON file holding the coherence-based selection of this stack and threshold: read when it
   * matches (same stack file, size and time, threshold, water mask), else computed and written
   * (temporary file and rename). The corridor's bands of one frame share it, so the coherence is
   * averaged once a frame.
   */
  networkSelectionCache?: string | null;
}

/** Everything decided before a pixel is inverted: network, reference, delay, masks. */
interface InvertRun {
  reader: IfgramStackReader;
  stackFile: string;
  options: InvertRunOptions;
  choices: { weightFunction: InvertTableOptions['weightFunction']; maskDataset: InvertTableOptions['maskDataset']; maskThreshold: number; minRedundancy: number };
  plan: InversionPlan;
  keep: boolean[];
  ref: { row: number; col: number; source: string };
  refPhase: Float32Array;
  water: Float32Array | null;
  outsideWaterMask: number;
  shadow: Uint8Array | null;
  networkSelection: InvertJobSummary['networkSelection'];
  delay: DelayStackReader | null;
  troposphere: { dates: TroposphereDates; atReference: Float32Array } | null;
  minTemporalCoherence: number;
  deramp: RampType | null;
  dates: string[];
  /** Perpendicular baseline per date of the series (m). */
  bperp: Float32Array;
  tileRows: number;
  /** Warnings that are not errors (the job context's). */
  warn(line: string): void;
  close(): void;
}

async function statStamp(file: string): Promise<string> {
  const s = await stat(file);
  return `${path.resolve(file)}:${s.size}:${s.mtimeMs}`;
}

/** The selection of the stack at `minCoherence`, from the cache when it matches. */
async function networkSelectionOf(reader: IfgramStackReader, water: Float32Array | null, options: InvertRunOptions, ctx: JobContext): Promise<{ keep: boolean[]; summary: NonNullable<InvertJobSummary['networkSelection']> }> {
  const { info } = reader;
  const minCoherence = options.minCoherence!;
  const key = { stack: await statStamp(info.file), waterMask: options.waterMask ? await statStamp(options.waterMask) : null, minCoherence };
  const cache = options.networkSelectionCache ? path.resolve(options.networkSelectionCache) : null;
  if (cache) {
    const cached = await readFile(cache, 'utf8').then((t) => JSON.parse(t) as { key?: unknown; keep?: boolean[]; summary?: NonNullable<InvertJobSummary['networkSelection']> }, () => null);
    if (cached && JSON.stringify(cached.key) === JSON.stringify(key) && Array.isArray(cached.keep) && cached.keep.length === info.pairs.length && cached.summary) {
      return { keep: cached.keep, summary: cached.summary };
    }
  }
  if (!info.hasCoherence) throw new InputError(info.file, 'no coherence dataset: --min-coherence selects interferograms by their mean coherence');
  const means = meanCoherenceOf(reader, water, (d, t) => ctx.progress?.(d, t, 'mean coherence'));
  const selection = selectByCoherence(info.pairs, info.keep, means, minCoherence);
  const belowButTree = info.pairs.flatMap((p, i) => (info.keep[i] && selection.inMinimumSpanningTree[i] && !(means[i] >= minCoherence) ? [pairName(p)] : []));
  const summary = {
    minCoherence,
    meanCoherence: Object.fromEntries(info.pairs.flatMap((p, i) => (info.keep[i] ? [[pairName(p), Number.isNaN(means[i]) ? null : +means[i].toFixed(6)]] : []))),
    droppedByCoherence: selection.dropped.map((i) => pairName(info.pairs[i])),
    keptByMinimumSpanningTree: belowButTree,
  };
  if (cache) {
    const tmp = `${cache}.partial-${process.pid}`;
    await writeFile(tmp, JSON.stringify({ key, keep: selection.keep, summary }) + '\n');
    await rename(tmp, cache);
  }
  return { keep: selection.keep, summary };
}

/** Opens the stack and decides the run (network, reference, delay, masks); refuses bad input in one line. */
async function openInvertRun(stackPath: string, options: InvertRunOptions, ctx: JobContext): Promise<InvertRun> {
  const say = (line: string) => ctx.log(line);
  const warn = ctx.warn ?? ((line: string) => console.error(line));
  const stackFile = path.resolve(stackPath);
  const choices = {
    weightFunction: options.weightFunction ?? DEFAULT_INVERT_OPTIONS.weightFunction,
    maskDataset: options.maskDataset ?? DEFAULT_INVERT_OPTIONS.maskDataset,
    maskThreshold: options.maskThreshold ?? DEFAULT_INVERT_OPTIONS.maskThreshold,
    minRedundancy: options.minRedundancy ?? DEFAULT_INVERT_OPTIONS.minRedundancy,
  };
  const reader = await openIfgramStackNode(stackFile);
  let delay: DelayStackReader | null = null;
  try {
    const { info } = reader;
    const minTemporalCoherence = options.minTemporalCoherence ?? DEFAULT_INVERT_OPTIONS.minTemporalCoherence;
    const deramp = options.deramp ?? null;
    const water = options.waterMask ? await readAligned(options.waterMask, info.grid, 'waterMask') : null;
    let outsideWaterMask = 0;
    if (water) for (const v of water) if (!(v !== 0 && !Number.isNaN(v))) outsideWaterMask++;
    if (water && outsideWaterMask === water.length) throw new InputError(options.waterMask!, 'the water mask is 0 (or NaN) everywhere: no pixel to invert');
    const shadow = options.geometry ? await readShadowMask(options.geometry, info.grid) : null;
    if (options.geometry && !shadow) warn(`invert: ${options.geometry} has no shadowMask; maskTempCoh is temporal coherence alone`);

    // 1. Network selection (modify_network, coherence-based), before anything is inverted.
    let keep = info.keep;
    let networkSelection: InvertJobSummary['networkSelection'] = null;
    if (options.minCoherence !== null && options.minCoherence !== undefined) {
      const selected = await networkSelectionOf(reader, water, options, ctx);
      keep = selected.keep;
      networkSelection = selected.summary;
      say(`invert: network selection at mean coherence ${options.minCoherence}: ${selected.summary.droppedByCoherence.length} of ${info.keep.filter(Boolean).length} interferograms dropped, ${selected.summary.keptByMinimumSpanningTree.length} below it kept by the minimum spanning tree`);
    }
    const plan = planInversion({
      file: info.file,
      pairs: info.pairs,
      keep,
      looks: info.looks,
      wavelengthM: info.wavelengthM,
      hasCoherence: info.hasCoherence,
      hasConnectComponent: info.hasConnectComponent,
    }, choices);
    const ref = referencePixel(reader, options);
    const refPhase = referencePhase(reader, plan, ref, info.pairs);
    const dates = plan.network.dates;

    // 2. The delay stack: its grid, dates and the reference pixel's delay, checked before inverting.
    let troposphere: InvertRun['troposphere'] = null;
    if (options.troposphere) {
      delay = await openDelayStackNode(path.resolve(options.troposphere), info.grid);
      const matched = matchTroposphereDates(dates, delay.dates, dates[0]);
      if (!matched) throw new InputError(delay.file, `has no delay for the series' reference date ${dates[0]}: it cannot be referenced in time`);
      const atReference = await delay.readPixel(ref.row, ref.col);
      const used = new Set(Array.from(matched.delayIndexOfDate).filter((e) => e >= 0));
      const blank = [...used].filter((e) => !Number.isFinite(atReference[e])).map((e) => delay!.dates[e]);
      if (blank.length) throw new InputError(delay.file, `no delay at the reference pixel (row ${ref.row}, column ${ref.col}) on ${blank.length} date(s) (${blank.slice(0, 3).join(', ')}${blank.length > 3 ? ', …' : ''})`);
      if (matched.missing.length) {
        warn(`invert: WARNING: ${delay.file} has no delay for ${matched.missing.length} date(s) of the series, left uncorrected: ${matched.missing.join(', ')}`);
      }
      troposphere = { dates: matched, atReference };
    }
    const tileRows = tileRowsFor(reader, plan, options.tileRows);
    const run: InvertRun = {
      reader, stackFile, options, choices, plan, keep, ref, refPhase, water, outsideWaterMask, shadow, networkSelection, delay, troposphere,
      minTemporalCoherence, deramp, dates, tileRows, warn,
      bperp: timeseriesPerpendicularBaselineM(plan.keptIfgrams.map((i) => info.pairs[i]), plan.keptIfgrams.map((i) => info.bperp?.[i] ?? 0)),
      close() {
        delay?.close();
        reader.close();
      },
    };
    return run;
  } catch (e) {
    delay?.close();
    reader.close();
    throw e;
  }
}

/** Inverts rows row0 … row1 − 1 tile by tile, handing each tile's outputs to `onTile`. */
async function invertRows(
  run: InvertRun, row0: number, row1: number, ctx: JobContext, counts: InvertCounts,
  onTile: (row0: number, nRows: number, out: InvertOutputs) => Promise<void>,
  progress: (done: number, total: number) => void,
): Promise<{ kind: 'cpu' | 'gpu'; description: string; notes: string[] }> {
  const { reader, plan, refPhase, water, ref, tileRows } = run;
  const { width } = reader.info;
  const need = datasetsNeeded(plan);
  const nDates = run.dates.length;
  const nIfgrams = plan.keptIfgrams.length;
  const nTiles = Math.ceil((row1 - row0) / tileRows);
  const notes: string[] = [];
  let described = { kind: 'cpu' as 'cpu' | 'gpu', description: '' };
  await withJobDevices(ctx, async (devices) => {
    const selected = await selectInvertKernel(devices, (line) => ctx.log(line), () => new WorkerPoolInvertKernel());
    notes.push(...selected.notes);
    const kernel: InvertKernel = selected.kernel;
    const float64: { kernel: InvertKernel | null } = { kernel: null };
    try {
      for (let t = 0; t < nTiles; t++) {
        const first = row0 + t * tileRows;
        const nRows = Math.min(tileRows, row1 - first);
        const nPixels = nRows * width;
        const raw = {
          nPixels,
          unwrapPhase: reader.readRows('unwrapPhase', plan.keptIfgrams, first, nRows),
          coherence: need.coherence ? reader.readRows('coherence', plan.keptIfgrams, first, nRows) : null,
          connectComponent: need.connectComponent ? reader.readRows('connectComponent', plan.keptIfgrams, first, nRows) : null,
          invertPixel: water ? waterRows(water, first * width, nPixels) : null,
        };
        const tile = prepareInvertTile(plan, raw, refPhase);
        const out = await invertTile(kernel, () => (float64.kernel ??= float64InvertKernel()), tile, plan, counts);
        if (ref.row >= first && ref.row < first + nRows) setReferencePixel(out, (ref.row - first) * width + ref.col, nPixels, nDates, nIfgrams, counts);
        await onTile(first, nRows, out);
        progress(t + 1, nTiles);
      }
    } finally {
      await float64.kernel?.dispose();
      described = { kind: kernel.kind, description: kernel.description };
      await kernel.dispose();
    }
  });
  return { ...described, notes };
}

function networkSettings(run: InvertRun) {
  // As MintPy's CLI writes them (str() of its Python values): no mask is None.
  return {
    obsDatasetName: 'unwrapPhase',
    numIfgram: run.plan.keptIfgrams.length,
    weightFunc: run.choices.weightFunction,
    maskDataset: run.choices.maskDataset === 'none' ? null : run.choices.maskDataset,
    maskThreshold: run.choices.maskThreshold,
    minRedundancy: run.choices.minRedundancy,
    minNormVelocity: true,
  };
}

/**
 * The folder `permasar invert` writes, filled tile by tile (in row order): MintPy's three files,
 * the GeoTIFFs, and the corrections — maskTempCoh, the delay subtracted as each tile comes, the
 * ramps' sums — then `finish` solves the ramps, passes over the series once more and writes
 * the summary. The same for a whole stack inverted here and for a corridor frame's bands.
 */
class InversionFolderWriter {
  private writers: InversionWriters | null = null;
  private corrected: TimeseriesFileWriter | null = null;
  private deramped: TimeseriesFileWriter | null = null;
  private cohTif: GeoTiffFileWriter | null = null;
  private countTif: GeoTiffFileWriter | null = null;
  private readonly cohLook: DecimatedPlane;
  private readonly mask: Uint8Array;
  private maskPixels = 0;
  private readonly ramps: RampNormalEquations | null;
  readonly troposphereFile = `timeseries${CORRECTION_FILE_NAMES.troposphereSuffix}.h5`;
  readonly rampFile: string;

  constructor(private readonly run: InvertRun, private readonly dir: string, private readonly finalDir: string) {
    const { width, length } = run.reader.info;
    this.cohLook = new DecimatedPlane(width, length);
    this.mask = new Uint8Array(length * width);
    this.ramps = run.deramp ? new RampNormalEquations(run.deramp, run.dates.length, length, width) : null;
    this.rampFile = `timeseries${run.troposphere ? CORRECTION_FILE_NAMES.troposphereSuffix : ''}${CORRECTION_FILE_NAMES.rampSuffix}.h5`;
  }

  async open(): Promise<void> {
    const { run } = this;
    const { info } = run.reader;
    this.writers = await openInversionWriters(this.dir, {
      // The stack's attributes with START_DATE/END_DATE over all its dates, as MintPy's.
      stackAttributes: mintpyStackMetadata(info),
      length: info.length,
      width: info.width,
      dates: run.dates,
      bperp: run.bperp,
      networkInversion: networkSettings(run),
      reference: { y: run.ref.row, x: run.ref.col },
      // Output chunks of the tile's rows: each tile fills whole chunks.
      chunkRows: run.tileRows,
    });
    // diff.py lays its output out from timeseries.h5's attributes, unchanged.
    if (run.troposphere) this.corrected = await openTimeseriesFileWriter(path.join(this.dir, this.troposphereFile), { ...this.seriesLayout(), attributes: this.writers.attributes.timeseries });
    this.cohTif = await createGeoTiffFile(path.join(this.dir, INVERT_PRODUCTS.temporalCoherence.file), info.grid, productGeoTiffOptions(INVERT_PRODUCTS.temporalCoherence));
    this.countTif = await createGeoTiffFile(path.join(this.dir, INVERT_PRODUCTS.numInvIfgram.file), info.grid, productGeoTiffOptions(INVERT_PRODUCTS.numInvIfgram));
  }

  private seriesLayout() {
    const { info } = this.run.reader;
    return { dates: this.run.dates, bperp: this.run.bperp, length: info.length, width: info.width, chunkRows: this.run.tileRows };
  }

  /** One tile of the inversion, rows in order. Its series is corrected in place. */
  async addTile(row0: number, nRows: number, out: Pick<InvertOutputs, 'timeseriesM' | 'temporalCoherence' | 'numInvIfgram'>): Promise<void> {
    const { run } = this;
    const { width } = run.reader.info;
    const nPixels = nRows * width;
    await this.writers!.writeRows(row0, nRows, out.timeseriesM, out.temporalCoherence, out.numInvIfgram);
    await this.cohTif!.writeRows(row0, out.temporalCoherence);
    await this.countTif!.writeRows(row0, out.numInvIfgram);
    this.cohLook.add(row0, out.temporalCoherence);
    // The corrections of this tile: maskTempCoh, the delay, the ramps' sums.
    const maskRows = this.mask.subarray(row0 * width, row0 * width + nPixels);
    this.maskPixels += temporalCoherenceMask(out.temporalCoherence, run.minTemporalCoherence, run.shadow ? run.shadow.subarray(row0 * width, row0 * width + nPixels) : null, maskRows);
    if (run.troposphere) {
      subtractTroposphere(out.timeseriesM, nPixels, await run.delay!.readRows(row0, nRows), run.troposphere.atReference, run.troposphere.dates);
      this.corrected!.writeRows(row0, nRows, out.timeseriesM);
    }
    this.ramps?.addRows(row0, nRows, out.timeseriesM, maskRows);
  }

  /** maskTempCoh.h5, the ramps' pass, and every file closed; returns what the summary says of them. */
  async finish(progress: (done: number, total: number) => void): Promise<{ maskPixels: number; deramp: InvertJobSummary['deramp']; series: string; products: string[] }> {
    const { run } = this;
    const { info } = run.reader;
    const { length, width } = info;
    const writers = this.writers!;
    const deramp = run.deramp;
    if (this.ramps && this.maskPixels < rampTermCount(deramp!)) {
      throw new InputError(info.file, `--deramp ${deramp}: maskTempCoh keeps ${this.maskPixels} pixel(s) with temporal coherence ≥ ${run.minTemporalCoherence}, fewer than the ${rampTermCount(deramp!)} terms of the ramp (lower --min-temp-coh)`);
    }
    // generate_mask.py's attributes: temporalCoherence.h5's as readfile.read_attribute gives
    // them (with FILE_PATH, and NO_DATA_VALUE 'none' where the file has none).
    await writeMaskFile(path.join(this.dir, CORRECTION_FILE_NAMES.maskTempCoh), {
      ...writers.attributes.temporalCoherence,
      FILE_PATH: path.join(this.finalDir, INVERSION_FILE_NAMES.temporalCoherence),
      NO_DATA_VALUE: writers.attributes.temporalCoherence.NO_DATA_VALUE ?? 'none',
    }, this.mask, length, width);

    // The ramps, once every tile's sums are in: one more pass over the series by tiles.
    let rampSummary: InvertJobSummary['deramp'] = null;
    if (this.ramps) {
      const solution = this.ramps.solve();
      if (solution.undetermined.length) {
        run.warn(`invert: WARNING: the pixels of maskTempCoh cannot determine a ${deramp} ramp on ${solution.undetermined.length} date(s), left as they are: ${solution.undetermined.map((k) => run.dates[k]).join(', ')}`);
      }
      const source = this.corrected ?? writers.series;
      this.deramped = await openTimeseriesFileWriter(path.join(this.dir, this.rampFile), {
        ...this.seriesLayout(),
        // remove_ramp.py's extra_meta, added to its input's attributes.
        attributes: { ...writers.attributes.timeseries, 'mintpy.deramp': deramp!, 'mintpy.deramp.maskFile': CORRECTION_FILE_NAMES.maskTempCoh },
      });
      const nTiles = Math.ceil(length / run.tileRows);
      for (let t = 0; t < nTiles; t++) {
        const row0 = t * run.tileRows;
        const nRows = Math.min(run.tileRows, length - row0);
        const rows = source.readRows(row0, nRows);
        solution.subtractRows(row0, nRows, rows, run.ref);
        this.deramped.writeRows(row0, nRows, rows);
        progress(t + 1, nTiles);
      }
      this.deramped.close();
      this.deramped = null;
      const samplingStep: Record<string, number> = {};
      run.dates.forEach((d, k) => { if (solution.steps[k] > 1) samplingStep[d] = solution.steps[k]; });
      rampSummary = { type: deramp!, file: this.rampFile, maskFile: CORRECTION_FILE_NAMES.maskTempCoh, samplingStep, undeterminedDates: solution.undetermined.map((k) => run.dates[k]) };
    }
    this.corrected?.close();
    this.corrected = null;
    await writers.close();
    this.writers = null;
    await this.cohTif!.close();
    this.cohTif = null;
    await this.countTif!.close();
    this.countTif = null;
    const spec = INVERT_PRODUCTS.temporalCoherence;
    const png = renderRasterQuicklook({ data: this.cohLook.data, width: this.cohLook.width, height: this.cohLook.height, ...spec.quicklook });
    await writeFile(path.join(this.dir, spec.file.replace(/\.tif$/, '.png')), encodePng(png));
    const series = rampSummary ? this.rampFile : run.troposphere ? this.troposphereFile : INVERSION_FILE_NAMES.timeseries;
    const products = [
      INVERSION_FILE_NAMES.timeseries, INVERSION_FILE_NAMES.temporalCoherence, INVERSION_FILE_NAMES.numInvIfgram, CORRECTION_FILE_NAMES.maskTempCoh,
      ...(run.troposphere ? [this.troposphereFile] : []), ...(rampSummary ? [this.rampFile] : []),
      INVERT_PRODUCTS.temporalCoherence.file, INVERT_PRODUCTS.numInvIfgram.file, 'temporalCoherence.png',
    ];
    return { maskPixels: this.maskPixels, deramp: rampSummary, series, products };
  }

  /** A failed run: every file closed and removed (the staging folder goes too). */
  async discard(): Promise<void> {
    await this.deramped?.discard();
    await this.corrected?.discard();
    await this.writers?.discard();
    await this.cohTif?.discard();
    await this.countTif?.discard();
  }
}

/** summary.json of an invert folder. */
function invertSummary(run: InvertRun, started: number, ctx: JobContext, counts: InvertCounts, device: InvertJobSummary['device'], finished: Awaited<ReturnType<InversionFolderWriter['finish']>>, troposphereFile: string): InvertJobSummary {
  const { info } = run.reader;
  const { options, choices, plan, keep, dates } = run;
  const { width, length } = info;
  const used = plan.keptIfgrams.map((i) => pairName(info.pairs[i]));
  return {
    software: 'permasar',
    command: 'invert',
    created: new Date().toISOString(),
    inputs: {
      stack: run.stackFile,
      waterMask: options.waterMask ? path.resolve(options.waterMask) : null,
      troposphere: options.troposphere ? path.resolve(options.troposphere) : null,
      geometry: options.geometry ? path.resolve(options.geometry) : null,
    },
    series: finished.series,
    options: {
      weightFunc: choices.weightFunction,
      maskDataset: choices.maskDataset,
      maskThreshold: choices.maskThreshold,
      minRedundancy: choices.minRedundancy,
      minNormVelocity: true,
      minCoherence: options.minCoherence ?? null,
      minTempCoh: run.minTemporalCoherence,
      deramp: run.deramp ?? 'none',
      device: ctx.kernels?.choice ?? ctx.device,
      tileRows: run.tileRows,
    },
    grid: {
      width, height: length, radarCoded: Boolean(info.grid.radarCoded),
      geoTransform: info.grid.radarCoded ? null : [...info.grid.geoTransform], epsg: info.grid.epsg,
    },
    reference: run.ref,
    interferograms: {
      inFile: info.pairs.length,
      kept: plan.keptIfgrams.length,
      dropped: info.pairs.filter((_, i) => !keep[i]).map(pairName),
      used,
    },
    dates,
    network: { halfBandwidth: plan.network.halfBandwidth, redundancyExemptDate: dates[plan.network.redundancyExemptDate] },
    weights: { function: choices.weightFunction, looks: plan.weightLooks },
    counts: { ...counts, outsideWaterMask: run.outsideWaterMask },
    device,
    networkSelection: run.networkSelection,
    maskTempCoh: {
      file: CORRECTION_FILE_NAMES.maskTempCoh, minTemporalCoherence: run.minTemporalCoherence, shadowMask: run.shadow ? path.resolve(options.geometry!) : null,
      pixels: finished.maskPixels, share: +(finished.maskPixels / (length * width)).toFixed(6),
    },
    troposphere: run.troposphere ? { file: path.resolve(options.troposphere!), corrected: troposphereFile, uncorrectedDates: run.troposphere.dates.missing } : null,
    deramp: finished.deramp,
    products: finished.products,
    elapsedSeconds: (Date.now() - started) / 1000,
  };
}

function resultLine(summary: InvertJobSummary, outDir: string): string {
  const { counts } = summary;
  const f64 = counts.solvedInFloat64 ? `, ${counts.solvedInFloat64} re-solved in float64` : '';
  const corrections = [summary.troposphere ? 'ERA5' : '', summary.deramp ? `${summary.deramp.type} ramps` : ''].filter(Boolean).join(', ');
  return `invert: ${counts.inverted} of ${counts.pixels} pixels inverted from ${summary.interferograms.kept} interferograms × ${summary.dates.length} dates (${summary.weights.function} weights; ${counts.skippedByRedundancy} below min redundancy${f64}) on ${summary.device.description}; maskTempCoh keeps ${(100 * summary.maskTempCoh.share).toFixed(1)} %${corrections ? `; corrected for ${corrections}` : ''} → ${summary.series}, ${formatSeconds(summary.elapsedSeconds)} → ${outDir}`;
}

/**
 * Writes an invert folder through its staging folder: `fill` hands every tile, in row order, to
 * the folder writer (inverting them, or reading a corridor frame's bands); then the corrections'
 * last pass, summary.json and the result line.
 */
async function writeInvertFolder(
  run: InvertRun, outDir: string, overwrite: boolean, started: number, ctx: JobContext,
  fill: (folder: InversionFolderWriter, passes: number) => Promise<{ counts: InvertCounts; device: InvertJobSummary['device'] }>,
  extra: Record<string, unknown> = {},
): Promise<InvertJobSummary> {
  const passes = 1 + (run.deramp ? 1 : 0);
  return withOutput(outDir, { overwrite }, async (output) => {
    const folder = new InversionFolderWriter(run, output.dir, outDir);
    let filled: Awaited<ReturnType<typeof fill>>;
    let finished: Awaited<ReturnType<InversionFolderWriter['finish']>>;
    try {
      await folder.open();
      filled = await fill(folder, passes);
      finished = await folder.finish((d, t) => ctx.progress?.(t + d, passes * t, 'removing ramps'));
    } catch (e) {
      await folder.discard();
      throw e;
    }
    const summary = { ...invertSummary(run, started, ctx, filled.counts, filled.device, finished, folder.troposphereFile), ...extra };
    await writeFile(path.join(output.dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    await output.commit();
    ctx.log(resultLine(summary, outDir));
    return summary;
  });
}

export async function invertJob(inputs: InvertJobInputs, options: InvertRunOptions, outDirGiven: string, ctx: JobContext): Promise<InvertJobSummary> {
  const started = Date.now();
  const outDir = path.resolve(outDirGiven);
  const run = await openInvertRun(inputs.stack, options, ctx);
  try {
    const { length } = run.reader.info;
    return await writeInvertFolder(run, outDir, Boolean(options.overwrite), started, ctx, async (folder, passes) => {
      const counts = emptyInvertCounts();
      const device = await invertRows(run, 0, length, ctx, counts, (row0, nRows, out) => folder.addTile(row0, nRows, out), (d, t) => ctx.progress?.(d, passes * t, 'inverting'));
      if (counts.inverted <= 1) {
        throw new InputError(run.reader.info.file, `no pixel could be inverted (${counts.noData} without data, ${counts.skippedByRedundancy} below --min-redundancy ${run.choices.minRedundancy})`);
      }
      return { counts, device };
    });
  } finally {
    run.close();
  }
}

// ——————————————————————— row bands: one frame over several machines ———————————————————————
//
// The corridor splits a large frame's inversion into row bands (work units on any node). A band
// folder holds MintPy's three files for its rows only (LENGTH = the band's rows, attribute
// PERMASAR_BAND_ROW0 its first row in the frame) and band.json; the merge streams the bands in
// row order through the same InversionFolderWriter a whole run uses, so a merged folder is the
// folder `permasar invert` writes — value for value (every pixel's solve is independent of the
// tiling, and the corrections see the tiles in the same row order).

export const BAND_RECORD = 'band.json';

export interface InvertBand { index: number; count: number; row0: number; row1: number }

/** `count` bands of about equal rows, each a whole number of `chunkRows` where it can be. */
export function invertBands(length: number, count: number, chunkRows = 1): InvertBand[] {
  const n = Math.max(1, Math.min(Math.trunc(count), length));
  const unit = Math.max(1, Math.min(Math.trunc(chunkRows), Math.floor(length / n)));
  const units = Math.ceil(length / unit);
  const bands: InvertBand[] = [];
  for (let k = 0; k < n; k++) {
    const row0 = Math.min(length, Math.round((k * units) / n) * unit);
    const row1 = k === n - 1 ? length : Math.min(length, Math.round(((k + 1) * units) / n) * unit);
    bands.push({ index: k, count: n, row0, row1 });
  }
  return bands.filter((b) => b.row1 > b.row0);
}

export interface InvertBandSummary {
  software: 'permasar';
  command: 'invert-band';
  stack: string;
  row0: number;
  row1: number;
  counts: InvertCounts;
  device: InvertJobSummary['device'];
  keptInterferograms: number;
  elapsedSeconds: number;
}

/** Inverts rows band.row0 … band.row1 − 1 into `outDir` (a band folder, merged by mergeInvertBandsJob). */
export async function invertBandJob(inputs: InvertJobInputs, options: InvertRunOptions, band: { row0: number; row1: number }, outDirGiven: string, ctx: JobContext): Promise<InvertBandSummary> {
  const started = Date.now();
  const outDir = path.resolve(outDirGiven);
  const run = await openInvertRun(inputs.stack, options, ctx);
  try {
    const { info } = run.reader;
    if (!(Number.isInteger(band.row0) && Number.isInteger(band.row1) && band.row0 >= 0 && band.row1 <= info.length && band.row1 > band.row0)) {
      throw new Error(`invertBandJob: rows ${band.row0}–${band.row1} outside ${info.length}`);
    }
    const nRowsBand = band.row1 - band.row0;
    return await withOutput(outDir, { overwrite: true }, async (output) => {
      const writers = await openInversionWriters(output.dir, {
        stackAttributes: { ...mintpyStackMetadata(info), LENGTH: String(nRowsBand), PERMASAR_BAND_ROW0: String(band.row0) },
        length: nRowsBand,
        width: info.width,
        dates: run.dates,
        bperp: run.bperp,
        networkInversion: networkSettings(run),
        chunkRows: run.tileRows,
      });
      const counts = emptyInvertCounts();
      let device: InvertJobSummary['device'];
      try {
        device = await invertRows(run, band.row0, band.row1, ctx, counts,
          (row0, nRows, out) => writers.writeRows(row0 - band.row0, nRows, out.timeseriesM, out.temporalCoherence, out.numInvIfgram),
          (d, t) => ctx.progress?.(d, t, 'inverting'));
        await writers.close();
      } catch (e) {
        await writers.discard();
        throw e;
      }
      const summary: InvertBandSummary = {
        software: 'permasar', command: 'invert-band', stack: run.stackFile, row0: band.row0, row1: band.row1,
        counts, device, keptInterferograms: run.plan.keptIfgrams.length, elapsedSeconds: (Date.now() - started) / 1000,
      };
      await writeFile(path.join(output.dir, BAND_RECORD), JSON.stringify(summary, null, 2) + '\n');
      await output.commit();
      ctx.log(`invert: band rows ${band.row0}–${band.row1 - 1}: ${counts.inverted} of ${counts.pixels} pixels inverted, ${formatSeconds(summary.elapsedSeconds)} → ${outDir}`);
      return summary;
    });
  } finally {
    run.close();
  }
}

/**
 * The invert folder of a stack from its bands' folders (any order; together they must cover
 * every row once): what invertJob writes, with the bands' counts and devices.
 */
export async function mergeInvertBandsJob(inputs: InvertJobInputs, options: InvertRunOptions, bandDirs: string[], outDirGiven: string, ctx: JobContext): Promise<InvertJobSummary> {
  const started = Date.now();
  const outDir = path.resolve(outDirGiven);
  const run = await openInvertRun(inputs.stack, options, ctx);
  try {
    const { info } = run.reader;
    const bands: (InvertBandSummary & { dir: string })[] = [];
    for (const dir of bandDirs) {
      const file = path.join(path.resolve(dir), BAND_RECORD);
      const text = await readFile(file, 'utf8').catch(() => null);
      if (text === null) throw new InputError(dir, `not a finished band of ${info.file} (no ${BAND_RECORD})`);
      const band = JSON.parse(text) as InvertBandSummary;
      if (band.stack !== run.stackFile) throw new InputError(file, `a band of ${band.stack}, not of ${run.stackFile}`);
      if (band.keptInterferograms !== run.plan.keptIfgrams.length) throw new InputError(file, `inverted from ${band.keptInterferograms} interferograms, this run keeps ${run.plan.keptIfgrams.length}: options differ`);
      bands.push({ ...band, dir: path.resolve(dir) });
    }
    bands.sort((a, b) => a.row0 - b.row0);
    let next = 0;
    for (const b of bands) {
      if (b.row0 !== next) throw new InputError(b.dir, b.row0 > next ? `rows ${next}–${b.row0 - 1} of ${info.file} are in no band` : `rows ${b.row0}–${next - 1} are in two bands`);
      next = b.row1;
    }
    if (next !== info.length) throw new InputError(bandDirs[0] ?? outDir, `rows ${next}–${info.length - 1} of ${info.file} are in no band`);
    const counts = emptyInvertCounts();
    for (const b of bands) for (const k of Object.keys(counts) as (keyof InvertCounts)[]) counts[k] += b.counts[k];
    const descriptions = [...new Set(bands.map((b) => b.device.description))];
    const device: InvertJobSummary['device'] = {
      kind: bands.some((b) => b.device.kind === 'gpu') ? 'gpu' : 'cpu',
      description: descriptions.join('; '),
      notes: [...new Set(bands.flatMap((b) => b.device.notes))],
    };
    const { width } = info;
    return await writeInvertFolder(run, outDir, Boolean(options.overwrite), started, ctx, async (folder, passes) => {
      let done = 0;
      for (const b of bands) {
        // The band's files through the project's MintPy readers (one-line errors naming the file).
        const tsFile = path.join(b.dir, INVERSION_FILE_NAMES.timeseries);
        const series = mintpyStackFromH5(await openH5Node(tsFile), tsFile, { allowRadarCoded: true });
        const tcohFile = path.join(b.dir, INVERSION_FILE_NAMES.temporalCoherence);
        const numFile = path.join(b.dir, INVERSION_FILE_NAMES.numInvIfgram);
        const tcoh = await openH5Node(tcohFile);
        const num = await openH5Node(numFile);
        try {
          const bandRows = b.row1 - b.row0;
          if (series.grid.height !== bandRows || series.grid.width !== width || series.dates.join() !== run.dates.join()) {
            throw new InputError(tsFile, `${series.dates.length} dates × ${series.grid.height} × ${series.grid.width}, the band needs the run's ${run.dates.length} dates × ${bandRows} × ${width}`);
          }
          const plane = (h5: typeof tcoh, file: string, name: string, row0: number, nRows: number) =>
            readH5Dataset2dFromFile(h5, file, name, { row0, nRows }, { allowRadarCoded: true }).data;
          for (let r = 0; r < bandRows; r += run.tileRows) {
            const nRows = Math.min(run.tileRows, bandRows - r);
            await folder.addTile(b.row0 + r, nRows, {
              timeseriesM: await series.readRows(r, nRows),
              temporalCoherence: plane(tcoh, tcohFile, 'temporalCoherence', r, nRows),
              numInvIfgram: plane(num, numFile, 'mask', r, nRows),
            });
            done += nRows;
            ctx.progress?.(done, passes * info.length, 'merging bands');
          }
        } finally {
          series.close();
          for (const f of [tcoh, num]) callHdf5(() => f.close());
        }
      }
      return { counts, device };
    }, { bands: bands.map((b) => ({ rows: [b.row0, b.row1], seconds: b.elapsedSeconds, device: b.device.description })) });
  } finally {
    run.close();
  }
}

function waterRows(water: Float32Array, from: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    const v = water[from + p];
    out[p] = v !== 0 && !Number.isNaN(v) ? 1 : 0;
  }
  return out;
}

