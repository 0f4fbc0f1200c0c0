// Parity of the WGSL two-track kernels (float32: shaders/compare.wgsl, shaders/vertical.wgsl)
// with the float64 references (src/cpu/compare.ts). Fresh random inputs every run (the seed is
// logged; PERMASAR_PARITY_SEED=<n> replays one), covering NaN and ±inf on either track, pixels
// seasonal on one track only, rates and amplitudes straddling every threshold, peak days
// across the new year, geometry with NaN and a degenerate (same-track) pair, a pixel count
// that is not a multiple of the workgroup size, and tiles cut into many chunks. The GPU output
// buffer is poisoned before every dispatch, so a pixel the shader does not write fails here.
//
// Tolerances: reason codes identical except for pairs within 1e-3 of a threshold (float32
// rounding of |a| − |b| and of the day difference); up/east rates and amplitudes 1e-3 mm(/yr)
// plus 1e-5 relative; peak days 0.05 day where the component's amplitude is ≥ 1 mm (WGSL's
// sin/cos/atan2 are only bounded to ~2⁻¹¹ by the spec); NaN exactly where the CPU has NaN.
import { afterAll, describe, expect, it } from 'vitest';
import { acquireGpuForTests } from '../src/gpu/testing.ts';
import { createGpuCompareKernel, VALID_SECULAR_REASONS, VALID_SEASONAL_REASONS } from '../src/gpu/compare-kernel.ts';
import { createGpuVerticalKernel } from '../src/gpu/vertical-kernel.ts';
import { compareTileCpu, verticalTileCpu, COMPARE_FLOAT_OUTPUT_KEYS, type CompareTile } from '../src/cpu/compare.ts';
import { DEFAULT_DIRECTION_THRESHOLDS, circularDayDifference, type DirectionThresholds } from '../src/core/direction.ts';
import { losUnitVector } from '../src/core/decomposition.ts';
import { makeRandom } from '../data/synthetic.ts';

const gpu = await acquireGpuForTests();
const baseSeed = process.env.PERMASAR_PARITY_SEED ? Number(process.env.PERMASAR_PARITY_SEED) : (Math.random() * 2 ** 31) >>> 0;
console.log(`compare parity: seed ${baseSeed} (replay with PERMASAR_PARITY_SEED=${baseSeed})`);

const POISON_BITS = 0xffffffff;
const EDGE = 1e-3;

function randomTile(seed: number, nPixels: number, withGeometry: boolean): CompareTile {
  const random = makeRandom(seed);
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();
  const plane = () => new Float32Array(nPixels);
  const tile: CompareTile = {
    nPixels,
    ascRateMmPerYear: plane(), descRateMmPerYear: plane(),
    ascAmplitudeMm: plane(), descAmplitudeMm: plane(),
    ascPeakDayOfYear: plane(), descPeakDayOfYear: plane(),
    ascSeasonalFlag: plane(), descSeasonalFlag: plane(),
    geometry: withGeometry ? { ascEast: plane(), ascUp: plane(), descEast: plane(), descUp: plane() } : null,
  };
  for (let p = 0; p < nPixels; p++) {
    const roll = random();
    // Rates: mostly near each other in magnitude (both signs), so every branch is hit often.
    const asc = uniform(-30, 30);
    tile.ascRateMmPerYear[p] = asc;
    tile.descRateMmPerYear[p] = roll < 0.5 ? (random() < 0.5 ? 1 : -1) * (Math.abs(asc) + uniform(-8, 8)) : uniform(-30, 30);
    const seasonalAsc = random() < 0.7;
    const seasonalDesc = random() < 0.7;
    tile.ascSeasonalFlag[p] = seasonalAsc ? 1 : 0;
    tile.descSeasonalFlag[p] = seasonalDesc ? 1 : 0;
    const ampA = uniform(0.5, 60);
    tile.ascAmplitudeMm[p] = seasonalAsc ? ampA : NaN;
    tile.descAmplitudeMm[p] = seasonalDesc ? Math.max(0.1, ampA + uniform(-9, 9)) : NaN;
    const dayA = uniform(1, 366.25);
    // Desc peak: near, half a year away, or anywhere; wrapped onto the calendar (new-year cases).
    const shift = random() < 0.35 ? uniform(-40, 40) : random() < 0.5 ? 182.625 + uniform(-40, 40) : uniform(0, 365.25);
    const dayD = 1 + ((((dayA - 1 + shift) % 365.25) + 365.25) % 365.25);
    tile.ascPeakDayOfYear[p] = seasonalAsc ? dayA : NaN;
    tile.descPeakDayOfYear[p] = seasonalDesc ? dayD : NaN;
    // No data on either track (NaN or inf), a few percent each.
    const gap = random();
    if (gap < 0.03) tile.ascRateMmPerYear[p] = NaN;
    else if (gap < 0.06) tile.descRateMmPerYear[p] = NaN;
    else if (gap < 0.07) tile.descRateMmPerYear[p] = Infinity;
    else if (gap < 0.08) tile.ascSeasonalFlag[p] = NaN;
    if (tile.geometry) {
      const a = losUnitVector(uniform(29, 47), uniform(95, 110));
      const degenerate = random() < 0.02;
      const d = degenerate ? a : losUnitVector(uniform(29, 47), -uniform(95, 110));
      tile.geometry.ascEast[p] = a.east;
      tile.geometry.ascUp[p] = a.up;
      tile.geometry.descEast[p] = d.east;
      tile.geometry.descUp[p] = d.up;
      if (random() < 0.02) tile.geometry.descUp[p] = NaN;
    }
  }
  return tile;
}

/** Pixels where float32 rounding may legitimately flip a class: a pair within EDGE of a threshold. */
function onEdge(tile: CompareTile, p: number, t: DirectionThresholds): boolean {
  const a = tile.ascRateMmPerYear[p];
  const d = tile.descRateMmPerYear[p];
  const near = (x: number, y: number) => Math.abs(x - y) < EDGE;
  if (near(Math.abs(a), t.rateMmPerYear) || near(Math.abs(d), t.rateMmPerYear) || near(Math.abs(Math.abs(a) - Math.abs(d)), t.rateMmPerYear)) return true;
  const dAmp = Math.abs(tile.ascAmplitudeMm[p] - tile.descAmplitudeMm[p]);
  const dDays = circularDayDifference(tile.ascPeakDayOfYear[p], tile.descPeakDayOfYear[p]);
  return near(dAmp, t.amplitudeMm) || near(dDays, t.inPhaseDays) || near(Math.abs(dDays - t.antiPhaseDays), t.antiPhaseToleranceDays);
}

describe.skipIf(!gpu)('compare kernel: WGSL vs float64 reference', () => {
  afterAll(() => gpu?.destroy());

  const cases: { name: string; nPixels: number; geometry: boolean; maxChunkBytes?: number; thresholds: DirectionThresholds }[] = [
    { name: 'with geometry, study thresholds', nPixels: 20_011, geometry: true, thresholds: DEFAULT_DIRECTION_THRESHOLDS },
    { name: 'without geometry, other thresholds', nPixels: 5_003, geometry: false, thresholds: { rateMmPerYear: 2.5, amplitudeMm: 8, inPhaseDays: 20, antiPhaseDays: 175, antiPhaseToleranceDays: 25 } },
    // 12 planes × 4 bytes × 1000 pixels: a 48 kB cap cuts 9,999 pixels into ten chunks.
    { name: 'many chunks', nPixels: 9_999, geometry: true, maxChunkBytes: 48_000, thresholds: DEFAULT_DIRECTION_THRESHOLDS },
  ];

  cases.forEach((c, i) => {
    it(c.name, async () => {
      const tile = randomTile(baseSeed + i, c.nPixels, c.geometry);
      const kernel = await createGpuCompareKernel(gpu!, { poisonBits: POISON_BITS, maxChunkBytes: c.maxChunkBytes, destroyContextOnDispose: false });
      const got = await kernel.compareTile(tile, c.thresholds);
      kernel.dispose();
      const want = compareTileCpu(tile, c.thresholds);

      let classMismatches = 0;
      let edgeMismatches = 0;
      // Per-pixel checks collect failures and assert once: thousands of expect() calls are slow.
      const failures: string[] = [];
      for (let p = 0; p < c.nPixels; p++) {
        if (!VALID_SECULAR_REASONS.includes(got.secularReason[p]) || !VALID_SEASONAL_REASONS.includes(got.seasonalReason[p])) {
          failures.push(`pixel ${p}: reason codes ${got.secularReason[p]}/${got.seasonalReason[p]}`);
        }
        if (got.secularReason[p] !== want.secularReason[p] || got.seasonalReason[p] !== want.seasonalReason[p]) {
          if (onEdge(tile, p, c.thresholds)) edgeMismatches++;
          else classMismatches++;
        }
      }
      expect(classMismatches).toBe(0);
      expect(edgeMismatches).toBeLessThanOrEqual(3);
      // Every branch was exercised (else this test proves little).
      for (const code of [1, 2, 3, 4, 255]) expect(want.secularReason.includes(code)).toBe(true);
      for (const code of [0, 1, 2, 3, 4, 255]) expect(want.seasonalReason.includes(code)).toBe(true);

      const maxDiff: Record<string, number> = {};
      for (const key of COMPARE_FLOAT_OUTPUT_KEYS) {
        let worst = 0;
        for (let p = 0; p < c.nPixels; p++) {
          const w = want[key][p];
          const g = got[key][p];
          if (Number.isNaN(w) || !Number.isFinite(g)) {
            if (!(Number.isNaN(w) && Number.isNaN(g))) failures.push(`${key} at ${p}: GPU ${g}, CPU ${w}`);
            continue;
          }
          if (key === 'peakDayUp' || key === 'peakDayEast') {
            const amp = key === 'peakDayUp' ? want.amplitudeUpMm[p] : want.amplitudeEastMm[p];
            if (amp < 1) continue;
            const dd = circularDayDifference(g, w);
            worst = Math.max(worst, dd);
            if (dd > 0.05) failures.push(`${key} at ${p}: GPU ${g}, CPU ${w}`);
          } else {
            const diff = Math.abs(g - w);
            worst = Math.max(worst, diff);
            if (diff > 1e-3 + 1e-5 * Math.abs(w)) failures.push(`${key} at ${p}: GPU ${g}, CPU ${w}`);
          }
        }
        maxDiff[key] = worst;
      }
      expect(failures.slice(0, 10)).toEqual([]);
      if (c.geometry) expect(want.rateUpMmPerYear.some(Number.isFinite)).toBe(true);
      else expect(got.rateUpMmPerYear.every(Number.isNaN)).toBe(true);
      console.log(`compare parity (${c.name}): ${edgeMismatches} edge class flips; max |GPU − CPU| ${JSON.stringify(maxDiff, (_, v) => (typeof v === 'number' ? Number(v.toPrecision(3)) : v))}`);
    });
  });

  it('vertical projection', async () => {
    const random = makeRandom(baseSeed + 99);
    const n = 7_777;
    const tile = { nPixels: n, rateMmPerYear: new Float32Array(n), amplitudeMm: new Float32Array(n), incidenceDeg: new Float32Array(n) };
    for (let p = 0; p < n; p++) {
      tile.rateMmPerYear[p] = random() < 0.05 ? NaN : -40 + 60 * random();
      tile.amplitudeMm[p] = random() < 0.3 ? NaN : 80 * random();
      // Mostly Sentinel-1 angles, plus MintPy's 0 outside the swath, NaN and nonsense angles.
      const roll = random();
      tile.incidenceDeg[p] = roll < 0.03 ? 0 : roll < 0.05 ? NaN : roll < 0.06 ? 95 : 25 + 25 * random();
    }
    const kernel = await createGpuVerticalKernel(gpu!, { poisonBits: POISON_BITS, maxChunkBytes: 12_000, destroyContextOnDispose: false });
    const got = await kernel.verticalTile(tile);
    kernel.dispose();
    const want = verticalTileCpu(tile);
    let worst = 0;
    const failures: string[] = [];
    for (const key of ['rateVerticalMmPerYear', 'amplitudeVerticalMm'] as const) {
      for (let p = 0; p < n; p++) {
        const w = want[key][p];
        const g = got[key][p];
        if (Number.isNaN(w) || Number.isNaN(g)) {
          if (!(Number.isNaN(w) && Number.isNaN(g))) failures.push(`${key} at ${p}: GPU ${g}, CPU ${w}`);
          continue;
        }
        const relative = Math.abs(g - w) / Math.max(1, Math.abs(w));
        worst = Math.max(worst, relative);
        if (!(relative <= 1e-5)) failures.push(`${key} at ${p}: GPU ${g}, CPU ${w}`);
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
    expect(want.rateVerticalMmPerYear.some(Number.isNaN) && want.rateVerticalMmPerYear.some(Number.isFinite)).toBe(true);
    console.log(`vertical parity: max relative |GPU − CPU| ${worst.toExponential(2)}`);
  });
});
