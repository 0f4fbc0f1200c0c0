// Picks the backend of a kernel for `--device gpu|cpu|auto` in Node. auto: a WebGPU adapter if
// one exists (dawn: default backend first, then OpenGL ES in compatibility mode), else the CPU
// kernel. Under auto, a GPU failure mid-run (device lost, validation error) switches the
// remaining tiles to the CPU and says so; under gpu it ends the run with the GPU's message.
// One rule for every kernel: selectKernel for the tiled ones (fit, ALT), gpuKernelFor for the
// acquisition alone (compare and vertical retry a whole run instead, cmd-compare.ts).
import type { FitKernel } from '../core/fit-types.ts';
import type { GpuContext } from '../gpu/device.ts';
import { FallbackFitKernel, type DeviceKernel } from '../pipeline/fallback-kernel.ts';
import { InputError } from '../core/errors.ts';
import { WorkerPoolFitKernel } from '../cpu/worker-pool.ts';

export type DeviceChoice = 'gpu' | 'cpu' | 'auto';

export interface SelectedKernel<K = FitKernel> {
  kernel: K;
  /** Notes for the terminal and summary.json, e.g. why the GPU was not used. */
  notes: string[];
}

/**
 * A WebGPU device and the GPU kernel `makeGpu` builds on it, or null with the reason pushed to
 * `notes`. Under `--device gpu` no GPU kernel is an InputError.
 */
export async function gpuKernelFor<K>(choice: DeviceChoice, makeGpu: (ctx: GpuContext) => Promise<K>, notes: string[]): Promise<K | null> {
  let gpu: K | null = null;
  try {
    const { acquireGpu } = await import('../gpu/device.ts');
    const ctx = await acquireGpu();
    if (ctx) gpu = await makeGpu(ctx);
    else notes.push('no WebGPU adapter found');
  } catch (e) {
    notes.push(`WebGPU unavailable: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!gpu && choice === 'gpu') throw new InputError('--device gpu', notes.join('; ') || 'no WebGPU adapter found');
  return gpu;
}

/** A kernel that runs the GPU kernel until it fails, then the CPU one (FallbackFitKernel, FallbackAltKernel). */
export type FallbackConstructor<K> = new (gpu: K, makeCpu: () => K, notes: string[], log: (line: string) => void) => K;

/**
 * The kernel for `--device`: cpu → makeCpu(); gpu → the GPU kernel or an InputError; auto → the
 * GPU kernel behind `Fallback`, or, without one, makeCpu() and a note (told to `log` too).
 */
export async function selectKernel<K extends DeviceKernel>(
  choice: DeviceChoice,
  makeGpu: (ctx: GpuContext) => Promise<K>,
  makeCpu: () => K,
  Fallback: FallbackConstructor<K>,
  log: (line: string) => void = () => {},
): Promise<SelectedKernel<K>> {
  const notes: string[] = [];
  if (choice === 'cpu') return { kernel: makeCpu(), notes };
  const gpu = await gpuKernelFor(choice, makeGpu, notes);
  if (!gpu) {
    notes.push('using the CPU path');
    log(`device: ${notes.join('; ')}`);
    return { kernel: makeCpu(), notes };
  }
  if (choice === 'gpu') return { kernel: gpu, notes };
  return { kernel: new Fallback(gpu, makeCpu, notes, (line) => log(`device: ${line}`)), notes };
}

export async function selectFitKernel(choice: DeviceChoice, log: (line: string) => void = () => {}): Promise<SelectedKernel> {
  const makeGpu = async (ctx: GpuContext) => (await import('../gpu/fit-kernel.ts')).createGpuFitKernel(ctx);
  return selectKernel<FitKernel>(choice, makeGpu, () => new WorkerPoolFitKernel(), FallbackFitKernel, log);
}
