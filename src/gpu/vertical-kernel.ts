// WebGPU host of the vertical projection (shaders/vertical.wgsl): the VerticalKernel of
// src/cpu/compare.ts on a GPU, in parity with verticalTileCpu (test/compare-parity.test.ts).
// Chunking, error scopes and read-back are PlaneKernel's (src/gpu/plane-program.ts); this
// module owns the shader's uniform layout and plane order.
import type { VerticalKernel, VerticalOutputs, VerticalTile } from '../core/two-track.ts';
import type { GpuContext } from './device.ts';
import type { ParamField } from './compute.ts';
import { QUIET_NAN_BITS } from './constants.ts';
import { PlaneKernel, type PlaneKernelOptions, type PlaneKernelSpec } from './plane-program.ts';

/** The uniform block of shaders/vertical.wgsl (struct VerticalParams), in order. */
export const VERTICAL_PARAMS_FIELDS = [
  ['nPixels', 'u32'],
  ['rowStridePixels', 'u32'],
  ['quietNanBits', 'u32'],
  ['padding', 'u32'],
] as const satisfies readonly ParamField[];

export const VERTICAL_KERNEL_SPEC: PlaneKernelSpec = {
  shader: 'vertical',
  entryPoint: 'verticalPixels',
  paramsStruct: 'VerticalParams',
  paramsFields: VERTICAL_PARAMS_FIELDS,
  inputPlanes: 3, // LOS rate, LOS amplitude, incidence
  outputPlanes: 2, // vertical rate, vertical amplitude
};

export class GpuVerticalKernel implements VerticalKernel {
  readonly kind = 'gpu' as const;
  readonly description: string;

  constructor(private readonly planes: PlaneKernel) {
    this.description = `gpu: ${planes.context.adapterDescription}`;
  }

  async verticalTile(tile: VerticalTile): Promise<VerticalOutputs> {
    const n = tile.nPixels;
    if (n === 0) return { rateVerticalMmPerYear: new Float32Array(0), amplitudeVerticalMm: new Float32Array(0) };
    const raw = await this.planes.run({
      nPixels: n,
      inputs: [tile.rateMmPerYear, tile.amplitudeMm, tile.incidenceDeg],
      params: ({ pixels, rowStridePixels }) => ({ nPixels: pixels, rowStridePixels, quietNanBits: QUIET_NAN_BITS, padding: 0 }),
    });
    const floats = new Float32Array(raw.buffer, raw.byteOffset, raw.length);
    return { rateVerticalMmPerYear: floats.slice(0, n), amplitudeVerticalMm: floats.slice(n, 2 * n) };
  }

  dispose(): void {
    this.planes.dispose();
  }
}

export async function createGpuVerticalKernel(context: GpuContext, options: PlaneKernelOptions = {}): Promise<GpuVerticalKernel> {
  return new GpuVerticalKernel(await PlaneKernel.create(context, VERTICAL_KERNEL_SPEC, options));
}
