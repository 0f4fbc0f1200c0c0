// WebGPU host of the ALT kernel (shaders/alt.wgsl): the AltKernel of src/core/alt.ts on a GPU,
// in parity with the float64 reference altTileCpu (src/cpu/alt.ts; test/alt-parity.test.ts).
//
// Bindings: the uniform AltParams, the spline centres (vec4 each), the inputs as two
// plane-major f32 planes in one buffer, the outputs as three plane-major u32 planes in one
// buffer: three storage bindings, within compatibility mode's limit of four. A tile larger than
// one binding runs as consecutive chunks (the shader is told each chunk's first pixel), so
// device memory stays bounded by one chunk. Every submission runs inside validation and
// out-of-memory error scopes, and a lost device rejects the call: never a tile of zeros.
import type { AltKernel, AltKernelParams, AltTile, AltTileResult } from '../core/alt.ts';
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

/** Invocations per workgroup: a multiple of 32 and 64 (warp, wavefront), within compat limits. */
export const DEFAULT_WORKGROUP_SIZE = 64;
const DEFAULT_MAX_CHUNK_BYTES = 128 * 1024 * 1024;
const OUTPUT_PLANES = 3;
const INPUT_PLANES = 2;

/** The uniform block of shaders/alt.wgsl (struct AltParams), in order: the one source of its layout. */
export const ALT_PARAMS_FIELDS = [
  ['nPixels', 'u32'],
  ['rowStridePixels', 'u32'],
  ['firstPixel', 'u32'],
  ['width', 'u32'],
  ['row0', 'u32'],
  ['nCentres', 'u32'],
  ['clampToThawed', 'u32'],
  ['quietNanBits', 'u32'],
  ['xOrigin', 'f32'],
  ['xPerCol', 'f32'],
  ['xPerRow', 'f32'],
  ['yOrigin', 'f32'],
  ['yPerCol', 'f32'],
  ['yPerRow', 'f32'],
  ['affine0', 'f32'],
  ['affine1', 'f32'],
  ['affine2', 'f32'],
  ['iceDensityKgM3', 'f32'],
  ['densityDifferenceKgM3', 'f32'],
  ['minThawGap', 'f32'],
  ['amplitudeToMetres', 'f32'],
  ['padding', 'u32'],
] as const satisfies readonly ParamField[];

const PARAMS_BYTES = uniformBytes(ALT_PARAMS_FIELDS);

/** The ALT pipeline for one workgroup size, compiled once per device. */
function buildPipeline(device: GPUDevice, workgroupSize: number): Promise<ComputePipeline> {
  return cachedPipeline(device, `alt:${workgroupSize}`, async () => {
    const template = await loadShaderSource('alt');
    checkUniformLayout(template, 'alt', 'AltParams', ALT_PARAMS_FIELDS);
    // The one spot where constants are substituted into the WGSL.
    const code = template.replaceAll('WORKGROUP_SIZE', String(workgroupSize));
    return compileComputePipeline(device, {
      shader: 'alt',
      code,
      entryPoint: 'altPixels',
      bindings: ['uniform', 'read-only-storage', 'read-only-storage', 'storage'],
    });
  });
}

export interface GpuAltKernelOptions {
  workgroupSize?: number;
  /** Upper bound on one storage buffer, bytes (tests force several chunks with it). */
  maxChunkBytes?: number;
  /** Tests: fill the output buffer with this bit pattern first, so an unwritten pixel shows. */
  poisonBits?: number;
  /** dispose() also destroys the GpuContext (default true: the CLI owns one kernel). */
  destroyContextOnDispose?: boolean;
}

export class GpuAltKernel implements AltKernel {
  readonly kind = 'gpu' as const;
  readonly description: string;
  private readonly workgroupSize: number;
  private readonly maxChunkBytes: number;
  private disposed = false;

  private constructor(readonly context: GpuContext, private readonly pipeline: ComputePipeline, private readonly options: GpuAltKernelOptions) {
    this.description = `gpu: ${context.adapterDescription}`;
    this.workgroupSize = options.workgroupSize ?? DEFAULT_WORKGROUP_SIZE;
    this.maxChunkBytes = Math.min(context.limits.maxStorageBufferBindingSize, context.limits.maxBufferSize, options.maxChunkBytes ?? DEFAULT_MAX_CHUNK_BYTES);
  }

  static async create(context: GpuContext, options: GpuAltKernelOptions = {}): Promise<GpuAltKernel> {
    return new GpuAltKernel(context, await buildPipeline(context.device, options.workgroupSize ?? DEFAULT_WORKGROUP_SIZE), options);
  }

  /** Chunks are cut inside evaluateTile, so a tile may be any size; this keeps host copies modest. */
  maxTilePixels(): number {
    return 1 << 24;
  }

  private maxChunkPixels(): number {
    const byBinding = Math.floor(this.maxChunkBytes / (4 * OUTPUT_PLANES));
    const groups = this.context.limits.maxComputeWorkgroupsPerDimension;
    return Math.max(1, Math.min(byBinding, groups * groups * this.workgroupSize));
  }

  async evaluateTile(tile: AltTile, params: AltKernelParams): Promise<AltTileResult> {
    if (this.disposed) throw new Error('GPU alt kernel used after dispose()');
    const nPixels = tile.nRows * tile.width;
    if (tile.amplitude.length !== nPixels || tile.thawedWaterContent.length !== nPixels) {
      throw new Error(`ALT tile: ${tile.amplitude.length} amplitudes, ${tile.thawedWaterContent.length} moisture values for ${tile.nRows}×${tile.width} pixels`);
    }
    const out: AltTileResult = { frozenWaterContent: new Float32Array(nPixels), altM: new Float32Array(nPixels), status: new Uint8Array(nPixels) };
    if (nPixels === 0) return out;
    const nCentres = params.model.centres.length / 3;
    const centres = new Float32Array(4 * Math.max(1, nCentres));
    for (let j = 0; j < nCentres; j++) centres.set(params.model.centres.subarray(3 * j, 3 * j + 3), 4 * j);
    const chunk = this.maxChunkPixels();
    for (let first = 0; first < nPixels; first += chunk) {
      await this.runChunk(tile, params, centres, nCentres, first, Math.min(chunk, nPixels - first), out);
    }
    return out;
  }

  private async runChunk(tile: AltTile, params: AltKernelParams, centres: Float32Array, nCentres: number, first: number, count: number, out: AltTileResult): Promise<void> {
    if (this.context.failure) throw this.context.failure;
    const { device } = this.context;
    const { queue } = device;
    const inBytes = 4 * INPUT_PLANES * count;
    const outBytes = 4 * OUTPUT_PLANES * count;
    const { groupsX, groupsY, rowStridePixels } = dispatchGrid(this.context, count, this.workgroupSize);
    const f = params.model.frame;
    const values: Record<(typeof ALT_PARAMS_FIELDS)[number][0], number> = {
      nPixels: count,
      rowStridePixels,
      firstPixel: first,
      width: tile.width,
      row0: tile.row0,
      nCentres,
      clampToThawed: params.model.clamp ? 1 : 0,
      quietNanBits: 0x7fc00000,
      xOrigin: f.xOrigin,
      xPerCol: f.xPerCol,
      xPerRow: f.xPerRow,
      yOrigin: f.yOrigin,
      yPerCol: f.yPerCol,
      yPerRow: f.yPerRow,
      affine0: params.model.affine[0],
      affine1: params.model.affine[1],
      affine2: params.model.affine[2],
      iceDensityKgM3: params.densities.iceKgM3,
      densityDifferenceKgM3: params.densities.waterKgM3 - params.densities.iceKgM3,
      minThawGap: params.minThawGap,
      amplitudeToMetres: params.amplitudeToMetres,
      padding: 0,
    };
    const uniform = encodeUniform('alt', ALT_PARAMS_FIELDS, values);

    pushSubmissionScopes(device);
    const paramsBuffer = device.createBuffer({ label: 'alt params', size: PARAMS_BYTES, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST });
    const centresBuffer = device.createBuffer({ label: 'alt centres', size: centres.byteLength, usage: BufferUsage.STORAGE | BufferUsage.COPY_DST });
    const inputBuffer = device.createBuffer({ label: 'alt inputs', size: inBytes, usage: BufferUsage.STORAGE | BufferUsage.COPY_DST });
    const outputBuffer = device.createBuffer({ label: 'alt outputs', size: outBytes, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST });
    const readback = device.createBuffer({ label: 'alt read-back', size: outBytes, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    try {
      queue.writeBuffer(paramsBuffer, 0, uniform);
      queue.writeBuffer(centresBuffer, 0, centres.buffer, centres.byteOffset, centres.byteLength);
      queue.writeBuffer(inputBuffer, 0, tile.amplitude.buffer, tile.amplitude.byteOffset + 4 * first, 4 * count);
      queue.writeBuffer(inputBuffer, 4 * count, tile.thawedWaterContent.buffer, tile.thawedWaterContent.byteOffset + 4 * first, 4 * count);
      if (this.options.poisonBits !== undefined) {
        const poison = new Uint32Array(OUTPUT_PLANES * count).fill(this.options.poisonBits);
        queue.writeBuffer(outputBuffer, 0, poison.buffer, 0, outBytes);
      }
      const bindGroup = device.createBindGroup({
        layout: this.pipeline.layout,
        entries: [
          { binding: 0, resource: { buffer: paramsBuffer } },
          { binding: 1, resource: { buffer: centresBuffer } },
          { binding: 2, resource: { buffer: inputBuffer } },
          { binding: 3, resource: { buffer: outputBuffer } },
        ],
      });
      const mapped = await submitAndRead(this.context, {
        shader: 'alt',
        pipeline: this.pipeline,
        bindGroup,
        groupsX,
        groupsY,
        output: outputBuffer,
        readback,
        bytes: outBytes,
        describeScopeError: (message) => `GPU alt kernel: ${message}`,
      });
      const raw = new Uint32Array(mapped.slice(0));
      readback.unmap();
      const floats = new Float32Array(raw.buffer);
      out.frozenWaterContent.set(floats.subarray(0, count), first);
      out.altM.set(floats.subarray(count, 2 * count), first);
      for (let p = 0; p < count; p++) {
        const status = raw[2 * count + p];
        // A status the shader cannot write means an unwritten (poisoned) or corrupted pixel.
        if (status > 6) throw new Error(`GPU alt kernel: pixel ${first + p} has status word 0x${status.toString(16)} (not written?)`);
        out.status[first + p] = status;
      }
    } finally {
      destroyBuffer(paramsBuffer);
      destroyBuffer(centresBuffer);
      destroyBuffer(inputBuffer);
      destroyBuffer(outputBuffer);
      destroyBuffer(readback);
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.options.destroyContextOnDispose ?? true) this.context.destroy();
  }
}

export function createGpuAltKernel(context: GpuContext, options: GpuAltKernelOptions = {}): Promise<GpuAltKernel> {
  return GpuAltKernel.create(context, options);
}
