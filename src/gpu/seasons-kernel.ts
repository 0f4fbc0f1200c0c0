// WebGPU host of the per-year seasonal kernel (shaders/seasons.wgsl): the SeasonsKernel of
// src/core/seasons.ts on a GPU, in parity with the float64 reference src/cpu/seasons.ts
// (test/seasons-parity.test.ts).
//
// The kernel takes the fit's rate and seasonal flag per pixel as two more planes after the
// date-major series in one storage binding, and the per-date and per-year tables in another:
// three storage bindings in all, within WebGPU compatibility mode's four per stage. A tile
// larger than one binding runs as several chunks, one after the other (the fit streams the
// stack; this kernel follows the fit's tiles).
import {
  allocateSeasonsProducts,
  type SeasonsContext,
  type SeasonsFitInput,
  type SeasonsKernel,
  type SeasonsProducts,
} from '../core/seasons.ts';
import { BufferUsage, type GpuContext, destroyBuffer } from './device.ts';
import {
  cachedPipeline,
  checkUniformLayout,
  compileComputePipeline,
  dispatchGrid,
  encodeUniform,
  pushSubmissionScopes,
  submitAndRead,
  uniformBytes,
  type ComputePipeline,
  type ParamField,
} from './compute.ts';
import { loadShaderSource } from './shader-source.ts';
import { DEFAULT_WORKGROUP_SIZE, GPU_CHOLESKY_RELATIVE_PIVOT_FLOOR } from './fit-kernel.ts';

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

async function seasonsPipeline(device: GPUDevice, workgroupSize: number): Promise<ComputePipeline> {
  return cachedPipeline(device, `seasons:${workgroupSize}`, async () => {
    const template = await loadShaderSource('seasons');
    checkUniformLayout(template, 'seasons', 'SeasonsParams', SEASONS_PARAMS_FIELDS);
    return compileComputePipeline(device, {
      shader: 'seasons',
      code: template.replaceAll('WORKGROUP_SIZE', String(workgroupSize)),
      entryPoint: 'seasonsPixels',
      bindings: ['uniform', 'read-only-storage', 'read-only-storage', 'storage'],
    });
  });
}

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
  private readonly workgroupSize: number;
  private readonly maxChunkBytes: number;
  private disposed = false;

  constructor(readonly context: GpuContext, private readonly pipeline: ComputePipeline, private readonly options: GpuSeasonsKernelOptions) {
    this.workgroupSize = options.workgroupSize ?? DEFAULT_WORKGROUP_SIZE;
    this.description = `gpu: ${context.adapterDescription}`;
    const { limits } = context;
    this.maxChunkBytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize, options.maxChunkBytes ?? 256 * 1024 * 1024);
  }

  async seasonsTile(tile: { nPixels: number; nDates: number; values: Float32Array }, fit: SeasonsFitInput, context: SeasonsContext): Promise<SeasonsProducts> {
    if (this.disposed) throw new Error('GPU seasons kernel used after dispose()');
    if (this.context.failure) throw this.context.failure;
    const { nPixels, nDates, values } = tile;
    if (values.length !== nPixels * nDates || context.tYearCentred.length !== nDates) {
      throw new Error(`seasons tile: ${values.length} values, ${nPixels} pixels × ${nDates} dates, a year table of ${context.tYearCentred.length}`);
    }
    const nYears = context.years.length;
    const out = allocateSeasonsProducts(nPixels, nYears);
    if (nPixels === 0) return out;
    const planesOut = seasonsOutputPlanes(nYears);
    const perPixelBytes = 4 * Math.max(nDates + 2, planesOut);
    const maxGroups = this.context.limits.maxComputeWorkgroupsPerDimension;
    const chunkPixels = Math.max(1, Math.min(Math.floor(this.maxChunkBytes / perPixelBytes), maxGroups * maxGroups * this.workgroupSize));
    if (perPixelBytes > this.maxChunkBytes) throw new Error(`seasons tile: one pixel of ${nDates} dates exceeds the GPU's storage binding (${this.maxChunkBytes} bytes)`);
    const axisTable = buildSeasonsAxisTable(context);
    for (let first = 0; first < nPixels; first += chunkPixels) {
      await this.runChunk(tile, fit, context, axisTable, first, Math.min(chunkPixels, nPixels - first), out);
    }
    return out;
  }

  private async runChunk(
    tile: { nPixels: number; nDates: number; values: Float32Array }, fit: SeasonsFitInput, context: SeasonsContext,
    axisTable: Float32Array, first: number, count: number, out: SeasonsProducts,
  ): Promise<void> {
    const { device } = this.context;
    const { queue } = device;
    const { nPixels, nDates, values } = tile;
    const nYears = context.years.length;
    const planesOut = seasonsOutputPlanes(nYears);
    // Series of the chunk (date-major, contiguous per date), then the fit's two planes.
    const input = new Float32Array((nDates + 2) * count);
    for (let d = 0; d < nDates; d++) input.set(values.subarray(d * nPixels + first, d * nPixels + first + count), d * count);
    input.set(fit.rateMmPerYear.subarray(first, first + count), nDates * count);
    input.set(fit.seasonalFlag.subarray(first, first + count), (nDates + 1) * count);
    const outputBytes = 4 * planesOut * count;
    const { groupsX, groupsY, rowStridePixels } = dispatchGrid(this.context, count, this.workgroupSize);
    const { options } = context;
    const params = encodeUniform('seasons', SEASONS_PARAMS_FIELDS, {
      nPixels: count,
      nDates,
      nYears,
      rowStridePixels,
      minYearEpochs: options.minYearEpochs,
      minYearMonths: options.minYearMonths,
      minTrendYears: options.minTrendYears,
      scaleToMm: context.scaleToMm,
      pivotFloor: GPU_CHOLESKY_RELATIVE_PIVOT_FLOOR,
      quietNanBits: 0x7fc00000,
    });
    const buffers: GPUBuffer[] = [];
    const make = (label: string, size: number, usage: number) => {
      const b = device.createBuffer({ label: `seasons ${label}`, size: Math.max(16, Math.ceil(size / 4) * 4), usage });
      buffers.push(b);
      return b;
    };
    try {
      pushSubmissionScopes(device);
      const paramBuffer = make('params', uniformBytes(SEASONS_PARAMS_FIELDS), BufferUsage.UNIFORM | BufferUsage.COPY_DST);
      const tableBuffer = make('axis table', axisTable.byteLength, BufferUsage.STORAGE | BufferUsage.COPY_DST);
      const inputBuffer = make('inputs', input.byteLength, BufferUsage.STORAGE | BufferUsage.COPY_DST);
      const outputBuffer = make('outputs', outputBytes, BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST);
      const readback = make('read-back', outputBytes, BufferUsage.MAP_READ | BufferUsage.COPY_DST);
      queue.writeBuffer(paramBuffer, 0, params);
      queue.writeBuffer(tableBuffer, 0, axisTable.buffer, axisTable.byteOffset, axisTable.byteLength);
      queue.writeBuffer(inputBuffer, 0, input.buffer, 0, input.byteLength);
      if (this.options.poisonValue !== undefined) {
        const poison = new Float32Array(planesOut * count).fill(this.options.poisonValue);
        queue.writeBuffer(outputBuffer, 0, poison.buffer, 0, outputBytes);
      }
      const bindGroup = device.createBindGroup({
        layout: this.pipeline.layout,
        entries: [
          { binding: 0, resource: { buffer: paramBuffer } },
          { binding: 1, resource: { buffer: tableBuffer, size: axisTable.byteLength } },
          { binding: 2, resource: { buffer: inputBuffer, size: input.byteLength } },
          { binding: 3, resource: { buffer: outputBuffer, size: outputBytes } },
        ],
      });
      const mapped = await submitAndRead(this.context, {
        shader: 'seasons',
        pipeline: this.pipeline,
        bindGroup,
        groupsX,
        groupsY,
        output: outputBuffer,
        readback,
        bytes: outputBytes,
        describeScopeError: (message) => `GPU seasons failed on ${this.context.adapterDescription}: ${message.trim()}`,
      });
      const planes = new Float32Array(mapped.slice(0));
      readback.unmap();
      const plane = (k: number) => planes.subarray(k * count, (k + 1) * count);
      for (let y = 0; y < nYears; y++) {
        out.amplitudeMm.set(plane(y), y * nPixels + first);
        out.amplitudeStdMm.set(plane(nYears + y), y * nPixels + first);
        out.peakDayOfYear.set(plane(2 * nYears + y), y * nPixels + first);
      }
      out.amplitudeTrendMmPerYear.set(plane(3 * nYears), first);
      out.amplitudeTrendStdMmPerYear.set(plane(3 * nYears + 1), first);
      out.validYearCount.set(plane(3 * nYears + 2), first);
    } catch (e) {
      if (this.context.failure) throw this.context.failure;
      const message = (e as Error).message ?? String(e);
      throw message.startsWith('GPU') ? e : new Error(`GPU seasons failed on ${this.context.adapterDescription}: ${message}`);
    } finally {
      for (const b of buffers) destroyBuffer(b);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.options.destroyContextOnDispose) this.context.destroy();
  }
}

export async function createGpuSeasonsKernel(ctx: GpuContext, options: GpuSeasonsKernelOptions = {}): Promise<GpuSeasonsKernel> {
  const workgroupSize = options.workgroupSize ?? DEFAULT_WORKGROUP_SIZE;
  if (workgroupSize > ctx.limits.maxComputeInvocationsPerWorkgroup || workgroupSize > ctx.limits.maxComputeWorkgroupSizeX) {
    throw new Error(`workgroup size ${workgroupSize} exceeds this adapter's limit`);
  }
  if (ctx.failure) throw ctx.failure;
  return new GpuSeasonsKernel(ctx, await seasonsPipeline(ctx.device, workgroupSize), options);
}
