// Body of a CPU inversion worker (invert-worker-pool.ts): inverts a pixel range of a shared tile
// into the tile's shared outputs with the float64 reference's own loop (invert.ts
// invertPixelRange), so the pool gives the single-thread kernel's bits.
import { parentPort } from 'node:worker_threads';
import { invertPixelRange } from './invert.ts';
import type { IfgramNetwork, InvertOptions, InvertOutputs, InvertTile } from '../core/inversion.ts';

/** Where each array of a tile lies in the shared buffers, in bytes (see the pool). */
export interface InvertSharedLayout {
  /** Phase, interferogram-major (nIfgrams × nPixels float32), in `input`. */
  phase: number;
  /** √weight, same layout, in `input`; null for an unweighted run. */
  weight: number | null;
  /** In `output`: series (nDates × nPixels float32), coherence, count (nPixels float32 each), status (nPixels bytes). */
  timeseries: number;
  temporalCoherence: number;
  numInvIfgram: number;
  status: number;
}

export interface InvertWorkerRequest {
  id: number;
  /** The network, when it is not the one this worker last received (networkId says which). */
  network: IfgramNetwork | null;
  networkId: number;
  options: InvertOptions;
  nPixels: number;
  input: SharedArrayBuffer;
  output: SharedArrayBuffer;
  layout: InvertSharedLayout;
  pixelStart: number;
  pixelEnd: number;
}

/** `ready` once, when the body has loaded; then one reply per request. */
export type InvertWorkerReply = { ready: true } | { id: number; ok: true; svdPixels: number } | { id: number; ok: false; error: string };

let network: IfgramNetwork | null = null;
let networkId = -1;

parentPort!.on('message', (request: InvertWorkerRequest) => {
  try {
    if (request.network) {
      network = request.network;
      networkId = request.networkId;
    }
    if (!network || networkId !== request.networkId) throw new Error(`inversion network ${request.networkId} was never sent to this worker`);
    const { nPixels, layout } = request;
    const nIfgrams = network.intervalStart.length;
    const nDates = network.dates.length;
    const tile: InvertTile = {
      nPixels,
      phaseRad: new Float32Array(request.input, layout.phase, nIfgrams * nPixels),
      weightSqrt: layout.weight === null ? null : new Float32Array(request.input, layout.weight, nIfgrams * nPixels),
    };
    const out: InvertOutputs = {
      timeseriesM: new Float32Array(request.output, layout.timeseries, nDates * nPixels),
      temporalCoherence: new Float32Array(request.output, layout.temporalCoherence, nPixels),
      numInvIfgram: new Float32Array(request.output, layout.numInvIfgram, nPixels),
      status: new Uint8Array(request.output, layout.status, nPixels),
    };
    const svdPixels = invertPixelRange(tile, network, request.options, request.pixelStart, request.pixelEnd, out);
    parentPort!.postMessage({ id: request.id, ok: true, svdPixels } satisfies InvertWorkerReply);
  } catch (e) {
    parentPort!.postMessage({ id: request.id, ok: false, error: String((e as Error)?.stack ?? e) } satisfies InvertWorkerReply);
  }
});

parentPort!.postMessage({ ready: true } satisfies InvertWorkerReply);
