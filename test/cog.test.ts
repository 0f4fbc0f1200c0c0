// Cloud-Optimized GeoTIFF output: GDAL's validator accepts it, GDAL reads the pixels back bit
// for bit, the overviews are GDAL's own nodata-aware average (gdaladdo -r average) or nearest,
// and our reader reads our COGs and GDAL-made ones (DEFLATE, ZSTD).

import { describe, expect, it, beforeAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RasterGrid } from '../src/core/grid.ts';
import { makeRandom } from '../data/synthetic.ts';
import { createGeoTiffFile, nodeDeflate, writeGeoTiffFile } from '../src/io/geotiff-write-node.ts';
import { encodeGeoTiff, encodeGeoTiffAsync, type GeoTiffWriteOptions } from '../src/io/geotiff-write.ts';
import { readRaster } from '../src/io/raster-node.ts';
import { GDAL_AVAILABLE, gdalinfoJson } from './support/gdal.ts';

const seed = (Date.now() ^ 0xc06) >>> 0;
console.log(`cog.test seed ${seed}`);
const random = makeRandom(seed);

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'permasar-cog-')); });

/** Debian's python3-gdal lives under /usr/bin/python3 (a pyenv python3 may shadow it). */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

function validateCog(path: string): void {
  if (!GDAL_AVAILABLE) return;
  const r = spawnSync(PYTHON, ['-m', 'osgeo_utils.samples.validate_cloud_optimized_geotiff', '--full-check=yes', path], { encoding: 'utf8' });
  expect(r.stdout + r.stderr).toMatch(/is a valid cloud optimized GeoTIFF/);
  expect(r.stdout + r.stderr).not.toMatch(/warning|error/i);
  expect(r.status).toBe(0);
}

/** GDAL's pixels of a file (or of overview `ovr`), as raw little-endian samples. */
function gdalPixels(path: string, ovr: number | null, type: 'float32' | 'uint8'): Float32Array | Uint8Array {
  const out = join(dir, `raw-${Math.floor(random() * 1e9)}.bin`);
  execFileSync('gdal_translate', ['-q', '-of', 'ENVI', ...(ovr === null ? [] : ['-ovr', String(ovr)]), path, out]);
  const bytes = readFileSync(out);
  return type === 'float32' ? new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4) : new Uint8Array(bytes);
}

function expectSameSamples(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i]) ? !Number.isNaN(got[i]) : got[i] !== want[i]) {
      throw new Error(`${what}: sample ${i} is ${got[i]}, want ${want[i]} (seed ${seed})`);
    }
  }
}

/** A smooth field with NaN holes (a block and scattered pixels), so overviews meet both. */
function field(width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  const [a, b] = [random() * 0.05, random() * 0.05];
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const i = r * width + c;
      out[i] = 10 * Math.sin(a * c) * Math.cos(b * r) + (random() - 0.5);
      if (random() < 0.05 || (r >= 10 && r < 14 && c >= 4 && c < 8)) out[i] = Number.NaN;
    }
  }
  return out;
}

/** Writes rows in shuffled blocks of 1…97 rows, as a tiled pipeline might deliver them. */
async function writeStreamed(path: string, grid: RasterGrid, data: Float32Array | Uint8Array, opts: GeoTiffWriteOptions): Promise<void> {
  const blocks: [number, number][] = [];
  for (let r = 0; r < grid.height;) {
    const n = Math.min(grid.height - r, 1 + Math.floor(random() * 97));
    blocks.push([r, n]);
    r += n;
  }
  for (let i = blocks.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [blocks[i], blocks[j]] = [blocks[j], blocks[i]];
  }
  const w = await createGeoTiffFile(path, grid, opts);
  for (const [r, n] of blocks) await w.writeRows(r, data.subarray(r * grid.width, (r + n) * grid.width));
  await w.close();
}

const shapes: { name: string; width: number; height: number }[] = [
  { name: 'non-square, overviews', width: 700, height: 530 },
  { name: 'one pixel wide', width: 1, height: 300 },
  { name: 'smaller than a tile', width: 37, height: 23 },
  { name: 'height not a multiple of the tile', width: 260, height: 1000 },
];

describe('COG writer', () => {
  for (const shape of shapes) {
    it(`float32, ${shape.name} (${shape.width}×${shape.height}): valid COG, GDAL reads it bit for bit`, async () => {
      const grid: RasterGrid = { width: shape.width, height: shape.height, geoTransform: [500000, 30, 0, 4000000, 0, -30], epsg: 32646 };
      const values = field(shape.width, shape.height);
      const path = join(dir, `f-${shape.width}x${shape.height}.tif`);
      const opts: GeoTiffWriteOptions = { sampleType: 'float32', bandUnit: 'mm/yr', bandDescription: 'rate', metadata: { PRODUCT: 'rate' } };
      await writeStreamed(path, grid, values, opts);
      // The in-memory encoder makes the same bytes with the same deflate (node:zlib here) …
      expect(Buffer.from(await encodeGeoTiffAsync(grid, values, opts, path, nodeDeflate)).equals(readFileSync(path))).toBe(true);
      // … and with fflate (the web app's downloads) other zlib streams of the same tiles: a
      // valid COG with the same pixels, as GDAL and our reader see them.
      const webPath = join(dir, `web-${shape.width}x${shape.height}.tif`);
      writeFileSync(webPath, encodeGeoTiff(grid, values, opts));
      validateCog(webPath);
      expectSameSamples((await readRaster(webPath)).data, values, 'our reader, fflate encoding');
      if (GDAL_AVAILABLE) expectSameSamples(gdalPixels(webPath, null, 'float32'), values, 'GDAL, fflate encoding');
      expect(readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
      validateCog(path);

      const back = await readRaster(path);
      expect(back.grid).toEqual(grid);
      expectSameSamples(back.data, values, 'our reader');
      const info = gdalinfoJson(path, ['-mdd', 'all']);
      if (!info) return;
      expect(info.metadata.IMAGE_STRUCTURE).toMatchObject({ COMPRESSION: 'DEFLATE', PREDICTOR: '3' });
      const band = info.bands[0];
      expect(band.block).toEqual([256, 256]);
      expect(band.noDataValue).toBe('NaN');
      expect(band.unit).toBe('mm/yr');
      expect(band.description).toBe('rate');
      expect(info.metadata[''].PRODUCT).toBe('rate');
      expectSameSamples(gdalPixels(path, null, 'float32'), values, 'GDAL');
      const expectOverviews = Math.max(shape.width, shape.height) > 256;
      expect((band.overviews ?? []).length > 0).toBe(expectOverviews);
      if (expectOverviews) {
        const last = band.overviews[band.overviews.length - 1].size;
        expect(Math.max(...last)).toBeLessThanOrEqual(256);
      }
    });
  }

  it('overview level 1 is what gdaladdo -r average makes: NaN left out, all-NaN blocks NaN', async () => {
    if (!GDAL_AVAILABLE) return;
    const grid: RasterGrid = { width: 600, height: 420, geoTransform: [91, 0.001, 0, 35, 0, -0.001], epsg: 4326 };
    const values = field(grid.width, grid.height);
    for (let r = 100; r < 140; r++) values.fill(Number.NaN, r * grid.width + 200, r * grid.width + 260); // all-NaN blocks
    const path = join(dir, 'avg.tif');
    await writeGeoTiffFile(path, grid, values, { sampleType: 'float32' });
    // GDAL's own: the same pixels, no overviews, then gdaladdo -r average with factor 2.
    const plain = join(dir, 'avg-gdal.tif');
    execFileSync('gdal_translate', ['-q', '-co', 'TILED=NO', path, plain]);
    execFileSync('gdaladdo', ['-q', '-r', 'average', plain, '2']);
    const ours = gdalPixels(path, 0, 'float32') as Float32Array;
    const gdal = gdalPixels(plain, 0, 'float32') as Float32Array;
    expect(ours.length).toBe(300 * 210);
    let nan = 0;
    for (let i = 0; i < gdal.length; i++) {
      expect(Number.isNaN(ours[i]), `NaN pattern at ${i} (seed ${seed})`).toBe(Number.isNaN(gdal[i]));
      if (Number.isNaN(gdal[i])) { nan++; continue; }
      expect(Math.abs(ours[i] - gdal[i]), `pixel ${i} (seed ${seed})`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(gdal[i])));
    }
    expect(nan).toBeGreaterThanOrEqual(20 * 30); // the all-NaN area stays NaN
  });

  it('uint8 classes: horizontal predictor, nearest overviews (only class values appear), 255 nodata', async () => {
    const grid: RasterGrid = { width: 513, height: 300, geoTransform: [400000, 30, 0, 3900000, 0, -30], epsg: 32646 };
    const classes = new Uint8Array(grid.width * grid.height).map(() => (random() < 0.1 ? 255 : Math.floor(random() * 3)));
    const path = join(dir, 'classes.tif');
    await writeStreamed(path, grid, classes, { sampleType: 'uint8', nodata: 255, bandMetadata: { '0': 'a', '1': 'b', '2': 'c' } });
    validateCog(path);
    const back = await readRaster(path);
    expectSameSamples(back.data, Float32Array.from(classes, (v) => (v === 255 ? Number.NaN : v)), 'our reader');
    const info = gdalinfoJson(path);
    if (!info) return;
    expect(info.metadata.IMAGE_STRUCTURE).toMatchObject({ COMPRESSION: 'DEFLATE', PREDICTOR: '2' });
    expect(info.bands[0].noDataValue).toBe(255);
    expectSameSamples(gdalPixels(path, null, 'uint8'), classes, 'GDAL');
    const ovr = gdalPixels(path, 0, 'uint8');
    // Nearest: overview pixel (i, j) is source pixel (2i + 1, 2j + 1), clipped at the edge.
    const ow = Math.ceil(grid.width / 2);
    for (let j = 0; j < Math.ceil(grid.height / 2); j++) {
      for (let i = 0; i < ow; i++) {
        const src = Math.min(2 * j + 1, grid.height - 1) * grid.width + Math.min(2 * i + 1, grid.width - 1);
        if (ovr[j * ow + i] !== classes[src]) throw new Error(`overview pixel ${i},${j}: ${ovr[j * ow + i]} ≠ ${classes[src]} (seed ${seed})`);
      }
    }
  });

  it('forced BigTIFF: a valid COG with 64-bit offsets', async () => {
    const grid: RasterGrid = { width: 300, height: 290, geoTransform: [500000, 30, 0, 4000000, 0, -30], epsg: 4540 };
    const values = field(grid.width, grid.height);
    const path = join(dir, 'big.tif');
    await writeStreamed(path, grid, values, { sampleType: 'float32', bigTiff: true });
    expect(readFileSync(path)[2]).toBe(43);
    validateCog(path);
    expectSameSamples((await readRaster(path)).data, values, 'our reader');
    if (GDAL_AVAILABLE) expectSameSamples(gdalPixels(path, null, 'float32'), values, 'GDAL');
  });
});

describe('readers take GDAL-made COGs', () => {
  for (const compress of ['DEFLATE', 'ZSTD']) {
    it(`gdal_translate -of COG -co COMPRESS=${compress}`, async () => {
      if (!GDAL_AVAILABLE) return;
      const grid: RasterGrid = { width: 640, height: 333, geoTransform: [91, 0.001, 0, 35, 0, -0.001], epsg: 4490 };
      const values = field(grid.width, grid.height);
      const src = join(dir, `src-${compress}.tif`);
      await writeGeoTiffFile(src, grid, values, { sampleType: 'float32' });
      const cog = join(dir, `gdal-${compress}.tif`);
      execFileSync('gdal_translate', ['-q', '-of', 'COG', '-co', `COMPRESS=${compress}`, '-co', 'PREDICTOR=YES', src, cog]);
      expect(gdalinfoJson(cog).metadata.IMAGE_STRUCTURE.COMPRESSION).toBe(compress);
      const back = await readRaster(cog);
      expect(back.grid).toEqual(grid);
      expectSameSamples(back.data, values, `GDAL ${compress} COG`);
    });
  }
});
