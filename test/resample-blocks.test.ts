// The row-block form of the resampler (core/resample.ts: sourceRowsForBlock + resampleRowBlock)
// against the whole-raster form, bit for bit, on random grids: same CRS finer and coarser (the
// widened kernel), and reprojected EPSG:4326 ↔ EPSG:4540 (CGCS2000 / 3-degree Gauss-Kruger CM 93E,
// the corridor's projected CRS). Blocks of random heights, the source rows cut to what the plan asks.
import { describe, expect, it } from 'vitest';
import {
  resampleDayOfYear,
  resampleDayOfYearRowBlock,
  resampleRowBlock,
  resampleScale,
  resampleToGrid,
  sourceRowsForBlock,
  type CoordinateTransform,
} from '../src/core/resample.ts';
import type { RasterGrid } from '../src/core/grid.ts';
import { makeRandom } from '../data/synthetic.ts';
import { crsTransform } from '../src/pipeline/grid-crs.ts';
import { proj4Converter } from '../src/io/crs.ts';

const seed = Number(process.env.PERMASAR_SEED ?? (Math.random() * 2 ** 31) >>> 0);
console.log(`resample-blocks: seed ${seed} (replay with PERMASAR_SEED=${seed})`);
const random = makeRandom(seed);

function randomPlane(grid: RasterGrid, nanShare: number, lo = -30, hi = 30): Float32Array {
  const out = new Float32Array(grid.width * grid.height);
  for (let i = 0; i < out.length; i++) out[i] = random() < nanShare ? Number.NaN : lo + (hi - lo) * random();
  return out;
}

function bits(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

/** Every product of the block path, stitched, for comparison with the whole path. */
function byBlocks(source: RasterGrid, data: Float32Array, days: Float32Array, target: RasterGrid, transform: CoordinateTransform | undefined) {
  const scale = resampleScale(source, target, 'bilinear', transform);
  const n = target.width * target.height;
  const bilinear = new Float32Array(n), nearest = new Float32Array(n), doy = new Float32Array(n);
  let maxHeld = 0;
  for (let row0 = 0; row0 < target.height;) {
    const nRows = Math.min(target.height - row0, 1 + Math.floor(random() * 7));
    const { sourceRow0, sourceRows } = sourceRowsForBlock(source, target, row0, nRows, scale, transform);
    maxHeld = Math.max(maxHeld, sourceRows);
    const cut = (plane: Float32Array) => plane.slice(sourceRow0 * source.width, (sourceRow0 + sourceRows) * source.width);
    const block = { targetRow0: row0, nRows, sourceRow0, sourceRows, scale };
    bilinear.set(resampleRowBlock(source, cut(data), target, 'bilinear', block, transform), row0 * target.width);
    nearest.set(resampleRowBlock(source, cut(data), target, 'nearest', { ...block, scale: [1, 1] }, transform), row0 * target.width);
    doy.set(resampleDayOfYearRowBlock(source, cut(days), target, block, transform), row0 * target.width);
    row0 += nRows;
  }
  return { bilinear, nearest, doy, maxHeld };
}

function expectSame(source: RasterGrid, target: RasterGrid, transform: CoordinateTransform | undefined) {
  const data = randomPlane(source, 0.15);
  const days = randomPlane(source, 0.15, 1, 366);
  const blocks = byBlocks(source, data, days, target, transform);
  expect(bits(blocks.bilinear)).toEqual(bits(resampleToGrid(source, data, target, 'bilinear', transform)));
  expect(bits(blocks.nearest)).toEqual(bits(resampleToGrid(source, data, target, 'nearest', transform)));
  expect(bits(blocks.doy)).toEqual(bits(resampleDayOfYear(source, days, target, transform)));
  // Something was resampled (the test could fail): not every output is NaN.
  expect(blocks.bilinear.some(Number.isFinite)).toBe(true);
  return blocks;
}

describe('resampleRowBlock', () => {
  it('equals the whole-raster resampler bit for bit on a finer, shifted target (same CRS)', () => {
    const source: RasterGrid = { width: 37, height: 29, geoTransform: [92, 0.01, 0, 35, 0, -0.01], epsg: 4326 };
    const target: RasterGrid = { width: 61, height: 47, geoTransform: [92.0031 + random() * 0.01, 0.0057, 0, 34.9987 - random() * 0.01, 0, -0.0059], epsg: 4326 };
    const { maxHeld } = expectSame(source, target, undefined);
    expect(maxHeld).toBeLessThan(source.height);
  });

  it('equals it on a coarser target, where the kernel widens (same CRS)', () => {
    const source: RasterGrid = { width: 80, height: 90, geoTransform: [92, 0.01, 0, 35, 0, -0.01], epsg: 4326 };
    const target: RasterGrid = { width: 23, height: 26, geoTransform: [92.004, 0.0331, 0, 34.997, 0, -0.0329], epsg: 4326 };
    expect(resampleScale(source, target, 'bilinear')[1]).toBeLessThan(0.95);
    expectSame(source, target, undefined);
  });

  it('equals it reprojected, EPSG:4326 source onto an EPSG:4540 target and back (coarser)', () => {
    const toGk = proj4Converter(4326, 4540);
    const [e0, n0] = toGk.forward([92.95, 34.95]);
    const geographic: RasterGrid = { width: 40, height: 36, geoTransform: [92.9, 0.0025, 0, 34.99, 0, -0.0025], epsg: 4326 };
    const projectedFine: RasterGrid = { width: 50, height: 44, geoTransform: [Math.round(e0) - 3000 + random() * 100, 170, 0, Math.round(n0) + 2500 + random() * 100, 0, -170], epsg: 4540 };
    const projectedCoarse: RasterGrid = { width: 12, height: 11, geoTransform: [Math.round(e0) - 3000, 760, 0, Math.round(n0) + 2500, 0, -760], epsg: 4540 };
    expectSame(geographic, projectedFine, crsTransform(projectedFine, geographic, 'source.tif') ?? undefined);
    expectSame(geographic, projectedCoarse, crsTransform(projectedCoarse, geographic, 'source.tif') ?? undefined);
    const geographicCoarse: RasterGrid = { width: 9, height: 8, geoTransform: [92.92, 0.0081, 0, 34.975, 0, -0.0083], epsg: 4326 };
    const transform = crsTransform(geographicCoarse, projectedFine, 'source.tif') ?? undefined;
    expect(transform).toBeDefined();
    expect(Math.min(...resampleScale(projectedFine, geographicCoarse, 'bilinear', transform))).toBeLessThan(0.95);
    expectSame(projectedFine, geographicCoarse, transform);
  });

  it('refuses a block whose source rows do not cover its stencils', () => {
    const source: RasterGrid = { width: 10, height: 10, geoTransform: [0, 1, 0, 10, 0, -1], epsg: 4326 };
    const data = randomPlane(source, 0);
    expect(() => resampleRowBlock(source, data.slice(0, 20), source, 'nearest', { targetRow0: 5, nRows: 1, sourceRow0: 0, sourceRows: 2, scale: [1, 1] })).toThrow(/source row 5 needed/);
  });
});
