// The JobContext (jobs/support/context.ts) of one command: result lines on stdout unless
// --quiet, a progress bar on a terminal's stderr, and the device of --device.
import type { JobContext } from '../jobs/support/context.ts';
import type { DeviceChoice } from '../pipeline/devices.ts';
import { convertOption, DEVICE_OPTION } from '../jobs/support/option-table.ts';
import { ProgressBar } from './progress.ts';

export function deviceOption(values: Record<string, unknown>): DeviceChoice {
  return (values.device === undefined ? DEVICE_OPTION.default : convertOption(DEVICE_OPTION, values.device)) as DeviceChoice;
}

export function cliJobContext(values: Record<string, unknown>, device: DeviceChoice = 'auto'): JobContext {
  const quiet = Boolean(values.quiet);
  const bars = new Map<string, ProgressBar>();
  return {
    device,
    log: (line) => { if (!quiet) console.log(line); },
    warn: (line) => console.error(line),
    verbose: Boolean(values.verbose),
    progress: (done, total, label) => {
      let bar = bars.get(label);
      if (!bar) bars.set(label, (bar = new ProgressBar(label, !quiet && Boolean(process.stderr.isTTY))));
      bar.update(done, total);
      if (done >= total) {
        bar.done();
        bars.delete(label);
      }
    },
  };
}
