// Thin-plate spline in two dimensions, with smoothing, for the map of the frozen water content
// n interpolated from in-situ ALT sites (study §2.4: "Spline interpolation to generate a map of
// n after removing anomalies"), and the local metric frame that turns lon/lat into metres.
//
// The spline minimises Σ (z_i − f(p_i))² + λ·∫∫ (f_xx² + 2 f_xy² + f_yy²), whose solution is
//   f(p) = a0 + a1 x + a2 y + Σ_j w_j φ(|p − p_j|),   φ(r) = r² ln r,
// with [K + λI  P; Pᵀ 0] [w; a] = [z; 0], K_ij = φ(|p_i − p_j|), P_i = (1, x_i, y_i).
// λ = 0 interpolates the sites exactly; λ → ∞ tends to the least-squares plane.
//
// Coordinates are metres divided by a length scale (the sites' RMS distance from their
// centroid), so K holds O(1) numbers whatever the corridor's size, the system is well scaled,
// and λ means the same thing for 5 sites over 2 km as for 50 over 500 km. Scaling r by c adds
// (ln c)·r² to φ, which the constraints Pᵀw = 0 turn into a constant absorbed by a0: the
// interpolant (λ = 0) does not depend on the choice of scale.
// Pure: no I/O, no GPU.

/** Mean Earth radius (IUGG), metres: the local frame's sphere. */
export const EARTH_MEAN_RADIUS_M = 6_371_008.8;

/**
 * Equirectangular projection about (lon0, lat0): x east, y north, metres. Over a corridor a
 * few hundred km across its distances are within a few parts per thousand of the geodesic
 * ones, far below what n can be known to. Affine in (lon, lat), so the GPU can step it per
 * pixel from two coefficients per axis.
 */
export interface LocalMetricFrame {
  lon0Deg: number;
  lat0Deg: number;
  metresPerDegreeLon: number;
  metresPerDegreeLat: number;
}

export function localMetricFrame(lon0Deg: number, lat0Deg: number): LocalMetricFrame {
  const metresPerDegreeLat = (EARTH_MEAN_RADIUS_M * Math.PI) / 180;
  return { lon0Deg, lat0Deg, metresPerDegreeLat, metresPerDegreeLon: metresPerDegreeLat * Math.cos((lat0Deg * Math.PI) / 180) };
}

export function lonLatToLocalMetres(frame: LocalMetricFrame, lonDeg: number, latDeg: number): { xM: number; yM: number } {
  return { xM: (lonDeg - frame.lon0Deg) * frame.metresPerDegreeLon, yM: (latDeg - frame.lat0Deg) * frame.metresPerDegreeLat };
}

/** φ(r) = r² ln r written on r² (no square root), 0 at r = 0 (its limit). */
export function thinPlateKernel(r2: number): number {
  return r2 > 0 ? 0.5 * r2 * Math.log(r2) : 0;
}

export interface ThinPlateSpline {
  /** Centroid of the sites (input units, e.g. metres) and the length scale dividing them. */
  centreX: number;
  centreY: number;
  lengthScale: number;
  /** Sites in scaled coordinates. */
  xs: Float64Array;
  ys: Float64Array;
  weights: Float64Array;
  /** a0, a1, a2 on scaled coordinates. */
  affine: [number, number, number];
  smoothing: number;
}

/**
 * Fits a thin-plate spline to values z at points (x, y) (any metric unit). Returns null when
 * the affine part is undetermined: fewer than 3 points, or all on one line (the caller falls
 * back to a constant). Throws on mismatched lengths or non-finite input (our bug).
 */
export function fitThinPlateSpline(x: ArrayLike<number>, y: ArrayLike<number>, z: ArrayLike<number>, smoothing = 0): ThinPlateSpline | null {
  const m = x.length;
  if (y.length !== m || z.length !== m) throw new Error(`thin-plate spline: ${m} x, ${y.length} y, ${z.length} z`);
  for (let i = 0; i < m; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i]) || !Number.isFinite(z[i])) throw new Error(`thin-plate spline: point ${i} is not finite`);
  }
  if (!(smoothing >= 0)) throw new Error(`thin-plate spline: smoothing ${smoothing} < 0`);
  if (m < 3) return null;
  let cx = 0, cy = 0;
  for (let i = 0; i < m; i++) { cx += x[i]; cy += y[i]; }
  cx /= m; cy /= m;
  let spread2 = 0;
  for (let i = 0; i < m; i++) spread2 += (x[i] - cx) ** 2 + (y[i] - cy) ** 2;
  const L = Math.sqrt(spread2 / m);
  if (!(L > 0)) return null;
  const xs = new Float64Array(m), ys = new Float64Array(m);
  for (let i = 0; i < m; i++) { xs[i] = (x[i] - cx) / L; ys[i] = (y[i] - cy) / L; }
  // Collinear sites leave the plane's tilt across the line undetermined: the covariance of the
  // scaled coordinates is then singular (its determinant is scale-free here, as the RMS spread is 1).
  let sxx = 0, syy = 0, sxy = 0;
  for (let i = 0; i < m; i++) { sxx += xs[i] * xs[i]; syy += ys[i] * ys[i]; sxy += xs[i] * ys[i]; }
  sxx /= m; syy /= m; sxy /= m;
  if (sxx * syy - sxy * sxy < 1e-10) return null;

  const size = m + 3;
  const A = new Float64Array(size * size);
  const b = new Float64Array(size);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      A[i * size + j] = thinPlateKernel((xs[i] - xs[j]) ** 2 + (ys[i] - ys[j]) ** 2) + (i === j ? smoothing : 0);
    }
    const p = [1, xs[i], ys[i]];
    for (let k = 0; k < 3; k++) { A[i * size + m + k] = p[k]; A[(m + k) * size + i] = p[k]; }
    b[i] = z[i];
  }
  const solution = solveDense(A, b, size);
  if (!solution) return null;
  return {
    centreX: cx,
    centreY: cy,
    lengthScale: L,
    xs,
    ys,
    weights: solution.slice(0, m),
    affine: [solution[m], solution[m + 1], solution[m + 2]],
    smoothing,
  };
}

/** The spline at a point given in the input's units (metres). */
export function evaluateThinPlateSpline(s: ThinPlateSpline, x: number, y: number): number {
  return evaluateScaled(s.xs, s.ys, s.weights, s.affine, (x - s.centreX) / s.lengthScale, (y - s.centreY) / s.lengthScale);
}

/** The spline at a point in its scaled frame: what the per-pixel kernels compute. */
export function evaluateScaled(xs: ArrayLike<number>, ys: ArrayLike<number>, weights: ArrayLike<number>, affine: readonly [number, number, number], xScaled: number, yScaled: number): number {
  let sum = affine[0] + affine[1] * xScaled + affine[2] * yScaled;
  for (let j = 0; j < weights.length; j++) {
    sum += weights[j] * thinPlateKernel((xScaled - xs[j]) ** 2 + (yScaled - ys[j]) ** 2);
  }
  return sum;
}

/**
 * Gaussian elimination with partial pivoting (the TPS system is symmetric but indefinite, so
 * no Cholesky). Small systems: one row per site. Null when singular to working precision.
 */
function solveDense(Ain: Float64Array, bIn: Float64Array, n: number): Float64Array | null {
  const A = Float64Array.from(Ain);
  const b = Float64Array.from(bIn);
  let scale = 0;
  for (let i = 0; i < A.length; i++) scale = Math.max(scale, Math.abs(A[i]));
  const tiny = scale * n * 1e-14;
  for (let k = 0; k < n; k++) {
    let pivot = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(A[i * n + k]) > Math.abs(A[pivot * n + k])) pivot = i;
    if (!(Math.abs(A[pivot * n + k]) > tiny)) return null;
    if (pivot !== k) {
      for (let j = 0; j < n; j++) { const t = A[k * n + j]; A[k * n + j] = A[pivot * n + j]; A[pivot * n + j] = t; }
      const t = b[k]; b[k] = b[pivot]; b[pivot] = t;
    }
    const akk = A[k * n + k];
    for (let i = k + 1; i < n; i++) {
      const f = A[i * n + k] / akk;
      if (f === 0) continue;
      for (let j = k; j < n; j++) A[i * n + j] -= f * A[k * n + j];
      b[i] -= f * b[k];
    }
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let j = i + 1; j < n; j++) s -= A[i * n + j] * x[j];
    x[i] = s / A[i * n + i];
  }
  return x.every(Number.isFinite) ? x : null;
}
