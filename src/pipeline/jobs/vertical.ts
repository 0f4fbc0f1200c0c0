// The vertical job (`permasar vertical`): the vertical projection of one track's LOS rate and
// seasonal amplitude, δ_vertical = δ_LOS / cos θ (DESIGN.md §1 "Vertical projection"), which
// assumes the motion is vertical (the study: 1.17–1.46 × the LOS value across a Sentinel-1 IW
// swath, θ = 31°–46.8°). θ comes from a GeoTIFF, a MintPy geometry file, a constant, or the
// incidence.tif that the fit job kept in the folder.
//
// A seasons folder holds the fit's products too, and amplitude_by_year.tif (one band per
// year): each band is projected the same way into amplitude_by_year_vertical.tif, band
// descriptions (the years) kept, for the alt job to turn into ALT by year.
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { InputError } from '../../core/errors.ts';
import { isIncidenceAngle } from '../../core/decomposition.ts';
import { beginOutput } from '../../io/output-dir-node.ts';
import { writeGeoTiffFile } from '../../io/geotiff-write-node.ts';
import { runVerticalProjection, type VerticalRun } from '../compare.ts';
import { withVerticalKernel } from '../kernels.ts';
import { withJobDevices } from '../devices-node.ts';
import { renderRasterQuicklook } from '../../plot/raster.ts';
import { encodePng } from '../../plot/png.ts';
import { readAmplitudeByYear, readFitIncidence, readTrackProducts } from './inputs-node.ts';
import { formatSeconds } from './format.ts';
import type { JobContext } from './context.ts';

export interface VerticalJobInputs {
  /** Output folder of the fit (or seasons) job. */
  fit: string;
  /**
   * Incidence: a constant in degrees, a GeoTIFF or a MintPy geometryGeo.h5 on any grid
   * (bilinear onto the fit grid); default the fit folder's incidence.tif.
   */
  incidence?: string | number | null;
}

export interface VerticalJobOptions {
  overwrite?: boolean;
}

export interface VerticalJobSummary {
  software: 'permasar';
  command: 'vertical';
  created: string;
  inputs: { fit: string; incidence: string };
  grid: { width: number; height: number; geoTransform: number[]; epsg: number | null };
  incidenceRangeDeg: [number, number] | null;
  verticalOverLosRatio: [number, number] | null;
  counts: { pixels: number; rate: number; amplitude: number };
  device: { kind: 'cpu' | 'gpu'; description: string; notes: string[] };
  products: string[];
  years?: (string | null)[];
  elapsedSeconds: number;
  [key: string]: unknown;
}

export async function verticalJob(inputs: VerticalJobInputs, options: VerticalJobOptions, outDir: string, ctx: JobContext): Promise<VerticalJobSummary> {
  return (await runVerticalJob(inputs, options, outDir, ctx)).summary;
}

export async function runVerticalJob(inputs: VerticalJobInputs, options: VerticalJobOptions, outDirGiven: string, ctx: JobContext): Promise<{ run: VerticalRun; summary: VerticalJobSummary }> {
  const started = Date.now();
  const say = (line: string) => ctx.log(line);
  const outDir = path.resolve(outDirGiven);
  const fitDir = inputs.fit;
  const track = await readTrackProducts(fitDir);
  const { grid } = track;
  const incidence = await readFitIncidence(inputs.incidence, fitDir, grid);
  if (!incidence.data.some(isIncidenceAngle)) throw new InputError(incidence.source, 'no incidence angle between 0° and 90° over the fit grid');
  const byYear = await readAmplitudeByYear(fitDir, grid);

  const output = await beginOutput(outDir, { overwrite: Boolean(options.overwrite) });
  try {
    const notes: string[] = [];
    const { result: run, kernel } = await withJobDevices(ctx, (devices) => withVerticalKernel<VerticalRun & { yearly: Float32Array[] }>(
      devices,
      async (k) => {
        const main = await runVerticalProjection(k, track.rateMmPerYear, track.seasonalAmplitudeMm, incidence.data);
        // Each year's amplitude through the same kernel (the rate plane unused: NaN in, NaN out).
        const noRate = byYear ? new Float32Array(grid.width * grid.height).fill(NaN) : null;
        const yearly: Float32Array[] = [];
        for (const band of byYear?.bands ?? []) yearly.push((await runVerticalProjection(k, noRate!, band.data, incidence.data)).outputs.amplitudeVerticalMm);
        return { ...main, yearly };
      }, notes, say,
    ));
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
      options: { device: ctx.kernels?.choice ?? ctx.device },
      device: { kind: kernel.kind, description: kernel.description, notes },
      products: [...products.map((p) => `${p.file}.tif`), ...(byYear ? ['amplitude_by_year_vertical.tif'] : [])],
      years: byYear ? byYear.bands.map((b) => b.description) : undefined,
      elapsedSeconds,
    };
    await writeFile(path.join(output.dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    await output.commit();
    const ratio = run.factorRange ? `${run.factorRange[0].toFixed(2)}–${run.factorRange[1].toFixed(2)} × LOS` : 'no ratio';
    say(`vertical: ${rateCount} rates, ${amplitudeCount} amplitudes projected (${ratio}) on ${kernel.description}, ${formatSeconds(elapsedSeconds)} → ${outDir}`);
    return { run, summary: summary as VerticalJobSummary };
  } catch (e) {
    await output.abort();
    throw e;
  }
}
