// "auto" device: the GPU first; on its first failure (device lost, validation or out-of-memory
// error), the failed tile and every later one go to a CPU kernel, and a note says so. Platform-
// free: the CLI gives it the Node worker pool, the web app the float64 kernel in its worker.
// GpuFallback holds the rule for any kernel; FallbackFitKernel (here) and FallbackAltKernel
// (pipeline/alt.ts) only route their kernel's methods through it.
import type { FitContext, FitKernel, FitProducts, SeriesTile } from '../core/fit-types.ts';

/** What the fallback needs of a kernel: its kind and description for notes, and dispose. */
export interface DeviceKernel {
  readonly kind: 'cpu' | 'gpu';
  readonly description: string;
  dispose(): Promise<void> | void;
}

export class GpuFallback<K extends DeviceKernel> {
  private cpu: K | null = null;
  private failed = false;

  /**
   * @param notes receives one line when the switch happens (summary.json's device notes)
   * @param log   told the same line as it happens (terminal, page)
   */
  constructor(
    protected readonly gpu: K,
    private readonly makeCpu: () => K,
    private readonly notes: string[],
    private readonly log: (line: string) => void = () => {},
  ) {}

  get kind(): 'cpu' | 'gpu' {
    return this.failed ? 'cpu' : 'gpu';
  }

  get description(): string {
    return this.failed ? `${this.cpuKernel().description} (after the GPU failed)` : this.gpu.description;
  }

  /** True once a tile has gone to the CPU. */
  get fellBack(): boolean {
    return this.failed;
  }

  /** The CPU kernel, made on first use. */
  protected cpuKernel(): K {
    this.cpu ??= this.makeCpu();
    return this.cpu;
  }

  /** `work` on the GPU kernel until it first fails; from then on (that call too) on the CPU. */
  protected async run<R>(work: (kernel: K) => Promise<R>): Promise<R> {
    if (!this.failed) {
      try {
        return await work(this.gpu);
      } catch (e) {
        if (!this.failed) {
          this.failed = true;
          const note = `GPU failed (${(e as Error).message.split('\n')[0]}); continuing on the CPU`;
          this.notes.push(note);
          this.log(note);
        }
      }
    }
    return work(this.cpuKernel());
  }

  async dispose(): Promise<void> {
    await this.gpu.dispose();
    await this.cpu?.dispose();
  }
}

export class FallbackFitKernel extends GpuFallback<FitKernel> implements FitKernel {
  maxTilePixels(nDates: number): number {
    return this.gpu.maxTilePixels(nDates);
  }

  fitTile(tile: SeriesTile, context: FitContext): Promise<FitProducts> {
    return this.run((kernel) => kernel.fitTile(tile, context));
  }
}
