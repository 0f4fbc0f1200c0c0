// compare, vertical, alt and envelope in row blocks give the same outputs as in one block:
// rasters spanning several blocks (blockRows 5, 6, 7, 64 vs one block of the whole height),
// every GeoTIFF's pixels bit for bit, the PNGs byte for byte, the CSVs equal, the summaries'
// numbers equal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { writeFitPair } from '../data/fit-pair.ts';
import { compareJob } from '../src/jobs/compare.ts';
import { verticalJob } from '../src/jobs/vertical.ts';
import { readRaster } from '../src/io/raster-node.ts';
import { altJob } from '../src/jobs/alt.ts';
import { envelopeJob } from '../src/jobs/envelope.ts';
import { writeGeoTiffFile } from '../src/io/geotiff-write-node.ts';
import { makeRandom } from '../data/synthetic.ts';
import type { RasterGrid } from '../src/core/grid.ts';
import type { JobContext } from '../src/jobs/support/context.ts';

const seed = (Math.random() * 2 ** 31) >>> 0;
console.log(`blocks-jobs: seed ${seed}`);
const ctx: JobContext = { device: 'cpu', log: () => {} };
let dir = '';
let pair: { ascending: string; descending: string };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'permasar-blocks-'));
  pair = await writeFitPair(dir, 97, 83, seed);
}, 60_000);
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

async function expectSameFolders(a: string, b: string): Promise<void> {
  const names = (await readdir(a)).sort();
  expect((await readdir(b)).sort()).toEqual(names);
  expect(names.some((n) => n.endsWith('.tif'))).toBe(true);
  for (const name of names) {
    if (name.endsWith('.tif')) {
      const [x, y] = [await readRaster(path.join(a, name)), await readRaster(path.join(b, name))];
      expect(y.grid).toEqual(x.grid);
      expect(Buffer.from(y.data.buffer).equals(Buffer.from(x.data.buffer)), name).toBe(true);
    } else if (name.endsWith('.png') || name.endsWith('.csv')) {
      expect((await readFile(path.join(b, name))).equals(await readFile(path.join(a, name))), name).toBe(true);
    }
  }
}

describe('row blocks', () => {
  it('compare: blocks of 7 and 64 rows give the one-block outputs', async () => {
    const one = await compareJob(pair, { blockRows: 1000 }, path.join(dir, 'cmp-1'), ctx);
    expect(one.counts.secular.tested).toBeGreaterThan(1000);
    for (const rows of [7, 64]) {
      const many = await compareJob(pair, { blockRows: rows }, path.join(dir, `cmp-${rows}`), ctx);
      expect(many.counts).toEqual(one.counts);
      await expectSameFolders(path.join(dir, 'cmp-1'), path.join(dir, `cmp-${rows}`));
    }
  }, 120_000);

  it('vertical: blocks of 5 rows give the one-block outputs', async () => {
    const one = await verticalJob({ fit: pair.ascending }, { blockRows: 1000 }, path.join(dir, 'vert-1'), ctx);
    const many = await verticalJob({ fit: pair.ascending }, { blockRows: 5 }, path.join(dir, 'vert-5'), ctx);
    expect(one.counts.rate).toBeGreaterThan(1000);
    expect(many.counts).toEqual(one.counts);
    expect(many.verticalOverLosRatio).toEqual(one.verticalOverLosRatio);
    await expectSameFolders(path.join(dir, 'vert-1'), path.join(dir, 'vert-5'));
  }, 120_000);
});

/** A summary's content without what differs between two runs (time stamps, durations). */
function numbersOf(summary: object): unknown {
  return JSON.parse(JSON.stringify(summary, (key, value) => (key === 'created' || key === 'elapsedSeconds' ? undefined : value)));
}

describe('row blocks: alt and envelope', () => {
  let amplitude = '';
  let amplitudeByYear = '';
  let moisture = '';
  let reference = '';
  let sites = '';

  beforeAll(async () => {
    // The vertical amplitude of the pair's ascending track; N and the reference ALT on coarser
    // grids (resampled per block); a five-year amplitude for the by-year path; sites on the grid.
    await verticalJob({ fit: pair.ascending }, {}, path.join(dir, 'alt-vert'), ctx);
    amplitude = path.join(dir, 'alt-vert', 'amplitude_vertical.tif');
    const a = await readRaster(amplitude);
    const random = makeRandom(seed + 7);
    const [x0, dx, , y0, , dy] = a.grid.geoTransform;
    const coarse: RasterGrid = { width: 30, height: 27, geoTransform: [x0 - dx, dx * 3.4, 0, y0 - dy, 0, dy * 3.3], epsg: 4326 };
    moisture = path.join(dir, 'moisture.tif');
    await writeGeoTiffFile(moisture, coarse, Float32Array.from({ length: 30 * 27 }, () => 0.3 + 0.2 * random()), { sampleType: 'float32', bandUnit: 'm3/m3' });
    reference = path.join(dir, 'reference_alt.tif');
    await writeGeoTiffFile(reference, coarse, Float32Array.from({ length: 30 * 27 }, () => (random() < 0.05 ? NaN : 0.5 + 3 * random())), { sampleType: 'float32', bandUnit: 'm' });
    const years = [2017, 2018, 2019, 2020, 2021];
    amplitudeByYear = path.join(dir, 'amplitude_by_year_vertical.tif');
    await writeGeoTiffFile(amplitudeByYear, a.grid, years.map(() => a.data.map((v) => (random() < 0.1 ? NaN : v * (0.7 + 0.6 * random())))), { sampleType: 'float32', bandUnit: 'mm', bandDescriptions: years.map(String) });
    const lines = ['name,lon,lat,alt_m'];
    for (let k = 0; k < 14; k++) {
      const lon = x0 + dx * a.grid.width * (0.05 + 0.9 * random());
      const lat = y0 + dy * a.grid.height * (0.05 + 0.9 * random());
      lines.push(`s${k},${lon},${lat},${(2 + random()).toFixed(3)}`);
    }
    sites = path.join(dir, 'sites.csv');
    await writeFile(sites, lines.join('\n') + '\n');
  }, 60_000);

  it('alt with sites: blocks of 6 rows give the one-block outputs', async () => {
    const one = await altJob({ amplitude, moisture, sites }, { blockRows: 1000 }, path.join(dir, 'alt-1'), ctx);
    const many = await altJob({ amplitude, moisture, sites }, { blockRows: 6 }, path.join(dir, 'alt-6'), ctx);
    expect(one.pixels.withAlt).toBeGreaterThan(1000);
    expect(one.sites!.kept).toBeGreaterThan(3);
    expect(numbersOf(many)).toEqual(numbersOf(one));
    await expectSameFolders(path.join(dir, 'alt-1'), path.join(dir, 'alt-6'));
  }, 120_000);

  it('alt by year (five bands, constant N): blocks of 5 rows give the one-block outputs', async () => {
    const one = await altJob({ amplitude: amplitudeByYear, moisture: 0.4 }, { blockRows: 1000, constantN: 0.1 }, path.join(dir, 'alt-years-1'), ctx);
    const many = await altJob({ amplitude: amplitudeByYear, moisture: 0.4 }, { blockRows: 5, constantN: 0.1 }, path.join(dir, 'alt-years-5'), ctx);
    expect((await readdir(path.join(dir, 'alt-years-5')))).toContain('alt_trend.tif');
    expect((one.products as Record<string, { pixels?: number }>)['alt_trend.tif'].pixels).toBeGreaterThan(1000);
    expect(numbersOf(many)).toEqual(numbersOf(one));
    await expectSameFolders(path.join(dir, 'alt-years-1'), path.join(dir, 'alt-years-5'));
  }, 120_000);

  it('envelope: blocks of 7 rows give the one-block outputs', async () => {
    const one = await envelopeJob({ amplitude, altReference: reference }, { blockRows: 1000, minBinCount: 20 }, path.join(dir, 'env-1'), ctx);
    const many = await envelopeJob({ amplitude, altReference: reference }, { blockRows: 7, minBinCount: 20 }, path.join(dir, 'env-7'), ctx);
    expect(one.pairsUsed).toBeGreaterThan(1000);
    expect(numbersOf(many)).toEqual(numbersOf(one));
    expect((await readFile(path.join(dir, 'env-7', 'envelope.png'))).equals(await readFile(path.join(dir, 'env-1', 'envelope.png')))).toBe(true);
  }, 120_000);
});
