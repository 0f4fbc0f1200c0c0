// WebGPU host of the network inversion (shaders/invert.wgsl): the InvertKernel of
// src/core/inversion.ts on a GPU, in parity with the float64 reference src/cpu/invert.ts
// (test/invert-kernel.test.ts). Pixels the float32 kernel cannot solve safely come back as
// InvertStatus.NEEDS_FLOAT64; the caller re-solves those on the reference.
//
// A PlaneKernel (src/gpu/plane-program.ts) with a table and a scratch binding:
//   binding 0  uniform     InvertParams (INVERT_PARAMS_FIELDS)
//   binding 1  table       the network as 4-byte words: per interferogram (start, end, sign as
//                          f32 bits), then dt_k (f32 bits) — invertNetworkTable
//   binding 2  inputs      M phase planes (rad), then M √weight planes when weighted: the
//                          InvertTile layout, so each is a subarray of the tile
//   binding 3  outputs     N displacement planes (m), temporal coherence, interferograms used,
//                          status (f32 values)
//   binding 4  scratch     invertScratchPlanes(N, b) planes of per-pixel working memory
// Every binding is chunked to maxChunkBytes (at most the device's storage binding size), so a
// chunk holds at most ~4 × maxChunkBytes of device memory plus the read-back.
import {
  InvertStatus,
  allocateInvertOutputs,
  type IfgramNetwork,
  type InvertKernel,
  type InvertOptions,
  type InvertOutputs,
  type InvertTile,
} from '../core/inversion.ts';
import type { GpuContext } from './device.ts';
import type { ParamField } from './compute.ts';
import { GPU_INVERSION_RELATIVE_PIVOT_FLOOR, GPU_INVERSION_SCALE_PIVOT_FLOOR, QUIET_NAN_BITS } from './constants.ts';
import { PlaneKernel, type PlaneKernelOptions, type PlaneKernelSpec } from './plane-program.ts';

/** The uniform block of shaders/invert.wgsl (struct InvertParams), in order. */
export const INVERT_PARAMS_FIELDS = [
  ['nPixels', 'u32'],
  ['rowStridePixels', 'u32'],
  ['nIfgrams', 'u32'],
  ['nDates', 'u32'],
  ['halfBandwidth', 'u32'],
  ['weighted', 'u32'],
  ['redundancyExemptDate', 'u32'],
  ['minRedundancy', 'f32'],
  ['metresPerRadian', 'f32'],
  ['pivotFloor', 'f32'],
  ['scalePivotFloor', 'f32'],
  ['quietNanBits', 'u32'],
  ['solutionSlot', 'u32'],
  ['correctionSlot', 'u32'],
  ['parentSlot', 'u32'],
  ['labelSlot', 'u32'],
  ['gramSlot', 'u32'],
  ['gramRhsSlot', 'u32'],
] as const satisfies readonly ParamField[];

/**
 * Connected components (date 0's included) of a split network the kernel handles: their
 * Gram matrix lives in the scratch; a pixel with more comes back NEEDS_FLOAT64. With
 * minRedundancy ≥ 1 every component has two dates or more, and real pixels rarely split in more
 * than a few.
 */
export const INVERT_MAX_COMPONENTS = 16;

/**
 * Steps of iterative refinement after the float32 Cholesky solve, each one pass over the
 * interferograms and one banded solve (shaders/invert.wgsl says why).
 */
export const INVERT_REFINEMENT_STEPS = 1;

/** Scratch slot offsets of one pixel (the band starts at 0), and their total. */
export function invertScratchLayout(nDates: number, halfBandwidth: number, maxComponents = INVERT_MAX_COMPONENTS) {
  const intervals = nDates - 1;
  const solutionSlot = intervals * (halfBandwidth + 1);
  const correctionSlot = solutionSlot + intervals;
  const parentSlot = correctionSlot + intervals;
  const labelSlot = parentSlot + nDates;
  const gramSlot = labelSlot + nDates;
  const gramRhsSlot = gramSlot + maxComponents * maxComponents;
  return { solutionSlot, correctionSlot, parentSlot, labelSlot, gramSlot, gramRhsSlot, planes: gramRhsSlot + maxComponents };
}

/**
 * Scratch planes (4 bytes each) per pixel: (N−1)(b+1) band + (N−1) solution + (N−1) correction
 * + N parents + N labels + C² Gram + C (C = INVERT_MAX_COMPONENTS): (N−1)(b+3) + 2N + C(C+1).
 */
export function invertScratchPlanes(nDates: number, halfBandwidth: number): number {
  return invertScratchLayout(nDates, halfBandwidth).planes;
}

/** The network table of binding 1: per interferogram (start, end, sign bits), then dt bits. */
export function invertNetworkTable(network: IfgramNetwork): Uint32Array {
  const m = network.intervalStart.length;
  const table = new Uint32Array(3 * m + network.intervalYears.length);
  const asFloat = new Float32Array(table.buffer);
  for (let i = 0; i < m; i++) {
    table[3 * i] = network.intervalStart[i];
    table[3 * i + 1] = network.intervalEnd[i];
    asFloat[3 * i + 2] = network.pairSign[i];
  }
  asFloat.set(network.intervalYears, 3 * m);
  return table;
}

export const INVERT_KERNEL_SPEC: PlaneKernelSpec = {
  shader: 'invert',
  entryPoint: 'invertPixels',
  paramsStruct: 'InvertParams',
  paramsFields: INVERT_PARAMS_FIELDS,
  table: 'network table',
  scratch: 'scratch',
  constants: {
    MAX_COMPONENTS: INVERT_MAX_COMPONENTS,
    REFINEMENT_STEPS: INVERT_REFINEMENT_STEPS,
    STATUS_SOLVED: InvertStatus.SOLVED,
    STATUS_NO_DATA: InvertStatus.NO_DATA,
    STATUS_REDUNDANCY: InvertStatus.REDUNDANCY,
    STATUS_NEEDS_FLOAT64: InvertStatus.NEEDS_FLOAT64,
  },
  // Input planes: M or 2M; output planes: N + 3, given per run.
  describeError: (message, ctx) => `GPU inversion failed on ${ctx.adapterDescription}: ${message.trim()}`,
};

/**
 * Chunk cap for one storage buffer: the scratch is the largest (~11 KiB per pixel for the study's
 * 286 dates), so 256 MiB is ~23k pixels a dispatch, and at most ~1 GiB of device memory in all.
 */
const DEFAULT_MAX_CHUNK_BYTES = 256 * 1024 * 1024;

const VALID_STATUS = new Set<number>(Object.values(InvertStatus));

/** Network checks the kernel's memory layout relies on (a pair wider than the band would alias). */
function checkNetwork(network: IfgramNetwork): void {
  const nDates = network.dates.length;
  const m = network.intervalStart.length;
  const b = network.halfBandwidth;
  if (nDates < 2 || network.intervalYears.length !== nDates - 1) throw new Error(`inversion network: ${network.intervalYears.length} intervals for ${nDates} dates`);
  if (network.intervalEnd.length !== m || network.pairSign.length !== m) throw new Error('inversion network: per-interferogram arrays of different lengths');
  if (!Number.isInteger(b) || b < 0) throw new Error(`inversion network: half-bandwidth ${b}`);
  for (let i = 0; i < m; i++) {
    const lo = network.intervalStart[i];
    const hi = network.intervalEnd[i];
    if (!(lo >= 0 && lo < hi && hi < nDates) || hi - lo - 1 > b || Math.abs(network.pairSign[i]) !== 1) {
      throw new Error(`inversion network: interferogram ${i} spans dates ${lo}..${hi} (sign ${network.pairSign[i]}) of ${nDates}, half-bandwidth ${b}`);
    }
  }
}

export class GpuInvertKernel implements InvertKernel {
  readonly kind = 'gpu' as const;
  readonly description: string;
  readonly context: GpuContext;

  constructor(private readonly planes: PlaneKernel) {
    this.context = planes.context;
    this.description = `gpu: ${planes.context.adapterDescription}`;
  }

  async invertTile(tile: InvertTile, network: IfgramNetwork, options: InvertOptions): Promise<InvertOutputs> {
    this.planes.assertUsable();
    if (this.context.failure) throw this.context.failure;
    checkNetwork(network);
    const { nPixels, phaseRad, weightSqrt } = tile;
    const nIfgrams = network.intervalStart.length;
    const nDates = network.dates.length;
    if (phaseRad.length !== nIfgrams * nPixels || (weightSqrt && weightSqrt.length !== phaseRad.length)) {
      throw new Error(`inversion tile: ${phaseRad.length} phase and ${weightSqrt?.length ?? 0} weight values for ${nIfgrams} interferograms × ${nPixels} pixels`);
    }
    const out = allocateInvertOutputs(nPixels, nDates);
    if (nPixels === 0) return out;
    // Interferogram-major tile: interferogram i is the contiguous plane [i × nPixels, (i + 1) × nPixels).
    const inputs: Float32Array[] = [];
    for (let i = 0; i < nIfgrams; i++) inputs.push(phaseRad.subarray(i * nPixels, (i + 1) * nPixels));
    if (weightSqrt) for (let i = 0; i < nIfgrams; i++) inputs.push(weightSqrt.subarray(i * nPixels, (i + 1) * nPixels));
    const layout = invertScratchLayout(nDates, network.halfBandwidth);
    await this.planes.runChunks({
      nPixels,
      inputs,
      outputPlanes: nDates + 3,
      table: invertNetworkTable(network),
      scratchPlanes: layout.planes,
      params: ({ pixels, rowStridePixels }) => ({
        nPixels: pixels,
        rowStridePixels,
        nIfgrams,
        nDates,
        halfBandwidth: network.halfBandwidth,
        weighted: weightSqrt ? 1 : 0,
        redundancyExemptDate: network.redundancyExemptDate,
        minRedundancy: options.minRedundancy,
        metresPerRadian: options.metresPerRadian,
        pivotFloor: GPU_INVERSION_RELATIVE_PIVOT_FLOOR,
        scalePivotFloor: GPU_INVERSION_SCALE_PIVOT_FLOOR,
        quietNanBits: QUIET_NAN_BITS,
        solutionSlot: layout.solutionSlot,
        correctionSlot: layout.correctionSlot,
        parentSlot: layout.parentSlot,
        labelSlot: layout.labelSlot,
        gramSlot: layout.gramSlot,
        gramRhsSlot: layout.gramRhsSlot,
      }),
    }, ({ firstPixel: first, pixels: count }, raw) => {
      const planes = new Float32Array(raw.buffer, raw.byteOffset, raw.length);
      const plane = (k: number) => planes.subarray(k * count, (k + 1) * count);
      for (let j = 0; j < nDates; j++) out.timeseriesM.set(plane(j), j * nPixels + first);
      out.temporalCoherence.set(plane(nDates), first);
      out.numInvIfgram.set(plane(nDates + 1), first);
      const status = plane(nDates + 2);
      for (let p = 0; p < count; p++) {
        // A status the shader cannot write (e.g. poison) means the pixel was never written.
        if (!VALID_STATUS.has(status[p])) throw new Error(`GPU inversion: pixel ${first + p} came back with status ${status[p]} (not written)`);
        out.status[first + p] = status[p];
      }
    });
    return out;
  }

  dispose(): void {
    this.planes.dispose();
  }
}

export async function createGpuInvertKernel(ctx: GpuContext, options: PlaneKernelOptions = {}): Promise<InvertKernel> {
  const planes = await PlaneKernel.create(ctx, INVERT_KERNEL_SPEC, { ...options, maxChunkBytes: options.maxChunkBytes ?? DEFAULT_MAX_CHUNK_BYTES });
  return new GpuInvertKernel(planes);
}
