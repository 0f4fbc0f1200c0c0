// `permasar fit STACK --out DIR`: the per-pixel fits of DESIGN.md §1 (items 1–4) over a MintPy
// timeseries.h5 or a folder of per-date GeoTIFFs, written as georeferenced Float32 GeoTIFFs,
// summary.json and PNG quicklooks. Everything lands in a staging folder first and is renamed
// into place only when complete.
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { InputError } from '../core/errors.ts';
import { sameGrid, describeGrid, type RasterGrid } from '../core/grid.ts';
import { DEFAULT_FIT_OPTIONS, THREE_SINUSOID_PARAMETERS, type FitKernel, type FitOptions, type FitProductKey } from '../core/fit-types.ts';
import { runFitPipeline, SENTINEL1_WAVELENGTH_M, type FitRunResult } from '../pipeline/fit.ts';
import { type StackScale, resolveStackScale, checkEpochCount, implausibleUnitWarning, maxAbsFinite, rangeProblem } from '../pipeline/fit-setup.ts';
import { buildFitSummary } from '../pipeline/fit-summary.ts';
import { fitProductGeoTiffOptions, incidenceGeoTiffOptions, azimuthGeoTiffOptions } from '../pipeline/fit-geotiff-options.ts';
import { FIT_PRODUCT_INFO } from '../pipeline/fit-products.ts';
import { renderFitQuicklooks } from '../pipeline/fit-quicklooks.ts';
import { openStack, type StackSource } from '../io/stack-node.ts';
import { readRaster, isHdf5Path } from '../io/raster-node.ts';
import { beginOutput } from '../io/output-dir-node.ts';
import { createGeoTiffFile, writeGeoTiffFile, type GeoTiffFileWriter } from '../io/geotiff-write-node.ts';
import { selectFitKernel, type DeviceChoice } from './kernel-node.ts';
import { ProgressBar, formatSeconds } from './progress.ts';
import { numberOption, optionalNumberOption, choiceOption, requiredString } from './options.ts';
import type { Command } from './command.ts';

const USAGE = `usage: permasar fit STACK --out DIR [options]

STACK is a MintPy timeseries.h5 or a folder of single-band GeoTIFFs with YYYYMMDD in each name.

options:
  --out DIR               output folder (refused if it exists, unless --overwrite)
  --overwrite             replace an existing output folder (only once the new one is complete)
  --unit m|cm|mm|rad      unit of the stack (default: the file's UNIT attribute); results are mm
  --wavelength M          radar wavelength for --unit rad, metres (default ${SENTINEL1_WAVELENGTH_M}, Sentinel-1)
  --mask FILE             temporal coherence (GeoTIFF or MintPy .h5) on the stack's grid
  --mask-min X            keep pixels with mask ≥ X (default 0.6, as in the study)
  --mask-dataset NAME     dataset in an HDF5 mask (default: temporalCoherence, mask, or the only 2-D one)
  --incidence FILE|DEG    incidence angle (GeoTIFF, or a constant in degrees), kept as incidence.tif
  --geometry FILE         MintPy geometryGeo.h5: incidenceAngle and azimuthAngle kept beside the products
  --min-epochs N          pixels with fewer valid epochs are NaN (default ${DEFAULT_FIT_OPTIONS.minValidEpochs}, at least ${THREE_SINUSOID_PARAMETERS + 1})
  --tolerance N           seasonal when |extrema − expected| ≤ N (default ${DEFAULT_FIT_OPTIONS.extremaTolerance})
  --expected-extrema N    expected maxima + minima (default round(2 × the pixel's span in years))
  --device gpu|cpu|auto   where the kernels run (default auto: GPU if an adapter exists)
  --tile-rows N           rows per tile (default: from the device's limits)
  --quiet                 no progress or result lines on the terminal`;

export const fitCommand: Command = {
  name: 'fit',
  summary: 'per-pixel trend, seasonality test, Eq. 1 amplitude and timing → GeoTIFFs',
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
    geometry: { type: 'string' },
    'min-epochs': { type: 'string' },
    tolerance: { type: 'string' },
    'expected-extrema': { type: 'string' },
    device: { type: 'string' },
    'tile-rows': { type: 'string' },
    quiet: { type: 'boolean' },
  },
  async run(values, positionals) {
    await runFitCommand(values, positionals[0]);
  },
};

export async function runFitCommand(values: Record<string, unknown>, stackPath: string): Promise<FitRunResult> {
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
  const maskMin = numberOption(values, 'mask-min', 0.6);
  const wavelengthM = numberOption(values, 'wavelength', NaN, (v) => (v > 0 ? null : 'must be > 0'));
  const device = choiceOption<DeviceChoice>(values, 'device', ['gpu', 'cpu', 'auto'], 'auto');
  const tileRows = optionalNumberOption(values, 'tile-rows', (v) => (Number.isInteger(v) && v > 0 ? null : 'must be a positive integer'));

  const stack = await openStack(path.resolve(stackPath));
  try {
    const scale = resolveStackScale(stack, stackPath, values.unit as string | undefined, Number.isFinite(wavelengthM) ? wavelengthM : undefined);
    const { unit, scaleToMm } = scale;
    checkEpochCount(stack.dates.length, options.minValidEpochs, stackPath);
    const grid = stack.grid;

    // Auxiliary rasters are read (and checked) before any output exists.
    const mask = values.mask ? await readAligned(String(values.mask), grid, values['mask-dataset'] as string | undefined) : null;
    if (mask) {
      // A wrong raster given as the mask (an incidence map, a velocity) would mask nothing or everything.
      const problem = rangeProblem(mask, { min: 0, max: 1 }, 'a temporal coherence mask lies in [0, 1] (NaN for no data)');
      if (problem) throw new InputError(String(values.mask), problem);
    }
    const incidence = await readIncidence(values, grid);
    const azimuth = values.geometry ? await readAligned(String(values.geometry), grid, 'azimuthAngle') : null;

    // The output folder is claimed before the (slow) device start, so a refusal comes at once.
    const output = await beginOutput(outDir, { overwrite: Boolean(values.overwrite) });
    const writers = new Map<FitProductKey, GeoTiffFileWriter>();
    let kernel: FitKernel | null = null;
    try {
      const selected = await selectFitKernel(device, say);
      kernel = selected.kernel;
      const notes = selected.notes;
      say(`permasar fit: ${stack.dates.length} dates (${stack.dates[0]}–${stack.dates[stack.dates.length - 1]}), ${grid.width}×${grid.height} pixels, unit ${unit} → mm, on ${kernel.description}`);
      for (const info of FIT_PRODUCT_INFO) {
        writers.set(info.key, await createGeoTiffFile(path.join(output.dir, info.file), grid, fitProductGeoTiffOptions(info)));
      }
      const progress = new ProgressBar('fitting', !quiet && Boolean(process.stderr.isTTY));
      const result = await runFitPipeline({
        stack: warnOnImplausibleUnit(stack, scale, stackPath),
        kernel,
        options,
        scaleToMm,
        maskRows: mask ? async (row0, nRows) => mask.subarray(row0 * grid.width, (row0 + nRows) * grid.width) : undefined,
        maskMin,
        tileRows: tileRows ?? undefined,
        writer: { writeRows: (key, row0, _nRows, data) => writers.get(key)!.writeRows(row0, data) },
        onProgress: (done, total) => progress.update(done, total),
      });
      progress.done();
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
          mask: values.mask ? path.resolve(String(values.mask)) : null,
          incidence: incidence?.source ?? null,
          geometry: values.geometry ? path.resolve(String(values.geometry)) : null,
        },
        options,
        maskMin: mask ? maskMin : null,
        deviceChoice: device,
        device: { kind: kernel.kind, description: kernel.description, notes },
        result,
        elapsedSeconds,
      });
      await writeFile(path.join(output.dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
      await output.commit();
      const c = summary.counts;
      say(`${c.withData} of ${c.pixels} pixels fitted (${c.masked} masked, ${c.noData} without enough data); ` +
        `${c.seasonal} seasonal (${(c.seasonalPercentOfData ?? 0).toFixed(1)} %), ${c.notSeasonal} not; ${formatSeconds(elapsedSeconds)} → ${outDir}`);
      return result;
    } catch (e) {
      for (const w of writers.values()) await w.discard().catch(() => {});
      await output.abort();
      throw e;
    } finally {
      await kernel?.dispose();
    }
  } finally {
    stack.close();
  }
}

/** A 2-D raster on the stack's grid (GeoTIFF, or an HDF5 dataset), or a one-line error. */
async function readAligned(file: string, grid: RasterGrid, dataset?: string): Promise<Float32Array> {
  const raster = await readRaster(path.resolve(file), dataset && isHdf5Path(file) ? { dataset } : {});
  if (!sameGrid(raster.grid, grid)) {
    throw new InputError(file, `grid differs from the stack's (${describeGrid(raster.grid)} vs ${describeGrid(grid)})`);
  }
  return raster.data;
}

async function readIncidence(values: Record<string, unknown>, grid: RasterGrid): Promise<{ data: Float32Array; source: string } | null> {
  const given = values.incidence as string | undefined;
  if (given !== undefined) {
    const degrees = Number(given);
    if (given.trim() !== '' && Number.isFinite(degrees)) {
      if (!(degrees > 0 && degrees < 90)) throw new InputError('--incidence', `${degrees}° is not an incidence angle (0–90°)`);
      return { data: new Float32Array(grid.width * grid.height).fill(degrees), source: `constant ${degrees}°` };
    }
    return { data: checkIncidence(await readAligned(given, grid, 'incidenceAngle'), given), source: path.resolve(given) };
  }
  if (values.geometry) {
    const file = String(values.geometry);
    return { data: checkIncidence(await readAligned(file, grid, 'incidenceAngle'), file), source: `${path.resolve(file)}:incidenceAngle` };
  }
  return null;
}

/** Incidence from a raster must be an angle in (0°, 90°) (NaN for no data): δ_v = δ_LOS / cos θ. */
function checkIncidence(data: Float32Array, file: string): Float32Array {
  const problem = rangeProblem(data, { min: 0, max: 90, openMin: true, openMax: true }, 'an incidence angle lies in (0°, 90°) (NaN for no data)');
  if (problem) throw new InputError(file, problem);
  return data;
}

/**
 * The stack, with every block it serves checked for values implausible in its unit (a stack in
 * mm labelled m): one WARNING line on stderr, naming --unit, the first time (not an error: the
 * user may know better). Checked as the tiles stream, so it costs one pass over memory.
 */
function warnOnImplausibleUnit(stack: StackSource, scale: StackScale, stackPath: string): StackSource {
  let warned = false;
  // Everything else is the stack's own (a prototype link keeps its methods and getters).
  const checked: StackSource = Object.create(stack);
  checked.readRows = async (row0: number, nRows: number) => {
    const block = await stack.readRows(row0, nRows);
    if (!warned) {
      const warning = implausibleUnitWarning(maxAbsFinite(block), scale, stackPath);
      if (warning) {
        warned = true;
        console.error(`permasar fit: ${warning}`);
      }
    }
    return block;
  };
  return checked;
}
