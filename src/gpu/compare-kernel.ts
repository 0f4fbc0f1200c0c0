// WebGPU host of the two-track kernel (shaders/compare.wgsl): the CompareKernel of
// src/core/two-track.ts on a GPU, in parity with the float64 reference (test/compare-parity.test.ts).
//
// The kernel is per pixel with no time axis: inputs go up as plane-major f32 planes in one
// storage buffer, outputs come back as plane-major u32 in another (two storage bindings, no
// table). Chunking, error scopes and read-back are PlaneKernel's (src/gpu/plane-program.ts);
// this module owns the shader's uniform layout, its plane order and the unpacking of its
// reason word. A lost device (GpuContext.failure) rejects the call: never a tile of zeros.
import { SecularReason, SeasonalReason, type DirectionThresholds } from '../core/direction.ts';
import { MIN_DECOMPOSITION_DETERMINANT } from '../core/decomposition.ts';
import {
  allocateCompareOutputs,
  COMPARE_FLOAT_OUTPUT_KEYS,
  type CompareKernel,
  type CompareOutputs,
  type CompareTile,
} from '../core/two-track.ts';
import type { GpuContext } from './device.ts';
import type { ParamField } from './compute.ts';
import { QUIET_NAN_BITS } from './constants.ts';
import { PlaneKernel, type PlaneKernelOptions, type PlaneKernelSpec } from './plane-program.ts';

/** The uniform block of shaders/compare.wgsl (struct CompareParams), in order. */
export const COMPARE_PARAMS_FIELDS = [
  ['nPixels', 'u32'],
  ['rowStridePixels', 'u32'],
  ['hasGeometry', 'u32'],
  ['quietNanBits', 'u32'],
  ['rateThresholdMmPerYear', 'f32'],
  ['amplitudeThresholdMm', 'f32'],
  ['inPhaseDays', 'f32'],
  ['antiPhaseDays', 'f32'],
  ['antiPhaseToleranceDays', 'f32'],
  ['minDeterminant', 'f32'],
] as const satisfies readonly ParamField[];

export const COMPARE_KERNEL_SPEC: PlaneKernelSpec = {
  shader: 'compare',
  entryPoint: 'comparePixels',
  paramsStruct: 'CompareParams',
  paramsFields: COMPARE_PARAMS_FIELDS,
  // IN_* in shaders/compare.wgsl: 8 product planes, then 4 geometry planes.
  inputPlanes: 12,
  // OUT_*: the reasons, then COMPARE_FLOAT_OUTPUT_KEYS.
  outputPlanes: 1 + COMPARE_FLOAT_OUTPUT_KEYS.length,
};

export class GpuCompareKernel implements CompareKernel {
  readonly kind = 'gpu' as const;
  readonly description: string;

  constructor(private readonly planes: PlaneKernel) {
    this.description = `gpu: ${planes.context.adapterDescription}`;
  }

  async compareTile(tile: CompareTile, t: DirectionThresholds): Promise<CompareOutputs> {
    const n = tile.nPixels;
    const out = allocateCompareOutputs(n);
    if (n === 0) return out;
    const inputs = [
      tile.ascRateMmPerYear, tile.descRateMmPerYear,
      tile.ascAmplitudeMm, tile.descAmplitudeMm,
      tile.ascPeakDayOfYear, tile.descPeakDayOfYear,
      tile.ascSeasonalFlag, tile.descSeasonalFlag,
    ];
    // Without geometry the shader never reads planes 8..11, so they are not uploaded.
    if (tile.geometry) inputs.push(tile.geometry.ascEast, tile.geometry.ascUp, tile.geometry.descEast, tile.geometry.descUp);
    const raw = await this.planes.run({ nPixels: n, inputs, params: ({ pixels, rowStridePixels }) => ({
      nPixels: pixels,
      rowStridePixels,
      hasGeometry: tile.geometry ? 1 : 0,
      quietNanBits: QUIET_NAN_BITS,
      rateThresholdMmPerYear: t.rateMmPerYear,
      amplitudeThresholdMm: t.amplitudeMm,
      inPhaseDays: t.inPhaseDays,
      antiPhaseDays: t.antiPhaseDays,
      antiPhaseToleranceDays: t.antiPhaseToleranceDays,
      minDeterminant: MIN_DECOMPOSITION_DETERMINANT,
    }) });
    for (let p = 0; p < n; p++) {
      const reasons = raw[p];
      out.secularReason[p] = reasons & 0xff;
      out.seasonalReason[p] = (reasons >>> 8) & 0xff;
      if ((reasons >>> 16) !== 0) throw new Error(`GPU compare kernel: pixel ${p} was not written (reason word 0x${reasons.toString(16)})`);
    }
    const floats = new Float32Array(raw.buffer, raw.byteOffset, raw.length);
    COMPARE_FLOAT_OUTPUT_KEYS.forEach((key, k) => out[key].set(floats.subarray((1 + k) * n, (2 + k) * n)));
    return out;
  }

  dispose(): void {
    this.planes.dispose();
  }
}

export async function createGpuCompareKernel(context: GpuContext, options: PlaneKernelOptions = {}): Promise<GpuCompareKernel> {
  return new GpuCompareKernel(await PlaneKernel.create(context, COMPARE_KERNEL_SPEC, options));
}

/** Reason codes the shader may write; anything else is a bug (checked by the parity test). */
export const VALID_SECULAR_REASONS: readonly number[] = Object.values(SecularReason);
export const VALID_SEASONAL_REASONS: readonly number[] = Object.values(SeasonalReason);
