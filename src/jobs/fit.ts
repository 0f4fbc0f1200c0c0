// The fit job (`permasar fit`, corridor frames): the per-pixel fits of DESIGN.md §1 (items
// 1–4) over a MintPy timeseries.h5 (geocoded, or in radar coordinates: fitted there, then the
// products geocoded, core/geocode.ts), a LiCSBAS cum.h5 or a folder of per-date GeoTIFFs, after
// the date selection and reference of pipeline/stack-selection.ts, written as georeferenced
// Float32 GeoTIFFs, summary.json and PNG quicklooks. Everything lands in a staging folder first
// and is renamed into place only when complete. Node-only; what is decided before, around and
// after the tiles is pipeline/fit-preparation.ts, shared with `seasons` and the web worker.
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { DEFAULT_FIT_OPTIONS, type FitOptions } from '../core/fit-types.ts';
import { runFitPipeline, type FitRunResult } from '../pipeline/fit.ts';
import { checkPixelsFitted, geocodedFitPreview, prepareFit, preparedFitSummary, productGeocoder, selectFitKernels, type FitAuxiliary, type FitPreparation } from '../pipeline/fit-preparation.ts';
import type { FitSummary } from '../pipeline/fit-summary.ts';
import { fitProductGeoTiffOptions, incidenceGeoTiffOptions, azimuthGeoTiffOptions } from '../pipeline/fit-geotiff-options.ts';
import { FIT_PRODUCT_INFO, productInfo } from '../pipeline/fit-products.ts';
import { renderFitQuicklooks } from '../pipeline/fit-quicklooks.ts';
import { withJobDevices } from './support/devices-node.ts';
import { WorkerPoolFitKernel } from '../cpu/worker-pool.ts';
import { openStack, type StackSource } from '../io/stack-node.ts';
import { withOutput } from '../io/output-dir-node.ts';
import { resolveInvertFolder, readAligned, readStackGeometry, type StackGeometry } from './support/inputs-node.ts';
import { ProductFiles } from './support/product-files-node.ts';
import { DEFAULT_MASK_MIN } from './fit-options.ts';
import type { RadarLookup } from '../core/geocode.ts';
import type { RasterGrid } from '../core/grid.ts';
import { formatSeconds } from './support/format.ts';
import type { JobContext } from './support/context.ts';

export { DEFAULT_MASK_MIN } from './fit-options.ts';

export interface FitJobInputs {
  /** MintPy timeseries.h5, or a folder of single-band GeoTIFFs with YYYYMMDD in each name. */
  stack: string;
  /** Temporal coherence (GeoTIFF or MintPy .h5) on the stack's grid. */
  mask?: string | null;
  /** Dataset in an HDF5 mask (default: temporalCoherence, mask, or the only 2-D one). */
  maskDataset?: string | null;
  /** Incidence: a constant in degrees, or a raster on the stack's grid; kept as incidence.tif. */
  incidence?: string | number | null;
  /**
   * Geometry kept beside the products as incidence.tif and azimuth.tif: MintPy geometryGeo.h5
   * (incidenceAngle unless `incidence`, azimuthAngle), a LiCSBAS cum.h5 or E/N/U GeoTIFFs (LOS
   * unit vector; a LiCSBAS stack's own E.geo/N.geo/U.geo are used without it), or, for a stack in
   * radar coordinates, geometryRadar.h5 (its latitude/longitude geocode the products).
   */
  geometry?: string | null;
}

/** Date selection, reference pixel and geocoding, as MintPy names them (fit and seasons). */
export interface StackChoiceOptions {
  /** First and last dates used (inclusive), YYYYMMDD. */
  startDate?: string | null;
  endDate?: string | null;
  /** Dates left out, YYYYMMDD (one not in the stack: a WARNING line naming it). */
  excludeDates?: string[];
  /** Reference pixel by latitude, longitude (WGS 84 degrees): its series is subtracted from every pixel. */
  refLalo?: [number, number] | null;
  /** Reference pixel by row, column (0-based). */
  refYx?: [number, number] | null;
  /** Output pixel size [Δlat, Δlon] in degrees when geocoding a radar-coded stack (default: from the mean radar pixel spacing). */
  laloStep?: [number, number] | null;
}

export interface FitJobOptions extends Partial<FitOptions>, StackChoiceOptions {
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

export type FitJobSummary = FitSummary;

/** The fit kernel's options: the job's where given, the study's defaults elsewhere (fit and seasons). */
export function fitOptionsWithDefaults(jobOptions: Partial<FitOptions>): FitOptions {
  return {
    minValidEpochs: jobOptions.minValidEpochs ?? DEFAULT_FIT_OPTIONS.minValidEpochs,
    extremaTolerance: jobOptions.extremaTolerance ?? DEFAULT_FIT_OPTIONS.extremaTolerance,
    expectedExtrema: jobOptions.expectedExtrema ?? DEFAULT_FIT_OPTIONS.expectedExtrema,
  };
}

export async function fitJob(inputs: FitJobInputs, options: FitJobOptions, outDir: string, ctx: JobContext): Promise<FitJobSummary> {
  return (await runFitJob(inputs, options, outDir, ctx)).summary;
}

/** The auxiliary inputs of fit and seasons, read on the stack's grid: the mask and the geometry. */
export interface StackAuxiliary extends FitAuxiliary {
  mask: { data: Float32Array; name: string } | null;
  lookup: { lookup: RadarLookup; file: string } | null;
  geometry: StackGeometry;
}

/**
 * How fit and seasons read their auxiliary rasters for prepareFit: the mask (its range is
 * checked there) and the geometry (incidence, azimuth; a radar-coded stack's latitude/longitude).
 */
function stackAuxiliaryReader(inputs: FitJobInputs, opened: StackSource): (grid: RasterGrid) => Promise<StackAuxiliary> {
  return async (grid) => {
    const mask = inputs.mask ? { data: await readAligned(inputs.mask, grid, inputs.maskDataset ?? undefined), name: inputs.mask } : null;
    const geometry = await readStackGeometry(inputs, opened);
    return { mask, lookup: geometry.lookup ? { lookup: geometry.lookup, file: geometry.geometry! } : null, geometry };
  };
}

/** The preparation of fit and seasons from a job's inputs and options (pipeline/fit-preparation.ts). */
export function prepareStackFit(inputs: FitJobInputs, jobOptions: FitJobOptions, opened: StackSource, command: string, ctx: JobContext): Promise<FitPreparation<StackAuxiliary>> {
  return prepareFit({
    stack: opened,
    name: inputs.stack,
    command,
    options: fitOptionsWithDefaults(jobOptions),
    maskMin: jobOptions.maskMin ?? DEFAULT_MASK_MIN,
    unit: jobOptions.unit,
    wavelengthM: jobOptions.wavelengthM,
    selection: jobOptions,
    laloStep: jobOptions.laloStep,
    warn: ctx.warn ?? ((line: string) => console.error(line)),
    readAuxiliary: stackAuxiliaryReader(inputs, opened),
  });
}

/** fitJob, also giving the pipeline's result (statistics, previews) to callers that want it. */
export async function runFitJob(inputsGiven: FitJobInputs, jobOptions: FitJobOptions, outDirGiven: string, ctx: JobContext): Promise<{ summary: FitJobSummary; result: FitRunResult }> {
  const started = Date.now();
  // An invert folder stands for its final series (and its maskTempCoh.h5).
  const inputs = await resolveInvertFolder(inputsGiven);
  const say = (line: string) => ctx.log(line);
  const outDir = path.resolve(outDirGiven);
  const stackPath = inputs.stack;

  const opened = await openStack(path.resolve(stackPath), { allowRadarCoded: true });
  try {
    // Auxiliary rasters are read (and checked) before any output exists.
    const prep = await prepareStackFit(inputs, jobOptions, opened, 'permasar fit', ctx);
    const { stack, scale, options } = prep;
    const { geometry } = prep.auxiliary!;
    const incidence = geometry.incidence;
    const azimuth = geometry.azimuthDeg;
    const grid = stack.grid;

    let files: ProductFiles | null = null;
    // The output folder is claimed before the (slow) device start, so a refusal comes at once.
    return await withOutput(outDir, {
      overwrite: Boolean(jobOptions.overwrite),
      beforeAbort: async () => { await files?.discard(); },
    }, async (output) => {
      return await withJobDevices(ctx, async (devices) => {
        const kernels = await selectFitKernels(devices, { makeCpu: () => new WorkerPoolFitKernel(), log: say });
        const kernel = kernels.fit;
        try {
          say(`permasar fit: ${stack.dates.length} dates (${stack.dates[0]}–${stack.dates[stack.dates.length - 1]}), ${grid.width}×${grid.height} pixels${grid.radarCoded ? ' in radar coordinates' : ''}, unit ${scale.unit} → mm, on ${kernel.description}`);
          // Radar-coded: products are fitted on the radar grid (radar/), then geocoded.
          const products = files = await ProductFiles.open(output.dir, grid);
          const writers = new Map<string, (row0: number, data: Float32Array) => Promise<void>>();
          for (const info of FIT_PRODUCT_INFO) writers.set(info.key, await products.stream(info.file, fitProductGeoTiffOptions(info)));
          const result = await runFitPipeline({
            stack,
            kernel,
            options,
            scaleToMm: scale.scaleToMm,
            mask: prep.mask,
            tileRows: jobOptions.tileRows,
            writer: { writeRows: (key, row0, _nRows, data) => writers.get(key)!(row0, data) },
            onProgress: (done, total) => ctx.progress?.(done, total, 'fitting'),
          });
          checkPixelsFitted(result, prep, 'nothing written');
          await products.close();
          if (incidence) await products.whole('incidence.tif', incidence.data, incidenceGeoTiffOptions(incidence.source));
          if (azimuth) await products.whole('azimuth.tif', azimuth, azimuthGeoTiffOptions());

          let mapGrid = grid;
          let quicklookResult = result;
          let geocoding: Record<string, unknown> | null = null;
          if (prep.geocode) {
            // Nearest radar pixel for every map pixel (core/geocode.ts, MintPy geocode.py's default).
            const geocoder = productGeocoder(prep);
            mapGrid = geocoder.grid;
            await products.geocode(geocoder);
            quicklookResult = { ...result, preview: geocodedFitPreview(geocoder, (key) => products.radar(productInfo(key).file)[0]) };
            geocoding = geocoder.record;
          }

          for (const [file, png] of renderFitQuicklooks(quicklookResult, mapGrid)) await writeFile(path.join(output.dir, file), png);
          const elapsedSeconds = (Date.now() - started) / 1000;
          const summary = preparedFitSummary(prep, {
            inputs: {
              stack: path.resolve(stackPath),
              mask: inputs.mask ? path.resolve(inputs.mask) : null,
              incidence: incidence?.source ?? null,
              geometry: geometry.geometry,
            },
            grid: mapGrid,
            deviceChoice: devices.choice,
            device: { kind: kernel.kind, description: kernel.description, notes: kernels.notes },
            result,
            elapsedSeconds,
            geocoding,
          });
          await writeFile(path.join(output.dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
          await output.commit();
          const c = summary.counts;
          say(`${c.withData} of ${c.pixels} pixels fitted (${c.masked} masked, ${c.noData} without enough data); ` +
            `${c.seasonal} seasonal (${(c.seasonalPercentOfData ?? 0).toFixed(1)} %), ${c.notSeasonal} not; ${formatSeconds(elapsedSeconds)} → ${outDir}`);
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
