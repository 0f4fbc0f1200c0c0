// The seasons job (`permasar seasons`, issue 15): is the active layer deepening? The fit of
// the fit job (its products are written here too, so `vertical` takes this folder), then per
// calendar year the seasonal amplitude and its peak day, and per seasonal pixel the trend of the
// amplitude. Everything lands in a staging folder first and is renamed into place only when
// complete. Node-only; the web worker runs the same runSeasonsPipeline in memory.
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { InputError } from '../core/errors.ts';
import { type FitKernel, type FitOptions, type FitProductKey } from '../core/fit-types.ts';
import { DEFAULT_SEASONS_OPTIONS, type SeasonsKernel, type SeasonsOptions } from '../core/seasons.ts';
import { resolveStackScale, checkEpochCount } from '../pipeline/fit-setup.ts';
import { buildFitSummary, type FitSummary } from '../pipeline/fit-summary.ts';
import { fitProductGeoTiffOptions, incidenceGeoTiffOptions } from '../pipeline/fit-geotiff-options.ts';
import { FIT_PRODUCT_INFO } from '../pipeline/fit-products.ts';
import { renderFitQuicklooks } from '../pipeline/fit-quicklooks.ts';
import {
  byYearGeoTiffOptions,
  pixelProductGeoTiffOptions,
  renderSeasonsQuicklooks,
  runSeasonsPipeline,
  seasonsYearsOf,
  SEASONS_BY_YEAR_INFO,
  SEASONS_PIXEL_INFO,
  type SeasonsRunResult,
} from '../pipeline/seasons.ts';
import { selectFitKernel, selectSeasonsKernel } from '../pipeline/kernels.ts';
import { withJobDevices } from './support/devices-node.ts';
import { WorkerPoolFitKernel } from '../cpu/worker-pool.ts';
import { openStack } from '../io/stack-node.ts';
import { beginOutput } from '../io/output-dir-node.ts';
import { createGeoTiffFile, writeGeoTiffFile, type GeoTiffFileWriter } from '../io/geotiff-write-node.ts';
import { readAligned, readStackIncidence } from './support/inputs-node.ts';
import { DEFAULT_MASK_MIN, fitOptionsWithDefaults, type FitJobOptions } from './fit.ts';
import { applyStackSelection } from '../pipeline/stack-selection.ts';
import { formatSeconds } from './support/format.ts';
import type { JobContext } from './support/context.ts';

export interface SeasonsJobInputs {
  /** MintPy timeseries.h5, or a folder of single-band GeoTIFFs with YYYYMMDD in each name. */
  stack: string;
  mask?: string | null;
  maskDataset?: string | null;
  /** A constant in degrees or a raster on the stack's grid, kept as incidence.tif (so `vertical` projects the yearly amplitudes). */
  incidence?: string | number | null;
}

/** The fit job's options and the per-year ones (core/seasons.ts; checked by seasonsOptionProblem). */
export interface SeasonsJobOptions extends FitJobOptions, Partial<SeasonsOptions> {}

export type SeasonsJobSummary = FitSummary & { seasons: Record<string, unknown> };

export async function seasonsJob(inputs: SeasonsJobInputs, options: SeasonsJobOptions, outDir: string, ctx: JobContext): Promise<SeasonsJobSummary> {
  return (await runSeasonsJob(inputs, options, outDir, ctx)).summary;
}

export async function runSeasonsJob(inputs: SeasonsJobInputs, jobOptions: SeasonsJobOptions, outDirGiven: string, ctx: JobContext): Promise<{ summary: SeasonsJobSummary; result: SeasonsRunResult }> {
  const started = Date.now();
  const say = (line: string) => ctx.log(line);
  const outDir = path.resolve(outDirGiven);
  const stackPath = inputs.stack;
  const options: FitOptions = fitOptionsWithDefaults(jobOptions);
  const seasonsOptions: SeasonsOptions = {
    minYearEpochs: jobOptions.minYearEpochs ?? DEFAULT_SEASONS_OPTIONS.minYearEpochs,
    minYearMonths: jobOptions.minYearMonths ?? DEFAULT_SEASONS_OPTIONS.minYearMonths,
    minTrendYears: jobOptions.minTrendYears ?? DEFAULT_SEASONS_OPTIONS.minTrendYears,
  };
  const maskMin = jobOptions.maskMin ?? DEFAULT_MASK_MIN;

  const opened = await openStack(path.resolve(stackPath));
  try {
    const scale = resolveStackScale(opened, stackPath, jobOptions.unit, jobOptions.wavelengthM);
    const mask = inputs.mask ? await readAligned(inputs.mask, opened.grid, inputs.maskDataset ?? undefined) : null;
    const { stack, record: selection } = await applyStackSelection(opened, jobOptions, {
      warn: ctx.warn ?? ((line: string) => console.error(line)), command: 'permasar seasons', maskMin,
      maskAt: mask ? (row, col) => mask[row * opened.grid.width + col] : null,
    });
    checkEpochCount(stack.dates.length, options.minValidEpochs, stackPath);
    const years = seasonsYearsOf(stack.dates, seasonsOptions);
    if (years.length === 0) {
      throw new InputError(stackPath, `no calendar year has ${seasonsOptions.minYearEpochs} or more dates in ${seasonsOptions.minYearMonths} or more months (${stack.dates[0]}–${stack.dates[stack.dates.length - 1]}); nothing to fit per year`);
    }
    const grid = stack.grid;
    const incidence = await readStackIncidence(inputs.incidence, null, grid);

    const output = await beginOutput(outDir, { overwrite: Boolean(jobOptions.overwrite) });
    const writers: GeoTiffFileWriter[] = [];
    let fitKernel: FitKernel | null = null;
    let seasonsKernel: SeasonsKernel | null = null;
    try {
      return await withJobDevices(ctx, async (devices) => {
        try {
          const selected = await selectFitKernel(devices, () => new WorkerPoolFitKernel(), say);
          fitKernel = selected.kernel;
          const notes = selected.notes;
          // The per-year kernel follows the fit kernel's device: GPU when the fit runs there.
          const seasonsSelected = await selectSeasonsKernel(devices, fitKernel, say);
          seasonsKernel = seasonsSelected.kernel;
          notes.push(...seasonsSelected.notes.map((n) => `per-year kernel: ${n}`));
          say(`permasar seasons: ${stack.dates.length} dates (${stack.dates[0]}–${stack.dates[stack.dates.length - 1]}), ${grid.width}×${grid.height} pixels, years ${years.join(', ')}, on ${fitKernel.description}`);

          const fitWriters = new Map<FitProductKey, GeoTiffFileWriter>();
          for (const info of FIT_PRODUCT_INFO) {
            const w = await createGeoTiffFile(path.join(output.dir, info.file), grid, fitProductGeoTiffOptions(info));
            fitWriters.set(info.key, w);
            writers.push(w);
          }
          const byYearWriters = new Map<string, GeoTiffFileWriter>();
          for (const info of SEASONS_BY_YEAR_INFO) {
            const w = await createGeoTiffFile(path.join(output.dir, info.file), grid, byYearGeoTiffOptions(info, years));
            byYearWriters.set(info.key, w);
            writers.push(w);
          }
          const pixelWriters = new Map<string, GeoTiffFileWriter>();
          for (const info of SEASONS_PIXEL_INFO) {
            const w = await createGeoTiffFile(path.join(output.dir, info.file), grid, pixelProductGeoTiffOptions(info));
            pixelWriters.set(info.key, w);
            writers.push(w);
          }
          const result = await runSeasonsPipeline({
            stack,
            fitKernel,
            seasonsKernel,
            options,
            seasonsOptions,
            scaleToMm: scale.scaleToMm,
            maskRows: mask ? async (row0, nRows) => mask.subarray(row0 * grid.width, (row0 + nRows) * grid.width) : undefined,
            maskMin,
            tileRows: jobOptions.tileRows,
            fitWriter: { writeRows: (key, row0, _nRows, data) => fitWriters.get(key)!.writeRows(row0, data) },
            seasonsWriter: {
              writeByYear: (key, yearIndex, row0, data) => byYearWriters.get(key)!.writeRows(row0, data, yearIndex),
              writePixel: (key, row0, data) => pixelWriters.get(key)!.writeRows(row0, data),
            },
            onProgress: (done, total) => ctx.progress?.(done, total, 'fitting'),
          });
          if (result.fit.pixelsWithData === 0) {
            throw new InputError(stackPath, `no pixel has ${options.minValidEpochs} or more valid epochs${mask ? ` after the mask (≥ ${maskMin})` : ''}: the stack is all NaN or nearly so; nothing written`);
          }
          for (const w of writers) await w.close();
          if (incidence) await writeGeoTiffFile(path.join(output.dir, 'incidence.tif'), grid, incidence.data, incidenceGeoTiffOptions(incidence.source));
          for (const [file, png] of [...renderFitQuicklooks(result.fit, grid), ...renderSeasonsQuicklooks(result, grid)]) await writeFile(path.join(output.dir, file), png);

          const elapsedSeconds = (Date.now() - started) / 1000;
          const fitSummary = buildFitSummary({
            command: 'seasons',
            inputs: {
              stack: path.resolve(stackPath), format: stack.format, grid, scale, refDate: stack.refDate,
              mask: inputs.mask ? path.resolve(inputs.mask) : null, incidence: incidence?.source ?? null, geometry: null,
            },
            options,
            maskMin: mask ? maskMin : null,
            deviceChoice: devices.choice,
            device: { kind: fitKernel.kind, description: `${fitKernel.description}; per-year kernel ${seasonsKernel.description}`, notes },
            result: result.fit,
            elapsedSeconds,
            selection,
          });
          const summary = {
            ...fitSummary,
            seasons: {
              options: seasonsOptions,
              model: 'per calendar year Y: d − a·t = o + c sin 2π(t − Y − ½) + s cos 2π(t − Y − ½), a the whole-series rate; amplitude 2√(c² + s²); trend: weighted LS slope of the yearly amplitudes (weights 1/σ²), seasonal pixels only',
              years: result.years,
              perYear: result.yearStatistics.map((y) => ({ year: y.year, dates: result.context.years.find((c) => c.year === y.year)!.endDate - result.context.years.find((c) => c.year === y.year)!.firstDate, amplitudeMm: y.amplitudeMm, peakDayOfYear: y.peakDayOfYear })),
              trend: {
                pixels: result.trendPixels,
                growingBeyond2Sigma: result.growingPixels,
                shrinkingBeyond2Sigma: result.shrinkingPixels,
                amplitudeTrendMmPerYear: result.trendStatistics,
                amplitudeTrendStdMmPerYear: result.trendStdStatistics,
              },
              products: Object.fromEntries([
                ...SEASONS_BY_YEAR_INFO.map((p) => [p.file, { unit: p.unit, description: p.description, bands: result.years.map(String) }]),
                ...SEASONS_PIXEL_INFO.map((p) => [p.file, { unit: p.unit, description: p.description }]),
              ]),
            },
          };
          await writeFile(path.join(output.dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
          await output.commit();
          say(`${result.fit.pixelsWithData} of ${result.fit.pixels} pixels fitted, ${result.fit.seasonalPixels} seasonal; amplitude trend on ${result.trendPixels} ` +
            `(${result.growingPixels} growing, ${result.shrinkingPixels} shrinking beyond 2σ) over ${result.years[0]}–${result.years[result.years.length - 1]}; ${formatSeconds(elapsedSeconds)} → ${outDir}`);
          return { summary, result };
        } finally {
          await fitKernel?.dispose();
          await seasonsKernel?.dispose();
        }
      });
    } catch (e) {
      for (const w of writers) await w.discard().catch(() => {});
      await output.abort();
      throw e;
    }
  } finally {
    opened.close();
  }
}

