// Body of a CPU fit worker: fits a pixel range of a shared tile into shared product arrays.
import { parentPort } from 'node:worker_threads';
import { fitTileRangeCpu } from './fit.ts';
import { FIT_PRODUCT_KEYS, type FitContext, type FitProducts } from '../core/fit-types.ts';

export interface FitWorkerRequest {
  id: number;
  nPixels: number;
  nDates: number;
  values: SharedArrayBuffer;
  /** Product-major, FIT_PRODUCT_KEYS order, nPixels each. */
  products: SharedArrayBuffer;
  pixelStart: number;
  pixelEnd: number;
  context: Omit<FitContext, 'tCentredYears'> & { tCentredYears: number[] };
}

parentPort!.on('message', (request: FitWorkerRequest) => {
  try {
    const { nPixels, nDates } = request;
    const values = new Float32Array(request.values, 0, nPixels * nDates);
    const out = {} as FitProducts;
    FIT_PRODUCT_KEYS.forEach((key, k) => {
      out[key] = new Float32Array(request.products, k * nPixels * 4, nPixels);
    });
    const context: FitContext = { ...request.context, tCentredYears: Float64Array.from(request.context.tCentredYears) };
    fitTileRangeCpu({ nPixels, nDates, values }, context, out, request.pixelStart, request.pixelEnd);
    parentPort!.postMessage({ id: request.id, ok: true });
  } catch (e) {
    parentPort!.postMessage({ id: request.id, ok: false, error: String((e as Error)?.stack ?? e) });
  }
});
