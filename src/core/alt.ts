// Active-layer thickness from the seasonal vertical amplitude: Eq. 2 of the study and its
// inverse for the frozen water content n, plus the contract the per-pixel ALT kernels share
// (CPU float64 reference in src/cpu/alt.ts, WGSL in shaders/alt.wgsl).
//
// Eq. 2 (study §2.4): a column of active layer of thickness H holds water N·H (volume per
// area) when thawed. On freezing, the part N − n that turns to ice expands by ρw/ρi, so the
// ground heaves by δ, the seasonal vertical amplitude:
//
//   H = (ρi + n(ρw − ρi)) / ((N − n)(ρw − ρi)) · δ
//
// with ρw = 1000 and ρi = 917 kg/m³, N the volumetric water content when thawed (October soil
// moisture) and n when frozen (unfrozen water). H and δ are in the same unit (metres here).
// Solved for n with Δ = ρw − ρi (H(N − n)Δ = (ρi + nΔ)δ, collect n):
//
//   n = (H N Δ − ρi δ) / (Δ (H + δ))
//
// Eq. 2 is only physical for 0 ≤ n < N: n = N puts H at infinity, n > N makes it negative,
// and n < 0 at a site means the heave is too large for N (no unfrozen water could explain it).
// Pure: no I/O, no GPU.

/** Density of liquid water, kg/m³ (the study's ρw). */
export const WATER_DENSITY_KG_M3 = 1000;
/** Density of ice, kg/m³ (the study's ρi). */
export const ICE_DENSITY_KG_M3 = 917;
/** n used by earlier studies when no in-situ ALT constrains it (Li et al. 2023; Zhang and Wu 2012). */
export const DEFAULT_FROZEN_WATER_CONTENT = 0.05;

export interface Densities {
  waterKgM3: number;
  iceKgM3: number;
}

export const STUDY_DENSITIES: Densities = { waterKgM3: WATER_DENSITY_KG_M3, iceKgM3: ICE_DENSITY_KG_M3 };

/** A one-line problem with a density pair, or null when ρw > ρi > 0 (Eq. 2 needs Δ > 0). */
export function checkDensities(d: Densities): string | null {
  if (!(Number.isFinite(d.waterKgM3) && Number.isFinite(d.iceKgM3))) return 'densities must be finite numbers';
  if (!(d.iceKgM3 > 0)) return `ice density ${d.iceKgM3} kg/m³ must be > 0`;
  if (!(d.waterKgM3 > d.iceKgM3)) return `water density ${d.waterKgM3} kg/m³ must exceed ice density ${d.iceKgM3} kg/m³ (ice floats; Eq. 2 divides by ρw − ρi)`;
  return null;
}

/**
 * Eq. 2: active-layer thickness H (same unit as the amplitude) from the seasonal vertical
 * amplitude δ (peak to trough), the frozen n and thawed N volumetric water contents (m³/m³).
 * NaN when δ is not finite or negative, or when n is outside [0, N): never a made-up number.
 */
export function altFromAmplitude(amplitude: number, frozenWaterContent: number, thawedWaterContent: number, d: Densities = STUDY_DENSITIES): number {
  const n = frozenWaterContent;
  const N = thawedWaterContent;
  if (!(amplitude >= 0) || !(n >= 0) || !(N > n) || !Number.isFinite(amplitude) || !Number.isFinite(N)) return NaN;
  const deltaRho = d.waterKgM3 - d.iceKgM3;
  return ((d.iceKgM3 + n * deltaRho) / ((N - n) * deltaRho)) * amplitude;
}

/**
 * Eq. 2 solved for n: the frozen volumetric water content (m³/m³) that makes Eq. 2 give the
 * observed ALT H from the amplitude δ (same unit as H) and the thawed content N. Not clamped:
 * the caller decides what an n outside [0, N) means (a dropped site). NaN for H ≤ 0 or δ < 0.
 */
export function frozenWaterContentFromAlt(alt: number, amplitude: number, thawedWaterContent: number, d: Densities = STUDY_DENSITIES): number {
  const H = alt;
  const N = thawedWaterContent;
  if (!(H > 0) || !(amplitude >= 0) || !Number.isFinite(H) || !Number.isFinite(amplitude) || !Number.isFinite(N)) return NaN;
  const deltaRho = d.waterKgM3 - d.iceKgM3;
  return (H * N * deltaRho - d.iceKgM3 * amplitude) / (deltaRho * (H + amplitude));
}

// ---------------------------------------------------------------------------------------------
// The kernel contract: spline evaluation of n + clamp + Eq. 2, per pixel.

/**
 * The n surface in the kernels' form: n(x, y) = a0 + a1 x + a2 y + Σ_j w_j φ(|p − c_j|),
 * φ(r) = r² ln r (thin-plate, src/core/tps.ts), with (x, y) the pixel centre in the spline's
 * scaled local frame, which is affine in (col, row):
 *   x = xOrigin + xPerCol·col + xPerRow·row,  y = yOrigin + yPerCol·col + yPerRow·row
 * (col, row of the full grid, pixel centres; the host folds the +0.5 and the metric frame in
 * in float64). A constant n is the same model with no centres and a1 = a2 = 0.
 */
export interface FrozenWaterModel {
  /** Centres x_j, y_j and weights w_j, length 3·nCentres: [x, y, w, x, y, w, …]. */
  centres: Float64Array;
  affine: [number, number, number];
  frame: { xOrigin: number; xPerCol: number; xPerRow: number; yOrigin: number; yPerCol: number; yPerRow: number };
  /**
   * true: the spline's n is clamped to [0, N − minThawGap] per pixel (the "[0, N)").
   * false (a constant n given by the user): never altered; where N ≤ n + minThawGap, Eq. 2 has
   * no finite answer and H is NaN with status N_NOT_ABOVE_N.
   */
  clamp: boolean;
}

export interface AltKernelParams {
  model: FrozenWaterModel;
  densities: Densities;
  /** Smallest N − n allowed (m³/m³): keeps H finite where the spline reaches N. */
  minThawGap: number;
  /** Multiply the amplitude raster by this to get metres (0.001 for mm). */
  amplitudeToMetres: number;
}

/** One tile of rows: amplitude (raster units) and N (m³/m³), row-major, on the amplitude grid. */
export interface AltTile {
  /** First grid row of the tile (the spline frame is in full-grid rows). */
  row0: number;
  nRows: number;
  width: number;
  amplitude: Float32Array;
  thawedWaterContent: Float32Array;
}

/** Why a pixel's H is what it is; written per pixel as a small integer. */
export const ALT_STATUS = {
  /** H from Eq. 2, n as interpolated. */
  OK: 0,
  /** n clamped up to 0 (the spline went negative), H from Eq. 2. */
  CLAMPED_LOW: 1,
  /** n clamped down to N − minThawGap, H from Eq. 2 (large; read it as a bound). */
  CLAMPED_HIGH: 2,
  /** No amplitude (NaN: not seasonal, masked): H NaN. */
  NO_AMPLITUDE: 3,
  /** Negative amplitude (peak to trough cannot be): H NaN. */
  NEGATIVE_AMPLITUDE: 4,
  /** N missing or ≤ minThawGap: n and H NaN. */
  NO_MOISTURE: 5,
  /** Constant n ≥ N − minThawGap: Eq. 2 has no finite H. */
  N_NOT_ABOVE_N: 6,
} as const;

export const ALT_STATUS_NAMES: Record<number, string> = {
  0: 'ok',
  1: 'n clamped to 0',
  2: 'n clamped to N − gap',
  3: 'no amplitude',
  4: 'negative amplitude',
  5: 'no moisture (N missing or ≤ gap)',
  6: 'N ≤ n',
};

export interface AltTileResult {
  /** n used per pixel (m³/m³); NaN where N is missing. */
  frozenWaterContent: Float32Array;
  /** H, metres; NaN where not defined (see status). */
  altM: Float32Array;
  /** ALT_STATUS per pixel. */
  status: Uint8Array;
}

/** A backend (CPU reference or GPU) that evaluates tiles. */
export interface AltKernel {
  readonly kind: 'cpu' | 'gpu';
  readonly description: string;
  /** Most pixels one call may take (GPU binding limits); the pipeline tiles by rows under it. */
  maxTilePixels(nCentres: number): number;
  evaluateTile(tile: AltTile, params: AltKernelParams): Promise<AltTileResult>;
  dispose(): Promise<void>;
}
