// `permasar invert STACK --out DIR`: the network inversion (jobs/invert.ts) of a MintPy
// ifgramStack.h5 with the options of its table (jobs/invert-options.ts), which also writes --help.
import path from 'node:path';
import { invertJob, type InvertJobSummary } from '../jobs/invert.ts';
import { INVERT_OPTIONS, invertOptionsFrom } from '../jobs/invert-options.ts';
import { argvConfig, usageLines } from '../jobs/support/option-table.ts';
import { requiredString } from './options.ts';
import { cliJobContext, deviceOption } from './job-context.ts';
import type { Command } from './command.ts';

const USAGE = `usage: permasar invert STACK --out DIR [options]

STACK is MintPy's ifgramStack.h5 (unwrapPhase, coherence, connectComponent, date, dropIfgram;
geocoded or in radar coordinates). Each pixel's displacement series is estimated from its
kept interferograms exactly as MintPy's ifgram_inversion does (least squares on the
velocity, minimum norm where its network splits, weights from coherence), on the GPU where
there is one. Writes MintPy's timeseries.h5, temporalCoherence.h5 and numInvIfgram.h5,
temporalCoherence.tif/.png and summary.json; \`permasar fit DIR\` reads the folder.

The study's corrections (§2.1), each a MintPy step, go on from there in the same run:
--min-coherence X selects the network first (modify_network), maskTempCoh.h5 keeps temporal
coherence ≥ --min-temp-coh (0.6), --troposphere ERA5.h5 subtracts the delay as diff.py does
(timeseries_ERA5.h5), --deramp linear removes each date's ramp fitted on maskTempCoh
(timeseries[_ERA5]_ramp.h5). summary.json names the final series, which \`fit DIR\` reads
with maskTempCoh as its mask:

  permasar invert inputs/ifgramStack.h5 --min-coherence 0.6 --troposphere inputs/ERA5.h5 \\
      --min-temp-coh 0.6 --deramp linear --out results/inv

options:
${usageLines(INVERT_OPTIONS)}`;

export const invertCommand: Command = {
  name: 'invert',
  summary: 'network inversion of unwrapped interferograms (MintPy ifgramStack.h5) and the study\'s corrections → timeseries_ERA5_ramp.h5',
  usage: USAGE,
  positionals: [1, 1],
  options: argvConfig(INVERT_OPTIONS),
  async run(values, positionals) {
    await runInvertCommand(values, positionals[0]);
  },
};

export async function runInvertCommand(values: Record<string, unknown>, stackPath: string): Promise<InvertJobSummary> {
  const outDir = path.resolve(requiredString(values, 'out'));
  const options = invertOptionsFrom(values);
  const ctx = cliJobContext(values, deviceOption(values));
  return invertJob({ stack: stackPath }, options, outDir, ctx);
}
