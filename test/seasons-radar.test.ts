// `seasons` on a MintPy stack in radar coordinates (issue 20): fitted on the radar grid with
// geometryRadar.h5, radar/ kept, and every product — the fit's, the by-year multi-band ones and
// the per-pixel seasons ones, incidence and azimuth — geocoded as `fit` geocodes: each band equal
// to the nearest-radar-pixel geocoding (core/geocode.ts) of its radar/ twin, bit for bit; the
// radar/ products equal a run on the same values as a geocoded stack; fit's geocoded products
// equal seasons'; --lalo-step (laloStep) sets the map pixel size. Runs the job in-process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fromArrayBuffer } from 'geotiff';
import { generateGrowingSeasonsStack } from '../data/synthetic.ts';
import { writeMintpyRasters, writeMintpyTimeseries } from '../src/io/mintpy-h5-write-node.ts';
import { radarCodedGrid, type RasterGrid } from '../src/core/grid.ts';
import { applyNearest, EARTH_RADIUS_M, geocodeGridOf, nearestRadarPixels, type RadarLookup } from '../src/core/geocode.ts';
import { runSeasonsJob } from '../src/jobs/seasons.ts';
import { runFitJob } from '../src/jobs/fit.ts';
import type { JobContext } from '../src/jobs/support/context.ts';

const seed = (Math.random() * 2 ** 31) >>> 0;
console.log(`seasons-radar seed ${seed}`);

/** Every band of a GeoTIFF (geotiff.js: a radar-coded product has no georeferencing). */
async function readBands(file: string): Promise<{ bands: Float32Array[]; width: number; height: number; geoTransform: number[] }> {
  const buffer = await readFile(file);
  const tiff = await fromArrayBuffer(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));
  const image = await tiff.getImage();
  const bands = (await image.readRasters()) as unknown as Float32Array[];
  let [x0, y0, dx, dy] = [NaN, NaN, NaN, NaN];
  try {
    [x0, y0] = image.getOrigin();
    [dx, dy] = image.getResolution();
  } catch { /* no georeferencing */ }
  return { bands: [...bands], width: image.getWidth(), height: image.getHeight(), geoTransform: [x0, dx, 0, y0, 0, dy] };
}

function expectBitIdentical(got: Float32Array, want: Float32Array, what: string): void {
  expect(got.length, what).toBe(want.length);
  expect(Buffer.from(new Uint32Array(got.buffer, got.byteOffset, got.length).buffer).equals(Buffer.from(new Uint32Array(Float32Array.from(want).buffer).buffer)), what).toBe(true);
}

const warnings: string[] = [];
const ctx: JobContext = { device: 'cpu', log: () => {}, warn: (line) => warnings.push(line) };

// A small Sentinel-1-like frame in radar coordinates (as test/stacks-cli.test.ts builds it):
// rows along the flight (heading −12°), columns across it, 30 m × 45 m, range step growing.
const width = 16, height = 12;
const n = width * height;
const grid = radarCodedGrid(width, height);
const latitude = new Float32Array(n), longitude = new Float32Array(n);
{
  const headingRad = (-12 * Math.PI) / 180;
  const lat0 = 34.8, lon0 = 92.9;
  const metresPerDegLat = (EARTH_RADIUS_M * Math.PI) / 180;
  const metresPerDegLon = metresPerDegLat * Math.cos((lat0 * Math.PI) / 180);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const rangeM = c * 30 * (1 + (0.1 * c) / width);
      const azimuthM = (height - 1 - r) * 45 + 0.06 * rangeM;
      const e = rangeM * Math.cos(headingRad) + azimuthM * Math.sin(headingRad);
      const nn = -rangeM * Math.sin(headingRad) + azimuthM * Math.cos(headingRad);
      latitude[r * width + c] = lat0 + nn / metresPerDegLat;
      longitude[r * width + c] = lon0 + e / metresPerDegLon;
    }
  }
}
const lookup: RadarLookup = { width, height, latitudeDeg: latitude, longitudeDeg: longitude };
const incidence = new Float32Array(n).map((_, p) => 31 + (15 * (p % width)) / (width - 1));
const azimuth = new Float32Array(n).fill(102);

let dir = '';
let tsFile = '', geomFile = '', geoTsFile = '', geoGeomFile = '';
let years: number[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'permasar-seasons-radar-'));
  const stack = generateGrowingSeasonsStack({ seed, width, height, startYmd: '20170101', endYmd: '20211231' });
  const values = stack.values.map((v) => v / 1000);
  await mkdir(path.join(dir, 'radar'));
  tsFile = path.join(dir, 'radar', 'timeseries.h5');
  geomFile = path.join(dir, 'radar', 'geometryRadar.h5');
  await writeMintpyTimeseries(tsFile, { grid, dates: stack.axis.dates, values, unit: 'm' });
  await writeMintpyRasters(geomFile, grid, { latitude, longitude, incidenceAngle: incidence, azimuthAngle: azimuth }, 'geometry');
  // The same values on a (made-up) geocoded grid: what the radar/ products must equal.
  const geoGrid: RasterGrid = { width, height, geoTransform: [92.9, 0.001, 0, 34.86, 0, -0.001], epsg: 4326 };
  await mkdir(path.join(dir, 'geo'));
  geoTsFile = path.join(dir, 'geo', 'timeseries.h5');
  geoGeomFile = path.join(dir, 'geo', 'geometryGeo.h5');
  await writeMintpyTimeseries(geoTsFile, { grid: geoGrid, dates: stack.axis.dates, values, unit: 'm' });
  await writeMintpyRasters(geoGeomFile, geoGrid, { incidenceAngle: incidence, azimuthAngle: azimuth }, 'geometry');
});
afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

const PRODUCT_FILES = [
  'rate.tif', 'amplitude.tif', 'timing.tif', 'seasonal.tif',
  'amplitude_by_year.tif', 'amplitude_by_year_std.tif', 'timing_by_year.tif',
  'amplitude_trend.tif', 'amplitude_trend_std.tif', 'valid_years.tif',
  'incidence.tif', 'azimuth.tif',
];

describe(`seasons in radar coordinates (seed ${seed})`, () => {
  it('fits on the radar grid, keeps radar/, and geocodes every band by the nearest radar pixel', async () => {
    const out = path.join(dir, 'seasons-radar');
    const { summary } = await runSeasonsJob({ stack: tsFile, geometry: geomFile }, {}, out, ctx);
    expect(warnings).toEqual([]);
    years = summary.seasons.years as number[];
    expect(years.length).toBeGreaterThanOrEqual(4);
    const files = await readdir(out);
    for (const f of [...PRODUCT_FILES, 'summary.json', 'amplitude_trend.png', 'amplitude_by_year.png', 'rate.png']) expect(files).toContain(f);
    expect(files.some((f) => f.includes('partial'))).toBe(false);
    const radarFiles = await readdir(path.join(out, 'radar'));
    for (const f of PRODUCT_FILES) expect(radarFiles).toContain(f);

    const geocode = geocodeGridOf(lookup, path.resolve(geomFile));
    const nearest = nearestRadarPixels(lookup, geocode);
    expect(summary.inputs.grid).toEqual({ width: geocode.grid.width, height: geocode.grid.height, geoTransform: geocode.grid.geoTransform, epsg: 4326 });
    expect(summary.inputs.geometry).toBe(path.resolve(geomFile));
    expect((summary.geocoding as { method: string }).method).toMatch(/nearest/);
    expect(summary.command).toBe('seasons');
    let covered = 0;
    for (const i of nearest) if (i >= 0) covered++;
    expect(covered).toBeGreaterThan(n / 2);

    for (const f of PRODUCT_FILES) {
      const radar = await readBands(path.join(out, 'radar', f));
      const geo = await readBands(path.join(out, f));
      expect([radar.width, radar.height], f).toEqual([width, height]);
      expect(radar.geoTransform[0], `${f} on the radar grid: no map`).toBeNaN();
      expect([geo.width, geo.height], f).toEqual([geocode.grid.width, geocode.grid.height]);
      expect(geo.geoTransform[0]).toBeCloseTo(geocode.grid.geoTransform[0], 12);
      expect(geo.geoTransform[3]).toBeCloseTo(geocode.grid.geoTransform[3], 12);
      expect(geo.bands.length, f).toBe(radar.bands.length);
      if (f.includes('_by_year')) expect(geo.bands.length, f).toBe(years.length);
      radar.bands.forEach((band, b) => expectBitIdentical(geo.bands[b], applyNearest(nearest, band), `${f} band ${b + 1}`));
    }
    // Something to geocode: seasonal pixels with a yearly amplitude and a trend.
    const trend = (await readBands(path.join(out, 'radar', 'amplitude_trend.tif'))).bands[0];
    expect(trend.filter((v) => Number.isFinite(v)).length).toBeGreaterThan(n / 4);
  });

  it('fits the radar grid as it fits the same values on a map grid', async () => {
    const geoOut = path.join(dir, 'seasons-geo');
    await runSeasonsJob({ stack: geoTsFile, geometry: geoGeomFile }, {}, geoOut, ctx);
    for (const f of PRODUCT_FILES) {
      const radar = await readBands(path.join(dir, 'seasons-radar', 'radar', f));
      const geo = await readBands(path.join(geoOut, f));
      radar.bands.forEach((band, b) => expectBitIdentical(band, geo.bands[b], `${f} band ${b + 1}`));
    }
  });

  it("geocodes the fit's products as fit does", async () => {
    const fitOut = path.join(dir, 'fit-radar');
    await runFitJob({ stack: tsFile, geometry: geomFile }, {}, fitOut, ctx);
    for (const f of ['rate.tif', 'amplitude.tif', 'timing.tif', 'seasonal.tif', 'incidence.tif', 'azimuth.tif']) {
      const fit = await readBands(path.join(fitOut, f));
      const seasons = await readBands(path.join(dir, 'seasons-radar', f));
      expect(seasons.geoTransform, f).toEqual(fit.geoTransform);
      expectBitIdentical(seasons.bands[0], fit.bands[0], f);
    }
  });

  it('takes laloStep for the map pixel size', async () => {
    const out = path.join(dir, 'seasons-radar-step');
    const { summary } = await runSeasonsJob({ stack: tsFile, geometry: geomFile }, { laloStep: [-0.0005, 0.0005] }, out, ctx);
    const t = await readBands(path.join(out, 'amplitude_by_year.tif'));
    expect(t.geoTransform[1]).toBeCloseTo(0.0005, 12);
    expect(t.geoTransform[5]).toBeCloseTo(-0.0005, 12);
    expect(t.bands.length).toBe(years.length);
    expect((summary.geocoding as { stepFrom: string }).stepFrom).toBe('lalo-step');
  });

  it('refuses a radar-coded stack without geometry in one line, writing nothing', async () => {
    const out = path.join(dir, 'seasons-no-geometry');
    await expect(runSeasonsJob({ stack: tsFile }, {}, out, ctx)).rejects.toThrow(/radar coordinates.*--geometry/);
    await expect(readdir(out)).rejects.toThrow();
  });
});
