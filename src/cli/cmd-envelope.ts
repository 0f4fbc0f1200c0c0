// `permasar envelope --amplitude amplitude_vertical.tif --alt-ref reference_alt.tif --out DIR`:
// the lower envelope of a reference ALT map against the seasonal vertical amplitude and the
// amplitude above which ALT ≥ 1 m (study §4.2, Fig. 8b–c: ~55 mm vertical). The reference ALT
// may be on any grid and in any EPSG CRS; it is resampled onto the amplitude grid by the one
// resampling rule (core/resample.ts: gdalwarp's nodata-aware bilinear).
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { InputError } from '../core/errors.ts';
import { describeGrid } from '../core/grid.ts';
import { DEFAULT_ENVELOPE_OPTIONS, lowerEnvelope, type EnvelopeOptions } from '../core/envelope.ts';
import { beginOutput } from '../io/output-dir-node.ts';
import { writeJson } from '../io/text-files-node.ts';
import { scatterDensity } from '../plot/charts.ts';
import { encodePng } from '../plot/png.ts';
import { numberOption, requiredString } from './options.ts';
import { readAmplitude, readResampled } from './cmd-alt.ts';
import { formatSeconds } from './progress.ts';
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
  const started = Date.now();
  const quiet = Boolean(values.quiet);
  const say = (line: string) => { if (!quiet) console.log(line); };
  const outDir = path.resolve(requiredString(values, 'out'));
  const options: EnvelopeOptions = {
    quantile: numberOption(values, 'quantile', D.quantile, (v) => (v >= 0 && v < 1 ? null : 'must be in [0, 1)')),
    binWidthMm: numberOption(values, 'bin-width', D.binWidthMm, (v) => (v > 0 ? null : 'must be > 0 mm')),
    minBinCount: numberOption(values, 'min-bin-count', D.minBinCount, (v) => (Number.isInteger(v) && v >= 1 ? null : 'must be a whole number ≥ 1')),
    altThresholdM: numberOption(values, 'alt-threshold', D.altThresholdM, (v) => (v > 0 ? null : 'must be > 0 m')),
  };
  const amplitude = await readAmplitude(values);
  const grid = amplitude.raster.grid;
  const refFile = requiredString(values, 'alt-ref');
  const ref = await readResampled(refFile, grid);
  const refUnit = ref.raster.unit?.trim().toLowerCase();
  if (refUnit && !['m', 'meter', 'metre', 'meters', 'metres'].includes(refUnit)) throw new InputError(refFile, `band unit "${ref.raster.unit}": expected ALT in metres`);
  const amplitudeMm = amplitude.toMetres === 0.001 ? amplitude.raster.data : amplitude.raster.data.map((v) => v * amplitude.toMetres * 1000);
  const result = lowerEnvelope(amplitudeMm, ref.data, options);
  if (result.pairsUsed === 0) {
    throw new InputError(refFile, `no pixel has both an amplitude ≥ 0 and an ALT > 0 on the amplitude grid (${result.negativeAmplitudePixels} negative amplitudes, ${result.nonPositiveAltPixels} ALT ≤ 0)`);
  }
  if (!result.line) throw new InputError(refFile, `no envelope: ${result.note}`);

  const output = await beginOutput(outDir, { overwrite: Boolean(values.overwrite) });
  try {
    const used = result.bins.filter((b) => b.used);
    const xMax = Math.max(...result.bins.map((b) => b.amplitudeToMm), result.amplitudeAtThresholdMm ?? 0);
    const line = result.line;
    const overlays = [
      { label: `${options.quantile} quantile per ${options.binWidthMm} mm bin`, x: used.map((b) => b.amplitudeMeanMm), y: used.map((b) => b.altQuantileM), dashed: true },
      { label: `envelope: ALT = ${line.interceptM.toFixed(3)} m + ${line.slopeMPerMm.toFixed(4)} m per mm`, x: [0, xMax], y: [line.interceptM, line.interceptM + line.slopeMPerMm * xMax] },
    ];
    if (result.amplitudeAtThresholdMm !== null && result.amplitudeAtThresholdMm >= 0) {
      overlays.push({ label: `ALT ${options.altThresholdM} m at ${result.amplitudeAtThresholdMm.toFixed(1)} mm`, x: [result.amplitudeAtThresholdMm, result.amplitudeAtThresholdMm], y: [0, options.altThresholdM], dashed: true });
    }
    const keep = new Uint8Array(amplitudeMm.length);
    for (let i = 0; i < keep.length; i++) keep[i] = amplitudeMm[i] >= 0 && ref.data[i] > 0 ? 1 : 0;
    const xs = amplitudeMm.filter((_, i) => keep[i]);
    const ys = ref.data.filter((_, i) => keep[i]);
    await writeFile(path.join(output.dir, 'envelope.png'), encodePng(scatterDensity({
      title: `Reference ALT vs seasonal vertical amplitude, ${result.pairsUsed} pixels`,
      x: xs, y: ys, xLabel: 'Seasonal vertical amplitude, peak to trough (mm)', yLabel: 'ALT (m)', overlays,
      xRange: [0, xMax * 1.02],
      yRange: [0, ys.reduce((m, v) => Math.max(m, v), options.altThresholdM) * 1.02],
    })));
    const elapsedSeconds = (Date.now() - started) / 1000;
    await writeJson(path.join(output.dir, 'envelope.json'), {
      software: 'permasar',
      command: 'envelope',
      created: new Date().toISOString(),
      inputs: {
        amplitude: amplitude.file,
        amplitudeUnit: amplitude.unit,
        grid: { width: grid.width, height: grid.height, geoTransform: grid.geoTransform, epsg: grid.epsg },
        altReference: path.resolve(refFile),
        altReferenceGrid: describeGrid(ref.sourceGrid),
        resampling: 'bilinear onto the amplitude grid (gdalwarp rule: NaN neighbours weighted 0, renormalised)',
      },
      method: 'per amplitude bin, the quantile of ALT; least-squares line through the bins with ≥ minBinCount pixels, one point per bin',
      ...result,
      elapsedSeconds,
    });
    await output.commit();
    const crossing = result.amplitudeAtThresholdMm;
    say(`envelope: ALT ≥ ${line.interceptM.toFixed(3)} + ${line.slopeMPerMm.toFixed(5)}·δ(mm) m over ${line.binsFitted} bins of ${result.pairsUsed} pixels; ` +
      (crossing !== null ? `ALT ${options.altThresholdM} m at ${crossing.toFixed(1)} mm vertical${result.thresholdExtrapolated ? ' (extrapolated)' : ''}` : String(result.note)) +
      `; ${formatSeconds(elapsedSeconds)} → ${outDir}`);
    if (result.negativeAmplitudePixels) say(`note: ${result.negativeAmplitudePixels} pixels with negative amplitude left out`);
    return result;
  } catch (e) {
    await output.abort();
    throw e;
  }
}
