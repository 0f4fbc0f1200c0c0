// The inversion on worker threads (src/cpu/invert-worker-pool.ts) gives the single-thread float64
// kernel's bits (CpuInvertKernel), tile after tile while it reuses its shared buffers and with
// tiles in flight together: random networks, weighted and unweighted (whole-network pixels then
// share one factorisation), split, sparse, empty and redundancy-skipped pixels, a nearly split
// pixel on the SVD fallback, a study-size network (286 dates, ~950 interferograms) and tiles of
// fewer pixels than threads. An error in a worker rejects that tile only; dispose() ends the
// threads. Fresh seed every run (in the describe name); PERMASAR_POOL_SEED=<n> replays one.
import type { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { makeNormal, makeRandom } from '../data/synthetic.ts';
import { CpuInvertKernel } from '../src/cpu/invert.ts';
import { WorkerPoolInvertKernel } from '../src/cpu/invert-worker-pool.ts';
import { buildIfgramNetwork, InvertStatus, type IfgramNetwork, type IfgramPair, type InvertOptions, type InvertOutputs, type InvertTile } from '../src/core/inversion.ts';

const seed = process.env.PERMASAR_POOL_SEED ? Number(process.env.PERMASAR_POOL_SEED) : (Math.random() * 2 ** 31) >>> 0;
console.log(`inversion worker pool: seed ${seed} (replay with PERMASAR_POOL_SEED=${seed})`);

const OPTIONS: InvertOptions = { minRedundancy: 1, metresPerRadian: Math.fround(-0.05546576 / (4 * Math.PI)) };
const THREADS = 3;

function ymd(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
}

/** Dates on a 12-day repeat with missed passes; each date paired with its next `reach(j)` (span 1 always), some later-first. */
function makeNetwork(random: () => number, nDates: number, reach: () => number): IfgramNetwork {
  const days = [Date.UTC(2017, 0, 3) / 86_400_000];
  while (days.length < nDates) days.push(days[days.length - 1] + (random() < 0.85 ? 12 : 24));
  const dates = days.map(ymd);
  const pairs: IfgramPair[] = [];
  for (let j = 0; j < nDates; j++) {
    const r = reach();
    for (let s = 1; s <= r && j + s < nDates; s++) {
      if (s > 1 && random() < 0.15) continue;
      pairs.push(random() < 0.1 ? { referenceDate: dates[j + s], secondaryDate: dates[j] } : { referenceDate: dates[j], secondaryDate: dates[j + s] });
    }
  }
  return buildIfgramNetwork(pairs, 'pool test network');
}

type PixelKind = 'full' | 'sparse' | 'cut' | 'empty' | 'mostlyEmpty' | 'bridge';

/** A tile of pixels of the kinds given: a random series per pixel, noisy pairs, then the kind's NaNs. */
function makeTile(random: () => number, network: IfgramNetwork, kinds: PixelKind[], weighted: boolean): InvertTile {
  const normal = makeNormal(random);
  const nPixels = kinds.length;
  const m = network.intervalStart.length;
  const nDates = network.dates.length;
  const phaseRad = new Float32Array(m * nPixels);
  const weightSqrt = weighted ? new Float32Array(m * nPixels) : null;
  kinds.forEach((kind, p) => {
    const ts = [0];
    for (let k = 0; k + 1 < nDates; k++) ts.push(ts[k] + network.intervalYears[k] * (-5 + 8 * random()) + 0.2 * normal());
    const cut = 2 + Math.floor((nDates - 4) * random());
    let bridged = false;
    for (let i = 0; i < m; i++) {
      const lo = network.intervalStart[i];
      const hi = network.intervalEnd[i];
      const sw = 0.5 + 4 * random();
      let y = network.pairSign[i] * (ts[hi] - ts[lo]) + normal() / sw;
      if (random() < 0.03) y += 2 * Math.PI;
      let w = sw;
      const crosses = lo <= cut && cut < hi;
      let masked = false;
      switch (kind) {
        case 'full': break;
        case 'sparse': masked = random() < 0.2; break;
        case 'cut': masked = crosses; break;
        case 'empty': masked = true; break;
        case 'mostlyEmpty': masked = random() < 0.7; break;
        case 'bridge':
          // One pair of tiny weight across the cut: gelsd truncates it (the SVD fallback).
          masked = crosses && bridged;
          if (crosses && !bridged) { bridged = true; w = 1e-6; }
          break;
      }
      phaseRad[i * nPixels + p] = masked ? Number.NaN : y;
      if (weightSqrt) weightSqrt[i * nPixels + p] = w;
    }
  });
  return { nPixels, phaseRad, weightSqrt };
}

function randomKinds(random: () => number, n: number, withBridge: boolean): PixelKind[] {
  const all: PixelKind[] = ['full', 'full', 'full', 'sparse', 'sparse', 'cut', 'empty', 'mostlyEmpty'];
  const kinds = Array.from({ length: n }, () => all[Math.floor(random() * all.length)]);
  if (withBridge) kinds[Math.floor(random() * n)] = 'bridge';
  return kinds;
}

function bytes(a: Float32Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function expectSameBits(got: InvertOutputs, want: InvertOutputs, where: string): void {
  for (const key of ['timeseriesM', 'temporalCoherence', 'numInvIfgram', 'status'] as const) {
    expect(got[key].length, `${where}: ${key}`).toBe(want[key].length);
    const a = bytes(got[key]);
    const b = bytes(want[key]);
    let first = -1;
    for (let i = 0; i < a.length && first < 0; i++) if (a[i] !== b[i]) first = i;
    expect(first, `${where}: ${key} differs first at byte ${first}`).toBe(-1);
  }
}

const pool = new WorkerPoolInvertKernel(THREADS, { workersAfterPixels: 0 });
afterAll(() => pool.dispose());

describe(`inversion on worker threads (seed ${seed})`, () => {
  it('gives CpuInvertKernel\'s bits on tiles of changing size, one after another and together', async () => {
    const random = makeRandom(seed);
    const small = makeNetwork(random, 25, () => 4);
    const study = makeNetwork(random, 286, () => { const r = random(); return r < 0.75 ? 3 : r < 0.92 ? 4 : 5; });
    expect(study.intervalStart.length).toBeGreaterThan(800);
    const cases: { name: string; network: IfgramNetwork; tile: InvertTile }[] = [
      { name: 'weighted, with a bridge pixel (SVD)', network: small, tile: makeTile(random, small, randomKinds(random, 203, true), true) },
      { name: 'one pixel (fewer than threads)', network: small, tile: makeTile(random, small, ['sparse'], true) },
      { name: 'study-size network, weighted', network: study, tile: makeTile(random, study, randomKinds(random, 90, false), true) },
      { name: 'unweighted (shared factorisation)', network: small, tile: makeTile(random, small, randomKinds(random, 150, false), false) },
      { name: 'two pixels, unweighted', network: small, tile: makeTile(random, small, ['full', 'cut'], false) },
      { name: 'study-size network, unweighted', network: study, tile: makeTile(random, study, randomKinds(random, 40, false), false) },
    ];
    await pool.whenReady();
    const reference = new CpuInvertKernel();
    const want: InvertOutputs[] = [];
    for (const c of cases) want.push(await reference.invertTile(c.tile, c.network, OPTIONS));
    // Every path is taken: solved, split, no data, redundancy, the SVD fallback.
    const statuses = new Set(want.flatMap((o) => [...o.status]));
    expect([...statuses].sort()).toEqual([InvertStatus.SOLVED, InvertStatus.NO_DATA, InvertStatus.REDUNDANCY].sort());
    expect(reference.svdPixels).toBe(1);

    for (const [k, c] of cases.entries()) expectSameBits(await pool.invertTile(c.tile, c.network, OPTIONS), want[k], `${c.name} (one after another)`);
    const together = await Promise.all(cases.map((c) => pool.invertTile(c.tile, c.network, OPTIONS)));
    cases.forEach((c, k) => expectSameBits(together[k], want[k], `${c.name} (together)`));
    expect(pool.svdPixels).toBe(2);
    // Both the workers and the calling thread took ranges.
    expect(pool.pixelsSolved.workers).toBeGreaterThan(0);
    expect(pool.pixelsSolved.caller).toBeGreaterThan(0);
    // The outputs are the caller's: later tiles did not overwrite the first one's.
    expectSameBits(together[0], want[0], 'first tile, after the others');
    // An empty tile.
    const empty = await pool.invertTile({ nPixels: 0, phaseRad: new Float32Array(0), weightSqrt: null }, small, OPTIONS);
    expect(empty.status.length).toBe(0);
  });

  it('an error in a worker rejects that tile only', async () => {
    const random = makeRandom(seed + 1);
    const network = makeNetwork(random, 12, () => 3);
    const tile = makeTile(random, network, randomKinds(random, 60, false).map((k) => (k === 'empty' ? 'full' : k)), true);
    await pool.whenReady();
    // One bad pixel, then one in every range (the workers, handed the first ranges, fail too).
    tile.phaseRad[2 * 60 + 41] = Number.POSITIVE_INFINITY;
    await expect(pool.invertTile(tile, network, OPTIONS)).rejects.toThrow(/phase Infinity for interferogram 2 of pixel 41/);
    const saved = tile.phaseRad.slice(2 * 60, 3 * 60);
    tile.phaseRad.fill(Number.NEGATIVE_INFINITY, 2 * 60, 3 * 60);
    await expect(pool.invertTile(tile, network, OPTIONS)).rejects.toThrow(/phase -Infinity for interferogram 2 of pixel \d+/);
    tile.phaseRad.set(saved, 2 * 60);
    tile.phaseRad[2 * 60 + 41] = 1;
    expectSameBits(await pool.invertTile(tile, network, OPTIONS), await new CpuInvertKernel().invertTile(tile, network, OPTIONS), 'after an error');
  });

  it('starts its workers once given enough pixels; dispose() ends them', async () => {
    const own = new WorkerPoolInvertKernel(2, { workersAfterPixels: 5 });
    const random = makeRandom(seed + 2);
    const network = makeNetwork(random, 10, () => 2);
    const tile = makeTile(random, network, ['full', 'sparse', 'full'], true);
    const want = await new CpuInvertKernel().invertTile(tile, network, OPTIONS);
    expectSameBits(await own.invertTile(tile, network, OPTIONS), want, 'before the workers');
    expect(own.workerThreads).toBe(0);
    expect(own.description).toMatch(/1 thread \(small run\)/);
    expectSameBits(await own.invertTile(tile, network, OPTIONS), want, 'as they start');
    expect(own.workerThreads).toBe(1);
    expect(own.description).toMatch(/2 threads/);
    const workers = [...(own as unknown as { workers: Worker[] }).workers];
    expect(workers.length).toBe(1);
    expect(workers.every((w) => w.threadId > 0)).toBe(true);
    const exited = workers.map((w) => new Promise((resolve) => w.once('exit', resolve)));
    await own.dispose();
    await Promise.all(exited);
    expect(workers.every((w) => w.threadId === -1)).toBe(true);
    expect(own.workerThreads).toBe(0);
    await expect(own.invertTile(makeTile(random, network, ['full'], true), network, OPTIONS)).rejects.toThrow(/after dispose/);
  });
});
