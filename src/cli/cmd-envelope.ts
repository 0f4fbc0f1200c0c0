// `permasar envelope --amplitude amplitude_vertical.tif --alt-ref reference_alt.tif --out DIR`:
// parses the options and runs the envelope job (jobs/envelope.ts): the lower envelope
// of a reference ALT map against the seasonal vertical amplitude (study §4.2, Fig. 8b–c).
import path from 'node:path';
import { envelopeJob } from '../jobs/envelope.ts';
import { ENVELOPE_OPTIONS, envelopeOptionsFrom } from '../jobs/envelope-options.ts';
import { argvConfig, usageLines } from '../jobs/support/option-table.ts';
import { requiredString } from './options.ts';
import { cliJobContext } from './job-context.ts';
import type { Command } from './command.ts';

const USAGE = `usage: permasar envelope --amplitude FILE --alt-ref FILE --out DIR [options]

The lower envelope of a reference ALT map against the seasonal vertical amplitude: the
--quantile of ALT in amplitude bins, a line fitted through them, and the amplitude at which
that line reaches --alt-threshold (the study: ALT ≥ 1 m above ~55 mm vertical).

options:
${usageLines(ENVELOPE_OPTIONS)}

outputs: envelope.json (bins, line, threshold amplitude), envelope.png (density scatter with the
envelope points and line).`;

export const envelopeCommand: Command = {
  name: 'envelope',
  summary: 'lower envelope of reference ALT vs vertical amplitude; amplitude where ALT ≥ 1 m',
  usage: USAGE,
  positionals: [0, 0],
  options: argvConfig(ENVELOPE_OPTIONS),
  async run(values) {
    await runEnvelopeCommand(values);
  },
};

export async function runEnvelopeCommand(values: Record<string, unknown>) {
  const outDir = path.resolve(requiredString(values, 'out'));
  const options = envelopeOptionsFrom(values);
  const amplitude = requiredString(values, 'amplitude');
  const altReference = requiredString(values, 'alt-ref');
  return envelopeJob({ amplitude, altReference }, options, outDir, cliJobContext(values));
}
