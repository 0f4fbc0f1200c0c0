// The stacks the field makes (issue 14): LiCSBAS cum.h5 against the MintPy file of the same
// series, MintPy in radar coordinates geocoded after the fit, date selection and re-referencing,
// and their one-line refusals. Runs the CLI in-process (main()), reads the GeoTIFFs back with
// geotiff.js. Replay: the seed is in the describe names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fromArrayBuffer } from 'geotiff';
import h5wasm from 'h5wasm/node';
import { runCommand, type CommandResult } from './support/run-command.ts';
import { generateStack, makeRandom } from '../data/synthetic.ts';
import { writeMintpyRasters, writeMintpyTimeseries } from '../src/io/mintpy-h5-write-node.ts';
import { writeLicsbasCum } from '../src/io/licsbas-h5-write-node.ts';
import { losUnitVector } from '../src/core/decomposition.ts';
import { radarCodedGrid, type RasterGrid } from '../src/core/grid.ts';
import { EARTH_RADIUS_M } from '../src/core/geocode.ts';

const seed = Number(process.env.PERMASAR_SEED ?? ((Date.now() ^ (Math.random() * 2 ** 31)) >>> 0));
let dir = '';

async function readTif(file: string): Promise<{ data: Float32Array; width: number; height: number; geoTransform: number[] }> {
  const buffer = await readFile(file);
  const tiff = await fromArrayBuffer(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));
  const image = await tiff.getImage();
  const [band] = (await image.readRasters()) as unknown as Float32Array[];
  // A radar-coded product has no georeferencing at all (geotiff.js then has no origin).
  let [x0, y0, dx, dy] = [NaN, NaN, NaN, NaN];
  try {
    [x0, y0] = image.getOrigin();
    [dx, dy] = image.getResolution();
  } catch { /* no georeferencing */ }
  return { data: band, width: image.getWidth(), height: image.getHeight(), geoTransform: [x0, dx, 0, y0, 0, dy] };
}

function expectOneLineRefusal(r: CommandResult, mentions: string | RegExp): void {
  expect(r.code).toBe(1);
  const lines = r.stderr.filter((e) => !/WARNING/.test(e));
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toContain('\n');
  expect(lines[0]).toMatch(mentions);
}

beforeAll(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'permasar-stacks-')); });
afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

// ---------------------------------------------------------------------------------------------
describe(`LiCSBAS cum.h5 (seed ${seed})`, () => {
  const grid: RasterGrid = { width: 20, height: 14, geoTransform: [92.9, 0.001, 0, 34.86, 0, -0.001], epsg: 4326 };
  const stack = generateStack({ seed, width: grid.width, height: grid.height, noiseMm: 1.5, startYmd: '20170101', endYmd: '20211231' });
  const n = grid.width * grid.height;
  // An ascending Sentinel-1 geometry: incidence 31°→46° across the columns, azimuth ≈ +102°.
  const incidence = new Float32Array(n).map((_, p) => 31 + (15 * (p % grid.width)) / (grid.width - 1));
  const azimuth = new Float32Array(n).map((_, p) => 101 + 2 * Math.floor(p / grid.width) / grid.height);
  const los = { east: new Float32Array(n), north: new Float32Array(n), up: new Float32Array(n) };
  for (let p = 0; p < n; p++) {
    const v = losUnitVector(incidence[p], azimuth[p]);
    los.east[p] = v.east; los.north[p] = v.north; los.up[p] = v.up;
  }
  // LiCSBAS's first epoch is zero: the same series relative to the first date, which changes
  // no rate, amplitude or timing (the offset absorbs it).
  const nDates = stack.axis.dates.length;
  const valuesMm = stack.values.slice();
  for (let p = 0; p < n; p++) {
    const first = stack.values[p];
    for (let d = 0; d < nDates; d++) valuesMm[d * n + p] -= Number.isNaN(first) ? 0 : first;
  }
  let cumFile = '', mintpyFile = '';

  beforeAll(async () => {
    cumFile = path.join(dir, 'cum.h5');
    mintpyFile = path.join(dir, 'timeseries-same.h5');
    await writeLicsbasCum(cumFile, { grid, dates: stack.axis.dates, valuesMm, los });
    await writeMintpyTimeseries(mintpyFile, { grid, dates: stack.axis.dates, values: valuesMm.map((v) => v / 1000), unit: 'm' });
  });

  it('fits as the MintPy file of the same series does, on exactly the same grid, with the LOS vector as geometry', async () => {
    const outL = path.join(dir, 'fit-licsbas');
    const outM = path.join(dir, 'fit-mintpy');
    expect(await runCommand(['fit', cumFile, '--out', outL, '--device', 'cpu', '--quiet'])).toMatchObject({ code: 0, stderr: [] });
    expect(await runCommand(['fit', mintpyFile, '--out', outM, '--device', 'cpu', '--quiet'])).toMatchObject({ code: 0, stderr: [] });
    // The grid: LiCSBAS's corner_lat/lon are the first pixel's centre, GDAL's corner half a post away.
    await h5wasm.ready;
    const f = new h5wasm.File(cumFile, 'r');
    const scalar = (name: string) => Number((f.get(name) as unknown as { value: number }).value);
    const [cornerLon, postLon, cornerLat, postLat] = ['corner_lon', 'post_lon', 'corner_lat', 'post_lat'].map(scalar);
    f.close();
    const rateL = await readTif(path.join(outL, 'rate.tif'));
    const rateM = await readTif(path.join(outM, 'rate.tif'));
    expect(rateL.geoTransform).toEqual(rateM.geoTransform);
    expect(rateL.geoTransform[0]).toBeCloseTo(cornerLon - postLon / 2, 12);
    expect(rateL.geoTransform[3]).toBeCloseTo(cornerLat - postLat / 2, 12);
    expect(rateL.geoTransform[0]).not.toBeCloseTo(cornerLon, 6);
    // The same numbers (mm vs m·1000 in float32: rounding only), and the truth recovered.
    for (const product of ['rate', 'amplitude', 'timing', 'seasonal', 'valid']) {
      const a = await readTif(path.join(outL, `${product}.tif`));
      const b = await readTif(path.join(outM, `${product}.tif`));
      for (let p = 0; p < n; p++) {
        if (Number.isNaN(b.data[p])) { expect(a.data[p], `${product} pixel ${p}`).toBeNaN(); continue; }
        expect(Math.abs(a.data[p] - b.data[p]), `${product} pixel ${p}`).toBeLessThan(product === 'timing' ? 0.05 : 2e-3);
      }
    }
    const errors: number[] = [];
    for (let p = 0; p < n; p++) {
      if (stack.truth.noData[p] || stack.truth.gappy[p]) continue;
      errors.push(Math.abs(rateL.data[p] - stack.truth.rateMmPerYear[p]));
    }
    errors.sort((a, b) => a - b);
    expect(errors[Math.floor(errors.length / 2)]).toBeLessThan(0.5);
    const summary = JSON.parse(await readFile(path.join(outL, 'summary.json'), 'utf8'));
    expect(summary.inputs.format).toBe('licsbas-h5');
    expect(summary.inputs.unit).toBe('mm');
    expect(summary.inputs.refDate).toBe(stack.axis.dates[0]);
    // E/N/U → MintPy's incidence and azimuth, kept for vertical and compare.
    const inc = await readTif(path.join(outL, 'incidence.tif'));
    const az = await readTif(path.join(outL, 'azimuth.tif'));
    for (let p = 0; p < n; p++) {
      expect(Math.abs(inc.data[p] - incidence[p])).toBeLessThan(1e-3);
      expect(Math.abs(az.data[p] - azimuth[p])).toBeLessThan(1e-3);
    }
    // vertical divides by U = cos(incidence).
    const outV = path.join(dir, 'vertical-licsbas');
    expect(await runCommand(['vertical', outL, '--out', outV, '--quiet'])).toMatchObject({ code: 0, stderr: [] });
    const rv = await readTif(path.join(outV, 'rate_vertical.tif'));
    for (let p = 0; p < n; p++) {
      if (Number.isNaN(rateL.data[p])) continue;
      expect(rv.data[p]).toBeCloseTo(rateL.data[p] / los.up[p], 2);
    }
  });

  it('takes the LOS vector as three GeoTIFFs (--geometry) and LiCSBAS\'s mask GeoTIFF (--mask)', async () => {
    const cumNoLos = path.join(dir, 'cum-nolos.h5');
    await writeLicsbasCum(cumNoLos, { grid, dates: stack.axis.dates, valuesMm });
    for (const [c, data] of [['E', los.east], ['N', los.north], ['U', los.up]] as const) {
      const { writeGeoTiffFile } = await import('../src/io/geotiff-write-node.ts');
      await writeGeoTiffFile(path.join(dir, `021D_05266.geo.${c}.tif`), grid, data, { sampleType: 'float32' });
    }
    // results/mask as LiCSBAS_flt2geotiff writes it: 1 valid, 0 masked, NaN no data.
    const random = makeRandom(seed ^ 0x5a5a);
    const mask = new Float32Array(n).map(() => (random() < 0.2 ? 0 : 1));
    mask[0] = NaN;
    const { writeGeoTiffFile } = await import('../src/io/geotiff-write-node.ts');
    await writeGeoTiffFile(path.join(dir, 'mask.geo.tif'), grid, mask, { sampleType: 'float32' });
    const out = path.join(dir, 'fit-licsbas-tifs');
    const r = await runCommand(['fit', cumNoLos, '--geometry', path.join(dir, '021D_05266.geo.N.tif'), '--mask', path.join(dir, 'mask.geo.tif'), '--out', out, '--device', 'cpu', '--quiet']);
    expect(r).toMatchObject({ code: 0, stderr: [] });
    const inc = await readTif(path.join(out, 'incidence.tif'));
    for (let p = 0; p < n; p++) expect(Math.abs(inc.data[p] - incidence[p])).toBeLessThan(1e-3);
    const rate = await readTif(path.join(out, 'rate.tif'));
    for (let p = 0; p < n; p++) if (!(mask[p] === 1)) expect(rate.data[p]).toBeNaN();
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.counts.masked).toBe(mask.filter((v) => v !== 1).length);
  });

  it('refuses in one line: no imdates, imdates of another length, no corner_lat', async () => {
    const cases: [string, Parameters<typeof writeLicsbasCum>[1], RegExp][] = [
      ['cum-noimdates.h5', { grid, dates: stack.axis.dates, valuesMm, omit: ['imdates'] }, /no dataset "imdates"/],
      ['cum-nocorner.h5', { grid, dates: stack.axis.dates, valuesMm, omit: ['corner_lat'] }, /corner_lat/],
      ['cum-shortdates.h5', { grid, dates: stack.axis.dates, valuesMm, omit: ['imdates'], extra: { imdates: { data: Int32Array.from(stack.axis.dates.slice(1), Number), dtype: '<i' } } }, /"imdates" has \d+ dates but "cum" has/],
    ];
    for (const [name, input, message] of cases) {
      const file = path.join(dir, name);
      await writeLicsbasCum(file, input);
      const out = path.join(dir, `out-${name}`);
      const r = await runCommand(['fit', file, '--out', out, '--device', 'cpu', '--quiet']);
      expectOneLineRefusal(r, message);
      expect(r.stderr[0]).toContain(name);
      expect(existsSync(out)).toBe(false);
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe(`MintPy in radar coordinates (seed ${seed})`, () => {
  // A multilooked Sentinel-1 ascending frame: rows run along the flight (heading ≈ −12°, so up
  // the image is NNW … here row 0 is the far north end), columns across it to the east-north-east,
  // 30 m × 45 m on the ground, the range step growing 10 % across the swath and a 6 % skew.
  const width = 28, height = 22;
  const grid = radarCodedGrid(width, height);
  const n = width * height;
  const headingRad = (-12 * Math.PI) / 180;
  const lat0 = 34.8, lon0 = 92.9;
  const latitude = new Float32Array(n), longitude = new Float32Array(n);
  const metresPerDegLat = (EARTH_RADIUS_M * Math.PI) / 180;
  const metresPerDegLon = metresPerDegLat * Math.cos((lat0 * Math.PI) / 180);
  const along: [number, number] = [Math.sin(headingRad), Math.cos(headingRad)]; // east, north of the flight
  const across: [number, number] = [Math.cos(headingRad), -Math.sin(headingRad)]; // to the right of it
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const rangeM = c * 30 * (1 + (0.1 * c) / width);
      const azimuthM = (height - 1 - r) * 45 + 0.06 * rangeM;
      const e = rangeM * across[0] + azimuthM * along[0];
      const nn = rangeM * across[1] + azimuthM * along[1];
      latitude[r * width + c] = lat0 + nn / metresPerDegLat;
      longitude[r * width + c] = lon0 + e / metresPerDegLon;
    }
  }
  const stack = generateStack({ seed: seed ^ 0x77, width, height, noiseMm: 1.5, startYmd: '20180101', endYmd: '20211231', nanPixelFraction: 0, fewEpochFraction: 0 });
  let tsFile = '', geomFile = '';

  beforeAll(async () => {
    tsFile = path.join(dir, 'radar', 'timeseries.h5');
    geomFile = path.join(dir, 'radar', 'geometryRadar.h5');
    await (await import('node:fs/promises')).mkdir(path.dirname(tsFile), { recursive: true });
    await writeMintpyTimeseries(tsFile, { grid, dates: stack.axis.dates, values: stack.values.map((v) => v / 1000), unit: 'm' });
    const incidence = new Float32Array(n).map((_, p) => 31 + (15 * (p % width)) / (width - 1));
    await writeMintpyRasters(geomFile, grid, { latitude, longitude, incidenceAngle: incidence, azimuthAngle: new Float32Array(n).fill(102) }, 'geometry');
  });

  it('fits in radar geometry, keeps radar/, geocodes every product by the nearest radar pixel, NaN outside the footprint and no holes inside', async () => {
    const out = path.join(dir, 'fit-radar');
    expect(await runCommand(['fit', tsFile, '--geometry', geomFile, '--out', out, '--device', 'cpu', '--quiet'])).toMatchObject({ code: 0, stderr: [] });
    const radarRate = await readTif(path.join(out, 'radar', 'rate.tif'));
    expect([radarRate.width, radarRate.height]).toEqual([width, height]);
    expect(radarRate.geoTransform[0]).toBeNaN(); // radar coordinates: no map
    const geoRate = await readTif(path.join(out, 'rate.tif'));
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.geocoding.method).toMatch(/nearest/);
    expect(summary.inputs.grid.epsg).toBe(4326);
    const [west, dLon, , north, , dLat] = geoRate.geoTransform;
    expect(dLat).toBeLessThan(0);
    // Same pixel area as the mean radar pixel (MintPy's approach 1), within a few per cent.
    const geoAreaM2 = dLon * metresPerDegLon * -dLat * metresPerDegLat;
    expect(geoAreaM2 / (31.5 * 45)).toBeGreaterThan(0.9);
    expect(geoAreaM2 / (31.5 * 45)).toBeLessThan(1.1);

    // Ground-plane metres between two lat/lon points (the test's own, not the library's).
    const metres = (la1: number, lo1: number, la2: number, lo2: number) =>
      Math.hypot((lo2 - lo1) * metresPerDegLat * Math.cos((((la1 + la2) / 2) * Math.PI) / 180), (la2 - la1) * metresPerDegLat);
    // The outer ring of radar pixel centres, as a polygon (lon, lat).
    const ring: [number, number][] = [];
    for (let c = 0; c < width; c++) ring.push([longitude[c], latitude[c]]);
    for (let r = 1; r < height; r++) ring.push([longitude[r * width + width - 1], latitude[r * width + width - 1]]);
    for (let c = width - 2; c >= 0; c--) ring.push([longitude[(height - 1) * width + c], latitude[(height - 1) * width + c]]);
    for (let r = height - 2; r > 0; r--) ring.push([longitude[r * width], latitude[r * width]]);
    const inside = (x: number, y: number) => {
      let hit = false;
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i], [xj, yj] = ring[j];
        if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
      }
      return hit;
    };
    let checkedInside = 0, checkedOutside = 0;
    for (let row = 0; row < geoRate.height; row++) {
      for (let col = 0; col < geoRate.width; col++) {
        const lat = north + (row + 0.5) * dLat, lon = west + (col + 0.5) * dLon;
        let best = -1, bestD = Infinity;
        for (let p = 0; p < n; p++) {
          const d = metres(lat, lon, latitude[p], longitude[p]);
          if (d < bestD) { bestD = d; best = p; }
        }
        const v = geoRate.data[row * geoRate.width + col];
        if (inside(lon, lat)) {
          checkedInside++;
          expect(v, `map pixel ${row},${col} inside the footprint`).toBe(radarRate.data[best]);
        } else if (bestD > 60) {
          // Farther than a radar pixel from every radar pixel centre: outside the footprint.
          checkedOutside++;
          expect(v, `map pixel ${row},${col} outside`).toBeNaN();
        } else if (!Number.isNaN(v)) {
          expect(v).toBe(radarRate.data[best]); // the half-pixel border: nearest when filled
        }
      }
    }
    expect(checkedInside).toBeGreaterThan(0.5 * n);
    expect(checkedOutside).toBeGreaterThan(20);
    // Every geocoded product and the geometry are on the map grid.
    for (const f of ['amplitude.tif', 'timing.tif', 'seasonal.tif', 'incidence.tif', 'azimuth.tif']) {
      const t = await readTif(path.join(out, f));
      expect(t.geoTransform).toEqual(geoRate.geoTransform);
    }
  });

  it('--lalo-step sets the map pixel size', async () => {
    const out = path.join(dir, 'fit-radar-step');
    expect(await runCommand(['fit', tsFile, '--geometry', geomFile, '--lalo-step', '0.0005', '--out', out, '--device', 'cpu', '--quiet'])).toMatchObject({ code: 0, stderr: [] });
    const t = await readTif(path.join(out, 'rate.tif'));
    expect(t.geoTransform[1]).toBeCloseTo(0.0005, 12);
    expect(t.geoTransform[5]).toBeCloseTo(-0.0005, 12);
  });

  it('refuses in one line: no --geometry, a geometry of another shape, a lookup of another shape than its angles', async () => {
    let r = await runCommand(['fit', tsFile, '--out', path.join(dir, 'r1'), '--device', 'cpu', '--quiet']);
    expectOneLineRefusal(r, /radar coordinates.*--geometry/);
    const other = path.join(dir, 'radar', 'geometryRadar-small.h5');
    const small = radarCodedGrid(width - 1, height);
    const m = (width - 1) * height;
    await writeMintpyRasters(other, small, { latitude: latitude.slice(0, m), longitude: longitude.slice(0, m), incidenceAngle: new Float32Array(m).fill(35), azimuthAngle: new Float32Array(m).fill(102) }, 'geometry');
    r = await runCommand(['fit', tsFile, '--geometry', other, '--out', path.join(dir, 'r2'), '--device', 'cpu', '--quiet']);
    expectOneLineRefusal(r, /geometryRadar-small\.h5.*27×22 in radar coordinates but the stack is 28×22/);
    // latitude of another shape than incidenceAngle (written as a separate file layout by hand).
    const bad = path.join(dir, 'radar', 'geometryRadar-badlat.h5');
    await h5wasm.ready;
    const f = new h5wasm.File(bad, 'w');
    f.create_dataset({ name: 'incidenceAngle', data: new Float32Array(n).fill(35), shape: [height, width], dtype: '<f' });
    f.create_dataset({ name: 'latitude', data: latitude.slice(0, n - width), shape: [height - 1, width], dtype: '<f' });
    f.create_dataset({ name: 'longitude', data: longitude, shape: [height, width], dtype: '<f' });
    f.close();
    r = await runCommand(['fit', tsFile, '--geometry', bad, '--out', path.join(dir, 'r3'), '--device', 'cpu', '--quiet']);
    expectOneLineRefusal(r, /geometryRadar-badlat\.h5.*"latitude" is 28×21 but "incidenceAngle" is 28×22/);
    for (const o of ['r1', 'r2', 'r3']) expect(existsSync(path.join(dir, o))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
describe(`date selection and re-referencing (seed ${seed})`, () => {
  const grid: RasterGrid = { width: 16, height: 12, geoTransform: [92.9, 0.001, 0, 34.86, 0, -0.001], epsg: 4326 };
  const n = grid.width * grid.height;
  const stack = generateStack({ seed: seed ^ 0x1234, width: grid.width, height: grid.height, noiseMm: 1.5, startYmd: '20170101', endYmd: '20211231' });
  const dates = stack.axis.dates;
  let file = '';
  const refRow = 5;
  let refCol = -1;

  beforeAll(async () => {
    file = path.join(dir, 'sel', 'timeseries.h5');
    await (await import('node:fs/promises')).mkdir(path.dirname(file), { recursive: true });
    // The reference pixel: one with every epoch (no gaps) in row 5.
    for (let c = 0; c < grid.width && refCol < 0; c++) {
      const p = refRow * grid.width + c;
      if (!stack.truth.noData[p] && !stack.truth.gappy[p]) refCol = c;
    }
    if (refCol < 0) throw new Error('test: no complete pixel in row 5');
    // The reference moves on a straight line (a stable point on a slow regional trend): the
    // referenced series are then the originals minus a line, so every pixel keeps its detrended
    // series and its seasonality decision, and its rate shifts by exactly the reference's rate.
    const ref = refRow * grid.width + refCol;
    for (let d = 0; d < dates.length; d++) stack.values[d * n + ref] = 7.5 * stack.axis.tCentredYears[d] + 3;
    await writeMintpyTimeseries(file, { grid, dates, values: stack.values.map((v) => v / 1000), unit: 'm' });
  });

  it('--start-date/--end-date/--exclude-date: the epochs used, recorded in summary.json; an excluded date not in the stack is a WARNING naming it', async () => {
    const start = dates[5], end = dates[dates.length - 6];
    const excludeList = path.join(dir, 'sel', 'exclude.txt');
    await writeFile(excludeList, `# bad dates\n${dates[10]}\n${dates[11]}\n`);
    const out = path.join(dir, 'sel-dates');
    const r = await runCommand(['fit', file, '--start-date', `${start.slice(0, 4)}-${start.slice(4, 6)}-${start.slice(6)}`, '--end-date', end,
      '--exclude-date', `${dates[20]},19990101`, '--exclude-date', excludeList, '--out', out, '--device', 'cpu', '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(/WARNING: --exclude-date 19990101 is not a date of .*timeseries\.h5/);
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    const expected = dates.filter((d) => d >= start && d <= end && ![dates[10], dates[11], dates[20]].includes(d));
    expect(summary.dates).toEqual(expected);
    expect(summary.selection).toMatchObject({ datesInStack: dates.length, datesUsed: expected.length, startDate: start, endDate: end, excludedNotInStack: ['19990101'] });
    expect(summary.selection.excludeDates).toEqual([dates[10], dates[11], dates[20], '19990101'].sort());
    const valid = await readTif(path.join(out, 'valid.tif'));
    expect(Math.max(...valid.data.filter(Number.isFinite))).toBe(expected.length);
  });

  it('--ref-yx / --ref-lalo: rate 0 at the reference, every other rate shifted by minus its rate', async () => {
    const plain = path.join(dir, 'sel-plain'), byYx = path.join(dir, 'sel-ref-yx'), byLalo = path.join(dir, 'sel-ref-lalo');
    expect((await runCommand(['fit', file, '--out', plain, '--device', 'cpu', '--quiet'])).code).toBe(0);
    expect(await runCommand(['fit', file, '--ref-yx', `${refRow},${refCol}`, '--out', byYx, '--device', 'cpu', '--quiet'])).toMatchObject({ code: 0, stderr: [] });
    const lat = 34.86 - 0.001 * (refRow + 0.5), lon = 92.9 + 0.001 * (refCol + 0.5);
    expect(await runCommand(['fit', file, '--ref-lalo', `${lat},${lon}`, '--out', byLalo, '--device', 'cpu', '--quiet'])).toMatchObject({ code: 0, stderr: [] });
    const rate0 = (await readTif(path.join(plain, 'rate.tif'))).data;
    const rate1 = (await readTif(path.join(byYx, 'rate.tif'))).data;
    const rate2 = (await readTif(path.join(byLalo, 'rate.tif'))).data;
    const ref = refRow * grid.width + refCol;
    expect(Math.abs(rate1[ref])).toBeLessThan(1e-6);
    let compared = 0;
    for (let p = 0; p < n; p++) {
      expect(Object.is(rate1[p], rate2[p]) || rate1[p] === rate2[p]).toBe(true);
      // Pixels observed at every epoch share the reference's epochs: the LS rate is linear.
      if (stack.truth.noData[p] || stack.truth.gappy[p]) continue;
      expect(Math.abs(rate1[p] - (rate0[p] - rate0[ref])), `pixel ${p}`).toBeLessThan(2e-3);
      expect(rate0[ref]).toBeCloseTo(7.5, 3);
      compared++;
    }
    expect(compared).toBeGreaterThan(n / 2);
    const summary = JSON.parse(await readFile(path.join(byLalo, 'summary.json'), 'utf8'));
    expect(summary.selection.reference).toMatchObject({ row: refRow, col: refCol });
    expect(summary.selection.reference.lat).toBeCloseTo(lat, 9);
  });

  it('refuses a reference pixel without data or outside the stack, in one line, and seasons takes the options too', async () => {
    const empty = stack.truth.noData.findIndex((v, p) => v === 1 && stack.values.every((_, i) => i % n !== p || Number.isNaN(stack.values[i])));
    if (empty >= 0) {
      const r = await runCommand(['fit', file, '--ref-yx', `${Math.floor(empty / grid.width)},${empty % grid.width}`, '--out', path.join(dir, 'x1'), '--device', 'cpu', '--quiet']);
      expectOneLineRefusal(r, /--ref-yx.*has no data at any date/);
    }
    let r = await runCommand(['fit', file, '--ref-lalo', '35.5,92.9', '--out', path.join(dir, 'x2'), '--device', 'cpu', '--quiet']);
    expectOneLineRefusal(r, /--ref-lalo.*35\.5,92\.9 lies outside/);
    r = await runCommand(['fit', file, '--ref-yx', `${grid.height},0`, '--out', path.join(dir, 'x3'), '--device', 'cpu', '--quiet']);
    expectOneLineRefusal(r, /--ref-yx.*lies outside/);
    r = await runCommand(['fit', file, '--start-date', '2030-01-01', '--out', path.join(dir, 'x4'), '--device', 'cpu', '--quiet']);
    expectOneLineRefusal(r, /no date left/);
    r = await runCommand(['fit', file, '--exclude-date', '2019-02-30', '--out', path.join(dir, 'x5'), '--device', 'cpu', '--quiet']);
    expectOneLineRefusal(r, /--exclude-date.*not a date/);
    for (const o of ['x1', 'x2', 'x3', 'x4', 'x5']) expect(existsSync(path.join(dir, o))).toBe(false);
    const out = path.join(dir, 'sel-seasons');
    r = await runCommand(['seasons', file, '--start-date', '20180101', '--ref-yx', `${refRow},${refCol}`, '--out', out, '--device', 'cpu', '--quiet']);
    expect(r).toMatchObject({ code: 0, stderr: [] });
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.dates[0] >= '20180101').toBe(true);
    expect(summary.selection.reference).toMatchObject({ row: refRow, col: refCol });
  });
});
