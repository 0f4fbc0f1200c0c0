// The compare job (`permasar compare`, the corridor's direction stage): direction of motion
// from the ascending and descending fit products (Table 1 of the study, DESIGN.md §1 "Two
// tracks"), and with both geometries the up/east decomposition. Reads two fit output folders,
// resamples the descending products onto the ascending grid (pipeline/compare.ts says how),
// works on the overlap, and writes class GeoTIFFs, decomposition GeoTIFFs, PNGs and
// summary.json through a staging folder (nothing half-written).
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { InputError } from '../../core/errors.ts';
import { checkDirectionThresholds, DEFAULT_DIRECTION_THRESHOLDS, DIRECTION_LEGEND, type DirectionThresholds } from '../../core/direction.ts';
import { MIN_DECOMPOSITION_DETERMINANT } from '../../core/decomposition.ts';
import type { CompareOutputs } from '../../core/two-track.ts';
import { beginOutput } from '../../io/output-dir-node.ts';
import { writeGeoTiffFile } from '../../io/geotiff-write-node.ts';
import {
  DECOMPOSITION_PRODUCTS,
  directionLegendMetadata,
  prepareComparison,
  renderComparisonQuicklooks,
  runComparison,
  type CompareRun,
  type DirectionCounts,
  type PreparedComparison,
} from '../compare.ts';
import { withCompareKernel } from '../kernels.ts';
import { withJobDevices } from '../devices-node.ts';
import { readTrackAngles, readTrackProducts } from './inputs-node.ts';
import { formatSeconds } from './format.ts';
import type { JobContext } from './context.ts';

export interface CompareJobInputs {
  /** Output folder of the fit (or seasons) job of the ascending track. */
  ascending: string;
  /** The same for the descending track. */
  descending: string;
  /**
   * MintPy geometryGeo.h5 of each track (incidenceAngle, azimuthAngle), both or neither;
   * without them incidence.tif + azimuth.tif kept by fit --geometry, if both folders have them.
   */
  ascGeometry?: string | null;
  descGeometry?: string | null;
}

export interface CompareJobOptions {
  /** Table 1 thresholds (default DEFAULT_DIRECTION_THRESHOLDS: 5 mm/yr, 5 mm, 30 d, 180 ± 30 d). */
  thresholds?: Partial<DirectionThresholds>;
  overwrite?: boolean;
}

export interface CompareJobSummary {
  software: 'permasar';
  command: 'compare';
  created: string;
  inputs: { ascending: string; descending: string; geometry: { ascending: string; descending: string } | null };
  grid: { width: number; height: number; geoTransform: number[]; epsg: number | null };
  options: { thresholds: DirectionThresholds; device: string };
  device: { kind: 'cpu' | 'gpu'; description: string; notes: string[] };
  counts: { pixels: number; secular: DirectionCounts; seasonal: DirectionCounts };
  elapsedSeconds: number;
  [key: string]: unknown;
}

export async function compareJob(inputs: CompareJobInputs, options: CompareJobOptions, outDir: string, ctx: JobContext): Promise<CompareJobSummary> {
  return (await runCompareJob(inputs, options, outDir, ctx)).summary;
}

/** compareJob, also giving the classes and decomposition planes (CompareRun). */
export async function runCompareJob(inputs: CompareJobInputs, options: CompareJobOptions, outDirGiven: string, ctx: JobContext): Promise<{ run: CompareRun; summary: CompareJobSummary }> {
  const started = Date.now();
  const say = (line: string) => ctx.log(line);
  const outDir = path.resolve(outDirGiven);
  const thresholds: DirectionThresholds = { ...DEFAULT_DIRECTION_THRESHOLDS, ...options.thresholds };
  const problem = checkDirectionThresholds(thresholds);
  if (problem) throw new InputError('--in-phase-days', problem);
  const { ascending: ascDir, descending: descDir } = inputs;
  if (Boolean(inputs.ascGeometry) !== Boolean(inputs.descGeometry)) {
    throw new InputError(inputs.ascGeometry ? '--desc-geometry' : '--asc-geometry', 'is required too: the decomposition needs the geometry of both tracks');
  }

  // Every input is read and checked before the output folder is claimed.
  const asc = await readTrackProducts(ascDir);
  const desc = await readTrackProducts(descDir);
  const ascAngles = await readTrackAngles(inputs.ascGeometry, ascDir);
  const descAngles = await readTrackAngles(inputs.descGeometry, descDir);
  const angles = ascAngles && descAngles ? { asc: ascAngles, desc: descAngles } : null;
  const prepared: PreparedComparison = prepareComparison(asc, desc, angles);
  const { grid } = prepared;

  const output = await beginOutput(outDir, { overwrite: Boolean(options.overwrite) });
  try {
    const notes: string[] = [];
    const { result: run, kernel } = await withJobDevices(ctx, (devices) =>
      withCompareKernel(devices, (k) => runComparison(prepared, k, thresholds), notes, say));
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
      options: { thresholds, device: ctx.kernels?.choice ?? ctx.device },
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
    return { run, summary: summary as CompareJobSummary };
  } catch (e) {
    await output.abort();
    throw e;
  }
}
