// The seasons job (`permasar seasons`, issue 15): is the active layer deepening? The fit of
// the fit job (its products are written here too, so `vertical` takes this folder), then per
// calendar year the seasonal amplitude and its peak day, and per seasonal pixel the trend of the
// amplitude. A radar-coded stack (with geometryRadar.h5) is fitted on its grid, radar/ kept, and
// every product, the by-year bands too, geocoded as fit's are. Everything lands in a staging
// folder first and is renamed into place only when complete. Node-only; the preparation is the
// fit's (pipeline/fit-preparation.ts), and the web worker runs the same runSeasonsPipeline.
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { InputError } from '../core/errors.ts';
import { DEFAULT_SEASONS_OPTIONS, type SeasonsOptions } from '../core/seasons.ts';
import type { FitSummary } from '../pipeline/fit-summary.ts';
import { fitProductGeoTiffOptions, incidenceGeoTiffOptions, azimuthGeoTiffOptions } from '../pipeline/fit-geotiff-options.ts';
import { FIT_PRODUCT_INFO, productInfo } from '../pipeline/fit-products.ts';
import { renderFitQuicklooks } from '../pipeline/fit-quicklooks.ts';
import { checkPixelsFitted, geocodedFitPreview, preparedFitSummary, productGeocoder, selectFitKernels } from '../pipeline/fit-preparation.ts';
import {
  byYearGeoTiffOptions,
  pixelProductGeoTiffOptions,
  renderSeasonsQuicklooks,
  runSeasonsPipeline,
  seasonsYearsOf,
  SEASONS_BY_YEAR_INFO,
  SEASONS_PIXEL_INFO,
  SEASONS_PREVIEW_SIZE,
  type SeasonsRunResult,
} from '../pipeline/seasons.ts';
import { withJobDevices } from './support/devices-node.ts';
import { WorkerPoolFitKernel } from '../cpu/worker-pool.ts';
import { openStack } from '../io/stack-node.ts';
import { withOutput } from '../io/output-dir-node.ts';
import { ProductFiles } from './support/product-files-node.ts';
import { resolveInvertFolder } from './support/inputs-node.ts';
import { prepareStackFit, type FitJobOptions } from './fit.ts';
import { formatSeconds } from './support/format.ts';
import type { JobContext } from './support/context.ts';

export interface SeasonsJobInputs {
  /** MintPy timeseries.h5 (geocoded, or in radar coordinates with `geometry`), or a folder of single-band GeoTIFFs with YYYYMMDD in each name. */
  stack: string;
  mask?: string | null;
  maskDataset?: string | null;
  /** A constant in degrees or a raster on the stack's grid, kept as incidence.tif (so `vertical` projects the yearly amplitudes). */
  incidence?: string | number | null;
  /** As fit's (FitJobInputs.geometry): geometryGeo.h5 etc. kept as incidence.tif + azimuth.tif; geometryRadar.h5 geocodes a radar-coded stack's products. */
  geometry?: string | null;
}

/** The fit job's options and the per-year ones (core/seasons.ts; checked by seasonsOptionProblem). */
export interface SeasonsJobOptions extends FitJobOptions, Partial<SeasonsOptions> {}

export type SeasonsJobSummary = FitSummary & { seasons: Record<string, unknown> };

export async function seasonsJob(inputs: SeasonsJobInputs, options: SeasonsJobOptions, outDir: string, ctx: JobContext): Promise<SeasonsJobSummary> {
  return (await runSeasonsJob(inputs, options, outDir, ctx)).summary;
}

export async function runSeasonsJob(inputsGiven: SeasonsJobInputs, jobOptions: SeasonsJobOptions, outDirGiven: string, ctx: JobContext): Promise<{ summary: SeasonsJobSummary; result: SeasonsRunResult }> {
  const started = Date.now();
  // An invert folder stands for its final series (and its maskTempCoh.h5).
  const inputs = await resolveInvertFolder(inputsGiven);
  const say = (line: string) => ctx.log(line);
  const outDir = path.resolve(outDirGiven);
  const stackPath = inputs.stack;
  const seasonsOptions: SeasonsOptions = {
    minYearEpochs: jobOptions.minYearEpochs ?? DEFAULT_SEASONS_OPTIONS.minYearEpochs,
    minYearMonths: jobOptions.minYearMonths ?? DEFAULT_SEASONS_OPTIONS.minYearMonths,
    minTrendYears: jobOptions.minTrendYears ?? DEFAULT_SEASONS_OPTIONS.minTrendYears,
  };

  const opened = await openStack(path.resolve(stackPath), { allowRadarCoded: true });
  try {
    // The fit's preparation and auxiliary inputs (mask, geometry), as `fit` reads them.
    const prep = await prepareStackFit(inputs, jobOptions, opened, 'permasar seasons', ctx);
    const { stack, scale, options } = prep;
    const years = seasonsYearsOf(stack.dates, seasonsOptions);
    if (years.length === 0) {
      throw new InputError(stackPath, `no calendar year has ${seasonsOptions.minYearEpochs} or more dates in ${seasonsOptions.minYearMonths} or more months (${stack.dates[0]}–${stack.dates[stack.dates.length - 1]}); nothing to fit per year`);
    }
    const grid = stack.grid;
    const { geometry } = prep.auxiliary!;
    const incidence = geometry.incidence;
    const azimuth = geometry.azimuthDeg;

    let files: ProductFiles | null = null;
    return await withOutput(outDir, {
      overwrite: Boolean(jobOptions.overwrite),
      beforeAbort: async () => { await files?.discard(); },
    }, async (output) => {
      return await withJobDevices(ctx, async (devices) => {
        // The per-year kernel follows the fit kernel's device: GPU when the fit runs there.
        const kernels = await selectFitKernels(devices, { makeCpu: () => new WorkerPoolFitKernel(), perYear: 'follow-fit', log: say });
        const fitKernel = kernels.fit;
        const seasonsKernel = kernels.perYear!;
        try {
          say(`permasar seasons: ${stack.dates.length} dates (${stack.dates[0]}–${stack.dates[stack.dates.length - 1]}), ${grid.width}×${grid.height} pixels${grid.radarCoded ? ' in radar coordinates' : ''}, years ${years.join(', ')}, on ${fitKernel.description}`);

          // Radar-coded: every product is fitted on the radar grid (radar/), then geocoded.
          const products = files = await ProductFiles.open(output.dir, grid);
          const fitWriters = new Map<string, (row0: number, data: Float32Array) => Promise<void>>();
          for (const info of FIT_PRODUCT_INFO) fitWriters.set(info.key, await products.stream(info.file, fitProductGeoTiffOptions(info)));
          const byYearWriters = new Map<string, (row0: number, data: Float32Array, band: number) => Promise<void>>();
          for (const info of SEASONS_BY_YEAR_INFO) byYearWriters.set(info.key, await products.stream(info.file, byYearGeoTiffOptions(info, years)));
          const pixelWriters = new Map<string, (row0: number, data: Float32Array) => Promise<void>>();
          for (const info of SEASONS_PIXEL_INFO) pixelWriters.set(info.key, await products.stream(info.file, pixelProductGeoTiffOptions(info)));
          const result = await runSeasonsPipeline({
            stack,
            fitKernel,
            seasonsKernel,
            options,
            seasonsOptions,
            scaleToMm: scale.scaleToMm,
            mask: prep.mask,
            tileRows: jobOptions.tileRows,
            fitWriter: { writeRows: (key, row0, _nRows, data) => fitWriters.get(key)!(row0, data) },
            seasonsWriter: {
              writeByYear: (key, yearIndex, row0, data) => byYearWriters.get(key)!(row0, data, yearIndex),
              writePixel: (key, row0, data) => pixelWriters.get(key)!(row0, data),
            },
            onProgress: (done, total) => ctx.progress?.(done, total, 'fitting'),
          });
          checkPixelsFitted(result.fit, prep, 'nothing written');
          await products.close();
          if (incidence) await products.whole('incidence.tif', incidence.data, incidenceGeoTiffOptions(incidence.source));
          if (azimuth) await products.whole('azimuth.tif', azimuth, azimuthGeoTiffOptions());

          let mapGrid = grid;
          let quicklookFit = result.fit;
          let quicklookSeasons = result;
          let geocoding: Record<string, unknown> | null = null;
          if (prep.geocode) {
            const geocoder = productGeocoder(prep);
            mapGrid = geocoder.grid;
            await products.geocode(geocoder);
            quicklookFit = { ...result.fit, preview: geocodedFitPreview(geocoder, (key) => products.radar(productInfo(key).file)[0]) };
            const amplitudeByYear = products.radar(SEASONS_BY_YEAR_INFO.find((i) => i.key === 'amplitudeMm')!.file);
            const trend = products.radar(SEASONS_PIXEL_INFO.find((i) => i.key === 'amplitudeTrendMmPerYear')!.file)[0];
            const p = geocoder.preview([trend, ...amplitudeByYear], SEASONS_PREVIEW_SIZE);
            quicklookSeasons = { ...result, preview: { width: p.width, height: p.height, step: p.step, trend: p.data[0], amplitudeByYear: p.data.slice(1) } };
            geocoding = geocoder.record;
          }
          for (const [file, png] of [...renderFitQuicklooks(quicklookFit, mapGrid), ...renderSeasonsQuicklooks(quicklookSeasons, mapGrid)]) await writeFile(path.join(output.dir, file), png);

          const elapsedSeconds = (Date.now() - started) / 1000;
          const fitSummary = preparedFitSummary(prep, {
            command: 'seasons',
            inputs: {
              stack: path.resolve(stackPath),
              mask: inputs.mask ? path.resolve(inputs.mask) : null,
              incidence: incidence?.source ?? null,
              geometry: geometry.geometry,
            },
            grid: mapGrid,
            deviceChoice: devices.choice,
            device: { kind: fitKernel.kind, description: `${fitKernel.description}; per-year kernel ${seasonsKernel.description}`, notes: kernels.notes },
            result: result.fit,
            elapsedSeconds,
            geocoding,
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
          await kernels.dispose();
        }
      });
    });
  } finally {
    opened.close();
  }
}

