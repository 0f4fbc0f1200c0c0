// Picks the fit backend for `--device gpu|cpu|auto` in Node. auto: a WebGPU adapter if one
// exists (dawn: default backend first, then OpenGL ES in compatibility mode), else the CPU
// worker pool. Under auto, a GPU failure mid-run (device lost, validation error) switches
// the remaining tiles to the CPU and says so; under gpu it ends the run with the GPU's message.
import type { FitContext, FitKernel, FitProducts, SeriesTile } from '../core/fit-types.ts';
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
  return { kernel: new FallbackFitKernel(gpuKernel, () => new WorkerPoolFitKernel(), notes, log), notes };
}

/** GPU first; on its first failure, every later tile (and the failed one) goes to the CPU. */
class FallbackFitKernel implements FitKernel {
  private cpu: FitKernel | null = null;
  private failed = false;

  constructor(
    private readonly gpu: FitKernel,
    private readonly makeCpu: () => FitKernel,
    private readonly notes: string[],
    private readonly log: (line: string) => void,
  ) {}

  get kind(): 'cpu' | 'gpu' {
    return this.failed ? 'cpu' : 'gpu';
  }

  get description(): string {
    return this.failed ? `${this.cpuKernel().description} (after the GPU failed)` : this.gpu.description;
  }

  private cpuKernel(): FitKernel {
    this.cpu ??= this.makeCpu();
    return this.cpu;
  }

  maxTilePixels(nDates: number): number {
    return this.gpu.maxTilePixels(nDates);
  }

  async fitTile(tile: SeriesTile, context: FitContext): Promise<FitProducts> {
    if (!this.failed) {
      try {
        return await this.gpu.fitTile(tile, context);
      } catch (e) {
        if (!this.failed) {
          this.failed = true;
          const note = `GPU failed (${(e as Error).message.split('\n')[0]}); continuing on the CPU`;
          this.notes.push(note);
          this.log(`device: ${note}`);
        }
      }
    }
    return this.cpuKernel().fitTile(tile, context);
  }

  async dispose(): Promise<void> {
    await this.gpu.dispose();
    await this.cpu?.dispose();
  }
}
