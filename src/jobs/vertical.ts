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
import { InputError } from '../core/errors.ts';
import { isIncidenceAngle } from '../core/decomposition.ts';
import { withOutput } from '../io/output-dir-node.ts';
import { createGeoTiffFile, type GeoTiffFileWriter } from '../io/geotiff-write-node.ts';
import { blockRowsOf, DecimatedPlane, rowBlocks } from '../pipeline/blocks.ts';
import { runVerticalProjection, type VerticalRun } from '../pipeline/compare.ts';
import { withVerticalKernel } from '../pipeline/kernels.ts';
import { withJobDevices } from './support/devices-node.ts';
import { renderRasterQuicklook } from '../plot/raster.ts';
import { encodePng } from '../plot/png.ts';
import { openAmplitudeByYearRows, openFitIncidenceRows, openTrackProductRows } from './support/inputs-node.ts';
import { formatSeconds } from './support/format.ts';
import { VERTICAL_PRODUCTS } from '../core/products.ts';
import { productGeoTiffOptions } from '../pipeline/fit-geotiff-options.ts';
import type { JobContext } from './support/context.ts';

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
  /** Rows per block (default PERMASAR_BLOCK_ROWS, else 256): memory follows it; results do not. */
  blockRows?: number;
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
  const blockRows = blockRowsOf(options.blockRows, process.env.PERMASAR_BLOCK_ROWS);
  // Headers first, then a pass over the incidence rows (its range, and at least one angle)
  // before the output folder is claimed; the products are then read, projected and written in
  // row blocks.
  const track = await openTrackProductRows(fitDir);
  const opened: { close(): void }[] = [track];
  try {
    const { grid } = track;
    const incidence = await openFitIncidenceRows(inputs.incidence, fitDir, grid);
    opened.push(incidence);
    const blocks = rowBlocks(grid.height, blockRows);
    let lo = Infinity, hi = -Infinity;
    for (const { row0, nRows } of blocks) {
      for (const inc of await incidence.readRows(row0, nRows)) {
        if (!isIncidenceAngle(inc)) continue;
        if (inc < lo) lo = inc;
        if (inc > hi) hi = inc;
      }
    }
    if (!(hi >= lo)) throw new InputError(incidence.source, 'no incidence angle between 0° and 90° over the fit grid');
    const factor = (deg: number) => 1 / Math.cos((deg * Math.PI) / 180);
    const ranges = { factorRange: [factor(lo), factor(hi)] as [number, number], incidenceRangeDeg: [lo, hi] as [number, number] };
    const byYear = await openAmplitudeByYearRows(fitDir, grid);
    if (byYear) opened.push(byYear);

    return await withOutput(outDir, { overwrite: Boolean(options.overwrite) }, async (output) => {
    const notes: string[] = [];
    const products = (['rateVerticalMmPerYear', 'amplitudeVerticalMm'] as const).map((key) => ({ key, spec: VERTICAL_PRODUCTS[key] }));
    // Restartable (the whole-run kernel reruns it on the CPU after a GPU failure): fresh writers each call.
    const { result: streamed, kernel } = await withJobDevices(ctx, (devices) => withVerticalKernel(devices, async (k) => {
      const writers: GeoTiffFileWriter[] = [];
      try {
        for (const p of products) {
          writers.push(await createGeoTiffFile(path.join(output.dir, p.spec.file), grid, productGeoTiffOptions(p.spec, {}, { INCIDENCE: incidence.source })));
        }
        const yearSpec = VERTICAL_PRODUCTS.amplitudeByYearVerticalMm;
        const yearWriter = byYear ? await createGeoTiffFile(path.join(output.dir, yearSpec.file), grid, productGeoTiffOptions(yearSpec, {
          bandDescription: undefined,
          bandDescriptions: byYear.bands.map((b, i) => b.description ?? `band ${i + 1}`),
        }, { INCIDENCE: incidence.source, DESCRIPTION: yearSpec.description })) : null;
        if (yearWriter) writers.push(yearWriter);
        const looks = products.map(() => new DecimatedPlane(grid.width, grid.height));
        let rateCount = 0;
        let amplitudeCount = 0;
        for (const [b, { row0, nRows }] of blocks.entries()) {
          const inc = await incidence.readRows(row0, nRows);
          const main = await runVerticalProjection(k, await track.rate.readRows(row0, nRows), await track.amplitude.readRows(row0, nRows), inc);
          for (const [i, p] of products.entries()) {
            const data = main.outputs[p.key];
            await writers[i].writeRows(row0, data);
            looks[i].add(row0, data);
          }
          for (let i = 0; i < inc.length; i++) {
            if (Number.isFinite(main.outputs.rateVerticalMmPerYear[i])) rateCount++;
            if (Number.isFinite(main.outputs.amplitudeVerticalMm[i])) amplitudeCount++;
          }
          // Each year's amplitude through the same kernel (the rate plane unused: NaN in, NaN out).
          if (byYear && yearWriter) {
            const noRate = new Float32Array(inc.length).fill(NaN);
            for (const [band, { reader }] of byYear.bands.entries()) {
              const yearly = await runVerticalProjection(k, noRate, await reader.readRows(row0, nRows), inc);
              await yearWriter.writeRows(row0, yearly.outputs.amplitudeVerticalMm, band);
            }
          }
          ctx.progress?.(b + 1, blocks.length, 'projecting');
        }
        for (const w of writers) await w.close();
        return { looks, rateCount, amplitudeCount };
      } catch (e) {
        for (const w of writers) await w.discard();
        throw e;
      }
    }, notes, say));
    for (const [i, p] of products.entries()) {
      const look = streamed.looks[i];
      const png = renderRasterQuicklook({ data: look.data, width: look.width, height: look.height, ...p.spec.quicklook });
      await writeFile(path.join(output.dir, p.spec.file.replace(/\.tif$/, '.png')), encodePng(png));
    }
    const { rateCount, amplitudeCount } = streamed;
    const run: VerticalRun = { outputs: { rateVerticalMmPerYear: new Float32Array(0), amplitudeVerticalMm: new Float32Array(0) }, ...ranges };
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
      products: [...products.map((p) => p.spec.file), ...(byYear ? [VERTICAL_PRODUCTS.amplitudeByYearVerticalMm.file] : [])],
      years: byYear ? byYear.bands.map((b) => b.description) : undefined,
      elapsedSeconds,
    };
    await writeFile(path.join(output.dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    await output.commit();
    const ratio = run.factorRange ? `${run.factorRange[0].toFixed(2)}–${run.factorRange[1].toFixed(2)} × LOS` : 'no ratio';
    say(`vertical: ${rateCount} rates, ${amplitudeCount} amplitudes projected (${ratio}) on ${kernel.description}, ${formatSeconds(elapsedSeconds)} → ${outDir}`);
    return { run, summary: summary as VerticalJobSummary };
    });
  } finally {
    for (const o of opened) o.close();
  }
}
