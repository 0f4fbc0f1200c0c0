// `permasar seasons STACK --out DIR` (issue 15): the seasons job (jobs/seasons.ts): the fit,
// then per calendar year the seasonal amplitude and its peak day, and per seasonal pixel the
// trend of the amplitude. Its options are fit's and the per-year ones (jobs/seasons-options.ts).
import path from 'node:path';
import type { SeasonsRunResult } from '../pipeline/seasons.ts';
import { runSeasonsJob } from '../jobs/seasons.ts';
import { FIT_OPTIONS } from '../jobs/fit-options.ts';
import { SEASONS_OPTIONS, SEASONS_YEAR_OPTIONS, seasonsOptionsFrom } from '../jobs/seasons-options.ts';
import { argvConfig, usageLines } from '../jobs/support/option-table.ts';
import { NODE_DATE_FILES } from '../jobs/support/date-files-node.ts';
import { numberOrPath } from '../jobs/support/inputs-node.ts';
import { requiredString } from './options.ts';
import { cliJobContext, deviceOption } from './job-context.ts';
import type { Command } from './command.ts';

const USAGE = `usage: permasar seasons STACK --out DIR [options]

Per pixel: the fit of \`permasar fit\` (its products are written here too), then for each
calendar year with enough epochs the seasonal amplitude (peak to trough) and day of peak of
that year's detrended series, and, for seasonal pixels with enough years, the trend of the
amplitude (weighted least squares, mm/yr): where is the active layer deepening, and how fast?
STACK is what \`permasar fit\` takes; a radar-coded one (with --geometry geometryRadar.h5) is
fitted on its grid and every product geocoded as fit's are. Keep --incidence (or --geometry)
so that \`permasar vertical DIR\` projects the yearly amplitudes.

options (those of fit):
${usageLines(FIT_OPTIONS)}

options (per year):
${usageLines(SEASONS_YEAR_OPTIONS)}`;

export const seasonsCommand: Command = {
  name: 'seasons',
  summary: 'seasonal amplitude of every year and its trend (active-layer deepening) → GeoTIFFs',
  usage: USAGE,
  positionals: [1, 1],
  options: argvConfig(SEASONS_OPTIONS),
  async run(values, positionals) {
    await runSeasonsCommand(values, positionals[0]);
  },
};

export async function runSeasonsCommand(values: Record<string, unknown>, stackPath: string): Promise<SeasonsRunResult> {
  const outDir = path.resolve(requiredString(values, 'out'));
  const options = seasonsOptionsFrom(values, NODE_DATE_FILES);
  const ctx = cliJobContext(values, deviceOption(values));
  const inputs = {
    stack: stackPath,
    mask: values.mask as string | undefined,
    maskDataset: values['mask-dataset'] as string | undefined,
    incidence: numberOrPath(values.incidence as string | undefined),
    geometry: values.geometry as string | undefined,
  };
  return (await runSeasonsJob(inputs, options, outDir, ctx)).result;
}
