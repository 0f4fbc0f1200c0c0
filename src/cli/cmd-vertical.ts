// `permasar vertical FIT_DIR --out DIR`: the vertical projection of one track's LOS rate and
// seasonal amplitude, δ_vertical = δ_LOS / cos θ (DESIGN.md §1 "Vertical projection"), which
// assumes the motion is vertical (the study: 1.17–1.46 × the LOS value across a Sentinel-1 IW
// swath, θ = 31°–46.8°). θ comes from a GeoTIFF, a MintPy geometry file, a constant, or the
// incidence.tif that `permasar fit --incidence/--geometry` kept in the folder.
//
// A `permasar seasons` folder holds the fit's products too, and amplitude_by_year.tif (one band
// per year): each band is projected the same way into amplitude_by_year_vertical.tif, band
// descriptions (the years) kept, for `permasar alt` to turn into ALT by year.
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { InputError } from '../core/errors.ts';
import { describeGrid, sameGrid, type RasterGrid } from '../core/grid.ts';
import { isIncidenceAngle } from '../core/decomposition.ts';
import { resampleToGrid } from '../core/resample.ts';
import { readFitFolder } from '../io/fit-folder-node.ts';
import { isHdf5Path, readGeometry, readRaster } from '../io/raster-node.ts';
import { beginOutput } from '../io/output-dir-node.ts';
import { writeGeoTiffFile } from '../io/geotiff-write-node.ts';
import { openGeoTiffNode } from '../io/geotiff-node.ts';
import { readGeoTiffBands, type RasterBands } from '../io/geotiff-read.ts';
import { CpuVerticalKernel, type VerticalKernel } from '../cpu/compare.ts';
import { crsTransform, runVerticalProjection, type VerticalRun } from '../pipeline/compare.ts';
import { gridsOverlap } from '../core/resample.ts';
import { renderRasterQuicklook } from '../plot/raster.ts';
import { encodePng } from '../plot/png.ts';
import { createVerticalKernelGpu, readTrackProducts, withTwoTrackKernel } from './cmd-compare.ts';
import { choiceOption, requiredString } from './options.ts';
import { formatSeconds } from './progress.ts';
import type { DeviceChoice } from './kernel-node.ts';
import type { Command } from './command.ts';

const USAGE = `usage: permasar vertical FIT_DIR --out DIR [options]

Projects the LOS rate and seasonal amplitude of a permasar fit output onto the vertical,
δ_vertical = δ_LOS / cos(incidence), assuming the motion is vertical. FIT_DIR may be a
permasar seasons output: its yearly amplitudes (amplitude_by_year.tif) are projected too,
into amplitude_by_year_vertical.tif (one band per year).

options:
  --out DIR               output folder (refused if it exists, unless --overwrite)
  --overwrite             replace an existing output folder (only once the new one is complete)
  --incidence FILE|DEG    incidence angle: a GeoTIFF, a MintPy geometryGeo.h5, or a constant in
                          degrees (default: incidence.tif in FIT_DIR, kept by fit --incidence/--geometry).
                          A raster on another grid is resampled (bilinear) onto the fit grid.
  --device gpu|cpu|auto   where the kernel runs (default auto: GPU if an adapter exists)
  --quiet                 no result lines on the terminal`;

export const verticalCommand: Command = {
  name: 'vertical',
  summary: 'LOS rate and seasonal amplitude projected onto the vertical (δ / cos incidence)',
  usage: USAGE,
  positionals: [1, 1],
  options: {
    out: { type: 'string' },
    overwrite: { type: 'boolean' },
    incidence: { type: 'string' },
    device: { type: 'string' },
    quiet: { type: 'boolean' },
  },
  async run(values, positionals) {
    await runVerticalCommand(values, positionals[0]);
  },
};

/** Incidence on the fit grid, and where it came from. */
async function readIncidence(given: string | undefined, fitDir: string, grid: RasterGrid): Promise<{ data: Float32Array; source: string }> {
  const n = grid.width * grid.height;
  if (given !== undefined) {
    const degrees = Number(given);
    if (given.trim() !== '' && Number.isFinite(degrees)) {
      if (!isIncidenceAngle(degrees)) throw new InputError('--incidence', `${degrees}° is not an incidence angle (0–90°)`);
      return { data: new Float32Array(n).fill(degrees), source: `constant ${degrees}°` };
    }
  }
  let raster: { grid: RasterGrid; data: Float32Array };
  let source: string;
  if (given !== undefined) {
    const file = path.resolve(given);
    // readGeometry turns MintPy's 0 outside the swath into NaN.
    raster = isHdf5Path(file) ? await readGeometry(file).then((g) => ({ grid: g.grid, data: g.incidenceAngleDeg })) : await readRaster(file);
    source = file;
  } else {
    const folder = await readFitFolder(path.resolve(fitDir));
    if (!folder.otherRasters.includes('incidence.tif')) {
      throw new InputError('--incidence', `is required: ${fitDir} has no incidence.tif (give a GeoTIFF, a MintPy geometryGeo.h5 or degrees)`);
    }
    raster = await folder.readProduct('incidence.tif');
    source = path.resolve(fitDir, 'incidence.tif');
  }
  if (sameGrid(raster.grid, grid)) return { data: raster.data, source };
  const transform = crsTransform(grid, raster.grid, source);
  if (!transform && !gridsOverlap(raster.grid, grid)) {
    throw new InputError(source, `does not overlap the fit grid (${describeGrid(raster.grid)} vs ${describeGrid(grid)})`);
  }
  return { data: resampleToGrid(raster.grid, raster.data, grid, 'bilinear', transform ?? undefined), source: `${source} (resampled bilinear onto the fit grid)` };
}

export async function runVerticalCommand(values: Record<string, unknown>, fitDir: string): Promise<{ run: VerticalRun; summary: Record<string, unknown> }> {
  const started = Date.now();
  const quiet = Boolean(values.quiet);
  const say = (line: string) => { if (!quiet) console.log(line); };
  const outDir = path.resolve(requiredString(values, 'out'));
  const device = choiceOption<DeviceChoice>(values, 'device', ['gpu', 'cpu', 'auto'], 'auto');
  const track = await readTrackProducts(fitDir);
  const { grid } = track;
  const incidence = await readIncidence(values.incidence as string | undefined, fitDir, grid);
  if (!incidence.data.some(isIncidenceAngle)) throw new InputError(incidence.source, 'no incidence angle between 0° and 90° over the fit grid');
  const byYear = await readAmplitudeByYear(fitDir, grid);

  const output = await beginOutput(outDir, { overwrite: Boolean(values.overwrite) });
  try {
    const notes: string[] = [];
    const { result: run, kernel } = await withTwoTrackKernel<VerticalKernel, VerticalRun & { yearly: Float32Array[] }>(
      device, createVerticalKernelGpu, () => new CpuVerticalKernel(),
      async (k) => {
        const main = await runVerticalProjection(k, track.rateMmPerYear, track.seasonalAmplitudeMm, incidence.data);
        // Each year's amplitude through the same kernel (the rate plane unused: NaN in, NaN out).
        const noRate = byYear ? new Float32Array(grid.width * grid.height).fill(NaN) : null;
        const yearly: Float32Array[] = [];
        for (const band of byYear?.bands ?? []) yearly.push((await runVerticalProjection(k, noRate!, band.data, incidence.data)).outputs.amplitudeVerticalMm);
        return { ...main, yearly };
      }, notes, say,
    );
    const products = [
      { file: 'rate_vertical', data: run.outputs.rateVerticalMmPerYear, unit: 'mm/yr', description: 'secular rate projected onto the vertical, LOS / cos(incidence); positive = up', title: 'Vertical rate (LOS / cos incidence, + up)', colormap: 'rdbu' as const },
      { file: 'amplitude_vertical', data: run.outputs.amplitudeVerticalMm, unit: 'mm', description: 'seasonal amplitude (peak to trough) projected onto the vertical, LOS / cos(incidence); NaN where not seasonal', title: 'Vertical seasonal amplitude, peak to trough', colormap: 'viridis' as const },
    ];
    for (const p of products) {
      await writeGeoTiffFile(path.join(output.dir, `${p.file}.tif`), grid, p.data, {
        sampleType: 'float32',
        bandDescription: p.description,
        bandUnit: p.unit,
        metadata: { PRODUCT: p.file, UNITS: p.unit, SOFTWARE: 'permasar', INCIDENCE: incidence.source },
      });
      const png = renderRasterQuicklook({ data: p.data, width: grid.width, height: grid.height, title: p.title, unitLabel: p.unit, colormap: p.colormap });
      await writeFile(path.join(output.dir, `${p.file}.png`), encodePng(png));
    }
    if (byYear) {
      await writeGeoTiffFile(path.join(output.dir, 'amplitude_by_year_vertical.tif'), grid, run.yearly, {
        sampleType: 'float32',
        bandDescriptions: byYear.bands.map((b, i) => b.description ?? `band ${i + 1}`),
        bandUnit: 'mm',
        metadata: { PRODUCT: 'amplitude_by_year_vertical', UNITS: 'mm', SOFTWARE: 'permasar', INCIDENCE: incidence.source, DESCRIPTION: 'seasonal amplitude of each year (peak to trough) projected onto the vertical, LOS / cos(incidence)' },
      });
    }
    let rateCount = 0;
    let amplitudeCount = 0;
    for (let i = 0; i < grid.width * grid.height; i++) {
      if (Number.isFinite(run.outputs.rateVerticalMmPerYear[i])) rateCount++;
      if (Number.isFinite(run.outputs.amplitudeVerticalMm[i])) amplitudeCount++;
    }
    const elapsedSeconds = (Date.now() - started) / 1000;
    const summary = {
      software: 'permasar',
      command: 'vertical',
      created: new Date().toISOString(),
      inputs: { fit: path.resolve(fitDir), incidence: incidence.source },
      grid: { width: grid.width, height: grid.height, geoTransform: grid.geoTransform, epsg: grid.epsg },
      model: 'δ_vertical = δ_LOS / cos(incidence): all motion assumed vertical',
      incidenceRangeDeg: run.incidenceRangeDeg,
      verticalOverLosRatio: run.factorRange,
      counts: { pixels: grid.width * grid.height, rate: rateCount, amplitude: amplitudeCount },
      options: { device },
      device: { kind: kernel.kind, description: kernel.description, notes },
      products: [...products.map((p) => `${p.file}.tif`), ...(byYear ? ['amplitude_by_year_vertical.tif'] : [])],
      years: byYear ? byYear.bands.map((b) => b.description) : undefined,
      elapsedSeconds,
    };
    await writeFile(path.join(output.dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    await output.commit();
    const ratio = run.factorRange ? `${run.factorRange[0].toFixed(2)}–${run.factorRange[1].toFixed(2)} × LOS` : 'no ratio';
    say(`vertical: ${rateCount} rates, ${amplitudeCount} amplitudes projected (${ratio}) on ${kernel.description}, ${formatSeconds(elapsedSeconds)} → ${outDir}`);
    return { run, summary };
  } catch (e) {
    await output.abort();
    throw e;
  }
}

/** amplitude_by_year.tif of a `seasons` folder (null for a plain fit folder), checked against the fit grid. */
async function readAmplitudeByYear(fitDir: string, grid: RasterGrid): Promise<RasterBands | null> {
  const folder = await readFitFolder(path.resolve(fitDir));
  if (!folder.otherRasters.includes('amplitude_by_year.tif')) return null;
  const file = path.join(path.resolve(fitDir), 'amplitude_by_year.tif');
  const { tiff, byteLength } = await openGeoTiffNode(file);
  try {
    const bands = await readGeoTiffBands(tiff, file, byteLength);
    if (!sameGrid(bands.grid, grid)) throw new InputError(file, `grid differs from rate.tif's (${describeGrid(bands.grid)} vs ${describeGrid(grid)})`);
    if (bands.unit !== null && bands.unit !== 'mm') throw new InputError(file, `unit "${bands.unit}", expected "mm" (permasar seasons writes mm)`);
    return bands;
  } finally {
    tiff.close();
  }
}
