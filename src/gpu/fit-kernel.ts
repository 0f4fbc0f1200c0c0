// WebGPU host of the fit kernel (shaders/fit.wgsl): the FitKernel of src/core/fit-types.ts on a
// GPU, in parity with the float64 reference src/cpu/fit.ts (test/fit-parity.test.ts).
//
// This module owns the kernel's bind-group layout, the layout of its uniform block, and the
// streaming of pixels through the device. Its pipeline is built, and its WGSL constants
// substituted, by programPipeline (src/gpu/plane-program.ts) like every kernel's; it keeps its
// own dispatch rather than PlaneKernel's because a fit chunk is not a plane kernel's chunk:
// several chunks are in flight at once (PlaneKernel runs one after another, awaiting each
// read-back), their buffers are kept and reused slot by slot instead of made per chunk, and a
// pixel's input is a whole series (hundreds of date planes, written straight from the tile).
//
// - A tile larger than one storage binding is cut into chunks of at most maxTilePixels(nDates)
//   pixels (the adapter's maxStorageBufferBindingSize / maxBufferSize, and the dispatch limit).
// - Each chunk runs in a "slot": its own input, output, read-back and uniform buffers. A few
//   slots (default 3) are shared by all fitTile calls, so while one chunk's results are being
//   mapped and copied out, the next chunk's upload and dispatch are already queued: the GPU
//   does not wait for a read-back. Device memory is bounded by slots × chunk size, host memory
//   by the caller's tiles plus their products, whatever the stack size.
// - Every submission runs inside validation and out-of-memory error scopes, and the device's
//   loss or uncaptured errors (GpuContext.failure) reject the chunk in flight and every later
//   call: a broken device never yields a tile of zeros.

import { FLAT_HARMONIC_RELATIVE, FLAT_HARMONIC_FLOOR_MM } from '../core/seasonality.ts';
import {
  allocateFitProducts,
  FIT_PRODUCT_KEYS,
  type FitContext,
  type FitKernel,
  type FitProducts,
  type SeriesTile,
} from '../core/fit-types.ts';
import { DAYS_PER_DECIMAL_YEAR, fractionOfYear } from '../core/time.ts';
import { BufferUsage, type GpuContext, destroyBuffer } from './device.ts';
import {
  dispatchGrid,
  encodeUniform,
  pushSubmissionScopes,
  submitAndRead,
  uniformBytes,
  type ComputePipeline,
} from './compute.ts';
import { DEFAULT_WORKGROUP_SIZE, GPU_CHOLESKY_RELATIVE_PIVOT_FLOOR, QUIET_NAN_BITS } from './constants.ts';
import { checkWorkgroupSize, programPipeline, type ProgramSpec } from './plane-program.ts';

/** Chunk cap: large enough to keep a big GPU busy, small enough that three fit in memory. */
const DEFAULT_MAX_TILE_BYTES = 256 * 1024 * 1024;

export interface GpuFitKernelOptions {
  workgroupSize?: number;
  /** Upper bound on one chunk's input buffer, bytes (tests force several chunks with it). */
  maxTileBytes?: number;
  /** Chunks in flight (slots); 2 is enough to overlap, 3 hides a slow read-back. */
  slots?: number;
  /** kernel.dispose() also destroys the GpuContext (default true: the CLI owns one kernel). */
  destroyContextOnDispose?: boolean;
  /**
   * Tests: fill the output buffer with this value before every dispatch, so a pixel the shader
   * fails to write shows up instead of inheriting the previous chunk's result.
   */
  poisonValue?: number;
}

/**
 * The uniform block, in the order and types of `struct FitParams` in shaders/fit.wgsl: the one
 * source of truth for the host's offsets (4 bytes per field; checked against the WGSL when the
 * kernel is created, so the two cannot drift).
 */
const FIT_PARAMS_FIELDS = [
  ['nPixels', 'u32'],
  ['nDates', 'u32'],
  ['rowStridePixels', 'u32'],
  ['minValidEpochs', 'u32'],
  ['extremaTolerance', 'f32'],
  ['hasExpectedOverride', 'u32'],
  ['expectedExtremaOverride', 'f32'],
  ['scaleToMm', 'f32'],
  ['tMidYearFraction', 'f32'],
  ['pivotFloor', 'f32'],
  ['dayStepCos1', 'f32'],
  ['dayStepSin1', 'f32'],
  ['dayStepCos2', 'f32'],
  ['dayStepSin2', 'f32'],
  ['dayStepCos3', 'f32'],
  ['dayStepSin3', 'f32'],
  ['quarterStepCos1', 'f32'],
  ['quarterStepSin1', 'f32'],
  ['quarterStepCos2', 'f32'],
  ['quarterStepSin2', 'f32'],
  ['quarterStepCos3', 'f32'],
  ['quarterStepSin3', 'f32'],
  ['quietNanBits', 'u32'],
] as const;
type FitParamName = (typeof FIT_PARAMS_FIELDS)[number][0];
const FIT_PARAMS_BYTES = uniformBytes(FIT_PARAMS_FIELDS);

function writeParams(values: Record<FitParamName, number>): ArrayBuffer {
  return encodeUniform('fit', FIT_PARAMS_FIELDS, values);
}

/** Floats per date in the date table: (t_c, s1, c1, s2), (c2, s3, c3, day offset). */
const DATE_TABLE_FLOATS = 8;

/**
 * Per-date values the shader must not compute in float32: the centred time, its harmonics
 * (sin/cos of 2πk t_c, k = 1..3, in float64 then rounded once), and the offset in days from
 * the first date, which makes the daily-grid length floor(span × 365.25) + 1 exact.
 */
export function buildDateTable(tCentredYears: Float64Array): Float32Array {
  const table = new Float32Array(tCentredYears.length * DATE_TABLE_FLOATS);
  const t0 = tCentredYears.length ? tCentredYears[0] : 0;
  tCentredYears.forEach((t, d) => {
    const o = d * DATE_TABLE_FLOATS;
    table[o] = t;
    table[o + 1] = Math.sin(2 * Math.PI * t);
    table[o + 2] = Math.cos(2 * Math.PI * t);
    table[o + 3] = Math.sin(4 * Math.PI * t);
    table[o + 4] = Math.cos(4 * Math.PI * t);
    table[o + 5] = Math.sin(6 * Math.PI * t);
    table[o + 6] = Math.cos(6 * Math.PI * t);
    table[o + 7] = (t - t0) * DAYS_PER_DECIMAL_YEAR;
  });
  return table;
}

const FIT_PROGRAM: ProgramSpec = {
  shader: 'fit',
  entryPoint: 'fitPixels',
  paramsStruct: 'FitParams',
  paramsFields: FIT_PARAMS_FIELDS,
};

/** The fit pipeline for one workgroup size, compiled once per device. */
function fitPipeline(device: GPUDevice, workgroupSize: number): Promise<ComputePipeline> {
  return programPipeline(device, FIT_PROGRAM, ['uniform', 'read-only-storage', 'read-only-storage', 'storage'], {
    WORKGROUP_SIZE: workgroupSize,
    FLAT_HARMONIC_RELATIVE_VALUE: FLAT_HARMONIC_RELATIVE,
    FLAT_HARMONIC_FLOOR_MM_VALUE: FLAT_HARMONIC_FLOOR_MM,
  });
}

/** One chunk's worth of device buffers, reused chunk after chunk. */
interface Slot {
  capacityValueBytes: number;
  capacityPixels: number;
  capacityDates: number;
  params: GPUBuffer;
  dateTable: GPUBuffer | null;
  values: GPUBuffer | null;
  products: GPUBuffer | null;
  readback: GPUBuffer | null;
}

const PRODUCT_COUNT = FIT_PRODUCT_KEYS.length;

export class GpuFitKernel implements FitKernel {
  readonly kind = 'gpu' as const;
  readonly description: string;
  private readonly freeSlots: Slot[] = [];
  private readonly slotWaiters: ((slot: Slot) => void)[] = [];
  private readonly allSlots: Slot[] = [];
  private disposed = false;
  private readonly workgroupSize: number;
  private readonly maxTileBytes: number;

  constructor(
    readonly context: GpuContext,
    private readonly pipeline: ComputePipeline,
    private readonly options: GpuFitKernelOptions,
  ) {
    this.workgroupSize = options.workgroupSize ?? DEFAULT_WORKGROUP_SIZE;
    this.description = `gpu: ${context.adapterDescription}`;
    const { limits } = context;
    this.maxTileBytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize, options.maxTileBytes ?? DEFAULT_MAX_TILE_BYTES);
    const slotCount = Math.max(1, options.slots ?? 3);
    for (let i = 0; i < slotCount; i++) {
      const slot: Slot = {
        capacityValueBytes: 0,
        capacityPixels: 0,
        capacityDates: 0,
        params: context.device.createBuffer({ label: 'fit params', size: FIT_PARAMS_BYTES, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST }),
        dateTable: null,
        values: null,
        products: null,
        readback: null,
      };
      this.allSlots.push(slot);
      this.freeSlots.push(slot);
    }
  }

  maxTilePixels(nDates: number): number {
    const { limits } = this.context;
    const byInput = Math.floor(this.maxTileBytes / (4 * Math.max(1, nDates)));
    const byOutput = Math.floor(this.maxTileBytes / (4 * PRODUCT_COUNT));
    const maxGroups = limits.maxComputeWorkgroupsPerDimension;
    const byDispatch = maxGroups * maxGroups * this.workgroupSize;
    return Math.max(1, Math.min(byInput, byOutput, byDispatch));
  }

  async fitTile(tile: SeriesTile, context: FitContext): Promise<FitProducts> {
    this.throwIfUnusable();
    const { nPixels, nDates, values } = tile;
    if (values.length !== nPixels * nDates) {
      throw new Error(`fit tile: ${values.length} values for ${nPixels} pixels × ${nDates} dates`);
    }
    if (context.tCentredYears.length !== nDates) {
      throw new Error(`fit tile: ${nDates} dates but a time axis of ${context.tCentredYears.length}`);
    }
    if (4 * nDates > this.maxTileBytes) {
      throw new Error(`fit tile: one pixel of ${nDates} dates exceeds the GPU's storage binding (${this.maxTileBytes} bytes)`);
    }
    const out = allocateFitProducts(nPixels);
    if (nPixels === 0) return out;
    if (nDates === 0) {
      // No epochs: every pixel has too few (the CPU's rule); nothing to send to the device.
      out.validEpochCount.fill(0);
      return out;
    }
    const dateTable = buildDateTable(context.tCentredYears);
    const chunkPixels = this.maxTilePixels(nDates);
    const chunks: Promise<void>[] = [];
    for (let first = 0; first < nPixels; first += chunkPixels) {
      chunks.push(this.fitChunk(tile, context, dateTable, first, Math.min(chunkPixels, nPixels - first), out));
    }
    // All chunks settle before the tile does (no slot is left mid-write), then the first error wins.
    const results = await Promise.allSettled(chunks);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return out;
  }

  private throwIfUnusable(): void {
    if (this.disposed) throw new Error('GPU fit kernel used after dispose()');
    if (this.context.failure) throw this.context.failure;
  }

  private async acquireSlot(): Promise<Slot> {
    const slot = this.freeSlots.pop();
    if (slot) return slot;
    return new Promise((resolve) => this.slotWaiters.push(resolve));
  }

  private releaseSlot(slot: Slot): void {
    const waiter = this.slotWaiters.shift();
    if (waiter) waiter(slot);
    else this.freeSlots.push(slot);
  }

  /** Grows a slot's buffers to hold a chunk (never shrinks: chunks of one run are alike). */
  private ensureCapacity(slot: Slot, nPixels: number, nDates: number): void {
    const device = this.context.device;
    const valueBytes = 4 * nPixels * nDates;
    if (!slot.dateTable || slot.capacityDates < nDates) {
      destroyBuffer(slot.dateTable);
      slot.dateTable = device.createBuffer({ label: 'fit date table', size: 4 * DATE_TABLE_FLOATS * nDates, usage: BufferUsage.STORAGE | BufferUsage.COPY_DST });
      slot.capacityDates = nDates;
    }
    if (!slot.values || slot.capacityValueBytes < valueBytes) {
      destroyBuffer(slot.values);
      slot.values = device.createBuffer({ label: 'fit series', size: valueBytes, usage: BufferUsage.STORAGE | BufferUsage.COPY_DST });
      slot.capacityValueBytes = valueBytes;
    }
    if (!slot.products || slot.capacityPixels < nPixels) {
      destroyBuffer(slot.products);
      destroyBuffer(slot.readback);
      const productBytes = 4 * PRODUCT_COUNT * nPixels;
      slot.products = device.createBuffer({ label: 'fit products', size: productBytes, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST });
      slot.readback = device.createBuffer({ label: 'fit read-back', size: productBytes, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
      slot.capacityPixels = nPixels;
    }
  }

  private async fitChunk(
    tile: SeriesTile,
    context: FitContext,
    dateTable: Float32Array,
    firstPixel: number,
    chunkPixels: number,
    out: FitProducts,
  ): Promise<void> {
    const slot = await this.acquireSlot();
    try {
      this.throwIfUnusable();
      const { device } = this.context;
      const { queue } = device;
      const { nPixels, nDates, values } = tile;

      const { groupsX, groupsY, rowStridePixels } = dispatchGrid(this.context, chunkPixels, this.workgroupSize);
      const { options } = context;
      const dayStep = (k: number, f: (x: number) => number) => f((2 * Math.PI * k) / DAYS_PER_DECIMAL_YEAR);
      const params = writeParams({
        nPixels: chunkPixels,
        nDates,
        rowStridePixels,
        minValidEpochs: Math.max(0, Math.ceil(options.minValidEpochs)),
        extremaTolerance: options.extremaTolerance,
        hasExpectedOverride: options.expectedExtrema === null ? 0 : 1,
        expectedExtremaOverride: options.expectedExtrema ?? 0,
        scaleToMm: context.scaleToMm,
        // frac(t_mid) in float64 here: t_mid itself (≈ 2018.7) keeps only ~1 hour in float32.
        tMidYearFraction: fractionOfYear(context.tMidYears),
        pivotFloor: GPU_CHOLESKY_RELATIVE_PIVOT_FLOOR,
        dayStepCos1: dayStep(1, Math.cos),
        dayStepSin1: dayStep(1, Math.sin),
        dayStepCos2: dayStep(2, Math.cos),
        dayStepSin2: dayStep(2, Math.sin),
        dayStepCos3: dayStep(3, Math.cos),
        dayStepSin3: dayStep(3, Math.sin),
        quarterStepCos1: dayStep(1 / 4, Math.cos),
        quarterStepSin1: dayStep(1 / 4, Math.sin),
        quarterStepCos2: dayStep(2 / 4, Math.cos),
        quarterStepSin2: dayStep(2 / 4, Math.sin),
        quarterStepCos3: dayStep(3 / 4, Math.cos),
        quarterStepSin3: dayStep(3 / 4, Math.sin),
        quietNanBits: QUIET_NAN_BITS,
      });

      pushSubmissionScopes(device);
      this.ensureCapacity(slot, chunkPixels, nDates);
      queue.writeBuffer(slot.params, 0, params);
      queue.writeBuffer(slot.dateTable!, 0, dateTable.buffer, dateTable.byteOffset, dateTable.byteLength);
      if (chunkPixels === nPixels) {
        queue.writeBuffer(slot.values!, 0, values.buffer, values.byteOffset, values.byteLength);
      } else {
        // Date-major: the chunk is one contiguous run of pixels per date.
        for (let d = 0; d < nDates; d++) {
          const source = values.byteOffset + 4 * (d * nPixels + firstPixel);
          queue.writeBuffer(slot.values!, 4 * d * chunkPixels, values.buffer, source, 4 * chunkPixels);
        }
      }
      const productBytes = 4 * PRODUCT_COUNT * chunkPixels;
      if (this.options.poisonValue !== undefined) {
        const poison = new Float32Array(PRODUCT_COUNT * chunkPixels).fill(this.options.poisonValue);
        queue.writeBuffer(slot.products!, 0, poison.buffer, 0, productBytes);
      }
      const bindGroup = device.createBindGroup({
        layout: this.pipeline.layout,
        entries: [
          { binding: 0, resource: { buffer: slot.params } },
          { binding: 1, resource: { buffer: slot.dateTable!, size: 4 * DATE_TABLE_FLOATS * nDates } },
          { binding: 2, resource: { buffer: slot.values!, size: 4 * chunkPixels * nDates } },
          { binding: 3, resource: { buffer: slot.products!, size: productBytes } },
        ],
      });
      const mapped = await submitAndRead(this.context, {
        shader: 'fit',
        pipeline: this.pipeline,
        bindGroup,
        groupsX,
        groupsY,
        output: slot.products!,
        readback: slot.readback!,
        bytes: productBytes,
        describeScopeError: (message) => `GPU fit failed on ${this.context.adapterDescription}: ${message.trim()}`,
      });
      FIT_PRODUCT_KEYS.forEach((key, k) => {
        out[key].set(new Float32Array(mapped, 4 * k * chunkPixels, chunkPixels), firstPixel);
      });
      slot.readback!.unmap();
    } catch (e) {
      if (this.context.failure) throw this.context.failure;
      const message = (e as Error).message ?? String(e);
      throw message.startsWith('GPU') ? e : new Error(`GPU fit failed on ${this.context.adapterDescription}: ${message}`);
    } finally {
      this.releaseSlot(slot);
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const slot of this.allSlots) {
      for (const buffer of [slot.params, slot.dateTable, slot.values, slot.products, slot.readback]) destroyBuffer(buffer);
    }
    if (this.options.destroyContextOnDispose ?? true) this.context.destroy();
  }
}

/** The fit kernel on a WebGPU device (pipeline compiled, or taken from the cache). */
export async function createGpuFitKernel(ctx: GpuContext, options: GpuFitKernelOptions = {}): Promise<FitKernel> {
  const workgroupSize = options.workgroupSize ?? DEFAULT_WORKGROUP_SIZE;
  checkWorkgroupSize(ctx, workgroupSize);
  if (ctx.failure) throw ctx.failure;
  const pipeline = await fitPipeline(ctx.device, workgroupSize);
  return new GpuFitKernel(ctx, pipeline, options);
}
