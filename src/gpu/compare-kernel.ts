// WebGPU host of the two-track kernel (shaders/compare.wgsl): the CompareKernel of
// src/core/two-track.ts on a GPU, in parity with the float64 reference (test/compare-parity.test.ts).
//
// The kernel is per pixel with no time axis, so its host is simpler than the fit's: inputs go
// up as plane-major f32 planes in ONE storage buffer, outputs come back as plane-major u32 in
// ONE storage buffer (two storage bindings: within compatibility mode's limit of four). A tile
// larger than one binding is cut into chunks that run one after another; device memory stays
// bounded by one chunk. The machinery is shared with shaders/vertical.wgsl
// (src/gpu/vertical-kernel.ts) through PlaneKernel below, and with every kernel through
// compute.ts (compilation, pipeline cache, submit and read-back); each kernel module owns its WGSL,
// uniform layout and pipeline.
//
// Every submission runs inside validation and out-of-memory error scopes, and a lost device
// (GpuContext.failure) rejects the call: a broken device never yields a tile of zeros.
import { SecularReason, SeasonalReason, type DirectionThresholds } from '../core/direction.ts';
import { MIN_DECOMPOSITION_DETERMINANT } from '../core/decomposition.ts';
import {
  allocateCompareOutputs,
  COMPARE_FLOAT_OUTPUT_KEYS,
  type CompareKernel,
  type CompareOutputs,
  type CompareTile,
} from '../core/two-track.ts';
import { BufferUsage, type GpuContext, destroyBuffer } from './device.ts';
import {
  cachedPipeline,
  checkUniformLayout,
  compileComputePipeline,
  dispatchGrid,
  encodeUniform,
  pushSubmissionScopes,
  submitAndRead,
  type ComputePipeline,
  type ParamField,
} from './compute.ts';
import { loadShaderSource } from './shader-source.ts';

/** Invocations per workgroup: a multiple of 32 and 64 (warp, wavefront), within compat limits. */
export const DEFAULT_WORKGROUP_SIZE = 64;

/** Chunk cap for one storage buffer: big enough to keep a GPU busy, small enough to allocate. */
const DEFAULT_MAX_CHUNK_BYTES = 128 * 1024 * 1024;


export interface PlaneKernelSpec {
  /** shaders/<shader>.wgsl */
  shader: string;
  entryPoint: string;
  /** Name of the uniform struct in the WGSL, and its fields in order (4 bytes each). */
  paramsStruct: string;
  paramsFields: readonly ParamField[];
  inputPlanes: number;
  outputPlanes: number;
}

export interface PlaneKernelOptions {
  workgroupSize?: number;
  /** Upper bound on one storage buffer, bytes (tests force several chunks with it). */
  maxChunkBytes?: number;
  /** Tests: fill the output buffer with this bit pattern first, so an unwritten pixel shows. */
  poisonBits?: number;
  /** dispose() also destroys the GpuContext (default true: the CLI owns one kernel). */
  destroyContextOnDispose?: boolean;
}

/** The pipeline of `spec` for one workgroup size, compiled once per device. */
function buildPipeline(device: GPUDevice, spec: PlaneKernelSpec, workgroupSize: number): Promise<ComputePipeline> {
  return cachedPipeline(device, `${spec.shader}:${workgroupSize}`, async () => {
    const template = await loadShaderSource(spec.shader);
    checkUniformLayout(template, spec.shader, spec.paramsStruct, spec.paramsFields);
    // The one spot where constants are substituted into the WGSL.
    const code = template.replaceAll('WORKGROUP_SIZE', String(workgroupSize));
    return compileComputePipeline(device, {
      shader: spec.shader,
      code,
      entryPoint: spec.entryPoint,
      bindings: ['uniform', 'read-only-storage', 'storage'],
    });
  });
}

/**
 * A per-pixel kernel over plane-major buffers: uploads `inputPlanes` f32 planes, dispatches one
 * invocation per pixel, reads back `outputPlanes` u32 planes (f32 outputs as their bits).
 */
export class PlaneKernel {
  private readonly workgroupSize: number;
  private readonly maxChunkBytes: number;
  private disposed = false;

  private constructor(
    readonly context: GpuContext,
    readonly spec: PlaneKernelSpec,
    private readonly pipeline: ComputePipeline,
    private readonly options: PlaneKernelOptions,
  ) {
    this.workgroupSize = options.workgroupSize ?? DEFAULT_WORKGROUP_SIZE;
    const { limits } = context;
    this.maxChunkBytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize, options.maxChunkBytes ?? DEFAULT_MAX_CHUNK_BYTES);
  }

  static async create(context: GpuContext, spec: PlaneKernelSpec, options: PlaneKernelOptions = {}): Promise<PlaneKernel> {
    const pipeline = await buildPipeline(context.device, spec, options.workgroupSize ?? DEFAULT_WORKGROUP_SIZE);
    return new PlaneKernel(context, spec, pipeline, options);
  }

  /** Largest chunk, pixels: one binding per side, and the 2-D dispatch limit. */
  maxChunkPixels(): number {
    const planes = Math.max(this.spec.inputPlanes, this.spec.outputPlanes);
    const byBinding = Math.floor(this.maxChunkBytes / (4 * planes));
    const groups = this.context.limits.maxComputeWorkgroupsPerDimension;
    return Math.max(1, Math.min(byBinding, groups * groups * this.workgroupSize));
  }

  /**
   * Runs the kernel over nPixels. `planes` are the inputs (each nPixels long; fewer than
   * spec.inputPlanes when the shader is told by its params not to read the rest).
   * `params(chunkPixels, rowStridePixels)` gives the uniform values per chunk.
   * Returns the outputs plane-major: out[plane × nPixels + pixel].
   */
  async run(nPixels: number, planes: Float32Array[], params: (chunkPixels: number, rowStridePixels: number) => Record<string, number>): Promise<Uint32Array> {
    if (this.disposed) throw new Error(`GPU ${this.spec.shader} kernel used after dispose()`);
    for (const plane of planes) if (plane.length !== nPixels) throw new Error(`${this.spec.shader} kernel: a plane of ${plane.length} values for ${nPixels} pixels`);
    const out = new Uint32Array(this.spec.outputPlanes * nPixels);
    const chunk = this.maxChunkPixels();
    for (let first = 0; first < nPixels; first += chunk) {
      await this.runChunk(nPixels, planes, first, Math.min(chunk, nPixels - first), params, out);
    }
    return out;
  }

  private async runChunk(
    nPixels: number,
    planes: Float32Array[],
    first: number,
    count: number,
    params: (chunkPixels: number, rowStridePixels: number) => Record<string, number>,
    out: Uint32Array,
  ): Promise<void> {
    if (this.context.failure) throw this.context.failure;
    const { device } = this.context;
    const { queue } = device;
    const { spec } = this;
    const inBytes = 4 * Math.max(1, planes.length) * count;
    const outBytes = 4 * spec.outputPlanes * count;
    const { groupsX, groupsY, rowStridePixels } = dispatchGrid(this.context, count, this.workgroupSize);

    const uniform = encodeUniform(spec.shader, spec.paramsFields, params(count, rowStridePixels));

    pushSubmissionScopes(device);
    const paramsBuffer = device.createBuffer({ label: `${spec.shader} params`, size: uniform.byteLength, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST });
    const inputBuffer = device.createBuffer({ label: `${spec.shader} inputs`, size: inBytes, usage: BufferUsage.STORAGE | BufferUsage.COPY_DST });
    const outputBuffer = device.createBuffer({ label: `${spec.shader} outputs`, size: outBytes, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST });
    const readback = device.createBuffer({ label: `${spec.shader} read-back`, size: outBytes, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    try {
      queue.writeBuffer(paramsBuffer, 0, uniform);
      planes.forEach((plane, k) => {
        queue.writeBuffer(inputBuffer, 4 * k * count, plane.buffer, plane.byteOffset + 4 * first, 4 * count);
      });
      if (this.options.poisonBits !== undefined) {
        const poison = new Uint32Array(spec.outputPlanes * count).fill(this.options.poisonBits);
        queue.writeBuffer(outputBuffer, 0, poison.buffer, 0, outBytes);
      }
      const bindGroup = device.createBindGroup({
        layout: this.pipeline.layout,
        entries: [
          { binding: 0, resource: { buffer: paramsBuffer } },
          { binding: 1, resource: { buffer: inputBuffer } },
          { binding: 2, resource: { buffer: outputBuffer } },
        ],
      });
      const mapped = await submitAndRead(this.context, {
        shader: spec.shader,
        pipeline: this.pipeline,
        bindGroup,
        groupsX,
        groupsY,
        output: outputBuffer,
        readback,
        bytes: outBytes,
        describeScopeError: (message) => `GPU ${spec.shader} kernel: ${message}`,
      });
      const chunkOut = new Uint32Array(mapped.slice(0));
      readback.unmap();
      for (let k = 0; k < spec.outputPlanes; k++) {
        out.set(chunkOut.subarray(k * count, (k + 1) * count), k * nPixels + first);
      }
    } finally {
      destroyBuffer(paramsBuffer);
      destroyBuffer(inputBuffer);
      destroyBuffer(outputBuffer);
      destroyBuffer(readback);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.options.destroyContextOnDispose ?? true) this.context.destroy();
  }
}

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
    const raw = await this.planes.run(n, inputs, (chunkPixels, rowStridePixels) => ({
      nPixels: chunkPixels,
      rowStridePixels,
      hasGeometry: tile.geometry ? 1 : 0,
      quietNanBits: 0x7fc00000,
      rateThresholdMmPerYear: t.rateMmPerYear,
      amplitudeThresholdMm: t.amplitudeMm,
      inPhaseDays: t.inPhaseDays,
      antiPhaseDays: t.antiPhaseDays,
      antiPhaseToleranceDays: t.antiPhaseToleranceDays,
      minDeterminant: MIN_DECOMPOSITION_DETERMINANT,
    }));
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
