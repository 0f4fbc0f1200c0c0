// The study's corrections around the network inversion (§2.1; INVERSION.md §3), each as the MintPy
// step smallbaselineApp runs, written for streaming: every function here works on row tiles (or
// on sums gathered from them), so a frame of 20–30 GB is never held. Pure: no I/O.
//
//   network selection  modify_network.py, coherence-based (§3.4 a): an interferogram whose spatial
//                      mean coherence (zeros excluded, inside the water mask) is below the threshold
//                      is dropped unless it is an edge of the minimum spanning tree of the network
//                      weighted by 1 / mean coherence, so the network stays connected.
//   maskTempCoh        generate_mask.py temporalCoherence.h5 -m X (§3.1): kept where coherence ≥ X
//                      and not NaN, and not in shadow (shadowMask == 1) when a geometry is given.
//   troposphere        diff.py timeseries.h5 ERA5.h5 --force (§3.2): the absolute delay stack
//                      re-referenced to the series' point, then to its date, subtracted; zero pixels
//                      stay zero; dates ERA5 lacks stay uncorrected.
//   deramp             remove_ramp.py -s linear|quadratic -m maskTempCoh.h5 (§3.3): per date, the
//                      ramp fitted on the mask's pixels (MintPy's uniform sub-sampling above 10⁶),
//                      zero at the reference pixel, subtracted where the data are not zero.
//
// Where this differs from MintPy, on purpose (each said once, in the README too):
// - diff.py skips the spatial re-reference when REF_Y or REF_X is 0 (`if ref_y and ref_x:`); here
//   it is always done, so a reference pixel on row 0 or column 0 gets the same correction as any.
// - MintPy solves the ramp with float32 `pinv(G)`; here the normal equations are gathered in
//   float64 in centred, scaled coordinates (the same polynomial space, so the same ramp, better
//   conditioned: a quadratic in raw pixel indices of a 5 000-row frame is not). A date whose
//   pixels cannot determine the ramp (fewer than its terms, or all on one line) keeps its data
//   and is named in a warning; MintPy would apply pinv's minimum-norm ramp.

import { choleskyInPlace, choleskySolveInPlace } from './linalg.ts';

// ———————————————————————————————————— network selection ————————————————————————————————————

/**
 * Spatial mean coherence per interferogram, gathered tile by tile (ifgramStack.spatial_average:
 * zeros → NaN, pixels outside the water mask → NaN, nanmean).
 */
export class SpatialMeanCoherence {
  readonly sum: Float64Array;
  readonly count: Float64Array;
  constructor(readonly nIfgrams: number) {
    this.sum = new Float64Array(nIfgrams);
    this.count = new Float64Array(nIfgrams);
  }

  /**
   * Adds a tile: `coherence` interferogram-major [k][pixel] for the interferograms `indices`
   * (k-th plane is interferogram indices[k]), `nPixels` per plane; `inside[p]` 0 leaves pixel p out.
   */
  add(coherence: Float32Array, indices: readonly number[], nPixels: number, inside: Uint8Array | null): void {
    for (let k = 0; k < indices.length; k++) {
      const base = k * nPixels;
      let s = 0;
      let n = 0;
      for (let p = 0; p < nPixels; p++) {
        const c = coherence[base + p];
        // NaN and 0 are both "no value" (nanmean after data[data == 0] = nan).
        if (c === 0 || c !== c || (inside !== null && inside[p] === 0)) continue;
        s += c;
        n++;
      }
      this.sum[indices[k]] += s;
      this.count[indices[k]] += n;
    }
  }

  /** The means (NaN where no pixel had coherence), as float32 like MintPy's dmean array. */
  means(): Float64Array {
    return Float64Array.from(this.sum, (s, i) => (this.count[i] > 0 ? Math.fround(s / this.count[i]) : Number.NaN));
  }
}

export interface CoherenceSelection {
  /** Per interferogram of the file: kept after the selection (and the file's own dropIfgram). */
  keep: boolean[];
  /** Per interferogram: an edge of the minimum spanning tree (of the file's kept network). */
  inMinimumSpanningTree: boolean[];
  /** Interferograms dropped by the selection (file order; those the file already dropped are not here). */
  dropped: number[];
}

/**
 * MintPy's coherence-based network modification (modify_network.get_date12_to_drop with
 * coherenceBased, keepMinSpanTree = yes; utils/network.threshold_coherence_based_mst). The file's
 * own dropIfgram = False interferograms count as dropped by an earlier criterion (as MintPy's
 * exclude lists): they stay dropped and are not part of the tree.
 *
 * @param pairs reference and secondary date (YYYYMMDD) of every interferogram in the file
 * @param fileKeep the file's dropIfgram (true = kept)
 * @param meanCoherence spatial mean coherence per interferogram (NaN: none)
 * @param minCoherence the threshold (kept when mean ≥ it)
 */
export function selectByCoherence(
  pairs: readonly { referenceDate: string; secondaryDate: string }[],
  fileKeep: readonly boolean[],
  meanCoherence: ArrayLike<number>,
  minCoherence: number,
  keepMinimumSpanningTree = true,
): CoherenceSelection {
  const n = pairs.length;
  const inTree = new Array<boolean>(n).fill(false);
  if (keepMinimumSpanningTree) {
    const candidates = [...Array(n).keys()].filter((i) => fileKeep[i]);
    for (const i of minimumSpanningTree(pairs, candidates, meanCoherence)) inTree[i] = true;
  }
  const keep = new Array<boolean>(n).fill(false);
  const dropped: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!fileKeep[i]) continue;
    // NaN ≥ X is false: an interferogram without coherence is dropped unless the tree needs it.
    if (meanCoherence[i] >= minCoherence || inTree[i]) keep[i] = true;
    else dropped.push(i);
  }
  return { keep, inMinimumSpanningTree: inTree, dropped };
}

/**
 * Kruskal's minimum spanning forest of the dates, edges the interferograms `candidates` weighted
 * by 1 / mean coherence (scipy.sparse.csgraph.minimum_spanning_tree on MintPy's weight matrix).
 * MintPy's matrix is infinite where there is no interferogram and where the mean is NaN, and
 * scipy treats those infinities as edges: where the finite network is split, scipy joins the
 * parts by a pair that may not exist. Here NaN-coherence interferograms are the last edges
 * tried (so they join parts only when nothing else can), and a pair that does not exist is
 * never an edge — which changes nothing kept, as such a pair is no interferogram. Ties (equal
 * means) are broken by file order.
 * @returns the interferograms (indices into `pairs`) that are edges of the tree
 */
export function minimumSpanningTree(
  pairs: readonly { referenceDate: string; secondaryDate: string }[],
  candidates: readonly number[],
  meanCoherence: ArrayLike<number>,
): number[] {
  const dateIndex = new Map<string, number>();
  for (const i of candidates) for (const d of [pairs[i].referenceDate, pairs[i].secondaryDate]) if (!dateIndex.has(d)) dateIndex.set(d, dateIndex.size);
  const weight = (i: number) => {
    const c = meanCoherence[i];
    return c === c && c > 0 ? 1 / c : Number.POSITIVE_INFINITY;
  };
  const order = [...candidates].sort((a, b) => {
    const wa = weight(a), wb = weight(b);
    return wa < wb ? -1 : wa > wb ? 1 : a - b;
  });
  const parent = Int32Array.from({ length: dateIndex.size }, (_, k) => k);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  const tree: number[] = [];
  for (const i of order) {
    const a = find(dateIndex.get(pairs[i].referenceDate)!);
    const b = find(dateIndex.get(pairs[i].secondaryDate)!);
    if (a === b) continue;
    parent[a] = b;
    tree.push(i);
  }
  return tree.sort((a, b) => a - b);
}

// ——————————————————————————————————————— maskTempCoh ———————————————————————————————————————

/**
 * maskTempCoh over a tile (generate_mask.py -m X): 1 where temporal coherence ≥ X and not NaN,
 * and not where `shadow` (geometry's shadowMask) is 1. Returns the count kept.
 */
export function temporalCoherenceMask(temporalCoherence: Float32Array, minTemporalCoherence: number, shadow: Uint8Array | null, out: Uint8Array): number {
  let kept = 0;
  for (let p = 0; p < temporalCoherence.length; p++) {
    const t = temporalCoherence[p];
    // ~(data < vmin) and ~isnan(data): "≥ X" with NaN excluded.
    const ok = t === t && !(t < minTemporalCoherence) && !(shadow !== null && shadow[p] === 1);
    out[p] = ok ? 1 : 0;
    if (ok) kept++;
  }
  return kept;
}

// ——————————————————————————————————————— troposphere ———————————————————————————————————————

export interface TroposphereDates {
  /** Per series date, its index in the delay stack, or −1 (left uncorrected). */
  delayIndexOfDate: Int32Array;
  /** Series dates the delay stack lacks (YYYYMMDD). */
  missing: string[];
  /** Index in the delay stack of the series' reference date. */
  referenceDelayIndex: number;
}

/**
 * Matches the series' dates to the delay stack's (diff.py: shared dates; with --force, dates the
 * delay lacks stay uncorrected). Returns null when the delay lacks the reference date: the delay
 * cannot be referenced in time (diff.py fails there too).
 */
export function matchTroposphereDates(seriesDates: readonly string[], delayDates: readonly string[], referenceDate: string): TroposphereDates | null {
  const at = new Map<string, number>();
  delayDates.forEach((d, i) => { if (!at.has(d)) at.set(d, i); });
  const referenceDelayIndex = at.get(referenceDate);
  if (referenceDelayIndex === undefined) return null;
  const delayIndexOfDate = Int32Array.from(seriesDates, (d) => at.get(d) ?? -1);
  const missing = seriesDates.filter((_, k) => delayIndexOfDate[k] < 0);
  return { delayIndexOfDate, missing, referenceDelayIndex };
}

/**
 * Subtracts the delay from a tile of the series, in place, as diff.diff_timeseries does it in
 * float32: E ← E − E[REF_Y, REF_X] (per date), E ← E − E[REF_DATE], out = ts − E, then
 * out[ts == 0] = 0. A delay of NaN leaves the pixel without data (NaN), as in MintPy.
 *
 * @param seriesM date-major [date][pixel] (m), nDates × nPixels, corrected in place
 * @param delayM the delay stack's planes for the same pixels, [delay index][pixel] (m)
 * @param delayAtReference the delay at the reference pixel, per delay index (m)
 */
export function subtractTroposphere(seriesM: Float32Array, nPixels: number, delayM: Float32Array, delayAtReference: ArrayLike<number>, dates: TroposphereDates): void {
  const nDates = dates.delayIndexOfDate.length;
  const r = dates.referenceDelayIndex;
  const fr = Math.fround;
  const refAtRefDate = delayAtReference[r];
  for (let k = 0; k < nDates; k++) {
    const e = dates.delayIndexOfDate[k];
    if (e < 0) continue;
    const refAtDate = delayAtReference[e];
    const ts = k * nPixels;
    const de = e * nPixels;
    const dr = r * nPixels;
    for (let p = 0; p < nPixels; p++) {
      const v = seriesM[ts + p];
      if (v === 0) continue;
      // Each step rounded to float32, in diff.py's order.
      const eDate = fr(delayM[de + p] - refAtDate);
      const eRefDate = fr(delayM[dr + p] - refAtRefDate);
      seriesM[ts + p] = fr(v - fr(eDate - eRefDate));
    }
  }
}

// ————————————————————————————————————————— deramp ——————————————————————————————————————————

export type RampType = 'linear' | 'quadratic';
export const RAMP_TYPES: readonly RampType[] = ['linear', 'quadratic'];

/** The design's columns as monomials y^a·x^b, in MintPy's order (objects/ramp.deramp). */
const RAMP_TERMS: Record<RampType, readonly [number, number][]> = {
  linear: [[1, 0], [0, 1], [0, 0]],
  quadratic: [[2, 0], [0, 2], [1, 1], [1, 0], [0, 1], [0, 0]],
};

export function rampTermCount(type: RampType): number {
  return RAMP_TERMS[type].length;
}

/** MintPy's max_num_sample: above this many pixels a date's estimate uses every step-th row and column. */
export const RAMP_MAX_SAMPLES = 1e6;

/**
 * The normal equations of each date's ramp, gathered row by row over the tiles, for every
 * sub-sampling step the frame may need (1 … ceil(√(pixels/10⁶))): the step a date uses depends
 * on how many of its pixels qualify, known only once every tile is in.
 *
 * Coordinates are centred and scaled to [−1, 1] (u for rows, v for columns). Per row, per date,
 * per step, the sums Σ v^b (b ≤ 2·degree, with the count) and Σ v^b·d (b ≤ degree) are taken
 * over the qualifying pixels — mask ≠ 0, data neither NaN nor 0 (deramp's ignore_zero_value) —
 * and folded into the date's moments Σ u^a v^b and Σ u^a v^b d.
 */
export class RampNormalEquations {
  readonly degree: number;
  readonly maxStep: number;
  private readonly nMoments: number;
  /** [date][step − 1][a][b] moments Σ u^a v^b, a, b ≤ 2·degree; then Σ u^a v^b d, a, b ≤ degree. */
  private readonly gram: Float64Array;
  private readonly rhs: Float64Array;
  /** Qualifying pixels per date at step 1 (decides the step). */
  readonly counts: Float64Array;
  private readonly rowCentre: number;
  private readonly rowScale: number;
  private readonly colCentre: number;
  private readonly colScale: number;
  private readonly vPowers: Float64Array;

  constructor(readonly type: RampType, readonly nDates: number, readonly length: number, readonly width: number) {
    this.degree = type === 'linear' ? 1 : 2;
    this.maxStep = Math.max(1, Math.ceil(Math.sqrt((length * width) / RAMP_MAX_SAMPLES)));
    this.nMoments = (2 * this.degree + 1) ** 2;
    this.gram = new Float64Array(nDates * this.maxStep * this.nMoments);
    this.rhs = new Float64Array(nDates * this.maxStep * (this.degree + 1) ** 2);
    this.counts = new Float64Array(nDates);
    this.rowCentre = (length - 1) / 2;
    this.rowScale = Math.max(1, (length - 1) / 2);
    this.colCentre = (width - 1) / 2;
    this.colScale = Math.max(1, (width - 1) / 2);
    this.vPowers = new Float64Array(width * (2 * this.degree + 1));
    for (let c = 0; c < width; c++) {
      const v = (c - this.colCentre) / this.colScale;
      for (let b = 0, x = 1; b <= 2 * this.degree; b++, x *= v) this.vPowers[c * (2 * this.degree + 1) + b] = x;
    }
  }

  /** u of row `row`. */
  rowCoordinate(row: number): number {
    return (row - this.rowCentre) / this.rowScale;
  }

  /** v of column `col`. */
  colCoordinate(col: number): number {
    return (col - this.colCentre) / this.colScale;
  }

  /**
   * Adds rows row0 … row0 + nRows − 1: `seriesM` date-major [date][row][col] over those rows,
   * `mask` [row][col] (maskTempCoh).
   */
  addRows(row0: number, nRows: number, seriesM: Float32Array, mask: Uint8Array): void {
    const { width, nDates, degree, maxStep } = this;
    const plane = nRows * width;
    const nb = 2 * degree + 1;
    const nr = degree + 1;
    const cols = new Int32Array(width);
    const sumV = new Float64Array(nb);
    const sumVd = new Float64Array(nr);
    for (let i = 0; i < nRows; i++) {
      const row = row0 + i;
      const u = this.rowCoordinate(row);
      for (let step = 1; step <= maxStep; step++) {
        const half = step >> 1;
        if (step > 1 && row % step !== half) continue;
        let n = 0;
        for (let c = step > 1 ? half : 0; c < width; c += step) if (mask[i * width + c] !== 0) cols[n++] = c;
        if (n === 0) continue;
        for (let k = 0; k < nDates; k++) {
          sumV.fill(0);
          sumVd.fill(0);
          const base = k * plane + i * width;
          let count = 0;
          for (let j = 0; j < n; j++) {
            const c = cols[j];
            const d = seriesM[base + c];
            if (d === 0 || d !== d) continue;
            count++;
            const vp = c * nb;
            for (let b = 1; b < nb; b++) sumV[b] += this.vPowers[vp + b];
            for (let b = 0; b < nr; b++) sumVd[b] += this.vPowers[vp + b] * d;
          }
          if (count === 0) continue;
          sumV[0] = count;
          if (step === 1) this.counts[k] += count;
          const g = (k * maxStep + step - 1) * this.nMoments;
          const r = (k * maxStep + step - 1) * nr * nr;
          for (let a = 0, ua = 1; a < nb; a++, ua *= u) {
            for (let b = 0; b + a < nb; b++) this.gram[g + a * nb + b] += ua * sumV[b];
            if (a < nr) for (let b = 0; b + a < nr; b++) this.rhs[r + a * nr + b] += ua * sumVd[b];
          }
        }
      }
    }
  }

  /** Adds another band's equations (the same frame and type): the corridor's row bands. */
  addFrom(other: RampNormalEquations): void {
    if (other.type !== this.type || other.nDates !== this.nDates || other.length !== this.length || other.width !== this.width) throw new Error('RampNormalEquations.addFrom: another frame or ramp');
    for (let i = 0; i < this.gram.length; i++) this.gram[i] += other.gram[i];
    for (let i = 0; i < this.rhs.length; i++) this.rhs[i] += other.rhs[i];
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i];
  }

  /** The sums as plain numbers (a band's record). */
  toJSON(): { type: RampType; nDates: number; length: number; width: number; gram: number[]; rhs: number[]; counts: number[] } {
    return { type: this.type, nDates: this.nDates, length: this.length, width: this.width, gram: Array.from(this.gram), rhs: Array.from(this.rhs), counts: Array.from(this.counts) };
  }

  static fromJSON(json: ReturnType<RampNormalEquations['toJSON']>): RampNormalEquations {
    const out = new RampNormalEquations(json.type, json.nDates, json.length, json.width);
    if (json.gram.length !== out.gram.length || json.rhs.length !== out.rhs.length || json.counts.length !== out.counts.length) throw new Error('RampNormalEquations.fromJSON: sizes differ');
    out.gram.set(json.gram);
    out.rhs.set(json.rhs);
    out.counts.set(json.counts);
    return out;
  }

  /**
   * Each date's ramp: the step it uses (MintPy's: ceil(√(n/10⁶)) when n > 10⁶), and its
   * coefficients in (u, v), or null where no pixel qualifies (the reference date: all zero, no
   * ramp) or the pixels cannot determine it (`undetermined`).
   */
  solve(): RampSolution {
    const terms = RAMP_TERMS[this.type];
    const k = terms.length;
    const nb = 2 * this.degree + 1;
    const nr = this.degree + 1;
    const coefficients: (Float64Array | null)[] = [];
    const steps = new Int32Array(this.nDates);
    const undetermined: number[] = [];
    const a = new Float64Array(k * k);
    for (let date = 0; date < this.nDates; date++) {
      const n = this.counts[date];
      let step = 1;
      if (n > RAMP_MAX_SAMPLES) step = Math.min(this.maxStep, Math.max(1, Math.ceil(Math.sqrt(n / RAMP_MAX_SAMPLES))));
      steps[date] = step;
      const g = (date * this.maxStep + step - 1) * this.nMoments;
      const r = (date * this.maxStep + step - 1) * nr * nr;
      const used = this.gram[g];
      if (used === 0) {
        coefficients.push(null);
        continue;
      }
      const x = new Float64Array(k);
      for (let i = 0; i < k; i++) {
        const [ai, bi] = terms[i];
        for (let j = 0; j < k; j++) {
          const [aj, bj] = terms[j];
          a[i * k + j] = this.gram[g + (ai + aj) * nb + (bi + bj)];
        }
        x[i] = this.rhs[r + ai * nr + bi];
      }
      if (used < k || !choleskyInPlace(a, k, 1e-12)) {
        undetermined.push(date);
        coefficients.push(null);
        continue;
      }
      choleskySolveInPlace(a, k, x);
      coefficients.push(x);
    }
    return new RampSolution(this, coefficients, steps, undetermined);
  }
}

/** The ramps of every date, applied to row tiles. */
export class RampSolution {
  constructor(
    private readonly equations: RampNormalEquations,
    /** Per date, coefficients of RAMP_TERMS[type] in (u, v); null: no ramp removed. */
    readonly coefficients: readonly (Float64Array | null)[],
    /** Per date, the sub-sampling step used. */
    readonly steps: Int32Array,
    /** Dates whose pixels could not determine a ramp (left as they are). */
    readonly undetermined: readonly number[],
  ) {}

  /** The ramp of `date` at (row, col), m; 0 without a ramp. */
  rampAt(date: number, row: number, col: number): number {
    const x = this.coefficients[date];
    if (!x) return 0;
    const terms = RAMP_TERMS[this.equations.type];
    const u = this.equations.rowCoordinate(row);
    const v = this.equations.colCoordinate(col);
    let s = 0;
    for (let i = 0; i < terms.length; i++) s += x[i] * u ** terms[i][0] * v ** terms[i][1];
    return s;
  }

  /**
   * Subtracts the ramps from rows row0 … row0 + nRows − 1 in place (date-major [date][row][col]):
   * ramp − ramp[REF_Y, REF_X], left out where the data are 0 (deramp's ignore_zero_value), so the
   * reference pixel and the reference date stay 0. NaN stays NaN.
   */
  subtractRows(row0: number, nRows: number, seriesM: Float32Array, reference: { row: number; col: number }): void {
    const { width, nDates } = this.equations;
    const terms = RAMP_TERMS[this.equations.type];
    const plane = nRows * width;
    const fr = Math.fround;
    for (let k = 0; k < nDates; k++) {
      const x = this.coefficients[k];
      if (!x) continue;
      const atReference = this.rampAt(k, reference.row, reference.col);
      for (let i = 0; i < nRows; i++) {
        const u = this.equations.rowCoordinate(row0 + i);
        // Per row: the ramp is a polynomial in v with coefficients from u.
        let c0 = -atReference, c1 = 0, c2 = 0;
        for (let t = 0; t < terms.length; t++) {
          const [a, b] = terms[t];
          const w = x[t] * u ** a;
          if (b === 0) c0 += w; else if (b === 1) c1 += w; else c2 += w;
        }
        const base = k * plane + i * width;
        for (let c = 0; c < width; c++) {
          const d = seriesM[base + c];
          if (d === 0) continue;
          const v = this.equations.colCoordinate(c);
          seriesM[base + c] = fr(d - fr(c0 + v * (c1 + v * c2)));
        }
      }
    }
  }
}
