// How the fit cuts a stack into tiles (issue 13: memory follows the tile) and what it keeps for
// the summary: tile rows within the byte budget and on whole storage chunks, products that do not
// depend on where the tiles fall, and streaming percentiles equal to the exact ones.
import { describe, expect, it } from 'vitest';
import { makeRandom, generateStack } from '../data/synthetic.ts';
import { FIT_TILE_SERIES_BYTES, fitTileRows, runFitPipeline, type FitProductWriter } from '../src/pipeline/fit.ts';
import { PERCENTILES, quantileSorted, selectQuantiles, StreamingStatistics } from '../src/pipeline/stats.ts';
import { CpuFitKernel } from '../src/cpu/fit.ts';
import { DEFAULT_FIT_OPTIONS, FIT_PRODUCT_KEYS, type FitKernel, type FitProductKey } from '../src/core/fit-types.ts';

const seed = (Math.random() * 2 ** 31) >>> 0;
console.log(`fit-tiles: seed ${seed}`);
const random = makeRandom(seed);
const randomInt = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

describe('fitTileRows', () => {
  it('stays within the byte budget and the kernel, on whole chunks, at least one row', () => {
    for (let trial = 0; trial < 2000; trial++) {
      const width = randomInt(1, 40_000);
      const height = randomInt(1, 20_000);
      const nDates = randomInt(1, 600);
      const kernelMax = random() < 0.5 ? randomInt(1, 5_000_000) : Number.MAX_SAFE_INTEGER;
      const chunkRows = random() < 0.3 ? undefined : randomInt(1, 300);
      const rows = fitTileRows(width, height, nDates, kernelMax, chunkRows);
      expect(rows).toBeGreaterThanOrEqual(1);
      expect(rows).toBeLessThanOrEqual(height);
      if (rows > 1) {
        expect(rows * width).toBeLessThanOrEqual(kernelMax);
        expect(4 * rows * width * nDates).toBeLessThanOrEqual(FIT_TILE_SERIES_BYTES);
      }
      // The web app's progress granularity is a parameter of the same rule, never more rows.
      const minTiles = randomInt(2, 40);
      const fine = fitTileRows(width, height, nDates, kernelMax, chunkRows, minTiles);
      expect(fine).toBeGreaterThanOrEqual(1);
      expect(fine).toBeLessThanOrEqual(rows);
      expect(fine).toBeLessThanOrEqual(Math.max(1, Math.ceil(height / minTiles)));
      const unaligned = fitTileRows(width, height, nDates, kernelMax);
      if (chunkRows && unaligned > chunkRows && rows < height) {
        expect(rows % chunkRows).toBe(0);
        expect(unaligned - rows).toBeLessThan(chunkRows);
      }
    }
  });
});

describe('StreamingStatistics', () => {
  it('gives the exact count, extremes, mean and percentiles of every finite pixel, fed in any blocks', () => {
    const n = randomInt(3000, 20_000);
    const raster = new Float32Array(n);
    for (let i = 0; i < n; i++) raster[i] = random() < 0.1 ? Number.NaN : (random() - 0.3) * 80;
    const stats = new StreamingStatistics();
    for (let i = 0; i < n;) {
      const size = randomInt(1, 2500);
      stats.add(raster.subarray(i, Math.min(n, i + size)));
      i += size;
    }
    const finite = Float64Array.from(raster.filter((v) => Number.isFinite(v))).sort();
    const result = stats.result();
    expect(result.count).toBe(finite.length);
    expect(result.min).toBe(finite[0]);
    expect(result.max).toBe(finite[finite.length - 1]);
    expect(result.mean).toBeCloseTo(finite.reduce((a, b) => a + b, 0) / finite.length, 9);
    expect(result.sampled).toBe(false);
    for (const p of PERCENTILES) expect(result.percentiles[`p${p}`]).toBe(quantileSorted(finite, p / 100));
    expect(Array.from(stats.sampleValues())).toEqual(Array.from(raster.filter((v) => Number.isFinite(v))));
  });

  it('selects the quantiles a full sort gives, for any size, ties and quantile list', () => {
    for (let trial = 0; trial < 200; trial++) {
      const n = trial < 40 ? trial + 1 : randomInt(1, 5000);
      // Continuous values, few distinct values (flags, counts), or sorted/reversed runs.
      const kind = randomInt(0, 3);
      const values = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        values[i] = kind === 0 ? (random() - 0.5) * 1e3 : kind === 1 ? randomInt(0, 3) : kind === 2 ? i : n - i;
      }
      const qs = Array.from({ length: randomInt(1, 9) }, () => (random() < 0.2 ? [0, 1][randomInt(0, 1)] : random()));
      const sorted = Float64Array.from(values).sort();
      const got = selectQuantiles(values.slice(), qs);
      qs.forEach((q, i) => expect(got[i], `n ${n} kind ${kind} q ${q}`).toBe(quantileSorted(sorted, q)));
    }
  });

  it('samples every stride-th pixel of the raster, NaN pixels counted', () => {
    const n = randomInt(5000, 30_000);
    const stride = randomInt(2, 9);
    const raster = new Float32Array(n);
    for (let i = 0; i < n; i++) raster[i] = random() < 0.2 ? Number.NaN : random() * 10;
    const stats = new StreamingStatistics(stride);
    stats.add(raster.subarray(0, 777));
    stats.add(raster.subarray(777));
    const kept = raster.filter((v, i) => i % stride === 0 && Number.isFinite(v));
    expect(Array.from(stats.sampleValues())).toEqual(Array.from(kept));
    expect(stats.result().sampled).toBe(true);
  });
});

describe('runFitPipeline', () => {
  it('gives the same products whatever the tiles and chunk alignment', async () => {
    const width = randomInt(5, 23), height = randomInt(20, 45);
    const synthetic = generateStack({ seed: randomInt(1, 1e9), width, height });
    const nDates = synthetic.axis.dates.length;
    const run = async (maxPixels: number, rowsPerChunk?: number) => {
      const out = Object.fromEntries(FIT_PRODUCT_KEYS.map((k) => [k, new Float32Array(width * height).fill(-12345)])) as Record<FitProductKey, Float32Array>;
      const tiles: number[] = [];
      const writer: FitProductWriter = { writeRows: (key, row0, nRows, data) => { out[key].set(data, row0 * width); if (key === FIT_PRODUCT_KEYS[0]) tiles.push(nRows); } };
      const cpu = new CpuFitKernel();
      const kernel: FitKernel = { kind: cpu.kind, description: cpu.description, fitTile: (t, c) => cpu.fitTile(t, c), maxTilePixels: () => maxPixels, dispose: () => cpu.dispose() };
      const stack = {
        grid: { width, height, geoTransform: [92, 0.001, 0, 35, 0, -0.001] as [number, number, number, number, number, number], epsg: 4326 },
        dates: synthetic.axis.dates,
        rowsPerChunk,
        async readRows(row0: number, nRows: number) {
          const v = new Float32Array(nDates * nRows * width);
          for (let d = 0; d < nDates; d++) v.set(synthetic.values.subarray((d * height + row0) * width, (d * height + row0 + nRows) * width), d * nRows * width);
          return v;
        },
      };
      await runFitPipeline({ stack, kernel, options: DEFAULT_FIT_OPTIONS, scaleToMm: 1, writer });
      return { out, tiles };
    };
    const whole = await run(Number.MAX_SAFE_INTEGER);
    expect(whole.tiles).toEqual([height]);
    const rowsPerTile = randomInt(2, 9);
    const chunkRows = randomInt(2, rowsPerTile);
    const cut = await run(rowsPerTile * width, chunkRows);
    const expectedRows = rowsPerTile - (rowsPerTile % chunkRows);
    expect(cut.tiles.slice(0, -1).every((r) => r === expectedRows)).toBe(true);
    expect(cut.tiles.reduce((a, b) => a + b, 0)).toBe(height);
    for (const key of FIT_PRODUCT_KEYS) {
      expect(cut.out[key].some((v) => v === -12345)).toBe(false);
      expect(Array.from(cut.out[key])).toEqual(Array.from(whole.out[key]));
    }
  });
});

describe('CPU fit of complete series', () => {
  it('gives the same bits through the once-per-tile normal matrices as through the per-pixel ones', async () => {
    const { fitTileCpu } = await import('../src/cpu/fit.ts');
    const { makeTimeAxis } = await import('../src/core/time.ts');
    const { regularDates } = await import('../data/synthetic.ts');
    const width = randomInt(8, 24), height = randomInt(8, 24), nPixels = width * height;
    const dates = regularDates('20150101', '20230101', randomInt(6, 24));
    const synthetic = generateStack({ seed: randomInt(1, 1e9), width, height, dates, gapFraction: 0, nanPixelFraction: 0, fewEpochFraction: 0 });
    // One more date inside the span, no data at any pixel: every pixel then has a gap and takes
    // the per-pixel path, on the same epochs and the same centred times (t_mid is the midpoint of
    // the first and last dates).
    const at = randomInt(1, dates.length - 1);
    const extra = regularDates(dates[at - 1], dates[at], 1)[1];
    expect(extra > dates[at - 1] && extra < dates[at]).toBe(true);
    const gappyDates = [...dates.slice(0, at), extra, ...dates.slice(at)];
    const gappy = new Float32Array(nPixels * gappyDates.length);
    gappy.set(synthetic.values.subarray(0, at * nPixels), 0);
    gappy.fill(Number.NaN, at * nPixels, (at + 1) * nPixels);
    gappy.set(synthetic.values.subarray(at * nPixels), (at + 1) * nPixels);
    const fit = (ds: string[], values: Float32Array) => {
      const axis = makeTimeAxis(ds);
      return fitTileCpu({ nPixels, nDates: ds.length, values }, { tCentredYears: axis.tCentredYears, tMidYears: axis.tMidYears, scaleToMm: 1, options: DEFAULT_FIT_OPTIONS });
    };
    const fast = fit(dates, synthetic.values);
    const slow = fit(gappyDates, gappy);
    expect(fast.seasonalFlag.some((v) => v === 1)).toBe(true);
    for (const key of FIT_PRODUCT_KEYS) {
      for (let p = 0; p < nPixels; p++) expect(Object.is(fast[key][p], slow[key][p]), `${key} at pixel ${p}`).toBe(true);
    }
  });
});
