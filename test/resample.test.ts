import { describe, expect, it } from 'vitest';
import { resampleToGrid, gridsOverlap } from '../src/core/resample.ts';
import type { RasterGrid } from '../src/core/grid.ts';

const source: RasterGrid = { width: 20, height: 10, geoTransform: [100, 0.5, 0, 50, 0, -0.5], epsg: 4326 };
const plane = (x: number, y: number) => 3 * x - 2 * y + 1;
const data = new Float32Array(200);
for (let r = 0; r < 10; r++) for (let c = 0; c < 20; c++) data[r * 20 + c] = plane(100 + 0.5 * (c + 0.5), 50 - 0.5 * (r + 0.5));

describe('resampleToGrid', () => {
  it('is exact on the same grid, both methods', () => {
    expect(Array.from(resampleToGrid(source, data, source, 'bilinear'))).toEqual(Array.from(data));
    expect(Array.from(resampleToGrid(source, data, source, 'nearest'))).toEqual(Array.from(data));
  });

  it('reproduces a plane bilinearly on a shifted, finer grid, NaN outside the source', () => {
    const dx = 0.13 + 0.2 * Math.random();
    const target: RasterGrid = { width: 50, height: 30, geoTransform: [101 + Math.random(), dx, 0, 49 - Math.random(), 0, -dx], epsg: 4326 };
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
});
