// compare (and vertical) in row blocks give the same outputs as in one block: rasters spanning
// several blocks (blockRows 7 and 64 vs one block of the whole height), every GeoTIFF's pixels
// bit for bit, the PNGs byte for byte, the summary's counts equal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { writeFitPair } from '../data/fit-pair.ts';
import { compareJob } from '../src/pipeline/jobs/compare.ts';
import { verticalJob } from '../src/pipeline/jobs/vertical.ts';
import { readRaster } from '../src/io/raster-node.ts';
import type { JobContext } from '../src/pipeline/jobs/context.ts';

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
    } else if (name.endsWith('.png')) {
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
