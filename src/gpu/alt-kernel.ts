// WebGPU host of the ALT kernel (shaders/alt.wgsl): the AltKernel of src/core/alt.ts on a GPU,
// in parity with the float64 reference altTileCpu (src/cpu/alt.ts; test/alt-parity.test.ts).
//
// A PlaneKernel (src/gpu/plane-program.ts) with a table: the spline centres (vec4 each) are the
// read-only table every pixel reads, the inputs two f32 planes (amplitude, N), the outputs
// three u32 planes (n, H as f32 bits; status). Chunking (the shader is told each chunk's first
// pixel, for its grid position), error scopes and read-back are PlaneKernel's; this module owns
// the uniform layout, the centres' packing and the status check.
import type { AltKernel, AltKernelParams, AltTile, AltTileResult } from '../core/alt.ts';
import type { GpuContext } from './device.ts';
import type { ParamField } from './compute.ts';
import { QUIET_NAN_BITS } from './constants.ts';
import { PlaneKernel, type PlaneKernelOptions, type PlaneKernelSpec } from './plane-program.ts';

/** The uniform block of shaders/alt.wgsl (struct AltParams), in order: the one source of its layout. */
export const ALT_PARAMS_FIELDS = [
  ['nPixels', 'u32'],
  ['rowStridePixels', 'u32'],
  ['firstPixel', 'u32'],
  ['width', 'u32'],
  ['row0', 'u32'],
  ['nCentres', 'u32'],
  ['clampToThawed', 'u32'],
  ['quietNanBits', 'u32'],
  ['xOrigin', 'f32'],
  ['xPerCol', 'f32'],
  ['xPerRow', 'f32'],
  ['yOrigin', 'f32'],
  ['yPerCol', 'f32'],
  ['yPerRow', 'f32'],
  ['affine0', 'f32'],
  ['affine1', 'f32'],
  ['affine2', 'f32'],
  ['iceDensityKgM3', 'f32'],
  ['densityDifferenceKgM3', 'f32'],
  ['minThawGap', 'f32'],
  ['amplitudeToMetres', 'f32'],
  ['padding', 'u32'],
] as const satisfies readonly ParamField[];

export const ALT_KERNEL_SPEC: PlaneKernelSpec = {
  shader: 'alt',
  entryPoint: 'altPixels',
  paramsStruct: 'AltParams',
  paramsFields: ALT_PARAMS_FIELDS,
  table: 'centres',
  inputPlanes: 2, // amplitude, N
  outputPlanes: 3, // n, H (f32 bits), status
};

/** Highest status the shader writes (ALT_STATUS); anything above is an unwritten pixel. */
const MAX_STATUS = 6;

export type GpuAltKernelOptions = PlaneKernelOptions;

export class GpuAltKernel implements AltKernel {
  readonly kind = 'gpu' as const;
  readonly description: string;
  readonly context: GpuContext;

  private constructor(private readonly planes: PlaneKernel) {
    this.context = planes.context;
    this.description = `gpu: ${planes.context.adapterDescription}`;
  }

  static async create(context: GpuContext, options: GpuAltKernelOptions = {}): Promise<GpuAltKernel> {
    return new GpuAltKernel(await PlaneKernel.create(context, ALT_KERNEL_SPEC, options));
  }

  /** Chunks are cut inside evaluateTile, so a tile may be any size; this keeps host copies modest. */
  maxTilePixels(): number {
    return 1 << 24;
  }

  async evaluateTile(tile: AltTile, params: AltKernelParams): Promise<AltTileResult> {
    this.planes.assertUsable();
    const nPixels = tile.nRows * tile.width;
    if (tile.amplitude.length !== nPixels || tile.thawedWaterContent.length !== nPixels) {
      throw new Error(`ALT tile: ${tile.amplitude.length} amplitudes, ${tile.thawedWaterContent.length} moisture values for ${tile.nRows}×${tile.width} pixels`);
    }
    const out: AltTileResult = { frozenWaterContent: new Float32Array(nPixels), altM: new Float32Array(nPixels), status: new Uint8Array(nPixels) };
    if (nPixels === 0) return out;
    const nCentres = params.model.centres.length / 3;
    // At least one entry (the shader leaves it unread when there are none).
    const centres = new Float32Array(4 * Math.max(1, nCentres));
    for (let j = 0; j < nCentres; j++) centres.set(params.model.centres.subarray(3 * j, 3 * j + 3), 4 * j);
    const f = params.model.frame;
    await this.planes.runChunks({
      nPixels,
      inputs: [tile.amplitude, tile.thawedWaterContent],
      table: centres,
      params: ({ firstPixel, pixels, rowStridePixels }): Record<(typeof ALT_PARAMS_FIELDS)[number][0], number> => ({
        nPixels: pixels,
        rowStridePixels,
        firstPixel,
        width: tile.width,
        row0: tile.row0,
        nCentres,
        clampToThawed: params.model.clamp ? 1 : 0,
        quietNanBits: QUIET_NAN_BITS,
        xOrigin: f.xOrigin,
        xPerCol: f.xPerCol,
        xPerRow: f.xPerRow,
        yOrigin: f.yOrigin,
        yPerCol: f.yPerCol,
        yPerRow: f.yPerRow,
        affine0: params.model.affine[0],
        affine1: params.model.affine[1],
        affine2: params.model.affine[2],
        iceDensityKgM3: params.densities.iceKgM3,
        densityDifferenceKgM3: params.densities.waterKgM3 - params.densities.iceKgM3,
        minThawGap: params.minThawGap,
        amplitudeToMetres: params.amplitudeToMetres,
        padding: 0,
      }),
    }, ({ firstPixel: first, pixels: count }, raw) => {
      const floats = new Float32Array(raw.buffer, raw.byteOffset, raw.length);
      out.frozenWaterContent.set(floats.subarray(0, count), first);
      out.altM.set(floats.subarray(count, 2 * count), first);
      for (let p = 0; p < count; p++) {
        const status = raw[2 * count + p];
        // A status the shader cannot write means an unwritten (poisoned) or corrupted pixel.
        if (status > MAX_STATUS) throw new Error(`GPU alt kernel: pixel ${first + p} has status word 0x${status.toString(16)} (not written?)`);
        out.status[first + p] = status;
      }
    });
    return out;
  }

  async dispose(): Promise<void> {
    this.planes.dispose();
  }
}

export function createGpuAltKernel(context: GpuContext, options: GpuAltKernelOptions = {}): Promise<GpuAltKernel> {
  return GpuAltKernel.create(context, options);
}
