// The float64 inversion (invert.ts) on every core: the calling thread and threads − 1 Node worker
// threads. Each tile is copied once into shared memory (phase, √weight) and cut into pixel
// ranges that the threads take as they come free (a few per thread: a core the shared machine
// lends elsewhere, or a pixel on the SVD fallback, does not hold the others up); every range's
// outputs are written straight into shared arrays, copied out once the tile is done. Every
// pixel is solved by the same function as in CpuInvertKernel (invertPixelRange), so the
// outputs are the same bits whichever thread solved it.
//
// The calling thread takes ranges too, between which it yields to the event loop so workers
// get new ones (each also holds one in reserve). A worker costs ~0.2 s of CPU to start (tsx
// registers its own loader there) and ~0.1 s more before its code is optimised: on the 2-core
// machine, starting one made a 60 × 60-pixel run of the study's network (its inversion ~0.3 s,
// its whole job ~1.4 s) 0.1 s slower. So the workers are started only once the pool has been
// given WORKERS_AFTER_PIXELS pixels, and get ranges only once they have said they are ready;
// until then, and on a 1-core machine, the calling thread does the work alone.
//
// As in the fit's pool (worker-pool.ts), the shared buffers are reused from tile to tile (one
// pair per tile in flight): a fresh SharedArrayBuffer per tile is freed only once every worker's
// isolate has collected its handle, which idle workers rarely do. Workers are unref'd while idle,
// so a pool nobody disposed does not keep the process alive. A network is sent to a worker once
// and then named by its id: it is taken as unchanged while it is the same object.
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { allocateInvertOutputs, checkIfgramNetwork, checkInvertTile, type IfgramNetwork, type InvertKernel, type InvertOptions, type InvertOutputs, type InvertTile } from '../core/inversion.ts';
import { invertPixelRange } from './invert.ts';
import type { InvertSharedLayout, InvertWorkerReply, InvertWorkerRequest } from './invert-worker-body.ts';

/** Pixel ranges per thread and tile; the smallest range worth a message, and the largest the calling thread solves without yielding (~40 ms). */
const RANGES_PER_THREAD = 8;
const MIN_RANGE_PIXELS = 32;
const MAX_RANGE_PIXELS = 1024;
/** Ranges sent to a worker ahead of its replies. */
const WORKER_DEPTH = 2;
/** Pixels given to the pool before it starts its workers (~0.3 s of work for one thread). */
export const WORKERS_AFTER_PIXELS = 8192;

interface SharedPair { input: SharedArrayBuffer; output: SharedArrayBuffer }

/** What the ranges of one tile share. */
interface TileWork {
  network: IfgramNetwork;
  options: InvertOptions;
  /** Views on the shared buffers, for the ranges the calling thread solves. */
  tile: InvertTile;
  out: InvertOutputs;
  /** Once a range fails, the others still queued are dropped. */
  failed: boolean;
}

/** One pixel range of a tile, waiting for a thread or in one's hands. */
interface Range {
  request: Omit<InvertWorkerRequest, 'id' | 'network'>;
  work: TileWork;
  resolve: (svdPixels: number) => void;
  reject: (e: Error) => void;
}

export class WorkerPoolInvertKernel implements InvertKernel {
  readonly kind = 'cpu' as const;
  /** Pixels solved by the SVD fallback since construction (as CpuInvertKernel counts them). */
  svdPixels = 0;
  /** Pixels solved on the calling thread and on the workers since construction. */
  readonly pixelsSolved = { caller: 0, workers: 0 };
  private readonly workers: Worker[] = [];
  /** Whether each worker has loaded its body. */
  private readonly ready: boolean[] = [];
  /** The ranges sent to each worker, oldest (the one it is solving) first. */
  private readonly inHand: Range[][] = [];
  /** Id of the network each worker last received. */
  private readonly workerNetwork: number[] = [];
  private readonly queue: Range[] = [];
  private readonly networkIds = new WeakMap<IfgramNetwork, number>();
  private nextNetworkId = 1;
  private nextId = 1;
  private failure: Error | null = null;
  private disposed = false;
  private readonly freePairs: SharedPair[] = [];
  private readonly threadCount: number;
  private readonly workersAfterPixels: number;
  private pixelsGiven = 0;
  private started = false;

  /**
   * @param threadCount threads solving pixels, the calling one included (threadCount − 1 workers)
   * @param options.workersAfterPixels start the workers once this many pixels were given
   *   (default WORKERS_AFTER_PIXELS; 0: at once)
   */
  constructor(threadCount = Math.max(1, os.availableParallelism?.() ?? os.cpus().length), options: { workersAfterPixels?: number } = {}) {
    this.threadCount = Math.max(1, Math.floor(threadCount));
    this.workersAfterPixels = options.workersAfterPixels ?? WORKERS_AFTER_PIXELS;
    if (this.workersAfterPixels <= 0) this.startWorkers();
  }

  /** The threads used so far: the calling one, and the workers once started. */
  get description(): string {
    const n = this.threadCount;
    if (this.started || n === 1) return `cpu: float64 reference, ${n} thread${n > 1 ? 's' : ''}`;
    return 'cpu: float64 reference, 1 thread (small run)';
  }

  private startWorkers(): void {
    this.started = true;
    for (let w = 0; w + 1 < this.threadCount; w++) {
      const worker = new Worker(new URL('./invert-worker.mjs', import.meta.url));
      worker.on('message', (reply: InvertWorkerReply) => this.received(w, reply));
      worker.on('error', (e) => this.fail(e));
      worker.on('exit', (code) => {
        if (!this.disposed) this.fail(new Error(`cpu inversion worker ${w} exited (code ${code})`));
      });
      worker.unref();
      this.workers.push(worker);
      this.ready.push(false);
      this.inHand.push([]);
      this.workerNetwork.push(0);
    }
  }

  /** Live worker threads, the calling thread not counted (0 before they start and once disposed). */
  get workerThreads(): number {
    return this.workers.length;
  }

  /** Resolves once every started worker has loaded (tests and benchmarks; the pool never waits for this). */
  whenReady(): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.failure) reject(this.failure);
        else if (this.ready.every(Boolean)) resolve();
        else setTimeout(check, 10);
      };
      check();
    });
  }

  async invertTile(tile: InvertTile, network: IfgramNetwork, options: InvertOptions): Promise<InvertOutputs> {
    if (this.failure) throw this.failure;
    if (this.disposed) throw new Error('cpu inversion pool: used after dispose()');
    checkIfgramNetwork(network);
    checkInvertTile(tile, network);
    const n = tile.nPixels;
    const nIfgrams = network.intervalStart.length;
    const nDates = network.dates.length;
    if (n === 0) return allocateInvertOutputs(0, nDates);
    this.pixelsGiven += n;
    if (!this.started && this.pixelsGiven >= this.workersAfterPixels) this.startWorkers();
    const plane = 4 * nIfgrams * n;
    const layout: InvertSharedLayout = {
      phase: 0,
      weight: tile.weightSqrt ? plane : null,
      timeseries: 0,
      temporalCoherence: 4 * nDates * n,
      numInvIfgram: 4 * (nDates + 1) * n,
      status: 4 * (nDates + 2) * n,
    };
    const pair = this.acquirePair(tile.weightSqrt ? 2 * plane : plane, layout.status + n);
    const shared: InvertTile = {
      nPixels: n,
      phaseRad: new Float32Array(pair.input, layout.phase, nIfgrams * n),
      weightSqrt: layout.weight === null ? null : new Float32Array(pair.input, layout.weight, nIfgrams * n),
    };
    shared.phaseRad.set(tile.phaseRad);
    if (tile.weightSqrt) shared.weightSqrt!.set(tile.weightSqrt);
    const out: InvertOutputs = {
      timeseriesM: new Float32Array(pair.output, layout.timeseries, nDates * n),
      temporalCoherence: new Float32Array(pair.output, layout.temporalCoherence, n),
      numInvIfgram: new Float32Array(pair.output, layout.numInvIfgram, n),
      status: new Uint8Array(pair.output, layout.status, n),
    };
    let networkId = this.networkIds.get(network);
    if (networkId === undefined) this.networkIds.set(network, (networkId = this.nextNetworkId++));
    const threads = this.workers.length + 1;
    const rangePixels = Math.min(MAX_RANGE_PIXELS, Math.max(MIN_RANGE_PIXELS, Math.ceil(n / (threads * RANGES_PER_THREAD))));
    const work: TileWork = { network, options: { ...options }, tile: shared, out, failed: false };
    const ranges: Promise<number>[] = [];
    for (let start = 0; start < n; start += rangePixels) {
      const request = { networkId, options: work.options, nPixels: n, input: pair.input, output: pair.output, layout, pixelStart: start, pixelEnd: Math.min(n, start + rangePixels) };
      ranges.push(new Promise<number>((resolve, reject) => this.queue.push({ request, work, resolve, reject })));
    }
    // Handled from the start: a range may fail while this thread is still solving others.
    const all = Promise.all(ranges);
    all.catch(() => {});
    this.dispatch();
    let done = false;
    try {
      await this.solveQueuedHere();
      const svd = await all;
      const copy: InvertOutputs = {
        timeseriesM: out.timeseriesM.slice(),
        temporalCoherence: out.temporalCoherence.slice(),
        numInvIfgram: out.numInvIfgram.slice(),
        status: out.status.slice(),
      };
      for (const s of svd) this.svdPixels += s;
      done = true;
      return copy;
    } finally {
      work.failed = !done;
      // A failed tile's buffers may still be in a worker's hands: only a finished one goes back.
      if (done) this.freePairs.push(pair);
    }
  }

  /** The next queued range whose tile has not failed (those of a failed tile are dropped). */
  private nextRange(): Range | undefined {
    let range = this.queue.shift();
    while (range && range.work.failed) {
      range.resolve(0);
      range = this.queue.shift();
    }
    return range;
  }

  /** The calling thread's share: queued ranges, one at a time, yielding in between. */
  private async solveQueuedHere(): Promise<void> {
    for (let range = this.nextRange(); range; range = this.nextRange()) {
      const { work, request } = range;
      try {
        range.resolve(invertPixelRange(work.tile, work.network, work.options, request.pixelStart, request.pixelEnd, work.out));
        this.pixelsSolved.caller += request.pixelEnd - request.pixelStart;
      } catch (e) {
        work.failed = true;
        range.reject(e as Error);
      }
      // Let finished workers' replies in, so they get the next ranges.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Hands queued ranges to ready workers, up to WORKER_DEPTH each: the next one waits in the
   * worker's port, so a worker does not idle while the calling thread, busy with a range of its
   * own, cannot answer. A worker is ref'd only while it holds a range.
   */
  private dispatch(): void {
    for (let w = 0; w < this.workers.length; w++) {
      if (!this.ready[w]) continue;
      const worker = this.workers[w];
      const held = this.inHand[w];
      while (held.length < WORKER_DEPTH) {
        const range = this.nextRange();
        if (!range) break;
        const networkId = range.request.networkId;
        const sendNetwork = this.workerNetwork[w] !== networkId;
        this.workerNetwork[w] = networkId;
        held.push(range);
        const request: InvertWorkerRequest = { ...range.request, id: this.nextId++, network: sendNetwork ? range.work.network : null };
        worker.postMessage(request);
      }
      if (held.length) worker.ref();
      else worker.unref();
    }
  }

  private received(w: number, reply: InvertWorkerReply): void {
    if ('ready' in reply) {
      this.ready[w] = true;
    } else {
      const range = this.inHand[w].shift();
      if (range) {
        if (reply.ok) {
          range.resolve(reply.svdPixels);
          this.pixelsSolved.workers += range.request.pixelEnd - range.request.pixelStart;
        } else {
          range.work.failed = true;
          range.reject(new Error(`cpu inversion worker failed: ${reply.error}`));
        }
      }
    }
    this.dispatch();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const held of this.inHand) for (const range of held.splice(0)) range.reject(e);
    for (const range of this.queue.splice(0)) range.reject(e);
    for (const worker of this.workers) worker.unref();
  }

  /** A free pair of shared buffers at least this large (smaller free ones are dropped). */
  private acquirePair(inputBytes: number, outputBytes: number): SharedPair {
    while (this.freePairs.length) {
      const pair = this.freePairs.pop()!;
      if (pair.input.byteLength >= inputBytes && pair.output.byteLength >= outputBytes) return pair;
    }
    return { input: new SharedArrayBuffer(inputBytes), output: new SharedArrayBuffer(outputBytes) };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const error = new Error('cpu inversion pool disposed');
    for (const range of this.queue.splice(0)) range.reject(error);
    for (const held of this.inHand) for (const range of held.splice(0)) range.reject(error);
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
    this.freePairs.length = 0;
  }
}
