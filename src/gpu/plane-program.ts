// The shared program module of the per-pixel GPU kernels (issue 20): compare, vertical, alt,
// seasons and invert run through PlaneKernel below, and every kernel, fit included, builds its
// pipeline through programPipeline, the one place WGSL constants are substituted (wgslCode).
//
// A plane kernel is one invocation per pixel over plane-major buffers:
//
//   binding 0  uniform              the params struct (re-encoded per chunk)
//   binding 1  read-only storage    optional table: a small constant array of 4-byte words every
//                                   invocation reads (alt's spline centres, seasons' axis table)
//   binding 1|2 read-only storage   the input planes, plane k of a chunk at [k × chunkPixels + p]
//   binding 2|3 read-write storage  the output planes, likewise (u32 words: f32 outputs as bits)
//   binding 3|4 read-write storage  optional scratch: per-pixel working planes the shader keeps
//                                   in device memory (WGSL caps private memory at 8 KiB), laid
//                                   out like the outputs; neither uploaded nor read back (the
//                                   inversion's banded normal matrix)
//
// At most four storage bindings, compatibility mode's limit per stage (llvmpipe through the
// OpenGL ES backend). A tile larger than one binding, or than the 2-D dispatch, is cut into
// chunks that run one after another, so device memory stays bounded by one chunk; the shader is
// told each chunk's first pixel through its params. Every submission runs inside validation and
// out-of-memory error scopes, and a lost device (GpuContext.failure) rejects the call: a broken
// device never yields a tile of zeros.
//
// Each kernel module (compare-, vertical-, alt-, seasons-, invert-kernel.ts) owns its WGSL, its
// uniform layout (checked against the WGSL struct when the pipeline is built), its plane order
// and its products; none imports another.
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
import { DEFAULT_WORKGROUP_SIZE } from './constants.ts';
import { loadShaderSource } from './shader-source.ts';

/** Chunk cap for one storage buffer: big enough to keep a GPU busy, small enough to allocate. */
const DEFAULT_MAX_CHUNK_BYTES = 128 * 1024 * 1024;

// ── WGSL constants and pipelines ───────────────────────────────────────────────────────────

/**
 * Host constants of a WGSL template, by placeholder name (e.g. WORKGROUP_SIZE). Integers are
 * written in decimal (`64`), other numbers as exponent literals (`1e-5`), which WGSL reads as
 * abstract ints and floats, so one placeholder serves a workgroup size, a u32 or an f32 const.
 */
export type WgslConstants = Readonly<Record<string, number>>;

/**
 * The WGSL of `template` with each of `constants` substituted wherever its name stands as a
 * whole word. Every kernel's constants go in here, nowhere else; a placeholder missing from the
 * template is an error, so host and shader cannot drift apart silently.
 */
export function wgslCode(template: string, shader: string, constants: WgslConstants): string {
  let code = template;
  for (const [name, value] of Object.entries(constants)) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`shaders/${shader}.wgsl: constant name ${name} is not UPPER_SNAKE_CASE`);
    if (!Number.isFinite(value)) throw new Error(`shaders/${shader}.wgsl: constant ${name} = ${value} is not finite`);
    const word = new RegExp(`\\b${name}\\b`, 'g');
    const substituted = code.replace(word, Number.isInteger(value) ? String(value) : value.toExponential());
    if (substituted === code) throw new Error(`shaders/${shader}.wgsl: no placeholder ${name} to substitute`);
    code = substituted;
  }
  return code;
}

/** What a kernel's WGSL file declares: its entry point and uniform struct. */
export interface ProgramSpec {
  /** shaders/<shader>.wgsl */
  shader: string;
  entryPoint: string;
  /** Name of the uniform struct in the WGSL, and its fields in order (4 bytes each). */
  paramsStruct: string;
  paramsFields: readonly ParamField[];
}

/**
 * The pipeline of `spec` with `constants` substituted and group 0's bindings of types
 * `bindings`, compiled once per device: loads the WGSL, checks the uniform layout against the
 * host's field list, substitutes (wgslCode), compiles.
 */
export function programPipeline(
  device: GPUDevice,
  spec: ProgramSpec,
  bindings: readonly GPUBufferBindingType[],
  constants: WgslConstants,
): Promise<ComputePipeline> {
  const constantKey = Object.keys(constants).sort().map((k) => `${k}=${constants[k]}`).join(',');
  return cachedPipeline(device, `${spec.shader}:${spec.entryPoint}:${bindings.join(',')}:${constantKey}`, async () => {
    const template = await loadShaderSource(spec.shader);
    checkUniformLayout(template, spec.shader, spec.paramsStruct, spec.paramsFields);
    return compileComputePipeline(device, {
      shader: spec.shader,
      code: wgslCode(template, spec.shader, constants),
      entryPoint: spec.entryPoint,
      bindings,
    });
  });
}

/** A workgroup size the adapter cannot run is refused before any WGSL is compiled. */
export function checkWorkgroupSize(ctx: GpuContext, workgroupSize: number): void {
  if (workgroupSize > ctx.limits.maxComputeInvocationsPerWorkgroup || workgroupSize > ctx.limits.maxComputeWorkgroupSizeX) {
    throw new Error(`workgroup size ${workgroupSize} exceeds this adapter's limit`);
  }
}

// ── PlaneKernel ────────────────────────────────────────────────────────────────────────────

/** A plane of 4-byte values, one per pixel (or a table of 4-byte words). */
export type PlaneData = Float32Array | Uint32Array | Int32Array;

export interface PlaneKernelSpec extends ProgramSpec {
  /**
   * Present: binding 1 is a read-only storage table (each run's `table`), named so in buffer
   * labels, and the inputs and outputs move to bindings 2 and 3.
   */
  table?: string;
  /**
   * Input planes the shader may read: a run may upload fewer when its params tell the shader not
   * to read the rest. Omitted: as many as each run gives (e.g. one per date).
   */
  inputPlanes?: number;
  /** Output planes per pixel. Omitted: each run says (PlaneRun.outputPlanes). */
  outputPlanes?: number;
  /**
   * Present: a read-write storage binding after the outputs, named so in buffer labels, of
   * PlaneRun.scratchPlanes planes per pixel: working memory the shader initialises itself.
   */
  scratch?: string;
  /** WGSL constants besides WORKGROUP_SIZE (which comes from PlaneKernelOptions). */
  constants?: WgslConstants;
  /** The Error message for a failure of this kernel (default `GPU <shader> kernel: <message>`). */
  describeError?: (message: string, context: GpuContext) => string;
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

/** One chunk of a run, as the params callback and the receiver see it. */
export interface PlaneChunk {
  /** Index of the chunk's first pixel in the run. */
  firstPixel: number;
  /** Pixels in the chunk (the shader's nPixels). */
  pixels: number;
  /** Pixels per row of the 2-D dispatch: pixel = gid.x + gid.y × rowStridePixels. */
  rowStridePixels: number;
}

export interface PlaneRun {
  nPixels: number;
  /** Input planes, each nPixels long (fewer than spec.inputPlanes when the shader skips the rest). */
  inputs: readonly PlaneData[];
  /** Output planes; required when the spec does not fix them, else must agree. */
  outputPlanes?: number;
  /** The table (spec.table): uploaded with every chunk, the same for all of them. */
  table?: PlaneData;
  /** Scratch planes per pixel (spec.scratch), at least 1. */
  scratchPlanes?: number;
  /** The uniform values of one chunk (spec.paramsFields by name). */
  params: (chunk: PlaneChunk) => Readonly<Record<string, number>>;
}

/**
 * A per-pixel kernel over plane-major buffers: uploads f32 (or u32) input planes and an optional
 * table, dispatches one invocation per pixel, reads back u32 output planes (f32 outputs as their
 * bits), chunk by chunk within the device's limits.
 */
export class PlaneKernel {
  readonly workgroupSize: number;
  /** Upper bound on one chunk's input or output buffer, bytes. */
  readonly maxChunkBytes: number;
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
    const workgroupSize = options.workgroupSize ?? DEFAULT_WORKGROUP_SIZE;
    checkWorkgroupSize(context, workgroupSize);
    if (context.failure) throw context.failure;
    const bindings: GPUBufferBindingType[] = [
      'uniform',
      ...(spec.table ? ['read-only-storage' as const] : []),
      'read-only-storage',
      'storage',
      ...(spec.scratch ? ['storage' as const] : []),
    ];
    const storageBindings = bindings.length - 1;
    if (storageBindings > context.limits.maxStorageBuffersPerShaderStage) {
      throw new Error(`GPU ${spec.shader} kernel: ${storageBindings} storage bindings, this adapter allows ${context.limits.maxStorageBuffersPerShaderStage}`);
    }
    const pipeline = await programPipeline(context.device, spec, bindings, { ...spec.constants, WORKGROUP_SIZE: workgroupSize });
    return new PlaneKernel(context, spec, pipeline, options);
  }

  /** Throws once dispose() has been called. */
  assertUsable(): void {
    if (this.disposed) throw new Error(`GPU ${this.spec.shader} kernel used after dispose()`);
  }

  /** Largest chunk, pixels: one binding per side (and the scratch), and the 2-D dispatch limit. */
  maxChunkPixels(inputPlanes = this.spec.inputPlanes ?? 1, outputPlanes = this.spec.outputPlanes ?? 1, scratchPlanes = 0): number {
    const planes = Math.max(1, inputPlanes, outputPlanes, scratchPlanes);
    const byBinding = Math.floor(this.maxChunkBytes / (4 * planes));
    const groups = this.context.limits.maxComputeWorkgroupsPerDimension;
    return Math.max(1, Math.min(byBinding, groups * groups * this.workgroupSize));
  }

  /** Runs the kernel over job.nPixels; returns the outputs plane-major: out[plane × nPixels + pixel]. */
  async run(job: PlaneRun): Promise<Uint32Array> {
    const outputPlanes = this.outputPlanesOf(job);
    const out = new Uint32Array(outputPlanes * job.nPixels);
    await this.runChunks(job, (chunk, planes) => {
      for (let k = 0; k < outputPlanes; k++) {
        out.set(planes.subarray(k * chunk.pixels, (k + 1) * chunk.pixels), k * job.nPixels + chunk.firstPixel);
      }
    });
    return out;
  }

  /**
   * Runs the kernel chunk by chunk and hands each chunk's outputs to `receive` (plane-major over
   * the chunk: planes[k × chunk.pixels + p]; the array is the receiver's), so a caller can
   * scatter them into its products without a whole-tile copy. An error thrown by `receive`
   * stops the run.
   */
  async runChunks(job: PlaneRun, receive: (chunk: PlaneChunk, planes: Uint32Array) => void): Promise<void> {
    this.assertUsable();
    const { spec } = this;
    const { nPixels, inputs } = job;
    const outputPlanes = this.outputPlanesOf(job);
    if (spec.inputPlanes !== undefined && inputs.length > spec.inputPlanes) {
      throw new Error(`${spec.shader} kernel: ${inputs.length} input planes, the shader reads at most ${spec.inputPlanes}`);
    }
    for (const plane of inputs) if (plane.length !== nPixels) throw new Error(`${spec.shader} kernel: a plane of ${plane.length} values for ${nPixels} pixels`);
    if (!spec.scratch !== !job.scratchPlanes) throw new Error(`${spec.shader} kernel: ${spec.scratch ? `no ${spec.scratch} planes given` : 'scratch planes given to a kernel without scratch'}`);
    const scratchPlanes = job.scratchPlanes ?? 0;
    if (!Number.isInteger(scratchPlanes) || scratchPlanes < 0) throw new Error(`${spec.shader} kernel: ${scratchPlanes} scratch planes`);
    if (!spec.table !== !job.table) throw new Error(`${spec.shader} kernel: ${spec.table ? `no ${spec.table} table given` : 'a table given to a kernel without one'}`);
    if (job.table && job.table.byteLength > this.context.limits.maxStorageBufferBindingSize) {
      throw new Error(`${spec.shader} kernel: the ${spec.table} table (${job.table.byteLength} bytes) exceeds the GPU's storage binding`);
    }
    const perPixelBytes = 4 * Math.max(1, inputs.length, outputPlanes, scratchPlanes);
    if (perPixelBytes > this.maxChunkBytes) {
      throw new Error(`${spec.shader} kernel: one pixel of ${inputs.length} input, ${outputPlanes} output${spec.scratch ? ` and ${scratchPlanes} scratch` : ''} planes exceeds the GPU's storage binding (${this.maxChunkBytes} bytes)`);
    }
    const chunk = this.maxChunkPixels(inputs.length, outputPlanes, scratchPlanes);
    for (let first = 0; first < nPixels; first += chunk) {
      await this.runChunk(job, outputPlanes, scratchPlanes, first, Math.min(chunk, nPixels - first), receive);
    }
  }

  private outputPlanesOf(job: PlaneRun): number {
    const fixed = this.spec.outputPlanes;
    const planes = job.outputPlanes ?? fixed;
    if (planes === undefined) throw new Error(`${this.spec.shader} kernel: a run must say how many output planes it reads back`);
    if (fixed !== undefined && planes !== fixed) throw new Error(`${this.spec.shader} kernel: ${planes} output planes asked, the shader writes ${fixed}`);
    return planes;
  }

  private describe(message: string): string {
    return this.spec.describeError?.(message, this.context) ?? `GPU ${this.spec.shader} kernel: ${message}`;
  }

  private async runChunk(
    job: PlaneRun,
    outputPlanes: number,
    scratchPlanes: number,
    first: number,
    count: number,
    receive: (chunk: PlaneChunk, planes: Uint32Array) => void,
  ): Promise<void> {
    if (this.context.failure) throw this.context.failure;
    const { device } = this.context;
    const { queue } = device;
    const { spec } = this;
    const { inputs, table } = job;
    const inBytes = 4 * Math.max(1, inputs.length) * count;
    const outBytes = 4 * outputPlanes * count;
    const { groupsX, groupsY, rowStridePixels } = dispatchGrid(this.context, count, this.workgroupSize);
    const chunk: PlaneChunk = { firstPixel: first, pixels: count, rowStridePixels };
    const uniform = encodeUniform(spec.shader, spec.paramsFields, job.params(chunk));

    const buffers: GPUBuffer[] = [];
    const make = (label: string, size: number, usage: number) => {
      const b = device.createBuffer({ label: `${spec.shader} ${label}`, size, usage });
      buffers.push(b);
      return b;
    };
    pushSubmissionScopes(device);
    try {
      const paramsBuffer = make('params', uniform.byteLength, BufferUsage.UNIFORM | BufferUsage.COPY_DST);
      // At least one vec4: the smallest binding an array<vec4<f32>> table accepts.
      const tableBuffer = table ? make(spec.table!, Math.max(16, table.byteLength), BufferUsage.STORAGE | BufferUsage.COPY_DST) : null;
      const inputBuffer = make('inputs', inBytes, BufferUsage.STORAGE | BufferUsage.COPY_DST);
      const outputBuffer = make('outputs', outBytes, BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST);
      const readback = make('read-back', outBytes, BufferUsage.MAP_READ | BufferUsage.COPY_DST);
      const scratchBuffer = spec.scratch ? make(spec.scratch, 4 * scratchPlanes * count, BufferUsage.STORAGE) : null;
      queue.writeBuffer(paramsBuffer, 0, uniform);
      if (table && tableBuffer && table.byteLength > 0) queue.writeBuffer(tableBuffer, 0, table.buffer, table.byteOffset, table.byteLength);
      inputs.forEach((plane, k) => {
        queue.writeBuffer(inputBuffer, 4 * k * count, plane.buffer, plane.byteOffset + 4 * first, 4 * count);
      });
      if (this.options.poisonBits !== undefined) {
        const poison = new Uint32Array(outputPlanes * count).fill(this.options.poisonBits);
        queue.writeBuffer(outputBuffer, 0, poison.buffer, 0, outBytes);
      }
      const planeBindings = [tableBuffer, inputBuffer, outputBuffer, scratchBuffer].filter((b): b is GPUBuffer => b !== null);
      const bindGroup = device.createBindGroup({
        layout: this.pipeline.layout,
        entries: [paramsBuffer, ...planeBindings].map((buffer, binding) => ({ binding, resource: { buffer } })),
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
        describeScopeError: (message) => this.describe(message.trim()),
      });
      const planes = new Uint32Array(mapped.slice(0));
      readback.unmap();
      receive(chunk, planes);
    } catch (e) {
      if (this.context.failure) throw this.context.failure;
      const message = (e as Error).message ?? String(e);
      throw message.startsWith('GPU') ? e : new Error(this.describe(message));
    } finally {
      for (const b of buffers) destroyBuffer(b);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.options.destroyContextOnDispose ?? true) this.context.destroy();
  }
}
