// Device selection for every job, the CLI and the web worker (issue 12): one rule, one place.
//
// `--device gpu|cpu|auto`. auto: a WebGPU adapter if one exists, else the CPU kernel, with a
// note saying why. Under auto a GPU failure mid-run (device lost, validation error) switches the
// remaining tiles to the CPU and says so (the Fallback*Kernel classes, fallback-kernel.ts);
// under gpu it ends the run with the GPU's message.
//
// A DeviceSelection acquires the WebGPU device ONCE and lends it to every kernel made through
// it (the kernels are built with destroyContextOnDispose: false), so a corridor run that fits
// many frames and then compares, projects and inverts them starts the GPU once. The selection
// owns the device: dispose() releases it (in Node, that is what lets the process exit).
//
// Platform-free: how to acquire a device and the words of the notes come from a DevicePlatform
// (jobs/support/devices-node.ts for Node; the web worker gives navigator.gpu's).
import { InputError } from '../core/errors.ts';
import type { GpuContext } from '../gpu/device.ts';
import type { DeviceKernel } from './fallback-kernel.ts';

export type DeviceChoice = 'gpu' | 'cpu' | 'auto';
export const DEVICE_CHOICES: readonly DeviceChoice[] = ['gpu', 'cpu', 'auto'];

/** How a platform gets a WebGPU device, and how its notes and errors read. */
export interface DevicePlatform {
  /** A device, or null when there is no adapter; may throw (the message becomes a note). */
  acquire(): Promise<GpuContext | null>;
  /** A reason, known before trying, why there is no WebGPU at all (a browser without navigator.gpu). */
  unavailable?(): string | null;
  /** Names the option in the error under choice gpu without a GPU ('--device gpu'). */
  gpuRequiredLabel: string;
  /** The note when acquire() finds no adapter. */
  noAdapterNote: string;
  /** The note when auto falls back to the CPU kernel for want of a GPU. */
  cpuFallbackNote: string;
}

export interface SelectedKernel<K> {
  kernel: K;
  /** Notes for the terminal and summary.json, e.g. why the GPU was not used. */
  notes: string[];
}

/** A kernel that runs the GPU kernel until it fails, then the CPU one (FallbackFitKernel, FallbackAltKernel, FallbackSeasonsKernel). */
export type FallbackConstructor<K> = new (gpu: K, makeCpu: () => K, notes: string[], log: (line: string) => void) => K;

/** Builds a GPU kernel on a device it does not own (the selection destroys the device). */
export type GpuKernelMaker<K> = (ctx: GpuContext) => Promise<K>;

/** The two-track kernels (compare, vertical) run a whole comparison and retry it on the CPU. */
export interface WholeRunKernel {
  readonly description: string;
  readonly kind: 'cpu' | 'gpu';
  dispose(): unknown;
}

export class DeviceSelection {
  private acquisition: Promise<{ ctx: GpuContext | null; notes: string[] }> | null = null;
  private ctx: GpuContext | null = null;
  private disposed = false;

  constructor(readonly choice: DeviceChoice, private readonly platform: DevicePlatform) {}

  /**
   * The selection's WebGPU device (acquired on first call, then the same one), or null with the
   * reasons pushed to `notes`. A device that has failed (lost, uncaptured error) is not lent
   * again: later kernels go to the CPU under auto. Under choice gpu no device is an InputError.
   */
  async gpu(notes: string[]): Promise<GpuContext | null> {
    if (this.choice === 'cpu') return null;
    if (this.disposed) throw new Error('DeviceSelection used after dispose()');
    this.acquisition ??= this.acquire();
    const { ctx, notes: acquireNotes } = await this.acquisition;
    notes.push(...acquireNotes);
    if (ctx?.failure) {
      notes.push(`the GPU failed earlier in this run (${ctx.failure.message.split('\n')[0]})`);
      if (this.choice === 'gpu') throw new InputError(this.platform.gpuRequiredLabel, notes.join('; '));
      return null;
    }
    if (!ctx && this.choice === 'gpu') throw new InputError(this.platform.gpuRequiredLabel, notes.join('; ') || this.platform.noAdapterNote);
    return ctx;
  }

  private async acquire(): Promise<{ ctx: GpuContext | null; notes: string[] }> {
    const notes: string[] = [];
    const reason = this.platform.unavailable?.() ?? null;
    if (reason) return { ctx: null, notes: [reason] };
    try {
      this.ctx = await this.platform.acquire();
      if (!this.ctx) notes.push(this.platform.noAdapterNote);
    } catch (e) {
      notes.push(`WebGPU unavailable: ${(e as Error).message.split('\n')[0]}`);
    }
    return { ctx: this.ctx, notes };
  }

  /**
   * The GPU kernel `makeGpu` builds on the selection's device, or null with the reason in
   * `notes`. Under choice gpu, no GPU kernel is an InputError.
   */
  async gpuKernel<K>(makeGpu: GpuKernelMaker<K>, notes: string[]): Promise<K | null> {
    const ctx = await this.gpu(notes);
    if (!ctx) return null;
    try {
      return await makeGpu(ctx);
    } catch (e) {
      notes.push(`WebGPU unavailable: ${(e as Error).message.split('\n')[0]}`);
      if (this.choice === 'gpu') throw new InputError(this.platform.gpuRequiredLabel, notes.join('; '));
      return null;
    }
  }

  /**
   * The kernel of a tiled stage (fit, seasons, ALT): cpu → makeCpu(); gpu → the GPU kernel or an
   * InputError; auto → the GPU kernel behind `Fallback`, or, without one, makeCpu() and a note
   * (told to `log` too, as "device: …").
   */
  async selectKernel<K extends DeviceKernel>(
    makeGpu: GpuKernelMaker<K>,
    makeCpu: () => K,
    Fallback: FallbackConstructor<K>,
    log: (line: string) => void = () => {},
  ): Promise<SelectedKernel<K>> {
    const notes: string[] = [];
    if (this.choice === 'cpu') return { kernel: makeCpu(), notes };
    const gpu = await this.gpuKernel(makeGpu, notes);
    if (!gpu) {
      notes.push(this.platform.cpuFallbackNote);
      log(`device: ${notes.join('; ')}`);
      return { kernel: makeCpu(), notes };
    }
    if (this.choice === 'gpu') return { kernel: gpu, notes };
    return { kernel: new Fallback(gpu, makeCpu, notes, (line) => log(`device: ${line}`)), notes };
  }

  /**
   * A whole two-track run (compare, vertical) on the GPU kernel; under auto, a missing adapter
   * means the CPU (with a note) and a GPU failure reruns the whole thing on the CPU.
   */
  async withWholeRunKernel<K extends WholeRunKernel, R>(
    makeGpu: GpuKernelMaker<K>,
    makeCpu: () => K,
    run: (kernel: K) => Promise<R>,
    notes: string[],
    log: (line: string) => void,
  ): Promise<{ result: R; kernel: { kind: 'cpu' | 'gpu'; description: string } }> {
    const gpuKernel = this.choice === 'cpu' ? null : await this.gpuKernel(makeGpu, notes);
    if (gpuKernel) {
      try {
        return { result: await run(gpuKernel), kernel: { kind: 'gpu', description: gpuKernel.description } };
      } catch (e) {
        if (this.choice === 'gpu') throw e;
        notes.push(`GPU failed (${(e as Error).message.split('\n')[0]}); ran on the CPU`);
      } finally {
        await gpuKernel.dispose();
      }
    } else if (this.choice === 'auto') {
      notes.push(this.platform.cpuFallbackNote);
    }
    if (notes.length) log(`device: ${notes.join('; ')}`);
    const cpu = makeCpu();
    try {
      return { result: await run(cpu), kernel: { kind: 'cpu', description: cpu.description } };
    } finally {
      await cpu.dispose();
    }
  }

  /** Releases the device (once); the selection cannot be used afterwards. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.acquisition) await this.acquisition.catch(() => null);
    this.ctx?.destroy();
    this.ctx = null;
  }
}
