// `permasar compare ASC_FIT DESC_FIT --out DIR`: direction of motion from the ascending and
// descending fit products (Table 1 of the study, DESIGN.md §1 "Two tracks"), and with both
// geometries the up/east decomposition. Reads two `permasar fit` output folders, resamples the
// descending products onto the ascending grid (src/pipeline/compare.ts says how), works on the
// overlap, and writes class GeoTIFFs, decomposition GeoTIFFs, PNGs and summary.json through a
// staging folder (nothing half-written).
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { InputError } from '../core/errors.ts';
import {
  checkDirectionThresholds,
  DEFAULT_DIRECTION_THRESHOLDS,
  DIRECTION_LEGEND,
  type DirectionThresholds,
} from '../core/direction.ts';
import { MIN_DECOMPOSITION_DETERMINANT } from '../core/decomposition.ts';
import { readFitFolder, type FitFolder } from '../io/fit-folder-node.ts';
import { readGeometry } from '../io/raster-node.ts';
import type { RasterData } from '../io/raster-node.ts';
import { beginOutput } from '../io/output-dir-node.ts';
import { writeGeoTiffFile } from '../io/geotiff-write-node.ts';
import { CpuCompareKernel, CpuVerticalKernel, type CompareKernel, type CompareOutputs, type VerticalKernel } from '../cpu/compare.ts';
import {
  DECOMPOSITION_PRODUCTS,
  directionLegendMetadata,
  prepareComparison,
  renderComparisonQuicklooks,
  runComparison,
  type CompareRun,
  type PreparedComparison,
  type TrackAngles,
  type TrackProducts,
} from '../pipeline/compare.ts';
import { choiceOption, numberOption, requiredString } from './options.ts';
import { formatSeconds } from './progress.ts';
import { gpuKernelFor, type DeviceChoice } from './kernel-node.ts';
import type { Command } from './command.ts';

const T = DEFAULT_DIRECTION_THRESHOLDS;

const USAGE = `usage: permasar compare ASC_FIT DESC_FIT --out DIR [options]

ASC_FIT and DESC_FIT are output folders of permasar fit (ascending and descending track).
The descending products are resampled onto the ascending grid as gdalwarp does (bilinear for
rate and amplitude, NaN neighbours weighted 0 and the rest renormalised; on the unit circle for
timing; nearest for the seasonal flag; identical grids copied exactly) and compared on the
overlap. Tracks may be in any geographic or projected EPSG CRS; they are reprojected with proj4.

options:
  --out DIR                  output folder (refused if it exists, unless --overwrite)
  --overwrite                replace an existing output folder (only once the new one is complete)
  --rate-threshold X         rates similar when their magnitudes differ by ≤ X mm/yr (default ${T.rateMmPerYear})
  --amplitude-threshold X    amplitudes similar when they differ by ≤ X mm (default ${T.amplitudeMm})
  --in-phase-days X          in phase when the peak days are ≤ X days apart (default ${T.inPhaseDays})
  --anti-phase-days X        out of phase centre, days (default ${T.antiPhaseDays})
  --anti-phase-tolerance X   out of phase when |Δday − centre| ≤ X days (default ${T.antiPhaseToleranceDays})
  --asc-geometry FILE        MintPy geometryGeo.h5 of the ascending track (incidenceAngle, azimuthAngle)
  --desc-geometry FILE       the same for the descending track; with both, rate_up/rate_east etc.
                             (default: incidence.tif + azimuth.tif kept by fit --geometry, if both folders have them)
  --device gpu|cpu|auto      where the kernel runs (default auto: GPU if an adapter exists)
  --quiet                    no result lines on the terminal

classes (direction_secular.tif, direction_seasonal.tif, uint8):
  1 vertical, 2 east-west, 3 undetermined, 0 not tested (not seasonal on both), 255 no data.
  A rate pair with BOTH rates within the rate threshold of zero is undetermined (their signs
  are noise), counted apart as "both near zero" in summary.json.`;

export const compareCommand: Command = {
  name: 'compare',
  summary: 'ascending vs descending: direction of motion (Table 1), up/east decomposition',
  usage: USAGE,
  positionals: [2, 2],
  options: {
    out: { type: 'string' },
    overwrite: { type: 'boolean' },
    'rate-threshold': { type: 'string' },
    'amplitude-threshold': { type: 'string' },
    'in-phase-days': { type: 'string' },
    'anti-phase-days': { type: 'string' },
    'anti-phase-tolerance': { type: 'string' },
    'asc-geometry': { type: 'string' },
    'desc-geometry': { type: 'string' },
    device: { type: 'string' },
    quiet: { type: 'boolean' },
  },
  async run(values, positionals) {
    await runCompareCommand(values, positionals[0], positionals[1]);
  },
};

/** Products `compare` reads from a fit folder, and the unit each must carry. */
const REQUIRED_PRODUCTS = [
  { name: 'rate', unit: 'mm/yr' },
  { name: 'amplitude', unit: 'mm' },
  { name: 'timing', unit: 'day of year' },
  { name: 'seasonal', unit: 'flag' },
] as const;

/** A fit folder's four products, checked: present, one grid, the units `fit` writes. */
export async function readTrackProducts(dir: string): Promise<TrackProducts> {
  const folder = await readFitFolder(path.resolve(dir));
  checkIsFitOutput(folder, dir);
  const rasters: RasterData[] = [];
  for (const { name, unit } of REQUIRED_PRODUCTS) {
    if (!folder.products.includes(name)) {
      throw new InputError(dir, `not a complete permasar fit output: ${name}.tif is missing`);
    }
    const raster = await folder.readProduct(name);
    // fit writes mm and mm/yr; a product in other units (m/yr from another tool, or edited)
    // would make every threshold wrong by a factor, so it is refused, not converted.
    const stated = raster.unit ?? raster.metadata.UNITS ?? null;
    if (stated !== null && stated !== unit) {
      throw new InputError(path.join(dir, `${name}.tif`), `unit "${stated}", expected "${unit}" (permasar fit writes ${unit})`);
    }
    if (rasters.length && !sameSize(rasters[0], raster)) {
      throw new InputError(path.join(dir, `${name}.tif`), `grid differs from rate.tif's (${raster.grid.width}×${raster.grid.height} vs ${rasters[0].grid.width}×${rasters[0].grid.height})`);
    }
    rasters.push(raster);
  }
  const [rate, amplitude, timing, seasonal] = rasters;
  return {
    source: dir,
    grid: rate.grid,
    rateMmPerYear: rate.data,
    seasonalAmplitudeMm: amplitude.data,
    peakDayOfYear: timing.data,
    seasonalFlag: seasonal.data,
  };
}

function sameSize(a: RasterData, b: RasterData): boolean {
  return a.grid.width === b.grid.width && a.grid.height === b.grid.height && a.grid.geoTransform.every((v, i) => v === b.grid.geoTransform[i]);
}

function checkIsFitOutput(folder: FitFolder, dir: string): void {
  const summary = folder.summary as { command?: unknown; software?: unknown } | null;
  // A `seasons` folder holds every fit product too (cmd-seasons.ts).
  if (summary && summary.command !== undefined && summary.command !== 'fit' && summary.command !== 'seasons') {
    throw new InputError(dir, `is the output of permasar ${String(summary.command)}, not of permasar fit`);
  }
}

/** Angles of one track: a MintPy geometry file, or incidence.tif + azimuth.tif of its fit folder. */
async function readTrackAngles(geometryFile: string | undefined, fitDir: string): Promise<TrackAngles | null> {
  if (geometryFile) {
    const g = await readGeometry(path.resolve(geometryFile));
    if (!g.azimuthAngleDeg) throw new InputError(geometryFile, 'no azimuthAngle dataset: the decomposition needs the LOS azimuth as well as the incidence');
    return { source: geometryFile, grid: g.grid, incidenceDeg: g.incidenceAngleDeg, azimuthDeg: g.azimuthAngleDeg };
  }
  const folder = await readFitFolder(path.resolve(fitDir));
  if (!folder.otherRasters.includes('incidence.tif') || !folder.otherRasters.includes('azimuth.tif')) return null;
  const incidence = await folder.readProduct('incidence.tif');
  const azimuth = await folder.readProduct('azimuth.tif');
  return { source: path.join(fitDir, 'incidence.tif'), grid: incidence.grid, incidenceDeg: incidence.data, azimuthDeg: azimuth.data };
}

function thresholdsFrom(values: Record<string, unknown>): DirectionThresholds {
  const nonNegative = (v: number) => (v >= 0 ? null : 'must be ≥ 0');
  const t: DirectionThresholds = {
    rateMmPerYear: numberOption(values, 'rate-threshold', T.rateMmPerYear, nonNegative),
    amplitudeMm: numberOption(values, 'amplitude-threshold', T.amplitudeMm, nonNegative),
    inPhaseDays: numberOption(values, 'in-phase-days', T.inPhaseDays, nonNegative),
    antiPhaseDays: numberOption(values, 'anti-phase-days', T.antiPhaseDays, (v) => (v > 0 && v <= 182.625 ? null : 'must be in (0, 182.625] days')),
    antiPhaseToleranceDays: numberOption(values, 'anti-phase-tolerance', T.antiPhaseToleranceDays, nonNegative),
  };
  const problem = checkDirectionThresholds(t);
  if (problem) throw new InputError('--in-phase-days', problem);
  return t;
}

/**
 * A kernel for `--device`: the CPU reference, or a WGSL kernel on a WebGPU adapter. Under auto,
 * a missing adapter means the CPU (with a note), and `run` retries on the CPU if the GPU fails.
 */
export async function withTwoTrackKernel<K extends { description: string; kind: 'cpu' | 'gpu'; dispose(): unknown }, R>(
  device: DeviceChoice,
  makeGpu: (ctx: import('../gpu/device.ts').GpuContext) => Promise<K>,
  makeCpu: () => K,
  run: (kernel: K) => Promise<R>,
  notes: string[],
  say: (line: string) => void,
): Promise<{ result: R; kernel: { kind: 'cpu' | 'gpu'; description: string } }> {
  const gpuKernel = device === 'cpu' ? null : await gpuKernelFor(device, makeGpu, notes);
  if (gpuKernel) {
    try {
      return { result: await run(gpuKernel), kernel: { kind: 'gpu', description: gpuKernel.description } };
    } catch (e) {
      if (device === 'gpu') throw e;
      notes.push(`GPU failed (${(e as Error).message.split('\n')[0]}); ran on the CPU`);
    } finally {
      await gpuKernel.dispose();
    }
  } else if (device === 'auto') {
    notes.push('using the CPU path');
  }
  if (notes.length) say(`device: ${notes.join('; ')}`);
  const cpu = makeCpu();
  try {
    return { result: await run(cpu), kernel: { kind: 'cpu', description: cpu.description } };
  } finally {
    await cpu.dispose();
  }
}

export async function createCompareKernelGpu(ctx: import('../gpu/device.ts').GpuContext): Promise<CompareKernel> {
  const { createGpuCompareKernel } = await import('../gpu/compare-kernel.ts');
  return createGpuCompareKernel(ctx);
}

export async function createVerticalKernelGpu(ctx: import('../gpu/device.ts').GpuContext): Promise<VerticalKernel> {
  const { createGpuVerticalKernel } = await import('../gpu/vertical-kernel.ts');
  return createGpuVerticalKernel(ctx);
}

export { CpuVerticalKernel };

export interface CompareCommandResult {
  run: CompareRun;
  summary: Record<string, unknown>;
}

export async function runCompareCommand(values: Record<string, unknown>, ascDir: string, descDir: string): Promise<CompareCommandResult> {
  const started = Date.now();
  const quiet = Boolean(values.quiet);
  const say = (line: string) => { if (!quiet) console.log(line); };
  const outDir = path.resolve(requiredString(values, 'out'));
  const thresholds = thresholdsFrom(values);
  const device = choiceOption<DeviceChoice>(values, 'device', ['gpu', 'cpu', 'auto'], 'auto');
  const ascGeometry = values['asc-geometry'] as string | undefined;
  const descGeometry = values['desc-geometry'] as string | undefined;
  if (Boolean(ascGeometry) !== Boolean(descGeometry)) {
    throw new InputError(ascGeometry ? '--desc-geometry' : '--asc-geometry', 'is required too: the decomposition needs the geometry of both tracks');
  }

  // Every input is read and checked before the output folder is claimed.
  const asc = await readTrackProducts(ascDir);
  const desc = await readTrackProducts(descDir);
  const ascAngles = await readTrackAngles(ascGeometry, ascDir);
  const descAngles = await readTrackAngles(descGeometry, descDir);
  const angles = ascAngles && descAngles ? { asc: ascAngles, desc: descAngles } : null;
  const prepared: PreparedComparison = prepareComparison(asc, desc, angles);
  const { grid } = prepared;

  const output = await beginOutput(outDir, { overwrite: Boolean(values.overwrite) });
  try {
    const notes: string[] = [];
    const { result: run, kernel } = await withTwoTrackKernel<CompareKernel, CompareRun>(
      device, createCompareKernelGpu, () => new CpuCompareKernel(), (k) => runComparison(prepared, k, thresholds), notes, say,
    );
    const legend = directionLegendMetadata();
    for (const [test, classes] of [['secular', run.secularClass], ['seasonal', run.seasonalClass]] as const) {
      await writeGeoTiffFile(path.join(output.dir, `direction_${test}.tif`), grid, classes, {
        sampleType: 'uint8',
        nodata: 255,
        bandDescription: `direction of ${test} motion from ascending vs descending (Table 1): ${Object.entries(DIRECTION_LEGEND).map(([k, v]) => `${k} ${v}`).join(', ')}`,
        bandUnit: 'class',
        bandMetadata: legend,
        metadata: { PRODUCT: `direction_${test}`, SOFTWARE: 'permasar', ...legend },
      });
    }
    if (prepared.tile.geometry) {
      for (const p of DECOMPOSITION_PRODUCTS) {
        await writeGeoTiffFile(path.join(output.dir, p.file), grid, run.outputs[p.key as keyof CompareOutputs] as Float32Array, {
          sampleType: 'float32',
          overviewResampling: p.unit === 'day of year' ? 'nearest' : 'average', // days are never averaged
          bandDescription: p.description,
          bandUnit: p.unit,
          metadata: { PRODUCT: p.file.replace('.tif', ''), UNITS: p.unit, SOFTWARE: 'permasar' },
        });
      }
    }
    for (const [file, png] of renderComparisonQuicklooks(run)) await writeFile(path.join(output.dir, file), png);
    const elapsedSeconds = (Date.now() - started) / 1000;
    const summary = {
      software: 'permasar',
      command: 'compare',
      created: new Date().toISOString(),
      inputs: {
        ascending: path.resolve(ascDir),
        descending: path.resolve(descDir),
        geometry: angles ? { ascending: path.resolve(angles.asc.source), descending: path.resolve(angles.desc.source) } : null,
      },
      grid: { width: grid.width, height: grid.height, geoTransform: grid.geoTransform, epsg: grid.epsg },
      windowOfAscendingGrid: prepared.window,
      resampling: {
        ...prepared.resampling,
        onto: 'the ascending grid, cropped to the pixels whose centres fall inside the descending grid',
        rate: 'bilinear', amplitude: 'bilinear', timing: 'bilinear on the unit circle', seasonalFlag: 'nearest', geometry: 'bilinear of the LOS east/up coefficients',
        noData: 'NaN stays NaN: a bilinear sample touching a no-data pixel is no data',
      },
      options: { thresholds, device },
      device: { kind: kernel.kind, description: kernel.description, notes },
      rules: {
        secular: 'magnitudes within the rate threshold: same sign → vertical, opposite → east-west; else undetermined (magnitudes differ). Both rates within the threshold of zero → undetermined (both near zero): their signs are noise',
        seasonal: 'pixels seasonal on both tracks; amplitudes within the amplitude threshold: peak days within the in-phase window (circular, 365.25-day year) → vertical, within the out-of-phase window → east-west, else undetermined (other timing); amplitudes differ → undetermined',
      },
      legend: DIRECTION_LEGEND,
      counts: {
        pixels: grid.width * grid.height,
        secular: run.counts.secular,
        seasonal: run.counts.seasonal,
      },
      decomposition: prepared.tile.geometry
        ? {
          model: 'd_LOS = e·dE + u·dU per track (north neglected), e = −sin θ sin α, u = cos θ (MintPy incidence θ and azimuth α); two tracks solved exactly; annual terms as phasors',
          minDeterminant: MIN_DECOMPOSITION_DETERMINANT,
          products: DECOMPOSITION_PRODUCTS.map((p) => p.file),
        }
        : null,
      elapsedSeconds,
    };
    await writeFile(path.join(output.dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    await output.commit();
    const s = run.counts.secular;
    const z = run.counts.seasonal;
    const pct = (v: number | null) => (v === null ? '–' : `${v.toFixed(1)} %`);
    say(`secular: ${s.tested} pixels tested: ${s.vertical} vertical (${pct(s.percentOfTested.vertical)}), ${s.eastWest} east-west (${pct(s.percentOfTested.eastWest)}), ${s.undetermined} undetermined (${pct(s.percentOfTested.undetermined)})`);
    say(`seasonal: ${z.tested} pixels seasonal on both: ${z.vertical} vertical (${pct(z.percentOfTested.vertical)}), ${z.eastWest} east-west (${pct(z.percentOfTested.eastWest)}), ${z.undeterminedBecause.otherTiming} other timing, ${z.undeterminedBecause.amplitudeDiffers} amplitude differs; on ${kernel.description}, ${formatSeconds(elapsedSeconds)} → ${outDir}`);
    return { run, summary };
  } catch (e) {
    await output.abort();
    throw e;
  }
}
