// End to end: `permasar fit` as a user runs it (the real bin, a real HDF5 file, real GeoTIFFs
// read back with geotiff.js and GDAL), and every bad input answered with one line and exit ≠ 0.
import { describe, expect, it, beforeAll } from 'vitest';
import { gdalinfoJson } from './support/gdal.ts';
import { mkdtemp, writeFile, readFile, readdir, truncate, mkdir, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fromArrayBuffer } from 'geotiff';
import { generateStack } from '../data/synthetic.ts';
import { writeMintpyTimeseries, writeMintpyRasters } from '../src/io/mintpy-h5-write-node.ts';
import { writeGeoTiffFile } from '../src/io/geotiff-write-node.ts';
import type { RasterGrid } from '../src/core/grid.ts';
import { runBin } from './support/run-command.ts';

const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;

async function readTif(file: string) {
  const buffer = await readFile(file);
  const tiff = await fromArrayBuffer(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));
  const image = await tiff.getImage();
  const [band] = (await image.readRasters()) as unknown as Float32Array[];
  return { image, band, nodata: image.getGDALNoData() };
}

const grid: RasterGrid = { width: 24, height: 18, geoTransform: [92.9, 0.001, 0, 34.86, 0, -0.001], epsg: 4326 };
let dir: string;
let stackFile: string;
let stack: ReturnType<typeof generateStack>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'permasar-cli-'));
  stack = generateStack({ seed, width: grid.width, height: grid.height, noiseMm: 1.5 });
  stackFile = path.join(dir, 'timeseries.h5');
  await writeMintpyTimeseries(stackFile, { grid, dates: stack.axis.dates, values: stack.values.map((v) => v / 1000), unit: 'm' });
});

describe(`permasar fit on a MintPy file (seed ${seed})`, () => {
  it('writes georeferenced products that match the truth, GDAL reads them', async () => {
    const out = path.join(dir, 'out-h5');
    const r = await runBin(['fit', stackFile, '--out', out, '--device', 'cpu']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const files = await readdir(out);
    for (const f of ['rate.tif', 'rate_std.tif', 'amplitude.tif', 'amplitude_std.tif', 'timing.tif', 'extrema.tif', 'seasonal.tif', 'rms.tif', 'valid.tif', 'summary.json', 'rate.png', 'amplitude.png', 'timing.png']) {
      expect(files).toContain(f);
    }
    expect(files.some((f) => f.includes('partial'))).toBe(false);
    const rate = await readTif(path.join(out, 'rate.tif'));
    expect(rate.image.getWidth()).toBe(grid.width);
    expect(rate.image.getHeight()).toBe(grid.height);
    expect(rate.image.getOrigin()).toEqual([92.9, 34.86, 0]);
    expect(rate.image.getResolution()[0]).toBeCloseTo(0.001, 12);
    expect(rate.image.getResolution()[1]).toBeCloseTo(-0.001, 12);
    expect(Number.isNaN(rate.nodata)).toBe(true);
    const seasonal = await readTif(path.join(out, 'seasonal.tif'));
    const amplitude = await readTif(path.join(out, 'amplitude.tif'));
    let right = 0, tested = 0;
    for (let p = 0; p < grid.width * grid.height; p++) {
      if (stack.truth.noData[p]) {
        expect(rate.band[p]).toBeNaN();
        expect(seasonal.band[p]).toBeNaN();
        continue;
      }
      tested++;
      if (seasonal.band[p] === stack.truth.seasonal[p]) right++;
      if (seasonal.band[p] === 1 && stack.truth.seasonal[p]) {
        expect(Math.abs(rate.band[p] - stack.truth.rateMmPerYear[p])).toBeLessThan(1);
        expect(Math.abs(amplitude.band[p] - stack.truth.amplitudeMm[p])).toBeLessThan(2.5);
      }
    }
    expect(right / tested).toBeGreaterThanOrEqual(0.97);
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.counts.pixels).toBe(grid.width * grid.height);
    expect(summary.counts.seasonal + summary.counts.notSeasonal).toBe(summary.counts.withData);
    expect(summary.dates).toEqual(stack.axis.dates);
    expect(summary.device.kind).toBe('cpu');
    // GDAL itself reads the CRS, geotransform and nodata.
    const info = gdalinfoJson(path.join(out, 'rate.tif'));
    if (info) {
      expect(info.coordinateSystem.wkt).toMatch(/4326/);
      expect(info.geoTransform).toEqual([92.9, 0.001, 0, 34.86, 0, -0.001]);
      expect(info.bands[0].noDataValue).toBe('NaN');
    }
  });

  it('gives the same products from a folder of per-date GeoTIFFs in mm', async () => {
    const folder = path.join(dir, 'tifs');
    await mkdir(folder);
    const n = grid.width * grid.height;
    await Promise.all(stack.axis.dates.map((date, d) =>
      writeGeoTiffFile(path.join(folder, `S1_${date}_los.tif`), grid, stack.values.slice(d * n, (d + 1) * n), { sampleType: 'float32' })));
    const out = path.join(dir, 'out-tif');
    const r = await runBin(['fit', folder, '--unit', 'mm', '--out', out, '--device', 'cpu', '--incidence', '39']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const a = await readTif(path.join(dir, 'out-h5', 'rate.tif'));
    const b = await readTif(path.join(out, 'rate.tif'));
    // The HDF5 holds metres in float32, the GeoTIFFs mm: equal to float32 rounding.
    for (let p = 0; p < n; p++) {
      if (Number.isNaN(a.band[p])) expect(b.band[p]).toBeNaN();
      else expect(Math.abs(a.band[p] - b.band[p])).toBeLessThan(1e-3);
    }
    expect(existsSync(path.join(out, 'incidence.tif'))).toBe(true);
  });
});

describe('bad input: one line naming the file, exit ≠ 0, nothing written', () => {
  it('answers each with its error', async () => {
    const notH5 = path.join(dir, 'notes.h5');
    await writeFile(notH5, 'this is not HDF5\n'.repeat(10));
    const truncated = path.join(dir, 'truncated.h5');
    await writeFile(truncated, await readFile(stackFile));
    await truncate(truncated, Math.floor((await stat(stackFile)).size / 2));
    const allNaN = path.join(dir, 'allnan.h5');
    await writeMintpyTimeseries(allNaN, { grid, dates: stack.axis.dates, values: new Float32Array(stack.values.length).fill(NaN), unit: 'm' });
    const noUnit = path.join(dir, 'nounit');
    await mkdir(noUnit);
    const n = grid.width * grid.height;
    for (let d = 0; d < 12; d++) await writeGeoTiffFile(path.join(noUnit, `${stack.axis.dates[d]}.tif`), grid, stack.values.slice(d * n, (d + 1) * n), { sampleType: 'float32' });
    const mixed = path.join(dir, 'mixed');
    await mkdir(mixed);
    for (let d = 0; d < 12; d++) {
      const g = d === 5 ? { ...grid, geoTransform: [93.0, 0.001, 0, 34.86, 0, -0.001] as RasterGrid['geoTransform'] } : grid;
      await writeGeoTiffFile(path.join(mixed, `${stack.axis.dates[d]}.tif`), g, stack.values.slice(d * n, (d + 1) * n), { sampleType: 'float32' });
    }
    const dup = path.join(dir, 'dup');
    await mkdir(dup);
    for (const name of ['a_20150101.tif', 'b_20150101.tif']) await writeGeoTiffFile(path.join(dup, name), grid, stack.values.slice(0, n), { sampleType: 'float32' });
    const badMask = path.join(dir, 'mask.h5');
    await writeMintpyRasters(badMask, { ...grid, width: 10 }, { temporalCoherence: new Float32Array(10 * grid.height).fill(1) }, 'temporalCoherence');
    const exists = path.join(dir, 'exists');
    await mkdir(exists);

    const cases: [string[], RegExp][] = [
      [['fit', path.join(dir, 'missing.h5'), '--out', path.join(dir, 'o1')], /missing\.h5/],
      [['fit', notH5, '--out', path.join(dir, 'o2')], /notes\.h5.*HDF5/i],
      [['fit', truncated, '--out', path.join(dir, 'o3')], /truncated\.h5/],
      [['fit', allNaN, '--out', path.join(dir, 'o4'), '--device', 'cpu'], /allnan\.h5.*(NaN|valid)/],
      [['fit', noUnit, '--out', path.join(dir, 'o5')], /nounit.*unit/],
      [['fit', stackFile, '--unit', 'furlongs', '--out', path.join(dir, 'o6')], /--unit.*furlongs/],
      [['fit', mixed, '--unit', 'mm', '--out', path.join(dir, 'o7')], new RegExp(`${stack.axis.dates[5]}\\.tif`)],
      [['fit', dup, '--unit', 'mm', '--out', path.join(dir, 'o8')], /20150101/],
      [['fit', stackFile, '--mask', badMask, '--out', path.join(dir, 'o9')], /mask\.h5.*grid/],
      [['fit', stackFile, '--out', exists], /exists.*--overwrite/],
      [['fit', stackFile, '--out', path.join(dir, 'o11'), '--min-epochs', '300'], /timeseries\.h5.*--min-epochs/],
      [['fit', stackFile, '--out', path.join(dir, 'o12'), '--min-epochs', '5'], /--min-epochs/],
      [['fit', stackFile, '--out', path.join(dir, 'o13'), '--bogus'], /bogus/],
    ];
    // The device is fixed to the CPU: these errors do not depend on it, and a GPU probe per case
    // would only slow the test.
    const results = await Promise.all(cases.map(([args]) => runBin([...args, ...(args.includes('--device') ? [] : ['--device', 'cpu'])])));
    results.forEach((r, i) => {
      const [args, pattern] = cases[i];
      const lines = r.stderr.trim().split('\n');
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).not.toBe(0);
      expect(lines, `${args.join(' ')}`).toHaveLength(1);
      expect(lines[0]).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    });
    for (let i = 1; i <= 13; i++) expect(existsSync(path.join(dir, `o${i}`))).toBe(false);
    const leftovers = (await readdir(dir)).filter((f) => f.includes('partial'));
    expect(leftovers).toEqual([]);
  }, 180_000);
});
