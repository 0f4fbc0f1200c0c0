// "auto" device: the GPU first; on its first failure (device lost, validation or out-of-memory
// error), the failed tile and every later one go to a CPU kernel, and a note says so. Platform-
// free: the CLI gives it the Node worker pool, the web app the float64 kernel in its worker.
import type { FitContext, FitKernel, FitProducts, SeriesTile } from '../core/fit-types.ts';

export class FallbackFitKernel implements FitKernel {
  private cpu: FitKernel | null = null;
  private failed = false;

  /**
   * @param notes receives one line when the switch happens (summary.json's device notes)
   * @param log   told the same line as it happens (terminal, page)
   */
  constructor(
    private readonly gpu: FitKernel,
    private readonly makeCpu: () => FitKernel,
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
          this.log(note);
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
