// `permasar seasons STACK --out DIR` (issue 15): is the active layer deepening? The fit of
// `permasar fit` (its products are written here too, so `vertical` takes this folder), then
// per calendar year the seasonal amplitude and its peak day, and per seasonal pixel the trend
// of the amplitude. Everything lands in a staging folder first and is renamed into place only
// when complete.
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { InputError } from '../core/errors.ts';
import { sameGrid, describeGrid, type RasterGrid } from '../core/grid.ts';
import { DEFAULT_FIT_OPTIONS, THREE_SINUSOID_PARAMETERS, type FitKernel, type FitOptions, type FitProductKey } from '../core/fit-types.ts';
import { DEFAULT_SEASONS_OPTIONS, seasonsOptionProblem, type SeasonsKernel, type SeasonsOptions } from '../core/seasons.ts';
import { SENTINEL1_WAVELENGTH_M } from '../pipeline/fit.ts';
import { resolveStackScale, checkEpochCount } from '../pipeline/fit-setup.ts';
import { buildFitSummary } from '../pipeline/fit-summary.ts';
import { fitProductGeoTiffOptions, incidenceGeoTiffOptions } from '../pipeline/fit-geotiff-options.ts';
import { FIT_PRODUCT_INFO } from '../pipeline/fit-products.ts';
import { renderFitQuicklooks } from '../pipeline/fit-quicklooks.ts';
import {
  byYearGeoTiffOptions,
  FallbackSeasonsKernel,
  pixelProductGeoTiffOptions,
  renderSeasonsQuicklooks,
  runSeasonsPipeline,
  seasonsYearsOf,
  SEASONS_BY_YEAR_INFO,
  SEASONS_PIXEL_INFO,
  type SeasonsRunResult,
} from '../pipeline/seasons.ts';
import { CpuSeasonsKernel } from '../cpu/seasons.ts';
import { openStack } from '../io/stack-node.ts';
import { readRaster, isHdf5Path } from '../io/raster-node.ts';
import { beginOutput } from '../io/output-dir-node.ts';
import { createGeoTiffFile, writeGeoTiffFile, type GeoTiffFileWriter } from '../io/geotiff-write-node.ts';
import { selectFitKernel, selectKernel, type DeviceChoice } from './kernel-node.ts';
import { ProgressBar, formatSeconds } from './progress.ts';
import { numberOption, optionalNumberOption, choiceOption, requiredString } from './options.ts';
import type { Command } from './command.ts';

const USAGE = `usage: permasar seasons STACK --out DIR [options]

Per pixel: the fit of \`permasar fit\` (its products are written here too), then for each
calendar year with enough epochs the seasonal amplitude (peak to trough) and day of peak of
that year's detrended series, and, for seasonal pixels with enough years, the trend of the
amplitude (weighted least squares, mm/yr): where is the active layer deepening, and how fast?

options (those of fit):
  --out DIR               output folder (refused if it exists, unless --overwrite)
  --overwrite             replace an existing output folder (only once the new one is complete)
  --unit m|cm|mm|rad      unit of the stack (default: the file's UNIT attribute); results are mm
  --wavelength M          radar wavelength for --unit rad, metres (default ${SENTINEL1_WAVELENGTH_M}, Sentinel-1)
  --mask FILE             temporal coherence (GeoTIFF or MintPy .h5) on the stack's grid
  --mask-min X            keep pixels with mask ≥ X (default 0.6, as in the study)
  --mask-dataset NAME     dataset in an HDF5 mask
  --incidence FILE|DEG    incidence angle (GeoTIFF, or a constant in degrees), kept as incidence.tif
                          so that \`permasar vertical DIR\` projects the yearly amplitudes
  --min-epochs N          whole-series fit: fewer valid epochs → NaN (default ${DEFAULT_FIT_OPTIONS.minValidEpochs})
  --tolerance N           seasonal when |extrema − expected| ≤ N (default ${DEFAULT_FIT_OPTIONS.extremaTolerance})
  --expected-extrema N    expected maxima + minima (default round(2 × the pixel's span in years))
  --device gpu|cpu|auto   where the kernels run (default auto: GPU if an adapter exists)
  --tile-rows N           rows per tile (default: from the device's limits)
  --quiet                 no progress or result lines on the terminal

options (per year):
  --min-year-epochs N     a year needs N valid epochs (default ${DEFAULT_SEASONS_OPTIONS.minYearEpochs})
  --min-year-months N     … in at least N distinct calendar months (default ${DEFAULT_SEASONS_OPTIONS.minYearMonths})
  --min-trend-years N     the amplitude trend needs N valid years (default ${DEFAULT_SEASONS_OPTIONS.minTrendYears})`;

export const seasonsCommand: Command = {
  name: 'seasons',
  summary: 'seasonal amplitude of every year and its trend (active-layer deepening) → GeoTIFFs',
  usage: USAGE,
  positionals: [1, 1],
  options: {
    out: { type: 'string' },
    overwrite: { type: 'boolean' },
    unit: { type: 'string' },
    wavelength: { type: 'string' },
    mask: { type: 'string' },
    'mask-min': { type: 'string' },
    'mask-dataset': { type: 'string' },
    incidence: { type: 'string' },
    'min-epochs': { type: 'string' },
    tolerance: { type: 'string' },
    'expected-extrema': { type: 'string' },
    'min-year-epochs': { type: 'string' },
    'min-year-months': { type: 'string' },
    'min-trend-years': { type: 'string' },
    device: { type: 'string' },
    'tile-rows': { type: 'string' },
    quiet: { type: 'boolean' },
  },
  async run(values, positionals) {
    await runSeasonsCommand(values, positionals[0]);
  },
};

const SEASONS_OPTION_NAMES: Record<keyof SeasonsOptions, string> = {
  minYearEpochs: 'min-year-epochs',
  minYearMonths: 'min-year-months',
  minTrendYears: 'min-trend-years',
};

export async function runSeasonsCommand(values: Record<string, unknown>, stackPath: string): Promise<SeasonsRunResult> {
  const started = Date.now();
  const quiet = Boolean(values.quiet);
  const say = (line: string) => { if (!quiet) console.log(line); };
  const outDir = path.resolve(requiredString(values, 'out'));
  const options: FitOptions = {
    minValidEpochs: numberOption(values, 'min-epochs', DEFAULT_FIT_OPTIONS.minValidEpochs, (v) =>
      Number.isInteger(v) && v > THREE_SINUSOID_PARAMETERS ? null : `must be an integer > ${THREE_SINUSOID_PARAMETERS} (the three-sinusoid model has ${THREE_SINUSOID_PARAMETERS} parameters)`),
    extremaTolerance: numberOption(values, 'tolerance', DEFAULT_FIT_OPTIONS.extremaTolerance, (v) => (v >= 0 ? null : 'must be ≥ 0')),
    expectedExtrema: optionalNumberOption(values, 'expected-extrema', (v) => (Number.isInteger(v) && v >= 0 ? null : 'must be a whole number ≥ 0')),
  };
  const seasonsOptions: SeasonsOptions = {
    minYearEpochs: numberOption(values, 'min-year-epochs', DEFAULT_SEASONS_OPTIONS.minYearEpochs),
    minYearMonths: numberOption(values, 'min-year-months', DEFAULT_SEASONS_OPTIONS.minYearMonths),
    minTrendYears: numberOption(values, 'min-trend-years', DEFAULT_SEASONS_OPTIONS.minTrendYears),
  };
  const problem = seasonsOptionProblem(seasonsOptions);
  if (problem) throw new InputError(`--${SEASONS_OPTION_NAMES[problem.option]}`, problem.problem);
  const maskMin = numberOption(values, 'mask-min', 0.6);
  const wavelengthM = numberOption(values, 'wavelength', NaN, (v) => (v > 0 ? null : 'must be > 0'));
  const device = choiceOption<DeviceChoice>(values, 'device', ['gpu', 'cpu', 'auto'], 'auto');
  const tileRows = optionalNumberOption(values, 'tile-rows', (v) => (Number.isInteger(v) && v > 0 ? null : 'must be a positive integer'));

  const stack = await openStack(path.resolve(stackPath));
  try {
    const scale = resolveStackScale(stack, stackPath, values.unit as string | undefined, Number.isFinite(wavelengthM) ? wavelengthM : undefined);
    checkEpochCount(stack.dates.length, options.minValidEpochs, stackPath);
    const years = seasonsYearsOf(stack.dates, seasonsOptions);
    if (years.length === 0) {
      throw new InputError(stackPath, `no calendar year has ${seasonsOptions.minYearEpochs} or more dates in ${seasonsOptions.minYearMonths} or more months (${stack.dates[0]}–${stack.dates[stack.dates.length - 1]}); nothing to fit per year`);
    }
    const grid = stack.grid;
    const mask = values.mask ? await readAligned(String(values.mask), grid, values['mask-dataset'] as string | undefined) : null;
    const incidence = await readIncidence(values.incidence as string | undefined, grid);

    const output = await beginOutput(outDir, { overwrite: Boolean(values.overwrite) });
    const writers: GeoTiffFileWriter[] = [];
    let fitKernel: FitKernel | null = null;
    let seasonsKernel: SeasonsKernel | null = null;
    try {
      const selected = await selectFitKernel(device, say);
      fitKernel = selected.kernel;
      const notes = selected.notes;
      const makeGpuSeasons = async (ctx: import('../gpu/device.ts').GpuContext) =>
        (await import('../gpu/seasons-kernel.ts')).createGpuSeasonsKernel(ctx, { destroyContextOnDispose: true });
      // The per-year kernel follows the fit kernel's device: GPU when the fit runs there.
      const seasonsSelected = await selectKernel<SeasonsKernel>(fitKernel.kind === 'gpu' ? device : 'cpu', makeGpuSeasons, () => new CpuSeasonsKernel(), FallbackSeasonsKernel, say);
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
      const progress = new ProgressBar('fitting', !quiet && Boolean(process.stderr.isTTY));
      const result = await runSeasonsPipeline({
        stack,
        fitKernel,
        seasonsKernel,
        options,
        seasonsOptions,
        scaleToMm: scale.scaleToMm,
        maskRows: mask ? async (row0, nRows) => mask.subarray(row0 * grid.width, (row0 + nRows) * grid.width) : undefined,
        maskMin,
        tileRows: tileRows ?? undefined,
        fitWriter: { writeRows: (key, row0, _nRows, data) => fitWriters.get(key)!.writeRows(row0, data) },
        seasonsWriter: {
          writeByYear: (key, yearIndex, row0, data) => byYearWriters.get(key)!.writeRows(row0, data, yearIndex),
          writePixel: (key, row0, data) => pixelWriters.get(key)!.writeRows(row0, data),
        },
        onProgress: (done, total) => progress.update(done, total),
      });
      progress.done();
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
          mask: values.mask ? path.resolve(String(values.mask)) : null, incidence: incidence?.source ?? null, geometry: null,
        },
        options,
        maskMin: mask ? maskMin : null,
        deviceChoice: device,
        device: { kind: fitKernel.kind, description: `${fitKernel.description}; per-year kernel ${seasonsKernel.description}`, notes },
        result: result.fit,
        elapsedSeconds,
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
      return result;
    } catch (e) {
      for (const w of writers) await w.discard().catch(() => {});
      await output.abort();
      throw e;
    } finally {
      await fitKernel?.dispose();
      await seasonsKernel?.dispose();
    }
  } finally {
    stack.close();
  }
}

/** A 2-D raster on the stack's grid, or a one-line error (as `fit` reads its auxiliaries). */
async function readAligned(file: string, grid: RasterGrid, dataset?: string): Promise<Float32Array> {
  const raster = await readRaster(path.resolve(file), dataset && isHdf5Path(file) ? { dataset } : {});
  if (!sameGrid(raster.grid, grid)) throw new InputError(file, `grid differs from the stack's (${describeGrid(raster.grid)} vs ${describeGrid(grid)})`);
  return raster.data;
}

async function readIncidence(given: string | undefined, grid: RasterGrid): Promise<{ data: Float32Array; source: string } | null> {
  if (given === undefined) return null;
  const degrees = Number(given);
  if (given.trim() !== '' && Number.isFinite(degrees)) {
    if (!(degrees > 0 && degrees < 90)) throw new InputError('--incidence', `${degrees}° is not an incidence angle (0–90°)`);
    return { data: new Float32Array(grid.width * grid.height).fill(degrees), source: `constant ${degrees}°` };
  }
  return { data: await readAligned(given, grid, 'incidenceAngle'), source: path.resolve(given) };
}
