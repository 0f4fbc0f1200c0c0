// Direction of motion from how the ascending and descending tracks agree: Table 1 of the study
// (DESIGN.md §1 "Two tracks"), as pure per-pixel rules.
//
// Why the rules work: Sentinel-1 looks right on both tracks, so an ascending and a descending
// line of sight share their (large) vertical component and have east components of opposite
// sign (asc looks east, desc looks west). Vertical motion therefore shows up alike on both
// tracks, east-west motion with opposite signs (secular) or half a year apart (seasonal).
//
// Secular (Table 1, upper half), thresholds from section 2.2 of the study (5 mm/yr):
//   ||v_asc| − |v_desc|| ≤ T, same sign      → vertical
//   ||v_asc| − |v_desc|| ≤ T, opposite sign  → east-west
//   ||v_asc| − |v_desc|| > T                 → undetermined
// Our one addition — a decision the study leaves open: when BOTH rates are within T of zero,
// their signs are noise (the study puts the method's uncertainty at a few mm/yr), so Table 1
// would hand out vertical or east-west at random. Such a pixel is "undetermined", with its own
// reason code (BOTH_NEAR_ZERO) so summaries can tell stable ground from disagreeing tracks.
//
// Seasonal (Table 1, lower half), on pixels seasonal on both tracks; thresholds 5 mm and
// ±30 days / 180 ± 30 days:
//   |A_asc − A_desc| ≤ T_A and circular Δdoy ≤ 30          → vertical
//   |A_asc − A_desc| ≤ T_A and |Δdoy − 180| ≤ 30           → east-west
//   |A_asc − A_desc| ≤ T_A otherwise                       → undetermined (other timing)
//   |A_asc − A_desc| > T_A                                 → undetermined (amplitude differs)
// Δdoy is the distance between the two peak days on the calendar circle (365.25 days, the
// decimal-year convention of core/time.ts), so it lies in [0, 182.625]: day 360 and day 5 are
// 10.25 days apart, not 355. With the default 180 ± 30, "out of phase" is Δdoy ≥ 150.

/** Class codes written to direction_secular.tif / direction_seasonal.tif (uint8). */
export const DirectionClass = {
  NOT_TESTED: 0,
  VERTICAL: 1,
  EAST_WEST: 2,
  UNDETERMINED: 3,
  NO_DATA: 255,
} as const;
export type DirectionClassCode = (typeof DirectionClass)[keyof typeof DirectionClass];

/**
 * Finer codes the kernels return: the class plus why a pixel is undetermined, so summaries
 * can give the study's breakdown (e.g. "240,888 other timing, 1,400,713 amplitude differs").
 * 0, 1, 2 and 255 equal the class codes; 3 and 4 are both class 3 (undetermined).
 */
export const SecularReason = {
  NOT_TESTED: 0,
  VERTICAL: 1,
  EAST_WEST: 2,
  MAGNITUDE_DIFFERS: 3,
  BOTH_NEAR_ZERO: 4,
  NO_DATA: 255,
} as const;
export const SeasonalReason = {
  NOT_TESTED: 0,
  VERTICAL: 1,
  EAST_WEST: 2,
  OTHER_TIMING: 3,
  AMPLITUDE_DIFFERS: 4,
  NO_DATA: 255,
} as const;

/** The class (Table 1) of a reason code of either test. */
export function classOfReason(reason: number): DirectionClassCode {
  if (reason === 3 || reason === 4) return DirectionClass.UNDETERMINED;
  return reason as DirectionClassCode;
}

/** The legend, as written into the GeoTIFF band metadata and the README. */
export const DIRECTION_LEGEND: Readonly<Record<DirectionClassCode, string>> = {
  0: 'not tested',
  1: 'vertical',
  2: 'east-west',
  3: 'undetermined',
  255: 'no data',
};

export interface DirectionThresholds {
  /** Rates are "similar" when their magnitudes differ by at most this (the study: 5 mm/yr). */
  rateMmPerYear: number;
  /** Amplitudes are "similar" when they differ by at most this (the study: 5 mm). */
  amplitudeMm: number;
  /** In phase: peak days at most this far apart on the calendar circle (the study: 30). */
  inPhaseDays: number;
  /** Centre of the out-of-phase window (the study: 180 days). */
  antiPhaseDays: number;
  /** Half-width of the out-of-phase window (the study: 30 days). */
  antiPhaseToleranceDays: number;
}

export const DEFAULT_DIRECTION_THRESHOLDS: DirectionThresholds = {
  rateMmPerYear: 5,
  amplitudeMm: 5,
  inPhaseDays: 30,
  antiPhaseDays: 180,
  antiPhaseToleranceDays: 30,
};

/** Length of the calendar circle for timing differences, days (decimal-year convention). */
export const DAYS_PER_TIMING_CYCLE = 365.25;

/** Distance between two days of year on the calendar circle, in [0, 182.625]. */
export function circularDayDifference(dayA: number, dayB: number): number {
  let d = Math.abs(dayA - dayB) % DAYS_PER_TIMING_CYCLE;
  if (d > DAYS_PER_TIMING_CYCLE / 2) d = DAYS_PER_TIMING_CYCLE - d;
  return d;
}

/**
 * Table 1, secular half. NaN in either rate → NO_DATA. Returns a SecularReason code.
 * `≤` on every threshold: a difference exactly at the threshold counts as similar.
 */
export function classifySecular(ascRateMmPerYear: number, descRateMmPerYear: number, t: DirectionThresholds): number {
  if (!Number.isFinite(ascRateMmPerYear) || !Number.isFinite(descRateMmPerYear)) return SecularReason.NO_DATA;
  const ascAbs = Math.abs(ascRateMmPerYear);
  const descAbs = Math.abs(descRateMmPerYear);
  if (ascAbs <= t.rateMmPerYear && descAbs <= t.rateMmPerYear) return SecularReason.BOTH_NEAR_ZERO;
  if (Math.abs(ascAbs - descAbs) > t.rateMmPerYear) return SecularReason.MAGNITUDE_DIFFERS;
  // Neither rate is 0 here: both 0 is BOTH_NEAR_ZERO, and 0 against a rate beyond T is not
  // similar. Signs are compared directly (a product could underflow in float32 on the GPU).
  return (ascRateMmPerYear > 0) === (descRateMmPerYear > 0) ? SecularReason.VERTICAL : SecularReason.EAST_WEST;
}

/**
 * Table 1, seasonal half, for a pixel whose rates exist on both tracks.
 * `seasonalOnBoth` false → NOT_TESTED; amplitudes/timings then are not looked at.
 * Seasonal on both but an amplitude or timing NaN (cannot happen for fit products, where
 * seasonal ⇔ amplitude defined) → NO_DATA rather than a guess. Returns a SeasonalReason code.
 */
export function classifySeasonal(
  seasonalOnBoth: boolean,
  ascAmplitudeMm: number,
  descAmplitudeMm: number,
  ascPeakDayOfYear: number,
  descPeakDayOfYear: number,
  t: DirectionThresholds,
): number {
  if (!seasonalOnBoth) return SeasonalReason.NOT_TESTED;
  if (![ascAmplitudeMm, descAmplitudeMm, ascPeakDayOfYear, descPeakDayOfYear].every(Number.isFinite)) return SeasonalReason.NO_DATA;
  if (Math.abs(ascAmplitudeMm - descAmplitudeMm) > t.amplitudeMm) return SeasonalReason.AMPLITUDE_DIFFERS;
  const dDays = circularDayDifference(ascPeakDayOfYear, descPeakDayOfYear);
  if (dDays <= t.inPhaseDays) return SeasonalReason.VERTICAL;
  if (Math.abs(dDays - t.antiPhaseDays) <= t.antiPhaseToleranceDays) return SeasonalReason.EAST_WEST;
  return SeasonalReason.OTHER_TIMING;
}

/** Checks thresholds; returns a problem (for a one-line error) or null. */
export function checkDirectionThresholds(t: DirectionThresholds): string | null {
  if (!(t.rateMmPerYear >= 0)) return 'rate threshold must be ≥ 0 mm/yr';
  if (!(t.amplitudeMm >= 0)) return 'amplitude threshold must be ≥ 0 mm';
  if (!(t.inPhaseDays >= 0)) return 'in-phase window must be ≥ 0 days';
  if (!(t.antiPhaseToleranceDays >= 0)) return 'out-of-phase tolerance must be ≥ 0 days';
  if (!(t.antiPhaseDays > 0 && t.antiPhaseDays <= DAYS_PER_TIMING_CYCLE / 2 + t.antiPhaseToleranceDays)) return 'out-of-phase centre must be in (0, 182.625] days';
  // Overlapping windows would make one pixel both vertical and east-west.
  if (t.inPhaseDays >= t.antiPhaseDays - t.antiPhaseToleranceDays) return 'in-phase and out-of-phase windows overlap';
  return null;
}
