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
import { writeFile } from 'node:fs/promises';
import { InputError, optionError } from '../core/errors.ts';
import type { InvertKernel } from '../core/inversion.ts';
import { INVERT_PRODUCTS } from '../core/products.ts';
import {
  datasetsNeeded,
  emptyInvertCounts,
  invertTile,
  planInversion,
  prepareInvertTile,
  setReferencePixel,
  type InversionPlan,
} from '../pipeline/invert.ts';
import { selectInvertKernel, float64InvertKernel } from '../pipeline/kernels.ts';
import { WorkerPoolInvertKernel } from '../cpu/invert-worker-pool.ts';
import { pixelOfLatLon } from '../pipeline/stack-selection.ts';
import { productGeoTiffOptions } from '../pipeline/fit-geotiff-options.ts';
import { DecimatedPlane } from '../pipeline/blocks.ts';
import { openIfgramStackNode, type IfgramStackReader } from '../io/ifgram-stack-node.ts';
import { mintpyStackMetadata, timeseriesPerpendicularBaselineM } from '../io/ifgram-stack.ts';
import { INVERSION_FILE_NAMES, openInversionWriters, type InversionWriters } from '../io/mintpy-inversion-write-node.ts';
import { createGeoTiffFile, type GeoTiffFileWriter } from '../io/geotiff-write-node.ts';
import { withOutput } from '../io/output-dir-node.ts';
import { renderRasterQuicklook } from '../plot/raster.ts';
import { encodePng } from '../plot/png.ts';
import { readAligned } from './support/inputs-node.ts';
import { withJobDevices } from './support/devices-node.ts';
import { formatSeconds } from './support/format.ts';
import { DEFAULT_INVERT_OPTIONS, type InvertTableOptions } from './invert-options.ts';
import type { JobContext } from './support/context.ts';

export interface InvertJobInputs {
  /** MintPy's inputs/ifgramStack.h5. */
  stack: string;
}

export type InvertJobOptions = Partial<InvertTableOptions>;

/** Interferogram bytes a tile may hold (every dataset read), before preparation. */
const TILE_BUDGET_BYTES = 48 * 1024 * 1024;

export interface InvertJobSummary {
  software: 'permasar';
  command: 'invert';
  created: string;
  inputs: { stack: string; waterMask: string | null };
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

export async function invertJob(inputs: InvertJobInputs, options: InvertJobOptions, outDirGiven: string, ctx: JobContext): Promise<InvertJobSummary> {
  const started = Date.now();
  const say = (line: string) => ctx.log(line);
  const outDir = path.resolve(outDirGiven);
  const stackFile = path.resolve(inputs.stack);
  const choices = {
    weightFunction: options.weightFunction ?? DEFAULT_INVERT_OPTIONS.weightFunction,
    maskDataset: options.maskDataset ?? DEFAULT_INVERT_OPTIONS.maskDataset,
    maskThreshold: options.maskThreshold ?? DEFAULT_INVERT_OPTIONS.maskThreshold,
    minRedundancy: options.minRedundancy ?? DEFAULT_INVERT_OPTIONS.minRedundancy,
  };
  const reader = await openIfgramStackNode(stackFile);
  try {
    const { info } = reader;
    const plan = planInversion({
      file: info.file,
      pairs: info.pairs,
      keep: info.keep,
      looks: info.looks,
      wavelengthM: info.wavelengthM,
      hasCoherence: info.hasCoherence,
      hasConnectComponent: info.hasConnectComponent,
    }, choices);
    const ref = referencePixel(reader, options);
    const refPhase = referencePhase(reader, plan, ref, info.pairs);
    const { width, length } = info;
    const water = options.waterMask ? await readAligned(options.waterMask, info.grid, 'waterMask') : null;
    let outsideWaterMask = 0;
    if (water) for (const v of water) if (!(v !== 0 && !Number.isNaN(v))) outsideWaterMask++;
    if (water && outsideWaterMask === water.length) throw new InputError(options.waterMask!, 'the water mask is 0 (or NaN) everywhere: no pixel to invert');
    const need = datasetsNeeded(plan);
    const nDates = plan.network.dates.length;
    const nIfgrams = plan.keptIfgrams.length;
    const tileRows = tileRowsFor(reader, plan, options.tileRows);
    const nTiles = Math.ceil(length / tileRows);
    const counts = emptyInvertCounts();
    // As MintPy's CLI writes them (str() of its Python values): no mask is None.
    const networkOptions = {
      obsDatasetName: 'unwrapPhase',
      numIfgram: nIfgrams,
      weightFunc: choices.weightFunction,
      maskDataset: choices.maskDataset === 'none' ? null : choices.maskDataset,
      maskThreshold: choices.maskThreshold,
      minRedundancy: choices.minRedundancy,
      minNormVelocity: true,
    };

    return await withOutput(outDir, { overwrite: Boolean(options.overwrite) }, async (output) => {
      const notes: string[] = [];
      let writers: InversionWriters | null = null;
      let cohTif: GeoTiffFileWriter | null = null;
      let countTif: GeoTiffFileWriter | null = null;
      const cohLook = new DecimatedPlane(width, length);
      let kernelDescription = { kind: 'cpu' as 'cpu' | 'gpu', description: '' };
      try {
        writers = await openInversionWriters(output.dir, {
          // The stack's attributes with START_DATE/END_DATE over all its dates, as MintPy's.
          stackAttributes: mintpyStackMetadata(info),
          length,
          width,
          dates: plan.network.dates,
          bperp: timeseriesPerpendicularBaselineM(plan.keptIfgrams.map((i) => info.pairs[i]), plan.keptIfgrams.map((i) => info.bperp?.[i] ?? 0)),
          networkInversion: networkOptions,
          reference: { y: ref.row, x: ref.col },
          // Output chunks of the tile's rows: each tile fills whole chunks.
          chunkRows: tileRows,
        });
        cohTif = await createGeoTiffFile(path.join(output.dir, INVERT_PRODUCTS.temporalCoherence.file), info.grid, productGeoTiffOptions(INVERT_PRODUCTS.temporalCoherence));
        countTif = await createGeoTiffFile(path.join(output.dir, INVERT_PRODUCTS.numInvIfgram.file), info.grid, productGeoTiffOptions(INVERT_PRODUCTS.numInvIfgram));
        await withJobDevices(ctx, async (devices) => {
          const selected = await selectInvertKernel(devices, (line) => say(line), () => new WorkerPoolInvertKernel());
          notes.push(...selected.notes);
          const kernel: InvertKernel = selected.kernel;
          const float64: { kernel: InvertKernel | null } = { kernel: null };
          try {
            for (let t = 0; t < nTiles; t++) {
              const row0 = t * tileRows;
              const nRows = Math.min(tileRows, length - row0);
              const nPixels = nRows * width;
              const raw = {
                nPixels,
                unwrapPhase: reader.readRows('unwrapPhase', plan.keptIfgrams, row0, nRows),
                coherence: need.coherence ? reader.readRows('coherence', plan.keptIfgrams, row0, nRows) : null,
                connectComponent: need.connectComponent ? reader.readRows('connectComponent', plan.keptIfgrams, row0, nRows) : null,
                invertPixel: water ? waterRows(water, row0 * width, nPixels) : null,
              };
              const tile = prepareInvertTile(plan, raw, refPhase);
              const out = await invertTile(kernel, () => (float64.kernel ??= float64InvertKernel()), tile, plan, counts);
              if (ref.row >= row0 && ref.row < row0 + nRows) setReferencePixel(out, (ref.row - row0) * width + ref.col, nPixels, nDates, nIfgrams, counts);
              await writers!.writeRows(row0, nRows, out.timeseriesM, out.temporalCoherence, out.numInvIfgram);
              await cohTif!.writeRows(row0, out.temporalCoherence);
              await countTif!.writeRows(row0, out.numInvIfgram);
              cohLook.add(row0, out.temporalCoherence);
              ctx.progress?.(t + 1, nTiles, 'inverting');
            }
          } finally {
            await float64.kernel?.dispose();
            kernelDescription = { kind: kernel.kind, description: kernel.description };
            await kernel.dispose();
          }
        });
        await writers.close();
        writers = null;
        await cohTif.close();
        cohTif = null;
        await countTif.close();
        countTif = null;
      } catch (e) {
        await writers?.discard();
        await cohTif?.discard();
        await countTif?.discard();
        throw e;
      }
      if (counts.inverted <= 1) {
        throw new InputError(info.file, `no pixel could be inverted (${counts.noData} without data, ${counts.skippedByRedundancy} below --min-redundancy ${choices.minRedundancy})`);
      }
      const spec = INVERT_PRODUCTS.temporalCoherence;
      const png = renderRasterQuicklook({ data: cohLook.data, width: cohLook.width, height: cohLook.height, ...spec.quicklook });
      await writeFile(path.join(output.dir, spec.file.replace(/\.tif$/, '.png')), encodePng(png));
      const elapsedSeconds = (Date.now() - started) / 1000;
      const used = plan.keptIfgrams.map((i) => pairName(info.pairs[i]));
      const summary: InvertJobSummary = {
        software: 'permasar',
        command: 'invert',
        created: new Date().toISOString(),
        inputs: { stack: stackFile, waterMask: options.waterMask ? path.resolve(options.waterMask) : null },
        series: INVERSION_FILE_NAMES.timeseries,
        options: {
          weightFunc: choices.weightFunction,
          maskDataset: choices.maskDataset,
          maskThreshold: choices.maskThreshold,
          minRedundancy: choices.minRedundancy,
          minNormVelocity: true,
          device: ctx.kernels?.choice ?? ctx.device,
          tileRows,
        },
        grid: {
          width, height: length, radarCoded: Boolean(info.grid.radarCoded),
          geoTransform: info.grid.radarCoded ? null : [...info.grid.geoTransform], epsg: info.grid.epsg,
        },
        reference: ref,
        interferograms: {
          inFile: info.pairs.length,
          kept: nIfgrams,
          dropped: info.pairs.filter((_, i) => !info.keep[i]).map(pairName),
          used,
        },
        dates: plan.network.dates,
        network: { halfBandwidth: plan.network.halfBandwidth, redundancyExemptDate: plan.network.dates[plan.network.redundancyExemptDate] },
        weights: { function: choices.weightFunction, looks: plan.weightLooks },
        counts: { ...counts, outsideWaterMask },
        device: { ...kernelDescription, notes },
        products: [INVERSION_FILE_NAMES.timeseries, INVERSION_FILE_NAMES.temporalCoherence, INVERSION_FILE_NAMES.numInvIfgram, INVERT_PRODUCTS.temporalCoherence.file, INVERT_PRODUCTS.numInvIfgram.file, 'temporalCoherence.png'],
        elapsedSeconds,
      };
      await writeFile(path.join(output.dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
      await output.commit();
      const f64 = counts.solvedInFloat64 ? `, ${counts.solvedInFloat64} re-solved in float64` : '';
      say(`invert: ${counts.inverted} of ${counts.pixels} pixels inverted from ${nIfgrams} interferograms × ${nDates} dates (${choices.weightFunction} weights; ${counts.skippedByRedundancy} below min redundancy${f64}) on ${kernelDescription.description}, ${formatSeconds(elapsedSeconds)} → ${outDir}`);
      return summary;
    });
  } finally {
    reader.close();
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

