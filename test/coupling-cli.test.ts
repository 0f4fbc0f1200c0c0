// `permasar coupling` end to end: a small MintPy stack whose pixels heave and settle a planted
// 120 days after a GLDAS-like monthly ground temperature, fitted by `permasar fit`, then coupled.
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCommand as run } from './support/run-command.ts';
import { writeMintpyTimeseries } from '../src/io/mintpy-h5-write-node.ts';
import { decimalYearToYmd, makeTimeAxis } from '../src/core/time.ts';
import { decodePng } from '../src/plot/png.ts';
import type { RasterGrid } from '../src/core/grid.ts';
import { locatePixel } from '../src/cli/cmd-coupling.ts';
import { unitScaleToMm } from '../src/pipeline/fit.ts';

const PLANTED_LAG_DAYS = 120;
const INTERVAL_DAYS = 12;
const grid: RasterGrid = { width: 3, height: 2, geoTransform: [92.9, 0.01, 0, 35.25, 0, -0.01], epsg: 4326 };
/** GLDAS-like: 270 ± 10 K, coldest about 1 February. */
const temperatureK = (t: number): number => 270 - 10 * Math.cos(2 * Math.PI * (t - 31 / 365.25));
let dir: string;
let stackFile: string;
let fitDir: string;
let temperatureCsv: string;
/** The stack's values (metres) and dates, for stacks of the same motion in other units. */
let metres: Float32Array;
let stackDates: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'permasar-coupling-'));
  const dates: string[] = [];
  for (let t = 2016.02; t < 2021.98; t += INTERVAL_DAYS / 365.25) dates.push(decimalYearToYmd(t));
  const axis = makeTimeAxis([...new Set(dates)]);
  const nPixels = grid.width * grid.height;
  const values = new Float32Array(axis.dates.length * nPixels);
  axis.tYears.forEach((t, d) => {
    for (let p = 0; p < nPixels; p++) {
      // Heave while frozen, settle while thawed: −k (T(t − lag) − mean), plus subsidence; metres.
      const mm = -10 * (t - 2016) - 2.5 * (temperatureK(t - PLANTED_LAG_DAYS / 365.25) - 270) + 0.3 * Math.sin(d * 1.7 + p);
      values[d * nPixels + p] = mm / 1000;
    }
  });
  stackFile = join(dir, 'timeseries.h5');
  await writeMintpyTimeseries(stackFile, { grid, dates: axis.dates, values, unit: 'm' });
  metres = values;
  stackDates = axis.dates;
  fitDir = join(dir, 'fit');
  const fit = await run(['fit', stackFile, '--out', fitDir, '--device', 'cpu', '--quiet']);
  expect(fit.stderr).toEqual([]);
  // Monthly means on the 15th, 2015-06 .. 2022-06, in YYYY-MM-DD (the other accepted form).
  const lines = ['date,value'];
  for (let year = 2015; year <= 2022; year++) {
    for (let month = 1; month <= 12; month++) {
      if ((year === 2015 && month < 6) || (year === 2022 && month > 6)) continue;
      const ymd = `${year}-${String(month).padStart(2, '0')}-15`;
      const t = year + (new Date(Date.UTC(year, month - 1, 15)).getTime() - Date.UTC(year, 0, 1)) / 86400000 / 365.25;
      lines.push(`${ymd},${temperatureK(t).toFixed(3)}`);
    }
  }
  temperatureCsv = join(dir, 'gldas_point.csv');
  writeFileSync(temperatureCsv, `${lines.join('\n')}\n`);
});

describe('permasar coupling', () => {
  it('recovers the planted lag and the thaw windows; writes coupling.json and the Fig. 7c-like PNG', async () => {
    const out = join(dir, 'coupling');
    const r = await run(['coupling', fitDir, '--stack', stackFile, '--lon', '92.915', '--lat', '35.245', '--temperature', temperatureCsv, '--out', out, '--quiet']);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'coupling.json'), 'utf8'));
    expect(report.pixel).toMatchObject({ row: 0, col: 1 });
    expect(report.cross_correlation.step_days).toBe(INTERVAL_DAYS);
    expect(Math.abs(report.cross_correlation.most_negative.lag_days - PLANTED_LAG_DAYS)).toBeLessThanOrEqual(INTERVAL_DAYS);
    expect(report.cross_correlation.most_negative.r).toBeLessThan(-0.95);
    expect(Math.abs(report.minimum_to_peak.from_annual_sinusoids.lag_days - PLANTED_LAG_DAYS)).toBeLessThanOrEqual(INTERVAL_DAYS);
    expect(report.minimum_to_peak.per_year.length).toBeGreaterThanOrEqual(4);
    expect(Math.abs(report.minimum_to_peak.median_per_year_lag_days - PLANTED_LAG_DAYS)).toBeLessThanOrEqual(INTERVAL_DAYS);
    // The fit folder's rate detrends: −10 mm/yr planted.
    expect(report.fit.rate_mm_per_year).toBeCloseTo(-10, 0);
    // 270 − 10 cos: above 273.15 K for 2·acos(0.315)/2π of the year ≈ 150 days, once a year.
    const expectedThawDays = (2 * Math.acos(0.315) / (2 * Math.PI)) * 365.25;
    const full = report.thaw.windows.filter((w: { clipped: boolean }) => !w.clipped);
    expect(full.length).toBeGreaterThanOrEqual(5);
    // Linear interpolation of monthly samples shortens the window by a few days at most.
    for (const w of full) expect(Math.abs(w.days - expectedThawDays)).toBeLessThan(6);
    const png = decodePng(readFileSync(join(out, 'coupling.png')));
    expect(png.width).toBeGreaterThan(500);
  });

  it('--wavelength wins over the file\'s WAVELENGTH for a stack in rad; without it the file\'s is used (as fit)', async () => {
    const args = (stack: string, out: string, extra: string[] = []) =>
      ['coupling', fitDir, '--stack', stack, '--row', '1', '--col', '2', '--temperature', temperatureCsv, '--out', out, '--quiet', ...extra];
    const seriesOf = (out: string): number[] => JSON.parse(readFileSync(join(out, 'coupling.json'), 'utf8')).series.displacement_mm;
    const reference = join(dir, 'wavelength-ref');
    expect((await run(args(stackFile, reference))).code).toBe(0);
    const expected = seriesOf(reference);
    /** The same motion in radians at `encodedWithM`, the file saying `fileWavelengthM`. */
    const radStack = async (name: string, encodedWithM: number, fileWavelengthM: number): Promise<string> => {
      const file = join(dir, name);
      const perMm = 1 / unitScaleToMm('rad', encodedWithM);
      await writeMintpyTimeseries(file, { grid, dates: stackDates, values: metres.map((m) => m * 1000 * perMm), unit: 'radian', wavelengthM: fileWavelengthM });
      return file;
    };
    const close = (got: number[]) => {
      expect(got).toHaveLength(expected.length);
      for (const [i, v] of got.entries()) expect(Math.abs(v - expected[i])).toBeLessThan(2e-3);
    };
    // Phases for X band (3.1 cm) in a file that says L band (23.6 cm): the user's option is right.
    const xBand = await radStack('rad-x.h5', 0.0311, 0.2362);
    const optionOut = join(dir, 'wavelength-option');
    const r = await run(args(xBand, optionOut, ['--wavelength', '0.0311']));
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    close(seriesOf(optionOut));
    // No --wavelength: the file's (not Sentinel-1's default).
    const lBand = await radStack('rad-l.h5', 0.2362, 0.2362);
    const fileOut = join(dir, 'wavelength-file');
    expect((await run(args(lBand, fileOut))).code).toBe(0);
    close(seriesOf(fileOut));
  });

  it('a temperature CSV that does not overlap the stack: one line naming it, no output', async () => {
    const csv = join(dir, 'old.csv');
    writeFileSync(csv, 'date,value\n20100115,265\n20100215,266\n20100315,268\n');
    const out = join(dir, 'no-overlap');
    const r = await run(['coupling', fitDir, '--stack', stackFile, '--row', '1', '--col', '2', '--temperature', csv, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toContain(`${csv}: its dates 20100115–20100315 cover 0`);
    expect(existsSync(out)).toBe(false);
  });

  it('lon/lat outside the grid, or °C instead of K: one-line errors', async () => {
    const outside = await run(['coupling', fitDir, '--stack', stackFile, '--lon', '93.5', '--lat', '35.2', '--temperature', temperatureCsv, '--out', join(dir, 'x')]);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toHaveLength(1);
    expect(outside.stderr[0]).toMatch(/--lon\/--lat: \(93\.5, 35\.2\) is outside the stack's grid/);

    const celsius = join(dir, 'celsius.csv');
    writeFileSync(celsius, 'date,value\n20160115,-13.1\n20160715,6.8\n');
    const c = await run(['coupling', fitDir, '--stack', stackFile, '--row', '0', '--col', '0', '--temperature', celsius, '--out', join(dir, 'y')]);
    expect(c.code).toBe(1);
    expect(c.stderr[0]).toContain(`${celsius}: line 2: -13.1 is not a ground temperature in kelvin`);

    const both = await run(['coupling', fitDir, '--stack', stackFile, '--row', '0', '--col', '0', '--lon', '92.9', '--temperature', temperatureCsv, '--out', join(dir, 'z')]);
    expect(both.code).toBe(1);
    expect(both.stderr[0]).toMatch(/either as --lon X --lat Y or as --row R --col C/);
  });
});

describe('locatePixel', () => {
  it('places WGS 84 lon/lat on a UTM grid (EPSG:32646, central meridian 93° E)', () => {
    // On the central meridian x = 500,000 m exactly; at 35° N the northing is ≈ 3,874 km.
    const utm: RasterGrid = { width: 3, height: 3, geoTransform: [499_950, 100, 0, 3_950_000, 0, -100_000], epsg: 32646 };
    expect(locatePixel(utm, { lon: '93', lat: '35' }, 'stack')).toEqual({ row: 0, col: 0 });
    expect(locatePixel(utm, { lon: '93.001', lat: '35' }, 'stack')).toEqual({ row: 0, col: 1 }); // ~91 m east: 500,091 m
    expect(locatePixel(utm, { lon: '93.002', lat: '35' }, 'stack')).toEqual({ row: 0, col: 2 }); // ~182 m east
    expect(() => locatePixel(utm, { lon: '93', lat: '36' }, 'stack')).toThrow(/outside the stack's grid/);
  });

  it('row/col bounds are checked', () => {
    expect(locatePixel(grid, { row: '1', col: '2' }, 'stack')).toEqual({ row: 1, col: 2 });
    expect(() => locatePixel(grid, { row: '2', col: '0' }, 'stack')).toThrow(/outside the stack's 2 rows × 3 columns/);
  });
});
