// The fit job (`permasar fit`, corridor frames): the per-pixel fits of DESIGN.md §1 (items
// 1–4) over a MintPy timeseries.h5 (geocoded, or in radar coordinates: fitted there, then the
// products geocoded, core/geocode.ts), a LiCSBAS cum.h5 or a folder of per-date GeoTIFFs, after
// the date selection and reference of pipeline/stack-selection.ts, written as georeferenced
// Float32 GeoTIFFs, summary.json and PNG quicklooks. Everything lands in a staging folder first
// and is renamed into place only when complete. Node-only; the web worker drives the same
// pipeline (pipeline/fit.ts, seasons.ts) with its own readers and in-memory writers.
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { InputError } from '../core/errors.ts';
import { DEFAULT_FIT_OPTIONS, type FitOptions, type FitProductKey } from '../core/fit-types.ts';
import { runFitPipeline, type FitPreview, type FitRunResult } from '../pipeline/fit.ts';
import { type StackScale, resolveStackScale, checkEpochCount, implausibleUnitWarning, maxAbsFinite } from '../pipeline/fit-setup.ts';
import { buildFitSummary, type FitSummary } from '../pipeline/fit-summary.ts';
import { fitProductGeoTiffOptions, incidenceGeoTiffOptions, azimuthGeoTiffOptions } from '../pipeline/fit-geotiff-options.ts';
import { FIT_PRODUCT_INFO } from '../pipeline/fit-products.ts';
import { renderFitQuicklooks } from '../pipeline/fit-quicklooks.ts';
import { selectFitKernel } from '../pipeline/kernels.ts';
import { withJobDevices } from './support/devices-node.ts';
import { WorkerPoolFitKernel } from '../cpu/worker-pool.ts';
import { openStack, type StackSource } from '../io/stack-node.ts';
import { beginOutput } from '../io/output-dir-node.ts';
import { createGeoTiffFile, writeGeoTiffFile, type GeoTiffFileWriter } from '../io/geotiff-write-node.ts';
import { readMask, readStackGeometry } from './support/inputs-node.ts';
import { applyStackSelection } from '../pipeline/stack-selection.ts';
import { applyNearest, geocodeGridOf, nearestRadarPixels } from '../core/geocode.ts';
import type { RasterGrid } from '../core/grid.ts';
import { formatSeconds } from './support/format.ts';
import type { JobContext } from './support/context.ts';

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

export const DEFAULT_MASK_MIN = 0.6;

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

/** fitJob, also giving the pipeline's result (statistics, previews) to callers that want it. */
export async function runFitJob(inputs: FitJobInputs, jobOptions: FitJobOptions, outDirGiven: string, ctx: JobContext): Promise<{ summary: FitJobSummary; result: FitRunResult }> {
  const started = Date.now();
  const say = (line: string) => ctx.log(line);
  const outDir = path.resolve(outDirGiven);
  const stackPath = inputs.stack;
  const options = fitOptionsWithDefaults(jobOptions);
  const maskMin = jobOptions.maskMin ?? DEFAULT_MASK_MIN;

  const opened = await openStack(path.resolve(stackPath), { allowRadarCoded: true });
  try {
    const warn = ctx.warn ?? ((line: string) => console.error(line));
    const scale = resolveStackScale(opened, stackPath, jobOptions.unit, jobOptions.wavelengthM);
    const { unit, scaleToMm } = scale;
    const grid = opened.grid;

    // Auxiliary rasters are read (and checked) before any output exists.
    const mask = inputs.mask ? await readMask(inputs.mask, grid, inputs.maskDataset ?? undefined) : null;
    const geometry = await readStackGeometry(inputs, opened);
    const incidence = geometry.incidence;
    const azimuth = geometry.azimuthDeg;
    const geocode = grid.radarCoded ? geocodeGridOf(geometry.lookup!, geometry.geometry!, jobOptions.laloStep) : null;
    const { stack, record: selection } = await applyStackSelection(opened, jobOptions, {
      warn, command: 'permasar fit', lookup: geometry.lookup, maskMin,
      maskAt: mask ? (row, col) => mask[row * grid.width + col] : null,
    });
    checkEpochCount(stack.dates.length, options.minValidEpochs, stackPath);

    // The output folder is claimed before the (slow) device start, so a refusal comes at once.
    const output = await beginOutput(outDir, { overwrite: Boolean(jobOptions.overwrite) });
    const writers = new Map<FitProductKey, GeoTiffFileWriter>();
    // Radar-coded: products are fitted on the radar grid (radar/), kept whole in memory and then
    // geocoded onto the map grid (the products, not the stack: a few rasters).
    const radarDir = path.join(output.dir, 'radar');
    const radarProducts = new Map<FitProductKey, Float32Array>();
    try {
      return await withJobDevices(ctx, async (devices) => {
        const selected = await selectFitKernel(devices, () => new WorkerPoolFitKernel(), say);
        const { kernel, notes } = selected;
        try {
          say(`permasar fit: ${stack.dates.length} dates (${stack.dates[0]}–${stack.dates[stack.dates.length - 1]}), ${grid.width}×${grid.height} pixels${grid.radarCoded ? ' in radar coordinates' : ''}, unit ${unit} → mm, on ${kernel.description}`);
          if (grid.radarCoded) await mkdir(radarDir);
          const productDir = grid.radarCoded ? radarDir : output.dir;
          for (const info of FIT_PRODUCT_INFO) {
            writers.set(info.key, await createGeoTiffFile(path.join(productDir, info.file), grid, fitProductGeoTiffOptions(info)));
            if (grid.radarCoded) radarProducts.set(info.key, new Float32Array(grid.width * grid.height).fill(NaN));
          }
          const result = await runFitPipeline({
            stack: warnOnImplausibleUnit(stack, scale, stackPath, warn),
            kernel,
            options,
            scaleToMm,
            maskRows: mask ? async (row0, nRows) => mask.subarray(row0 * grid.width, (row0 + nRows) * grid.width) : undefined,
            maskMin,
            tileRows: jobOptions.tileRows,
            writer: {
              writeRows: (key, row0, _nRows, data) => {
                radarProducts.get(key)?.set(data, row0 * grid.width);
                return writers.get(key)!.writeRows(row0, data);
              },
            },
            onProgress: (done, total) => ctx.progress?.(done, total, 'fitting'),
          });
          if (result.pixelsWithData === 0) {
            throw new InputError(stackPath, `no pixel has ${options.minValidEpochs} or more valid epochs${mask ? ` after the mask (≥ ${maskMin})` : ''}: the stack is all NaN or nearly so; nothing written`);
          }
          for (const w of writers.values()) await w.close();
          writers.clear();
          if (incidence) await writeGeoTiffFile(path.join(productDir, 'incidence.tif'), grid, incidence.data, incidenceGeoTiffOptions(incidence.source));
          if (azimuth) await writeGeoTiffFile(path.join(productDir, 'azimuth.tif'), grid, azimuth, azimuthGeoTiffOptions());

          let mapGrid = grid;
          let quicklookResult = result;
          let geocoding: Record<string, unknown> | null = null;
          if (geocode) {
            // Nearest radar pixel for every map pixel (core/geocode.ts, MintPy geocode.py's default).
            const nearest = nearestRadarPixels(geometry.lookup!, geocode);
            mapGrid = geocode.grid;
            for (const info of FIT_PRODUCT_INFO) {
              await writeGeoTiffFile(path.join(output.dir, info.file), mapGrid, applyNearest(nearest, radarProducts.get(info.key)!), fitProductGeoTiffOptions(info));
            }
            if (incidence) await writeGeoTiffFile(path.join(output.dir, 'incidence.tif'), mapGrid, applyNearest(nearest, incidence.data), incidenceGeoTiffOptions(incidence.source));
            if (azimuth) await writeGeoTiffFile(path.join(output.dir, 'azimuth.tif'), mapGrid, applyNearest(nearest, azimuth), azimuthGeoTiffOptions());
            quicklookResult = { ...result, preview: previewOf(mapGrid, radarProducts, nearest) };
            let covered = 0;
            for (const i of nearest) if (i >= 0) covered++;
            geocoding = {
              from: 'radar coordinates',
              lookup: geometry.geometry,
              method: 'nearest radar pixel within its footprint (MintPy geocode.py, --interp nearest)',
              grid: { width: mapGrid.width, height: mapGrid.height, geoTransform: mapGrid.geoTransform, epsg: mapGrid.epsg },
              latStepDeg: geocode.latStepDeg,
              lonStepDeg: geocode.lonStepDeg,
              stepFrom: geocode.stepFrom,
              radarColumnStepM: geocode.columnStepM,
              radarRowStepM: geocode.rowStepM,
              pixelsInFootprint: covered,
              radarProducts: 'radar/ (the same products on the radar grid)',
            };
          }

          for (const [file, png] of renderFitQuicklooks(quicklookResult, mapGrid)) await writeFile(path.join(output.dir, file), png);
          const elapsedSeconds = (Date.now() - started) / 1000;
          const summary = buildFitSummary({
            inputs: {
              stack: path.resolve(stackPath),
              format: stack.format,
              grid: mapGrid,
              scale,
              refDate: stack.refDate,
              mask: inputs.mask ? path.resolve(inputs.mask) : null,
              incidence: incidence?.source ?? null,
              geometry: geometry.geometry,
            },
            options,
            maskMin: mask ? maskMin : null,
            deviceChoice: devices.choice,
            device: { kind: kernel.kind, description: kernel.description, notes },
            result,
            elapsedSeconds,
            selection,
            geocoding,
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
    opened.close();
  }
}

/** The quicklook preview of geocoded products (every `step`-th map pixel). */
function previewOf(grid: RasterGrid, radar: Map<FitProductKey, Float32Array>, nearest: Int32Array, size = 1200): FitPreview {
  const step = Math.max(1, Math.ceil(Math.max(grid.width, grid.height) / size));
  const width = Math.ceil(grid.width / step), height = Math.ceil(grid.height / step);
  const data: FitPreview['data'] = {};
  for (const key of ['rateMmPerYear', 'seasonalAmplitudeMm', 'peakDayOfYear', 'seasonalFlag'] as const) {
    const src = radar.get(key)!;
    const out = new Float32Array(width * height);
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const i = nearest[r * step * grid.width + c * step];
        out[r * width + c] = i >= 0 ? src[i] : NaN;
      }
    }
    data[key] = out;
  }
  return { width, height, step, data };
}

/**
 * Values of each block the unit check looks at: every 16th. A wrong unit shows in every pixel,
 * and looking at every value was ~1 s of a 0.9 GB fit (bench/README.md, issue 13).
 */
const UNIT_CHECK_STRIDE = 16;

/**
 * The stack, with every block it serves checked for values implausible in its unit (a stack in
 * mm labelled m): one WARNING line, naming --unit, the first time (not an error: the user may
 * know better). Checked as the tiles stream, on every UNIT_CHECK_STRIDE-th value.
 */
function warnOnImplausibleUnit(stack: StackSource, scale: StackScale, stackPath: string, warn: (line: string) => void): StackSource {
  let warned = false;
  // Everything else is the stack's own (a prototype link keeps its methods and getters).
  const checked: StackSource = Object.create(stack);
  checked.readRows = async (row0: number, nRows: number) => {
    const block = await stack.readRows(row0, nRows);
    if (!warned) {
      const warning = implausibleUnitWarning(maxAbsFinite(block, UNIT_CHECK_STRIDE), scale, stackPath);
      if (warning) {
        warned = true;
        warn(`permasar fit: ${warning}`);
      }
    }
    return block;
  };
  return checked;
}
