// The fit job (`permasar fit`, corridor frames): the per-pixel fits of DESIGN.md §1 (items
// 1–4) over a MintPy timeseries.h5 or a folder of per-date GeoTIFFs, written as georeferenced
// Float32 GeoTIFFs, summary.json and PNG quicklooks. Everything lands in a staging folder first
// and is renamed into place only when complete. Node-only; the web worker drives the same
// pipeline (pipeline/fit.ts, seasons.ts) with its own readers and in-memory writers.
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { InputError } from '../../core/errors.ts';
import { DEFAULT_FIT_OPTIONS, type FitOptions, type FitProductKey } from '../../core/fit-types.ts';
import { runFitPipeline, type FitRunResult } from '../fit.ts';
import { type StackScale, resolveStackScale, checkEpochCount, implausibleUnitWarning, maxAbsFinite } from '../fit-setup.ts';
import { buildFitSummary, type FitSummary } from '../fit-summary.ts';
import { fitProductGeoTiffOptions, incidenceGeoTiffOptions, azimuthGeoTiffOptions } from '../fit-geotiff-options.ts';
import { FIT_PRODUCT_INFO } from '../fit-products.ts';
import { renderFitQuicklooks } from '../fit-quicklooks.ts';
import { selectFitKernel } from '../kernels.ts';
import { withJobDevices } from '../devices-node.ts';
import { WorkerPoolFitKernel } from '../../cpu/worker-pool.ts';
import { openStack, type StackSource } from '../../io/stack-node.ts';
import { beginOutput } from '../../io/output-dir-node.ts';
import { createGeoTiffFile, writeGeoTiffFile, type GeoTiffFileWriter } from '../../io/geotiff-write-node.ts';
import { readAligned, readMask, readStackIncidence } from './inputs-node.ts';
import { formatSeconds } from './format.ts';
import type { JobContext } from './context.ts';

export interface FitJobInputs {
  /** MintPy timeseries.h5, or a folder of single-band GeoTIFFs with YYYYMMDD in each name. */
  stack: string;
  /** Temporal coherence (GeoTIFF or MintPy .h5) on the stack's grid. */
  mask?: string | null;
  /** Dataset in an HDF5 mask (default: temporalCoherence, mask, or the only 2-D one). */
  maskDataset?: string | null;
  /** Incidence: a constant in degrees, or a raster on the stack's grid; kept as incidence.tif. */
  incidence?: string | number | null;
  /** MintPy geometryGeo.h5: incidenceAngle (unless `incidence`) and azimuthAngle kept beside the products. */
  geometry?: string | null;
}

export interface FitJobOptions extends Partial<FitOptions> {
  /** Keep pixels with mask ≥ maskMin (default 0.6, as in the study). */
  maskMin?: number;
  /** Unit of the stack, m|cm|mm|rad (default: the file's UNIT attribute). */
  unit?: string;
  /** Radar wavelength for unit rad, metres (default: the file's, else Sentinel-1's). */
  wavelengthM?: number;
  /** Rows per tile (default: from the device's limits). */
  tileRows?: number;
  /** Replace an existing outDir (only once the new one is complete). */
  overwrite?: boolean;
}

export const DEFAULT_MASK_MIN = 0.6;

export type FitJobSummary = FitSummary;

export async function fitJob(inputs: FitJobInputs, options: FitJobOptions, outDir: string, ctx: JobContext): Promise<FitJobSummary> {
  return (await runFitJob(inputs, options, outDir, ctx)).summary;
}

/** fitJob, also giving the pipeline's result (statistics, previews) to callers that want it. */
export async function runFitJob(inputs: FitJobInputs, jobOptions: FitJobOptions, outDirGiven: string, ctx: JobContext): Promise<{ summary: FitJobSummary; result: FitRunResult }> {
  const started = Date.now();
  const say = (line: string) => ctx.log(line);
  const outDir = path.resolve(outDirGiven);
  const stackPath = inputs.stack;
  const options: FitOptions = {
    minValidEpochs: jobOptions.minValidEpochs ?? DEFAULT_FIT_OPTIONS.minValidEpochs,
    extremaTolerance: jobOptions.extremaTolerance ?? DEFAULT_FIT_OPTIONS.extremaTolerance,
    expectedExtrema: jobOptions.expectedExtrema ?? DEFAULT_FIT_OPTIONS.expectedExtrema,
  };
  const maskMin = jobOptions.maskMin ?? DEFAULT_MASK_MIN;

  const stack = await openStack(path.resolve(stackPath));
  try {
    const scale = resolveStackScale(stack, stackPath, jobOptions.unit, jobOptions.wavelengthM);
    const { unit, scaleToMm } = scale;
    checkEpochCount(stack.dates.length, options.minValidEpochs, stackPath);
    const grid = stack.grid;

    // Auxiliary rasters are read (and checked) before any output exists.
    const mask = inputs.mask ? await readMask(inputs.mask, grid, inputs.maskDataset ?? undefined) : null;
    const incidence = await readStackIncidence(inputs.incidence, inputs.geometry, grid);
    const azimuth = inputs.geometry ? await readAligned(inputs.geometry, grid, 'azimuthAngle') : null;

    // The output folder is claimed before the (slow) device start, so a refusal comes at once.
    const output = await beginOutput(outDir, { overwrite: Boolean(jobOptions.overwrite) });
    const writers = new Map<FitProductKey, GeoTiffFileWriter>();
    try {
      return await withJobDevices(ctx, async (devices) => {
        const selected = await selectFitKernel(devices, () => new WorkerPoolFitKernel(), say);
        const { kernel, notes } = selected;
        try {
          say(`permasar fit: ${stack.dates.length} dates (${stack.dates[0]}–${stack.dates[stack.dates.length - 1]}), ${grid.width}×${grid.height} pixels, unit ${unit} → mm, on ${kernel.description}`);
          for (const info of FIT_PRODUCT_INFO) {
            writers.set(info.key, await createGeoTiffFile(path.join(output.dir, info.file), grid, fitProductGeoTiffOptions(info)));
          }
          const result = await runFitPipeline({
            stack: warnOnImplausibleUnit(stack, scale, stackPath, ctx.warn ?? ((line) => console.error(line))),
            kernel,
            options,
            scaleToMm,
            maskRows: mask ? async (row0, nRows) => mask.subarray(row0 * grid.width, (row0 + nRows) * grid.width) : undefined,
            maskMin,
            tileRows: jobOptions.tileRows,
            writer: { writeRows: (key, row0, _nRows, data) => writers.get(key)!.writeRows(row0, data) },
            onProgress: (done, total) => ctx.progress?.(done, total, 'fitting'),
          });
          if (result.pixelsWithData === 0) {
            throw new InputError(stackPath, `no pixel has ${options.minValidEpochs} or more valid epochs${mask ? ` after the mask (≥ ${maskMin})` : ''}: the stack is all NaN or nearly so; nothing written`);
          }
          for (const w of writers.values()) await w.close();
          writers.clear();
          if (incidence) await writeGeoTiffFile(path.join(output.dir, 'incidence.tif'), grid, incidence.data, incidenceGeoTiffOptions(incidence.source));
          if (azimuth) await writeGeoTiffFile(path.join(output.dir, 'azimuth.tif'), grid, azimuth, azimuthGeoTiffOptions());

          for (const [file, png] of renderFitQuicklooks(result, grid)) await writeFile(path.join(output.dir, file), png);
          const elapsedSeconds = (Date.now() - started) / 1000;
          const summary = buildFitSummary({
            inputs: {
              stack: path.resolve(stackPath),
              format: stack.format,
              grid,
              scale,
              refDate: stack.refDate,
              mask: inputs.mask ? path.resolve(inputs.mask) : null,
              incidence: incidence?.source ?? null,
              geometry: inputs.geometry ? path.resolve(inputs.geometry) : null,
            },
            options,
            maskMin: mask ? maskMin : null,
            deviceChoice: devices.choice,
            device: { kind: kernel.kind, description: kernel.description, notes },
            result,
            elapsedSeconds,
          });
          await writeFile(path.join(output.dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
          await output.commit();
          const c = summary.counts;
          say(`${c.withData} of ${c.pixels} pixels fitted (${c.masked} masked, ${c.noData} without enough data); ` +
            `${c.seasonal} seasonal (${(c.seasonalPercentOfData ?? 0).toFixed(1)} %), ${c.notSeasonal} not; ${formatSeconds(elapsedSeconds)} → ${outDir}`);
          return { summary, result };
        } finally {
          await kernel.dispose();
        }
      });
    } catch (e) {
      for (const w of writers.values()) await w.discard().catch(() => {});
      await output.abort();
      throw e;
    }
  } finally {
    stack.close();
  }
}

/**
 * The stack, with every block it serves checked for values implausible in its unit (a stack in
 * mm labelled m): one WARNING line, naming --unit, the first time (not an error: the user may
 * know better). Checked as the tiles stream, so it costs one pass over memory.
 */
function warnOnImplausibleUnit(stack: StackSource, scale: StackScale, stackPath: string, warn: (line: string) => void): StackSource {
  let warned = false;
  // Everything else is the stack's own (a prototype link keeps its methods and getters).
  const checked: StackSource = Object.create(stack);
  checked.readRows = async (row0: number, nRows: number) => {
    const block = await stack.readRows(row0, nRows);
    if (!warned) {
      const warning = implausibleUnitWarning(maxAbsFinite(block), scale, stackPath);
      if (warning) {
        warned = true;
        warn(`permasar fit: ${warning}`);
      }
    }
    return block;
  };
  return checked;
}
