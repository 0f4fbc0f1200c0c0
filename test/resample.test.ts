import { describe, expect, it } from 'vitest';
import { resampleDayOfYear, resampleToGrid, gridsOverlap } from '../src/core/resample.ts';
import { makeRandom } from '../data/synthetic.ts';
import type { RasterGrid } from '../src/core/grid.ts';

const source: RasterGrid = { width: 20, height: 10, geoTransform: [100, 0.5, 0, 50, 0, -0.5], epsg: 4326 };
const seed = (Math.random() * 2 ** 31) >>> 0;
console.log(`resample: seed ${seed}`);
const random = makeRandom(seed);
const plane = (x: number, y: number) => 3 * x - 2 * y + 1;
const data = new Float32Array(200);
for (let r = 0; r < 10; r++) for (let c = 0; c < 20; c++) data[r * 20 + c] = plane(100 + 0.5 * (c + 0.5), 50 - 0.5 * (r + 0.5));

describe('resampleToGrid', () => {
  it('is exact on the same grid, both methods', () => {
    expect(Array.from(resampleToGrid(source, data, source, 'bilinear'))).toEqual(Array.from(data));
    expect(Array.from(resampleToGrid(source, data, source, 'nearest'))).toEqual(Array.from(data));
  });

  it('reproduces a plane bilinearly on a shifted, finer grid, NaN outside the source', () => {
    const dx = 0.13 + 0.2 * random();
    const target: RasterGrid = { width: 50, height: 30, geoTransform: [101 + random(), dx, 0, 49 - random(), 0, -dx], epsg: 4326 };
    const out = resampleToGrid(source, data, target, 'bilinear');
    let inside = 0, outside = 0;
    for (let r = 0; r < target.height; r++) for (let c = 0; c < target.width; c++) {
      const x = target.geoTransform[0] + dx * (c + 0.5);
      const y = target.geoTransform[3] - dx * (r + 0.5);
      const v = out[r * target.width + c];
      const within = x > 100.25 && x < 109.75 && y < 49.75 && y > 45.25;
      const beyond = x > 110 || y < 45;
      if (within) { expect(v).toBeCloseTo(plane(x, y), 3); inside++; }
      if (beyond) { expect(v).toBeNaN(); outside++; }
    }
    expect(inside).toBeGreaterThan(100);
    expect(outside).toBeGreaterThan(10);
  });

  it('keeps NaN NaN and takes flags by nearest neighbour', () => {
    const flags = new Float32Array(200).map((_, i) => i % 3);
    flags[55] = NaN;
    const target: RasterGrid = { ...source, width: 40, height: 20, geoTransform: [100, 0.25, 0, 50, 0, -0.25] };
    const nn = resampleToGrid(source, flags, target, 'nearest');
    for (const v of nn) expect(Number.isNaN(v) || [0, 1, 2].includes(v)).toBe(true);
    expect(nn[(2 * 2) * 40 + 2 * 15]).toBeNaN(); // source pixel (2, 15) = index 55
    const bl = resampleToGrid(source, flags, target, 'bilinear');
    expect(bl[(2 * 2) * 40 + 2 * 15]).toBeNaN();
  });

  it('tells overlapping from disjoint grids', () => {
    expect(gridsOverlap(source, { ...source, geoTransform: [109, 0.5, 0, 46, 0, -0.5] })).toBe(true);
    expect(gridsOverlap(source, { ...source, geoTransform: [111, 0.5, 0, 50, 0, -0.5] })).toBe(false);
  });

  it('a NaN neighbour does not poison a pixel whose own source pixel has data (the issue-10 loss)', () => {
    // The same grid with its origin off by 1e-12 degrees (float rounding of text geotransforms).
    const holes = Float32Array.from(data);
    for (let i = 0; i < holes.length; i += 7) holes[i] = NaN;
    const jittered: RasterGrid = { ...source, geoTransform: [100 + 1e-12, 0.5, 0, 50 - 1e-12, 0, -0.5] };
    const out = resampleToGrid(source, holes, jittered, 'bilinear');
    for (let i = 0; i < out.length; i++) expect(Object.is(out[i], holes[i]) || (Number.isNaN(out[i]) && Number.isNaN(holes[i]))).toBe(true);
    // A quarter-pixel shift: NaN exactly where the containing source pixel is NaN, the rest renormalised.
    const quarter: RasterGrid = { ...source, width: 19, height: 9, geoTransform: [100 + 0.125, 0.5, 0, 50 - 0.125, 0, -0.5] };
    const shifted = resampleToGrid(source, holes, quarter, 'bilinear');
    for (let r = 0; r < quarter.height; r++) for (let c = 0; c < quarter.width; c++) {
      const own = holes[r * 20 + c];
      const v = shifted[r * quarter.width + c];
      expect(Number.isNaN(v)).toBe(Number.isNaN(own));
      // A plane stays a plane under renormalised bilinear weights only where all four exist, so
      // check the bound instead: between the min and max of the valid neighbours.
      if (!Number.isNaN(v)) {
        const around = [own, holes[r * 20 + c + 1], holes[(r + 1) * 20 + c], holes[(r + 1) * 20 + c + 1]].filter((x) => !Number.isNaN(x));
        expect(v).toBeGreaterThanOrEqual(Math.min(...around) - 1e-4);
        expect(v).toBeLessThanOrEqual(Math.max(...around) + 1e-4);
      }
    }
  });

  it('averages days of year on the unit circle and copies coincident days bit for bit', () => {
    const days = new Float32Array(200).fill(360);
    for (let i = 0; i < 200; i += 2) days[i] = 6; // 360 and 6 alternate along each row
    const half: RasterGrid = { ...source, width: 19, height: 10, geoTransform: [100.25, 0.5, 0, 50, 0, -0.5] };
    const out = resampleDayOfYear(source, days, half);
    // Halfway round the circle from day 360 to day 6 (11.25 days on a 365.25-day year): 365.625, not 183.
    for (const d of out) expect(d).toBeCloseTo(365.625, 3);
    const same = resampleDayOfYear(source, days, source);
    expect(Array.from(same)).toEqual(Array.from(days));
  });
});
