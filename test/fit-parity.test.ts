// Parity of the WGSL fit kernel (float32, shaders/fit.wgsl) with the float64 reference
// (src/cpu/fit.ts): the backbone of the GPU path (issue 3). Fresh random stacks every run (the
// seed is logged; PERMASAR_PARITY_SEED=<n> replays one), covering gaps, all-NaN pixels, pixels
// with too few epochs, very large and very small amplitudes, short and long series, input in
// metres, a pixel count that is not a multiple of the workgroup size, tiles cut into many
// chunks, and several tiles in flight at once. The GPU output buffer is poisoned before every
// dispatch, so a pixel the shader does not write fails here.
//
// Tolerances (issue 3): rate 0.01 mm/yr, amplitude 0.05 mm, timing 0.5 day where the amplitude
// is ≥ 2 mm (circular), identical seasonal flags except on the decision edge, NaN exactly where
// the CPU has NaN.

import { afterAll, describe, expect, it } from 'vitest';
import { acquireGpuForTests } from '../src/gpu/testing.ts';
import { createGpuFitKernel } from '../src/gpu/fit-kernel.ts';
import { DEFAULT_WORKGROUP_SIZE } from '../src/gpu/constants.ts';
import { fitPixelDetailed, fitTileCpu } from '../src/cpu/fit.ts';
import { generateStack, makeRandom, type SyntheticStackOptions } from '../data/synthetic.ts';
import { makeTimeAxis, type TimeAxis } from '../src/core/time.ts';
import {
  DEFAULT_FIT_OPTIONS,
  FIT_PRODUCT_KEYS,
  type FitContext,
  type FitKernel,
  type FitProducts,
  type SeriesTile,
} from '../src/core/fit-types.ts';

const POISON = 12345;
const RATE_TOLERANCE_MM_PER_YEAR = 0.01;
const AMPLITUDE_TOLERANCE_MM = 0.05;
const TIMING_TOLERANCE_DAYS = 0.5;
const TIMING_MIN_AMPLITUDE_MM = 2;
/** Standard errors and RMS: no tolerance in the issue; float32 should hold 1e-3 relative. */
const SPREAD_RELATIVE_TOLERANCE = 1e-3;
const SPREAD_ABSOLUTE_TOLERANCE_MM = 1e-4;

const gpu = await acquireGpuForTests();

const baseSeed = process.env.PERMASAR_PARITY_SEED
  ? Number(process.env.PERMASAR_PARITY_SEED)
  : (Math.random() * 2 ** 31) >>> 0;
console.log(`fit parity: seed ${baseSeed} (replay with PERMASAR_PARITY_SEED=${baseSeed})`);

interface Case {
  name: string;
  tile: SeriesTile;
  context: FitContext;
}

function contextFor(axis: TimeAxis, scaleToMm = 1): FitContext {
  return { tCentredYears: axis.tCentredYears, tMidYears: axis.tMidYears, scaleToMm, options: DEFAULT_FIT_OPTIONS };
}

function syntheticCase(name: string, options: SyntheticStackOptions): Case {
  const stack = generateStack(options);
  const tile = { nPixels: stack.width * stack.height, nDates: stack.axis.dates.length, values: stack.values };
  return { name, tile, context: contextFor(stack.axis) };
}

/**
 * Pixels written by hand for the branches random stacks rarely reach, stored in metres
 * (scaleToMm = 1000): every epoch on four days of the year (harmonics untestable), exactly
 * minValidEpochs − 1 and minValidEpochs valid epochs, all NaN, a constant series, a large
 * unreferenced offset, and a clean annual signal of large amplitude.
 */
function handmadeCase(seed: number): Case {
  const random = makeRandom(seed);
  const dates: string[] = [];
  for (let year = 2015; year <= 2022; year++) {
    for (let month = 1; month <= 12; month++) {
      for (const day of [3, 15, 27]) dates.push(`${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`);
    }
  }
  const axis = makeTimeAxis(dates);
  const nDates = dates.length;
  const pixels: ((d: number) => number)[] = [];
  const seasonalMm = (d: number, amplitudeMm: number, peakFraction: number) =>
    (amplitudeMm / 2) * Math.cos(2 * Math.PI * (axis.tYears[d] - peakFraction));
  const noiseMm = () => (random() - 0.5) * 2;
  // Epochs only on Jan 3, Jan 15, Feb 3, Feb 15 (the same day of year in leap years too): four
  // phases of the year, so the 7-column harmonic design has rank 4.
  pixels.push((d) => (/^\d{4}0[12](03|15)$/.test(dates[d]) ? 3 * axis.tCentredYears[d] + noiseMm() : NaN));
  const firstValid = (count: number) => (d: number) => (d % 9 === 0 && d / 9 < count ? -5 * axis.tCentredYears[d] + seasonalMm(d, 30, 0.6) + noiseMm() : NaN);
  pixels.push(firstValid(DEFAULT_FIT_OPTIONS.minValidEpochs - 1));
  pixels.push(firstValid(DEFAULT_FIT_OPTIONS.minValidEpochs));
  pixels.push(() => NaN);
  // Valid only near the end of the stack (last 8 and 12 months, t_c ≈ +3.5 yr): the trend
  // columns are nearly collinear on the stack-centred axis, which is why the kernel measures time
  // from each pixel's first epoch. (Shorter windows, ~5 months, make Eq. 1 itself so ill
  // conditioned that float32 holds the rate to ~1e-2 mm/yr only: a documented limit.)
  pixels.push((d) => (d >= nDates - 24 ? 35 * axis.tCentredYears[d] + seasonalMm(d, 12, 0.5) + noiseMm() : NaN));
  pixels.push((d) => (d >= nDates - 36 ? -60 * axis.tCentredYears[d] + seasonalMm(d, 40, 0.1) + noiseMm() : NaN));
  // Constant: the float64 detrended residual is rounding noise (~1e-15 mm) whose fitted curve
  // the CPU counts dozens of "extrema" in; the GPU's residual is exactly 0 (y is taken relative
  // to the first epoch), so its count is 0. Both say not seasonal; one extrema mismatch expected.
  pixels.push(() => 42);
  pixels.push((d) => 8000 + 12 * axis.tCentredYears[d] + seasonalMm(d, 20, 0.3) + noiseMm());
  pixels.push((d) => -20 * axis.tCentredYears[d] + seasonalMm(d, 480, 0.8) + 0.1 * noiseMm());
  for (let i = 0; i < 40; i++) {
    const rate = (random() - 0.5) * 60;
    const amplitude = 0.5 + random() * 100;
    const peak = random();
    const drop = random() * 0.6;
    pixels.push((d) => (random() < drop ? NaN : rate * axis.tCentredYears[d] + seasonalMm(d, amplitude, peak) + noiseMm()));
  }
  const nPixels = pixels.length;
  const values = new Float32Array(nPixels * nDates);
  pixels.forEach((series, p) => {
    for (let d = 0; d < nDates; d++) values[d * nPixels + p] = series(d) / 1000; // metres
  });
  return { name: 'handmade pixels, metres', tile: { nPixels, nDates, values }, context: contextFor(axis, 1000) };
}

interface Report {
  maxRateErrorMmPerYear: number;
  maxAmplitudeErrorMm: number;
  maxTimingErrorDays: number;
  maxSpreadRelativeError: number;
  extremaMismatches: number;
  edgeFlagMismatches: number;
  comparedPixels: number;
  seasonalPixels: number;
  nanPixels: number;
}

function circularDayDifference(a: number, b: number): number {
  const d = Math.abs(a - b) % 365.25;
  return Math.min(d, 365.25 - d);
}

function compare(c: Case, cpu: FitProducts, gpuOut: FitProducts): Report {
  const { nPixels, nDates, values } = c.tile;
  const report: Report = {
    maxRateErrorMmPerYear: 0, maxAmplitudeErrorMm: 0, maxTimingErrorDays: 0, maxSpreadRelativeError: 0,
    extremaMismatches: 0, edgeFlagMismatches: 0, comparedPixels: 0, seasonalPixels: 0, nanPixels: 0,
  };
  const where = (p: number, what: string) => `${c.name}, pixel ${p}: ${what}`;
  const tolerance = c.context.options.extremaTolerance;
  for (let p = 0; p < nPixels; p++) {
    for (const key of FIT_PRODUCT_KEYS) {
      const g = gpuOut[key][p];
      if (g === POISON) throw new Error(where(p, `${key} never written`));
      if (Number.isNaN(cpu[key][p]) !== Number.isNaN(g)) {
        throw new Error(where(p, `${key}: cpu ${cpu[key][p]}, gpu ${g} (NaN must match)`));
      }
    }
    expect(gpuOut.validEpochCount[p], where(p, 'valid epochs')).toBe(cpu.validEpochCount[p]);
    if (Number.isNaN(cpu.rateMmPerYear[p])) { report.nanPixels++; continue; }
    // Object.is: NaN (untestable harmonics) on both sides is agreement.
    if (!Object.is(cpu.extremaCount[p], gpuOut.extremaCount[p])) report.extremaMismatches++;
    if (cpu.seasonalFlag[p] !== gpuOut.seasonalFlag[p]) {
      // Allowed only on the decision edge, which lies between |extrema − expected| = tolerance
      // (seasonal) and tolerance + 1 (not): the CPU's count must be within 1 of it.
      const series = Float32Array.from({ length: nDates }, (_, d) => values[d * nPixels + p]);
      const detail = fitPixelDetailed(series, c.context);
      const distance = Math.abs(detail.extremaCount - detail.expectedExtrema);
      expect(distance >= tolerance - 1 && distance <= tolerance + 2, where(p, `flag differs off the decision edge (cpu extrema ${detail.extremaCount}, gpu ${gpuOut.extremaCount[p]}, expected ${detail.expectedExtrema})`)).toBe(true);
      report.edgeFlagMismatches++;
      continue;
    }
    report.comparedPixels++;
    const rateError = Math.abs(cpu.rateMmPerYear[p] - gpuOut.rateMmPerYear[p]);
    report.maxRateErrorMmPerYear = Math.max(report.maxRateErrorMmPerYear, rateError);
    expect(rateError, where(p, `rate cpu ${cpu.rateMmPerYear[p]} gpu ${gpuOut.rateMmPerYear[p]}`)).toBeLessThanOrEqual(RATE_TOLERANCE_MM_PER_YEAR);
    for (const key of ['rateStdMmPerYear', 'seasonalAmplitudeStdMm', 'residualRmsMm'] as const) {
      const a = cpu[key][p];
      const b = gpuOut[key][p];
      if (Number.isNaN(a)) continue;
      const relative = Math.abs(a - b) / Math.max(Math.abs(a), SPREAD_ABSOLUTE_TOLERANCE_MM / SPREAD_RELATIVE_TOLERANCE);
      report.maxSpreadRelativeError = Math.max(report.maxSpreadRelativeError, relative);
      expect(relative, where(p, `${key} cpu ${a} gpu ${b}`)).toBeLessThanOrEqual(SPREAD_RELATIVE_TOLERANCE);
    }
    if (cpu.seasonalFlag[p] === 1) {
      report.seasonalPixels++;
      const amplitudeError = Math.abs(cpu.seasonalAmplitudeMm[p] - gpuOut.seasonalAmplitudeMm[p]);
      report.maxAmplitudeErrorMm = Math.max(report.maxAmplitudeErrorMm, amplitudeError);
      expect(amplitudeError, where(p, 'amplitude')).toBeLessThanOrEqual(AMPLITUDE_TOLERANCE_MM);
      if (cpu.seasonalAmplitudeMm[p] >= TIMING_MIN_AMPLITUDE_MM) {
        const timingError = circularDayDifference(cpu.peakDayOfYear[p], gpuOut.peakDayOfYear[p]);
        report.maxTimingErrorDays = Math.max(report.maxTimingErrorDays, timingError);
        expect(timingError, where(p, `timing cpu ${cpu.peakDayOfYear[p]} gpu ${gpuOut.peakDayOfYear[p]}`)).toBeLessThanOrEqual(TIMING_TOLERANCE_DAYS);
      }
    }
  }
  // A float32 curve can differ from the float64 one at a near-tangency (count ± 2); rarely.
  expect(report.extremaMismatches, `${c.name}: extrema counts differing`).toBeLessThanOrEqual(Math.max(2, 0.01 * nPixels));
  return report;
}

function makeCases(): Case[] {
  let seed = baseSeed;
  const next = () => (seed = (seed + 0x9e3779b9) >>> 0);
  return [
    // The study's span and sampling: Dec 2014 – Sep 2022 every 12 days, ~8 yr, 238 epochs.
    syntheticCase('long 8 yr, 12-day', { seed: next(), width: 61, height: 23 }),
    syntheticCase('large amplitudes (300–500 mm)', {
      seed: next(), width: 37, height: 11, startYmd: '20170105', endYmd: '20220105',
      amplitudeRangeMm: [300, 500], rateRangeMmPerYear: [-60, 60], noiseMm: 1,
    }),
    syntheticCase('small amplitudes (0.05–1.5 mm)', {
      seed: next(), width: 29, height: 13, startYmd: '20180301', endYmd: '20210301', intervalDays: 6,
      amplitudeRangeMm: [0.05, 1.5], noiseMm: 0.05,
    }),
    syntheticCase('short 1.5 yr', {
      seed: next(), width: 45, height: 9, startYmd: '20210115', endYmd: '20220701', intervalDays: 12,
      nanPixelFraction: 0.05, fewEpochFraction: 0.05, gapFraction: 0.3,
    }),
    handmadeCase(next()),
  ];
}

describe.skipIf(!gpu)('GPU fit kernel vs float64 reference', () => {
  const kernels: FitKernel[] = [];
  afterAll(async () => {
    for (const k of kernels) await k.dispose();
    gpu?.destroy();
  });

  it('matches the CPU on fresh random stacks, one chunk per tile', async () => {
    const kernel = await createGpuFitKernel(gpu!, { poisonValue: POISON, destroyContextOnDispose: false });
    kernels.push(kernel);
    const cases = makeCases();
    // Odd pixel counts: the last workgroup is partly idle.
    expect(cases.some((c) => c.tile.nPixels % DEFAULT_WORKGROUP_SIZE !== 0)).toBe(true);
    for (const c of cases) {
      const gpuOut = await kernel.fitTile(c.tile, c.context);
      const report = compare(c, fitTileCpu(c.tile, c.context), gpuOut);
      console.log(`fit parity [${c.name}] ${c.tile.nPixels} px × ${c.tile.nDates} dates: ${JSON.stringify(report)}`);
    }
  });

  it('matches the CPU with tiles cut into many chunks and several tiles in flight', async () => {
    // ~70 pixels per chunk on the 8-year stack: chunks of a tile and tiles overlap in 3 slots.
    const kernel = await createGpuFitKernel(gpu!, { poisonValue: POISON, destroyContextOnDispose: false, maxTileBytes: 64 * 1024, slots: 3 });
    kernels.push(kernel);
    const cases = makeCases();
    expect(kernel.maxTilePixels(cases[0].tile.nDates)).toBeLessThan(cases[0].tile.nPixels / 10);
    const results = await Promise.all(cases.map((c) => kernel.fitTile(c.tile, c.context)));
    cases.forEach((c, i) => compare(c, fitTileCpu(c.tile, c.context), results[i]));
  });
});
