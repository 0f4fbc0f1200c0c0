// The float64 reference fit against generated stacks with known truth (DESIGN.md §1, items 1–4).
import { describe, expect, it } from 'vitest';
import { generateStack } from '../data/synthetic.ts';
import { fitTileCpu, fitPixelDetailed } from '../src/cpu/fit.ts';
import { DEFAULT_FIT_OPTIONS, type FitContext } from '../src/core/fit-types.ts';
import { makeTimeAxis } from '../src/core/time.ts';
import { countDailyExtrema, annualPeakYearFraction } from '../src/core/seasonality.ts';

const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
const circularDayDifference = (a: number, b: number) => {
  const d = Math.abs(a - b) % 365.25;
  return Math.min(d, 365.25 - d);
};

describe(`cpu fit on a synthetic stack (seed ${seed})`, () => {
  const stack = generateStack({ seed, width: 40, height: 30, noiseMm: 1.5 });
  const context: FitContext = {
    tCentredYears: stack.axis.tCentredYears,
    tMidYears: stack.axis.tMidYears,
    scaleToMm: 1,
    options: DEFAULT_FIT_OPTIONS,
  };
  const nPixels = stack.width * stack.height;
  const products = fitTileCpu({ nPixels, nDates: stack.axis.dates.length, values: stack.values }, context);
  const { truth } = stack;

  it('is NaN everywhere for pixels without enough data, and only there', () => {
    for (let p = 0; p < nPixels; p++) {
      if (truth.noData[p]) {
        expect(products.rateMmPerYear[p]).toBeNaN();
        expect(products.seasonalFlag[p]).toBeNaN();
        expect(products.residualRmsMm[p]).toBeNaN();
        expect(products.validEpochCount[p]).toBeLessThan(DEFAULT_FIT_OPTIONS.minValidEpochs);
      } else {
        expect(Number.isFinite(products.rateMmPerYear[p])).toBe(true);
      }
    }
  });

  it('decides seasonality right on ≥ 97 % of pixels', () => {
    let right = 0, tested = 0;
    for (let p = 0; p < nPixels; p++) {
      if (truth.noData[p]) continue;
      tested++;
      if (products.seasonalFlag[p] === truth.seasonal[p]) right++;
    }
    expect(right / tested).toBeGreaterThanOrEqual(0.97);
  });

  it('recovers rate, amplitude and timing of seasonal pixels, gappy ones from their own epochs', () => {
    let checked = 0, gappyChecked = 0;
    for (let p = 0; p < nPixels; p++) {
      if (truth.noData[p] || !truth.seasonal[p] || products.seasonalFlag[p] !== 1) continue;
      const tol = truth.gappy[p] ? 1.6 : 1;
      expect(Math.abs(products.rateMmPerYear[p] - truth.rateMmPerYear[p])).toBeLessThan(0.5 * tol);
      expect(Math.abs(products.seasonalAmplitudeMm[p] - truth.amplitudeMm[p])).toBeLessThan(1.5 * tol);
      expect(circularDayDifference(products.peakDayOfYear[p], truth.peakDayOfYear[p])).toBeLessThan((3 + 150 / truth.amplitudeMm[p]) * tol);
      // The reported standard errors are of the size of the actual errors (noise 1.5 mm).
      expect(products.rateStdMmPerYear[p]).toBeGreaterThan(0.01);
      expect(products.rateStdMmPerYear[p]).toBeLessThan(0.3);
      expect(products.residualRmsMm[p]).toBeGreaterThan(1.0);
      expect(products.residualRmsMm[p]).toBeLessThan(2.2);
      checked++;
      if (truth.gappy[p]) gappyChecked++;
    }
    expect(checked).toBeGreaterThan(nPixels * 0.3);
    expect(gappyChecked).toBeGreaterThan(10);
  });

  it('keeps the trend rate and NaN amplitude/timing for non-seasonal pixels', () => {
    for (let p = 0; p < nPixels; p++) {
      if (products.seasonalFlag[p] !== 0) continue;
      expect(products.seasonalAmplitudeMm[p]).toBeNaN();
      expect(products.peakDayOfYear[p]).toBeNaN();
      expect(Number.isFinite(products.rateMmPerYear[p])).toBe(true);
    }
  });
});

describe('seasonality pieces', () => {
  it('a pure annual curve has one maximum and one minimum a year on the daily grid', () => {
    // 7.75 years starting at a random phase: 15 or 16 extrema, as the study's 16 ± 2.
    const start = Math.random();
    const n = countDailyExtrema([1, 0, 0], [0.3, 0, 0], start, Math.floor(7.75 * 365.25) + 1);
    expect(n).toBeGreaterThanOrEqual(15);
    expect(n).toBeLessThanOrEqual(16);
    // A dominant semi-annual term doubles the count.
    const m = countDailyExtrema([0.2, 1, 0], [0, 0, 0], start, Math.floor(7.75 * 365.25) + 1);
    expect(m).toBeGreaterThanOrEqual(30);
  });

  it('places the annual peak on the right day (MintPy phase convention)', () => {
    const axis = makeTimeAxis(['20150101', '20190101']);
    const peakDoy = 1 + 200 * Math.random();
    const tPeak = (peakDoy - 1) / 365.25;
    // sin(2π(t − tPeak) + π/2) = c sin 2πt_c + s cos 2πt_c with t = t_c + t_mid.
    const phase = 2 * Math.PI * (axis.tMidYears - tPeak) + Math.PI / 2;
    const c = Math.cos(phase), s = Math.sin(phase);
    const f = annualPeakYearFraction(c, s, axis.tMidYears);
    expect(Math.abs(1 + f * 365.25 - peakDoy)).toBeLessThan(1e-6);
  });

  it('fits a single pixel with the full detail and refuses an all-NaN one', () => {
    const stack = generateStack({ seed: 7, width: 1, height: 1, nanPixelFraction: 0, gapFraction: 0, fewEpochFraction: 0, seasonalFraction: 1 });
    const ctx: FitContext = { tCentredYears: stack.axis.tCentredYears, tMidYears: stack.axis.tMidYears, scaleToMm: 1, options: DEFAULT_FIT_OPTIONS };
    const fit = fitPixelDetailed(stack.values, ctx);
    expect(fit.seasonal).toBe(true);
    expect(fit.eq1!.amplitudeMm).toBeCloseTo(stack.truth.amplitudeMm[0], 0);
    const empty = fitPixelDetailed(new Float32Array(stack.values.length).fill(NaN), ctx);
    expect(empty.validEpochCount).toBe(0);
    expect(empty.eq1).toBeNull();
    expect(empty.trend).toBeNull();
  });

  it('calls a series that is exactly a line flat: no extrema, not seasonal', () => {
    const axis = makeTimeAxis(generateStack({ seed: 1, width: 1, height: 1 }).axis.dates);
    const ctx: FitContext = { tCentredYears: axis.tCentredYears, tMidYears: axis.tMidYears, scaleToMm: 1, options: DEFAULT_FIT_OPTIONS };
    const rate = 20 * Math.random() - 10;
    for (const series of [axis.tCentredYears.map(() => 3.7), axis.tCentredYears.map((t) => rate * t + 1)]) {
      const fit = fitPixelDetailed(series, ctx);
      expect(fit.extremaCount).toBe(0);
      expect(fit.seasonal).toBe(false);
    }
  });

  it("agrees with MintPy's timeseries2velocity --periodic 1.0 model, solved MintPy's way", () => {
    // MintPy builds the design on t − t_ref (REF_DATE, here the first date, not centred) with
    // columns [t − t_ref, 1, sin 2π(t − t_ref), cos 2π(t − t_ref)], solves it by least squares
    // and reports annualAmplitude = √(s² + c²) and annualPhase φ with the peak at
    // t_ref + ((π/2 − φ)/2π mod 1). Solved here independently (float64 normal equations on
    // MintPy's axis), it must give our rate, half our peak-to-trough amplitude, and our timing.
    const stack = generateStack({ seed: (seed + 11) >>> 0, width: 1, height: 1, nanPixelFraction: 0, gapFraction: 0, fewEpochFraction: 0, seasonalFraction: 1 });
    const { axis } = stack;
    const ctx: FitContext = { tCentredYears: axis.tCentredYears, tMidYears: axis.tMidYears, scaleToMm: 1, options: DEFAULT_FIT_OPTIONS };
    const ours = fitPixelDetailed(stack.values, ctx);
    expect(ours.eq1).not.toBeNull();
    const tRef = axis.tYears[0];
    const g = Array.from({ length: 4 }, () => new Float64Array(4));
    const h = new Float64Array(4);
    axis.tYears.forEach((t, i) => {
      const dt = t - tRef;
      const row = [dt, 1, Math.sin(2 * Math.PI * dt), Math.cos(2 * Math.PI * dt)];
      for (let a = 0; a < 4; a++) { h[a] += row[a] * stack.values[i]; for (let b = 0; b < 4; b++) g[a][b] += row[a] * row[b]; }
    });
    // Gauss–Jordan on the 4 × 4 system.
    const m = g.map((r, i) => [...r, h[i]]);
    for (let c = 0; c < 4; c++) {
      const pivot = m[c][c];
      for (let k = c; k < 5; k++) m[c][k] /= pivot;
      for (let r = 0; r < 4; r++) if (r !== c) { const f = m[r][c]; for (let k = c; k < 5; k++) m[r][k] -= f * m[c][k]; }
    }
    const [rate, , s, c] = m.map((r) => r[4]);
    const amplitude = Math.hypot(s, c);
    // MintPy: Amp·sin(2π(t − t_ref) + φ) = s sin + c cos ⇒ φ = atan2(c, s).
    const phase = Math.atan2(c, s);
    const peakFraction = tRef + ((((Math.PI / 2 - phase) / (2 * Math.PI)) % 1) + 1) % 1;
    const peakDoy = 1 + (peakFraction - Math.floor(peakFraction)) * 365.25;
    expect(ours.eq1!.rateMmPerYear).toBeCloseTo(rate, 6);
    expect(ours.eq1!.amplitudeMm).toBeCloseTo(2 * amplitude, 6);
    expect(circularDayDifference(ours.eq1!.peakDayOfYear, peakDoy)).toBeLessThan(1e-6);
  });
});
