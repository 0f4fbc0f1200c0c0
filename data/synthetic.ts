// Synthetic LOS displacement stacks with known truth, for tests, benchmarks and the demo.
//
// Each pixel is d(t) = rate·(t − t_mid) + offset + seasonal term + noise, in mm, with the
// seasonal term of Eq. 1 written by its truth: (amplitude/2)·sin(2π(t − t_peak) + π/2), so it
// peaks on day-of-year `peakDayOfYear` and spans `amplitudeMm` peak to trough. Non-seasonal
// pixels carry a semi-annual + ter-annual signal instead (four-plus extrema a year), which the
// seasonality test must reject, or noise only. Some pixels lose random epochs (gaps), some are
// all NaN, some keep too few epochs to fit.

import { makeTimeAxis, type DateYmd, type TimeAxis, DAYS_PER_DECIMAL_YEAR, decimalYearToYmd, ymdToDecimalYear } from '../src/core/time.ts';

/** mulberry32: small, fast, seedable; good enough for test data. */
export function makeRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function makeNormal(random: () => number): () => number {
  return () => {
    const u = Math.max(random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
}

/** Regular acquisition dates (e.g. Sentinel-1's 12-day repeat). */
export function regularDates(startYmd: DateYmd, endYmd: DateYmd, intervalDays: number): DateYmd[] {
  const t0 = ymdToDecimalYear(startYmd);
  const t1 = ymdToDecimalYear(endYmd);
  const dates: DateYmd[] = [];
  const seen = new Set<string>();
  for (let k = 0; ; k++) {
    const t = t0 + (k * intervalDays) / DAYS_PER_DECIMAL_YEAR;
    if (t > t1 + 1e-9) break;
    const ymd = decimalYearToYmd(t);
    if (!seen.has(ymd)) { seen.add(ymd); dates.push(ymd); }
  }
  return dates;
}

export interface SyntheticStackOptions {
  seed: number;
  width: number;
  height: number;
  /** Explicit dates; otherwise startYmd..endYmd every intervalDays (default the study's span, 12 days). */
  dates?: DateYmd[];
  startYmd?: DateYmd;
  endYmd?: DateYmd;
  intervalDays?: number;
  /** Standard deviation of white noise, mm (default 2). */
  noiseMm?: number;
  /** Fraction of pixels that lose a random 10–50 % of their epochs (default 0.2). */
  gapFraction?: number;
  /** Fraction of pixels that are all NaN (default 0.03). */
  nanPixelFraction?: number;
  /** Fraction of pixels left with fewer than 6 valid epochs (default 0.01). */
  fewEpochFraction?: number;
  /** Fraction of seasonal pixels (default 0.6); the rest are non-seasonal. */
  seasonalFraction?: number;
  /** Peak-to-trough amplitude range of seasonal pixels, mm (default [8, 60]). */
  amplitudeRangeMm?: [number, number];
  /** Secular rate range, mm/yr (default [−25, 10]). */
  rateRangeMmPerYear?: [number, number];
}

export interface SyntheticTruth {
  rateMmPerYear: Float32Array;
  /** Peak-to-trough (2|A|); NaN for non-seasonal pixels. */
  amplitudeMm: Float32Array;
  /** Day of year of the seasonal peak; NaN for non-seasonal pixels. */
  peakDayOfYear: Float32Array;
  /** 1 seasonal, 0 not. */
  seasonal: Uint8Array;
  /** 1 where the pixel is all NaN or has too few epochs (no fit expected). */
  noData: Uint8Array;
  /** 1 where the pixel lost epochs to gaps. */
  gappy: Uint8Array;
}

export interface SyntheticStack {
  axis: TimeAxis;
  width: number;
  height: number;
  /** Date-major: values[d × (width·height) + row·width + col], mm, NaN = no data. */
  values: Float32Array;
  truth: SyntheticTruth;
}

export function generateStack(options: SyntheticStackOptions): SyntheticStack {
  const {
    seed, width, height,
    startYmd = '20141210', endYmd = '20220925', intervalDays = 12,
    noiseMm = 2, gapFraction = 0.2, nanPixelFraction = 0.03, fewEpochFraction = 0.01,
    seasonalFraction = 0.6, amplitudeRangeMm = [8, 60], rateRangeMmPerYear = [-25, 10],
  } = options;
  const dates = options.dates ?? regularDates(startYmd, endYmd, intervalDays);
  const axis = makeTimeAxis(dates);
  const random = makeRandom(seed);
  const normal = makeNormal(random);
  const nPixels = width * height;
  const nDates = dates.length;
  const values = new Float32Array(nPixels * nDates);
  const truth: SyntheticTruth = {
    rateMmPerYear: new Float32Array(nPixels),
    amplitudeMm: new Float32Array(nPixels),
    peakDayOfYear: new Float32Array(nPixels),
    seasonal: new Uint8Array(nPixels),
    noData: new Uint8Array(nPixels),
    gappy: new Uint8Array(nPixels),
  };
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();
  for (let p = 0; p < nPixels; p++) {
    const rate = uniform(rateRangeMmPerYear[0], rateRangeMmPerYear[1]);
    const offset = uniform(-20, 20);
    const seasonal = random() < seasonalFraction;
    const amplitude = uniform(amplitudeRangeMm[0], amplitudeRangeMm[1]);
    const peakDoy = uniform(1, 366);
    const tPeakFraction = (peakDoy - 1) / DAYS_PER_DECIMAL_YEAR;
    // Non-seasonal pixels: semi- and ter-annual terms of comparable size (many extrema a year).
    const semi = uniform(4, 15);
    const semiPhase = uniform(0, 2 * Math.PI);
    const ter = uniform(3, 10);
    const terPhase = uniform(0, 2 * Math.PI);
    truth.rateMmPerYear[p] = rate;
    truth.seasonal[p] = seasonal ? 1 : 0;
    truth.amplitudeMm[p] = seasonal ? amplitude : NaN;
    truth.peakDayOfYear[p] = seasonal ? peakDoy : NaN;
    for (let d = 0; d < nDates; d++) {
      const t = axis.tYears[d];
      const tc = axis.tCentredYears[d];
      let v = rate * tc + offset + noiseMm * normal();
      if (seasonal) v += (amplitude / 2) * Math.sin(2 * Math.PI * (t - Math.floor(t) - tPeakFraction) + Math.PI / 2);
      else v += semi * Math.sin(4 * Math.PI * t + semiPhase) + ter * Math.sin(6 * Math.PI * t + terPhase);
      values[d * nPixels + p] = v;
    }
    const roll = random();
    if (roll < nanPixelFraction) {
      for (let d = 0; d < nDates; d++) values[d * nPixels + p] = NaN;
      truth.noData[p] = 1;
    } else if (roll < nanPixelFraction + fewEpochFraction) {
      const keep = Math.floor(uniform(0, 6));
      for (let d = 0; d < nDates; d++) if (d >= keep) values[d * nPixels + p] = NaN;
      truth.noData[p] = 1;
    } else if (roll < nanPixelFraction + fewEpochFraction + gapFraction) {
      const loss = uniform(0.1, 0.5);
      for (let d = 0; d < nDates; d++) if (random() < loss) values[d * nPixels + p] = NaN;
      truth.gappy[p] = 1;
    }
  }
  return { axis, width, height, values, truth };
}

export interface GrowingSeasonsOptions {
  seed: number;
  width: number;
  height: number;
  /** Default the study's span, Dec 2014 – Sep 2022, every 12 days. */
  startYmd?: DateYmd;
  endYmd?: DateYmd;
  intervalDays?: number;
  /** Each pixel's white-noise standard deviation is drawn from this range, mm (default [2, 4]). */
  noiseRangeMm?: [number, number];
  /** Each epoch in December–March is lost (NaN) with this probability: a sparse winter (default 0.5). */
  winterLoss?: number;
  /** Fraction of pixels with a semi-/ter-annual signal instead of an annual one (default 0.1). */
  nonSeasonalFraction?: number;
  /** Peak-to-trough amplitude of the first year, mm (default [10, 40]). */
  firstAmplitudeRangeMm?: [number, number];
  /** Growth of the amplitude per year, mm/yr (default [0, 4]). */
  growthRangeMmPerYear?: [number, number];
}

export interface GrowingSeasonsStack {
  axis: TimeAxis;
  width: number;
  height: number;
  /** Date-major, mm, NaN = no data. */
  values: Float32Array;
  /** Calendar years the dates touch, ascending. */
  years: number[];
  truth: {
    /** Planted peak-to-trough amplitude of each calendar year, year-major [yearIndex × nPixels + p]; NaN for non-seasonal pixels. */
    amplitudeByYearMm: Float32Array;
    /** Planted growth of the amplitude, mm/yr; NaN for non-seasonal pixels. */
    growthMmPerYear: Float32Array;
    peakDayOfYear: Float32Array;
    seasonal: Uint8Array;
  };
}

/**
 * A stack like the study's for `seasons` (issue 15): each seasonal pixel's annual term has a
 * constant amplitude within each calendar year, A_Y = A_first + g·(Y − Y_first), so the truth of
 * every year and of the trend is exact; noise 2–4 mm, 12-day sampling, winter epochs thinned.
 */
export function generateGrowingSeasonsStack(options: GrowingSeasonsOptions): GrowingSeasonsStack {
  const {
    seed, width, height, startYmd = '20141210', endYmd = '20220925', intervalDays = 12,
    noiseRangeMm = [2, 4], winterLoss = 0.5, nonSeasonalFraction = 0.1,
    firstAmplitudeRangeMm = [10, 40], growthRangeMmPerYear = [0, 4],
  } = options;
  const dates = regularDates(startYmd, endYmd, intervalDays);
  const axis = makeTimeAxis(dates);
  const random = makeRandom(seed);
  const normal = makeNormal(random);
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();
  const nPixels = width * height;
  const nDates = dates.length;
  const years: number[] = [];
  for (let y = Number(dates[0].slice(0, 4)); y <= Number(dates[nDates - 1].slice(0, 4)); y++) years.push(y);
  const values = new Float32Array(nPixels * nDates);
  const truth = {
    amplitudeByYearMm: new Float32Array(years.length * nPixels).fill(NaN),
    growthMmPerYear: new Float32Array(nPixels).fill(NaN),
    peakDayOfYear: new Float32Array(nPixels).fill(NaN),
    seasonal: new Uint8Array(nPixels),
  };
  for (let p = 0; p < nPixels; p++) {
    const seasonal = random() >= nonSeasonalFraction;
    const noiseMm = uniform(noiseRangeMm[0], noiseRangeMm[1]);
    const rate = uniform(-20, 5);
    const offset = uniform(-20, 20);
    const firstAmplitude = uniform(firstAmplitudeRangeMm[0], firstAmplitudeRangeMm[1]);
    const growth = uniform(growthRangeMmPerYear[0], growthRangeMmPerYear[1]);
    const peakDoy = uniform(1, 366);
    const tPeakFraction = (peakDoy - 1) / DAYS_PER_DECIMAL_YEAR;
    const semi = uniform(4, 15), semiPhase = uniform(0, 2 * Math.PI), ter = uniform(3, 10), terPhase = uniform(0, 2 * Math.PI);
    truth.seasonal[p] = seasonal ? 1 : 0;
    if (seasonal) {
      truth.growthMmPerYear[p] = growth;
      truth.peakDayOfYear[p] = peakDoy;
      years.forEach((y, k) => { truth.amplitudeByYearMm[k * nPixels + p] = firstAmplitude + growth * (y - years[0]); });
    }
    for (let d = 0; d < nDates; d++) {
      const t = axis.tYears[d];
      const month = Number(dates[d].slice(4, 6));
      let v = rate * axis.tCentredYears[d] + offset + noiseMm * normal();
      if (seasonal) {
        const amplitude = firstAmplitude + growth * (Math.floor(t) - years[0]);
        v += (amplitude / 2) * Math.sin(2 * Math.PI * (t - Math.floor(t) - tPeakFraction) + Math.PI / 2);
      } else {
        v += semi * Math.sin(4 * Math.PI * t + semiPhase) + ter * Math.sin(6 * Math.PI * t + terPhase);
      }
      const winter = month === 12 || month <= 3;
      values[d * nPixels + p] = winter && random() < winterLoss ? NaN : v;
    }
  }
  return { axis, width, height, values, years, truth };
}
