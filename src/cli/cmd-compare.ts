// `permasar compare ASC_FIT DESC_FIT --out DIR`: parses the options and runs the compare job
// (jobs/compare.ts): direction of motion from the ascending and descending fit
// products (Table 1 of the study), and with both geometries the up/east decomposition.
import path from 'node:path';
import { runCompareJob, type CompareJobSummary } from '../jobs/compare.ts';
import { COMPARE_OPTIONS, directionThresholdsFrom } from '../jobs/compare-options.ts';
import { argvConfig, usageLines } from '../jobs/support/option-table.ts';
import type { CompareRun } from '../pipeline/compare.ts';
import { requiredString } from './options.ts';
import { cliJobContext, deviceOption } from './job-context.ts';
import type { Command } from './command.ts';

const USAGE = `usage: permasar compare ASC_FIT DESC_FIT --out DIR [options]

ASC_FIT and DESC_FIT are output folders of permasar fit (ascending and descending track).
The descending products are resampled onto the ascending grid as gdalwarp does (bilinear for
rate and amplitude, NaN neighbours weighted 0 and the rest renormalised; on the unit circle for
timing; nearest for the seasonal flag; identical grids copied exactly) and compared on the
overlap. Tracks may be in any geographic or projected EPSG CRS; they are reprojected with proj4.

options:
${usageLines(COMPARE_OPTIONS)}

classes (direction_secular.tif, direction_seasonal.tif, uint8):
  1 vertical, 2 east-west, 3 undetermined, 0 not tested (not seasonal on both), 255 no data.
  A rate pair with BOTH rates within the rate threshold of zero is undetermined (their signs
  are noise), counted apart as "both near zero" in summary.json.`;

export const compareCommand: Command = {
  name: 'compare',
  summary: 'ascending vs descending: direction of motion (Table 1), up/east decomposition',
  usage: USAGE,
  positionals: [2, 2],
  options: argvConfig(COMPARE_OPTIONS),
  async run(values, positionals) {
    await runCompareCommand(values, positionals[0], positionals[1]);
  },
};

export interface CompareCommandResult {
  run: CompareRun;
  summary: CompareJobSummary;
}

/** `keepPlanes`: also return the whole grid's planes in `run` (tests; see CompareJobOptions). */
export async function runCompareCommand(values: Record<string, unknown>, ascDir: string, descDir: string, keepPlanes = false): Promise<CompareCommandResult> {
  const outDir = path.resolve(requiredString(values, 'out'));
  const thresholds = directionThresholdsFrom(values);
  const ctx = cliJobContext(values, deviceOption(values));
  return runCompareJob(
    { ascending: ascDir, descending: descDir, ascGeometry: values['asc-geometry'] as string | undefined, descGeometry: values['desc-geometry'] as string | undefined },
    { thresholds, overwrite: Boolean(values.overwrite), keepPlanes },
    outDir,
    ctx,
  );
}
