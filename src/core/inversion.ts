// The network inversion (study §2.1; ../shared/INVERSION.md §2): MintPy's `ifgram_inversion`
// estimator, pure. The interferogram network and its design (§2.3), the coherence weights
// (§2.5), how one pixel's observations are prepared (§2.2 steps 4–6) and the kernel contract
// every backend implements: the float64 reference (src/cpu/invert.ts) and the WGSL kernel
// (src/gpu/invert-kernel.ts, shaders/invert.wgsl), neither importing the other.
//
// The estimator, per pixel (INVERSION.md §2.6), in the minimum-norm velocity parameterisation:
//
//   y_i = s_i · Σ_{k = lo_i}^{hi_i − 1} dt_k · v_k        (B of MintPy: row i is dt over the
//                                                          intervals the pair spans, sign s_i)
//   v = argmin ‖W^½(B v − y)‖², of least norm ‖v‖         (scipy lstsq → gelsd)
//   ts_0 = 0,  ts_j = Σ_{k<j} dt_k · v_k                   (first date is the reference)
//
// Solved through the banded normal equations (BᵀWB has half-bandwidth = longest span − 1,
// INVERSION.md §7.1). A pixel whose valid interferograms split its dates into several connected
// components has a singular BᵀWB; its least-norm solution is found without an SVD
// (src/cpu/invert.ts says how: pin one velocity per component, then project out the null space).
import { InputError } from './errors.ts';
import { parseYmd } from './time.ts';

/** One interferogram: its two acquisition dates, YYYYMMDD as MintPy writes them. */
export interface IfgramPair {
  referenceDate: string;
  secondaryDate: string;
}

/**
 * The kept interferograms' network, as MintPy's get_design_matrix4timeseries builds it from the
 * kept date12 list.
 */
export interface IfgramNetwork {
  /** Sorted, unique dates of the kept pairs (YYYYMMDD): the time series' dates. */
  dates: string[];
  /** Per kept interferogram: index of its earlier date in `dates` (B's first column). */
  intervalStart: Int32Array;
  /** Per kept interferogram: index of its later date (B's columns are [start, end)). */
  intervalEnd: Int32Array;
  /** +1 when the pair is written earlier-first (MintPy's usual), −1 when later-first. */
  pairSign: Float32Array;
  /**
   * dt_k = tbase[k+1] − tbase[k] in years, float32 as MintPy computes it
   * (tbase = float32(days since the first date) / 365.25, in float32), N − 1 values.
   */
  intervalYears: Float32Array;
  /**
   * Index in `dates` of the date whose column MintPy removes from A: the common reference date
   * of a single-reference network, else the first date. Its column is exempt from the
   * min-redundancy check (INVERSION.md §2.9 quirk 4).
   */
  redundancyExemptDate: number;
  /** Largest span of a pair in acquisitions minus one: the normal matrix's half-bandwidth. */
  halfBandwidth: number;
}

/** Days since 1970-01-01 of a YYYYMMDD date, or NaN when it is not a calendar date. */
export function daysOfDate8(date: string): number {
  // parseYmd forgives surrounding blanks; a date of the network must be the 8 digits alone.
  const ymd = date === date.trim() ? parseYmd(date) : null;
  // setUTCFullYear, not Date.UTC, which reads years 0–99 as 1900–1999.
  return ymd ? new Date(0).setUTCFullYear(ymd.year, ymd.month - 1, ymd.day) / 86_400_000 : Number.NaN;
}

/**
 * The network of the kept pairs (MintPy's date_list, B, the redundancy-exempt date). `file` names
 * the stack in errors: a pair whose dates are not calendar dates, a pair of one date, or fewer
 * than two kept interferograms.
 */
export function buildIfgramNetwork(pairs: readonly IfgramPair[], file: string): IfgramNetwork {
  if (pairs.length < 2) {
    throw new InputError(file, `${pairs.length} kept interferogram${pairs.length === 1 ? '' : 's'}; the inversion needs at least two`);
  }
  for (const p of pairs) {
    for (const d of [p.referenceDate, p.secondaryDate]) {
      if (Number.isNaN(daysOfDate8(d))) throw new InputError(file, `interferogram ${p.referenceDate}_${p.secondaryDate}: "${d}" is not a YYYYMMDD date`);
    }
    if (p.referenceDate === p.secondaryDate) throw new InputError(file, `interferogram ${p.referenceDate}_${p.secondaryDate} pairs a date with itself`);
  }
  const dates = [...new Set(pairs.flatMap((p) => [p.referenceDate, p.secondaryDate]))].sort();
  const index = new Map(dates.map((d, i) => [d, i]));
  const day0 = daysOfDate8(dates[0]);
  // float32 as MintPy: tbase = np.array(days, float32) / 365.25 (a float32 division), then diff.
  const tbase = dates.map((d) => Math.fround(Math.fround(daysOfDate8(d) - day0) / 365.25));
  const intervalYears = new Float32Array(dates.length - 1);
  for (let k = 0; k + 1 < dates.length; k++) intervalYears[k] = Math.fround(tbase[k + 1] - tbase[k]);
  const m = pairs.length;
  const intervalStart = new Int32Array(m);
  const intervalEnd = new Int32Array(m);
  const pairSign = new Float32Array(m);
  let span = 1;
  pairs.forEach((p, i) => {
    const a = index.get(p.referenceDate)!;
    const b = index.get(p.secondaryDate)!;
    intervalStart[i] = Math.min(a, b);
    intervalEnd[i] = Math.max(a, b);
    pairSign[i] = a < b ? 1 : -1;
    span = Math.max(span, Math.abs(b - a));
  });
  const referenceDates = new Set(pairs.map((p) => p.referenceDate));
  const redundancyExemptDate = referenceDates.size === 1 ? index.get(pairs[0].referenceDate)! : 0;
  return { dates, intervalStart, intervalEnd, pairSign, intervalYears, redundancyExemptDate, halfBandwidth: span - 1 };
}

// ── Weights (INVERSION.md §2.5; MintPy simulation/decorrelation.py) ──────────────────────────

export type WeightFunction = 'var' | 'fim' | 'coh' | 'no';
export const WEIGHT_FUNCTIONS: readonly WeightFunction[] = ['var', 'fim', 'coh', 'no'];

/** Coherence floor MintPy applies before weighting (calc_weight_sqrt: epsilon=5e-2). */
export const WEIGHT_COHERENCE_EPSILON = 0.05;
/** Bins of MintPy's phase-variance table (coh_step 0.005). */
export const PHASE_VARIANCE_BINS = 200;
const COH_STEP = 0.005;

/**
 * MintPy's number of looks for the weights: NCORRLOOKS, else ALOOKS·RLOOKS/1.94 (Sentinel-1's
 * resolution/pixel ratio), rounded half to even as np.rint, at least 1.
 */
export function weightLooks(attrs: { NCORRLOOKS?: number; ALOOKS?: number; RLOOKS?: number }): number | null {
  let looks: number;
  if (attrs.NCORRLOOKS !== undefined && Number.isFinite(attrs.NCORRLOOKS)) looks = attrs.NCORRLOOKS;
  else if (attrs.ALOOKS !== undefined && attrs.RLOOKS !== undefined && Number.isFinite(attrs.ALOOKS) && Number.isFinite(attrs.RLOOKS)) {
    // MintPy: int(ALOOKS) * int(RLOOKS) / 1.94
    looks = (Math.trunc(attrs.ALOOKS) * Math.trunc(attrs.RLOOKS)) / 1.94;
  } else return null;
  return Math.max(roundHalfEven(looks), 1);
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; ~1e-15 relative). */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * MintPy's phase_variance_ds: the variance of the distributed-scatterer phase PDF (Tough et al.
 * 1995, eq. 66) for each of the 200 coherence bins 0.0025 … 0.9975, integrated over 200 phase
 * samples linspace(−π, π, 200) with both ends, times 2π/200; L capped at 80. Non-positive
 * variances become the smallest positive one. Float64 throughout, as MintPy.
 */
export function phaseVarianceTable(looks: number): Float64Array {
  const L = Math.min(Math.trunc(looks), 80);
  const table = new Float64Array(PHASE_VARIANCE_BINS);
  const nPhi = 200;
  const phis = Array.from({ length: nPhi }, (_, i) => -Math.PI + (2 * Math.PI * i) / (nPhi - 1));
  // Γ(2L−1)/(Γ(L)²·2^(2(L−1))), and the terms of ΣD, in logs (Γ(159) overflows nothing in logs).
  const lead = Math.exp(logGamma(2 * L - 1) - 2 * logGamma(L) - 2 * (L - 1) * Math.LN2);
  const dTerms: number[] = [];
  for (let r = 0; r <= L - 2; r++) {
    dTerms.push(Math.exp(logGamma(L - 0.5) - logGamma(L - 0.5 - r) + logGamma(L - 1 - r) - logGamma(L - 1)));
  }
  for (let j = 0; j < PHASE_VARIANCE_BINS; j++) {
    const coh = (j + 1) * COH_STEP - COH_STEP / 2;
    let sum = 0;
    for (const phi of phis) {
      const beta = coh * Math.cos(phi);
      const oneMinus = 1 - beta * beta;
      const cTerm = ((2 * L - 1) * beta) / Math.pow(oneMinus, L + 0.5) * (Math.PI / 2 + Math.asin(beta)) + Math.pow(oneMinus, -L);
      let dSum = 0;
      for (let r = 0; r <= L - 2; r++) dSum += (dTerms[r] * (1 + (2 * r + 1) * beta * beta)) / Math.pow(oneMinus, r + 2);
      // MintPy adds ΣD only when L > 1 (its sum is empty at L = 1, and 2(L − 1) = 0).
      if (L > 1) dSum /= 2 * (L - 1);
      const pdf = (Math.pow(1 - coh * coh, L) / (2 * Math.PI)) * (lead * cTerm + dSum);
      sum += phi * phi * pdf;
    }
    table[j] = sum * ((2 * Math.PI) / nPhi);
  }
  let minPositive = Number.POSITIVE_INFINITY;
  for (const v of table) if (v > 0 && v < minPositive) minPositive = v;
  for (let j = 0; j < table.length; j++) if (!(table[j] > 0)) table[j] = minPositive;
  return table;
}

/**
 * √weight of one observation from its spatial coherence, as MintPy's calc_weight_sqrt stores it
 * (float32): NaN → ε, below ε → ε (ε = 0.05), then var: 1/σ²φ from `varianceTable` by the bin
 * int16((γ − 0.0025)/0.005) of γ clipped to [0.0025, 0.9975]; fim: 2Lγ²/(1−γ²), γ ≤ 1 − 1e-3;
 * coh: γ. The weight is rounded to float32 before the square root, as MintPy does.
 */
export function coherenceWeightSqrt(coherence: number, weightFunction: Exclude<WeightFunction, 'no'>, looks: number, varianceTable: Float64Array | null): number {
  // MintPy writes ε into the float32 array: NaN and values below ε both become float32(0.05).
  let g = Number.isNaN(coherence) ? Math.fround(WEIGHT_COHERENCE_EPSILON) : coherence;
  // MintPy clips the float32 array in place against the float64 epsilon, then casts to float64.
  if (g < WEIGHT_COHERENCE_EPSILON) g = Math.fround(WEIGHT_COHERENCE_EPSILON);
  let weight: number;
  if (weightFunction === 'var') {
    const cohMin = COH_STEP / 2;
    const cohMax = 1 - COH_STEP / 2;
    const clipped = Math.min(Math.max(g, cohMin), cohMax);
    const bin = Math.trunc((clipped - cohMin) / COH_STEP);
    weight = 1 / varianceTable![bin];
  } else if (weightFunction === 'fim') {
    const c = Math.min(g, 1 - 1e-3);
    weight = (2 * looks * c * c) / (1 - c * c);
  } else {
    weight = g;
  }
  return Math.fround(Math.sqrt(Math.fround(weight)));
}

// ── Observations of one pixel (INVERSION.md §2.2 steps 4–6) ──────────────────────────────────

/** How interferograms are masked per observation (`--mask-dataset`). */
export type ObservationMask = 'none' | 'connectComponent' | 'coherence';

/**
 * The observation MintPy inverts from one unwrapped phase value (rad), float32 exactly:
 * referenced where non-zero (obs − ref, in float32), then every exact zero (and ±∞) is no data (NaN),
 * which also drops values equal to the reference; then the mask: connectComponent 0, or
 * coherence below the threshold (NaN coherence counts as 0) is no data.
 */
export function observedPhase(
  unwrappedRad: number,
  referenceRad: number,
  mask: ObservationMask,
  maskValue: number,
  maskThreshold: number,
): number {
  let v = unwrappedRad;
  if (v !== 0 && !Number.isNaN(v)) v = Math.fround(v - referenceRad);
  // ±Infinity is no data too (MintPy would stop in scipy's finite check).
  if (v === 0 || !Number.isFinite(v)) return Number.NaN;
  if (mask === 'connectComponent' && maskValue === 0) return Number.NaN;
  if (mask === 'coherence' && !((Number.isNaN(maskValue) ? 0 : maskValue) >= maskThreshold)) return Number.NaN;
  return v;
}

// ── Kernel contract ──────────────────────────────────────────────────────────────────────────

/** What became of one pixel (InvertOutputs.status). */
export const InvertStatus = {
  /** Solved by this kernel. */
  SOLVED: 0,
  /** No valid observation: nothing to invert (ts NaN, tcoh 0, count 0). */
  NO_DATA: 1,
  /** Some date (other than the exempt one) has fewer valid observations than minRedundancy. */
  REDUNDANCY: 2,
  /** The float32 kernel could not solve it safely (small pivot, too many components): redo in float64. */
  NEEDS_FLOAT64: 3,
} as const;
export type InvertStatusCode = (typeof InvertStatus)[keyof typeof InvertStatus];

/** One tile of pixels' prepared observations. */
export interface InvertTile {
  nPixels: number;
  /**
   * Prepared phase (rad, referenced, masked: observedPhase), interferogram-major:
   * phaseRad[i × nPixels + p], NaN = not used.
   */
  phaseRad: Float32Array;
  /** √weight, same layout; null for an unweighted run (`--weight-func no`). */
  weightSqrt: Float32Array | null;
}

export interface InvertOptions {
  /** MintPy's minRedundancy: every date but the exempt one needs at least this many observations. */
  minRedundancy: number;
  /** Phase to displacement, m per rad: −λ/(4π) (float32 in MintPy). */
  metresPerRadian: number;
}

export interface InvertOutputs {
  /** Displacement (m), date-major: timeseriesM[j × nPixels + p]; NaN where not solved. */
  timeseriesM: Float32Array;
  /** |Σ exp(i·e)|/n of the unweighted residual e (rad); 0 where not solved (MintPy's value). */
  temporalCoherence: Float32Array;
  /** Valid observations used; 0 where not solved. */
  numInvIfgram: Float32Array;
  /** InvertStatus per pixel. */
  status: Uint8Array;
}

/** A backend of the inversion: the float64 reference, or a WebGPU device. */
export interface InvertKernel {
  readonly description: string;
  readonly kind: 'cpu' | 'gpu';
  invertTile(tile: InvertTile, network: IfgramNetwork, options: InvertOptions): Promise<InvertOutputs>;
  dispose(): Promise<void> | void;
}

export function allocateInvertOutputs(nPixels: number, nDates: number): InvertOutputs {
  return {
    timeseriesM: new Float32Array(nDates * nPixels).fill(Number.NaN),
    temporalCoherence: new Float32Array(nPixels),
    numInvIfgram: new Float32Array(nPixels),
    status: new Uint8Array(nPixels).fill(InvertStatus.NO_DATA),
  };
}

/**
 * Checks every backend relies on (a pair spanning more than halfBandwidth + 1 intervals would
 * write outside its band row): throws on an inconsistent network (our bug, not the user's).
 */
export function checkIfgramNetwork(network: IfgramNetwork): void {
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

/** A tile's planes have the network's length (our bug otherwise). */
export function checkInvertTile(tile: InvertTile, network: IfgramNetwork): void {
  const expected = network.intervalStart.length * tile.nPixels;
  if (tile.phaseRad.length !== expected) throw new Error(`inversion tile: ${tile.phaseRad.length} phase values for ${network.intervalStart.length} interferograms × ${tile.nPixels} pixels`);
  if (tile.weightSqrt && tile.weightSqrt.length !== expected) throw new Error(`inversion tile: ${tile.weightSqrt.length} weights for ${expected} phase values`);
}

/**
 * The pixels `pixels` of `tile` as a tile of their own (a second pass over a few of them: the
 * GPU's split pixels on its general path, the float64 re-solve of flagged ones).
 */
export function gatherInvertPixels(tile: InvertTile, nIfgrams: number, pixels: readonly number[]): InvertTile {
  const n = tile.nPixels;
  const k = pixels.length;
  const sub: InvertTile = { nPixels: k, phaseRad: new Float32Array(nIfgrams * k), weightSqrt: tile.weightSqrt ? new Float32Array(nIfgrams * k) : null };
  for (let i = 0; i < nIfgrams; i++) {
    for (let j = 0; j < k; j++) {
      sub.phaseRad[i * k + j] = tile.phaseRad[i * n + pixels[j]];
      if (sub.weightSqrt) sub.weightSqrt[i * k + j] = tile.weightSqrt![i * n + pixels[j]];
    }
  }
  return sub;
}

/** Writes the outputs of a gathered tile (gatherInvertPixels) back to the pixels it came from. */
export function scatterInvertOutputs(from: InvertOutputs, pixels: readonly number[], into: InvertOutputs, nPixels: number, nDates: number): void {
  const k = pixels.length;
  for (let j = 0; j < k; j++) {
    const p = pixels[j];
    for (let d = 0; d < nDates; d++) into.timeseriesM[d * nPixels + p] = from.timeseriesM[d * k + j];
    into.temporalCoherence[p] = from.temporalCoherence[j];
    into.numInvIfgram[p] = from.numInvIfgram[j];
    into.status[p] = from.status[j];
  }
}
