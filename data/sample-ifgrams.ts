// The interferogram stacks of the bundled sample: data/sample/asc/ifgramStack.h5 and
// data/sample/desc/ifgramStack.h5, each with its ERA5.h5, for the demo's first step
// (`permasar invert … --troposphere ERA5.h5 --deramp linear`, then `permasar fit` of its folder).
//
// How the truth relates. Each stack encodes the SAME displacement as the timeseries.h5 beside it
// (data/make-sample.ts, data/sample-desc.ts: the motion field of data/sample-field.ts through
// makeTrackStack, the very float32 metres written there): same geocoded grid, dates (every 24
// days, Dec 2014 – Sep 2022), LOS values, no-data pixels. The phase of pair (r, s) is
//     φ = −4π/λ·((d + E + R)(s) − (d + E + R)(r)) + c + n
// (data/ifgram-stack.ts) with d that displacement, E a planted troposphere (stratified + turbulent,
// ~1–2 cm) whose model, scaled by (1 − 0.05), is ERA5.h5, and R a planted linear ramp per date
// (orbit-like, ≤ 2 cm across the image), not in ERA5.h5. The reference pixel REF_Y/REF_X is a
// pixel where timeseries.h5 has no data, taken as stable ground (d = 0 there: a bedrock
// reference), so that at every pixel with data MintPy's inversion of the stack gives
//     timeseries.h5(t) − timeseries.h5(first date)
// plus the planted E and R referenced to REF and the first date, plus the phase noise n (σ from
// the coherence at ~85 looks: well under 1 mm). After --troposphere ERA5.h5 the troposphere left is
// 5 % of E (≲ 1 mm); after --deramp linear the ramp is gone — and so is the best-fitting plane of
// the displacement itself at each date (MintPy's remove_ramp cannot tell them apart). No-data pixels
// of timeseries.h5 have no data (phase 0, coherence 0) in every interferogram.
// `npm run make-sample` writes them (data/make-all-samples.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pixelCentre } from '../src/core/grid.ts';
import { makeTrackStack, type MotionField, type TrackField } from './motion-field.ts';
import { SAMPLE_FIELD_OPTIONS, sampleMotionField } from './sample-field.ts';
import { writeSyntheticIfgramStack, type SyntheticIfgramStack } from './ifgram-stack.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The sample stacks' settings (shared by both tracks). */
export const SAMPLE_IFGRAM_OPTIONS = {
  /** Each date with the next (24 days), and every other date with the one after next (48 days): 177 interferograms of 119 dates. */
  longPairEvery: 2,
  troposphere: { errorFraction: 0.05 },
  ramps: { kind: 'linear' as const, maxM: 0.02 },
  /**
   * Looks of the phase noise: 2000 (σ ≈ 0.03 rad ≈ 0.1 mm at γ 0.5) rather than the ~85 that the
   * ALOOKS/RLOOKS attributes imply, so that the inversion — a near-chain network integrates the
   * noise over 118 steps — reproduces timeseries.h5 to about a millimetre (the sample's own 2 mm
   * noise is in d already).
   */
  noiseLooks: 2000,
  /** gzip level of the 3-D datasets (MintPy and h5py read it; keeps each track a few MB). */
  compression: 6,
};

/**
 * The reference pixel: the no-data pixel of the track nearest to a fifth in from its top-left
 * corner (never row 0 or column 0), so that no pixel with data is changed by being the reference.
 */
export function sampleReferencePixel(track: TrackField): { y: number; x: number } {
  const { width, height } = track.grid;
  const target = { y: 0.2 * height, x: 0.2 * width };
  let best: { y: number; x: number } | null = null;
  let bestDistance = Infinity;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      if (!track.noData[y * width + x]) continue;
      const distance = (y - target.y) ** 2 + (x - target.x) ** 2;
      if (distance < bestDistance) { bestDistance = distance; best = { y, x }; }
    }
  }
  if (!best) throw new Error('sample-ifgrams: the track has no no-data pixel to take as the reference');
  return best;
}

/** The sample's network (MintPy's order: by reference date, then secondary). */
export function samplePairs(dates: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < dates.length; i++) {
    pairs.push([dates[i], dates[i + 1]]);
    if (i % SAMPLE_IFGRAM_OPTIONS.longPairEvery === 0 && i + 2 < dates.length) pairs.push([dates[i], dates[i + 2]]);
  }
  return pairs;
}

/** Writes `dir`/ifgramStack.h5 and `dir`/ERA5.h5 for one track of the sample. */
export async function writeSampleIfgramStack(dir: string, field: MotionField, track: TrackField, seed: number): Promise<SyntheticIfgramStack> {
  // The sample's own series (data/make-sample.ts passes dates: undefined, sample-desc.ts none: the same default dates).
  const series = makeTrackStack(field, track, { ...SAMPLE_FIELD_OPTIONS, dates: undefined });
  const { grid } = track;
  const { width, height } = grid;
  const nPixels = width * height;
  const dates = series.axis.dates;
  const nDates = dates.length;
  // The very float32 metres of timeseries.h5.
  const metres = series.valuesMm.map((v) => v / 1000);
  const ref = sampleReferencePixel(track);
  const refCentre = pixelCentre(grid, ref.y, ref.x);
  const g = grid.geoTransform;
  const attributes: Record<string, string> = {
    X_FIRST: String(g[0]),
    Y_FIRST: String(g[3]),
    X_STEP: String(g[1]),
    Y_STEP: String(g[5]),
    EPSG: String(grid.epsg ?? 4326),
    X_UNIT: 'degrees',
    Y_UNIT: 'degrees',
    REF_LAT: String(refCentre.y),
    REF_LON: String(refCentre.x),
    ORBIT_DIRECTION: track.direction,
    HEADING: track.direction === 'ASCENDING' ? '-12.2' : '-167.8',
  };
  return writeSyntheticIfgramStack(path.join(dir, 'ifgramStack.h5'), {
    seed,
    length: height,
    width,
    dates,
    network: { pairs: samplePairs(dates) },
    ref,
    noDataPatches: 0,
    unwrapErrorPatches: 0,
    notUnwrappedFraction: 0,
    dropFraction: 0,
    coherence: { quantum: 1 / 256 },
    noiseLooks: SAMPLE_IFGRAM_OPTIONS.noiseLooks,
    attributes,
    displacementRows: (row0, nRows) => {
      const out = new Float32Array(nDates * nRows * width);
      for (let k = 0; k < nDates; k++) out.set(metres.subarray(k * nPixels + row0 * width, k * nPixels + (row0 + nRows) * width), k * nRows * width);
      // The reference: stable ground where the sample has no data.
      if (ref.y >= row0 && ref.y < row0 + nRows) for (let k = 0; k < nDates; k++) out[k * nRows * width + (ref.y - row0) * width + ref.x] = 0;
      return out;
    },
    troposphere: SAMPLE_IFGRAM_OPTIONS.troposphere,
    ramps: SAMPLE_IFGRAM_OPTIONS.ramps,
    compression: SAMPLE_IFGRAM_OPTIONS.compression,
  });
}

/** Both tracks: data/sample/asc and data/sample/desc. */
export async function makeSampleIfgramStacks(sampleDir = path.join(here, 'sample')): Promise<SyntheticIfgramStack[]> {
  const field = sampleMotionField();
  const seed = SAMPLE_FIELD_OPTIONS.seed ?? 4242;
  return [
    await writeSampleIfgramStack(path.join(sampleDir, 'asc'), field, field.asc, seed + 1),
    await writeSampleIfgramStack(path.join(sampleDir, 'desc'), field, field.desc, seed + 2),
  ];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const s of await makeSampleIfgramStacks()) console.log(`${s.path}: ${s.pairs.length} interferograms, REF ${s.ref?.y},${s.ref?.x}; ${s.troposphere?.era5Path}`);
}
