// WebGPU host of the per-year seasonal kernel (shaders/seasons.wgsl): the SeasonsKernel of
// src/core/seasons.ts on a GPU, in parity with the float64 reference src/cpu/seasons.ts
// (test/seasons-parity.test.ts).
//
// A PlaneKernel (src/gpu/plane-program.ts) with a table: the per-date and per-year axis table
// is the read-only table every pixel reads; the input planes are the tile's dates (one plane
// per date, as the tile is date-major), then the fit's rate and seasonal flag; the outputs are
// 3 nYears + 3 f32 planes. Plane counts follow the stack, so each run gives them. A tile larger
// than one binding runs as several chunks, one after the other (the fit streams the stack; this
// kernel follows the fit's tiles); error scopes and read-back are PlaneKernel's too.
import {
  allocateSeasonsProducts,
  type SeasonsContext,
  type SeasonsFitInput,
  type SeasonsKernel,
  type SeasonsProducts,
} from '../core/seasons.ts';
import type { GpuContext } from './device.ts';
import type { ParamField } from './compute.ts';
import { GPU_CHOLESKY_RELATIVE_PIVOT_FLOOR, QUIET_NAN_BITS } from './constants.ts';
import { PlaneKernel, type PlaneKernelSpec } from './plane-program.ts';

/** The uniform block of shaders/seasons.wgsl (struct SeasonsParams), in order. */
export const SEASONS_PARAMS_FIELDS = [
  ['nPixels', 'u32'],
  ['nDates', 'u32'],
  ['nYears', 'u32'],
  ['rowStridePixels', 'u32'],
  ['minYearEpochs', 'u32'],
  ['minYearMonths', 'u32'],
  ['minTrendYears', 'u32'],
  ['scaleToMm', 'f32'],
  ['pivotFloor', 'f32'],
  ['quietNanBits', 'u32'],
] as const satisfies readonly ParamField[];

/** Output planes per pixel: amplitude, its std and the peak day per year; trend, trend std, valid years. */
export function seasonsOutputPlanes(nYears: number): number {
  return 3 * nYears + 3;
}

/**
 * The axis table: per date (τ, sin 2πτ, cos 2πτ, month), evaluated in float64 and rounded once
 * (WGSL's sin is only specified to 2⁻¹¹ absolute); per year (firstDate, endDate, Y − Ȳ, 0).
 */
export function buildSeasonsAxisTable(context: SeasonsContext): Float32Array {
  const nDates = context.tYearCentred.length;
  const table = new Float32Array(4 * (nDates + context.years.length));
  context.tYearCentred.forEach((tau, d) => {
    table.set([tau, Math.sin(2 * Math.PI * tau), Math.cos(2 * Math.PI * tau), context.monthOfDate[d]], 4 * d);
  });
  context.years.forEach((y, k) => table.set([y.firstDate, y.endDate, y.yearCentred, 0], 4 * (nDates + k)));
  return table;
}

export const SEASONS_KERNEL_SPEC: PlaneKernelSpec = {
  shader: 'seasons',
  entryPoint: 'seasonsPixels',
  paramsStruct: 'SeasonsParams',
  paramsFields: SEASONS_PARAMS_FIELDS,
  table: 'axis table',
  // Input planes: nDates + 2; output planes: seasonsOutputPlanes(nYears), given per run.
  describeError: (message, ctx) => `GPU seasons failed on ${ctx.adapterDescription}: ${message.trim()}`,
};

/** Chunk cap for one storage buffer (a pixel carries a whole series here). */
const DEFAULT_MAX_CHUNK_BYTES = 256 * 1024 * 1024;

export interface GpuSeasonsKernelOptions {
  workgroupSize?: number;
  /** Upper bound on one chunk's input or output buffer, bytes (tests force several chunks). */
  maxChunkBytes?: number;
  /** Tests: fill the output buffer with this before every dispatch, so an unwritten pixel shows. */
  poisonValue?: number;
  /** dispose() also destroys the GpuContext (default false: the fit kernel usually owns it). */
  destroyContextOnDispose?: boolean;
}

export class GpuSeasonsKernel implements SeasonsKernel {
  readonly kind = 'gpu' as const;
  readonly description: string;
  readonly context: GpuContext;

  constructor(private readonly planes: PlaneKernel) {
    this.context = planes.context;
    this.description = `gpu: ${planes.context.adapterDescription}`;
  }

  async seasonsTile(tile: { nPixels: number; nDates: number; values: Float32Array }, fit: SeasonsFitInput, context: SeasonsContext): Promise<SeasonsProducts> {
    this.planes.assertUsable();
    if (this.context.failure) throw this.context.failure;
    const { nPixels, nDates, values } = tile;
    if (values.length !== nPixels * nDates || context.tYearCentred.length !== nDates) {
      throw new Error(`seasons tile: ${values.length} values, ${nPixels} pixels × ${nDates} dates, a year table of ${context.tYearCentred.length}`);
    }
    const nYears = context.years.length;
    const out = allocateSeasonsProducts(nPixels, nYears);
    if (nPixels === 0) return out;
    const outputPlanes = seasonsOutputPlanes(nYears);
    if (4 * Math.max(nDates + 2, outputPlanes) > this.planes.maxChunkBytes) {
      throw new Error(`seasons tile: one pixel of ${nDates} dates exceeds the GPU's storage binding (${this.planes.maxChunkBytes} bytes)`);
    }
    // Date-major series: date d is the contiguous plane values[d × nPixels …]; then the fit's two planes.
    const inputs: Float32Array[] = [];
    for (let d = 0; d < nDates; d++) inputs.push(values.subarray(d * nPixels, (d + 1) * nPixels));
    inputs.push(fit.rateMmPerYear.subarray(0, nPixels), fit.seasonalFlag.subarray(0, nPixels));
    const { options } = context;
    await this.planes.runChunks({
      nPixels,
      inputs,
      outputPlanes,
      table: buildSeasonsAxisTable(context),
      params: ({ pixels, rowStridePixels }) => ({
        nPixels: pixels,
        nDates,
        nYears,
        rowStridePixels,
        minYearEpochs: options.minYearEpochs,
        minYearMonths: options.minYearMonths,
        minTrendYears: options.minTrendYears,
        scaleToMm: context.scaleToMm,
        pivotFloor: GPU_CHOLESKY_RELATIVE_PIVOT_FLOOR,
        quietNanBits: QUIET_NAN_BITS,
      }),
    }, ({ firstPixel: first, pixels: count }, raw) => {
      const planes = new Float32Array(raw.buffer, raw.byteOffset, raw.length);
      const plane = (k: number) => planes.subarray(k * count, (k + 1) * count);
      for (let y = 0; y < nYears; y++) {
        out.amplitudeMm.set(plane(y), y * nPixels + first);
        out.amplitudeStdMm.set(plane(nYears + y), y * nPixels + first);
        out.peakDayOfYear.set(plane(2 * nYears + y), y * nPixels + first);
      }
      out.amplitudeTrendMmPerYear.set(plane(3 * nYears), first);
      out.amplitudeTrendStdMmPerYear.set(plane(3 * nYears + 1), first);
      out.validYearCount.set(plane(3 * nYears + 2), first);
    });
    return out;
  }

  dispose(): void {
    this.planes.dispose();
  }
}

export async function createGpuSeasonsKernel(ctx: GpuContext, options: GpuSeasonsKernelOptions = {}): Promise<GpuSeasonsKernel> {
  const planes = await PlaneKernel.create(ctx, SEASONS_KERNEL_SPEC, {
    workgroupSize: options.workgroupSize,
    maxChunkBytes: options.maxChunkBytes ?? DEFAULT_MAX_CHUNK_BYTES,
    // The f32 value's bits: the same bytes as filling a Float32Array with it.
    poisonBits: options.poisonValue === undefined ? undefined : new Uint32Array(new Float32Array([options.poisonValue]).buffer)[0],
    destroyContextOnDispose: options.destroyContextOnDispose ?? false,
  });
  return new GpuSeasonsKernel(planes);
}
