// Float64 reference of the network inversion (src/core/inversion.ts, ../shared/INVERSION.md
// §2.6–§2.7): MintPy's minimum-norm velocity estimator per pixel. It is the CPU path, the
// re-solve of the pixels the WGSL kernel (shaders/invert.wgsl) marks NEEDS_FLOAT64, and the
// truth that kernel is tested against (test/invert-kernel.test.ts).
//
// Per pixel, over its valid (non-NaN) interferograms i, with dt_k the interval lengths (yr):
//   1. redundancy (INVERSION.md §2.6 step 2, §2.9 quirk 4): every date but the exempt one must
//      be an end of at least minRedundancy valid interferograms;
//   2. the banded normal equations of B (INVERSION.md §7.1): N[k][l] = Σ w_i dt_k dt_l over the
//      pairs spanning intervals k and l, r[k] = Σ w_i s_i y_i dt_k (half-bandwidth b);
//   3. split networks (INVERSION.md §7.2): union-find over the dates gives the connected
//      components; each component C without date 0 adds one null vector of B,
//        n_C[k] = (1_C(k+1) − 1_C(k)) / dt_k,
//      (ts constant on C, 0 on date 0's component). The least-norm solution, without an SVD:
//        (a) pin: add a scale to N[k_C][k_C], k_C = min(C) − 1. The pinned system is the
//            least-squares problem plus Σ v[k_C]²; since n_{C'}[k_C] = 0 for every C' whose min
//            date is above min(C), and n_C[k_C] = 1/dt ≠ 0, the matrix n_{C'}[k_C] is triangular
//            (components ordered by min date) and some least-squares solution has v[k_C] = 0 for
//            all C: the pinned solution v_p is that exact least-squares solution;
//        (b) banded Cholesky;
//        (c) project out the null space: G α = Nᵀ v_p with G = NᵀN (c × c), v = v_p − N α, the
//            orthogonal projection of a least-squares solution onto range(N)^⊥, i.e. the
//            minimum-norm one (what gelsd returns: its zero singular values are truncated);
//   4. ts_0 = 0, ts_j = Σ_{k<j} dt_k v_k; metres = ts · metresPerRadian;
//   5. temporal coherence |Σ exp(i e_i)| / n of the unweighted residual e = y − B v (§2.7).
// A pivot below CPU_INVERSION_RELATIVE_PIVOT_FLOOR of BᵀWB's largest diagonal means the network
// is nearly singular beyond what the components explain (e.g. a bridge of tiny weight): there
// gelsd's truncation of singular values below 1e-5·s_max changes the answer, so the pixel is
// solved by the SVD fallback below, which implements exactly that rule.
import {
  InvertStatus,
  allocateInvertOutputs,
  type IfgramNetwork,
  type InvertKernel,
  type InvertOptions,
  type InvertOutputs,
  type InvertTile,
} from '../core/inversion.ts';

/**
 * Pivot floor of the float64 banded Cholesky, relative to the largest diagonal entry of BᵀWB
 * (not to the pivot's own diagonal: a column of tiny weight, e.g. the one interferogram bridging
 * two parts of the network, is a tiny singular value of W^½B that gelsd truncates, while its
 * pivot stays large against its own diagonal). Any pivot is at least λ_min of the normal matrix
 * and the largest diagonal at most λ_max, so a pivot below 1e-8 of it proves
 * cond(BᵀWB) > 1e8, i.e. cond(W^½B) > 1e4: a factor 10 above gelsd's truncation threshold
 * (singular values below 1e-5·s_max). Those pixels go to the SVD fallback, which is exact
 * either side of the threshold, so the margin costs only time. (The converse is not a theorem:
 * a matrix can be that ill-conditioned with every pivot above the floor; the margin of 100 on
 * λ is what covers it in practice.)
 */
export const CPU_INVERSION_RELATIVE_PIVOT_FLOOR = 1e-8;

/** scipy.linalg.lstsq(cond=1e-5) as MintPy calls it: gelsd's rcond. */
export const GELSD_RCOND = 1e-5;

/** Sweeps of the one-sided Jacobi SVD before it gives up (it converges in ~10 for our sizes). */
const JACOBI_MAX_SWEEPS = 60;

/**
 * Network checks every backend relies on (a pair spanning more than halfBandwidth + 1 intervals
 * would write outside its band row): throws on an inconsistent network.
 */
export function checkInvertNetwork(network: IfgramNetwork): void {
  const nDates = network.dates.length;
  const m = network.intervalStart.length;
  if (nDates < 2) throw new Error(`inversion network: ${nDates} dates`);
  if (network.intervalYears.length !== nDates - 1) throw new Error(`inversion network: ${network.intervalYears.length} intervals for ${nDates} dates`);
  if (network.intervalEnd.length !== m || network.pairSign.length !== m) throw new Error('inversion network: per-interferogram arrays of different lengths');
  const b = network.halfBandwidth;
  if (!Number.isInteger(b) || b < 0) throw new Error(`inversion network: half-bandwidth ${b}`);
  for (let i = 0; i < m; i++) {
    const lo = network.intervalStart[i];
    const hi = network.intervalEnd[i];
    if (!(lo >= 0 && lo < hi && hi < nDates)) throw new Error(`inversion network: interferogram ${i} spans dates ${lo}..${hi} of ${nDates}`);
    if (hi - lo - 1 > b) throw new Error(`inversion network: interferogram ${i} spans ${hi - lo} intervals, beyond the half-bandwidth ${b}`);
    if (Math.abs(network.pairSign[i]) !== 1) throw new Error(`inversion network: interferogram ${i} has sign ${network.pairSign[i]}`);
  }
  for (let k = 0; k + 1 < nDates; k++) {
    if (!(network.intervalYears[k] > 0)) throw new Error(`inversion network: interval ${k} is ${network.intervalYears[k]} yr`);
  }
  const exempt = network.redundancyExemptDate;
  if (!(Number.isInteger(exempt) && exempt >= 0 && exempt < nDates)) throw new Error(`inversion network: redundancy-exempt date ${exempt}`);
}

export function checkInvertTile(tile: InvertTile, network: IfgramNetwork): void {
  const expected = network.intervalStart.length * tile.nPixels;
  if (tile.phaseRad.length !== expected) throw new Error(`inversion tile: ${tile.phaseRad.length} phase values for ${network.intervalStart.length} interferograms × ${tile.nPixels} pixels`);
  if (tile.weightSqrt && tile.weightSqrt.length !== expected) throw new Error(`inversion tile: ${tile.weightSqrt.length} weights for ${expected} phase values`);
}

// ── Connected components (INVERSION.md §7.2) ───────────────────────────────────────────────

/**
 * Connected components of the dates under the used interferograms (union-find; a date no used
 * interferogram touches is a component of its own). Labels are numbered by their smallest
 * date, so date 0's component is 0; returns the labels and the number of components.
 */
export function dateComponents(
  nDates: number,
  intervalStart: ArrayLike<number>,
  intervalEnd: ArrayLike<number>,
  used: ArrayLike<number>,
  usedCount = used.length,
): { label: Int32Array; count: number } {
  // Each root is its component's smallest date: a union links the larger root under the smaller.
  const parent = new Int32Array(nDates);
  for (let j = 0; j < nDates; j++) parent[j] = j;
  const find = (j: number) => {
    let x = j;
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  for (let u = 0; u < usedCount; u++) {
    const a = find(intervalStart[used[u]]);
    const b = find(intervalEnd[used[u]]);
    if (a < b) parent[b] = a;
    else if (b < a) parent[a] = b;
  }
  const label = new Int32Array(nDates);
  let count = 0;
  for (let j = 0; j < nDates; j++) {
    const r = find(j);
    label[j] = r === j ? count++ : label[r];
  }
  return { label, count };
}

// ── Banded normal equations ──────────────────────────────────────────────────────────────

/**
 * Banded Cholesky in place: `band[k × (b + 1) + d]` holds A[k][k − d] (the lower band) and becomes
 * L[k][k − d]. Returns false when a pivot falls to `pivotFloor` (absolute: the caller scales it).
 */
export function bandedCholeskyInPlace(band: Float64Array, n: number, b: number, pivotFloor: number): boolean {
  const w = b + 1;
  for (let k = 0; k < n; k++) {
    const j0 = Math.max(0, k - b);
    for (let j = j0; j < k; j++) {
      let s = band[k * w + (k - j)];
      for (let i = j0; i < j; i++) s -= band[k * w + (k - i)] * band[j * w + (j - i)];
      band[k * w + (k - j)] = s / band[j * w];
    }
    let pivot = band[k * w];
    for (let i = j0; i < k; i++) pivot -= band[k * w + (k - i)] ** 2;
    if (!(pivot > pivotFloor) || !(pivot > 0)) return false;
    band[k * w] = Math.sqrt(pivot);
  }
  return true;
}

/** Solves L Lᵀ x = rhs in place, L from bandedCholeskyInPlace. */
export function bandedCholeskySolveInPlace(band: Float64Array, n: number, b: number, rhs: Float64Array): void {
  const w = b + 1;
  for (let k = 0; k < n; k++) {
    let s = rhs[k];
    for (let i = Math.max(0, k - b); i < k; i++) s -= band[k * w + (k - i)] * rhs[i];
    rhs[k] = s / band[k * w];
  }
  for (let k = n - 1; k >= 0; k--) {
    let s = rhs[k];
    for (let i = k + 1; i <= Math.min(n - 1, k + b); i++) s -= band[i * w + (i - k)] * rhs[i];
    rhs[k] = s / band[k * w];
  }
}

/** Dense row-major Cholesky solve of the small c × c system G α = g; false when not definite. */
function denseCholeskySolve(g: Float64Array, c: number, rhs: Float64Array): boolean {
  for (let j = 0; j < c; j++) {
    const diagonal = g[j * c + j];
    let pivot = diagonal;
    for (let k = 0; k < j; k++) pivot -= g[j * c + k] ** 2;
    if (!(pivot > CPU_INVERSION_RELATIVE_PIVOT_FLOOR * diagonal) || !(pivot > 0)) return false;
    const ljj = Math.sqrt(pivot);
    g[j * c + j] = ljj;
    for (let i = j + 1; i < c; i++) {
      let s = g[i * c + j];
      for (let k = 0; k < j; k++) s -= g[i * c + k] * g[j * c + k];
      g[i * c + j] = s / ljj;
    }
  }
  for (let i = 0; i < c; i++) {
    let s = rhs[i];
    for (let k = 0; k < i; k++) s -= g[i * c + k] * rhs[k];
    rhs[i] = s / g[i * c + i];
  }
  for (let i = c - 1; i >= 0; i--) {
    let s = rhs[i];
    for (let k = i + 1; k < c; k++) s -= g[k * c + i] * rhs[k];
    rhs[i] = s / g[i * c + i];
  }
  return true;
}

/** One pixel's valid observations: the interferograms used, their phase (rad) and weight w = (√w)². */
export interface PixelObservations {
  count: number;
  ifgram: Int32Array;
  phaseRad: Float64Array;
  weight: Float64Array;
}

/**
 * The minimum-norm velocity (rad/yr, N − 1 values) of one pixel through the banded normal
 * equations and the null-space projection (the header's steps 2–3); null when a pivot falls
 * below CPU_INVERSION_RELATIVE_PIVOT_FLOOR (use minimumNormVelocitySvd).
 */
export function minimumNormVelocityBanded(network: IfgramNetwork, obs: PixelObservations): Float64Array | null {
  const { intervalStart, intervalEnd, pairSign, intervalYears, halfBandwidth: b } = network;
  const nDates = network.dates.length;
  const m = nDates - 1;
  const w = b + 1;
  const band = new Float64Array(m * w);
  const v = new Float64Array(m);
  for (let u = 0; u < obs.count; u++) {
    const i = obs.ifgram[u];
    const lo = intervalStart[i];
    const hi = intervalEnd[i];
    const weight = obs.weight[u];
    const wy = weight * pairSign[i] * obs.phaseRad[u];
    for (let k = lo; k < hi; k++) {
      const dtk = intervalYears[k];
      v[k] += wy * dtk;
      for (let l = lo; l <= k; l++) band[k * w + (k - l)] += weight * dtk * intervalYears[l];
    }
  }
  const { label, count } = dateComponents(nDates, intervalStart, intervalEnd, obs.ifgram, obs.count);
  const c = count - 1;
  let scale = 0;
  for (let k = 0; k < m; k++) scale = Math.max(scale, band[k * w]);
  if (!(scale > 0)) scale = 1;
  if (c > 0) {
    // Pin v[min(C) − 1] of every component C but date 0's (the header's step 3a). Labels are
    // numbered in date order, so component `next` starts at the first date carrying its label.
    for (let j = 1, next = 1; j < nDates; j++) {
      if (label[j] === next) {
        band[(j - 1) * w] += scale;
        next++;
      }
    }
  }
  if (!bandedCholeskyInPlace(band, m, b, CPU_INVERSION_RELATIVE_PIVOT_FLOOR * scale)) return null;
  bandedCholeskySolveInPlace(band, m, b, v);
  if (c > 0 && !projectOutNullSpace(v, label, c, intervalYears)) return null;
  return v;
}

/**
 * v ← v − N (NᵀN)⁻¹ Nᵀ v for the null vectors n_1 … n_c of the components 1 … c (the header's
 * step 3c). n_a is non-zero only at the intervals k where the component changes between dates
 * k and k + 1: −1/dt_k where date k is in a, +1/dt_k where date k + 1 is.
 */
function projectOutNullSpace(v: Float64Array, label: Int32Array, c: number, intervalYears: Float32Array): boolean {
  const gram = new Float64Array(c * c);
  const alpha = new Float64Array(c);
  for (let k = 0; k < v.length; k++) {
    const a = label[k] - 1;
    const z = label[k + 1] - 1;
    if (a === z) continue;
    const inv = 1 / intervalYears[k];
    if (a >= 0) { gram[a * c + a] += inv * inv; alpha[a] -= v[k] * inv; }
    if (z >= 0) { gram[z * c + z] += inv * inv; alpha[z] += v[k] * inv; }
    if (a >= 0 && z >= 0) { gram[a * c + z] -= inv * inv; gram[z * c + a] -= inv * inv; }
  }
  if (!denseCholeskySolve(gram, c, alpha)) return false;
  for (let k = 0; k < v.length; k++) {
    const a = label[k] - 1;
    const z = label[k + 1] - 1;
    if (a === z) continue;
    const inv = 1 / intervalYears[k];
    if (a >= 0) v[k] += alpha[a] * inv;
    if (z >= 0) v[k] -= alpha[z] * inv;
  }
  return true;
}

// ── SVD fallback: gelsd's semantics exactly ───────────────────────────────────────────────

/**
 * The minimum-norm least-squares solution of A x = rhs with singular values s ≤ rcond·s_max
 * treated as zero (LAPACK gelsd, as scipy.linalg.lstsq(cond=rcond) calls it). A is rows × cols,
 * column-major (column j at [j × rows, (j + 1) × rows)). Householder QR first when rows > cols,
 * then a one-sided Jacobi SVD (Hestenes) of the square or wide matrix, whose singular values are
 * accurate to the matrix's own rounding (unlike an eigen-decomposition of AᵀA).
 */
export function minimumNormLeastSquaresSvd(a: Float64Array, rows: number, cols: number, rhs: Float64Array, rcond = GELSD_RCOND): Float64Array {
  let x = a.slice();
  let b = rhs.slice();
  let p = rows;
  if (rows > cols) {
    // Householder QR: A = Q R, then ‖Ax − b‖ = ‖Rx − (Qᵀb)[0, cols)‖ + a constant.
    for (let j = 0; j < cols; j++) {
      const col = j * rows;
      let norm = 0;
      for (let i = j; i < rows; i++) norm += x[col + i] ** 2;
      norm = Math.sqrt(norm);
      if (norm === 0) continue;
      const alpha = x[col + j] > 0 ? -norm : norm;
      x[col + j] -= alpha;
      let vv = 0;
      for (let i = j; i < rows; i++) vv += x[col + i] ** 2;
      const apply = (target: Float64Array, offset: number) => {
        let s = 0;
        for (let i = j; i < rows; i++) s += x[col + i] * target[offset + i];
        const f = (2 * s) / vv;
        for (let i = j; i < rows; i++) target[offset + i] -= f * x[col + i];
      };
      for (let k = j + 1; k < cols; k++) apply(x, k * rows);
      apply(b, 0);
      for (let i = j + 1; i < rows; i++) x[col + i] = 0;
      x[col + j] = alpha;
    }
    const r = new Float64Array(cols * cols);
    for (let j = 0; j < cols; j++) for (let i = 0; i <= j; i++) r[j * cols + i] = x[j * rows + i];
    x = r;
    b = b.slice(0, cols);
    p = cols;
  }
  // One-sided Jacobi: rotate column pairs of X (p × cols) until all are orthogonal; X = U Σ,
  // V accumulates the rotations, so A = U Σ Vᵀ.
  const vMat = new Float64Array(cols * cols);
  for (let j = 0; j < cols; j++) vMat[j * cols + j] = 1;
  const eps = 1e-15;
  for (let sweep = 0; sweep < JACOBI_MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let j = 0; j < cols - 1; j++) {
      for (let k = j + 1; k < cols; k++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < p; i++) {
          const xj = x[j * p + i];
          const xk = x[k * p + i];
          alpha += xj * xj;
          beta += xk * xk;
          gamma += xj * xk;
        }
        if (gamma === 0 || Math.abs(gamma) <= eps * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const cs = 1 / Math.sqrt(1 + t * t);
        const sn = cs * t;
        for (let i = 0; i < p; i++) {
          const xj = x[j * p + i];
          const xk = x[k * p + i];
          x[j * p + i] = cs * xj - sn * xk;
          x[k * p + i] = sn * xj + cs * xk;
        }
        for (let i = 0; i < cols; i++) {
          const vj = vMat[j * cols + i];
          const vk = vMat[k * cols + i];
          vMat[j * cols + i] = cs * vj - sn * vk;
          vMat[k * cols + i] = sn * vj + cs * vk;
        }
      }
    }
    if (!rotated) break;
  }
  const sigma2 = new Float64Array(cols);
  let sMax = 0;
  for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let i = 0; i < p; i++) s += x[j * p + i] ** 2;
    sigma2[j] = s;
    sMax = Math.max(sMax, Math.sqrt(s));
  }
  // x = Σ_{σ_j > rcond·σ_max} v_j (u_jᵀ b)/σ_j, with u_j σ_j = X's column j.
  const solution = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    if (!(Math.sqrt(sigma2[j]) > rcond * sMax)) continue;
    let ub = 0;
    for (let i = 0; i < p; i++) ub += x[j * p + i] * b[i];
    const f = ub / sigma2[j];
    for (let i = 0; i < cols; i++) solution[i] += f * vMat[j * cols + i];
  }
  return solution;
}

/** The minimum-norm velocity by gelsd's rule (SVD of W^½B on the valid rows): the fallback. */
export function minimumNormVelocitySvd(network: IfgramNetwork, obs: PixelObservations): Float64Array {
  const m = network.dates.length - 1;
  const rows = obs.count;
  const a = new Float64Array(rows * m);
  const rhs = new Float64Array(rows);
  for (let u = 0; u < rows; u++) {
    const i = obs.ifgram[u];
    const sw = Math.sqrt(obs.weight[u]);
    for (let k = network.intervalStart[i]; k < network.intervalEnd[i]; k++) a[k * rows + u] = sw * network.pairSign[i] * network.intervalYears[k];
    rhs[u] = sw * obs.phaseRad[u];
  }
  return minimumNormLeastSquaresSvd(a, rows, m, rhs);
}

// ── One pixel, one tile ──────────────────────────────────────────────────────────────────

/** |Σ exp(i e_u)| / n of the unweighted residual e = y − B v (INVERSION.md §2.7). */
export function temporalCoherenceOf(network: IfgramNetwork, obs: PixelObservations, velocity: Float64Array): number {
  let re = 0;
  let im = 0;
  for (let u = 0; u < obs.count; u++) {
    const i = obs.ifgram[u];
    let predicted = 0;
    for (let k = network.intervalStart[i]; k < network.intervalEnd[i]; k++) predicted += network.intervalYears[k] * velocity[k];
    const e = obs.phaseRad[u] - network.pairSign[i] * predicted;
    re += Math.cos(e);
    im += Math.sin(e);
  }
  return Math.hypot(re, im) / obs.count;
}

/**
 * The pixel's valid observations (phase not NaN), in interferogram order. Throws on an infinite
 * phase or a non-finite √weight: observedPhase and coherenceWeightSqrt give neither, and MintPy
 * stops on them too.
 */
export function pixelObservations(tile: InvertTile, nIfgrams: number, pixel: number): PixelObservations {
  const ifgram = new Int32Array(nIfgrams);
  const phaseRad = new Float64Array(nIfgrams);
  const weight = new Float64Array(nIfgrams);
  let count = 0;
  for (let i = 0; i < nIfgrams; i++) {
    const y = tile.phaseRad[i * tile.nPixels + pixel];
    if (Number.isNaN(y)) continue;
    // MintPy drops NaN rows only; an infinite one makes scipy's lstsq raise (check_finite).
    if (!Number.isFinite(y)) throw new Error(`inversion: phase ${y} for interferogram ${i} of pixel ${pixel}`);
    let w = 1;
    if (tile.weightSqrt) {
      const sw = tile.weightSqrt[i * tile.nPixels + pixel];
      // coherenceWeightSqrt never gives these; a NaN here is a bug upstream, not a data gap.
      if (!Number.isFinite(sw)) throw new Error(`inversion: √weight ${sw} for interferogram ${i} of pixel ${pixel}`);
      w = sw * sw;
    }
    ifgram[count] = i;
    phaseRad[count] = y;
    weight[count] = w;
    count++;
  }
  return { count, ifgram, phaseRad, weight };
}

/** Whether some date but the exempt one has fewer than minRedundancy valid observations. */
export function failsRedundancy(network: IfgramNetwork, obs: PixelObservations, minRedundancy: number): boolean {
  const counts = new Int32Array(network.dates.length);
  for (let u = 0; u < obs.count; u++) {
    counts[network.intervalStart[obs.ifgram[u]]]++;
    counts[network.intervalEnd[obs.ifgram[u]]]++;
  }
  for (let j = 0; j < counts.length; j++) if (j !== network.redundancyExemptDate && counts[j] < minRedundancy) return true;
  return false;
}

/** How a solved pixel was solved (for tests and counts). */
export type InvertPath = 'banded' | 'svd';

/**
 * Inverts pixel `pixel` of `tile` into `out` (the tile's outputs: the pipeline also re-solves the
 * GPU's NEEDS_FLOAT64 pixels through this). Returns the path taken, or null when not solved.
 */
export function invertPixelInto(tile: InvertTile, network: IfgramNetwork, options: InvertOptions, pixel: number, out: InvertOutputs): InvertPath | null {
  const nPixels = tile.nPixels;
  const nDates = network.dates.length;
  const obs = pixelObservations(tile, network.intervalStart.length, pixel);
  const notSolved = (status: number) => {
    for (let j = 0; j < nDates; j++) out.timeseriesM[j * nPixels + pixel] = Number.NaN;
    out.temporalCoherence[pixel] = 0;
    out.numInvIfgram[pixel] = 0;
    out.status[pixel] = status;
    return null;
  };
  if (obs.count === 0) return notSolved(InvertStatus.NO_DATA);
  if (failsRedundancy(network, obs, options.minRedundancy)) return notSolved(InvertStatus.REDUNDANCY);
  let path: InvertPath = 'banded';
  let velocity = minimumNormVelocityBanded(network, obs);
  if (!velocity) {
    path = 'svd';
    velocity = minimumNormVelocitySvd(network, obs);
  }
  let ts = 0;
  out.timeseriesM[pixel] = 0 * options.metresPerRadian;
  for (let k = 0; k + 1 < nDates; k++) {
    ts += network.intervalYears[k] * velocity[k];
    out.timeseriesM[(k + 1) * nPixels + pixel] = ts * options.metresPerRadian;
  }
  out.temporalCoherence[pixel] = temporalCoherenceOf(network, obs, velocity);
  out.numInvIfgram[pixel] = obs.count;
  out.status[pixel] = InvertStatus.SOLVED;
  return path;
}

export class CpuInvertKernel implements InvertKernel {
  readonly kind = 'cpu' as const;
  readonly description = 'cpu: float64 reference';
  /** Pixels solved by the SVD fallback since construction (near-singular networks). */
  svdPixels = 0;

  async invertTile(tile: InvertTile, network: IfgramNetwork, options: InvertOptions): Promise<InvertOutputs> {
    checkInvertNetwork(network);
    checkInvertTile(tile, network);
    const out = allocateInvertOutputs(tile.nPixels, network.dates.length);
    for (let p = 0; p < tile.nPixels; p++) {
      if (invertPixelInto(tile, network, options, p, out) === 'svd') this.svdPixels++;
    }
    return out;
  }

  dispose(): void {}
}
