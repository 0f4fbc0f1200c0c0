// `permasar envelope --amplitude amplitude_vertical.tif --alt-ref reference_alt.tif --out DIR`:
// parses the options and runs the envelope job (jobs/envelope.ts): the lower envelope
// of a reference ALT map against the seasonal vertical amplitude (study §4.2, Fig. 8b–c).
import path from 'node:path';
import { DEFAULT_ENVELOPE_OPTIONS, type EnvelopeOptions } from '../core/envelope.ts';
import { envelopeJob } from '../jobs/envelope.ts';
import { numberOption, requiredString } from './options.ts';
import { cliJobContext } from './job-context.ts';
import type { Command } from './command.ts';

const D = DEFAULT_ENVELOPE_OPTIONS;
const USAGE = `usage: permasar envelope --amplitude FILE --alt-ref FILE --out DIR [options]

The lower envelope of a reference ALT map against the seasonal vertical amplitude: the
--quantile of ALT in amplitude bins, a line fitted through them, and the amplitude at which
that line reaches --alt-threshold (the study: ALT ≥ 1 m above ~55 mm vertical).

options:
  --amplitude FILE        vertical amplitude GeoTIFF, peak to trough (mm unless its unit says otherwise)
  --amplitude-unit U      mm|cm|m (default: the band's unit, else mm)
  --alt-ref FILE          reference ALT GeoTIFF in metres, any grid and CRS (gdalwarp-style bilinear onto the amplitude grid)
  --quantile Q            low quantile of ALT per bin (default ${D.quantile})
  --bin-width MM          amplitude bin width, mm (default ${D.binWidthMm})
  --min-bin-count N       bins with fewer pixels are not fitted (default ${D.minBinCount})
  --alt-threshold M       ALT whose crossing amplitude is reported (default ${D.altThresholdM} m)
  --out DIR               output folder (refused if it exists, unless --overwrite)
  --overwrite             replace an existing output folder (only once the new one is complete)
  --quiet                 no result lines on the terminal

outputs: envelope.json (bins, line, threshold amplitude), envelope.png (density scatter with the
envelope points and line).`;

export const envelopeCommand: Command = {
  name: 'envelope',
  summary: 'lower envelope of reference ALT vs vertical amplitude; amplitude where ALT ≥ 1 m',
  usage: USAGE,
  positionals: [0, 0],
  options: {
    amplitude: { type: 'string' },
    'amplitude-unit': { type: 'string' },
    'alt-ref': { type: 'string' },
    quantile: { type: 'string' },
    'bin-width': { type: 'string' },
    'min-bin-count': { type: 'string' },
    'alt-threshold': { type: 'string' },
    out: { type: 'string' },
    overwrite: { type: 'boolean' },
    quiet: { type: 'boolean' },
  },
  async run(values) {
    await runEnvelopeCommand(values);
  },
};

export async function runEnvelopeCommand(values: Record<string, unknown>) {
  const outDir = path.resolve(requiredString(values, 'out'));
  const options: EnvelopeOptions = {
    quantile: numberOption(values, 'quantile', D.quantile, (v) => (v >= 0 && v < 1 ? null : 'must be in [0, 1)')),
    binWidthMm: numberOption(values, 'bin-width', D.binWidthMm, (v) => (v > 0 ? null : 'must be > 0 mm')),
    minBinCount: numberOption(values, 'min-bin-count', D.minBinCount, (v) => (Number.isInteger(v) && v >= 1 ? null : 'must be a whole number ≥ 1')),
    altThresholdM: numberOption(values, 'alt-threshold', D.altThresholdM, (v) => (v > 0 ? null : 'must be > 0 m')),
  };
  const amplitude = requiredString(values, 'amplitude');
  const altReference = requiredString(values, 'alt-ref');
  return envelopeJob({ amplitude, altReference }, { ...options, amplitudeUnit: values['amplitude-unit'] as string | undefined, overwrite: Boolean(values.overwrite) }, outDir, cliJobContext(values));
}
