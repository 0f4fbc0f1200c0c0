// The envelope job (`permasar envelope`): the lower envelope of a reference ALT map against
// the seasonal vertical amplitude and the amplitude above which ALT ≥ 1 m (study §4.2, Fig.
// 8b–c: ~55 mm vertical). The reference ALT may be on any grid and in any EPSG CRS; it is
// resampled onto the amplitude grid by the one resampling rule (core/resample.ts: gdalwarp's
// nodata-aware bilinear).
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { InputError } from '../../core/errors.ts';
import { describeGrid } from '../../core/grid.ts';
import { DEFAULT_ENVELOPE_OPTIONS, lowerEnvelope, type EnvelopeOptions, type EnvelopeResult } from '../../core/envelope.ts';
import { beginOutput } from '../../io/output-dir-node.ts';
import { writeJson } from '../../io/text-files-node.ts';
import { scatterDensity } from '../../plot/charts.ts';
import { encodePng } from '../../plot/png.ts';
import { readAmplitude, readResampled } from './inputs-node.ts';
import { formatSeconds } from './format.ts';
import type { JobContext } from './context.ts';

export interface EnvelopeJobInputs {
  /** Seasonal vertical amplitude GeoTIFF, peak to trough (mm unless its unit says otherwise). */
  amplitude: string;
  /** Reference ALT GeoTIFF in metres, any grid and CRS. */
  altReference: string;
}

export interface EnvelopeJobOptions extends Partial<EnvelopeOptions> {
  /** mm|cm|m (default: the band's unit, else mm). */
  amplitudeUnit?: string;
  overwrite?: boolean;
}

/** envelope.json: what the job wrote, the lower envelope (core/envelope.ts) and its inputs. */
export type EnvelopeJobSummary = EnvelopeResult & {
  software: 'permasar';
  command: 'envelope';
  created: string;
  inputs: Record<string, unknown>;
  method: string;
  elapsedSeconds: number;
};

export async function envelopeJob(inputs: EnvelopeJobInputs, options: EnvelopeJobOptions, outDirGiven: string, ctx: JobContext): Promise<EnvelopeJobSummary> {
  const started = Date.now();
  const say = (line: string) => ctx.log(line);
  const outDir = path.resolve(outDirGiven);
  const envelope: EnvelopeOptions = { ...DEFAULT_ENVELOPE_OPTIONS, ...stripUndefined(options) };
  const amplitude = await readAmplitude(inputs.amplitude, options.amplitudeUnit);
  const grid = amplitude.raster.grid;
  const refFile = inputs.altReference;
  const ref = await readResampled(refFile, grid);
  const refUnit = ref.raster.unit?.trim().toLowerCase();
  if (refUnit && !['m', 'meter', 'metre', 'meters', 'metres'].includes(refUnit)) throw new InputError(refFile, `band unit "${ref.raster.unit}": expected ALT in metres`);
  const amplitudeMm = amplitude.toMetres === 0.001 ? amplitude.raster.data : amplitude.raster.data.map((v) => v * amplitude.toMetres * 1000);
  const result = lowerEnvelope(amplitudeMm, ref.data, envelope);
  if (result.pairsUsed === 0) {
    throw new InputError(refFile, `no pixel has both an amplitude ≥ 0 and an ALT > 0 on the amplitude grid (${result.negativeAmplitudePixels} negative amplitudes, ${result.nonPositiveAltPixels} ALT ≤ 0)`);
  }
  if (!result.line) throw new InputError(refFile, `no envelope: ${result.note}`);

  const output = await beginOutput(outDir, { overwrite: Boolean(options.overwrite) });
  try {
    const used = result.bins.filter((b) => b.used);
    const xMax = Math.max(...result.bins.map((b) => b.amplitudeToMm), result.amplitudeAtThresholdMm ?? 0);
    const line = result.line;
    const overlays = [
      { label: `${envelope.quantile} quantile per ${envelope.binWidthMm} mm bin`, x: used.map((b) => b.amplitudeMeanMm), y: used.map((b) => b.altQuantileM), dashed: true },
      { label: `envelope: ALT = ${line.interceptM.toFixed(3)} m + ${line.slopeMPerMm.toFixed(4)} m per mm`, x: [0, xMax], y: [line.interceptM, line.interceptM + line.slopeMPerMm * xMax] },
    ];
    if (result.amplitudeAtThresholdMm !== null && result.amplitudeAtThresholdMm >= 0) {
      overlays.push({ label: `ALT ${envelope.altThresholdM} m at ${result.amplitudeAtThresholdMm.toFixed(1)} mm`, x: [result.amplitudeAtThresholdMm, result.amplitudeAtThresholdMm], y: [0, envelope.altThresholdM], dashed: true });
    }
    const keep = new Uint8Array(amplitudeMm.length);
    for (let i = 0; i < keep.length; i++) keep[i] = amplitudeMm[i] >= 0 && ref.data[i] > 0 ? 1 : 0;
    const xs = amplitudeMm.filter((_, i) => keep[i]);
    const ys = ref.data.filter((_, i) => keep[i]);
    await writeFile(path.join(output.dir, 'envelope.png'), encodePng(scatterDensity({
      title: `Reference ALT vs seasonal vertical amplitude, ${result.pairsUsed} pixels`,
      x: xs, y: ys, xLabel: 'Seasonal vertical amplitude, peak to trough (mm)', yLabel: 'ALT (m)', overlays,
      xRange: [0, xMax * 1.02],
      yRange: [0, ys.reduce((m, v) => Math.max(m, v), envelope.altThresholdM) * 1.02],
    })));
    const elapsedSeconds = (Date.now() - started) / 1000;
    const summary: EnvelopeJobSummary = {
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
    };
    await writeJson(path.join(output.dir, 'envelope.json'), summary);
    await output.commit();
    const crossing = result.amplitudeAtThresholdMm;
    say(`envelope: ALT ≥ ${line.interceptM.toFixed(3)} + ${line.slopeMPerMm.toFixed(5)}·δ(mm) m over ${line.binsFitted} bins of ${result.pairsUsed} pixels; ` +
      (crossing !== null ? `ALT ${envelope.altThresholdM} m at ${crossing.toFixed(1)} mm vertical${result.thresholdExtrapolated ? ' (extrapolated)' : ''}` : String(result.note)) +
      `; ${formatSeconds(elapsedSeconds)} → ${outDir}`);
    if (result.negativeAmplitudePixels) say(`note: ${result.negativeAmplitudePixels} pixels with negative amplitude left out`);
    return summary;
  } catch (e) {
    await output.abort();
    throw e;
  }
}

function stripUndefined(o: EnvelopeJobOptions): Partial<EnvelopeOptions> {
  const out: Partial<EnvelopeOptions> = {};
  for (const k of ['quantile', 'binWidthMm', 'minBinCount', 'altThresholdM'] as const) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
