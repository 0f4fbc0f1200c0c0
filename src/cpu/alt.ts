// Float64 reference of the ALT kernel (shaders/alt.wgsl): per pixel, the thin-plate spline of
// the frozen water content n at the pixel centre, n clamped to [0, N − gap] (spline only), then
// Eq. 2 for H. Same inputs, outputs and status codes as the GPU kernel; test/alt-parity.test.ts
// holds the two together. Also the CPU backend of `permasar alt --device cpu`.
import {
  ALT_STATUS,
  altFromAmplitude,
  type AltKernel,
  type AltKernelParams,
  type AltTile,
  type AltTileResult,
} from '../core/alt.ts';
import { thinPlateKernel } from '../core/tps.ts';

export interface AltPixelResult {
  /** The spline (or constant) before any clamp: what the parity test checks edges against. */
  frozenWaterContentRaw: number;
  frozenWaterContent: number;
  altM: number;
  status: number;
}

/** n of the model at full-grid pixel (row, col), unclamped, float64. */
export function frozenWaterContentAt(params: AltKernelParams, row: number, col: number): number {
  const { model } = params;
  const f = model.frame;
  const x = f.xOrigin + f.xPerCol * col + f.xPerRow * row;
  const y = f.yOrigin + f.yPerCol * col + f.yPerRow * row;
  let n = model.affine[0] + model.affine[1] * x + model.affine[2] * y;
  const c = model.centres;
  for (let j = 0; j < c.length; j += 3) n += c[j + 2] * thinPlateKernel((x - c[j]) ** 2 + (y - c[j + 1]) ** 2);
  return n;
}

/**
 * One pixel. Order of the rules (the shader's too): N first (n's clamp needs it), then n, then
 * the amplitude; the status says which rule decided H.
 */
export function altPixel(params: AltKernelParams, row: number, col: number, amplitude: number, thawedWaterContent: number): AltPixelResult {
  const nRaw = frozenWaterContentAt(params, row, col);
  const N = thawedWaterContent;
  const gap = params.minThawGap;
  if (!Number.isFinite(N) || !(N > gap)) {
    return { frozenWaterContentRaw: nRaw, frozenWaterContent: NaN, altM: NaN, status: ALT_STATUS.NO_MOISTURE };
  }
  let n = nRaw;
  let status: number = ALT_STATUS.OK;
  if (params.model.clamp) {
    // The "clamped to [0, N)": the spline overshoots between and beyond the sites; the
    // upper bound stays gap below N so Eq. 2's (N − n) never reaches zero.
    if (n < 0) { n = 0; status = ALT_STATUS.CLAMPED_LOW; }
    else if (n > N - gap) { n = N - gap; status = ALT_STATUS.CLAMPED_HIGH; }
  } else if (!(N - n >= gap)) {
    // A constant n the user chose is never altered: Eq. 2 has no finite H here.
    return { frozenWaterContentRaw: nRaw, frozenWaterContent: n, altM: NaN, status: ALT_STATUS.N_NOT_ABOVE_N };
  }
  if (!Number.isFinite(amplitude)) return { frozenWaterContentRaw: nRaw, frozenWaterContent: n, altM: NaN, status: ALT_STATUS.NO_AMPLITUDE };
  if (amplitude < 0) return { frozenWaterContentRaw: nRaw, frozenWaterContent: n, altM: NaN, status: ALT_STATUS.NEGATIVE_AMPLITUDE };
  // Eq. 2 with δ in metres gives H in metres.
  const altM = altFromAmplitude(amplitude * params.amplitudeToMetres, n, N, params.densities);
  return { frozenWaterContentRaw: nRaw, frozenWaterContent: n, altM, status };
}

export function altTileCpu(tile: AltTile, params: AltKernelParams): AltTileResult {
  const nPixels = tile.nRows * tile.width;
  if (tile.amplitude.length !== nPixels || tile.thawedWaterContent.length !== nPixels) {
    throw new Error(`ALT tile: ${tile.amplitude.length} amplitudes, ${tile.thawedWaterContent.length} moisture values for ${tile.nRows}×${tile.width} pixels`);
  }
  const out: AltTileResult = {
    frozenWaterContent: new Float32Array(nPixels),
    altM: new Float32Array(nPixels),
    status: new Uint8Array(nPixels),
  };
  for (let r = 0; r < tile.nRows; r++) {
    for (let c = 0; c < tile.width; c++) {
      const i = r * tile.width + c;
      const p = altPixel(params, tile.row0 + r, c, tile.amplitude[i], tile.thawedWaterContent[i]);
      out.frozenWaterContent[i] = p.frozenWaterContent;
      out.altM[i] = p.altM;
      out.status[i] = p.status;
    }
  }
  return out;
}

export class CpuAltKernel implements AltKernel {
  readonly kind = 'cpu' as const;
  readonly description = 'cpu: float64 reference (main thread)';

  maxTilePixels(): number {
    return 1 << 20;
  }

  async evaluateTile(tile: AltTile, params: AltKernelParams): Promise<AltTileResult> {
    return altTileCpu(tile, params);
  }

  async dispose(): Promise<void> {}
}
