// End to end (issue 15): `permasar seasons` on a MintPy file → by-year COGs whose bands are the
// years and whose pixels are the float64 reference's; `vertical` on that folder → the yearly
// amplitudes projected; `alt` on the multi-band vertical amplitude → ALT by year (Eq. 2) and its
// trend. Bad inputs: one line each, exit 1, nothing left in --out.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateGrowingSeasonsStack } from '../data/synthetic.ts';
import { writeMintpyTimeseries } from '../src/io/mintpy-h5-write-node.ts';
import { writeGeoTiffFile } from '../src/io/geotiff-write-node.ts';
import { readRaster } from '../src/io/raster-node.ts';
import { fitTileCpu } from '../src/cpu/fit.ts';
import { seasonsTileCpu } from '../src/cpu/seasons.ts';
import { buildSeasonsContext, DEFAULT_SEASONS_OPTIONS, weightedSlope } from '../src/core/seasons.ts';
import { DEFAULT_FIT_OPTIONS } from '../src/core/fit-types.ts';
import { altFromAmplitude } from '../src/core/alt.ts';
import type { RasterGrid } from '../src/core/grid.ts';
import { GDAL_AVAILABLE, gdalinfoJson } from './support/gdal.ts';
import { runBin } from './support/run-command.ts';

const seed = (Math.random() * 2 ** 31) >>> 0;
console.log(`seasons-cli seed ${seed}`);
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const grid: RasterGrid = { width: 20, height: 9, geoTransform: [92.9, 0.001, 0, 34.86, 0, -0.001], epsg: 4326 };
const INCIDENCE_DEG = 39;
let dir: string;
let stackFile: string;
let stack: ReturnType<typeof generateGrowingSeasonsStack>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'permasar-seasons-'));
  stack = generateGrowingSeasonsStack({ seed, width: grid.width, height: grid.height });
  stackFile = path.join(dir, 'timeseries.h5');
  await writeMintpyTimeseries(stackFile, { grid, dates: stack.axis.dates, values: stack.values.map((v) => v / 1000), unit: 'm' });
});

function close(a: number, b: number, tol: number): boolean {
  return Number.isNaN(a) ? Number.isNaN(b) : Math.abs(a - b) <= tol;
}

describe(`seasons → vertical → alt (seed ${seed})`, () => {
  it('writes the by-year products the reference computes, and vertical and alt take them', async () => {
    const out = path.join(dir, 'seasons');
    const r = await runBin(['seasons', stackFile, '--out', out, '--device', 'cpu', '--incidence', String(INCIDENCE_DEG), '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const files = await readdir(out);
    for (const f of ['rate.tif', 'amplitude.tif', 'seasonal.tif', 'incidence.tif', 'amplitude_by_year.tif', 'amplitude_by_year_std.tif', 'timing_by_year.tif',
      'amplitude_trend.tif', 'amplitude_trend_std.tif', 'summary.json', 'amplitude_trend.png', 'amplitude_by_year.png']) expect(files).toContain(f);
    expect(files.some((f) => f.includes('partial'))).toBe(false);

    // The reference on the same float32 values (metres, × 1000).
    const n = grid.width * grid.height;
    const values = stack.values.map((v) => v / 1000);
    const tile = { nPixels: n, nDates: stack.axis.dates.length, values };
    const fit = fitTileCpu(tile, { tCentredYears: stack.axis.tCentredYears, tMidYears: stack.axis.tMidYears, scaleToMm: 1000, options: DEFAULT_FIT_OPTIONS });
    const context = buildSeasonsContext(stack.axis.dates, stack.axis.tYears, 1000, DEFAULT_SEASONS_OPTIONS);
    const want = seasonsTileCpu(tile, fit, context);
    const years = context.years.map((y) => String(y.year));
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.command).toBe('seasons');
    expect(summary.seasons.years.map(String)).toEqual(years);
    expect(summary.seasons.trend.pixels).toBe(want.amplitudeTrendMmPerYear.filter(Number.isFinite).length);

    for (const [file, key] of [['amplitude_by_year.tif', 'amplitudeMm'], ['amplitude_by_year_std.tif', 'amplitudeStdMm'], ['timing_by_year.tif', 'peakDayOfYear']] as const) {
      for (let b = 0; b < years.length; b++) {
        const band = await readRaster(path.join(out, file), { band: b + 1 });
        expect(band.description).toBe(years[b]);
        for (let p = 0; p < n; p++) {
          if (!close(band.data[p], want[key][b * n + p], 1e-3)) throw new Error(`${file} band ${b + 1} pixel ${p}: ${band.data[p]} vs ${want[key][b * n + p]}`);
        }
      }
    }
    const trend = await readRaster(path.join(out, 'amplitude_trend.tif'));
    expect(trend.unit).toBe('mm/yr');
    for (let p = 0; p < n; p++) expect(close(trend.data[p], want.amplitudeTrendMmPerYear[p], 1e-4)).toBe(true);
    if (GDAL_AVAILABLE) {
      expect(gdalinfoJson(path.join(out, 'amplitude_by_year.tif')).bands.map((b: { description: string }) => b.description)).toEqual(years);
      const v = spawnSync(PYTHON, ['-m', 'osgeo_utils.samples.validate_cloud_optimized_geotiff', path.join(out, 'timing_by_year.tif')], { encoding: 'utf8' });
      expect(v.stdout).toMatch(/is a valid cloud optimized GeoTIFF/);
    }

    // vertical on the seasons folder: every year's amplitude / cos(incidence).
    const vout = path.join(dir, 'vertical');
    const rv = await runBin(['vertical', out, '--out', vout, '--device', 'cpu', '--quiet']);
    expect(rv.stderr).toBe('');
    expect(rv.code).toBe(0);
    const factor = 1 / Math.cos((INCIDENCE_DEG * Math.PI) / 180);
    const verticalFile = path.join(vout, 'amplitude_by_year_vertical.tif');
    const vertical: Float32Array[] = [];
    for (let b = 0; b < years.length; b++) {
      const band = await readRaster(verticalFile, { band: b + 1 });
      expect(band.description).toBe(years[b]);
      for (let p = 0; p < n; p++) expect(close(band.data[p], want.amplitudeMm[b * n + p] * factor, 1e-3)).toBe(true);
      vertical.push(band.data);
    }
    // The single-band products are still there.
    expect(await readdir(vout)).toContain('amplitude_vertical.tif');

    // alt on the multi-band vertical amplitude, constant N and n: Eq. 2 per year, and its slope.
    const aout = path.join(dir, 'alt');
    const N = 0.4, nFrozen = 0.05;
    const ra = await runBin(['alt', '--amplitude', verticalFile, '--moisture', String(N), '--n', String(nFrozen), '--out', aout, '--device', 'cpu', '--quiet']);
    expect(ra.stderr).toBe('');
    expect(ra.code).toBe(0);
    const altYears: Float32Array[] = [];
    for (let b = 0; b < years.length; b++) {
      const band = await readRaster(path.join(aout, 'alt_by_year.tif'), { band: b + 1 });
      expect(band.description).toBe(years[b]);
      expect(band.unit).toBe('m');
      for (let p = 0; p < n; p++) {
        const h = Number.isFinite(vertical[b][p]) ? altFromAmplitude(vertical[b][p] / 1000, nFrozen, N) : NaN;
        expect(close(band.data[p], h, 1e-5 * Math.max(1, Math.abs(h)))).toBe(true);
      }
      altYears.push(band.data);
    }
    const altTrend = await readRaster(path.join(aout, 'alt_trend.tif'));
    expect(altTrend.unit).toBe('m/yr');
    const x = context.years.map((y) => y.yearCentred);
    let withTrend = 0;
    for (let p = 0; p < n; p++) {
      const fitted = weightedSlope(x, altYears.map((a) => a[p]), x.map(() => 1), 4);
      expect(close(altTrend.data[p], fitted ? fitted.slope : NaN, 1e-6)).toBe(true);
      if (fitted) withTrend++;
    }
    expect(withTrend).toBeGreaterThan(n / 2);
    const altSummary = JSON.parse(await readFile(path.join(aout, 'summary.json'), 'utf8'));
    expect(altSummary.byYear.years.map(String)).toEqual(years);
  });
});

describe('bad inputs: one line, exit 1, nothing written', () => {
  const cases: [string, () => Promise<string[]>, RegExp][] = [
    ['no --out', async () => ['seasons', stackFile], /--out: is required/],
    ['--min-year-months 13', async () => ['seasons', stackFile, '--out', path.join(dir, 'bad1'), '--min-year-months', '13'], /--min-year-months: must be an integer from 1 to 12/],
    ['--min-trend-years 2', async () => ['seasons', stackFile, '--out', path.join(dir, 'bad2'), '--min-trend-years', '2'], /--min-trend-years: must be an integer ≥ 3/],
    ['a missing stack', async () => ['seasons', path.join(dir, 'nope.h5'), '--out', path.join(dir, 'bad3')], /nope\.h5/],
    ['no year with enough coverage', async () => {
      const short = path.join(dir, 'short.h5');
      const dates = stack.axis.dates.filter((d) => d >= '20150101' && d < '20150701');
      const nPix = grid.width * grid.height;
      const values = new Float32Array(dates.length * nPix).map((_, i) => Math.sin(i) / 1000);
      await writeMintpyTimeseries(short, { grid, dates, values, unit: 'm' });
      return ['seasons', short, '--out', path.join(dir, 'bad4')];
    }, /short\.h5: no calendar year has 12 or more dates in 8 or more months/],
    ['alt on bands that are not years', async () => {
      const file = path.join(dir, 'not-years.tif');
      const plane = new Float32Array(grid.width * grid.height).fill(20);
      await writeGeoTiffFile(file, grid, [plane, plane], { sampleType: 'float32', bandUnit: 'mm', bandDescriptions: ['spring', 'autumn'] });
      return ['alt', '--amplitude', file, '--moisture', '0.4', '--out', path.join(dir, 'bad5'), '--device', 'cpu'];
    }, /not-years\.tif: band 1 is described as "spring", not a year/],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const a = await args();
      const r = await runBin(a);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      const outIndex = a.indexOf('--out');
      if (outIndex >= 0) expect(existsSync(a[outIndex + 1])).toBe(false);
    });
  }
});
