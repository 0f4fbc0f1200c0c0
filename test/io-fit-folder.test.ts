// Reading a fit output folder back.

import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RasterGrid } from '../src/core/grid.ts';
import { FIT_PRODUCT_NAMES, readFitFolder } from '../src/io/fit-folder-node.ts';
import { writeGeoTiffFile } from '../src/io/geotiff-write-node.ts';
import { FIT_PRODUCT_INFO } from '../src/pipeline/fit-products.ts';

const grid: RasterGrid = { width: 4, height: 3, geoTransform: [400000, 30, 0, 3900000, 0, -30], epsg: 32646 };

describe('readFitFolder', () => {
  it('uses the same product file names as the pipeline', () => {
    expect(FIT_PRODUCT_NAMES.map((n) => `${n}.tif`)).toEqual(FIT_PRODUCT_INFO.map((p) => p.file));
  });

  it('lists products, loads summary.json, reads rasters', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'permasar-io-fit-'));
    const rate = new Float32Array(12).map((_, i) => i - 6);
    rate[3] = Number.NaN;
    await writeGeoTiffFile(join(dir, 'rate.tif'), grid, rate, { sampleType: 'float32', bandUnit: 'mm/yr' });
    await writeGeoTiffFile(join(dir, 'timing.tif'), grid, new Float32Array(12).fill(200), { sampleType: 'float32' });
    await writeGeoTiffFile(join(dir, 'incidence.tif'), grid, new Float32Array(12).fill(39), { sampleType: 'float32' });
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ counts: { seasonal: 5 } }));
    writeFileSync(join(dir, 'rate.png'), '');
    const folder = await readFitFolder(dir);
    expect(folder.products).toEqual(['rate', 'timing']);
    expect(folder.otherRasters).toEqual(['incidence.tif']);
    expect(folder.summary).toEqual({ counts: { seasonal: 5 } });
    const r = await folder.readProduct('rate');
    expect(r.grid).toEqual(grid);
    expect(r.unit).toBe('mm/yr');
    expect(Number.isNaN(r.data[3])).toBe(true);
    expect(r.data[0]).toBe(-6);
    expect((await folder.readProduct('incidence.tif')).data[0]).toBe(39);
    await expect(folder.readProduct('amplitude')).rejects.toThrow(`${join(dir, 'amplitude.tif')}: not in this fit output (has: rate.tif, timing.tif, incidence.tif)`);
  });

  it('refuses what is not a fit output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'permasar-io-fit-'));
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'notes.txt'), '');
    await expect(readFitFolder(empty)).rejects.toThrow(`${empty}: not a permasar fit output`);
    await expect(readFitFolder(join(empty, 'notes.txt'))).rejects.toThrow(/not a folder/);
    await expect(readFitFolder(join(dir, 'nope'))).rejects.toThrow(/nope: not found/);
    const broken = join(dir, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'summary.json'), '{');
    await expect(readFitFolder(broken)).rejects.toThrow(/summary\.json: not valid JSON/);
  });
});
