// Regenerates the bundled sample in data/sample/ (committed, so `npm start` needs no step
// before it): a small ascending-track stack in MintPy's layout with its geometry and temporal
// coherence, and the truth it was made from. The stack is one track's view of the known 3-D
// motion field of data/motion-field.ts (with the sample's options: data/sample-field.ts);
// data/sample-desc.ts writes the descending view of the SAME field (data/sample/desc), so
// `permasar compare` on the two fits has a known answer.
// Run with `npm run make-sample`.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRandom } from './synthetic.ts';
import { writeTrackMintpy } from './motion-field.ts';
import { SAMPLE_FIELD_OPTIONS, sampleMotionField } from './sample-field.ts';
import { writeMintpyRasters } from '../src/io/mintpy-h5-write-node.ts';
import { regularDates } from './synthetic.ts';
import { ymdToDecimalYear } from '../src/core/time.ts';
import { mkdir } from 'node:fs/promises';

const here = path.dirname(fileURLToPath(import.meta.url));
const sampleDir = path.join(here, 'sample');

export async function makeSample(dir = sampleDir): Promise<void> {
  const asc = path.join(dir, 'asc');
  const field = sampleMotionField();
  const track = field.asc;
  const grid = track.grid;
  const nPixels = grid.width * grid.height;
  // timeseries.h5 (metres, as MintPy writes it) and geometryGeo.h5 (incidence 34°–42°).
  await writeTrackMintpy(asc, field, track, { ...SAMPLE_FIELD_OPTIONS, dates: undefined });
  const random = makeRandom(7);
  const coherence = new Float32Array(nPixels).map(() => 0.5 + 0.5 * random());
  await writeMintpyRasters(path.join(asc, 'temporalCoherence.h5'), grid, { temporalCoherence: coherence }, 'temporalCoherence');
  const p = track.products;
  const truth = {
    seed: SAMPLE_FIELD_OPTIONS.seed,
    note: 'truth of the ascending sample (LOS, + toward the satellite): one view of the motion field of data/motion-field.ts; amplitude is peak to trough (mm), null where not seasonal; directionSecular/directionSeasonal are the Table 1 classes of the noiseless field where known (interior pixels of the overlap with data/sample/desc), else null; with the sample\'s 2 mm noise about 1 % of fitted pixels land on another class',
    rateMmPerYear: Array.from(p.rateMmPerYear, (v) => (Number.isFinite(v) ? +v.toFixed(4) : null)),
    amplitudeMm: Array.from(p.seasonalAmplitudeMm, (v) => (Number.isFinite(v) ? +v.toFixed(4) : null)),
    peakDayOfYear: Array.from(p.peakDayOfYear, (v) => (Number.isFinite(v) ? +v.toFixed(2) : null)),
    seasonal: Array.from(p.seasonalFlag, (v) => (v === 1 ? 1 : 0)),
    noData: Array.from(track.noData),
    directionSecular: Array.from(field.truth.secularClass, (v, i) => (field.truth.interior[i] ? v : null)),
    directionSeasonal: Array.from(field.truth.seasonalClass, (v, i) => (field.truth.interior[i] ? v : null)),
    upRateMmPerYear: Array.from(field.truth.upRateMmPerYear, (v) => +v.toFixed(4)),
    eastRateMmPerYear: Array.from(field.truth.eastRateMmPerYear, (v) => +v.toFixed(4)),
  };
  await writeFile(path.join(asc, 'truth.json'), JSON.stringify(truth) + '\n');
}

/**
 * A monthly ground temperature series at the sample (GLDAS-like, K, 0–10 cm): annual cycle
 * 268 ± 11 K with its minimum in mid-January, so thaw windows run roughly May–October and
 * the displacement peak (upheave) lags the temperature minimum by months, as in the study.
 */
export async function makeTemperatureSample(dir = path.join(sampleDir, 'temperature')): Promise<void> {
  await mkdir(dir, { recursive: true });
  const lines = ['date,value'];
  for (const date of regularDates('20141115', '20221015', 30.4375)) {
    const t = ymdToDecimalYear(date);
    const kelvin = 268 - 11 * Math.cos(2 * Math.PI * (t - Math.floor(t) - 0.04));
    lines.push(`${date},${kelvin.toFixed(2)}`);
  }
  await writeFile(path.join(dir, 'gldas_point.csv'), lines.join('\n') + '\n');
}
