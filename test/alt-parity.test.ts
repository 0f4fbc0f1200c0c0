// Parity of the WGSL ALT kernel (float32, shaders/alt.wgsl) with the float64 reference
// (src/cpu/alt.ts): spline evaluation of n, the clamp to [0, N − gap], Eq. 2, and the status
// codes. Fresh random sites, fields and grids every run (seed logged; PERMASAR_PARITY_SEED=<n>
// replays one); NaN and negative amplitudes, missing moisture, pixels on the clamp edges, a
// constant n reaching N, a pixel count not a multiple of the workgroup size, and tiles cut into
// several chunks. The output buffer is poisoned, so a pixel the shader does not write fails.
//
// Tolerances follow float32's rounding of the spline sum: n within 1e-6·S + 1e-6 m³/m³, where
// S = |a0| + |a1 x| + |a2 y| + Σ|w_j φ_j| is the sum of the magnitudes of the terms at the pixel
// (an interpolating spline through wildly varying sites has large weights that cancel; float32
// cannot do better than a few ulps of S). H within that n error carried through Eq. 2
// (∂H/∂n = H·(Δ/(ρi + nΔ) + 1/(N − n))) plus 1e-5 relative; status identical except where the
// float64 n lies within the n tolerance of a clamp bound. Smooth sites (the realistic case)
// come out near 1e-6 in n.
import { afterAll, describe, expect, it } from 'vitest';
import { acquireGpuForTests } from '../src/gpu/testing.ts';
import { createGpuAltKernel } from '../src/gpu/alt-kernel.ts';
import { altPixel } from '../src/cpu/alt.ts';
import { ALT_STATUS, STUDY_DENSITIES, altFromAmplitude, type AltKernelParams, type AltTile } from '../src/core/alt.ts';
import { sampleSites, fitFrozenWaterSurface, constantFrozenWater, type AltSiteInput, type SiteGeometry } from '../src/pipeline/alt.ts';
import type { RasterGrid } from '../src/core/grid.ts';
import { makeRandom } from '../data/synthetic.ts';
import { thinPlateKernel } from '../src/core/tps.ts';

const N_TOLERANCE_PER_TERM_SUM = 1e-6;
const N_TOLERANCE_FLOOR = 1e-6;
const H_RELATIVE_TOLERANCE = 1e-5;

/** Σ of the magnitudes of the spline's terms at a pixel: the scale of float32's rounding. */
function termMagnitude(params: AltKernelParams, row: number, col: number): number {
  const { model } = params;
  const f = model.frame;
  const x = f.xOrigin + f.xPerCol * col + f.xPerRow * row;
  const y = f.yOrigin + f.yPerCol * col + f.yPerRow * row;
  let s = Math.abs(model.affine[0]) + Math.abs(model.affine[1] * x) + Math.abs(model.affine[2] * y);
  const c = model.centres;
  for (let j = 0; j < c.length; j += 3) s += Math.abs(c[j + 2] * thinPlateKernel((x - c[j]) ** 2 + (y - c[j + 1]) ** 2));
  return s;
}

const gpu = await acquireGpuForTests();
const baseSeed = process.env.PERMASAR_PARITY_SEED ? Number(process.env.PERMASAR_PARITY_SEED) : (Math.random() * 2 ** 31) >>> 0;
console.log(`alt parity: seed ${baseSeed} (replay with PERMASAR_PARITY_SEED=${baseSeed})`);

afterAll(() => gpu?.destroy());

interface Case { name: string; params: AltKernelParams; tile: AltTile }

function splineCase(seed: number, nSites: number, smoothing: number, width: number, height: number, row0: number): Case {
  const random = makeRandom(seed);
  const pixelDeg = 0.0005 + 0.002 * random();
  const grid: RasterGrid = { width, height: row0 + height, geoTransform: [80 + 20 * random(), pixelDeg, 0, 30 + 10 * random(), 0, -pixelDeg], epsg: 4326 };
  const geometry: SiteGeometry = { grid, geographic: true, lonLatToMap: (lon, lat) => [lon, lat] };
  const n = grid.width * grid.height;
  const amplitude = new Float32Array(n);
  const thawed = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = random();
    amplitude[i] = u < 0.05 ? NaN : u < 0.07 ? -5 * random() : 2 + 80 * random();
    thawed[i] = random() < 0.03 ? NaN : random() < 0.01 ? 0.005 : 0.15 + 0.3 * random();
  }
  const sites: AltSiteInput[] = [];
  for (let k = 0; k < nSites; k++) {
    const r = Math.floor(random() * grid.height);
    const c = Math.floor(random() * grid.width);
    const i = r * grid.width + c;
    if (!(amplitude[i] >= 0) || !(thawed[i] > 0.1)) continue;
    // Wildly varying n (some sites near 0 and near N) so the spline overshoots both clamp bounds.
    const nSite = thawed[i] * (random() < 0.2 ? 0.9 : 0.3 * random());
    sites.push({ name: `s${k}`, lonDeg: grid.geoTransform[0] + pixelDeg * (c + 0.5), latDeg: grid.geoTransform[3] - pixelDeg * (r + 0.5), altM: altFromAmplitude(amplitude[i] / 1000, nSite, thawed[i]), line: k });
  }
  const results = sampleSites(sites, geometry, amplitude, thawed, { searchRadiusM: 1, outlierK: 1e9, densities: STUDY_DENSITIES, amplitudeToMetres: 0.001 });
  const surface = fitFrozenWaterSurface(results, geometry, smoothing)!;
  const a = row0 * width;
  return {
    name: `${surface.kind} through ${surface.spline?.sites ?? 0} sites, smoothing ${smoothing}, ${width}×${height} from row ${row0}`,
    params: { model: surface.model, densities: STUDY_DENSITIES, minThawGap: 0.01, amplitudeToMetres: 0.001 },
    tile: { row0, nRows: height, width, amplitude: amplitude.slice(a), thawedWaterContent: thawed.slice(a) },
  };
}

function constantCase(seed: number): Case {
  const random = makeRandom(seed);
  const width = 37, height = 11, n = width * height;
  const amplitude = Float32Array.from({ length: n }, () => (random() < 0.1 ? NaN : 40 * random() - 4));
  const thawed = Float32Array.from({ length: n }, () => 0.02 + 0.2 * random());
  return {
    name: 'constant n = 0.08, N above and below it',
    params: { model: constantFrozenWater(0.08).model, densities: { waterKgM3: 1000, iceKgM3: 910 }, minThawGap: 0.01, amplitudeToMetres: 0.001 },
    tile: { row0: 3, nRows: height, width, amplitude, thawedWaterContent: thawed },
  };
}

const cases = [
  splineCase(baseSeed, 30, 0, 97, 53, 0),
  splineCase(baseSeed + 1, 120, 0.01, 203, 41, 17),
  splineCase(baseSeed + 2, 8, 1, 64, 64, 5),
  constantCase(baseSeed + 3),
];

describe.skipIf(!gpu)('ALT kernel: GPU (float32) vs CPU (float64)', () => {
  for (const chunkBytes of [undefined, 4096]) {
    for (const c of cases) {
      it(`${c.name}${chunkBytes ? ', 4 KiB chunks' : ''}`, async () => {
        const kernel = await createGpuAltKernel(gpu!, { poisonBits: 0xdeadbeef, destroyContextOnDispose: false, maxChunkBytes: chunkBytes });
        const got = await kernel.evaluateTile(c.tile, c.params);
        await kernel.dispose();
        let worstN = 0, worstH = 0, worstNRatio = 0, worstHRatio = 0, edges = 0, finite = 0;
        const statuses = new Set<number>();
        const { iceKgM3, waterKgM3 } = c.params.densities;
        for (let r = 0; r < c.tile.nRows; r++) for (let col = 0; col < c.tile.width; col++) {
          const i = r * c.tile.width + col;
          const ref = altPixel(c.params, c.tile.row0 + r, col, c.tile.amplitude[i], c.tile.thawedWaterContent[i]);
          statuses.add(ref.status);
          const N = c.tile.thawedWaterContent[i];
          const nTolerance = N_TOLERANCE_PER_TERM_SUM * termMagnitude(c.params, c.tile.row0 + r, col) + N_TOLERANCE_FLOOR;
          const onEdge = Math.abs(ref.frozenWaterContentRaw) < nTolerance || Math.abs(ref.frozenWaterContentRaw - (N - c.params.minThawGap)) < nTolerance;
          if (onEdge) { edges++; continue; }
          expect(got.status[i], `status of pixel ${i}`).toBe(ref.status);
          expect(Number.isNaN(got.frozenWaterContent[i]), `n NaN at ${i}`).toBe(Number.isNaN(ref.frozenWaterContent));
          expect(Number.isNaN(got.altM[i]), `H NaN at ${i}`).toBe(Number.isNaN(ref.altM));
          if (Number.isFinite(ref.frozenWaterContent)) {
            // A clamped n is a bound, exact in both: only the spline's own n carries its error.
            const errN = Math.abs(got.frozenWaterContent[i] - ref.frozenWaterContent);
            worstN = Math.max(worstN, errN);
            worstNRatio = Math.max(worstNRatio, errN / nTolerance);
          }
          if (Number.isFinite(ref.altM)) {
            finite++;
            const n = ref.frozenWaterContent;
            const clamped = ref.status === ALT_STATUS.CLAMPED_LOW || ref.status === ALT_STATUS.CLAMPED_HIGH;
            const dHdn = ref.altM * ((waterKgM3 - iceKgM3) / (iceKgM3 + n * (waterKgM3 - iceKgM3)) + 1 / (N - n));
            const hTolerance = (clamped || !c.params.model.clamp ? 0 : dHdn * nTolerance) + H_RELATIVE_TOLERANCE * ref.altM + 1e-7;
            const errH = Math.abs(got.altM[i] - ref.altM);
            worstH = Math.max(worstH, errH / ref.altM);
            worstHRatio = Math.max(worstHRatio, errH / hTolerance);
          }
        }
        console.log(`alt parity [${c.name}${chunkBytes ? ', chunked' : ''}]: max |Δn| ${worstN.toExponential(2)} (${(100 * worstNRatio).toFixed(0)} % of tolerance), max relative ΔH ${worstH.toExponential(2)} (${(100 * worstHRatio).toFixed(0)} %), ${finite} finite H, ${edges} edge pixels, statuses ${[...statuses].sort().join(',')}`);
        expect(worstNRatio).toBeLessThanOrEqual(1);
        expect(worstHRatio).toBeLessThanOrEqual(1);
        expect(finite).toBeGreaterThan(100);
      });
    }
  }

  it('the cases reach every status code', () => {
    const seen = new Set<number>();
    for (const c of cases) for (let r = 0; r < c.tile.nRows; r++) for (let col = 0; col < c.tile.width; col++) {
      const i = r * c.tile.width + col;
      seen.add(altPixel(c.params, c.tile.row0 + r, col, c.tile.amplitude[i], c.tile.thawedWaterContent[i]).status);
    }
    expect([...seen].sort()).toEqual(Object.values(ALT_STATUS).sort());
  });
});
