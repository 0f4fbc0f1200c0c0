// Regenerates the bundled sample in data/sample/ (committed, so `npm start` needs no step
// before it): a small ascending-track stack in MintPy's layout with its geometry and temporal
// coherence, and the truth it was made from. Run with `npm run make-sample`.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateStack, makeRandom } from './synthetic.ts';
import { writeMintpyTimeseries, writeMintpyRasters } from '../src/io/mintpy-h5-write-node.ts';
import type { RasterGrid } from '../src/core/grid.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const sampleDir = path.join(here, 'sample');

/** A patch of the Qinghai–Tibet corridor near Beiluhe (lon 92.9°, lat 34.8°), ~0.001° pixels. */
export const SAMPLE_ASC_GRID: RasterGrid = { width: 64, height: 48, geoTransform: [92.90, 0.001, 0, 34.86, 0, -0.001], epsg: 4326 };

export async function makeSample(dir = sampleDir): Promise<void> {
  const asc = path.join(dir, 'asc');
  await mkdir(asc, { recursive: true });
  const grid = SAMPLE_ASC_GRID;
  const stack = generateStack({ seed: 20251, width: grid.width, height: grid.height, noiseMm: 2 });
  const nPixels = grid.width * grid.height;
  // Stored in metres, as MintPy writes timeseries.h5.
  const metres = stack.values.map((v) => v / 1000);
  await writeMintpyTimeseries(path.join(asc, 'timeseries.h5'), { grid, dates: stack.axis.dates, values: metres, unit: 'm', refDate: stack.axis.dates[0], wavelengthM: 0.05546576, attributes: { ORBIT_DIRECTION: 'ASCENDING', PLATFORM: 'Sen' } });
  // Incidence grows from near (31°) to far range (46.8°) across the swath, as Sentinel-1 IW.
  const incidence = new Float32Array(nPixels);
  const azimuth = new Float32Array(nPixels).fill(102.5); // MintPy: ground→satellite LOS azimuth from north, anti-clockwise (asc ≈ +102°)
  for (let r = 0; r < grid.height; r++) for (let c = 0; c < grid.width; c++) incidence[r * grid.width + c] = 31 + (15.8 * c) / (grid.width - 1);
  await writeMintpyRasters(path.join(asc, 'geometryGeo.h5'), grid, { incidenceAngle: incidence, azimuthAngle: azimuth }, 'geometry');
  const random = makeRandom(7);
  const coherence = new Float32Array(nPixels).map(() => 0.5 + 0.5 * random());
  await writeMintpyRasters(path.join(asc, 'temporalCoherence.h5'), grid, { temporalCoherence: coherence }, 'temporalCoherence');
  const truth = {
    seed: 20251,
    note: 'truth of the synthetic ascending stack; amplitude is peak to trough (mm), NaN where not seasonal',
    rateMmPerYear: Array.from(stack.truth.rateMmPerYear, (v) => +v.toFixed(4)),
    amplitudeMm: Array.from(stack.truth.amplitudeMm, (v) => (Number.isFinite(v) ? +v.toFixed(4) : null)),
    peakDayOfYear: Array.from(stack.truth.peakDayOfYear, (v) => (Number.isFinite(v) ? +v.toFixed(2) : null)),
    seasonal: Array.from(stack.truth.seasonal),
    noData: Array.from(stack.truth.noData),
  };
  await writeFile(path.join(asc, 'truth.json'), JSON.stringify(truth) + '\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await makeSample();
  console.log(`sample written to ${sampleDir}`);
}
