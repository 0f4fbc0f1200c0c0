// `permasar fit STACK --out DIR`: the fit job (jobs/fit.ts: the per-pixel fits of DESIGN.md §1,
// items 1–4) with the options of its table (jobs/fit-options.ts), which also writes --help.
import path from 'node:path';
import type { FitRunResult } from '../pipeline/fit.ts';
import { runFitJob, type FitJobInputs } from '../jobs/fit.ts';
import { FIT_OPTIONS, fitOptionsFrom } from '../jobs/fit-options.ts';
import { argvConfig, usageLines } from '../jobs/support/option-table.ts';
import { NODE_DATE_FILES } from '../jobs/support/date-files-node.ts';
import { numberOrPath } from '../jobs/support/inputs-node.ts';
import { requiredString } from './options.ts';
import { cliJobContext, deviceOption } from './job-context.ts';
import type { Command } from './command.ts';

const USAGE = `usage: permasar fit STACK --out DIR [options]

STACK is a MintPy timeseries.h5 (geocoded, or in radar coordinates with --geometry
geometryRadar.h5), a LiCSBAS cum.h5 / cum_filt.h5, or a folder of single-band GeoTIFFs with
YYYYMMDD in each name.

options:
${usageLines(FIT_OPTIONS)}`;

export const fitCommand: Command = {
  name: 'fit',
  summary: 'per-pixel trend, seasonality test, Eq. 1 amplitude and timing → GeoTIFFs',
  usage: USAGE,
  positionals: [1, 1],
  options: argvConfig(FIT_OPTIONS),
  async run(values, positionals) {
    await runFitCommand(values, positionals[0]);
  },
};

export async function runFitCommand(values: Record<string, unknown>, stackPath: string): Promise<FitRunResult> {
  const outDir = path.resolve(requiredString(values, 'out'));
  const options = fitOptionsFrom(values, NODE_DATE_FILES);
  const ctx = cliJobContext(values, deviceOption(values));
  const inputs: FitJobInputs = {
    stack: stackPath,
    mask: values.mask as string | undefined,
    maskDataset: values['mask-dataset'] as string | undefined,
    incidence: numberOrPath(values.incidence as string | undefined),
    geometry: values.geometry as string | undefined,
  };
  return (await runFitJob(inputs, options, outDir, ctx)).result;
}
