// The float64 fit on every core (Node worker threads). Each tile is copied once into shared
// memory and split into contiguous pixel ranges, one per worker; products come back in shared
// arrays, so nothing is serialised but the small request.
//
// The shared buffers are reused from tile to tile (one pair per tile in flight). A fresh
// SharedArrayBuffer per tile is freed only once every worker's isolate has collected its
// handle, and idle workers rarely collect: on a 1000 × 1000 × 223 stack the process then held
// ~1 GB of dead tiles (bench/README.md). The products (9 floats a pixel against the tile's
// nDates) are copied out, so the pair can go back at once.
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { FIT_PRODUCT_KEYS, type FitContext, type FitKernel, type FitProducts, type SeriesTile } from '../core/fit-types.ts';
import type { FitWorkerRequest } from './fit-worker-body.ts';

interface Pending { resolve: () => void; reject: (e: Error) => void }
interface SharedPair { values: SharedArrayBuffer; products: SharedArrayBuffer }

export class WorkerPoolFitKernel implements FitKernel {
  readonly kind = 'cpu' as const;
  readonly description: string;
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | null = null;
  private readonly freePairs: SharedPair[] = [];

  constructor(threadCount = Math.max(1, os.availableParallelism?.() ?? os.cpus().length)) {
    this.description = `cpu (float64, ${threadCount} worker thread${threadCount > 1 ? 's' : ''})`;
    for (let i = 0; i < threadCount; i++) {
      const worker = new Worker(new URL('./fit-worker.mjs', import.meta.url));
      worker.on('message', (m: { id: number; ok: boolean; error?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.ok) p.resolve();
        else p.reject(new Error(`cpu fit worker failed: ${m.error}`));
      });
      worker.on('error', (e) => this.fail(e));
      worker.unref();
      this.workers.push(worker);
    }
  }

  private fail(e: Error): void {
    this.failure = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  maxTilePixels(nDates: number): number {
    // 64 MiB of series per tile keeps host memory bounded and gives every worker a share.
    return Math.max(this.workers.length, Math.floor((64 << 20) / (4 * Math.max(1, nDates))));
  }

  async fitTile(tile: SeriesTile, context: FitContext): Promise<FitProducts> {
    if (this.failure) throw this.failure;
    const { nPixels, nDates } = tile;
    const pair = this.acquirePair(nPixels * nDates * 4, FIT_PRODUCT_KEYS.length * nPixels * 4);
    const { values, products } = pair;
    new Float32Array(values, 0, nPixels * nDates).set(tile.values.subarray(0, nPixels * nDates));
    const share = Math.ceil(nPixels / this.workers.length);
    const jobs: Promise<void>[] = [];
    const plainContext = { ...context, tCentredYears: Array.from(context.tCentredYears) };
    for (let w = 0; w < this.workers.length; w++) {
      const pixelStart = w * share;
      const pixelEnd = Math.min(nPixels, pixelStart + share);
      if (pixelStart >= pixelEnd) break;
      const id = this.nextId++;
      jobs.push(new Promise<void>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        const request: FitWorkerRequest = { id, nPixels, nDates, values, products, pixelStart, pixelEnd, context: plainContext };
        this.workers[w].postMessage(request);
      }));
    }
    this.workers.forEach((w) => w.ref());
    try {
      await Promise.all(jobs);
      const out = {} as FitProducts;
      FIT_PRODUCT_KEYS.forEach((key, k) => {
        out[key] = new Float32Array(products, k * nPixels * 4, nPixels).slice();
      });
      return out;
    } finally {
      if (this.pending.size === 0) this.workers.forEach((w) => w.unref());
      // A failed tile's buffers may still be in a worker's hands: only a finished one goes back.
      if (!this.failure) this.freePairs.push(pair);
    }
  }

  /** A free pair of shared buffers at least this large (smaller free ones are dropped). */
  private acquirePair(valueBytes: number, productBytes: number): SharedPair {
    while (this.freePairs.length) {
      const pair = this.freePairs.pop()!;
      if (pair.values.byteLength >= valueBytes && pair.products.byteLength >= productBytes) return pair;
    }
    return { values: new SharedArrayBuffer(valueBytes), products: new SharedArrayBuffer(productBytes) };
  }

  async dispose(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
    this.freePairs.length = 0;
  }
}
