// The option table of `permasar envelope`, read by the CLI and --help. Platform-free.
import { DEFAULT_ENVELOPE_OPTIONS, type EnvelopeOptions } from '../core/envelope.ts';
import { OUT_OPTION, OVERWRITE_OPTION, QUIET_OPTION, readOptions, type OptionTable } from './support/option-table.ts';

const D = DEFAULT_ENVELOPE_OPTIONS;

export const ENVELOPE_OPTIONS: OptionTable = [
  { name: 'amplitude', kind: 'file', value: 'FILE', help: 'vertical amplitude GeoTIFF, peak to trough (mm unless its unit says otherwise)', manifest: false },
  { name: 'amplitude-unit', kind: 'text', value: 'U', help: 'mm|cm|m (default: the band\'s unit, else mm)' },
  { name: 'alt-ref', kind: 'file', value: 'FILE', help: 'reference ALT GeoTIFF in metres, any grid and CRS (gdalwarp-style bilinear onto the amplitude grid)' },
  { name: 'quantile', kind: 'number', value: 'Q', default: D.quantile, help: 'low quantile of ALT per bin', check: (v: number) => (v >= 0 && v < 1 ? null : 'must be in [0, 1)') },
  { name: 'bin-width', kind: 'number', value: 'MM', default: D.binWidthMm, help: 'amplitude bin width, mm', check: (v: number) => (v > 0 ? null : 'must be > 0 mm') },
  { name: 'min-bin-count', kind: 'number', value: 'N', default: D.minBinCount, help: 'bins with fewer pixels are not fitted', check: (v: number) => (Number.isInteger(v) && v >= 1 ? null : 'must be a whole number ≥ 1') },
  { name: 'alt-threshold', kind: 'number', value: 'M', default: D.altThresholdM, help: `ALT whose crossing amplitude is reported (default ${D.altThresholdM} m)`, check: (v: number) => (v > 0 ? null : 'must be > 0 m') },
  OUT_OPTION,
  OVERWRITE_OPTION,
  { ...QUIET_OPTION, help: 'no result lines on the terminal' },
];

export function envelopeOptionsFrom(values: Record<string, unknown>): EnvelopeOptions & { amplitudeUnit?: string; overwrite: boolean } {
  const v = readOptions(ENVELOPE_OPTIONS, values);
  return {
    quantile: v.quantile as number,
    binWidthMm: v['bin-width'] as number,
    minBinCount: v['min-bin-count'] as number,
    altThresholdM: v['alt-threshold'] as number,
    amplitudeUnit: v['amplitude-unit'] as string | undefined,
    overwrite: Boolean(v.overwrite),
  };
}
