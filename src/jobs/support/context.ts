// What every job (src/jobs/*.ts) is given besides its inputs, options and output
// folder (issue 12, "Structure: stages as library functions"). The command line, the demo and
// the corridor are thin callers: they build a JobContext, call `<name>Job(inputs, options,
// outDir, ctx)` and print. A job writes its outputs into outDir through a staging folder
// (io/output-dir-node.ts: nothing half-written) and returns the summary it wrote.
import type { DeviceChoice, DeviceSelection } from '../../pipeline/devices.ts';

export type { DeviceChoice } from '../../pipeline/devices.ts';

export interface JobContext {
  /** Where the kernels run: 'gpu' | 'cpu' | 'auto' (GPU if an adapter exists). */
  device: DeviceChoice;
  /** Result lines (the terminal's one line per result); a quiet caller passes () => {}. */
  log(line: string): void;
  /** Warnings that are not errors (an implausible unit); default: console.error. */
  warn?(line: string): void;
  /** Progress of a long step: `done` of `total` units of the step `label` (e.g. 'fitting'). */
  progress?: (done: number, total: number, label: string) => void;
  verbose?: boolean;
  /**
   * The device selection (devices.ts) shared by every job of a run, so a corridor run acquires
   * the GPU once; the caller owns it and disposes it at the end. Absent: the job makes its own
   * from `device` (support/devices-node.ts) and releases it before returning.
   */
  kernels?: DeviceSelection;
}
