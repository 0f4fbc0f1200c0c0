// Our resampling (src/core/resample.ts) against gdalwarp itself: a smooth field with NaN holes
// written as a GeoTIFF by our writer, warped by `gdalwarp -r bilinear|near -srcnodata nan
// -dstnodata nan -et 0` onto target grids that are shifted, finer, slightly and much coarser,
// identical, integer-shifted, and in another CRS (EPSG:4326 ↔ EPSG:4540, CGCS2000 / 3-degree
// Gauss-Krüger CM 93E). Values agree within 1e-4 relative where both have one, and the NaN sets
// are equal. Fresh seed every run (printed; replay with PERMASAR_RESAMPLE_SEED=<n>).
// -et 0: gdalwarp's default approximates the transformer to 0.125 pixel, which alone would
// exceed 1e-4; exact transforms make the comparison about the kernel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeRandom } from '../data/synthetic.ts';
import type { RasterGrid } from '../src/core/grid.ts';
import { resampleToGrid, warpScale, type CoordinateTransform } from '../src/core/resample.ts';
import { proj4Converter } from '../src/io/crs.ts';
import { writeGeoTiffFile } from '../src/io/geotiff-write-node.ts';
import { readRaster } from '../src/io/raster-node.ts';
import { GDAL_AVAILABLE } from './support/gdal.ts';

const seed = process.env.PERMASAR_RESAMPLE_SEED ? Number(process.env.PERMASAR_RESAMPLE_SEED) : (Math.random() * 2 ** 31) >>> 0;
console.log(`resample vs gdalwarp: seed ${seed} (replay with PERMASAR_RESAMPLE_SEED=${seed})`);
const random = makeRandom(seed);

/** A smooth field (rates in mm/yr, say) with round NaN holes and scattered NaN pixels. */
function fieldWithHoles(width: number, height: number): Float32Array {
  const data = new Float32Array(width * height);
  const k = [1 + random() * 3, 1 + random() * 3, random() * 6, random() * 6];
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      data[r * width + c] = 20 * Math.sin((k[0] * c) / width * 3 + k[2]) * Math.cos((k[1] * r) / height * 3 + k[3]) - 5 + 2 * random();
    }
  }
  for (let h = 0; h < 6; h++) {
    const cr = random() * height, cc = random() * width, rad = 1 + random() * 4;
    for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) if ((r - cr) ** 2 + (c - cc) ** 2 < rad * rad) data[r * width + c] = Number.NaN;
  }
  for (let i = 0; i < data.length / 50; i++) data[Math.floor(random() * data.length)] = Number.NaN;
  return data;
}

let dir: string;
beforeAll(async () => { dir = await mkdtemp(path.join(tmpdir(), 'permasar-resample-gdal-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

let nFile = 0;
async function writeSource(grid: RasterGrid, data: Float32Array, assignSrs?: string): Promise<string> {
  const file = path.join(dir, `src-${nFile++}.tif`);
  await writeGeoTiffFile(file, { ...grid, epsg: 4326 }, data, { sampleType: 'float32' });
  if (!assignSrs) return file;
  // Our writer's projected CRS keys are being reworked in parallel: let GDAL tag the CRS.
  const tagged = file.replace(/\.tif$/, '-srs.tif');
  execFileSync('gdal_translate', ['-q', '-a_srs', assignSrs, file, tagged]);
  return tagged;
}

async function gdalwarp(src: string, target: RasterGrid, method: 'bilinear' | 'near', tSrs: string): Promise<Float32Array> {
  const out = path.join(dir, `warp-${nFile++}.tif`);
  const [x0, dx, , y0, , dy] = target.geoTransform;
  const te = [x0, y0 + dy * target.height, x0 + dx * target.width, y0].map((v) => v.toPrecision(17));
  execFileSync('gdalwarp', ['-q', '-overwrite', '-r', method, '-srcnodata', 'nan', '-dstnodata', 'nan', '-et', '0', '-t_srs', tSrs,
    '-te', ...te, '-ts', String(target.width), String(target.height), '-ot', 'Float32', src, out]);
  return (await readRaster(out)).data;
}

interface Agreement { both: number; onlyOurs: number; onlyGdal: number; worstRelative: number }
function agreement(ours: Float32Array, gdal: Float32Array): Agreement {
  let both = 0, onlyOurs = 0, onlyGdal = 0, worst = 0;
  for (let i = 0; i < ours.length; i++) {
    const a = ours[i], b = gdal[i];
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (Number.isNaN(b)) { onlyOurs++; continue; }
    if (Number.isNaN(a)) { onlyGdal++; continue; }
    both++;
    worst = Math.max(worst, Math.abs(a - b) / Math.max(1, Math.abs(b)));
  }
  return { both, onlyOurs, onlyGdal, worstRelative: worst };
}

const SOURCE: RasterGrid = { width: 90, height: 70, geoTransform: [92.5, 0.00108, 0, 35.2, 0, -0.00108], epsg: 4326 };

/** A target inside the source, in source pixels: offset (col, row) and step ratio. */
function targetGrid(offCol: number, offRow: number, ratio: number, width: number, height: number): RasterGrid {
  const [x0, dx, , y0, , dy] = SOURCE.geoTransform;
  return { width, height, geoTransform: [x0 + offCol * dx, dx * ratio, 0, y0 + offRow * dy, 0, dy * ratio], epsg: 4326 };
}

describe.skipIf(!GDAL_AVAILABLE)('bilinear and nearest against gdalwarp (same CRS)', () => {
  const data = fieldWithHoles(SOURCE.width, SOURCE.height);
  const cases: [string, RasterGrid, number][] = [
    // name, target, expected scale regime
    ['half-pixel shift, finer step', targetGrid(-3.5 + random(), -2.5 + random(), 0.7 + 0.2 * random(), 120, 90), 1],
    ['shift, slightly coarser step (4-sample kernel)', targetGrid(0.3 + random(), 0.2 + random(), 1.02 + 0.02 * random(), 80, 60), 1],
    ['shift, coarser step (widened kernel)', targetGrid(1 + random(), 1 + random(), 2.2 + 0.6 * random(), 28, 20), 0.5],
  ];
  for (const [name, target, regime] of cases) {
    it(`${name}: within 1e-4 relative, same NaN set`, async () => {
      const src = await writeSource(SOURCE, data);
      const gdal = await gdalwarp(src, target, 'bilinear', 'EPSG:4326');
      const ours = resampleToGrid(SOURCE, data, target, 'bilinear');
      const a = agreement(ours, gdal);
      console.log(`${name}: scale ${warpScale(SOURCE, target).map((s) => s.toFixed(4)).join(' × ')}, ${a.both} pixels both, NaN only ours ${a.onlyOurs}, only GDAL ${a.onlyGdal}, worst relative ${a.worstRelative.toExponential(2)}`);
      expect(Math.min(...warpScale(SOURCE, target)) < 0.95).toBe(regime < 1);
      expect(a.both).toBeGreaterThan(0.5 * target.width * target.height);
      expect(a.onlyOurs + a.onlyGdal).toBe(0);
      expect(a.worstRelative).toBeLessThan(1e-4);
    });
  }

  it('identical and integer-shifted grids: bit for bit, NaN where the source is NaN', async () => {
    const same = resampleToGrid(SOURCE, data, SOURCE, 'bilinear');
    expect(Buffer.from(same.buffer).equals(Buffer.from(data.buffer))).toBe(true);
    // Integer shift with the geotransform rounded to 12 significant digits, as text files carry it.
    const shifted = targetGrid(7, -4, 1, 60, 50);
    shifted.geoTransform = shifted.geoTransform.map((v) => Number(v.toPrecision(12))) as RasterGrid['geoTransform'];
    const ours = resampleToGrid(SOURCE, data, shifted, 'bilinear');
    for (let r = 0; r < shifted.height; r++) {
      for (let c = 0; c < shifted.width; c++) {
        const sr = r - 4, sc = c + 7;
        const expected = sr >= 0 && sc < SOURCE.width ? data[sr * SOURCE.width + sc] : Number.NaN;
        expect(Object.is(ours[r * shifted.width + c], expected) || (Number.isNaN(expected) && Number.isNaN(ours[r * shifted.width + c]))).toBe(true);
      }
    }
    const gdal = await gdalwarp(await writeSource(SOURCE, data), shifted, 'bilinear', 'EPSG:4326');
    const a = agreement(ours, gdal);
    expect(a.onlyOurs + a.onlyGdal).toBe(0);
    expect(a.worstRelative).toBeLessThan(1e-6);
  });

  it('nearest on a class raster equals gdalwarp -r near', async () => {
    const classes = Float32Array.from(data, (v) => (Number.isNaN(v) ? Number.NaN : Math.floor(random() * 4)));
    const target = targetGrid(-2.3 + random(), 1.1 + random(), 0.6 + 1.2 * random(), 70, 60);
    const gdal = await gdalwarp(await writeSource(SOURCE, classes), target, 'near', 'EPSG:4326');
    const ours = resampleToGrid(SOURCE, classes, target, 'nearest');
    let mismatches = 0, valued = 0;
    for (let i = 0; i < ours.length; i++) {
      if (Number.isNaN(ours[i]) !== Number.isNaN(gdal[i]) || (!Number.isNaN(ours[i]) && ours[i] !== gdal[i])) mismatches++;
      if (!Number.isNaN(ours[i])) valued++;
    }
    expect(valued).toBeGreaterThan(ours.length / 3);
    expect(mismatches).toBe(0);
  });
});

describe.skipIf(!GDAL_AVAILABLE)('reprojection against gdalwarp -t_srs (EPSG:4326 ↔ EPSG:4540)', () => {
  // ~93.0°E, 35.2°N; 4540 is CGCS2000 / 3-degree Gauss-Krüger CM 93E (false easting 500 km).
  const geo: RasterGrid = { width: 80, height: 60, geoTransform: [92.96, 0.0011, 0, 35.25, 0, -0.0011], epsg: 4326 };
  const gk: RasterGrid = { width: 70, height: 55, geoTransform: [497_300 + 20 * random(), 110, 0, 3_900_300 - 20 * random(), 0, -110], epsg: 4540 };
  const transform = (from: number, to: number): CoordinateTransform => {
    const converter = proj4Converter(from, to);
    return (x, y) => converter.forward([x, y]) as [number, number];
  };

  it('an EPSG:4326 track onto an EPSG:4540 grid', async () => {
    const data = fieldWithHoles(geo.width, geo.height);
    const gdal = await gdalwarp(await writeSource(geo, data), gk, 'bilinear', 'EPSG:4540');
    const ours = resampleToGrid(geo, data, gk, 'bilinear', transform(4540, 4326));
    const a = agreement(ours, gdal);
    console.log(`4326 → 4540: ${a.both} pixels both, NaN only ours ${a.onlyOurs}, only GDAL ${a.onlyGdal}, worst relative ${a.worstRelative.toExponential(2)}`);
    expect(a.both).toBeGreaterThan(0.5 * gk.width * gk.height);
    expect(a.onlyOurs + a.onlyGdal).toBe(0);
    expect(a.worstRelative).toBeLessThan(1e-4);
  });

  it('an EPSG:4540 track onto an EPSG:4326 grid', async () => {
    const data = fieldWithHoles(gk.width, gk.height);
    const target: RasterGrid = { ...geo, width: 70, height: 55, geoTransform: [92.975 + 0.001 * random(), 0.00125, 0, 35.24 - 0.001 * random(), 0, -0.00125] };
    const gdal = await gdalwarp(await writeSource(gk, data, 'EPSG:4540'), target, 'bilinear', 'EPSG:4326');
    const ours = resampleToGrid(gk, data, target, 'bilinear', transform(4326, 4540));
    const a = agreement(ours, gdal);
    console.log(`4540 → 4326: ${a.both} pixels both, NaN only ours ${a.onlyOurs}, only GDAL ${a.onlyGdal}, worst relative ${a.worstRelative.toExponential(2)}`);
    expect(a.both).toBeGreaterThan(0.3 * target.width * target.height);
    expect(a.onlyOurs + a.onlyGdal).toBe(0);
    expect(a.worstRelative).toBeLessThan(1e-4);
  });
});
