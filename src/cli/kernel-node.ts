// Picks the fit backend for `--device gpu|cpu|auto` in Node. auto: a WebGPU adapter if one
// exists (dawn: default backend first, then OpenGL ES in compatibility mode), else the CPU
// worker pool. Under auto, a GPU failure mid-run (device lost, validation error) switches
// the remaining tiles to the CPU and says so; under gpu it ends the run with the GPU's message.
import type { FitKernel } from '../core/fit-types.ts';
import { FallbackFitKernel } from '../pipeline/fallback-kernel.ts';
import { InputError } from '../core/errors.ts';
import { WorkerPoolFitKernel } from '../cpu/worker-pool.ts';

export type DeviceChoice = 'gpu' | 'cpu' | 'auto';

export interface SelectedKernel {
  kernel: FitKernel;
  /** Notes for the terminal and summary.json, e.g. why the GPU was not used. */
  notes: string[];
}

export async function selectFitKernel(choice: DeviceChoice, log: (line: string) => void = () => {}): Promise<SelectedKernel> {
  const notes: string[] = [];
  if (choice === 'cpu') return { kernel: new WorkerPoolFitKernel(), notes };
  let gpuKernel: FitKernel | null = null;
  try {
    const { acquireGpu } = await import('../gpu/device.ts');
    const { createGpuFitKernel } = await import('../gpu/fit-kernel.ts');
    const ctx = await acquireGpu();
    if (ctx) gpuKernel = await createGpuFitKernel(ctx);
    else notes.push('no WebGPU adapter found');
  } catch (e) {
    notes.push(`WebGPU unavailable: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!gpuKernel) {
    if (choice === 'gpu') throw new InputError('--device gpu', notes.join('; ') || 'no WebGPU adapter found');
    notes.push('using the CPU path');
    log(`device: ${notes.join('; ')}`);
    return { kernel: new WorkerPoolFitKernel(), notes };
  }
  if (choice === 'gpu') return { kernel: gpuKernel, notes };
  return { kernel: new FallbackFitKernel(gpuKernel, () => new WorkerPoolFitKernel(), notes, (line) => log(`device: ${line}`)), notes };
}
