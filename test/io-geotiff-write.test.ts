// GeoTIFF writer: geotiff.js reads back what we wrote, and GDAL (gdalinfo -json) sees the CRS,
// geotransform, nodata and metadata.

import { describe, expect, it, beforeAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromFile } from 'geotiff';
import type { RasterGrid } from '../src/core/grid.ts';
import { encodeGeoTiff } from '../src/io/geotiff-write.ts';
import { createGeoTiffFile, writeGeoTiffFile } from '../src/io/geotiff-write-node.ts';
import { readRaster } from '../src/io/raster-node.ts';
import { gdalinfoJson } from './support/gdal.ts';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'permasar-io-gtw-')); });

const geographic: RasterGrid = { width: 37, height: 23, geoTransform: [91.5, 0.001, 0, 35.25, 0, -0.0008], epsg: 4326 };
const utm: RasterGrid = { width: 300, height: 1200, geoTransform: [400000, 30, 0, 3900000, 0, -30], epsg: 32646 };

function ramp(n: number): Float32Array {
  const a = new Float32Array(n).map((_, i) => i * 0.25 - 7);
  a[0] = Number.NaN;
  a[5] = Number.NaN;
  return a;
}

describe('GeoTIFF writer', () => {
  it('streams float32 rows out of order; geotiff.js and GDAL read them back', async () => {
    const path = join(dir, 'rate.tif');
    const values = ramp(geographic.width * geographic.height);
    const w = await createGeoTiffFile(path, geographic, {
      sampleType: 'float32',
      metadata: { UNITS: 'mm/yr', PRODUCT: 'rate & <std>' },
      bandDescription: 'secular rate',
      bandUnit: 'mm/yr',
    });
    const width = geographic.width;
    await w.writeRows(10, values.subarray(10 * width, 23 * width));
    await w.writeRows(0, values.subarray(0, 10 * width));
    await w.close();

    const tiff = await fromFile(path);
    const image = await tiff.getImage();
    expect([image.getWidth(), image.getHeight()]).toEqual([37, 23]);
    const [band] = (await image.readRasters()) as unknown as Float32Array[];
    expect(Array.from(band)).toEqual(Array.from(values));
    tiff.close();

    const back = await readRaster(path);
    expect(back.grid).toEqual(geographic);
    expect(Number.isNaN(back.nodata)).toBe(true);
    expect(back.metadata.UNITS).toBe('mm/yr');
    expect(back.metadata.PRODUCT).toBe('rate & <std>');
    expect(back.unit).toBe('mm/yr');
    expect(back.description).toBe('secular rate');

    const info = gdalinfoJson(path, ['-mdd', 'all']);
    if (info) {
      expect(info.size).toEqual([37, 23]);
      expect(info.geoTransform).toEqual([91.5, 0.001, 0, 35.25, 0, -0.0008]);
      expect(info.coordinateSystem.wkt).toMatch(/ID\["EPSG",4326\]\]$/);
      expect(info.metadata[''].UNITS).toBe('mm/yr');
      expect(info.metadata[''].AREA_OR_POINT).toBe('Area');
      const b = info.bands[0];
      expect(b.type).toBe('Float32');
      expect(b.noDataValue).toBe('NaN');
      expect(b.description).toBe('secular rate');
      expect(b.unit).toBe('mm/yr');
    }
  });

  it('writes a projected (UTM 46N) uint8 raster with 255 nodata', async () => {
    const path = join(dir, 'seasonal.tif');
    const flags = new Uint8Array(utm.width * utm.height).map((_, i) => (i % 7 === 0 ? 255 : i % 2));
    await writeGeoTiffFile(path, utm, flags, { sampleType: 'uint8', bandMetadata: { '0': 'not seasonal', '1': 'seasonal' } });
    const info = gdalinfoJson(path, ['-mdd', 'all']);
    if (info) {
      expect(info.geoTransform).toEqual([400000, 30, 0, 3900000, 0, -30]);
      expect(info.coordinateSystem.wkt).toMatch(/^PROJCRS\["WGS 84 \/ UTM zone 46N"/);
      expect(info.coordinateSystem.wkt).toMatch(/ID\["EPSG",32646\]\]$/);
      expect(info.bands[0].type).toBe('Byte');
      expect(info.bands[0].noDataValue).toBe(255);
      expect(info.bands[0].metadata['']['1']).toBe('seasonal');
    }
    const back = await readRaster(path);
    expect(back.grid).toEqual(utm);
    expect(back.nodata).toBe(255);
    expect(Number.isNaN(back.data[0])).toBe(true);
    expect(back.data[1]).toBe(1);
    expect(back.data[2]).toBe(0);
    expect(readFileSync(path)[2]).toBe(42); // classic TIFF: far below 4 GiB
  });

  it('writes BigTIFF that GDAL and geotiff.js read', async () => {
    const path = join(dir, 'big.tif');
    const values = ramp(utm.width * utm.height);
    writeFileSync(path, encodeGeoTiff(utm, values, { sampleType: 'float32', bigTiff: true, metadata: { NOTE: 'µ ± ok' } }));
    expect(readFileSync(path)[2]).toBe(43);
    const info = gdalinfoJson(path, ['-mdd', 'all']);
    if (info) {
      expect(info.metadata[''].NOTE).toBe('µ ± ok');
      expect(info.geoTransform).toEqual([400000, 30, 0, 3900000, 0, -30]);
    }
    const back = await readRaster(path);
    expect(Array.from(back.data.subarray(0, 20))).toEqual(Array.from(values.subarray(0, 20)));
    expect(back.data[values.length - 1]).toBe(values[values.length - 1]);
  });

  it('refuses to close a file with rows never written', async () => {
    const w = await createGeoTiffFile(join(dir, 'partial.tif'), geographic, { sampleType: 'float32' });
    await w.writeRows(0, new Float32Array(geographic.width * 5));
    await expect(w.close()).rejects.toThrow(/18 rows never written \(first: row 5\)/);
    await w.discard();
    // Nothing half-written: neither the product nor its tile store is left.
    expect(existsSync(join(dir, 'partial.tif'))).toBe(false);
    expect(existsSync(join(dir, 'partial.tif.tiles.partial'))).toBe(false);
    await expect(w.writeRows(20, new Float32Array(geographic.width * 5))).rejects.toThrow(/outside/);
  });
});
