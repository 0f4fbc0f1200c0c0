// Ground-temperature coupling (the study's §4.1, Fig. 7c) on synthetic series with known answers.
import { describe, expect, it } from 'vitest';
import {
  fitAnnualSinusoid,
  forwardLagDays,
  interpolateTemperature,
  laggedCrossCorrelation,
  thawWindows,
  yearlyMinimumToPeakLags,
  type TemperatureSeries,
} from '../src/core/coupling.ts';
import { makeRandom as rng } from '../data/synthetic.ts';

const DAY = 1 / 365.25;

/** GLDAS-like monthly soil temperature, 260–280 K (the study's range), coldest about 1 Feb. */
function gldasLike(fromYear: number, toYear: number, stepYears = 1 / 12): TemperatureSeries {
  const t: number[] = [];
  for (let x = fromYear + 1 / 24; x <= toYear; x += stepYears) t.push(x);
  const tYears = Float64Array.from(t);
  const troughFraction = 31 / 365.25;
  return { tYears, kelvin: tYears.map((x) => 270 - 10 * Math.cos(2 * Math.PI * (x - troughFraction))) };
}

describe('planted lag', () => {
  // Displacement rises as the ground freezes (heave) and falls as it thaws, lagLagDays behind the
  // temperature: d(t) = rate·t − k·(T(t − lag) − mean) + noise, sampled every 12 days (Sentinel-1).
  const plantedLagDays = 122; // "approximately four months"
  const temperature = gldasLike(2015, 2022.9);
  const acquisitions: number[] = [];
  for (let t = 2015.5; t < 2022.6; t += 12 * DAY) acquisitions.push(t);
  const tAcq = Float64Array.from(acquisitions);
  const random = rng(11);
  const tempLagged = interpolateTemperature(temperature, tAcq.map((t) => t - plantedLagDays * DAY));
  const displacementMm = tAcq.map((t, i) => -8 * (t - 2015) - 3 * (tempLagged[i] - 270) + 4 * (random() - 0.5));
  const detrended = displacementMm.map((d, i) => d + 8 * (tAcq[i] - 2015));

  it('the most negative cross-correlation sits at the planted lag, within one acquisition interval', () => {
    const cc = laggedCrossCorrelation(tAcq, detrended, temperature, { minLagDays: -182, maxLagDays: 182 });
    expect(cc.stepDays).toBe(12);
    expect(Math.abs(cc.mostNegative!.lagDays - plantedLagDays)).toBeLessThanOrEqual(12);
    expect(cc.mostNegative!.r).toBeLessThan(-0.9);
    // For an annual cycle the positive extreme is half a year away from the negative one.
    expect(Math.abs(Math.abs(cc.mostPositive!.lagDays - cc.mostNegative!.lagDays) - 182.6)).toBeLessThanOrEqual(12);
    // And a wrong lag really is worse: at zero lag the correlation is much weaker.
    const atZero = cc.correlation[cc.lagsDays.indexOf(0)];
    expect(Math.abs(atZero)).toBeLessThan(0.6);
  });

  it('annual sinusoids: temperature minimum → displacement peak = the planted lag, within 12 days', () => {
    const tempFit = fitAnnualSinusoid(temperature.tYears, temperature.kelvin, true)!;
    const dispFit = fitAnnualSinusoid(tAcq, detrended, false)!;
    expect(Math.abs(tempFit.troughYearFraction * 365.25 - 31)).toBeLessThan(1);
    expect(Math.abs(forwardLagDays(tempFit.troughYearFraction, dispFit.peakYearFraction) - plantedLagDays)).toBeLessThanOrEqual(12);
  });

  it('per year: every complete winter gives the planted lag within 20 days', () => {
    const tempFit = fitAnnualSinusoid(temperature.tYears, temperature.kelvin, true)!;
    const yearly = yearlyMinimumToPeakLags(temperature, tempFit.troughYearFraction, tAcq, detrended);
    // Winters 2016..2022 have a full 12 months of acquisitions after them (2015's minimum is before the first).
    expect(yearly.map((y) => Math.floor(y.temperatureMinimumTYears))).toEqual([2016, 2017, 2018, 2019, 2020, 2021]);
    for (const y of yearly) expect(Math.abs(y.lagDays - plantedLagDays), y.temperatureMinimumDate).toBeLessThanOrEqual(20);
  });

  it('a different planted lag moves the answer (the test is not vacuous)', () => {
    const other = interpolateTemperature(temperature, tAcq.map((t) => t - 60 * DAY));
    const d60 = tAcq.map((_, i) => -3 * (other[i] - 270));
    const cc = laggedCrossCorrelation(tAcq, d60, temperature, { minLagDays: -182, maxLagDays: 182 });
    expect(Math.abs(cc.mostNegative!.lagDays - 60)).toBeLessThanOrEqual(12);
  });
});

describe('thaw windows', () => {
  it('of a daily sinusoid match the analytic crossings of 273.15 K', () => {
    // T = 268 + 10 sin(2π(t − 0.3)): above 273.15 K while sin > 0.515.
    const t: number[] = [];
    for (let x = 2016; x <= 2019; x += DAY) t.push(x);
    const tYears = Float64Array.from(t);
    const series = { tYears, kelvin: tYears.map((x) => 268 + 10 * Math.sin(2 * Math.PI * (x - 0.3))) };
    const windows = thawWindows(series, 2016, 2019);
    const theta = Math.asin(0.515);
    const start = 0.3 + theta / (2 * Math.PI);
    const end = 0.3 + (Math.PI - theta) / (2 * Math.PI);
    expect(windows.map((w) => w.year)).toEqual([2016, 2017, 2018]);
    for (const w of windows) {
      expect(Math.abs(w.startTYears - (w.year + start)) / DAY).toBeLessThan(0.05);
      expect(Math.abs(w.endTYears - (w.year + end)) / DAY).toBeLessThan(0.05);
      expect(Math.abs(w.days - (end - start) * 365.25)).toBeLessThan(0.1);
      expect(w.clipped).toBe(false);
    }
  });

  it('a window cut by the analysed range is marked clipped', () => {
    const series = gldasLike(2016, 2018);
    const windows = thawWindows(series, 2016.6, 2017.9);
    expect(windows[0].clipped).toBe(true); // July 2016 is already above 0 °C
    expect(windows[0].startTYears).toBeCloseTo(2016.6, 9);
    expect(windows[windows.length - 1].clipped).toBe(false);
  });
});

describe('interpolateTemperature', () => {
  it('is linear inside and NaN outside (no extrapolation)', () => {
    const series = { tYears: Float64Array.of(2016, 2016.5), kelvin: Float64Array.of(260, 280) };
    const v = interpolateTemperature(series, [2015.9, 2016, 2016.25, 2016.5, 2016.6]);
    expect(Number.isNaN(v[0])).toBe(true);
    expect(Array.from(v.slice(1, 4))).toEqual([260, 270, 280]);
    expect(Number.isNaN(v[4])).toBe(true);
  });
});
