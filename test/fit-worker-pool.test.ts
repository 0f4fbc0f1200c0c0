// The CPU fit on worker threads (src/cpu/worker-pool.ts) equals the single-thread float64
// kernel bit for bit, tile after tile, while it reuses its shared buffers: a large tile, a
// smaller one (whose buffers are the large one's, stale values beyond its end), a larger one
// again, and tiles in flight together. Seed logged; PERMASAR_POOL_SEED=<n> replays one.
import { afterAll, describe, expect, it } from 'vitest';
import { generateStack } from '../data/synthetic.ts';
import { fitTileCpu } from '../src/cpu/fit.ts';
import { WorkerPoolFitKernel } from '../src/cpu/worker-pool.ts';
import { DEFAULT_FIT_OPTIONS, FIT_PRODUCT_KEYS, type FitContext, type FitProducts } from '../src/core/fit-types.ts';

const seed = process.env.PERMASAR_POOL_SEED ? Number(process.env.PERMASAR_POOL_SEED) : (Math.random() * 2 ** 31) >>> 0;
console.log(`fit worker pool: seed ${seed} (replay with PERMASAR_POOL_SEED=${seed})`);

const pool = new WorkerPoolFitKernel(2);
afterAll(() => pool.dispose());

describe('CPU fit on worker threads', () => {
  it('equals the single-thread kernel on tiles of changing size, one after another and together', async () => {
    const stack = generateStack({ seed, width: 60, height: 20, noiseMm: 1.5 });
    const nDates = stack.axis.dates.length;
    const context: FitContext = { tCentredYears: stack.axis.tCentredYears, tMidYears: stack.axis.tMidYears, scaleToMm: 1, options: DEFAULT_FIT_OPTIONS };
    // Tile = pixels [first, first + n) of the stack, date-major.
    const tileOf = (first: number, n: number) => {
      const values = new Float32Array(n * nDates);
      for (let d = 0; d < nDates; d++) values.set(stack.values.subarray(d * 1200 + first, d * 1200 + first + n), d * n);
      return { nPixels: n, nDates, values };
    };
    const tiles = [tileOf(0, 1200), tileOf(100, 377), tileOf(500, 700), tileOf(3, 1), tileOf(600, 600)];
    const sequential: FitProducts[] = [];
    for (const tile of tiles) sequential.push(await pool.fitTile(tile, context));
    const together = await Promise.all(tiles.map((tile) => pool.fitTile(tile, context)));
    tiles.forEach((tile, i) => {
      const reference = fitTileCpu(tile, context);
      for (const key of FIT_PRODUCT_KEYS) {
        expect(sequential[i][key], `tile ${i} ${key} (one after another)`).toEqual(reference[key]);
        expect(together[i][key], `tile ${i} ${key} (together)`).toEqual(reference[key]);
      }
    });
    // The products are the caller's: a later tile does not overwrite an earlier result.
    expect(sequential[0].rateMmPerYear.length).toBe(1200);
    expect(sequential[0].rateMmPerYear.some(Number.isFinite)).toBe(true);
  });
});
