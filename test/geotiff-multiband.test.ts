// Multi-band Cloud-Optimized GeoTIFFs (band-interleaved planes, one description per band), as
// `seasons` writes its by-year products: GDAL's COG validator accepts them, gdalinfo reports
// each band's description ("2016", …) and unit, GDAL reads each band's pixels and each band's
// overviews back, the streamed file equals the in-memory encoding, and our reader reads any band.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RasterGrid } from '../src/core/grid.ts';
import { makeRandom } from '../data/synthetic.ts';
import { createGeoTiffFile, nodeDeflate } from '../src/io/geotiff-write-node.ts';
import { encodeGeoTiff, encodeGeoTiffAsync, type GeoTiffWriteOptions } from '../src/io/geotiff-write.ts';
import { readRaster } from '../src/io/raster-node.ts';
import { GDAL_AVAILABLE, gdalinfoJson } from './support/gdal.ts';

const seed = (Math.random() * 2 ** 31) >>> 0;
console.log(`geotiff-multiband seed ${seed}`);
const random = makeRandom(seed);
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'permasar-multiband-')); });

function plane(width: number, height: number, level: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = random() < 0.05 ? NaN : level + Math.fround(random() * 10);
  return out;
}

function gdalBand(path: string, band: number, ovr: number | null): Float32Array {
  const out = join(dir, `raw-${Math.floor(random() * 1e9)}.bin`);
  execFileSync('gdal_translate', ['-q', '-of', 'ENVI', '-b', String(band), ...(ovr === null ? [] : ['-ovr', String(ovr)]), path, out]);
  const bytes = readFileSync(out);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}

function expectSame(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i]) ? !Number.isNaN(got[i]) : got[i] !== want[i]) throw new Error(`${what}: sample ${i} is ${got[i]}, want ${want[i]} (seed ${seed})`);
  }
}

describe('multi-band COG', () => {
  // 600 × 300: overviews 300 × 150 and 150 × 75; two row bands and three tile columns at full
  // resolution, partial edge tiles included.
  const grid: RasterGrid = { width: 600, height: 300, geoTransform: [500000, 30, 0, 6000000, 0, -30], epsg: 32647 };
  const years = ['2015', '2016', '2017'];
  const opts: GeoTiffWriteOptions = { sampleType: 'float32', bandDescriptions: years, bandUnit: 'mm', metadata: { PRODUCT: 'amplitude_by_year' } };

  it('streams bands in any order; GDAL validates it and reads descriptions, pixels and overviews', async () => {
    const planes = years.map((_, k) => plane(grid.width, grid.height, 100 * (k + 1)));
    const path = join(dir, 'by_year.tif');
    const writer = await createGeoTiffFile(path, grid, opts);
    // Rows of band 3 first, band 1 in two pieces, band 2 last.
    const rows = (p: Float32Array, r0: number, r1: number) => p.subarray(r0 * grid.width, r1 * grid.width);
    await writer.writeRows(0, planes[2], 2);
    await writer.writeRows(100, rows(planes[0], 100, 300), 0);
    await writer.writeRows(0, rows(planes[0], 0, 100), 0);
    await writer.writeRows(0, planes[1], 1);
    await writer.close();
    // The streamed file is the in-memory encoding byte for byte.
    expect(Buffer.compare(readFileSync(path), Buffer.from(await encodeGeoTiffAsync(grid, planes, opts, path, nodeDeflate)))).toBe(0);

    for (let b = 0; b < years.length; b++) {
      const ours = await readRaster(path, { band: b + 1 });
      expect(ours.description).toBe(years[b]);
      expect(ours.unit).toBe('mm');
      expectSame(ours.data, planes[b], `our reader, band ${b + 1}`);
    }
    await expect(readRaster(path, { band: 4 })).rejects.toThrow(/3 band\(s\); band 4/);

    if (!GDAL_AVAILABLE) return;
    const r = spawnSync(PYTHON, ['-m', 'osgeo_utils.samples.validate_cloud_optimized_geotiff', '--full-check=yes', path], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toMatch(/is a valid cloud optimized GeoTIFF/);
    expect(r.stdout + r.stderr).not.toMatch(/warning|error/i);
    const info = gdalinfoJson(path);
    expect(info.bands.map((b: { description: string }) => b.description)).toEqual(years);
    expect(info.bands.map((b: { unit: string }) => b.unit)).toEqual(['mm', 'mm', 'mm']);
    expect(info.metadata?.['IMAGE_STRUCTURE']?.INTERLEAVE).toBe('BAND');
    for (let b = 0; b < years.length; b++) {
      expect(info.bands[b].overviews.length).toBe(2);
      expectSame(gdalBand(path, b + 1, null), planes[b], `GDAL band ${b + 1}`);
      // Each band's overview is its own plane's average: within [100(b+1), 100(b+1) + 10].
      const ovr = gdalBand(path, b + 1, 0);
      expect(ovr.length).toBe(300 * 150);
      const finite = Array.from(ovr).filter(Number.isFinite);
      expect(Math.min(...finite)).toBeGreaterThanOrEqual(100 * (b + 1));
      expect(Math.max(...finite)).toBeLessThanOrEqual(100 * (b + 1) + 10);
    }
  });

  it('a small raster (no overviews) with one band per year, and a missing band is refused at close', async () => {
    const small: RasterGrid = { width: 40, height: 20, geoTransform: [0, 1, 0, 20, 0, -1], epsg: 4326 };
    const planes = years.map((_, k) => plane(small.width, small.height, k));
    const path = join(dir, 'small.tif');
    const writer = await createGeoTiffFile(path, small, opts);
    await writer.writeRows(0, planes[0], 0);
    await writer.writeRows(0, planes[2], 2);
    await expect(writer.close()).rejects.toThrow(/rows never written \(first: row 0 of band 2\)/);
    await writer.discard();
    expect(existsSync(path)).toBe(false);
    const bytes = encodeGeoTiff(small, planes, opts);
    const file = join(dir, 'small-encoded.tif');
    (await import('node:fs')).writeFileSync(file, bytes);
    for (let b = 0; b < 3; b++) expectSame((await readRaster(file, { band: b + 1 })).data, planes[b], `band ${b + 1}`);
    if (GDAL_AVAILABLE) expect(gdalinfoJson(file).bands.map((x: { description: string }) => x.description)).toEqual(years);
  });
});
