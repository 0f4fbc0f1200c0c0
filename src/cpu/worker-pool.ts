// The float64 fit on every core (Node worker threads). Each tile is copied once into shared
// memory and split into contiguous pixel ranges, one per worker; products come back in shared
// arrays, so nothing is serialised but the small request.
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { FIT_PRODUCT_KEYS, type FitContext, type FitKernel, type FitProducts, type SeriesTile } from '../core/fit-types.ts';
import type { FitWorkerRequest } from './fit-worker-body.ts';

interface Pending { resolve: () => void; reject: (e: Error) => void }

export class WorkerPoolFitKernel implements FitKernel {
  readonly kind = 'cpu' as const;
  readonly description: string;
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | null = null;

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
    const values = new SharedArrayBuffer(nPixels * nDates * 4);
    new Float32Array(values).set(tile.values.subarray(0, nPixels * nDates));
    const products = new SharedArrayBuffer(FIT_PRODUCT_KEYS.length * nPixels * 4);
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
    } finally {
      if (this.pending.size === 0) this.workers.forEach((w) => w.unref());
    }
    const out = {} as FitProducts;
    FIT_PRODUCT_KEYS.forEach((key, k) => {
      out[key] = new Float32Array(products, k * nPixels * 4, nPixels);
    });
    return out;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
