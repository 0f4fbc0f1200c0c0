// The host plumbing every kernel module repeats word for word, in one place: compiling a WGSL
// compute pipeline (cached per device), the uniform block's layout check and encoding, the 2-D
// dispatch grid, and the submit → pop error scopes → map-or-fail → read-back sequence.
// Above it, plane-program.ts builds every kernel's pipeline (constants substituted in one place)
// and runs the per-pixel kernels (PlaneKernel); each kernel module still owns its WGSL, its
// uniform layout and its planes (STYLE.md: one kernel = one .wgsl + one TS module).
import { MapModeRead, ShaderStageCompute, trackNativeMap, type GpuContext } from './device.ts';

export interface ComputePipeline {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

/** Pipelines per device and key (shader and workgroup size): compiling WGSL is the slow part. */
const pipelineCache = new WeakMap<GPUDevice, Map<string, Promise<ComputePipeline>>>();

/**
 * The pipeline cached on `device` under `key`, built by `build` on first use. A build that
 * fails is forgotten, so a later call tries again.
 */
export function cachedPipeline(device: GPUDevice, key: string, build: () => Promise<ComputePipeline>): Promise<ComputePipeline> {
  let perDevice = pipelineCache.get(device);
  if (!perDevice) pipelineCache.set(device, (perDevice = new Map()));
  let cached = perDevice.get(key);
  if (!cached) {
    cached = build();
    perDevice.set(key, cached);
    cached.catch(() => perDevice!.delete(key));
  }
  return cached;
}

export interface ComputePipelineSpec {
  /** shaders/<shader>.wgsl: names the pipeline in labels and errors. */
  shader: string;
  /** The WGSL after the host's constants are substituted. */
  code: string;
  entryPoint: string;
  /** Group 0's bindings, binding i of type bindings[i]. */
  bindings: readonly GPUBufferBindingType[];
}

/**
 * Compiles `spec.code` into a compute pipeline with one bind group, inside a validation error
 * scope: a WGSL error or a rejected pipeline becomes one Error naming the shader file and line.
 */
export async function compileComputePipeline(device: GPUDevice, spec: ComputePipelineSpec): Promise<ComputePipeline> {
  const label = `permasar ${spec.shader}`;
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ label, code: spec.code });
  const layout = device.createBindGroupLayout({
    label,
    entries: spec.bindings.map((type, binding) => ({ binding, visibility: ShaderStageCompute, buffer: { type } })),
  });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length) {
    await device.popErrorScope();
    const lines = errors.map((m) => `line ${m.lineNum}:${m.linePos}: ${m.message}`);
    throw new Error(`shaders/${spec.shader}.wgsl does not compile: ${lines.join('; ')}`);
  }
  let pipeline: GPUComputePipeline;
  try {
    pipeline = await device.createComputePipelineAsync({
      label,
      layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: spec.entryPoint },
    });
  } finally {
    const error = await device.popErrorScope();
    if (error) throw new Error(`shaders/${spec.shader}.wgsl: pipeline rejected: ${error.message}`);
  }
  return { pipeline, layout };
}

export type ParamField = readonly [name: string, type: 'u32' | 'f32'];

/** Bytes of a uniform block of 4-byte fields: a whole number of 16-byte blocks. */
export function uniformBytes(fields: readonly ParamField[]): number {
  return Math.max(16, Math.ceil((fields.length * 4) / 16) * 16);
}

/**
 * The host's uniform layout must be the WGSL struct's: checked when the pipeline is built, so
 * the two cannot drift (the one source of truth is the field list next to each kernel).
 */
export function checkUniformLayout(wgsl: string, shader: string, struct: string, fields: readonly ParamField[]): void {
  const body = new RegExp(`struct\\s+${struct}\\s*\\{([\\s\\S]*?)\\}`).exec(wgsl)?.[1];
  if (!body) throw new Error(`shaders/${shader}.wgsl: struct ${struct} not found`);
  const found = [...body.replace(/\/\/[^\n]*/g, '').matchAll(/(\w+)\s*:\s*(\w+)/g)].map((m) => `${m[1]}:${m[2]}`);
  const expected = fields.map(([name, type]) => `${name}:${type}`);
  if (found.join(',') !== expected.join(',')) {
    throw new Error(`shaders/${shader}.wgsl: ${struct} is [${found.join(', ')}], the host writes [${expected.join(', ')}]`);
  }
}

/** The uniform block's bytes: `values[name]` for each field, in order, little-endian. */
export function encodeUniform(shader: string, fields: readonly ParamField[], values: Readonly<Record<string, number>>): ArrayBuffer {
  const buffer = new ArrayBuffer(uniformBytes(fields));
  const view = new DataView(buffer);
  fields.forEach(([name, type], i) => {
    const v = values[name];
    if (v === undefined) throw new Error(`${shader} kernel: no value for uniform ${name}`);
    if (type === 'u32') view.setUint32(4 * i, v, true);
    else view.setFloat32(4 * i, v, true);
  });
  return buffer;
}

/**
 * Workgroups for one invocation per pixel: a row of at most maxComputeWorkgroupsPerDimension
 * groups, as many rows as needed. The shader's pixel is gid.x + gid.y × rowStridePixels.
 */
export function dispatchGrid(ctx: GpuContext, pixels: number, workgroupSize: number): { groupsX: number; groupsY: number; rowStridePixels: number } {
  const workgroups = Math.ceil(pixels / workgroupSize);
  const groupsX = Math.min(workgroups, ctx.limits.maxComputeWorkgroupsPerDimension);
  const groupsY = Math.ceil(workgroups / groupsX);
  return { groupsX, groupsY, rowStridePixels: groupsX * workgroupSize };
}

/** Opens the two scopes a submission runs in; submitAndRead closes them. */
export function pushSubmissionScopes(device: GPUDevice): void {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
}

/** Rejecters of the maps in flight, per context: a device failure rejects them all. */
const pendingMaps = new WeakMap<GpuContext, Set<(e: Error) => void>>();

/**
 * Maps a read-back buffer, or rejects as soon as the device fails (an uncaptured error does
 * not abort a pending map by itself). The rejecters live in a set rather than in one
 * Promise.race per chunk, which would pile reactions onto the never-settling ctx.failed.
 */
export function mapReadOrFail(ctx: GpuContext, buffer: GPUBuffer, bytes: number): Promise<void> {
  let pending = pendingMaps.get(ctx);
  if (!pending) {
    const set = new Set<(e: Error) => void>();
    pendingMaps.set(ctx, (pending = set));
    void ctx.failed.then((e) => { for (const reject of set) reject(e); });
  }
  const maps = pending;
  let rejecter!: (e: Error) => void;
  const mapped = new Promise<void>((resolve, reject) => {
    rejecter = reject;
    maps.add(reject);
    const nativeMap = buffer.mapAsync(MapModeRead, 0, bytes);
    trackNativeMap(ctx.device, buffer, nativeMap);
    nativeMap.then(resolve, reject);
  });
  return mapped.finally(() => maps.delete(rejecter));
}

export interface DispatchAndRead {
  /** Labels the command encoder and pass: `permasar <shader>`. */
  shader: string;
  pipeline: ComputePipeline;
  bindGroup: GPUBindGroup;
  groupsX: number;
  groupsY: number;
  /** Copied to `readback` after the dispatch; `bytes` from offset 0. */
  output: GPUBuffer;
  readback: GPUBuffer;
  bytes: number;
  /** The Error message for a validation or out-of-memory error the scopes caught. */
  describeScopeError: (message: string) => string;
}

/**
 * Encodes the dispatch and the copy to the read-back buffer, submits them, closes the two scopes
 * opened by pushSubmissionScopes, and maps the read-back buffer. Resolves with the mapped range
 * (the caller copies it out, then unmaps); rejects with the device's failure or the scopes'
 * error, never with a buffer the GPU did not write.
 */
export async function submitAndRead(ctx: GpuContext, d: DispatchAndRead): Promise<ArrayBuffer> {
  const { device } = ctx;
  const label = `permasar ${d.shader}`;
  const encoder = device.createCommandEncoder({ label });
  const pass = encoder.beginComputePass({ label });
  pass.setPipeline(d.pipeline.pipeline);
  pass.setBindGroup(0, d.bindGroup);
  pass.dispatchWorkgroups(d.groupsX, d.groupsY);
  pass.end();
  encoder.copyBufferToBuffer(d.output, 0, d.readback, 0, d.bytes);
  device.queue.submit([encoder.finish()]);
  const validation = device.popErrorScope();
  const outOfMemory = device.popErrorScope();

  await mapReadOrFail(ctx, d.readback, d.bytes);
  const [validationError, memoryError] = await Promise.all([validation, outOfMemory]);
  const scopeError = validationError ?? memoryError;
  if (scopeError || ctx.failure) {
    if (d.readback.mapState === 'mapped') d.readback.unmap();
    throw ctx.failure ?? new Error(d.describeScopeError(scopeError!.message));
  }
  return d.readback.getMappedRange(0, d.bytes);
}
