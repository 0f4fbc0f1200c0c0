// Input sanity (issue 11): an auxiliary raster that cannot be what it claims is a one-line error
// naming the file (exit 1, nothing in --out); a stack whose values look like the wrong unit runs,
// with one WARNING line naming --unit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCommand } from './support/run-command.ts';
import { generateStack, makeRandom } from '../data/synthetic.ts';
import { writeMintpyTimeseries, writeMintpyRasters } from '../src/io/mintpy-h5-write-node.ts';
import { writeGeoTiffFile } from '../src/io/geotiff-write-node.ts';
import type { RasterGrid } from '../src/core/grid.ts';
import { implausibleUnitWarning, maxAbsFinite, rangeProblem } from '../src/pipeline/fit-setup.ts';

const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
const grid: RasterGrid = { width: 16, height: 10, geoTransform: [92.9, 0.001, 0, 34.86, 0, -0.001], epsg: 4326 };
const otherGrid: RasterGrid = { ...grid, width: 15 };
let dir = '';
let stackM = '';
let stackMmLabelledM = '';

const tif = (name: string, g: RasterGrid, values: Float32Array) => writeGeoTiffFile(path.join(dir, name), g, values, { sampleType: 'float32' });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'permasar-sanity-'));
  const random = makeRandom(seed);
  const stack = generateStack({ seed, width: grid.width, height: grid.height });
  stackM = path.join(dir, 'timeseries.h5');
  await writeMintpyTimeseries(stackM, { grid, dates: stack.axis.dates, values: stack.values.map((v) => v / 1000), unit: 'm' });
  // The same displacements in mm, labelled m: the classic unit mix-up.
  stackMmLabelledM = path.join(dir, 'timeseries_mm_as_m.h5');
  await writeMintpyTimeseries(stackMmLabelledM, { grid, dates: stack.axis.dates, values: stack.values.map((v) => v * 1000), unit: 'm' });
  const n = grid.width * grid.height;
  const field = (lo: number, hi: number) => new Float32Array(n).map(() => lo + (hi - lo) * random());
  await tif('incidence.tif', grid, field(31, 47));
  await tif('coherence.tif', grid, field(0.2, 1).map((v, i) => (i % 7 === 0 ? NaN : v)));
  await tif('incidence_zero.tif', grid, field(31, 47).map((v, i) => (i === 3 ? 0 : v)));
  await tif('incidence_95.tif', grid, field(31, 47).map((v, i) => (i === 5 ? 95 : v)));
  await writeMintpyRasters(path.join(dir, 'geometry_other_grid.h5'), otherGrid, {
    incidenceAngle: new Float32Array(otherGrid.width * otherGrid.height).fill(39),
    azimuthAngle: new Float32Array(otherGrid.width * otherGrid.height).fill(-100),
  }, 'geometry');
  await tif('amplitude.tif', grid, field(5, 60));
  await tif('moisture_negative.tif', grid, field(0.2, 0.5).map((v, i) => (i === 7 ? -0.05 : v)));
});

afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

describe(`input sanity (seed ${seed})`, () => {
  const refused = async (args: string[], file: string, pattern: RegExp) => {
    const out = path.join(dir, `out-${Math.random().toString(36).slice(2)}`);
    const { code, stderr: errors } = await runCommand([...args, '--out', out]);
    expect(code).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0].split('\n')).toHaveLength(1);
    expect(errors[0]).toContain(file);
    expect(errors[0]).toMatch(pattern);
    expect(existsSync(out)).toBe(false);
  };

  it('refuses an incidence raster given as the coherence mask', async () => {
    const mask = path.join(dir, 'incidence.tif');
    await refused(['fit', stackM, '--mask', mask, '--mask-min', '0.6', '--device', 'cpu'], mask, /values from 3\d\.\d+ to 4\d\.\d+ .*\[0, 1\]/);
  });

  it('refuses incidence angles of 0° or 95°, as a raster or a constant', async () => {
    for (const name of ['incidence_zero.tif', 'incidence_95.tif']) {
      const file = path.join(dir, name);
      await refused(['fit', stackM, '--incidence', file, '--device', 'cpu'], file, /\(0°, 90°\)/);
    }
    await refused(['fit', stackM, '--incidence', '95', '--device', 'cpu'], '--incidence', /0–90°/);
  });

  it('refuses a geometry file on another grid', async () => {
    const file = path.join(dir, 'geometry_other_grid.h5');
    await refused(['fit', stackM, '--geometry', file, '--device', 'cpu'], file, /grid differs from the stack's/);
  });

  it('refuses moisture outside (0, 1], as a constant or a raster', async () => {
    const amplitude = path.join(dir, 'amplitude.tif');
    await refused(['alt', '--amplitude', amplitude, '--moisture', '1.5', '--n', '0.1', '--device', 'cpu'], '--moisture', /\(0, 1\]/);
    await refused(['alt', '--amplitude', amplitude, '--moisture', '0', '--n', '0.1', '--device', 'cpu'], '--moisture', /\(0, 1\]/);
    const negative = path.join(dir, 'moisture_negative.tif');
    await refused(['alt', '--amplitude', amplitude, '--moisture', negative, '--n', '0.1', '--device', 'cpu'], negative, /≤ 0.*\(0, 1\]/);
  });

  it('accepts a real coherence mask (NaN allowed) and a stack in its unit without a word on stderr', async () => {
    const { code, stderr: errors } = await runCommand(['fit', stackM, '--mask', path.join(dir, 'coherence.tif'), '--incidence', path.join(dir, 'incidence.tif'), '--out', path.join(dir, 'out-ok'), '--device', 'cpu', '--quiet']);
    expect(errors).toEqual([]);
    expect(code).toBe(0);
  });

  it('warns once, naming --unit, about a stack in mm labelled m, and still runs', async () => {
    const { code, stderr: errors } = await runCommand(['fit', stackMmLabelledM, '--out', path.join(dir, 'out-warn'), '--device', 'cpu', '--quiet', '--tile-rows', '2']);
    expect(code).toBe(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^permasar fit: WARNING: .*timeseries_mm_as_m\.h5: values up to .* m, more than 10 m of displacement: is the unit right\? \(--unit m\|cm\|mm\|rad\)$/);
  });

  it('judges units by physical size and ranges with open or closed ends', () => {
    const scale = (unit: 'm' | 'cm' | 'mm' | 'rad', scaleToMm: number) => ({ unit, scaleToMm, wavelengthM: 0.0555 });
    expect(implausibleUnitWarning(9.9, scale('m', 1000), 's')).toBeNull();
    expect(implausibleUnitWarning(10.1, scale('m', 1000), 's')).toMatch(/--unit/);
    expect(implausibleUnitWarning(9_999, scale('mm', 1), 's')).toBeNull();
    expect(implausibleUnitWarning(10_001, scale('mm', 1), 's')).toMatch(/10 m/);
    expect(implausibleUnitWarning(99, scale('rad', 4.41), 's')).toBeNull();
    expect(implausibleUnitWarning(101, scale('rad', 4.41), 's')).toMatch(/100 rad/);
    expect(implausibleUnitWarning(NaN, scale('m', 1000), 's')).toBeNull();
    expect(maxAbsFinite(Float32Array.of(NaN, -3, 2, Infinity))).toBe(3);
    expect(maxAbsFinite(Float32Array.of(NaN, 1, -Infinity, -7, NaN))).toBe(7);
    expect(maxAbsFinite(Float32Array.of(0.5, -0.25))).toBe(0.5);
    expect(maxAbsFinite(Float32Array.of(-0.5, 0.25))).toBe(0.5);
    expect(maxAbsFinite(Float32Array.of(NaN, NaN))).toBeNaN();
    expect(maxAbsFinite(Float32Array.of(Infinity, NaN))).toBeNaN();
    expect(maxAbsFinite(new Float32Array(0))).toBeNaN();
    expect(maxAbsFinite(Float32Array.of(1, 50, -2, Infinity, -3), 2)).toBe(3);
    expect(rangeProblem(Float32Array.of(0, 1, NaN), { min: 0, max: 1 }, 'x')).toBeNull();
    expect(rangeProblem(Float32Array.of(0, 45), { min: 0, max: 90, openMin: true, openMax: true }, 'x')).toMatch(/1 outside \(0, 90\)/);
  });
});
