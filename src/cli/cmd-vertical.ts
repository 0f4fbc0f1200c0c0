// `permasar vertical FIT_DIR --out DIR`: parses the options and runs the vertical job
// (jobs/vertical.ts): δ_vertical = δ_LOS / cos θ for the rate and seasonal amplitude
// of one track (and each year's amplitude of a seasons folder).
import path from 'node:path';
import type { VerticalRun } from '../pipeline/compare.ts';
import { runVerticalJob, type VerticalJobSummary } from '../jobs/vertical.ts';
import { numberOrPath } from '../jobs/support/inputs-node.ts';
import { VERTICAL_OPTIONS } from '../jobs/vertical-options.ts';
import { argvConfig, usageLines } from '../jobs/support/option-table.ts';
import { requiredString } from './options.ts';
import { cliJobContext, deviceOption } from './job-context.ts';
import type { Command } from './command.ts';

const USAGE = `usage: permasar vertical FIT_DIR --out DIR [options]

Projects the LOS rate and seasonal amplitude of a permasar fit output onto the vertical,
δ_vertical = δ_LOS / cos(incidence), assuming the motion is vertical. FIT_DIR may be a
permasar seasons output: its yearly amplitudes (amplitude_by_year.tif) are projected too,
into amplitude_by_year_vertical.tif (one band per year).

options:
${usageLines(VERTICAL_OPTIONS)}`;

export const verticalCommand: Command = {
  name: 'vertical',
  summary: 'LOS rate and seasonal amplitude projected onto the vertical (δ / cos incidence)',
  usage: USAGE,
  positionals: [1, 1],
  options: argvConfig(VERTICAL_OPTIONS),
  async run(values, positionals) {
    await runVerticalCommand(values, positionals[0]);
  },
};

export async function runVerticalCommand(values: Record<string, unknown>, fitDir: string): Promise<{ run: VerticalRun; summary: VerticalJobSummary }> {
  const outDir = path.resolve(requiredString(values, 'out'));
  const ctx = cliJobContext(values, deviceOption(values));
  return runVerticalJob({ fit: fitDir, incidence: numberOrPath(values.incidence as string | undefined) }, { overwrite: Boolean(values.overwrite) }, outDir, ctx);
}
