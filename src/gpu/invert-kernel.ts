// WebGPU host of the network inversion (shaders/invert.wgsl): the InvertKernel of
// src/core/inversion.ts on a GPU, in parity with the float64 reference src/cpu/invert.ts
// (test/invert-kernel.test.ts). Pixels the float32 kernel cannot solve safely come back as
// InvertStatus.NEEDS_FLOAT64; the caller re-solves those on the reference.
//
// A PlaneKernel (src/gpu/plane-program.ts) with a table and a scratch binding:
//   binding 0  uniform     InvertParams (INVERT_PARAMS_FIELDS)
//   binding 1  table       the network as 4-byte words, interferograms sorted by earlier date:
//                          one packed word each, the first of each date, then dt_k (f32 bits)
//                          — invertNetworkTable
//   binding 2  inputs      M phase planes (rad), then M √weight planes when weighted: the
//                          InvertTile layout, so each is a subarray of the tile
//   binding 3  outputs     N displacement planes (m), temporal coherence, interferograms used,
//                          status (f32 values)
//   binding 4  scratch     invertScratchPlanes(N, b) words of per-pixel working memory, in
//                          groups of INVERT_SCRATCH_GROUP pixels (the shader's header)
// Every binding is chunked to maxChunkBytes (at most the device's storage binding size), so a
// chunk holds at most ~4 × maxChunkBytes of device memory plus the read-back.
//
// The shader's fast path keeps windows of the band in registers, sized by the network's
// half-bandwidth at compile time: one pipeline per bandwidth up to INVERT_FAST_MAX_BANDWIDTH,
// built on first use (and cached per device); wider networks take the general path only.
import {
  InvertStatus,
  allocateInvertOutputs,
  checkIfgramNetwork,
  checkInvertTile,
  gatherInvertPixels,
  scatterInvertOutputs,
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
  ['scratchPlanes', 'u32'],
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

/**
 * Widest half-bandwidth the shader's fast path is compiled for (its register windows grow as
 * (b + 1)²); a wider network runs the general path, in device memory, for every pixel.
 */
export const INVERT_FAST_MAX_BANDWIDTH = 8;

/**
 * Pixels whose scratch words are interleaved (the shader's header): a warp's worth, so a warp's
 * access to one slot is one contiguous segment, while one pixel's slots stay close together.
 */
export const INVERT_SCRATCH_GROUP = 32;

/** The fast path's compiled bandwidth for a network's half-bandwidth b, or null (general path only). */
export function invertFastBandwidth(halfBandwidth: number): number | null {
  return halfBandwidth <= INVERT_FAST_MAX_BANDWIDTH ? Math.max(1, halfBandwidth) : null;
}

/** Scratch slot offsets of one pixel of the general path (the band starts at 0), and their total. */
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

/** Scratch words per pixel of the fast path compiled for `fastBandwidth`: factor, solution, correction. */
export function invertFastScratchPlanes(nDates: number, fastBandwidth: number): number {
  return (nDates - 1) * (fastBandwidth + 1 + (INVERT_REFINEMENT_STEPS > 0 ? 2 : 1));
}

/**
 * Scratch words per pixel of a tile's dispatch: the fast path's (N−1)(max(b, 1) + 3) when b is
 * within INVERT_FAST_MAX_BANDWIDTH, else the general path's (N−1)(b+1) band + (N−1) solution +
 * (N−1) correction + N parents + N labels + C² Gram + C (C = INVERT_MAX_COMPONENTS), i.e.
 * (N−1)(b+3) + 2N + C(C+1). (Split pixels of a fast tile are re-run with the general path's.)
 */
export function invertScratchPlanes(nDates: number, halfBandwidth: number): number {
  const fast = invertFastBandwidth(halfBandwidth);
  return fast === null ? invertScratchLayout(nDates, halfBandwidth).planes : invertFastScratchPlanes(nDates, fast);
}

/** Bits of a packed interferogram word (shaders/invert.wgsl): tile index, span, sign. */
const IFGRAM_INDEX_BITS = 20;
const IFGRAM_SPAN_BITS = 11;

/**
 * The network table of binding 1: the interferograms sorted by (earlier date, later date, index),
 * each one word (tile index | span << 20 | (sign < 0) << 31); then, for each date k, the first
 * sorted interferogram starting at k or later (N words, the last one M); then dt_k (f32 bits).
 */
export function invertNetworkTable(network: IfgramNetwork): Uint32Array {
  const m = network.intervalStart.length;
  const nDates = network.dates.length;
  if (m >= 2 ** IFGRAM_INDEX_BITS) throw new Error(`inversion network: ${m} interferograms, the GPU kernel packs at most ${2 ** IFGRAM_INDEX_BITS - 1}`);
  const order = Array.from({ length: m }, (_, i) => i);
  order.sort((a, b) => network.intervalStart[a] - network.intervalStart[b] || network.intervalEnd[a] - network.intervalEnd[b] || a - b);
  const table = new Uint32Array(m + nDates + network.intervalYears.length);
  order.forEach((i, at) => {
    const span = network.intervalEnd[i] - network.intervalStart[i];
    if (span >= 2 ** IFGRAM_SPAN_BITS) throw new Error(`inversion network: interferogram ${i} spans ${span} intervals, the GPU kernel packs at most ${2 ** IFGRAM_SPAN_BITS - 1}`);
    table[at] = (i | (span << IFGRAM_INDEX_BITS) | (network.pairSign[i] < 0 ? 0x80000000 : 0)) >>> 0;
  });
  for (let k = 0, at = 0; k < nDates; k++) {
    while (at < m && network.intervalStart[order[at]] < k) at++;
    table[m + k] = at;
  }
  new Float32Array(table.buffer, 4 * (m + nDates)).set(network.intervalYears);
  return table;
}

/**
 * The fast path's status for a pixel whose network is split (never returned: the host re-runs
 * those pixels with the general path).
 */
const INVERT_STATUS_SPLIT = 255;

/** The pipeline's constants for a network of half-bandwidth b (fast path compiled for it, or not). */
function invertConstants(fastBandwidth: number | null) {
  return {
    MAX_COMPONENTS: INVERT_MAX_COMPONENTS,
    REFINEMENT_STEPS: INVERT_REFINEMENT_STEPS,
    FAST_PATH: fastBandwidth === null ? 0 : 1,
    FAST_BANDWIDTH: fastBandwidth ?? 1,
    SCRATCH_GROUP: INVERT_SCRATCH_GROUP,
    STATUS_SOLVED: InvertStatus.SOLVED,
    STATUS_NO_DATA: InvertStatus.NO_DATA,
    STATUS_REDUNDANCY: InvertStatus.REDUNDANCY,
    STATUS_NEEDS_FLOAT64: InvertStatus.NEEDS_FLOAT64,
    STATUS_SPLIT: INVERT_STATUS_SPLIT,
  };
}

/** The kernel's spec without the fast path (the general path for every pixel). */
export const INVERT_KERNEL_SPEC: PlaneKernelSpec = {
  shader: 'invert',
  entryPoint: 'invertPixels',
  paramsStruct: 'InvertParams',
  paramsFields: INVERT_PARAMS_FIELDS,
  table: 'network table',
  scratch: 'scratch',
  constants: invertConstants(null),
  // Input planes: M or 2M; output planes: N + 3, given per run.
  describeError: (message, ctx) => `GPU inversion failed on ${ctx.adapterDescription}: ${message.trim()}`,
};

/**
 * Chunk cap for one storage buffer on a GPU: the inputs (7.4 KiB per pixel at the study's 947
 * weighted interferograms) and the fast path's scratch (8 KiB per pixel at 286 dates, b = 4) are
 * the largest, so 256 MiB is ~33k pixels a dispatch, and at most ~1 GiB of device memory in all.
 */
const DEFAULT_MAX_CHUNK_BYTES = 256 * 1024 * 1024;

/**
 * The same on a software adapter, whose buffers are host memory: buffers above glibc's largest
 * mmap threshold (32 MiB) are fresh pages every chunk, faulted in and zeroed, while smaller ones
 * are reused from the heap. Measured on llvmpipe (2 cores, study network, 20k pixels): 256 MiB
 * chunks ~105–125 µs per pixel wall, 64 MiB ~105–115, 32 MiB ~50–58, 16 MiB ~41–51, 8 MiB
 * ~47–52 (smaller chunks pay more fixed costs: one upload per input plane per chunk).
 */
const SOFTWARE_MAX_CHUNK_BYTES = 16 * 1024 * 1024;

/** Mesa's llvmpipe/lavapipe/softpipe and SwiftShader: adapters that run on the CPU. */
const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|softpipe|swiftshader/i;

const VALID_STATUS = new Set<number>(Object.values(InvertStatus));

export class GpuInvertKernel implements InvertKernel {
  readonly kind = 'gpu' as const;
  readonly description: string;
  readonly context: GpuContext;
  private readonly byBandwidth = new Map<number | null, Promise<PlaneKernel>>();
  private disposed = false;

  /** `general`: the pipeline without the fast path, built by createGpuInvertKernel. */
  constructor(general: PlaneKernel, private readonly options: PlaneKernelOptions) {
    this.context = general.context;
    this.description = `gpu: ${general.context.adapterDescription}`;
    this.byBandwidth.set(null, Promise.resolve(general));
  }

  /** The pipeline of the fast path compiled for `fast` (built on first use), or the general one (null). */
  private planesFor(fast: number | null): Promise<PlaneKernel> {
    let planes = this.byBandwidth.get(fast);
    if (!planes) {
      const spec = fast === null ? INVERT_KERNEL_SPEC : { ...INVERT_KERNEL_SPEC, constants: invertConstants(fast) };
      planes = PlaneKernel.create(this.context, spec, { ...this.options, destroyContextOnDispose: false });
      this.byBandwidth.set(fast, planes);
      planes.catch(() => this.byBandwidth.delete(fast));
    }
    return planes;
  }

  async invertTile(tile: InvertTile, network: IfgramNetwork, options: InvertOptions): Promise<InvertOutputs> {
    if (this.disposed) throw new Error('GPU invert kernel used after dispose()');
    if (this.context.failure) throw this.context.failure;
    checkIfgramNetwork(network);
    checkInvertTile(tile, network);
    const { nPixels } = tile;
    const nIfgrams = network.intervalStart.length;
    const nDates = network.dates.length;
    const out = allocateInvertOutputs(nPixels, nDates);
    if (nPixels === 0) return out;
    const table = invertNetworkTable(network);
    const fast = invertFastBandwidth(network.halfBandwidth);
    if (fast === null) {
      await this.run(this.planesFor(null), tile, network, options, table, null, out, null);
      return out;
    }
    // The fast path; the pixels it finds split, gathered into one tile for the general path.
    const split: number[] = [];
    await this.run(this.planesFor(fast), tile, network, options, table, fast, out, split);
    if (split.length) {
      const general = allocateInvertOutputs(split.length, nDates);
      await this.run(this.planesFor(null), gatherInvertPixels(tile, nIfgrams, split), network, options, table, null, general, null);
      scatterInvertOutputs(general, split, out, nPixels, nDates);
    }
    return out;
  }

  /**
   * One dispatch (in chunks) of `tile` into `out`: the fast path compiled for `fast`, whose
   * split pixels are listed in `split`, or the general path (fast and split null).
   */
  private async run(
    planesPromise: Promise<PlaneKernel>,
    tile: InvertTile,
    network: IfgramNetwork,
    options: InvertOptions,
    table: Uint32Array,
    fast: number | null,
    out: InvertOutputs,
    split: number[] | null,
  ): Promise<void> {
    const planes = await planesPromise;
    const { nPixels, phaseRad, weightSqrt } = tile;
    const nIfgrams = network.intervalStart.length;
    const nDates = network.dates.length;
    // Interferogram-major tile: interferogram i is the contiguous plane [i × nPixels, (i + 1) × nPixels).
    const inputs: Float32Array[] = [];
    for (let i = 0; i < nIfgrams; i++) inputs.push(phaseRad.subarray(i * nPixels, (i + 1) * nPixels));
    if (weightSqrt) for (let i = 0; i < nIfgrams; i++) inputs.push(weightSqrt.subarray(i * nPixels, (i + 1) * nPixels));
    const layout = invertScratchLayout(nDates, network.halfBandwidth);
    const scratchPlanes = fast === null ? layout.planes : invertFastScratchPlanes(nDates, fast);
    await planes.runChunks({
      nPixels,
      inputs,
      outputPlanes: nDates + 3,
      table,
      scratchPlanes,
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
        scratchPlanes,
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
        if (split && status[p] === INVERT_STATUS_SPLIT) {
          split.push(first + p);
          continue;
        }
        // A status the shader cannot write (e.g. poison) means the pixel was never written.
        if (!VALID_STATUS.has(status[p])) throw new Error(`GPU inversion: pixel ${first + p} came back with status ${status[p]} (not written)`);
        out.status[first + p] = status[p];
      }
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const planes of this.byBandwidth.values()) void planes.then((p) => p.dispose(), () => {});
    if (this.options.destroyContextOnDispose ?? true) this.context.destroy();
  }
}

/**
 * The inversion kernel on `ctx`. The pipeline without the fast path is compiled here (so a
 * shader the adapter refuses fails now, not at the first tile); the fast path's, per bandwidth,
 * at the first tile of each.
 */
export async function createGpuInvertKernel(ctx: GpuContext, options: PlaneKernelOptions = {}): Promise<InvertKernel> {
  const defaultChunk = SOFTWARE_ADAPTER.test(ctx.adapterDescription) ? SOFTWARE_MAX_CHUNK_BYTES : DEFAULT_MAX_CHUNK_BYTES;
  const shared: PlaneKernelOptions = { ...options, maxChunkBytes: options.maxChunkBytes ?? defaultChunk };
  const general = await PlaneKernel.create(ctx, INVERT_KERNEL_SPEC, { ...shared, destroyContextOnDispose: false });
  return new GpuInvertKernel(general, shared);
}
