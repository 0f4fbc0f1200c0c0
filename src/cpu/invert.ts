// Float64 reference of the network inversion (src/core/inversion.ts, ../shared/INVERSION.md
// §2.6–§2.7): MintPy's minimum-norm velocity estimator per pixel. It is the CPU path (in the CLI
// on every core: invert-worker-pool.ts runs invertPixelRange on worker threads), the re-solve of
// the pixels the WGSL kernel (shaders/invert.wgsl) marks NEEDS_FLOAT64, and the truth that kernel
// is tested against (test/invert-kernel.test.ts).
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
//
// Speed (the study's 947 × 286 network: ~45 µs a pixel on one core): a tile's pixels share one
// InvertScratch, so the banded path allocates nothing per pixel; a sweep over the pairs in date
// order proves most pixels' networks connected without the union-find; pixels with every
// interferogram valid share the network's redundancy check and components, and unweighted ones
// its factored normal matrix. Every sum is formed in the same order as the plain per-pixel
// algorithm above, with Math.cos/Math.sin for the coherence, so none of this changes a bit.
import {
  InvertStatus,
  allocateInvertOutputs,
  checkIfgramNetwork,
  checkInvertTile,
  type IfgramNetwork,
  type InvertKernel,
  type InvertOptions,
  type InvertOutputs,
  type InvertTile,
} from '../core/inversion.ts';
import { choleskyInPlace, choleskySolveInPlace } from '../core/linalg.ts';

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
  const label = new Int32Array(nDates);
  const count = componentsInto(nDates, intervalStart, intervalEnd, used, usedCount, new Int32Array(nDates), label);
  return { label, count };
}

/** dateComponents into the caller's buffers (`parent`: scratch, `label`: the labels); returns the count. */
function componentsInto(
  nDates: number,
  intervalStart: ArrayLike<number>,
  intervalEnd: ArrayLike<number>,
  used: ArrayLike<number>,
  usedCount: number,
  parent: Int32Array,
  label: Int32Array,
): number {
  // Each root is its component's smallest date: a union links the larger root under the smaller.
  for (let j = 0; j < nDates; j++) parent[j] = j;
  for (let u = 0; u < usedCount; u++) {
    let a = intervalStart[used[u]];
    while (parent[a] !== a) a = parent[a] = parent[parent[a]];
    let b = intervalEnd[used[u]];
    while (parent[b] !== b) b = parent[b] = parent[parent[b]];
    if (a < b) parent[b] = a;
    else if (b < a) parent[a] = b;
  }
  let count = 0;
  for (let j = 0; j < nDates; j++) {
    let r = j;
    while (parent[r] !== r) r = parent[r] = parent[parent[r]];
    label[j] = r === j ? count++ : label[r];
  }
  return count;
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
    // A[k][i] is band[rowK − i], A[j][i] band[rowJ − i].
    const rowK = k * w + k;
    for (let j = j0; j < k; j++) {
      const rowJ = j * w + j;
      let s = band[rowK - j];
      for (let i = j0; i < j; i++) s -= band[rowK - i] * band[rowJ - i];
      band[rowK - j] = s / band[j * w];
    }
    let pivot = band[k * w];
    for (let i = j0; i < k; i++) {
      const l = band[rowK - i];
      pivot -= l * l;
    }
    if (!(pivot > pivotFloor) || !(pivot > 0)) return false;
    band[k * w] = Math.sqrt(pivot);
  }
  return true;
}

/** Solves L Lᵀ x = rhs in place, L from bandedCholeskyInPlace. */
export function bandedCholeskySolveInPlace(band: Float64Array, n: number, b: number, rhs: Float64Array): void {
  const w = b + 1;
  for (let k = 0; k < n; k++) {
    const rowK = k * w + k;
    let s = rhs[k];
    for (let i = Math.max(0, k - b); i < k; i++) s -= band[rowK - i] * rhs[i];
    rhs[k] = s / band[k * w];
  }
  for (let k = n - 1; k >= 0; k--) {
    let s = rhs[k];
    // L[i][k] = band[i × w + (i − k)] = band[i × (w + 1) − k].
    for (let i = k + 1, last = Math.min(n - 1, k + b); i <= last; i++) s -= band[i * (w + 1) - k] * rhs[i];
    rhs[k] = s / band[k * w];
  }
}

/** One pixel's valid observations: the interferograms used, their phase (rad) and weight w = (√w)². */
export interface PixelObservations {
  count: number;
  ifgram: Int32Array;
  phaseRad: Float64Array;
  weight: Float64Array;
}

const FACTOR_UNKNOWN = 0;
const FACTOR_READY = 1;
const FACTOR_FAILED = 2;

/**
 * What the solves of one network's pixels need besides their observations, sized once and reused
 * from pixel to pixel (the banded path allocates nothing per pixel), and what every pixel with all
 * of the network's interferograms valid shares: its date components, its redundancy check and,
 * unweighted, its factored normal matrix. Results do not depend on what a scratch has seen:
 * the shared parts are computed by the same operations each pixel would do.
 */
export class InvertScratch {
  readonly nIfgrams: number;
  readonly nDates: number;
  /** N − 1 velocities. */
  readonly nIntervals: number;
  readonly halfBandwidth: number;
  readonly intervalStart: Int32Array;
  readonly intervalEnd: Int32Array;
  /** pairSign and intervalYears in float64 (the same values). */
  readonly sign: Float64Array;
  readonly dt: Float64Array;
  readonly intervalYears: Float32Array;
  readonly redundancyExemptDate: number;
  /** The pixel being solved: its observations (count set per pixel). */
  readonly obs: PixelObservations;
  readonly band: Float64Array;
  readonly v: Float64Array;
  /** dt_k · v_k of the solved pixel. */
  readonly dv: Float64Array;
  readonly parent: Int32Array;
  readonly label: Int32Array;
  /** Per date: valid interferograms ending there (the redundancy check). */
  readonly counts: Int32Array;
  /** Per date: reached from date 0 (countDatesAndReach). */
  readonly reached: Uint8Array;
  /** Whether the interferograms are in order of their earlier date (as MintPy's date12 list). */
  readonly startsSorted: boolean;
  // What the whole network (every interferogram valid) shares, filled in by its first pixel.
  // (Fields keep one type throughout, so optimised code is not thrown away when they are set.)
  /** Its components' labels and count (−1: not yet known). */
  readonly fullLabel: Int32Array;
  fullComponents = -1;
  /** Its redundancy at `fullRedundancyOf` (NaN: not yet checked). */
  fullRedundancyOf = Number.NaN;
  fullFailsRedundancy = false;
  /** With unit weights: the pinned, factored band, and its state (FACTOR_*). */
  readonly fullUnitFactor: Float64Array;
  fullUnitState: number = FACTOR_UNKNOWN;

  constructor(network: IfgramNetwork) {
    this.nIfgrams = network.intervalStart.length;
    this.nDates = network.dates.length;
    this.nIntervals = this.nDates - 1;
    this.halfBandwidth = network.halfBandwidth;
    this.intervalStart = network.intervalStart;
    this.intervalEnd = network.intervalEnd;
    this.sign = Float64Array.from(network.pairSign);
    this.dt = Float64Array.from(network.intervalYears);
    this.intervalYears = network.intervalYears;
    this.redundancyExemptDate = network.redundancyExemptDate;
    this.obs = { count: 0, ifgram: new Int32Array(this.nIfgrams), phaseRad: new Float64Array(this.nIfgrams), weight: new Float64Array(this.nIfgrams) };
    this.band = new Float64Array(this.nIntervals * (this.halfBandwidth + 1));
    this.v = new Float64Array(this.nIntervals);
    this.dv = new Float64Array(this.nIntervals);
    this.parent = new Int32Array(this.nDates);
    this.label = new Int32Array(this.nDates);
    this.counts = new Int32Array(this.nDates);
    this.reached = new Uint8Array(this.nDates);
    this.fullLabel = new Int32Array(this.nDates);
    this.fullUnitFactor = new Float64Array(this.band.length);
    let sorted = true;
    for (let i = 1; i < this.nIfgrams; i++) if (this.intervalStart[i] < this.intervalStart[i - 1]) sorted = false;
    this.startsSorted = sorted;
  }
}

/**
 * The minimum-norm velocity (rad/yr, N − 1 values) of one pixel through the banded normal
 * equations and the null-space projection (the header's steps 2–3); null when a pivot falls
 * below CPU_INVERSION_RELATIVE_PIVOT_FLOOR (use minimumNormVelocitySvd).
 */
export function minimumNormVelocityBanded(network: IfgramNetwork, obs: PixelObservations): Float64Array | null {
  const scratch = new InvertScratch(network);
  return solveBanded(scratch, obs, false, true, false) ? scratch.v.slice() : null;
}

/**
 * minimumNormVelocityBanded into `s.v`; false when a pivot falls below the floor. `full`: obs
 * holds every interferogram of the network (its components and, with `weighted` false, its
 * factored normal matrix are then the scratch's shared ones). `connected`: the dates are known
 * to form one component (countDatesAndReach), so the union-find is skipped.
 */
function solveBanded(s: InvertScratch, obs: PixelObservations, full: boolean, weighted: boolean, connected: boolean): boolean {
  const { intervalStart, intervalEnd, sign, dt, band, v, nIntervals: m, halfBandwidth: b } = s;
  const w = b + 1;
  const { ifgram, phaseRad, weight, count: nObs } = obs;
  v.fill(0);
  const shareFactor = full && !weighted;
  if (shareFactor && s.fullUnitState !== FACTOR_UNKNOWN) {
    // The right-hand side alone: the normal matrix is the network's, factored once.
    for (let u = 0; u < nObs; u++) {
      const i = ifgram[u];
      const wy = weight[u] * sign[i] * phaseRad[u];
      for (let k = intervalStart[i], hi = intervalEnd[i]; k < hi; k++) v[k] += wy * dt[k];
    }
    if (s.fullUnitState === FACTOR_FAILED) return false;
    bandedCholeskySolveInPlace(s.fullUnitFactor, m, b, v);
    return s.fullComponents <= 1 || projectOutNullSpace(v, s.fullLabel, s.fullComponents - 1, s.intervalYears);
  }
  band.fill(0);
  for (let u = 0; u < nObs; u++) {
    const i = ifgram[u];
    const lo = intervalStart[i];
    const hi = intervalEnd[i];
    const wt = weight[u];
    const wy = wt * sign[i] * phaseRad[u];
    // N[k][l] (at band[k × w + (k − l)]) += (w dt_k) dt_l and r[k] += (w s y) dt_k for
    // lo ≤ l ≤ k < hi; the spans of 1–3 intervals written out (each entry still gets one
    // addition per pair, in pair order: the same sums).
    const span = hi - lo;
    if (span === 1) {
      const d0 = dt[lo];
      v[lo] += wy * d0;
      band[lo * w] += wt * d0 * d0;
    } else if (span === 2) {
      const d0 = dt[lo];
      const d1 = dt[lo + 1];
      v[lo] += wy * d0;
      v[lo + 1] += wy * d1;
      const r0 = lo * w;
      const r1 = r0 + w;
      band[r0] += wt * d0 * d0;
      const w1 = wt * d1;
      band[r1 + 1] += w1 * d0;
      band[r1] += w1 * d1;
    } else if (span === 3) {
      const d0 = dt[lo];
      const d1 = dt[lo + 1];
      const d2 = dt[lo + 2];
      v[lo] += wy * d0;
      v[lo + 1] += wy * d1;
      v[lo + 2] += wy * d2;
      const r0 = lo * w;
      const r1 = r0 + w;
      const r2 = r1 + w;
      band[r0] += wt * d0 * d0;
      const w1 = wt * d1;
      band[r1 + 1] += w1 * d0;
      band[r1] += w1 * d1;
      const w2 = wt * d2;
      band[r2 + 2] += w2 * d0;
      band[r2 + 1] += w2 * d1;
      band[r2] += w2 * d2;
    } else {
      for (let k = lo; k < hi; k++) {
        const dtk = dt[k];
        v[k] += wy * dtk;
        const wdk = wt * dtk;
        const row = k * w + k;
        for (let l = lo; l <= k; l++) band[row - l] += wdk * dt[l];
      }
    }
  }
  let label: Int32Array;
  let count: number;
  if (connected) {
    label = s.label;
    count = 1;
  } else if (full) {
    if (s.fullComponents < 0) s.fullComponents = componentsInto(s.nDates, intervalStart, intervalEnd, ifgram, nObs, s.parent, s.fullLabel);
    label = s.fullLabel;
    count = s.fullComponents;
  } else {
    label = s.label;
    count = componentsInto(s.nDates, intervalStart, intervalEnd, ifgram, nObs, s.parent, label);
  }
  const c = count - 1;
  let scale = 0;
  for (let k = 0; k < m; k++) scale = Math.max(scale, band[k * w]);
  if (!(scale > 0)) scale = 1;
  if (c > 0) {
    // Pin v[min(C) − 1] of every component C but date 0's (the header's step 3a). Labels are
    // numbered in date order, so component `next` starts at the first date carrying its label.
    for (let j = 1, next = 1; j < s.nDates; j++) {
      if (label[j] === next) {
        band[(j - 1) * w] += scale;
        next++;
      }
    }
  }
  const factored = bandedCholeskyInPlace(band, m, b, CPU_INVERSION_RELATIVE_PIVOT_FLOOR * scale);
  if (shareFactor) {
    s.fullUnitState = factored ? FACTOR_READY : FACTOR_FAILED;
    if (factored) s.fullUnitFactor.set(band);
  }
  if (!factored) return false;
  bandedCholeskySolveInPlace(band, m, b, v);
  return c <= 0 || projectOutNullSpace(v, label, c, s.intervalYears);
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
  // The small c × c system G α = g (core/linalg's dense Cholesky, the pivot floor of this file).
  if (!choleskyInPlace(gram, c, CPU_INVERSION_RELATIVE_PIVOT_FLOOR)) return false;
  choleskySolveInPlace(gram, c, alpha);
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
  const s = new InvertScratch(network);
  for (let k = 0; k < s.nIntervals; k++) s.dv[k] = s.dt[k] * velocity[k];
  return temporalCoherenceFromSteps(s, obs);
}

/** temporalCoherenceOf with `s.dv` = dt_k · v_k: B v of pair i is Σ_{lo ≤ k < hi} dv_k, in k order. */
function temporalCoherenceFromSteps(s: InvertScratch, obs: PixelObservations): number {
  const { intervalStart, intervalEnd, sign, dv } = s;
  const { ifgram, phaseRad, count } = obs;
  let re = 0;
  let im = 0;
  for (let u = 0; u < count; u++) {
    const i = ifgram[u];
    let predicted = 0;
    for (let k = intervalStart[i], hi = intervalEnd[i]; k < hi; k++) predicted += dv[k];
    const e = phaseRad[u] - sign[i] * predicted;
    re += Math.cos(e);
    im += Math.sin(e);
  }
  return Math.hypot(re, im) / count;
}

/**
 * The pixel's valid observations (phase not NaN), in interferogram order. Throws on an infinite
 * phase or a non-finite √weight: observedPhase and coherenceWeightSqrt give neither, and MintPy
 * stops on them too.
 */
export function pixelObservations(tile: InvertTile, nIfgrams: number, pixel: number): PixelObservations {
  const obs: PixelObservations = { count: 0, ifgram: new Int32Array(nIfgrams), phaseRad: new Float64Array(nIfgrams), weight: new Float64Array(nIfgrams) };
  gatherObservations(tile, nIfgrams, pixel, obs);
  return obs;
}

/** pixelObservations into `obs` (its arrays hold nIfgrams values). */
function gatherObservations(tile: InvertTile, nIfgrams: number, pixel: number, obs: PixelObservations): void {
  const { nPixels, phaseRad: phase, weightSqrt } = tile;
  const { ifgram, phaseRad, weight } = obs;
  let count = 0;
  for (let i = 0, at = pixel; i < nIfgrams; i++, at += nPixels) {
    const y = phase[at];
    if (y !== y) continue;
    // MintPy drops NaN rows only; an infinite one makes scipy's lstsq raise (check_finite).
    if (y === Number.POSITIVE_INFINITY || y === Number.NEGATIVE_INFINITY) throw new Error(`inversion: phase ${y} for interferogram ${i} of pixel ${pixel}`);
    let w = 1;
    if (weightSqrt !== null) {
      const sw = weightSqrt[at];
      // coherenceWeightSqrt never gives these; a NaN here is a bug upstream, not a data gap.
      if (!Number.isFinite(sw)) throw new Error(`inversion: √weight ${sw} for interferogram ${i} of pixel ${pixel}`);
      w = sw * sw;
    }
    ifgram[count] = i;
    phaseRad[count] = y;
    weight[count] = w;
    count++;
  }
  obs.count = count;
}

/** Whether some date but the exempt one has fewer than minRedundancy valid observations. */
export function failsRedundancy(network: IfgramNetwork, obs: PixelObservations, minRedundancy: number): boolean {
  const s = new InvertScratch(network);
  countDatesAndReach(s, obs);
  return failsRedundancyCounted(s, minRedundancy);
}

/**
 * Counts the valid interferograms at each date (s.counts) and marks the dates reached from date 0
 * through them, taken in order of their earlier date (s.reached). Returns true when every date
 * is reached, which proves the dates form one component (false says nothing: a date may be
 * joined to date 0 only through a later one, and unsorted networks are not swept).
 */
function countDatesAndReach(s: InvertScratch, obs: PixelObservations): boolean {
  const { counts, reached, intervalStart, intervalEnd } = s;
  const { ifgram, count } = obs;
  counts.fill(0);
  reached.fill(0);
  reached[0] = 1;
  // In start order every pair ending at a date comes before the pairs starting there, so a
  // date's mark is final before it is read.
  for (let u = 0; u < count; u++) {
    const i = ifgram[u];
    const lo = intervalStart[i];
    const hi = intervalEnd[i];
    counts[lo]++;
    counts[hi]++;
    reached[hi] |= reached[lo];
  }
  if (!s.startsSorted) return false;
  for (let j = 1; j < s.nDates; j++) if (reached[j] === 0) return false;
  return true;
}

/** failsRedundancy from the counts of countDatesAndReach. */
function failsRedundancyCounted(s: InvertScratch, minRedundancy: number): boolean {
  const { counts } = s;
  for (let j = 0; j < counts.length; j++) if (j !== s.redundancyExemptDate && counts[j] < minRedundancy) return true;
  return false;
}

/** How a solved pixel was solved (for tests and counts). */
export type InvertPath = 'banded' | 'svd';

/**
 * Inverts pixel `pixel` of `tile` into `out` (the tile's outputs: the pipeline also re-solves the
 * GPU's NEEDS_FLOAT64 pixels through this). Returns the path taken, or null when not solved.
 * Every output of the pixel is written. `scratch` (for `network`) may be shared by the pixels of
 * a tile.
 */
export function invertPixelInto(
  tile: InvertTile,
  network: IfgramNetwork,
  options: InvertOptions,
  pixel: number,
  out: InvertOutputs,
  scratch: InvertScratch = new InvertScratch(network),
): InvertPath | null {
  const s = scratch;
  const nPixels = tile.nPixels;
  const nDates = s.nDates;
  const obs = s.obs;
  gatherObservations(tile, s.nIfgrams, pixel, obs);
  const full = obs.count === s.nIfgrams;
  let fails = false;
  let connected = false;
  if (full) {
    // The whole network's check, once per scratch and minRedundancy (its components: solveBanded).
    if (s.fullRedundancyOf !== options.minRedundancy) {
      countDatesAndReach(s, obs);
      s.fullFailsRedundancy = failsRedundancyCounted(s, options.minRedundancy);
      s.fullRedundancyOf = options.minRedundancy;
    }
    fails = s.fullFailsRedundancy;
  } else if (obs.count > 0) {
    connected = countDatesAndReach(s, obs);
    fails = failsRedundancyCounted(s, options.minRedundancy);
  }
  if (obs.count === 0 || fails) {
    for (let j = 0, at = pixel; j < nDates; j++, at += nPixels) out.timeseriesM[at] = Number.NaN;
    out.temporalCoherence[pixel] = 0;
    out.numInvIfgram[pixel] = 0;
    out.status[pixel] = obs.count === 0 ? InvertStatus.NO_DATA : InvertStatus.REDUNDANCY;
    return null;
  }
  let path: InvertPath = 'banded';
  let velocity = s.v;
  if (!solveBanded(s, obs, full, tile.weightSqrt !== null, connected)) {
    path = 'svd';
    velocity = minimumNormVelocitySvd(network, obs);
  }
  const { dt, dv } = s;
  const metresPerRadian = options.metresPerRadian;
  const ts = out.timeseriesM;
  let sum = 0;
  ts[pixel] = 0 * metresPerRadian;
  for (let k = 0, at = pixel + nPixels; k < s.nIntervals; k++, at += nPixels) {
    const step = dt[k] * velocity[k];
    dv[k] = step;
    sum += step;
    ts[at] = sum * metresPerRadian;
  }
  out.temporalCoherence[pixel] = temporalCoherenceFromSteps(s, obs);
  out.numInvIfgram[pixel] = obs.count;
  out.status[pixel] = InvertStatus.SOLVED;
  return path;
}

/**
 * Inverts pixels [pixelStart, pixelEnd) of `tile` into `out` (the whole tile's outputs), one
 * scratch for all; returns how many took the SVD path. The CPU kernel and each worker of the
 * pool (invert-worker-pool.ts) run this, so both give the same bits.
 */
export function invertPixelRange(
  tile: InvertTile,
  network: IfgramNetwork,
  options: InvertOptions,
  pixelStart: number,
  pixelEnd: number,
  out: InvertOutputs,
): number {
  const scratch = new InvertScratch(network);
  let svd = 0;
  for (let p = pixelStart; p < pixelEnd; p++) {
    if (invertPixelInto(tile, network, options, p, out, scratch) === 'svd') svd++;
  }
  return svd;
}

export class CpuInvertKernel implements InvertKernel {
  readonly kind = 'cpu' as const;
  readonly description = 'cpu: float64 reference';
  /** Pixels solved by the SVD fallback since construction (near-singular networks). */
  svdPixels = 0;

  async invertTile(tile: InvertTile, network: IfgramNetwork, options: InvertOptions): Promise<InvertOutputs> {
    checkIfgramNetwork(network);
    checkInvertTile(tile, network);
    const out = allocateInvertOutputs(tile.nPixels, network.dates.length);
    this.svdPixels += invertPixelRange(tile, network, options, 0, tile.nPixels, out);
    return out;
  }

  dispose(): void {}
}
