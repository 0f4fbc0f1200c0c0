// The envelope job (`permasar envelope`): the lower envelope of a reference ALT map against
// the seasonal vertical amplitude and the amplitude above which ALT ≥ 1 m (study §4.2, Fig.
// 8b–c: ~55 mm vertical). The reference ALT may be on any grid and in any EPSG CRS; it is
// resampled onto the amplitude grid by the one resampling rule (core/resample.ts: gdalwarp's
// nodata-aware bilinear).
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { InputError } from '../core/errors.ts';
import { describeGrid } from '../core/grid.ts';
import { DEFAULT_ENVELOPE_OPTIONS, lowerEnvelope, type EnvelopeOptions, type EnvelopeResult } from '../core/envelope.ts';
import { withOutput } from '../io/output-dir-node.ts';
import { writeJson } from '../io/text-files-node.ts';
import { scatterDensity } from '../plot/charts.ts';
import { encodePng } from '../plot/png.ts';
import { openAmplitudeRows, openResampledRows } from './support/inputs-node.ts';
import { blockRowsOf, rowBlocks } from '../pipeline/blocks.ts';
import { formatSeconds } from './support/format.ts';
import type { JobContext } from './support/context.ts';

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
  /** Rows per block (default PERMASAR_BLOCK_ROWS, else 256): memory follows it; results do not. */
  blockRows?: number;
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
  // Row blocks (issue 12): the amplitude and the reference ALT resampled block by block; only
  // the pairs with both values finite are kept, as float32 (8 bytes a pair, exact: the bins'
  // quantiles need every pair), never the two rasters.
  const blockRows = blockRowsOf(options.blockRows, process.env.PERMASAR_BLOCK_ROWS);
  const amplitude = await openAmplitudeRows(inputs.amplitude, options.amplitudeUnit, { blockRows });
  const refFile = inputs.altReference;
  let ref;
  try {
    ref = await openResampledRows(refFile, amplitude.grid);
  } catch (e) {
    amplitude.close();
    throw e;
  }
  const grid = amplitude.grid;
  const pairs = { amplitudeMm: new GrowingFloat32(), altM: new GrowingFloat32() };
  let refFinite = 0;
  try {
    const refUnit = ref.unit?.trim().toLowerCase();
    if (refUnit && !['m', 'meter', 'metre', 'meters', 'metres'].includes(refUnit)) throw new InputError(refFile, `band unit "${ref.unit}": expected ALT in metres`);
    for (const { row0, nRows } of rowBlocks(grid.height, blockRows)) {
      const rows = await amplitude.readRows(row0, nRows);
      const amplitudeMm = amplitude.toMetres === 0.001 ? rows : rows.map((v) => v * amplitude.toMetres * 1000);
      const altM = await ref.readRows(row0, nRows);
      for (let i = 0; i < altM.length; i++) {
        if (altM[i] === altM[i]) refFinite++;
        if (Number.isFinite(amplitudeMm[i]) && Number.isFinite(altM[i])) { pairs.amplitudeMm.push(amplitudeMm[i]); pairs.altM.push(altM[i]); }
      }
    }
  } finally {
    amplitude.close();
    ref.close();
  }
  if (refFinite === 0) throw new InputError(refFile, `does not cover the amplitude grid (${describeGrid(ref.sourceGrid)} vs ${describeGrid(grid)})`);
  const amplitudeMm = pairs.amplitudeMm.values();
  const altM = pairs.altM.values();
  const result = lowerEnvelope(amplitudeMm, altM, envelope);
  if (result.pairsUsed === 0) {
    throw new InputError(refFile, `no pixel has both an amplitude ≥ 0 and an ALT > 0 on the amplitude grid (${result.negativeAmplitudePixels} negative amplitudes, ${result.nonPositiveAltPixels} ALT ≤ 0)`);
  }
  if (!result.line) throw new InputError(refFile, `no envelope: ${result.note}`);
  const line = result.line;

  return await withOutput(outDir, { overwrite: Boolean(options.overwrite) }, async (output) => {
    const used = result.bins.filter((b) => b.used);
    const xMax = Math.max(...result.bins.map((b) => b.amplitudeToMm), result.amplitudeAtThresholdMm ?? 0);
    const overlays = [
      { label: `${envelope.quantile} quantile per ${envelope.binWidthMm} mm bin`, x: used.map((b) => b.amplitudeMeanMm), y: used.map((b) => b.altQuantileM), dashed: true },
      { label: `envelope: ALT = ${line.interceptM.toFixed(3)} m + ${line.slopeMPerMm.toFixed(4)} m per mm`, x: [0, xMax], y: [line.interceptM, line.interceptM + line.slopeMPerMm * xMax] },
    ];
    if (result.amplitudeAtThresholdMm !== null && result.amplitudeAtThresholdMm >= 0) {
      overlays.push({ label: `ALT ${envelope.altThresholdM} m at ${result.amplitudeAtThresholdMm.toFixed(1)} mm`, x: [result.amplitudeAtThresholdMm, result.amplitudeAtThresholdMm], y: [0, envelope.altThresholdM], dashed: true });
    }
    const keep = new Uint8Array(amplitudeMm.length);
    for (let i = 0; i < keep.length; i++) keep[i] = amplitudeMm[i] >= 0 && altM[i] > 0 ? 1 : 0;
    const xs = amplitudeMm.filter((_, i) => keep[i]);
    const ys = altM.filter((_, i) => keep[i]);
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
      method: 'per amplitude bin, the quantile of ALT (every pixel pair, read in row blocks); least-squares line through the bins with ≥ minBinCount pixels, one point per bin',
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
  });
}

function stripUndefined(o: EnvelopeJobOptions): Partial<EnvelopeOptions> {
  const out: Partial<EnvelopeOptions> = {};
  for (const k of ['quantile', 'binWidthMm', 'minBinCount', 'altThresholdM'] as const) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** float32 values appended one at a time, stored in a doubling buffer. */
class GrowingFloat32 {
  private buffer = new Float32Array(1024);
  private length = 0;
  push(v: number): void {
    if (this.length === this.buffer.length) {
      const bigger = new Float32Array(this.buffer.length * 2);
      bigger.set(this.buffer);
      this.buffer = bigger;
    }
    this.buffer[this.length++] = v;
  }
  values(): Float32Array { return this.buffer.subarray(0, this.length); }
}
