// The compare job (`permasar compare`, the corridor's direction stage): direction of motion
// from the ascending and descending fit products (Table 1 of the study, DESIGN.md §1 "Two
// tracks"), and with both geometries the up/east decomposition. Reads two fit output folders,
// resamples the descending products onto the ascending grid (pipeline/compare.ts says how),
// works on the overlap, and writes class GeoTIFFs, decomposition GeoTIFFs, PNGs and
// summary.json through a staging folder (nothing half-written).
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { InputError, optionError } from '../core/errors.ts';
import { checkDirectionThresholds, DEFAULT_DIRECTION_THRESHOLDS, DIRECTION_LEGEND, type DirectionThresholds } from '../core/direction.ts';
import { MIN_DECOMPOSITION_DETERMINANT } from '../core/decomposition.ts';
import { DECOMPOSITION_PRODUCTS, productName } from '../core/products.ts';
import type { CompareKernel, CompareOutputs, CompareTile, TwoTrackGeometryPlanes } from '../core/two-track.ts';
import { describeGrid, type RasterGrid } from '../core/grid.ts';
import { gridBounds, gridsOverlap, resampleDayOfYearRowBlock, resampleRowBlock, resampleScale, sourceRowsForBlock, type CoordinateTransform } from '../core/resample.ts';
import type { RasterRowReader } from '../io/raster-node.ts';
import { blockRowsOf, cropColumns, DecimatedPlane, rowBlocks } from '../pipeline/blocks.ts';
import { crsName, crsTransform } from '../pipeline/grid-crs.ts';
import { withOutput } from '../io/output-dir-node.ts';
import { createGeoTiffFile, type GeoTiffFileWriter } from '../io/geotiff-write-node.ts';
import {
  directionLegendMetadata,
  classRaster,
  losCoefficients,
  overlapWindow,
  ReasonTally,
  renderComparisonQuicklooks,
  windowGrid,
  type CompareRun,
  type ComparisonQuicklookInput,
  type DirectionCounts,
  type GridWindow,
  type PreparedComparison,
  type TrackAngles,
} from '../pipeline/compare.ts';
import { withCompareKernel } from '../pipeline/kernels.ts';
import { withJobDevices } from './support/devices-node.ts';
import { openTrackProductRows, readTrackAngles, type TrackProductRows } from './support/inputs-node.ts';
import { formatSeconds } from './support/format.ts';
import type { JobContext } from './support/context.ts';

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
  /** Rows per block (default PERMASAR_BLOCK_ROWS, else 256): memory follows it; results do not. */
  blockRows?: number;
  /**
   * Also assemble the tile and output planes of the whole grid in the returned run (tests, small
   * grids): memory then grows with the grid. Without it run.prepared.tile and run.outputs are empty.
   */
  keepPlanes?: boolean;
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
  if (problem) throw optionError('in-phase-days', problem);
  const { ascending: ascDir, descending: descDir } = inputs;
  if (Boolean(inputs.ascGeometry) !== Boolean(inputs.descGeometry)) {
    throw new InputError(inputs.ascGeometry ? '--desc-geometry' : '--asc-geometry', 'is required too: the decomposition needs the geometry of both tracks');
  }

  // Every input is checked (headers, grids, overlap) before the output folder is claimed; the
  // pixels are read block by block below.
  const asc = await openTrackProductRows(ascDir);
  let desc: TrackProductRows | null = null;
  const blockRows = blockRowsOf(options.blockRows, process.env.PERMASAR_BLOCK_ROWS);
  try {
    desc = await openTrackProductRows(descDir);
    const ascAngles = await readTrackAngles(inputs.ascGeometry, ascDir);
    const descAngles = await readTrackAngles(inputs.descGeometry, descDir);
    const angles = ascAngles && descAngles ? { asc: ascAngles, desc: descAngles } : null;
    const transform = crsTransform(asc.grid, desc.grid, desc.source, asc.source);
    if (!transform && !gridsOverlap(asc.grid, desc.grid)) {
      const [ax0, ay0, ax1, ay1] = gridBounds(asc.grid).map((v) => Number(v.toPrecision(8)));
      const [dx0, dy0, dx1, dy1] = gridBounds(desc.grid).map((v) => Number(v.toPrecision(8)));
      throw new InputError(desc.source, `does not overlap the ascending track (x ${dx0}…${dx1}, y ${dy0}…${dy1} vs x ${ax0}…${ax1}, y ${ay0}…${ay1})`);
    }
    const window = overlapWindow(desc.grid, asc.grid, transform, blockRows);
    if (!window) throw new InputError(desc.source, `no ascending pixel centre falls inside the descending grid (${describeGrid(desc.grid)} vs ${describeGrid(asc.grid)})`);
    const grid = windowGrid(asc.grid, window);
    const resampling = { crs: transform ? 'reprojected' as const : 'same' as const, ascCrs: crsName(asc.grid), descCrs: crsName(desc.grid) };

    return await withOutput(outDir, { overwrite: Boolean(options.overwrite) }, async (output) => {
      const notes: string[] = [];
      const { result: streamed, kernel } = await withJobDevices(ctx, (devices) =>
        withCompareKernel(devices, (k) => streamComparison({ asc, desc: desc!, angles, transform, window, grid, blockRows, keepPlanes: Boolean(options.keepPlanes) }, k, thresholds, output.dir, ctx), notes, say));
      const run: CompareRun = streamed.run;
      run.prepared.resampling = resampling;
      for (const [file, png] of renderComparisonQuicklooks(streamed.quicklook)) await writeFile(path.join(output.dir, file), png);
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
      windowOfAscendingGrid: window,
      resampling: {
        ...resampling,
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
      decomposition: angles
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
    });
  } finally {
    asc.close();
    desc?.close();
  }
}

interface StreamInputs {
  asc: TrackProductRows;
  desc: TrackProductRows;
  angles: { asc: TrackAngles; desc: TrackAngles } | null;
  transform: CoordinateTransform | null;
  /** Window of the ascending grid = the output grid. */
  window: GridWindow;
  grid: RasterGrid;
  blockRows: number;
  keepPlanes: boolean;
}

/**
 * The comparison in row blocks of the output grid: per block, the ascending rows of the window,
 * the descending rows its resampling stencils reach (core/resample.ts sourceRowsForBlock:
 * bit for bit the whole-raster resampling), the kernel, then the rows to the COG writers, the
 * counts to an exact tally and a decimated copy to the quicklooks. Restartable: every call
 * creates its writers afresh (the whole-run kernel reruns it on the CPU after a GPU failure).
 */
async function streamComparison(inp: StreamInputs, kernel: CompareKernel, thresholds: DirectionThresholds, dir: string, ctx: JobContext): Promise<{ run: CompareRun; quicklook: ComparisonQuicklookInput }> {
  const { asc, desc, angles, window, grid } = inp;
  const t = inp.transform ?? undefined;
  const descScale = resampleScale(desc.grid, grid, 'bilinear', t);
  const geometry = angles ? [angles.asc, angles.desc].map((a) => {
    // The angles are whole in memory (MintPy geometry files are read whole); their east/up
    // coefficients are resampled block by block from every row.
    const coefficients = losCoefficients(a);
    const at = crsTransform(grid, a.grid, a.source) ?? undefined;
    return { grid: a.grid, ...coefficients, transform: at, scale: resampleScale(a.grid, grid, 'bilinear', at) };
  }) : null;
  const legend = directionLegendMetadata();
  const writers: GeoTiffFileWriter[] = [];
  const classWriters: Record<'secular' | 'seasonal', GeoTiffFileWriter> = {} as never;
  const decompositionWriters: GeoTiffFileWriter[] = [];
  const n = grid.width * grid.height;
  const keep = inp.keepPlanes;
  const kept = keep ? {
    tile: emptyTile(n, Boolean(geometry)),
    outputs: Object.fromEntries(COMPARE_OUTPUT_KEYS.map((key) => [key, key.endsWith('Reason') ? new Uint8Array(n) : new Float32Array(n)])) as unknown as CompareOutputs,
  } : null;
  try {
    for (const test of ['secular', 'seasonal'] as const) {
      const w = await createGeoTiffFile(path.join(dir, `direction_${test}.tif`), grid, {
        sampleType: 'uint8',
        nodata: 255,
        bandDescription: `direction of ${test} motion from ascending vs descending (Table 1): ${Object.entries(DIRECTION_LEGEND).map(([k, v]) => `${k} ${v}`).join(', ')}`,
        bandUnit: 'class',
        bandMetadata: legend,
        metadata: { PRODUCT: `direction_${test}`, SOFTWARE: 'permasar', ...legend },
      });
      writers.push(w);
      classWriters[test] = w;
    }
    if (geometry) {
      for (const p of DECOMPOSITION_PRODUCTS) {
        const w = await createGeoTiffFile(path.join(dir, p.file), grid, {
          sampleType: 'float32',
          overviewResampling: p.overviewResampling, // days are never averaged (core/products.ts)
          bandDescription: p.description,
          bandUnit: p.unit,
          metadata: { PRODUCT: productName(p), UNITS: p.unit, SOFTWARE: 'permasar' },
        });
        writers.push(w);
        decompositionWriters.push(w);
      }
    }
    const secularTally = new ReasonTally();
    const seasonalTally = new ReasonTally();
    const looks = {
      secular: new DecimatedPlane(grid.width, grid.height),
      seasonal: new DecimatedPlane(grid.width, grid.height),
      rateUp: new DecimatedPlane(grid.width, grid.height),
      rateEast: new DecimatedPlane(grid.width, grid.height),
      amplitudeUp: new DecimatedPlane(grid.width, grid.height),
    };
    let rateOnBoth = false;
    const blocks = rowBlocks(grid.height, inp.blockRows);
    for (const [b, { row0, nRows }] of blocks.entries()) {
      const ascRows = (reader: RasterRowReader) => reader.readRows(window.row0 + row0, nRows).then((rows) => cropColumns(rows, asc.grid.width, window.col0, window.width));
      const need = sourceRowsForBlock(desc.grid, grid, row0, nRows, descScale, t);
      const block = { targetRow0: row0, nRows, sourceRow0: need.sourceRow0, sourceRows: need.sourceRows, scale: descScale };
      const descRows = (reader: RasterRowReader) => reader.readRows(need.sourceRow0, need.sourceRows);
      const descRate = resampleRowBlock(desc.grid, await descRows(desc.rate), grid, 'bilinear', block, t);
      const descAmplitude = resampleRowBlock(desc.grid, await descRows(desc.amplitude), grid, 'bilinear', block, t);
      const descPeakDay = resampleDayOfYearRowBlock(desc.grid, await descRows(desc.timing), grid, block, t);
      const descFlag = resampleRowBlock(desc.grid, await descRows(desc.seasonal), grid, 'nearest', block, t);
      for (let i = 0; i < descFlag.length; i++) {
        if (descFlag[i] === 1 && !(Number.isFinite(descAmplitude[i]) && Number.isFinite(descPeakDay[i]))) descFlag[i] = 0;
      }
      const ascRate = await ascRows(asc.rate);
      if (!rateOnBoth) rateOnBoth = ascRate.some((v, i) => Number.isFinite(v) && Number.isFinite(descRate[i]));
      let planes: TwoTrackGeometryPlanes | null = null;
      if (geometry) {
        const [a, d] = geometry.map((g) => {
          const whole = { targetRow0: row0, nRows, sourceRow0: 0, sourceRows: g.grid.height, scale: g.scale };
          return { east: resampleRowBlock(g.grid, g.east, grid, 'bilinear', whole, g.transform), up: resampleRowBlock(g.grid, g.up, grid, 'bilinear', whole, g.transform) };
        });
        planes = { ascEast: a.east, ascUp: a.up, descEast: d.east, descUp: d.up };
      }
      const tile: CompareTile = {
        nPixels: grid.width * nRows,
        ascRateMmPerYear: ascRate,
        descRateMmPerYear: descRate,
        ascAmplitudeMm: await ascRows(asc.amplitude),
        descAmplitudeMm: descAmplitude,
        ascPeakDayOfYear: await ascRows(asc.timing),
        descPeakDayOfYear: descPeakDay,
        ascSeasonalFlag: await ascRows(asc.seasonal),
        descSeasonalFlag: descFlag,
        geometry: planes,
      };
      const outputs = await kernel.compareTile(tile, thresholds);
      secularTally.add(outputs.secularReason);
      seasonalTally.add(outputs.seasonalReason);
      const secularClass = classRaster(outputs.secularReason);
      const seasonalClass = classRaster(outputs.seasonalReason);
      await classWriters.secular.writeRows(row0, secularClass);
      await classWriters.seasonal.writeRows(row0, seasonalClass);
      looks.secular.add(row0, secularClass);
      looks.seasonal.add(row0, seasonalClass);
      if (geometry) {
        for (const [i, p] of DECOMPOSITION_PRODUCTS.entries()) await decompositionWriters[i].writeRows(row0, outputs[p.key as keyof CompareOutputs] as Float32Array);
        looks.rateUp.add(row0, outputs.rateUpMmPerYear);
        looks.rateEast.add(row0, outputs.rateEastMmPerYear);
        looks.amplitudeUp.add(row0, outputs.amplitudeUpMm);
      }
      if (kept) {
        const at = row0 * grid.width;
        for (const key of Object.keys(tile) as (keyof CompareTile)[]) {
          const v = tile[key];
          if (v instanceof Float32Array) (kept.tile[key] as Float32Array).set(v, at);
        }
        if (planes && kept.tile.geometry) for (const key of Object.keys(planes) as (keyof TwoTrackGeometryPlanes)[]) kept.tile.geometry[key].set(planes[key], at);
        for (const key of COMPARE_OUTPUT_KEYS) (kept.outputs[key] as Float32Array | Uint8Array).set(outputs[key] as never, at);
      }
      ctx.progress?.(b + 1, blocks.length, 'comparing');
    }
    if (!rateOnBoth) throw new InputError(desc.source, 'the tracks overlap but no pixel of the overlap has a rate on both (all no data)');
    for (const w of writers) await w.close();
    const counts = { secular: secularTally.counts('secular'), seasonal: seasonalTally.counts('seasonal') };
    const none = new Float32Array(0);
    const prepared: PreparedComparison = {
      grid,
      window,
      tile: kept?.tile ?? { ...emptyTile(0, Boolean(geometry)) },
      resampling: { crs: inp.transform ? 'reprojected' : 'same', ascCrs: '', descCrs: '' },
    };
    const run: CompareRun = {
      prepared,
      outputs: kept?.outputs ?? (Object.fromEntries(COMPARE_OUTPUT_KEYS.map((key) => [key, key.endsWith('Reason') ? new Uint8Array(0) : none])) as unknown as CompareOutputs),
      secularClass: kept ? classRaster(kept.outputs.secularReason) : new Uint8Array(0),
      seasonalClass: kept ? classRaster(kept.outputs.seasonalReason) : new Uint8Array(0),
      counts,
    };
    const look = looks.secular;
    return {
      run,
      quicklook: {
        grid,
        width: look.width,
        height: look.height,
        secularClass: looks.secular.data,
        seasonalClass: looks.seasonal.data,
        counts,
        decomposition: geometry ? { rateUpMmPerYear: looks.rateUp.data, rateEastMmPerYear: looks.rateEast.data, amplitudeUpMm: looks.amplitudeUp.data } : null,
      },
    };
  } catch (e) {
    for (const w of writers) await w.discard();
    throw e;
  }
}

const COMPARE_OUTPUT_KEYS = ['secularReason', 'seasonalReason', 'rateUpMmPerYear', 'rateEastMmPerYear', 'amplitudeUpMm', 'amplitudeEastMm', 'peakDayUp', 'peakDayEast'] as const satisfies readonly (keyof CompareOutputs)[];

function emptyTile(n: number, withGeometry: boolean): CompareTile {
  const plane = () => new Float32Array(n);
  return {
    nPixels: n,
    ascRateMmPerYear: plane(), descRateMmPerYear: plane(), ascAmplitudeMm: plane(), descAmplitudeMm: plane(),
    ascPeakDayOfYear: plane(), descPeakDayOfYear: plane(), ascSeasonalFlag: plane(), descSeasonalFlag: plane(),
    geometry: withGeometry ? { ascEast: plane(), ascUp: plane(), descEast: plane(), descUp: plane() } : null,
  };
}
