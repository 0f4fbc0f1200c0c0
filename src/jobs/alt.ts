// The alt job (`permasar alt`, issue 5): active-layer thickness from the seasonal vertical
// amplitude by Eq. 2 of the study. N from an October soil-moisture raster on any grid (bilinear
// onto the amplitude grid) or a constant; n from in-situ ALT sites (Eq. 2 solved for n,
// anomalies dropped, thin-plate spline) or a constant. Everything lands in a staging folder
// first and is renamed into place only when complete.
//
// A multi-band amplitude (amplitude_by_year_vertical.tif of the vertical job on a seasons
// folder, one band per year, each band's description the year): n is a property of the ground,
// so it is solved once, at the sites, against the mean of the yearly amplitudes (the multi-year
// amplitude the single-band path takes), and alt.tif etc. are of that mean; then H of every
// year (Eq. 2 with that n) goes to alt_by_year.tif, and the least-squares slope of H against
// the year (≥ 4 valid years) to alt_trend.tif, m/yr: the active-layer deepening map.
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { InputError, optionError } from '../core/errors.ts';
import { DEFAULT_ALT_JOB_OPTIONS } from './alt-options.ts';
import { describeGrid, type RasterGrid } from '../core/grid.ts';
import {
  ALT_STATUS,
  ALT_STATUS_NAMES,
  checkDensities,
  DEFAULT_FROZEN_WATER_CONTENT,
  ICE_DENSITY_KG_M3,
  WATER_DENSITY_KG_M3,
  type AltKernelParams,
  type Densities,
} from '../core/alt.ts';
import {
  constantFrozenWater,
  fitFrozenWaterSurface,
  MAD_TO_SIGMA,
  MIN_SITES_FOR_OUTLIER_TEST, OUTLIER_NEIGHBOURS,
  MIN_ROBUST_SPREAD,
  runAltRows,
  sampleSitesAt,
  siteSearchRows,
  type AltSiteInput,
  type AltSiteResult,
  type FrozenWaterSurface,
  type SiteGeometry,
} from '../pipeline/alt.ts';
import { lonLatToGrid } from '../pipeline/grid-crs.ts';
import { lonLatExtent } from '../pipeline/fit-quicklooks.ts';
import { percentileStride, StreamingStatistics } from '../pipeline/stats.ts';
import { selectAltKernel } from '../pipeline/kernels.ts';
import { nodeDeviceSelection } from './support/devices-node.ts';
import { DEFAULT_SEASONS_OPTIONS, weightedSlope } from '../core/seasons.ts';
import { readCsv, writeCsv, writeJson } from '../io/text-files-node.ts';
import { csvColumnIndex, csvNumbers, type CsvTable } from '../io/csv.ts';
import { parseVectorSpec, readVectorLayer, type VectorLayer } from '../io/vector-node.ts';
import { withOutput } from '../io/output-dir-node.ts';
import { createGeoTiffFile, type GeoTiffFileWriter } from '../io/geotiff-write-node.ts';
import { blockRowsOf, DecimatedPlane, rowBlocks } from '../pipeline/blocks.ts';
import { isGeographicEpsg } from '../io/crs.ts';
import { renderRasterQuicklook } from '../plot/raster.ts';
import { histogram } from '../plot/charts.ts';
import { encodePng } from '../plot/png.ts';
import { openAmplitudeRows, openResampledRows } from './support/inputs-node.ts';
import { formatSeconds } from './support/format.ts';
import { ALT_PRODUCTS } from '../core/products.ts';
import { productGeoTiffOptions } from '../pipeline/fit-geotiff-options.ts';
import type { JobContext } from './support/context.ts';

export interface AltJobInputs {
  /** Seasonal vertical amplitude GeoTIFF, peak to trough (amplitude_vertical.tif of the vertical job), one band or one per year. */
  amplitude: string;
  /** N in m³/m³: a GeoTIFF on any grid (bilinear onto the amplitude grid), or a constant. */
  moisture: string | number;
  /** In-situ ALT: CSV (lon, lat, alt_m, optional name) or Point features with alt_m (GeoJSON, Shapefile, GeoPackage[:LAYER]). */
  sites?: string | null;
}

export interface AltJobOptions {
  /** mm|cm|m (default: the band's unit, else mm). */
  amplitudeUnit?: string;
  /** Constant n without sites (default DEFAULT_FROZEN_WATER_CONTENT). */
  constantN?: number;
  /** A site uses the nearest valid pixel within this many metres (default 300). */
  siteRadiusM?: number;
  /** Robust outlier factor (default 3). */
  outlierK?: number;
  /** Thin-plate spline smoothing (default 0: through every site). */
  smoothing?: number;
  /** The spline's n is clamped to [0, N − gap] (default 0.01 m³/m³). */
  minThawGap?: number;
  densities?: Partial<Densities>;
  overwrite?: boolean;
  /** Rows per block (default PERMASAR_BLOCK_ROWS, else 256): memory follows it; results do not. */
  blockRows?: number;
}

export { DEFAULT_ALT_JOB_OPTIONS };

export interface AltJobSummary {
  software: 'permasar';
  command: 'alt';
  created: string;
  inputs: { amplitude: string; amplitudeUnit: string; grid: { width: number; height: number; geoTransform: number[]; epsg: number | null }; moisture: string; sites: string | null };
  device: { kind: 'cpu' | 'gpu'; description: string; notes: string[] };
  sites: { total: number; kept: number; skipped: number; dropped: number } | null;
  pixels: { total: number; withAlt: number; byStatus: Record<string, number> };
  elapsedSeconds: number;
  [key: string]: unknown;
}

export interface AltJobResult {
  summary: AltJobSummary;
  sites: AltSiteResult[];
  surface: FrozenWaterSurface;
  statusCounts: Record<number, number>;
  altPixels: number;
}

export async function altJob(inputs: AltJobInputs, options: AltJobOptions, outDir: string, ctx: JobContext): Promise<AltJobSummary> {
  return (await runAltJob(inputs, options, outDir, ctx)).summary;
}

export async function runAltJob(inputs: AltJobInputs, options: AltJobOptions, outDirGiven: string, ctx: JobContext): Promise<AltJobResult> {
  const started = Date.now();
  const say = (line: string) => ctx.log(line);
  const outDir = path.resolve(outDirGiven);
  const densities: Densities = {
    waterKgM3: options.densities?.waterKgM3 ?? WATER_DENSITY_KG_M3,
    iceKgM3: options.densities?.iceKgM3 ?? ICE_DENSITY_KG_M3,
  };
  const densityProblem = checkDensities(densities);
  if (densityProblem) throw optionError('rho-water/--rho-ice', densityProblem);
  const radiusM = options.siteRadiusM ?? DEFAULT_ALT_JOB_OPTIONS.siteRadiusM;
  const outlierK = options.outlierK ?? DEFAULT_ALT_JOB_OPTIONS.outlierK;
  const smoothing = options.smoothing ?? DEFAULT_ALT_JOB_OPTIONS.smoothing;
  const minThawGap = options.minThawGap ?? DEFAULT_ALT_JOB_OPTIONS.minThawGap;
  const constantN = options.constantN ?? DEFAULT_FROZEN_WATER_CONTENT;

  // Inputs, all read and checked before any output exists: the amplitude and N on passes over
  // their rows, the sites on the rows near them only. The kernel then runs block by block,
  // each block's rows going to the streaming COG writers (issue 12: memory follows the block).
  const blockRows = blockRowsOf(options.blockRows, process.env.PERMASAR_BLOCK_ROWS);
  const amplitude = await openAmplitudeRows(inputs.amplitude, options.amplitudeUnit, { allBands: true, blockRows });
  const opened: { close(): void }[] = [amplitude];
  try {
  const grid = amplitude.grid;
  const blocks = rowBlocks(grid.height, blockRows);
  let thawedRows: (row0: number, nRows: number) => Promise<Float32Array>;
  let moistureSource: string;
  if (typeof inputs.moisture === 'number') {
    const moistureConstant = inputs.moisture;
    if (!(moistureConstant > 0 && moistureConstant <= 1)) throw optionError('moisture', `${moistureConstant} is not a volumetric water content in (0, 1] m³/m³`);
    thawedRows = async (_row0, nRows) => new Float32Array(grid.width * nRows).fill(moistureConstant);
    moistureSource = `constant ${moistureConstant} m³/m³`;
  } else {
    const moistureText = inputs.moisture;
    const m = await openResampledRows(moistureText, grid);
    opened.push(m);
    thawedRows = (row0, nRows) => m.readRows(row0, nRows);
    moistureSource = `${path.resolve(moistureText)} (${describeGrid(m.sourceGrid)}, bilinear)`;
    let above1 = 0, atMostZero = 0, finite = 0;
    for (const { row0, nRows } of blocks) {
      for (const v of await m.readRows(row0, nRows)) {
        if (v === v) finite++;
        if (v > 1) above1++;
        else if (v <= 0) atMostZero++;
      }
    }
    if (finite === 0) throw new InputError(moistureText, `does not cover the amplitude grid (${describeGrid(m.sourceGrid)} vs ${describeGrid(grid)})`);
    if (above1 > 0) throw new InputError(moistureText, `${above1} resampled values exceed 1: expected volumetric water content in m³/m³ (not %)`);
    // Eq. 2 divides by N − n: N ≤ 0 is no thawed water content at all (NaN marks no data).
    if (atMostZero > 0) throw new InputError(moistureText, `${atMostZero} resampled values ≤ 0: expected volumetric water content in (0, 1] m³/m³ (NaN for no data)`);
  }

  let sites: AltSiteResult[] = [];
  let surface: FrozenWaterSurface;
  if (inputs.sites) {
    const { file: sitesFile, sites: siteInputs } = await readSitesFile(path.resolve(inputs.sites));
    const geometry = siteGeometry(grid, amplitude.file);
    // Only the rows a site's search window reaches are read (and N resampled on them).
    const held: { row0: number; nRows: number; amplitude: Float32Array; thawed: Float32Array }[] = [];
    for (const { row0, nRows } of siteSearchRows(siteInputs, geometry, radiusM)) {
      held.push({ row0, nRows, amplitude: await amplitude.readRows(row0, nRows), thawed: await thawedRows(row0, nRows) });
    }
    const at = (plane: 'amplitude' | 'thawed') => (row: number, col: number): number => {
      const h = held.find((x) => row >= x.row0 && row < x.row0 + x.nRows);
      if (!h) throw new Error(`alt: site row ${row} was not read`);
      return h[plane][(row - h.row0) * grid.width + col];
    };
    sites = sampleSitesAt(siteInputs, geometry, { amplitudeAt: at('amplitude'), thawedAt: at('thawed') }, { searchRadiusM: radiusM, outlierK, densities, amplitudeToMetres: amplitude.toMetres });
    for (const s of sites) if (s.outcome !== 'kept') say(`site ${s.name} (line ${s.line}) ${s.outcome}: ${s.reason}`);
    const fitted = fitFrozenWaterSurface(sites, geometry, smoothing);
    if (!fitted) {
      const counts = tally(sites.map((s) => s.outcome));
      throw new InputError(sitesFile, `no site left to constrain n (${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}; first: ${sites[0].name}: ${sites[0].reason})`);
    }
    surface = fitted;
  } else {
    surface = constantFrozenWater(constantN);
  }

  const params: AltKernelParams = { model: surface.model, densities, minThawGap, amplitudeToMetres: amplitude.toMetres };
  // notes gains a line if the GPU fails mid-run under auto (FallbackAltKernel).
  const devices = ctx.kernels ?? nodeDeviceSelection(ctx.device);
  const ownDevices = !ctx.kernels;
  const { kernel, notes } = await selectAltKernel(devices, say).catch(async (e) => { if (ownDevices) await devices.dispose(); throw e; });
  say(`permasar alt: ${grid.width}×${grid.height} pixels, amplitude in ${amplitude.unit}, N from ${moistureSource}; n: ${surface.description}; on ${kernel.description}`);
  const years = amplitude.years;

  let writing = false;
  try {
    return await withOutput(outDir, { overwrite: Boolean(options.overwrite) }, async (output) => {
    writing = true;
    const dir = output.dir;
    const writers: GeoTiffFileWriter[] = [];
    const create = async (file: string, opts: Parameters<typeof createGeoTiffFile>[2]) => {
      const w = await createGeoTiffFile(path.join(dir, file), grid, opts);
      writers.push(w);
      return w;
    };
    const stride = percentileStride(grid.width * grid.height);
    const altStats = new StreamingStatistics(stride);
    const nStats = new StreamingStatistics(stride);
    const statusCounts: Record<number, number> = {};
    for (const code of Object.values(ALT_STATUS)) statusCounts[code] = 0;
    let altPixels = 0;
    let altTrendPixels = 0;
    const looks = { alt: new DecimatedPlane(grid.width, grid.height), n: new DecimatedPlane(grid.width, grid.height), moisture: new DecimatedPlane(grid.width, grid.height), trend: new DecimatedPlane(grid.width, grid.height) };
    try {
      const P = ALT_PRODUCTS;
      const altWriter = await create(P.altM.file, productGeoTiffOptions(P.altM));
      const nWriter = await create(P.frozenWaterContent.file, productGeoTiffOptions(P.frozenWaterContent, { bandDescription: `${P.frozenWaterContent.description} (${surface.kind})` }));
      const moistureWriter = await create(P.thawedWaterContent.file, productGeoTiffOptions(P.thawedWaterContent));
      // The status classes: no UNITS band metadata, the legend as band metadata instead.
      const statusWriter = await create(P.status.file, productGeoTiffOptions(P.status, {
        sampleType: 'uint8', bandUnit: undefined, bandMetadata: Object.fromEntries(Object.entries(ALT_STATUS_NAMES).map(([k, v]) => [k, v])),
      }));
      const byYearWriter = years ? await create(P.altByYearM.file, productGeoTiffOptions(P.altByYearM, {
        bandDescription: undefined, bandDescriptions: years.map(String),
      }, { DESCRIPTION: P.altByYearM.description })) : null;
      const trendWriter = years ? await create(P.altTrendMPerYear.file, productGeoTiffOptions(P.altTrendMPerYear, {
        bandDescription: `${P.altTrendMPerYear.description} over ${years[0]}–${years[years.length - 1]} (≥ ${DEFAULT_SEASONS_OPTIONS.minTrendYears} valid years): + deepening`,
      })) : null;
      for (const [b, { row0, nRows }] of blocks.entries()) {
        const thawed = await thawedRows(row0, nRows);
        const run = await runAltRows({ width: grid.width, row0, nRows, amplitude: await amplitude.readRows(row0, nRows), thawedWaterContent: thawed, params, kernel });
        await altWriter.writeRows(row0, run.altM);
        await nWriter.writeRows(row0, run.frozenWaterContent);
        await moistureWriter.writeRows(row0, thawed);
        await statusWriter.writeRows(row0, run.status);
        looks.alt.add(row0, run.altM);
        looks.n.add(row0, run.frozenWaterContent);
        looks.moisture.add(row0, thawed);
        altStats.add(run.altM);
        nStats.add(run.frozenWaterContent);
        for (const [code, count] of Object.entries(run.statusCounts)) statusCounts[Number(code)] += count;
        altPixels += run.altPixels;
        if (years && byYearWriter && trendWriter) {
          // Eq. 2 for each year with the same n: the same kernel, one band at a time.
          const altByYear: Float32Array[] = [];
          for (const [band, yearly] of (await amplitude.readYearRows(row0, nRows)).entries()) {
            const h = (await runAltRows({ width: grid.width, row0, nRows, amplitude: yearly, thawedWaterContent: thawed, params, kernel })).altM;
            await byYearWriter.writeRows(row0, h, band);
            altByYear.push(h);
          }
          // H is linear in δ at a pixel (N and n fixed), so its slope is that of the amplitude times
          // H/δ. Ordinary least squares: the yearly amplitude file carries no standard errors.
          const trend = new Float32Array(grid.width * nRows).fill(NaN);
          const ones = new Float64Array(years.length).fill(1);
          const alts = new Float64Array(years.length);
          const yearMean = years.reduce((s, y) => s + y, 0) / years.length;
          const x = years.map((y) => y - yearMean);
          for (let p = 0; p < trend.length; p++) {
            for (let k = 0; k < years.length; k++) alts[k] = altByYear[k][p];
            const fitted = weightedSlope(x, alts, ones, DEFAULT_SEASONS_OPTIONS.minTrendYears);
            if (fitted) { trend[p] = fitted.slope; altTrendPixels++; }
          }
          await trendWriter.writeRows(row0, trend);
          looks.trend.add(row0, trend);
        }
        ctx.progress?.(b + 1, blocks.length, 'alt');
      }
      if (altPixels === 0) {
        const counts = Object.entries(statusCounts).filter(([, v]) => v > 0).map(([k, v]) => `${v} ${ALT_STATUS_NAMES[Number(k)]}`).join(', ');
        throw new InputError(amplitude.file, `no pixel has a finite ALT (${counts})`);
      }
      for (const w of writers) await w.close();
    } catch (e) {
      for (const w of writers) await w.discard();
      throw e;
    } finally {
      await kernel.dispose();
      if (ownDevices) await devices.dispose();
    }
    // Quicklooks from every k-th row and column (pipeline/blocks.ts DecimatedPlane), over the grid's extent.
    const extent = lonLatExtent(grid);
    const look = (plane: DecimatedPlane) => ({ width: plane.width, height: plane.height, extent, data: plane.data });
    if (years) {
      await writeFile(path.join(dir, 'alt_trend.png'), encodePng(renderRasterQuicklook({ ...look(looks.trend), ...ALT_PRODUCTS.altTrendMPerYear.quicklook, subtitle: `${years[0]}–${years[years.length - 1]}` })));
    }
    if (inputs.sites) {
      await writeCsv(path.join(dir, 'sites.csv'),
        ['name', 'line', 'lon', 'lat', 'alt_m', 'pixel_row', 'pixel_col', 'distance_m', 'amplitude_mm', 'N', 'n', 'outcome', 'reason'],
        sites.map((s) => [s.name, s.line, s.lonDeg, s.latDeg, s.altM, s.pixelRow, s.pixelCol, round(s.distanceM, 2), round(s.amplitudeMm, 4), round(s.thawedWaterContent, 6), round(s.frozenWaterContent, 6), s.outcome, s.reason]));
    }
    await writeFile(path.join(dir, 'alt.png'), encodePng(renderRasterQuicklook({ ...look(looks.alt), ...ALT_PRODUCTS.altM.quicklook, subtitle: `n: ${surface.kind}` })));
    await writeFile(path.join(dir, 'n.png'), encodePng(renderRasterQuicklook({ ...look(looks.n), ...ALT_PRODUCTS.frozenWaterContent.quicklook, subtitle: surface.kind === 'spline' ? `thin-plate spline through ${surface.spline!.sites} sites` : surface.description })));
    await writeFile(path.join(dir, 'moisture.png'), encodePng(renderRasterQuicklook({ ...look(looks.moisture), ...ALT_PRODUCTS.thawedWaterContent.quicklook, subtitle: 'October soil moisture on the amplitude grid' })));
    const stats = altStats.result();
    // The histogram of the statistics' sample: every finite ALT up to 2 M pixels, every
    // stride-th beyond (pipeline/stats.ts), so its memory is bounded too.
    await writeFile(path.join(dir, 'alt_histogram.png'), encodePng(histogram({
      title: `Active-layer thickness, ${altPixels} pixels`, values: altStats.sampleValues(), xLabel: 'ALT (m)',
      referenceLines: stats.percentiles.p50 !== null ? [{ value: stats.percentiles.p50, label: `median ${stats.percentiles.p50.toFixed(2)} m` }] : [],
    })));
    const run = { altPixels, statusCounts };
    const elapsedSeconds = (Date.now() - started) / 1000;
    const siteCounts = tally(sites.map((s) => s.outcome));
    const summary = {
      software: 'permasar',
      command: 'alt',
      created: new Date().toISOString(),
      equation: 'H = (ρi + n(ρw − ρi)) / ((N − n)(ρw − ρi)) · δ (Eq. 2); at sites n = (H N Δ − ρi δ) / (Δ (H + δ)), Δ = ρw − ρi',
      inputs: {
        amplitude: amplitude.file,
        amplitudeUnit: amplitude.unit,
        grid: { width: grid.width, height: grid.height, geoTransform: grid.geoTransform, epsg: grid.epsg },
        moisture: moistureSource,
        sites: inputs.sites ? path.resolve(inputs.sites) : null,
      },
      options: { densities, siteRadiusM: radiusM, outlierK, smoothing, minThawGap, constantN: inputs.sites ? null : constantN, device: devices.choice },
      device: { kind: kernel.kind, description: kernel.description, notes },
      frozenWaterContent: {
        kind: surface.kind,
        description: surface.description,
        spline: surface.spline,
        anomalyRules: [
          'n outside [0, N) (Eq. 2 has no physical solution) → dropped',
          `robust outlier: |n − median n of the ${OUTLIER_NEIGHBOURS} nearest sites| > k·max(1.4826·MAD of those differences, ${MIN_ROBUST_SPREAD}) with k = ${outlierK}, among the sites left (only with ≥ ${MIN_SITES_FOR_OUTLIER_TEST}) → dropped`,
          'a kept site within 1 m of an earlier kept site → dropped (the interpolating spline needs distinct points)',
        ],
        madToSigma: MAD_TO_SIGMA,
        statistics: nStats.result(),
      },
      sites: inputs.sites ? { total: sites.length, kept: siteCounts.kept ?? 0, skipped: siteCounts.skipped ?? 0, dropped: siteCounts.dropped ?? 0 } : null,
      pixels: {
        total: grid.width * grid.height,
        withAlt: run.altPixels,
        byStatus: Object.fromEntries(Object.entries(run.statusCounts).map(([k, v]) => [ALT_STATUS_NAMES[Number(k)], v])),
      },
      products: {
        'alt.tif': { unit: 'm', description: 'active-layer thickness H', ...stats },
        'n.tif': { unit: 'm3/m3', description: 'n used per pixel (NaN where N is missing)' },
        'moisture.tif': { unit: 'm3/m3', description: 'N resampled onto the amplitude grid' },
        'alt_status.tif': { unit: 'class', legend: ALT_STATUS_NAMES },
        ...(years ? {
          'alt_by_year.tif': { unit: 'm', description: 'ALT of each year (Eq. 2, the same n)', bands: years.map(String) },
          'alt_trend.tif': { unit: 'm/yr', description: 'least-squares slope of ALT against the year', pixels: altTrendPixels },
        } : {}),
      },
      statistics: `count, min, max, mean of every pixel; percentiles (linear interpolation) of every ${stride === 1 ? '' : `${stride}-th `}pixel in row order (pipeline/stats.ts)`,
      byYear: years ? { years, amplitudeOfSitesAndAltTif: 'mean of the yearly amplitudes' } : null,
      elapsedSeconds,
    };
    await writeJson(path.join(dir, 'summary.json'), summary);
    const result = summary as AltJobSummary;
    await output.commit();
    const negative = statusCounts[ALT_STATUS.NEGATIVE_AMPLITUDE];
    if (negative) say(`note: ${negative} pixels with negative amplitude have no ALT (peak to trough cannot be negative)`);
    const high = statusCounts[ALT_STATUS.CLAMPED_HIGH];
    if (high) say(`note: n clamped to N − ${minThawGap} at ${high} pixels (their ALT is large; read it as a bound)`);
    const notAbove = statusCounts[ALT_STATUS.N_NOT_ABOVE_N];
    if (notAbove) say(`note: N ≤ n + ${minThawGap} at ${notAbove} pixels: no ALT there`);
    say(`${run.altPixels} of ${grid.width * grid.height} pixels with ALT (median ${stats.percentiles.p50?.toFixed(2)} m)` +
      (inputs.sites ? `; sites: ${siteCounts.kept ?? 0} kept, ${siteCounts.dropped ?? 0} dropped, ${siteCounts.skipped ?? 0} skipped` : '') +
      `; ${formatSeconds(elapsedSeconds)} → ${outDir}`);
    return { summary: result, sites, surface, statusCounts, altPixels };
    });
  } catch (e) {
    // Refused before writing began (exists, cannot create): the kernel is released here.
    if (!writing) {
      await kernel.dispose();
      if (ownDevices) await devices.dispose();
    }
    throw e;
  }
  } finally {
    for (const o of opened) o.close();
  }
}

/** Sites are WGS 84 lon/lat: reprojected onto any geographic (CGCS2000, …) or projected grid. */
function siteGeometry(grid: RasterGrid, file: string): SiteGeometry {
  return { grid, geographic: grid.epsg !== null && isGeographicEpsg(grid.epsg), lonLatToMap: lonLatToGrid(grid, file) };
}

function readSites(table: CsvTable): AltSiteInput[] {
  if (table.rows.length === 0) throw new InputError(table.file, 'no sites (a header and no rows)');
  const lon = csvNumbers(table, 'lon');
  const lat = csvNumbers(table, 'lat');
  const alt = csvNumbers(table, 'alt_m');
  const hasName = table.header.some((h) => h.toLowerCase() === 'name');
  const nameIndex = hasName ? csvColumnIndex(table, 'name') : -1;
  return table.rows.map((row, i) => {
    if (!(Math.abs(lon[i]) <= 180 && Math.abs(lat[i]) <= 90)) {
      throw new InputError(table.file, `line ${table.lineNumbers[i]}: (${lon[i]}, ${lat[i]}) is not a longitude, latitude in degrees`);
    }
    return { name: nameIndex >= 0 && row[nameIndex] ? row[nameIndex] : `line ${table.lineNumbers[i]}`, lonDeg: lon[i], latDeg: lat[i], altM: alt[i], line: table.lineNumbers[i] };
  });
}

/**
 * Sites from a vector layer (GeoJSON, Shapefile, GeoPackage; io/vector-node.ts): Point features
 * with an alt_m attribute (metres) and an optional name, as the CSV's columns. `line` is the
 * feature's record number counted from 1, where the CSV has its line.
 */
function sitesFromLayer(layer: VectorLayer): AltSiteInput[] {
  const { file, features } = layer;
  return features.map((feature, index) => {
    const where = `feature ${index}`;
    const geometry = feature.geometry;
    const coordinates = geometry.coordinates;
    if (geometry.type !== 'Point' || !Array.isArray(coordinates) || typeof coordinates[0] !== 'number' || typeof coordinates[1] !== 'number') {
      throw new InputError(file, `${where} is a ${String(geometry.type)}; ALT sites are Point features`);
    }
    const [lonDeg, latDeg] = coordinates as [number, number];
    if (!(Math.abs(lonDeg) <= 180 && Math.abs(latDeg) <= 90)) throw new InputError(file, `${where}: (${lonDeg}, ${latDeg}) is not a longitude, latitude in degrees`);
    const altKey = Object.keys(feature.properties).find((k) => k.toLowerCase() === 'alt_m');
    const raw = altKey === undefined ? undefined : feature.properties[altKey];
    const altM = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(altM)) {
      throw new InputError(file, `${where}: ${altKey === undefined ? 'no "alt_m" attribute' : `"alt_m" is not a number (${JSON.stringify(raw)})`} (ALT at the site in metres; attributes: ${Object.keys(feature.properties).join(', ') || 'none'})`);
    }
    const nameKey = Object.keys(feature.properties).find((k) => k.toLowerCase() === 'name');
    const name = nameKey === undefined ? null : feature.properties[nameKey];
    return { name: typeof name === 'string' && name !== '' ? name : typeof name === 'number' ? String(name) : `feature ${index}`, lonDeg, latDeg, altM, line: index + 1 };
  });
}

/** --sites: a CSV (lon, lat, alt_m, optional name), or a vector layer of points with alt_m. */
async function readSitesFile(spec: string): Promise<{ file: string; sites: AltSiteInput[] }> {
  if (parseVectorSpec(spec).format !== null) {
    const layer = await readVectorLayer(spec);
    return { file: layer.file, sites: sitesFromLayer(layer) };
  }
  const table = await readCsv(spec);
  return { file: spec, sites: readSites(table) };
}

function tally(items: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of items) out[k] = (out[k] ?? 0) + 1;
  return out;
}

function round(v: number, digits: number): number {
  return Number.isFinite(v) ? Number(v.toFixed(digits)) : NaN;
}
