// Stack readers on files made here: MintPy timeseries.h5 (written with h5wasm in MintPy's
// layout) and folders of dated GeoTIFFs; and every bad input answered by a one-line InputError.

import { describe, expect, it, beforeAll } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { RasterGrid } from '../src/core/grid.ts';
import { isInputError } from '../src/core/errors.ts';
import { openStack } from '../src/io/stack-node.ts';
import { dateFromFileName } from '../src/io/stack.ts';
import { writeMintpyRasters, writeMintpyTimeseries } from '../src/io/mintpy-h5-write-node.ts';
import { writeGeoTiffFile } from '../src/io/geotiff-write-node.ts';
import { readGeometry, readH5Dataset2d, readRaster, openRasterRows } from '../src/io/raster-node.ts';
import { mintpyAzimuthToHeadingDeg } from '../src/io/mintpy-h5.ts';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'permasar-io-stack-')); });

const grid: RasterGrid = { width: 7, height: 5, geoTransform: [91.5, 0.001, 0, 35.25, 0, -0.001], epsg: 4326 };
const dates = ['20150105', '20150117', '20150129', '20150210'];
const nPix = grid.width * grid.height;

/** Value that encodes (date, row, col), so a misplaced pixel cannot pass. */
function cube(): Float32Array {
  const v = new Float32Array(dates.length * nPix);
  for (let d = 0; d < dates.length; d++) for (let p = 0; p < nPix; p++) v[d * nPix + p] = d * 1000 + p;
  v[2 * nPix + 3] = Number.NaN;
  return v;
}

/** Expects an InputError naming `file` whose message is one line matching `pattern`. */
async function expectInputError(promise: Promise<unknown>, file: string, pattern: RegExp): Promise<void> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(isInputError(error), `expected InputError, got ${String(error)}`).toBe(true);
  const e = error as Error & { file: string };
  expect(e.file).toBe(file);
  expect(e.message).not.toContain('\n');
  expect(e.message).toMatch(pattern);
}

describe('MintPy timeseries.h5', () => {
  it('reads grid, dates, attributes and row blocks in tile layout', async () => {
    for (const chunks of [undefined, [2, 2, 4] as [number, number, number]]) {
      const path = join(dir, `ts-${chunks ? 'chunked' : 'plain'}.h5`);
      const values = cube();
      await writeMintpyTimeseries(path, { grid, dates, values, refDate: '20150105', wavelengthM: 0.05546576, chunks });
      const stack = await openStack(path);
      expect(stack.format).toBe('mintpy-h5');
      expect(stack.grid).toEqual(grid);
      expect(stack.dates).toEqual(dates);
      expect(stack.unit).toBe('m');
      expect(stack.refDate).toBe('20150105');
      expect(stack.wavelengthM).toBeCloseTo(0.05546576, 9);
      expect(stack.attributes.FILE_TYPE).toBe('timeseries');
      const rows = await stack.readRows(1, 3);
      const w = grid.width;
      for (let d = 0; d < dates.length; d++) {
        for (let r = 0; r < 3; r++) for (let c = 0; c < w; c++) {
          expect(rows[(d * 3 + r) * w + c]).toEqual(values[d * nPix + (r + 1) * w + c]);
        }
      }
      expect(Number.isNaN((await stack.readRows(0, 1))[2 * w + 3])).toBe(true);
      await expect(stack.readRows(4, 2)).rejects.toThrow(/outside/);
      stack.close();
    }
  });

  it('refuses radar-coded, truncated, non-HDF5 and missing files with one line', async () => {
    const radar = join(dir, 'radar.h5');
    await writeMintpyTimeseries(radar, { grid, dates, values: cube() });
    // Rewrite without X_FIRST etc. by writing a geometry-less copy through the raster writer.
    const { default: h5wasm } = await import('h5wasm/node');
    await h5wasm.ready;
    const f = new h5wasm.File(radar, 'a');
    for (const k of ['X_FIRST', 'Y_FIRST', 'X_STEP', 'Y_STEP']) f.delete_attribute(k);
    f.close();
    await expectInputError(openStack(radar), radar, /not geocoded/);

    const good = join(dir, 'good.h5');
    await writeMintpyTimeseries(good, { grid, dates, values: cube() });
    const truncated = join(dir, 'truncated.h5');
    const bytes = readFileSync(good);
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectInputError(openStack(truncated), truncated, /truncated HDF5 file/);
    // Cut anywhere past the signature: always the same one line, caught before h5wasm sees it.
    for (const fraction of [0.01, 0.1, 0.9, 0.999]) {
      writeFileSync(truncated, bytes.subarray(0, Math.max(9, Math.floor(bytes.length * fraction))));
      await expectInputError(openStack(truncated), truncated, /truncated HDF5 file|not an HDF5 file/);
    }
    // Overwritten metadata, same size: HDF5 itself fails; its message becomes our one line.
    const corrupt = join(dir, 'corrupt.h5');
    const damaged = Buffer.from(bytes);
    damaged.fill(0xab, 100, 2000);
    writeFileSync(corrupt, damaged);
    await expectInputError(openStack(corrupt), corrupt, /cannot read dataset "timeseries": .*checksum/);

    const text = join(dir, 'notes.h5');
    writeFileSync(text, 'this is not HDF5 at all, just some text\n'.repeat(40));
    await expectInputError(openStack(text), text, /not an HDF5 file/);

    const missing = join(dir, 'nope.h5');
    await expectInputError(openStack(missing), missing, /not found/);

    const noTs = join(dir, 'geometry-as-stack.h5');
    await writeMintpyRasters(noTs, grid, { incidenceAngle: new Float32Array(nPix).fill(35) }, 'geometry');
    await expectInputError(openStack(noTs), noTs, /no dataset "timeseries" \(has: incidenceAngle\)/);
  });

  it('prints nothing to stderr and keeps the process alive on bad HDF5 files', async () => {
    const good = join(dir, 'child-good.h5');
    await writeMintpyTimeseries(good, { grid, dates, values: cube() });
    const bytes = readFileSync(good);
    const truncated = join(dir, 'child-truncated.h5');
    writeFileSync(truncated, bytes.subarray(0, bytes.length >> 1));
    const corrupt = join(dir, 'child-corrupt.h5');
    writeFileSync(corrupt, Buffer.from(bytes).fill(0xab, 100, 2000));
    const script = join(dir, 'child-open.mts');
    writeFileSync(script, `
      import { openStack } from ${JSON.stringify(resolve('src/io/stack-node.ts'))};
      for (const p of ${JSON.stringify([truncated, corrupt])}) {
        try { await openStack(p); console.log('opened?!'); } catch (e) { console.log(e.name + ' ' + e.message); }
      }
      console.log('alive');
    `);
    const result = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: resolve('.'), encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^InputError .*child-truncated\.h5: truncated HDF5 file/);
    expect(lines[1]).toMatch(/^InputError .*child-corrupt\.h5: cannot read dataset "timeseries"/);
    expect(lines[2]).toBe('alive');
  });

  it('refuses unsorted or malformed dates', async () => {
    const path = join(dir, 'baddates.h5');
    await writeMintpyTimeseries(path, { grid, dates: ['20150105', '20150230', '20150129', '20150210'], values: cube() });
    await expectInputError(openStack(path), path, /date 2 is "20150230", not YYYYMMDD/);
    const dup = join(dir, 'dupdates.h5');
    await writeMintpyTimeseries(dup, { grid, dates: ['20150105', '20150117', '20150117', '20150210'], values: cube() });
    await expectInputError(openStack(dup), dup, /duplicate date 20150117/);
  });
});

describe('folder of dated GeoTIFFs', () => {
  async function makeFolder(name: string, names: string[], opts: { nodata?: number; grids?: (RasterGrid | undefined)[] } = {}): Promise<string> {
    const folder = join(dir, name);
    mkdirSync(folder);
    const values = cube();
    for (let i = 0; i < names.length; i++) {
      const g = opts.grids?.[i] ?? grid;
      const date = dateFromFileName(names[i]);
      const d = date ? dates.indexOf(date) : 0;
      const band = new Float32Array(g.width * g.height);
      band.set(values.subarray(d * nPix, d * nPix + Math.min(nPix, band.length)));
      if (opts.nodata !== undefined) band.forEach((v, p) => { if (Number.isNaN(v)) band[p] = opts.nodata!; });
      await writeGeoTiffFile(join(folder, names[i]), g, band, { sampleType: 'float32', nodata: opts.nodata, bandUnit: 'mm' });
    }
    return folder;
  }

  it('sorts by date, reads windows, nodata → NaN, ignores undated files', async () => {
    const folder = await makeFolder('tifs', ['S1_20150210_los.tif', 'S1_20150105_los.tif', 'disp_20150129-20150105.tif', 'S1_20150117_los.TIF', 'quicklook.tif'], { nodata: -9999 });
    writeFileSync(join(folder, 'readme_20150301.txt'), 'not a tif');
    const stack = await openStack(folder);
    expect(stack.format).toBe('geotiff-folder');
    expect(stack.dates).toEqual(dates);
    expect(stack.grid).toEqual(grid);
    expect(stack.unit).toBe('mm');
    const values = cube();
    const rows = await stack.readRows(0, grid.height);
    expect(rows.length).toBe(values.length);
    for (let i = 0; i < values.length; i++) expect(rows[i]).toEqual(values[i]);
    const block = await stack.readRows(2, 2);
    expect(block[(3 * 2 + 1) * grid.width + 4]).toBe(values[3 * nPix + 3 * grid.width + 4]);
    stack.close();
  });

  it('names the first file whose grid differs, and how', async () => {
    const shifted: RasterGrid = { ...grid, geoTransform: [91.6, 0.001, 0, 35.25, 0, -0.001] };
    const smaller: RasterGrid = { ...grid, width: 6 };
    const utm: RasterGrid = { ...grid, epsg: 32646 };
    const a = await makeFolder('shifted', ['a_20150105.tif', 'b_20150117.tif'], { grids: [grid, shifted] });
    await expectInputError(openStack(a), join(a, 'b_20150117.tif'), /geotransform differs .* of a_20150105\.tif/);
    const b = await makeFolder('smaller', ['a_20150105.tif', 'b_20150117.tif', 'c_20150129.tif'], { grids: [grid, grid, smaller] });
    await expectInputError(openStack(b), join(b, 'c_20150129.tif'), /size 6×5, not 7×5 of a_20150105\.tif/);
    const c = await makeFolder('crs', ['a_20150105.tif', 'b_20150117.tif'], { grids: [grid, utm] });
    await expectInputError(openStack(c), join(c, 'b_20150117.tif'), /CRS EPSG:32646, not EPSG:4326/);
  });

  it('refuses duplicate dates, folders without dated tifs, truncated tifs', async () => {
    const dup = await makeFolder('dup', ['x_20150105.tif', 'y_20150105.tif']);
    await expectInputError(openStack(dup), join(dup, 'y_20150105.tif'), /same date 20150105 as x_20150105\.tif/);
    const none = await makeFolder('none', ['quicklook.tif']);
    await expectInputError(openStack(none), none, /no GeoTIFF with a YYYYMMDD date/);
    const trunc = await makeFolder('trunc', ['a_20150105.tif', 'b_20150117.tif']);
    const victim = join(trunc, 'b_20150117.tif');
    const bytes = readFileSync(victim);
    writeFileSync(victim, bytes.subarray(0, bytes.length - 40));
    await expectInputError(openStack(trunc), victim, /truncated: pixel data runs to byte \d+ but the file has \d+ bytes/);
    const junk = await makeFolder('junk', ['a_20150105.tif']);
    writeFileSync(join(junk, 'b_20150117.tif'), 'GIF89a not a tiff at all');
    await expectInputError(openStack(junk), join(junk, 'b_20150117.tif'), /not a readable TIFF/);
  });

  it('takes the first 8-digit run that is a real date', () => {
    expect(dateFromFileName('S1A_20150312_20150324.tif')).toBe('20150312');
    expect(dateFromFileName('track12345678_20150312.tif')).toBe('20150312');
    expect(dateFromFileName('20151332_20150101.tif')).toBe('20150101');
    expect(dateFromFileName('ts_201503121200.tif')).toBeNull();
  });
});

describe('single rasters and geometry from HDF5', () => {
  it('reads 2-D datasets, windows of them, and geometry angles', async () => {
    const geom = join(dir, 'geometryGeo.h5');
    const incidence = new Float32Array(nPix).map((_, i) => 30 + i * 0.1);
    incidence[4] = 0; // outside the swath in MintPy
    const azimuth = new Float32Array(nPix).fill(102.5);
    await writeMintpyRasters(geom, grid, { incidenceAngle: incidence, azimuthAngle: azimuth, height: new Float32Array(nPix) }, 'geometry');
    const g = await readGeometry(geom);
    expect(g.grid).toEqual(grid);
    expect(g.incidenceAngleDeg[5]).toBeCloseTo(30.5, 5);
    expect(Number.isNaN(g.incidenceAngleDeg[4])).toBe(true);
    expect(Number.isNaN(g.azimuthAngleDeg![4])).toBe(true);
    expect(g.azimuthAngleDeg![0]).toBe(102.5);
    expect(mintpyAzimuthToHeadingDeg(102.5)).toBeCloseTo(-12.5, 9);
    expect(mintpyAzimuthToHeadingDeg(-102.5)).toBeCloseTo(-167.5, 9);

    const window = await readH5Dataset2d(geom, 'incidenceAngle', { row0: 2, nRows: 2 });
    expect(window.grid.height).toBe(2);
    expect(window.grid.geoTransform[3]).toBeCloseTo(35.25 - 2 * 0.001, 12);
    expect(window.data[0]).toBeCloseTo(incidence[2 * grid.width], 6);

    // geometryGeo.h5 as a single raster means its incidence angle (`--incidence geometryGeo.h5`).
    expect((await readRaster(geom)).description).toBe('incidenceAngle');
    const several = join(dir, 'several.h5');
    await writeMintpyRasters(several, grid, { a: incidence, b: incidence }, 'misc');
    await expectInputError(readRaster(several), several, /several datasets \(a, b\); say which one/);
    const cohPath = join(dir, 'temporalCoherence.h5');
    const coherence = new Float32Array(nPix).map((_, i) => i / nPix);
    await writeMintpyRasters(cohPath, grid, { temporalCoherence: coherence }, 'temporalCoherence');
    const coh = await readRaster(cohPath);
    expect(coh.grid).toEqual(grid);
    expect(Array.from(coh.data)).toEqual(Array.from(coherence));
    const rows = await openRasterRows(cohPath);
    expect(Array.from(await rows.readRows(1, 1))).toEqual(Array.from(coherence.subarray(grid.width, 2 * grid.width)));
    rows.close();
    await expectInputError(readH5Dataset2d(cohPath, 'mask'), cohPath, /no dataset "mask" \(has: temporalCoherence\)/);
    await expectInputError(readGeometry(cohPath), cohPath, /not a MintPy geometry file/);
  });

  it('reads a GeoTIFF band in windows', async () => {
    const path = join(dir, 'incidence.tif');
    const values = new Float32Array(nPix).map((_, i) => 33 + i);
    await writeGeoTiffFile(path, grid, values, { sampleType: 'float32' });
    const reader = await openRasterRows(path);
    expect(reader.info.grid).toEqual(grid);
    expect(Array.from(await reader.readRows(3, 2))).toEqual(Array.from(values.subarray(3 * grid.width, 5 * grid.width)));
    reader.close();
    await expectInputError(readRaster(path, { band: 2 }), path, /has 1 band\(s\); band 2 asked for/);
    copyFileSync(path, join(dir, 'copy.tif'));
  });
});
