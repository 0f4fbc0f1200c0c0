// Line-of-sight geometry and the two-track decomposition (DESIGN.md §1 "Two tracks", last item;
// "Vertical projection"). Pure functions on numbers.
//
// MintPy's geometryGeo.h5 conventions (mintpy/utils/utils0.py, get_unit_vector4component_of_interest):
//   incidenceAngle θ: angle between the LOS and the local vertical at the target, degrees.
//   azimuthAngle α:   azimuth of the LOS vector from the ground to the satellite, measured from
//                     north, anti-clockwise positive, degrees (Sentinel-1: ≈ +102° ascending,
//                     ≈ −102° descending).
// With displacement positive toward the satellite (MintPy's sign), a ground motion (dE, dN, dU)
// is seen on the LOS as
//   d_LOS = dE·(−sin θ sin α) + dN·(sin θ cos α) + dU·cos θ.                        (G1)
// Check on an ascending pass (α = +102°, satellite west of the target): eastward motion moves
// the target away from the satellite, and −sin θ sin 102° < 0. On a descending pass the sign flips.
//
// Decomposition (north neglected, as MintPy's asc_desc2horz_vert and most studies do, because
// both Sentinel-1 LOS are nearly blind to north: |sin θ cos α| ≈ 0.1–0.15): two tracks give
//   [e_a u_a] [dE]   [d_a]
//   [e_d u_d] [dU] = [d_d],                                                          (G2)
// two equations in two unknowns, so the least-squares solution is the exact solve by Cramer's
// rule. The seasonal term is linear in the motion too: each track's annual term is the real
// part of a phasor (A/2)·e^{iφ}, φ = 2π(doy_peak − 1)/365.25 (A peak to trough), and (G2)
// holds for the phasors' real and imaginary parts separately. The up (east) component's
// amplitude is then 2|P_U| and its peak day comes from arg(P_U).

/** Degrees to radians. */
const RAD_PER_DEG = Math.PI / 180;

/** Days in the timing cycle (decimal-year convention of core/time.ts). */
const DAYS_PER_CYCLE = 365.25;

/**
 * Below this |det(G2)| the two LOS are too alike to separate up from east (e.g. two passes of
 * one track). Asc + desc Sentinel-1 give |det| ≈ 2 sin θ cos θ ≈ 0.9–1; 0.1 would amplify noise
 * tenfold, beyond which a result is not worth a number.
 */
export const MIN_DECOMPOSITION_DETERMINANT = 0.1;

export interface LosUnitVector {
  east: number;
  north: number;
  up: number;
}

/** Ground→satellite LOS unit vector (G1) from MintPy's incidence and azimuth angles. */
export function losUnitVector(incidenceDeg: number, azimuthDeg: number): LosUnitVector {
  const inc = incidenceDeg * RAD_PER_DEG;
  const az = azimuthDeg * RAD_PER_DEG;
  return { east: -Math.sin(inc) * Math.sin(az), north: Math.sin(inc) * Math.cos(az), up: Math.cos(inc) };
}

/**
 * Inverse of (G1): MintPy's incidence and azimuth angles from a ground→satellite LOS unit vector
 * (LiCSAR/LiCSBAS E.geo, N.geo, U.geo). U = cos θ, so θ = acos U; E = −sin θ sin α and
 * N = sin θ cos α, so α = atan2(−E, N) (anticlockwise from north, MintPy's convention; the
 * vector's length cancels, so a slightly unnormalised vector gives the same α). θ uses the
 * normalised U so that losUnitVector(θ, α) gives back the same direction. NaN when the vector
 * is NaN, zero (LiCSBAS's no-data) or points below the horizon.
 */
export function losUnitVectorToAngles(east: number, north: number, up: number): { incidenceDeg: number; azimuthDeg: number } {
  const length = Math.hypot(east, north, up);
  if (!(length > 0) || !(up > 0)) return { incidenceDeg: Number.NaN, azimuthDeg: Number.NaN };
  return { incidenceDeg: Math.acos(Math.min(1, up / length)) / RAD_PER_DEG, azimuthDeg: Math.atan2(-east, north) / RAD_PER_DEG };
}

/** Whether an angle can be a SAR incidence angle (MintPy writes 0 outside the swath). */
export function isIncidenceAngle(incidenceDeg: number): boolean {
  return incidenceDeg > 0 && incidenceDeg < 90;
}

/**
 * Vertical projection of a LOS quantity (rate or amplitude): δ_v = δ_LOS / cos θ, which assumes
 * the motion is purely vertical. The study's swath, θ = 31°–46.8°, gives factors 1.17–1.46.
 * NaN when the angle is not an incidence angle.
 */
export function losToVertical(losValue: number, incidenceDeg: number): number {
  if (!isIncidenceAngle(incidenceDeg)) return Number.NaN;
  return losValue / Math.cos(incidenceDeg * RAD_PER_DEG);
}

/** East and up coefficients of (G1) for the two tracks at one pixel. */
export interface TwoTrackGeometry {
  ascEast: number;
  ascUp: number;
  descEast: number;
  descUp: number;
}

/**
 * Solves (G2) for (east, up); NaN when a value is NaN or the geometry cannot separate them
 * (|det| < MIN_DECOMPOSITION_DETERMINANT).
 */
export function decomposeUpEast(ascLos: number, descLos: number, g: TwoTrackGeometry): { east: number; up: number } {
  const det = g.ascEast * g.descUp - g.descEast * g.ascUp;
  if (!(Math.abs(det) >= MIN_DECOMPOSITION_DETERMINANT) || !Number.isFinite(ascLos) || !Number.isFinite(descLos)) {
    return { east: Number.NaN, up: Number.NaN };
  }
  return {
    east: (ascLos * g.descUp - descLos * g.ascUp) / det,
    up: (g.ascEast * descLos - g.descEast * ascLos) / det,
  };
}

/** Peak day of year (1 ≤ doy < 366.25) → phase angle of the annual phasor, radians. */
export function peakDayToPhase(peakDayOfYear: number): number {
  return (2 * Math.PI * (peakDayOfYear - 1)) / DAYS_PER_CYCLE;
}

/** Phase angle (any) → peak day of year in [1, 366.25). */
export function phaseToPeakDay(phaseRad: number): number {
  let f = phaseRad / (2 * Math.PI);
  f -= Math.floor(f);
  return 1 + f * DAYS_PER_CYCLE;
}

export interface SeasonalComponent {
  /** Peak to trough, mm. */
  amplitudeMm: number;
  /** Day of year of the maximum (up: highest; east: furthest east). */
  peakDayOfYear: number;
}

/**
 * Decomposes two tracks' annual terms (peak-to-trough amplitude, peak day) into up and east
 * annual terms, through (G2) on the phasors. NaN where either track has no seasonal term.
 */
export function decomposeSeasonal(
  ascAmplitudeMm: number,
  ascPeakDayOfYear: number,
  descAmplitudeMm: number,
  descPeakDayOfYear: number,
  g: TwoTrackGeometry,
): { up: SeasonalComponent; east: SeasonalComponent } {
  const none = { up: { amplitudeMm: Number.NaN, peakDayOfYear: Number.NaN }, east: { amplitudeMm: Number.NaN, peakDayOfYear: Number.NaN } };
  if (![ascAmplitudeMm, ascPeakDayOfYear, descAmplitudeMm, descPeakDayOfYear].every(Number.isFinite)) return none;
  const phaseA = peakDayToPhase(ascPeakDayOfYear);
  const phaseD = peakDayToPhase(descPeakDayOfYear);
  const re = decomposeUpEast((ascAmplitudeMm / 2) * Math.cos(phaseA), (descAmplitudeMm / 2) * Math.cos(phaseD), g);
  const im = decomposeUpEast((ascAmplitudeMm / 2) * Math.sin(phaseA), (descAmplitudeMm / 2) * Math.sin(phaseD), g);
  if (!Number.isFinite(re.up)) return none;
  return {
    up: { amplitudeMm: 2 * Math.hypot(re.up, im.up), peakDayOfYear: phaseToPeakDay(Math.atan2(im.up, re.up)) },
    east: { amplitudeMm: 2 * Math.hypot(re.east, im.east), peakDayOfYear: phaseToPeakDay(Math.atan2(im.east, re.east)) },
  };
}
