// `permasar alt --amplitude amplitude_vertical.tif --moisture N.tif|VALUE [--sites sites.csv]
// --out DIR`: parses the options and runs the alt job (jobs/alt.ts): active-layer
// thickness from the vertical amplitude by Eq. 2 of the study, n from in-situ sites.
import path from 'node:path';
import { DEFAULT_SEASONS_OPTIONS } from '../core/seasons.ts';
import { runAltJob, type AltJobResult } from '../jobs/alt.ts';
import { ALT_OPTIONS, altOptionsFrom } from '../jobs/alt-options.ts';
import { argvConfig, usageLines } from '../jobs/support/option-table.ts';
import { numberOrPath } from '../jobs/support/inputs-node.ts';
import { requiredString } from './options.ts';
import { cliJobContext, deviceOption } from './job-context.ts';
import type { Command } from './command.ts';

const USAGE = `usage: permasar alt --amplitude FILE --moisture FILE|VALUE [--sites CSV | --n VALUE] --out DIR [options]

Active-layer thickness H (m) by Eq. 2 of the study:
  H = (ρi + n(ρw − ρi)) / ((N − n)(ρw − ρi)) · δ
δ: seasonal vertical amplitude, peak to trough (amplitude_vertical.tif of permasar vertical);
N: volumetric water content when thawed (October soil moisture); n: when frozen.

options:
${usageLines(ALT_OPTIONS)}

outputs: alt.tif (m), n.tif, moisture.tif (N on the amplitude grid), alt_status.tif (why H is
what it is), sites.csv (each site: sampled δ, N, solved n, kept/skipped/dropped and why),
alt.png, n.png, moisture.png, alt_histogram.png, summary.json.

A multi-band --amplitude (amplitude_by_year_vertical.tif of permasar vertical on a permasar
seasons output, one band per year): n is solved against the mean of the yearly amplitudes
(alt.tif is of that mean), and also written: alt_by_year.tif (m, one band per year) and
alt_trend.tif (m/yr, least-squares slope of ALT against the year, ≥ ${DEFAULT_SEASONS_OPTIONS.minTrendYears} valid years).`;

export const altCommand: Command = {
  name: 'alt',
  summary: 'active-layer thickness from vertical amplitude by Eq. 2, n from in-situ sites (thin-plate spline)',
  usage: USAGE,
  positionals: [0, 0],
  options: argvConfig(ALT_OPTIONS),
  async run(values) {
    await runAltCommand(values);
  },
};

export async function runAltCommand(values: Record<string, unknown>): Promise<AltJobResult> {
  const outDir = path.resolve(requiredString(values, 'out'));
  const options = altOptionsFrom(values);
  const device = deviceOption(values);
  const amplitude = requiredString(values, 'amplitude');
  const moisture = numberOrPath(requiredString(values, 'moisture'))!;
  return runAltJob({ amplitude, moisture, sites: values.sites as string | undefined }, options, outDir, cliJobContext(values, device));
}
