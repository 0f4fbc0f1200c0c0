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

options:
${usageLines(INVERT_OPTIONS)}`;

export const invertCommand: Command = {
  name: 'invert',
  summary: 'network inversion of unwrapped interferograms (MintPy ifgramStack.h5) → timeseries.h5',
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
