// `permasar alt --amplitude amplitude_vertical.tif --moisture N.tif|VALUE [--sites sites.csv]
// --out DIR`: active-layer thickness from the seasonal vertical amplitude by Eq. 2 of the study
// (issue 5). N from an October soil-moisture raster on any grid (bilinear onto the amplitude
// grid) or a constant; n from in-situ ALT sites (Eq. 2 solved for n, anomalies dropped, thin-
// plate spline) or a constant. Everything lands in a staging folder first and is renamed into
// place only when complete.
//
// A multi-band amplitude (amplitude_by_year_vertical.tif of `vertical` on a `seasons` folder,
// one band per year, each band's description the year): n is a property of the ground, so it is
// solved once, at the sites, against the mean of the yearly amplitudes (the multi-year
// amplitude the single-band path takes), and alt.tif etc. are of that mean; then H of every
// year (Eq. 2 with that n) goes to alt_by_year.tif, and the least-squares slope of H against
// the year (≥ 4 valid years) to alt_trend.tif, m/yr: the active-layer deepening map.
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { InputError } from '../core/errors.ts';
import { describeGrid, type RasterGrid } from '../core/grid.ts';
import { resampleToGrid } from '../core/resample.ts';
import {
  ALT_STATUS,
  ALT_STATUS_NAMES,
  checkDensities,
  DEFAULT_FROZEN_WATER_CONTENT,
  ICE_DENSITY_KG_M3,
  WATER_DENSITY_KG_M3,
  type AltKernel,
  type AltKernelParams,
  type Densities,
} from '../core/alt.ts';
import {
  constantFrozenWater,
  FallbackAltKernel,
  fitFrozenWaterSurface,
  MAD_TO_SIGMA,
  MIN_SITES_FOR_OUTLIER_TEST, OUTLIER_NEIGHBOURS,
  MIN_ROBUST_SPREAD,
  runAltPipeline,
  sampleSites,
  type AltSiteInput,
  type AltSiteResult,
  type FrozenWaterSurface,
  type SiteGeometry,
} from '../pipeline/alt.ts';
import { crsTransform, lonLatToGrid } from '../pipeline/grid-crs.ts';
import { lonLatExtent } from '../pipeline/fit-quicklooks.ts';
import { StreamingStatistics } from '../pipeline/stats.ts';
import { CpuAltKernel } from '../cpu/alt.ts';
import { readRaster, isHdf5Path, type RasterData } from '../io/raster-node.ts';
import { openGeoTiffNode } from '../io/geotiff-node.ts';
import { readGeoTiffBands } from '../io/geotiff-read.ts';
import { DEFAULT_SEASONS_OPTIONS, weightedSlope } from '../core/seasons.ts';
import { readCsv, writeCsv, writeJson } from '../io/text-files-node.ts';
import { csvColumnIndex, csvNumbers, type CsvTable } from '../io/csv.ts';
import { parseVectorSpec, readVectorLayer, type VectorLayer } from '../io/vector-node.ts';
import { beginOutput } from '../io/output-dir-node.ts';
import { writeGeoTiffFile } from '../io/geotiff-write-node.ts';
import { isGeographicEpsg } from '../io/crs.ts';
import { renderRasterQuicklook } from '../plot/raster.ts';
import { histogram } from '../plot/charts.ts';
import { encodePng } from '../plot/png.ts';
import { choiceOption, numberOption, requiredString } from './options.ts';
import { formatSeconds } from './progress.ts';
import type { Command } from './command.ts';
import { selectKernel, type DeviceChoice, type SelectedKernel } from './kernel-node.ts';
import type { GpuContext } from '../gpu/device.ts';

const USAGE = `usage: permasar alt --amplitude FILE --moisture FILE|VALUE [--sites CSV | --n VALUE] --out DIR [options]

Active-layer thickness H (m) by Eq. 2 of the study:
  H = (ρi + n(ρw − ρi)) / ((N − n)(ρw − ρi)) · δ
δ: seasonal vertical amplitude, peak to trough (amplitude_vertical.tif of permasar vertical);
N: volumetric water content when thawed (October soil moisture); n: when frozen.

options:
  --amplitude FILE        vertical amplitude GeoTIFF (mm unless its unit or --amplitude-unit says otherwise)
  --amplitude-unit U      mm|cm|m (default: the band's unit, else mm)
  --moisture FILE|VALUE   N in m³/m³: a GeoTIFF on any grid (bilinear onto the amplitude grid), or a constant
  --sites FILE            in-situ ALT: a CSV with columns lon, lat, alt_m (metres), optional name; or
                          Point features with alt_m (and name) attributes in FILE.geojson, FILE.shp
                          or FILE.gpkg[:LAYER] (reprojected to WGS 84 lon/lat)
  --n VALUE               constant n without --sites (default ${DEFAULT_FROZEN_WATER_CONTENT}, as earlier studies)
  --site-radius M         a site uses the nearest valid pixel within M metres (default 300)
  --outlier-k K           drop sites whose n differs from the median n of their ${OUTLIER_NEIGHBOURS} nearest sites by
                          > K·1.4826·MAD of those differences (default 3; needs ≥ ${MIN_SITES_FOR_OUTLIER_TEST} sites)
  --smoothing S           thin-plate spline smoothing (default 0: through every site; larger: smoother)
  --min-thaw-gap G        the spline's n is clamped to [0, N − G] so H stays finite (default 0.01 m³/m³)
  --rho-water KG_M3       water density (default ${WATER_DENSITY_KG_M3})
  --rho-ice KG_M3         ice density (default ${ICE_DENSITY_KG_M3})
  --device gpu|cpu|auto   where the per-pixel kernel runs (default auto: GPU if an adapter exists)
  --out DIR               output folder (refused if it exists, unless --overwrite)
  --overwrite             replace an existing output folder (only once the new one is complete)
  --quiet                 no result lines on the terminal

outputs: alt.tif (m), n.tif, moisture.tif (N on the amplitude grid), alt_status.tif (why H is
what it is), sites.csv (each site: sampled δ, N, solved n, kept/skipped/dropped and why),
alt.png, n.png, moisture.png, alt_histogram.png, summary.json.

A multi-band --amplitude (amplitude_by_year_vertical.tif of permasar vertical on a permasar
seasons output, one band per year): n is solved against the mean of the yearly amplitudes
(alt.tif is of that mean), and also written: alt_by_year.tif (m, one band per year) and
alt_trend.tif (m/yr, least-squares slope of ALT against the year, ≥ ${DEFAULT_SEASONS_OPTIONS.minTrendYears} valid years).`;

export const altCommand: Command = {
  name: 'alt',
  summary: 'active-layer thickness from vertical amplitude by Eq. 2, n from in-situ sites (thin-plate spline)',
  usage: USAGE,
  positionals: [0, 0],
  options: {
    amplitude: { type: 'string' },
    'amplitude-unit': { type: 'string' },
    moisture: { type: 'string' },
    sites: { type: 'string' },
    n: { type: 'string' },
    'site-radius': { type: 'string' },
    'outlier-k': { type: 'string' },
    smoothing: { type: 'string' },
    'min-thaw-gap': { type: 'string' },
    'rho-water': { type: 'string' },
    'rho-ice': { type: 'string' },
    device: { type: 'string' },
    out: { type: 'string' },
    overwrite: { type: 'boolean' },
    quiet: { type: 'boolean' },
  },
  async run(values) {
    await runAltCommand(values);
  },
};

const UNIT_TO_METRES: Record<string, number> = { mm: 0.001, millimeter: 0.001, millimetre: 0.001, cm: 0.01, m: 1, meter: 1, metre: 1 };

/**
 * The vertical amplitude raster and its unit → metres factor. The option wins, then the band's
 * unit; a unit we do not know is an error, never a guess. Shared with `permasar envelope`.
 */
export async function readAmplitude(values: Record<string, unknown>, opts: { allBands?: boolean } = {}): Promise<{ raster: RasterData; file: string; unit: string; toMetres: number; byYear: AmplitudeByYear | null }> {
  const file = path.resolve(requiredString(values, 'amplitude'));
  const byYear = opts.allBands && !isHdf5Path(file) ? await readYearBands(file) : null;
  const raster = byYear ? byYear.mean : await readRaster(file);
  const given = values['amplitude-unit'] as string | undefined;
  if (given !== undefined && !(given.toLowerCase() in UNIT_TO_METRES)) throw new InputError('--amplitude-unit', `unknown unit "${given}" (expected mm|cm|m)`);
  const unit = (given ?? raster.unit ?? 'mm').trim().toLowerCase();
  const toMetres = UNIT_TO_METRES[unit];
  if (toMetres === undefined) throw new InputError(file, `band unit "${raster.unit}" is not a length; pass --amplitude-unit mm|cm|m`);
  let finite = 0;
  let negative = 0;
  for (const v of raster.data) {
    if (Number.isFinite(v)) { finite++; if (v < 0) negative++; }
  }
  if (finite === 0) throw new InputError(file, 'no valid amplitude (every pixel is no-data)');
  // Peak to trough is ≥ 0: a raster that is mostly negative is a sign or product mix-up.
  if (negative === finite) throw new InputError(file, `every amplitude is negative (${negative} pixels): expected the peak-to-trough seasonal amplitude, ≥ 0`);
  return { raster, file, unit, toMetres, byYear };
}

/** The bands of a multi-band amplitude, one per year (null for a single band). */
export interface AmplitudeByYear {
  years: number[];
  bands: Float32Array[];
  /** Per pixel, the mean of the valid yearly amplitudes, as a single-band raster. */
  mean: RasterData;
}

async function readYearBands(file: string): Promise<AmplitudeByYear | null> {
  const { tiff, byteLength } = await openGeoTiffNode(file);
  let read;
  try {
    read = await readGeoTiffBands(tiff, file, byteLength);
  } finally {
    tiff.close();
  }
  if (read.bands.length < 2) return null;
  const years = read.bands.map((b, i) => {
    const year = Number(b.description);
    if (!(b.description && Number.isInteger(year) && year > 0)) {
      throw new InputError(file, `band ${i + 1} is described as ${JSON.stringify(b.description)}, not a year: a multi-band amplitude needs one band per year (amplitude_by_year_vertical.tif of permasar vertical)`);
    }
    return year;
  });
  const n = read.grid.width * read.grid.height;
  const mean = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    let sum = 0, count = 0;
    for (const b of read.bands) { const v = b.data[p]; if (Number.isFinite(v)) { sum += v; count++; } }
    mean[p] = count ? sum / count : NaN;
  }
  return {
    years,
    bands: read.bands.map((b) => b.data),
    mean: { grid: read.grid, data: mean, nodata: read.nodata, metadata: read.metadata, unit: read.unit, description: `mean of the yearly amplitudes ${years[0]}–${years[years.length - 1]}` },
  };
}

/** A raster on any grid and CRS resampled onto `target` by gdalwarp's bilinear rule (core/resample.ts). */
export async function readResampled(file: string, target: RasterGrid): Promise<{ data: Float32Array; sourceGrid: RasterGrid; raster: RasterData }> {
  const raster = await readRaster(path.resolve(file));
  const transform = crsTransform(target, raster.grid, file, 'the amplitude grid');
  const data = resampleToGrid(raster.grid, raster.data, target, 'bilinear', transform ?? undefined);
  let finite = 0;
  for (const v of data) if (Number.isFinite(v)) finite++;
  if (finite === 0) throw new InputError(file, `does not cover the amplitude grid (${describeGrid(raster.grid)} vs ${describeGrid(target)})`);
  return { data, sourceGrid: raster.grid, raster };
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

function selectAltKernel(choice: DeviceChoice, log: (line: string) => void): Promise<SelectedKernel<AltKernel>> {
  const makeGpu = async (ctx: GpuContext) => (await import('../gpu/alt-kernel.ts')).createGpuAltKernel(ctx);
  return selectKernel<AltKernel>(choice, makeGpu, () => new CpuAltKernel(), FallbackAltKernel, log);
}

export interface AltCommandResult {
  sites: AltSiteResult[];
  surface: FrozenWaterSurface;
  statusCounts: Record<number, number>;
  altPixels: number;
}

export async function runAltCommand(values: Record<string, unknown>): Promise<AltCommandResult> {
  const started = Date.now();
  const quiet = Boolean(values.quiet);
  const say = (line: string) => { if (!quiet) console.log(line); };
  const outDir = path.resolve(requiredString(values, 'out'));
  const densities: Densities = {
    waterKgM3: numberOption(values, 'rho-water', WATER_DENSITY_KG_M3),
    iceKgM3: numberOption(values, 'rho-ice', ICE_DENSITY_KG_M3),
  };
  const densityProblem = checkDensities(densities);
  if (densityProblem) throw new InputError('--rho-water/--rho-ice', densityProblem);
  const radiusM = numberOption(values, 'site-radius', 300, (v) => (v >= 0 ? null : 'must be ≥ 0 metres'));
  const outlierK = numberOption(values, 'outlier-k', 3, (v) => (v > 0 ? null : 'must be > 0'));
  const smoothing = numberOption(values, 'smoothing', 0, (v) => (v >= 0 ? null : 'must be ≥ 0'));
  const minThawGap = numberOption(values, 'min-thaw-gap', 0.01, (v) => (v > 0 && v < 1 ? null : 'must be in (0, 1) m³/m³'));
  const device = choiceOption(values, 'device', ['gpu', 'cpu', 'auto'] as const, 'auto');
  if (values.sites !== undefined && values.n !== undefined) throw new InputError('--n', 'give --sites (n solved at the sites) or --n (a constant), not both');
  const constantN = numberOption(values, 'n', DEFAULT_FROZEN_WATER_CONTENT, (v) => (v >= 0 && v < 1 ? null : 'must be a volumetric water content in [0, 1)'));

  // Inputs, all read and checked before any output exists.
  const amplitude = await readAmplitude(values, { allBands: true });
  const grid = amplitude.raster.grid;
  const moistureText = requiredString(values, 'moisture');
  const moistureConstant = Number(moistureText);
  let thawed: Float32Array;
  let moistureSource: string;
  if (moistureText.trim() !== '' && Number.isFinite(moistureConstant)) {
    if (!(moistureConstant > 0 && moistureConstant <= 1)) throw new InputError('--moisture', `${moistureConstant} is not a volumetric water content in (0, 1] m³/m³`);
    thawed = new Float32Array(grid.width * grid.height).fill(moistureConstant);
    moistureSource = `constant ${moistureConstant} m³/m³`;
  } else {
    const m = await readResampled(moistureText, grid);
    thawed = m.data;
    moistureSource = `${path.resolve(moistureText)} (${describeGrid(m.sourceGrid)}, bilinear)`;
    let above1 = 0, atMostZero = 0;
    for (const v of thawed) {
      if (v > 1) above1++;
      else if (v <= 0) atMostZero++;
    }
    if (above1 > 0) throw new InputError(moistureText, `${above1} resampled values exceed 1: expected volumetric water content in m³/m³ (not %)`);
    // Eq. 2 divides by N − n: N ≤ 0 is no thawed water content at all (NaN marks no data).
    if (atMostZero > 0) throw new InputError(moistureText, `${atMostZero} resampled values ≤ 0: expected volumetric water content in (0, 1] m³/m³ (NaN for no data)`);
  }

  let sites: AltSiteResult[] = [];
  let surface: FrozenWaterSurface;
  if (values.sites !== undefined) {
    const { file: sitesFile, sites: siteInputs } = await readSitesFile(path.resolve(String(values.sites)));
    sites = sampleSites(siteInputs, siteGeometry(grid, amplitude.file), amplitude.raster.data, thawed, { searchRadiusM: radiusM, outlierK, densities, amplitudeToMetres: amplitude.toMetres });
    for (const s of sites) if (s.outcome !== 'kept') say(`site ${s.name} (line ${s.line}) ${s.outcome}: ${s.reason}`);
    const fitted = fitFrozenWaterSurface(sites, siteGeometry(grid, amplitude.file), smoothing);
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
  const { kernel, notes } = await selectAltKernel(device, say);
  say(`permasar alt: ${grid.width}×${grid.height} pixels, amplitude in ${amplitude.unit}, N from ${moistureSource}; n: ${surface.description}; on ${kernel.description}`);
  let run;
  const altByYear: Float32Array[] = [];
  try {
    run = await runAltPipeline({ grid, amplitude: amplitude.raster.data, thawedWaterContent: thawed, params, kernel });
    // Eq. 2 for each year with the same n: the same kernel, one band at a time.
    for (const band of amplitude.byYear?.bands ?? []) {
      altByYear.push((await runAltPipeline({ grid, amplitude: band, thawedWaterContent: thawed, params, kernel })).altM);
    }
  } finally {
    await kernel.dispose();
  }
  if (run.altPixels === 0) {
    const counts = Object.entries(run.statusCounts).filter(([, v]) => v > 0).map(([k, v]) => `${v} ${ALT_STATUS_NAMES[Number(k)]}`).join(', ');
    throw new InputError(amplitude.file, `no pixel has a finite ALT (${counts})`);
  }

  const output = await beginOutput(outDir, { overwrite: Boolean(values.overwrite) });
  try {
    const dir = output.dir;
    const meta = (product: string, unit: string) => ({ PRODUCT: product, UNITS: unit, SOFTWARE: 'permasar' });
    await writeGeoTiffFile(path.join(dir, 'alt.tif'), grid, run.altM, { sampleType: 'float32', bandUnit: 'm', bandDescription: 'active-layer thickness H, Eq. 2', metadata: meta('alt', 'm') });
    await writeGeoTiffFile(path.join(dir, 'n.tif'), grid, run.frozenWaterContent, { sampleType: 'float32', bandUnit: 'm3/m3', bandDescription: `volumetric water content when frozen, n (${surface.kind})`, metadata: meta('n', 'm3/m3') });
    await writeGeoTiffFile(path.join(dir, 'moisture.tif'), grid, thawed, { sampleType: 'float32', bandUnit: 'm3/m3', bandDescription: 'volumetric water content when thawed, N (October soil moisture)', metadata: meta('moisture', 'm3/m3') });
    await writeGeoTiffFile(path.join(dir, 'alt_status.tif'), grid, run.status, {
      sampleType: 'uint8', bandDescription: 'why ALT is what it is', metadata: meta('alt_status', 'class'),
      bandMetadata: Object.fromEntries(Object.entries(ALT_STATUS_NAMES).map(([k, v]) => [k, v])),
    });
    let altTrendPixels = 0;
    if (amplitude.byYear) {
      const { years } = amplitude.byYear;
      await writeGeoTiffFile(path.join(dir, 'alt_by_year.tif'), grid, altByYear, {
        sampleType: 'float32', bandUnit: 'm', bandDescriptions: years.map(String),
        metadata: { ...meta('alt_by_year', 'm'), DESCRIPTION: 'active-layer thickness H of each year, Eq. 2 with the yearly vertical amplitude and one n' },
      });
      // H is linear in δ at a pixel (N and n fixed), so its slope is that of the amplitude times
      // H/δ. Ordinary least squares: the yearly amplitude file carries no standard errors.
      const trend = new Float32Array(grid.width * grid.height).fill(NaN);
      const ones = new Float64Array(years.length).fill(1);
      const alts = new Float64Array(years.length);
      const yearMean = years.reduce((a, b) => a + b, 0) / years.length;
      const x = years.map((y) => y - yearMean);
      for (let p = 0; p < trend.length; p++) {
        for (let k = 0; k < years.length; k++) alts[k] = altByYear[k][p];
        const fitted = weightedSlope(x, alts, ones, DEFAULT_SEASONS_OPTIONS.minTrendYears);
        if (fitted) { trend[p] = fitted.slope; altTrendPixels++; }
      }
      await writeGeoTiffFile(path.join(dir, 'alt_trend.tif'), grid, trend, {
        sampleType: 'float32', bandUnit: 'm/yr', bandDescription: `trend of the active-layer thickness, least-squares slope over ${years[0]}–${years[years.length - 1]} (≥ ${DEFAULT_SEASONS_OPTIONS.minTrendYears} valid years): + deepening`,
        metadata: meta('alt_trend', 'm/yr'),
      });
      await writeFile(path.join(dir, 'alt_trend.png'), encodePng(renderRasterQuicklook({ width: grid.width, height: grid.height, extent: lonLatExtent(grid), data: trend, title: 'Active-layer thickness trend (+ deepening)', subtitle: `${years[0]}–${years[years.length - 1]}`, unitLabel: 'm/yr', colormap: 'rdbu' })));
    }
    if (values.sites !== undefined) {
      await writeCsv(path.join(dir, 'sites.csv'),
        ['name', 'line', 'lon', 'lat', 'alt_m', 'pixel_row', 'pixel_col', 'distance_m', 'amplitude_mm', 'N', 'n', 'outcome', 'reason'],
        sites.map((s) => [s.name, s.line, s.lonDeg, s.latDeg, s.altM, s.pixelRow, s.pixelCol, round(s.distanceM, 2), round(s.amplitudeMm, 4), round(s.thawedWaterContent, 6), round(s.frozenWaterContent, 6), s.outcome, s.reason]));
    }
    const extent = lonLatExtent(grid);
    const base = { width: grid.width, height: grid.height, extent };
    await writeFile(path.join(dir, 'alt.png'), encodePng(renderRasterQuicklook({ ...base, data: run.altM, title: 'Active-layer thickness (Eq. 2)', subtitle: `n: ${surface.kind}`, unitLabel: 'm', colormap: 'viridis' })));
    await writeFile(path.join(dir, 'n.png'), encodePng(renderRasterQuicklook({ ...base, data: run.frozenWaterContent, title: 'Water content when frozen, n', subtitle: surface.kind === 'spline' ? `thin-plate spline through ${surface.spline!.sites} sites` : surface.description, unitLabel: 'm³/m³', colormap: 'viridis' })));
    await writeFile(path.join(dir, 'moisture.png'), encodePng(renderRasterQuicklook({ ...base, data: thawed, title: 'Water content when thawed, N', subtitle: 'October soil moisture on the amplitude grid', unitLabel: 'm³/m³', colormap: 'viridis' })));
    const altStats = new StreamingStatistics(Math.max(1, Math.floor(run.altM.length / 1_000_000)));
    altStats.add(run.altM);
    const stats = altStats.result();
    await writeFile(path.join(dir, 'alt_histogram.png'), encodePng(histogram({
      title: `Active-layer thickness, ${run.altPixels} pixels`, values: run.altM, xLabel: 'ALT (m)',
      referenceLines: stats.percentiles.p50 !== null ? [{ value: stats.percentiles.p50, label: `median ${stats.percentiles.p50.toFixed(2)} m` }] : [],
    })));
    const nStats = new StreamingStatistics(Math.max(1, Math.floor(run.altM.length / 1_000_000)));
    nStats.add(run.frozenWaterContent);
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
        sites: values.sites !== undefined ? path.resolve(String(values.sites)) : null,
      },
      options: { densities, siteRadiusM: radiusM, outlierK, smoothing, minThawGap, constantN: values.sites === undefined ? constantN : null, device },
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
      sites: values.sites !== undefined ? { total: sites.length, kept: siteCounts.kept ?? 0, skipped: siteCounts.skipped ?? 0, dropped: siteCounts.dropped ?? 0 } : null,
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
        ...(amplitude.byYear ? {
          'alt_by_year.tif': { unit: 'm', description: 'ALT of each year (Eq. 2, the same n)', bands: amplitude.byYear.years.map(String) },
          'alt_trend.tif': { unit: 'm/yr', description: 'least-squares slope of ALT against the year', pixels: altTrendPixels },
        } : {}),
      },
      byYear: amplitude.byYear ? { years: amplitude.byYear.years, amplitudeOfSitesAndAltTif: 'mean of the yearly amplitudes' } : null,
      elapsedSeconds,
    };
    await writeJson(path.join(dir, 'summary.json'), summary);
    await output.commit();
    const negative = run.statusCounts[ALT_STATUS.NEGATIVE_AMPLITUDE];
    if (negative) say(`note: ${negative} pixels with negative amplitude have no ALT (peak to trough cannot be negative)`);
    const high = run.statusCounts[ALT_STATUS.CLAMPED_HIGH];
    if (high) say(`note: n clamped to N − ${minThawGap} at ${high} pixels (their ALT is large; read it as a bound)`);
    const notAbove = run.statusCounts[ALT_STATUS.N_NOT_ABOVE_N];
    if (notAbove) say(`note: N ≤ n + ${minThawGap} at ${notAbove} pixels: no ALT there`);
    say(`${run.altPixels} of ${grid.width * grid.height} pixels with ALT (median ${stats.percentiles.p50?.toFixed(2)} m)` +
      (values.sites !== undefined ? `; sites: ${siteCounts.kept ?? 0} kept, ${siteCounts.dropped ?? 0} dropped, ${siteCounts.skipped ?? 0} skipped` : '') +
      `; ${formatSeconds(elapsedSeconds)} → ${outDir}`);
    return { sites, surface, statusCounts: run.statusCounts, altPixels: run.altPixels };
  } catch (e) {
    await output.abort();
    throw e;
  }
}

function tally(items: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of items) out[k] = (out[k] ?? 0) + 1;
  return out;
}

function round(v: number, digits: number): number {
  return Number.isFinite(v) ? Number(v.toFixed(digits)) : NaN;
}
