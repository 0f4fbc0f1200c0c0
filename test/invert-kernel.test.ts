// The network inversion (../shared/INVERSION.md §2.6–§2.7, §7): the float64 reference
// (src/cpu/invert.ts) against an independent dense float64 minimum-norm solution written here,
// and the WGSL kernel (shaders/invert.wgsl, float32) against the reference.
//
// Reference: random small networks (6–25 dates, pairs spanning 1–4 acquisitions, some written
// later-first), random NaN patterns, MintPy's `var` weights and unweighted runs; split networks
// (a cut, several cuts, interleaved components such as {0,2,4,…} and {1,3,5,…}, isolated
// dates), single-reference networks (the exempt date), redundancy skips, all-NaN pixels; the
// SVD fallback on a nearly singular pixel (gelsd's 1e-5 truncation) and on random matrices.
// The dense truth: (BᵀWB + s NNᵀ) v = BᵀWy by Gaussian elimination (INVERSION.md §7.2), with
// the null space N from a breadth-first search of this file's own.
//
// Parity: fresh random inputs every run (the seed is in the describe names and logged;
// PERMASAR_PARITY_SEED=<n> replays one), the output buffer poisoned before every dispatch,
// tiles cut into several chunks, and a study-size network (286 dates, each paired with its next
// 3–5: ~950 interferograms). Bars (INVERSION.md §7.4): series within 3e-4 mm, temporal
// coherence within 1e-5, interferogram counts and status identical except pixels the GPU marks
// NEEDS_FLOAT64 (counted; few; a constructed ill-conditioned pixel and one with more components
// than the kernel's cap must be among them).
import { afterAll, describe, expect, it } from 'vitest';
import { acquireGpuForTests } from '../src/gpu/testing.ts';
import { createGpuInvertKernel, invertScratchPlanes, INVERT_MAX_COMPONENTS } from '../src/gpu/invert-kernel.ts';
import {
  CpuInvertKernel,
  dateComponents,
  invertPixelInto,
  minimumNormLeastSquaresSvd,
  minimumNormVelocityBanded,
  minimumNormVelocitySvd,
  pixelObservations,
} from '../src/cpu/invert.ts';
import {
  InvertStatus,
  allocateInvertOutputs,
  buildIfgramNetwork,
  coherenceWeightSqrt,
  phaseVarianceTable,
  type IfgramNetwork,
  type IfgramPair,
  type InvertOptions,
  type InvertOutputs,
  type InvertTile,
} from '../src/core/inversion.ts';
import { makeNormal, makeRandom } from '../data/synthetic.ts';

const gpu = await acquireGpuForTests();
const baseSeed = process.env.PERMASAR_PARITY_SEED ? Number(process.env.PERMASAR_PARITY_SEED) : (Math.random() * 2 ** 31) >>> 0;
console.log(`inversion: seed ${baseSeed} (replay with PERMASAR_PARITY_SEED=${baseSeed})`);

/** Sentinel-1's −λ/(4π), m per rad, float32 as MintPy. */
const METRES_PER_RADIAN = Math.fround(-0.05546576 / (4 * Math.PI));
const OPTIONS: InvertOptions = { minRedundancy: 1, metresPerRadian: METRES_PER_RADIAN };
const POISON_BITS = 0xffffffff;
const TS_TOLERANCE_MM = 3e-4;
const TCOH_TOLERANCE = 1e-5;
const VARIANCE_TABLE = phaseVarianceTable(80);

// ── Networks and pixels ──────────────────────────────────────────────────────────────────

function ymd(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
}

/** Acquisition days: a 12-day repeat with occasional missed passes and gaps. */
function acquisitionDays(nDates: number, random: () => number): number[] {
  const days = [Date.UTC(2017, 0, 3) / 86_400_000];
  while (days.length < nDates) {
    const roll = random();
    days.push(days[days.length - 1] + (roll < 0.8 ? 12 : roll < 0.95 ? 24 : 60));
  }
  return days;
}

/**
 * Pairs (j, j + s) for the spans s given, each kept with `keep` (span 1 always, so every date is
 * in the network), written later-first with `reverse`.
 */
function spanPairs(dates: string[], spans: number[], random: () => number, keep = 0.8, reverse = 0.1): IfgramPair[] {
  const pairs: IfgramPair[] = [];
  for (let j = 0; j < dates.length; j++) {
    for (const s of spans) {
      if (j + s >= dates.length || (s > 1 && random() > keep)) continue;
      pairs.push(random() < reverse ? { referenceDate: dates[j + s], secondaryDate: dates[j] } : { referenceDate: dates[j], secondaryDate: dates[j + s] });
    }
  }
  return pairs;
}

type Mask =
  | { kind: 'random'; nanFraction: number }
  | { kind: 'cuts'; cuts: number[]; nanFraction: number }
  | { kind: 'interleave'; modulus: number }
  | { kind: 'allNaN' }
  | { kind: 'bridge'; cut: number; weightSqrt: number };

interface PixelSpec { mask: Mask }

interface Case {
  name: string;
  network: IfgramNetwork;
  tile: InvertTile;
  options: InvertOptions;
  /** Pixels built to be ill-conditioned or beyond the GPU's component cap: must be flagged. */
  mustFlag: number[];
}

/**
 * A tile over `network`: a true series per pixel (rate, annual cycle, per-date noise; rad),
 * interferograms = s (ts[end] − ts[start]) + decorrelation noise of σ²_φ(γ) (γ uniform in
 * 0.2–0.95) and a 2π unwrapping error in 3 %, then each pixel's mask.
 */
function makeTile(network: IfgramNetwork, pixels: PixelSpec[], weighted: boolean, random: () => number): InvertTile {
  const normal = makeNormal(random);
  const nPixels = pixels.length;
  const nIfgrams = network.intervalStart.length;
  const nDates = network.dates.length;
  const phaseRad = new Float32Array(nIfgrams * nPixels);
  const weightSqrt = weighted ? new Float32Array(nIfgrams * nPixels) : null;
  const tYears = [0];
  for (let k = 0; k < nDates - 1; k++) tYears.push(tYears[k] + network.intervalYears[k]);
  pixels.forEach(({ mask }, p) => {
    const rate = -8 + 11 * random();
    const amplitude = 3 * random();
    const phase0 = 2 * Math.PI * random();
    const ts = tYears.map((t) => rate * t + amplitude * Math.sin(2 * Math.PI * t + phase0) + 0.3 * normal());
    for (let i = 0; i < nIfgrams; i++) {
      const lo = network.intervalStart[i];
      const hi = network.intervalEnd[i];
      const coherence = 0.2 + 0.75 * random();
      const sw = coherenceWeightSqrt(coherence, 'var', 80, VARIANCE_TABLE);
      let y = network.pairSign[i] * (ts[hi] - ts[lo]) + normal() / sw;
      if (random() < 0.03) y += 2 * Math.PI * (random() < 0.5 ? 1 : -1);
      let masked = false;
      let weight = sw;
      switch (mask.kind) {
        case 'random': masked = random() < mask.nanFraction; break;
        case 'cuts': masked = mask.cuts.some((c) => lo <= c && c < hi) || random() < mask.nanFraction; break;
        case 'interleave': masked = (hi - lo) % mask.modulus !== 0; break;
        case 'allNaN': masked = true; break;
        case 'bridge': {
          // Every pair across the cut is masked but the first, whose weight is tiny: a nearly
          // split network, gelsd truncates its smallest singular value.
          const crosses = lo <= mask.cut && mask.cut < hi;
          const first = crosses && !network.intervalStart.subarray(0, i).some((l, q) => l <= mask.cut && mask.cut < network.intervalEnd[q]);
          masked = crosses && !first;
          if (first) weight = mask.weightSqrt;
          break;
        }
      }
      phaseRad[i * nPixels + p] = masked ? Number.NaN : y;
      if (weightSqrt) weightSqrt[i * nPixels + p] = weight;
    }
  });
  return { nPixels, phaseRad, weightSqrt };
}

function randomMask(random: () => number, nDates: number): Mask {
  const roll = random();
  if (roll < 0.45) return { kind: 'random', nanFraction: 0.25 * random() };
  if (roll < 0.65) {
    const cuts = Array.from({ length: 1 + Math.floor(2 * random()) }, () => 2 + Math.floor((nDates - 4) * random()));
    return { kind: 'cuts', cuts, nanFraction: 0.05 };
  }
  if (roll < 0.8) return { kind: 'interleave', modulus: random() < 0.6 ? 2 : 3 };
  if (roll < 0.85) return { kind: 'allNaN' };
  return { kind: 'random', nanFraction: 0.6 }; // mostly skipped by redundancy
}

function randomNetworkCase(seed: number, name: string, nPixels: number, weighted: boolean): Case {
  const random = makeRandom(seed);
  const nDates = 6 + Math.floor(20 * random());
  const dates = acquisitionDays(nDates, random).map(ymd);
  // Spans 1–4 (2, 3 and 4 present often, so interleaved pixels can connect their components).
  const pairs = spanPairs(dates, [1, 2, 3, 4], random, 0.85);
  const network = buildIfgramNetwork(pairs, name);
  const pixels = Array.from({ length: nPixels }, () => ({ mask: randomMask(random, nDates) }));
  return { name, network, tile: makeTile(network, pixels, weighted, random), options: OPTIONS, mustFlag: [] };
}

/** Single-reference network: every pair (reference, j), written reference-first. */
function singleReferenceCase(seed: number, referenceIndex: number, minRedundancy: number): Case {
  const random = makeRandom(seed);
  const nDates = 12;
  const dates = acquisitionDays(nDates, random).map(ymd);
  const pairs = dates.filter((_, j) => j !== referenceIndex).map((d) => ({ referenceDate: dates[referenceIndex], secondaryDate: d }));
  const network = buildIfgramNetwork(pairs, 'single reference');
  const pixels: PixelSpec[] = [
    ...Array.from({ length: 6 }, () => ({ mask: { kind: 'random', nanFraction: 0 } as Mask })),
    ...Array.from({ length: 10 }, () => ({ mask: { kind: 'random', nanFraction: 0.2 } as Mask })),
  ];
  return {
    name: `single reference at date ${referenceIndex}, minRedundancy ${minRedundancy}`,
    network,
    tile: makeTile(network, pixels, true, random),
    options: { ...OPTIONS, minRedundancy },
    mustFlag: [],
  };
}

/** Each date j paired with its next 3–5 (mean ≈ 3.3): ~950 pairs over 286 dates, b = 4. */
function studyNetwork(random: () => number): IfgramNetwork {
  const dates = acquisitionDays(286, random).map(ymd);
  const pairs: IfgramPair[] = [];
  for (let j = 0; j < dates.length; j++) {
    const roll = random();
    const reach = roll < 0.75 ? 3 : roll < 0.92 ? 4 : 5;
    for (let s = 1; s <= reach && j + s < dates.length; s++) pairs.push({ referenceDate: dates[j], secondaryDate: dates[j + s] });
  }
  return buildIfgramNetwork(pairs, 'study-size network');
}

// ── The independent dense truth ──────────────────────────────────────────────────────────

interface DenseAnswer { status: number; tsM: Float64Array; tcoh: number; used: number }

/** Gaussian elimination with partial pivoting: solves A x = b (A row-major n × n), in copies. */
function gaussSolve(aIn: Float64Array, bIn: Float64Array, n: number): Float64Array {
  const a = aIn.slice();
  const b = bIn.slice();
  for (let col = 0; col < n; col++) {
    let pivotRow = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]) > Math.abs(a[pivotRow * n + col])) pivotRow = r;
    if (pivotRow !== col) {
      for (let c = 0; c < n; c++) [a[col * n + c], a[pivotRow * n + c]] = [a[pivotRow * n + c], a[col * n + c]];
      [b[col], b[pivotRow]] = [b[pivotRow], b[col]];
    }
    for (let r = col + 1; r < n; r++) {
      const f = a[r * n + col] / a[col * n + col];
      if (f === 0) continue;
      for (let c = col; c < n; c++) a[r * n + c] -= f * a[col * n + c];
      b[r] -= f * b[col];
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let c = r + 1; c < n; c++) s -= a[r * n + c] * x[c];
    x[r] = s / a[r * n + r];
  }
  return x;
}

/**
 * MintPy's answer for one pixel, densely: drop NaN rows; redundancy over every date but the
 * exempt one; then the minimum-norm solution of W^½B v = W^½y as (BᵀWB + s NNᵀ) v = BᵀWy.
 */
function denseAnswer(network: IfgramNetwork, tile: InvertTile, p: number, options: InvertOptions, skipIfgram = -1): DenseAnswer {
  const nDates = network.dates.length;
  const m = nDates - 1;
  const rows: { i: number; y: number; w: number }[] = [];
  for (let i = 0; i < network.intervalStart.length; i++) {
    const y = tile.phaseRad[i * tile.nPixels + p];
    if (Number.isNaN(y) || i === skipIfgram) continue;
    const sw = tile.weightSqrt ? tile.weightSqrt[i * tile.nPixels + p] : 1;
    rows.push({ i, y, w: sw * sw });
  }
  const nan = new Float64Array(nDates).fill(Number.NaN);
  if (rows.length === 0) return { status: InvertStatus.NO_DATA, tsM: nan, tcoh: 0, used: 0 };
  const counts = new Array(nDates).fill(0);
  for (const { i } of rows) { counts[network.intervalStart[i]]++; counts[network.intervalEnd[i]]++; }
  if (counts.some((c, j) => j !== network.redundancyExemptDate && c < options.minRedundancy)) return { status: InvertStatus.REDUNDANCY, tsM: nan, tcoh: 0, used: 0 };
  const bRow = (i: number) => {
    const row = new Float64Array(m);
    for (let k = network.intervalStart[i]; k < network.intervalEnd[i]; k++) row[k] = network.pairSign[i] * network.intervalYears[k];
    return row;
  };
  const normal = new Float64Array(m * m);
  const rhs = new Float64Array(m);
  for (const { i, y, w } of rows) {
    const row = bRow(i);
    for (let k = 0; k < m; k++) {
      rhs[k] += w * row[k] * y;
      for (let l = 0; l < m; l++) normal[k * m + l] += w * row[k] * row[l];
    }
  }
  // Components by breadth-first search over the used pairs.
  const adjacent: number[][] = Array.from({ length: nDates }, () => []);
  for (const { i } of rows) { adjacent[network.intervalStart[i]].push(network.intervalEnd[i]); adjacent[network.intervalEnd[i]].push(network.intervalStart[i]); }
  const component = new Array(nDates).fill(-1);
  let nComponents = 0;
  for (let start = 0; start < nDates; start++) {
    if (component[start] >= 0) continue;
    const queue = [start];
    component[start] = nComponents;
    while (queue.length) for (const next of adjacent[queue.shift()!]) if (component[next] < 0) { component[next] = nComponents; queue.push(next); }
    nComponents++;
  }
  let traceNormal = 0;
  for (let k = 0; k < m; k++) traceNormal += normal[k * m + k];
  for (let c = 0; c < nComponents; c++) {
    if (c === component[0]) continue;
    const nullVector = Array.from({ length: m }, (_, k) => ((component[k + 1] === c ? 1 : 0) - (component[k] === c ? 1 : 0)) / network.intervalYears[k]);
    const scale = traceNormal / m / (nullVector.reduce((s, v) => s + v * v, 0) / m);
    for (let k = 0; k < m; k++) for (let l = 0; l < m; l++) normal[k * m + l] += scale * nullVector[k] * nullVector[l];
  }
  const v = gaussSolve(normal, rhs, m);
  const tsM = new Float64Array(nDates);
  let ts = 0;
  for (let k = 0; k < m; k++) { ts += network.intervalYears[k] * v[k]; tsM[k + 1] = ts * options.metresPerRadian; }
  let re = 0;
  let im = 0;
  for (const { i, y } of rows) {
    const predicted = bRow(i).reduce((s, b, k) => s + b * v[k], 0);
    re += Math.cos(y - predicted);
    im += Math.sin(y - predicted);
  }
  return { status: InvertStatus.SOLVED, tsM, tcoh: Math.hypot(re, im) / rows.length, used: rows.length };
}

function expectMatchesDense(c: Case, out: InvertOutputs, toleranceM = 1e-12): { solved: number; split: number } {
  const { network, tile } = c;
  let solved = 0;
  let split = 0;
  for (let p = 0; p < tile.nPixels; p++) {
    const truth = denseAnswer(network, tile, p, c.options);
    const where = `${c.name}, pixel ${p}`;
    expect(out.status[p], where).toBe(truth.status);
    expect(out.numInvIfgram[p], where).toBe(truth.used);
    expect(out.temporalCoherence[p], where).toBeCloseTo(truth.tcoh, 6);
    if (truth.status !== InvertStatus.SOLVED) {
      for (let j = 0; j < network.dates.length; j++) expect(out.timeseriesM[j * tile.nPixels + p], where).toBeNaN();
      continue;
    }
    solved++;
    const obs = pixelObservations(tile, network.intervalStart.length, p);
    if (dateComponents(network.dates.length, network.intervalStart, network.intervalEnd, obs.ifgram, obs.count).count > 1) split++;
    for (let j = 0; j < network.dates.length; j++) {
      // float32 output: half an ulp of the value, plus the float64 tolerance.
      const value = truth.tsM[j];
      expect(Math.abs(out.timeseriesM[j * tile.nPixels + p] - value), `${where}, date ${j}`).toBeLessThanOrEqual(Math.abs(value) * 2 ** -24 + toleranceM);
    }
  }
  return { solved, split };
}

// ── Float64 reference ────────────────────────────────────────────────────────────────────

describe(`inversion: float64 reference vs dense minimum norm (seed ${baseSeed})`, () => {
  it('random networks, weighted and unweighted, with split, interleaved, sparse and empty pixels', async () => {
    const kernel = new CpuInvertKernel();
    let solved = 0;
    let split = 0;
    for (let k = 0; k < 12; k++) {
      const c = randomNetworkCase(baseSeed + 101 * k, `random network ${k}`, 40, k % 2 === 0);
      const counts = expectMatchesDense(c, await kernel.invertTile(c.tile, c.network, c.options));
      solved += counts.solved;
      split += counts.split;
    }
    console.log(`inversion reference: ${solved} solved pixels match the dense minimum norm, ${split} of them split networks; SVD fallback ${kernel.svdPixels}`);
    expect(split).toBeGreaterThan(20);
    expect(kernel.svdPixels).toBe(0);
  });

  it('interleaved components {0,2,4,…} and {1,3,5,…} and in three', async () => {
    const random = makeRandom(baseSeed + 7);
    const dates = acquisitionDays(15, random).map(ymd);
    const network = buildIfgramNetwork(spanPairs(dates, [1, 2, 3, 4, 6], random, 1), 'interleaved');
    const pixels: PixelSpec[] = [2, 3, 2, 3].map((modulus) => ({ mask: { kind: 'interleave', modulus } }));
    const c: Case = { name: 'interleaved', network, tile: makeTile(network, pixels, true, random), options: OPTIONS, mustFlag: [] };
    const out = await new CpuInvertKernel().invertTile(c.tile, network, OPTIONS);
    expect(expectMatchesDense(c, out)).toEqual({ solved: 4, split: 4 });
    const obs = pixelObservations(c.tile, network.intervalStart.length, 1);
    expect(dateComponents(15, network.intervalStart, network.intervalEnd, obs.ifgram, obs.count).count).toBe(3);
    // Each component is solved (not left constant), and date 0 stays the reference.
    for (let p = 0; p < 4; p++) expect(Math.abs(out.timeseriesM[p])).toBe(0);
  });

  it('single-reference networks: the exempt date, redundancy skips and isolated dates', async () => {
    const kernel = new CpuInvertKernel();
    for (const [reference, minRedundancy] of [[0, 1], [5, 1], [5, 0], [11, 2]]) {
      const c = singleReferenceCase(baseSeed + 13 * reference + minRedundancy, reference, minRedundancy);
      expect(c.network.redundancyExemptDate).toBe(reference);
      const out = await kernel.invertTile(c.tile, c.network, c.options);
      const { solved } = expectMatchesDense(c, out);
      // minRedundancy 2: only the exempt reference date has two observations or more.
      if (minRedundancy === 2) expect(solved).toBe(0);
      else expect(solved).toBeGreaterThanOrEqual(6);
      if (minRedundancy === 0) expect([...out.status].every((s) => s === InvertStatus.SOLVED)).toBe(true);
    }
  });

  it('the exempt date alone may be below minRedundancy', async () => {
    const random = makeRandom(baseSeed + 17);
    const dates = acquisitionDays(8, random).map(ymd);
    // Date 0 in one pair; every other date in two or more.
    const pairs = spanPairs(dates, [1, 2], random, 1, 0).filter((p) => !(p.referenceDate === dates[0] && p.secondaryDate === dates[2]));
    const network = buildIfgramNetwork(pairs, 'exempt');
    const c: Case = { name: 'exempt', network, tile: makeTile(network, [{ mask: { kind: 'random', nanFraction: 0 } }], false, random), options: { ...OPTIONS, minRedundancy: 2 }, mustFlag: [] };
    const out = await new CpuInvertKernel().invertTile(c.tile, network, c.options);
    expect(out.status[0]).toBe(InvertStatus.SOLVED);
    expectMatchesDense(c, out);
  });

  it('SVD fallback: minimum norm on rank-deficient matrices, and gelsd truncation below 1e-5·s_max', () => {
    const random = makeRandom(baseSeed + 23);
    const normal = makeNormal(random);
    /** Orthonormal columns (Gram–Schmidt twice) of a random rows × cols matrix, column-major. */
    const orthonormal = (rows: number, cols: number) => {
      const q = Float64Array.from({ length: rows * cols }, normal);
      for (let pass = 0; pass < 2; pass++) {
        for (let j = 0; j < cols; j++) {
          for (let k = 0; k < j; k++) {
            let dot = 0;
            for (let i = 0; i < rows; i++) dot += q[j * rows + i] * q[k * rows + i];
            for (let i = 0; i < rows; i++) q[j * rows + i] -= dot * q[k * rows + i];
          }
          let norm = 0;
          for (let i = 0; i < rows; i++) norm += q[j * rows + i] ** 2;
          for (let i = 0; i < rows; i++) q[j * rows + i] /= Math.sqrt(norm);
        }
      }
      return q;
    };
    // A = U diag(σ) Vᵀ with known σ (zeros: rank deficiency; 2e-6: below gelsd's 1e-5 cut);
    // the answer is V diag(1/σ over the kept σ) Uᵀ b.
    const cases: [number, number, number[]][] = [
      [9, 5, [3, 2, 1, 0.5, 0.1]],
      [9, 5, [3, 1, 0.2, 0, 0]],
      [4, 7, [2, 1, 0.5, 0.25]],
      [6, 6, [1, 1e-3, 0, 0, 0, 0]],
      [12, 8, [5, 4, 3, 2, 1, 1e-4, 2e-6 * 5, 0]],
      [10, 10, [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 1e-6, 1e-7]],
    ];
    for (const [rows, cols, sigma] of cases) {
      const rank = sigma.length;
      const u = orthonormal(rows, rank);
      const v = orthonormal(cols, rank);
      const a = new Float64Array(rows * cols);
      for (let j = 0; j < cols; j++) for (let i = 0; i < rows; i++) for (let r = 0; r < rank; r++) a[j * rows + i] += u[r * rows + i] * sigma[r] * v[r * cols + j];
      const b = Float64Array.from({ length: rows }, normal);
      const expected = new Float64Array(cols);
      for (let r = 0; r < rank; r++) {
        if (!(sigma[r] > 1e-5 * sigma[0])) continue;
        let ub = 0;
        for (let i = 0; i < rows; i++) ub += u[r * rows + i] * b[i];
        for (let j = 0; j < cols; j++) expected[j] += (v[r * cols + j] * ub) / sigma[r];
      }
      const svd = minimumNormLeastSquaresSvd(a, rows, cols, b);
      const scale = Math.max(...expected.map(Math.abs));
      for (let j = 0; j < cols; j++) expect(Math.abs(svd[j] - expected[j]), `σ = ${sigma}`).toBeLessThan(1e-9 * scale);
    }
  });

  it('SVD fallback agrees with the banded path on split networks', () => {
    const c = randomNetworkCase(baseSeed + 29, 'svd vs banded', 30, true);
    let compared = 0;
    for (let p = 0; p < c.tile.nPixels; p++) {
      const obs = pixelObservations(c.tile, c.network.intervalStart.length, p);
      if (obs.count === 0) continue;
      const banded = minimumNormVelocityBanded(c.network, obs)!;
      const svd = minimumNormVelocitySvd(c.network, obs);
      const scale = Math.max(...banded.map(Math.abs));
      for (let k = 0; k < banded.length; k++) expect(Math.abs(banded[k] - svd[k])).toBeLessThan(1e-9 * scale);
      compared++;
    }
    expect(compared).toBeGreaterThan(20);
  });

  it('a nearly split pixel (a bridge of tiny weight) takes the SVD path and drops the bridge as gelsd does', () => {
    const random = makeRandom(baseSeed + 31);
    const dates = acquisitionDays(14, random).map(ymd);
    const network = buildIfgramNetwork(spanPairs(dates, [1, 2, 3], random, 1), 'bridge');
    const tile = makeTile(network, [{ mask: { kind: 'bridge', cut: 6, weightSqrt: 1e-6 } }], true, random);
    const out = allocateInvertOutputs(1, 14);
    expect(invertPixelInto(tile, network, OPTIONS, 0, out)).toBe('svd');
    // The truncated singular value is the bridge's: the answer is the split network's without it.
    const bridge = network.intervalStart.findIndex((lo, i) => lo <= 6 && 6 < network.intervalEnd[i]);
    const withoutBridge = denseAnswer(network, tile, 0, OPTIONS, bridge);
    const scale = Math.max(...withoutBridge.tsM.map(Math.abs));
    for (let j = 0; j < 14; j++) expect(Math.abs(out.timeseriesM[j] - withoutBridge.tsM[j])).toBeLessThan(1e-4 * scale);
    expect(out.numInvIfgram[0]).toBe(withoutBridge.used + 1);
  });
});

// ── GPU parity ───────────────────────────────────────────────────────────────────────────

interface ParityStats { maxTsMm: number; p99TsMm: number; maxTcoh: number; solved: number; flagged: number[] }

function compareOutputs(c: Case, cpu: InvertOutputs, gpuOut: InvertOutputs): ParityStats {
  const { tile, network } = c;
  const nDates = network.dates.length;
  const diffs: number[] = [];
  let maxTcoh = 0;
  let solved = 0;
  const flagged: number[] = [];
  for (let p = 0; p < tile.nPixels; p++) {
    const where = `${c.name}, pixel ${p}`;
    if (gpuOut.status[p] === InvertStatus.NEEDS_FLOAT64) {
      flagged.push(p);
      // Only a pixel the reference solves can be one the GPU gives up on.
      expect(cpu.status[p], where).toBe(InvertStatus.SOLVED);
      continue;
    }
    expect(gpuOut.status[p], where).toBe(cpu.status[p]);
    expect(gpuOut.numInvIfgram[p], where).toBe(cpu.numInvIfgram[p]);
    const dTcoh = Math.abs(gpuOut.temporalCoherence[p] - cpu.temporalCoherence[p]);
    maxTcoh = Math.max(maxTcoh, dTcoh);
    if (cpu.status[p] !== InvertStatus.SOLVED) {
      expect(gpuOut.temporalCoherence[p], where).toBe(0);
      for (let j = 0; j < nDates; j++) expect(gpuOut.timeseriesM[j * tile.nPixels + p], where).toBeNaN();
      continue;
    }
    solved++;
    for (let j = 0; j < nDates; j++) {
      const d = Math.abs(gpuOut.timeseriesM[j * tile.nPixels + p] - cpu.timeseriesM[j * tile.nPixels + p]) * 1000;
      expect(d, `${where}, date ${j}`).not.toBeNaN();
      diffs.push(d);
    }
  }
  diffs.sort((a, b) => a - b);
  return {
    maxTsMm: diffs.length ? diffs[diffs.length - 1] : 0,
    p99TsMm: diffs.length ? diffs[Math.floor(0.99 * (diffs.length - 1))] : 0,
    maxTcoh,
    solved,
    flagged,
  };
}

function studyCase(seed: number, nPixels: number): Case {
  const random = makeRandom(seed);
  const network = studyNetwork(random);
  const nDates = network.dates.length;
  const pixels: PixelSpec[] = Array.from({ length: nPixels }, (_, p) => ({
    mask: p % 9 === 4
      ? { kind: 'cuts', cuts: [40 + Math.floor(200 * random())], nanFraction: 0.02 }
      : { kind: 'random', nanFraction: p % 3 === 0 ? 0 : 0.05 * random() },
  }));
  // The last two: a nearly split pixel (a bridge of tiny weight: must be flagged), and one split
  // into more components than the kernel's cap (a cut every 14 dates; the reference solves it).
  pixels.push({ mask: { kind: 'bridge', cut: 150, weightSqrt: 1e-6 } });
  const manyCuts = Array.from({ length: INVERT_MAX_COMPONENTS + 2 }, (_, q) => 7 + 14 * q).filter((c) => c < nDates - 3);
  pixels.push({ mask: { kind: 'cuts', cuts: manyCuts, nanFraction: 0 } });
  const tile = makeTile(network, pixels, true, random);
  return { name: 'study-size network', network, tile, options: OPTIONS, mustFlag: [nPixels, nPixels + 1] };
}

describe.skipIf(!gpu)(`inversion: WGSL kernel vs float64 reference (seed ${baseSeed})`, () => {
  afterAll(() => gpu?.destroy());

  const cases = (): { c: Case; maxChunkPixels: number }[] => [
    ...Array.from({ length: 6 }, (_, k) => ({ c: randomNetworkCase(baseSeed + 1000 + 97 * k, `random network ${k}`, 77, k % 3 !== 2), maxChunkPixels: 29 })),
    { c: singleReferenceCase(baseSeed + 2000, 5, 1), maxChunkPixels: 7 },
    { c: singleReferenceCase(baseSeed + 2001, 3, 0), maxChunkPixels: 64 },
    { c: studyCase(baseSeed + 3000, 38), maxChunkPixels: 13 },
  ];

  it('series within 3e-4 mm, coherence within 1e-5, counts and status identical; ill-conditioned pixels flagged', async () => {
    const cpuKernel = new CpuInvertKernel();
    let totalFlagged = 0;
    let totalSolved = 0;
    for (const { c, maxChunkPixels } of cases()) {
      const nIfgrams = c.network.intervalStart.length;
      // Several chunks: a binding of maxChunkPixels pixels of the widest of the three plane sets.
      const planes = Math.max((c.tile.weightSqrt ? 2 : 1) * nIfgrams, c.network.dates.length + 3, invertScratchPlanes(c.network.dates.length, c.network.halfBandwidth));
      const kernel = await createGpuInvertKernel(gpu!, { poisonBits: POISON_BITS, maxChunkBytes: 4 * planes * maxChunkPixels, destroyContextOnDispose: false });
      const [cpuOut, gpuOut] = await Promise.all([cpuKernel.invertTile(c.tile, c.network, c.options), kernel.invertTile(c.tile, c.network, c.options)]);
      kernel.dispose();
      const stats = compareOutputs(c, cpuOut, gpuOut);
      console.log(`inversion parity (${c.name}: ${nIfgrams} ifgrams × ${c.network.dates.length} dates, b = ${c.network.halfBandwidth}, ${c.tile.weightSqrt ? 'var weights' : 'unweighted'}): `
        + `${stats.solved} solved, max |Δts| ${stats.maxTsMm.toExponential(2)} mm (p99 ${stats.p99TsMm.toExponential(2)}), max |Δtcoh| ${stats.maxTcoh.toExponential(2)}, `
        + `NEEDS_FLOAT64 ${stats.flagged.length} [${stats.flagged.join(', ')}]`);
      expect(stats.maxTsMm, c.name).toBeLessThanOrEqual(TS_TOLERANCE_MM);
      expect(stats.maxTcoh, c.name).toBeLessThanOrEqual(TCOH_TOLERANCE);
      for (const p of c.mustFlag) expect(stats.flagged, `${c.name}: pixel ${p} must be flagged`).toContain(p);
      totalFlagged += stats.flagged.length - c.mustFlag.length;
      totalSolved += stats.solved;
    }
    // Apart from the constructed ones, float32 gives up on few pixels.
    expect(totalFlagged).toBeLessThanOrEqual(Math.max(2, 0.01 * totalSolved));
  });

  it('inputs the float32 kernel refuses: infinite phase, a zero or NaN √weight', async () => {
    const random = makeRandom(baseSeed + 4000);
    const dates = acquisitionDays(10, random).map(ymd);
    const network = buildIfgramNetwork(spanPairs(dates, [1, 2, 3], random, 1), 'refused inputs');
    const tile = makeTile(network, Array.from({ length: 4 }, () => ({ mask: { kind: 'random', nanFraction: 0 } as Mask })), true, random);
    tile.phaseRad[5 * 4 + 0] = Number.POSITIVE_INFINITY;
    tile.weightSqrt![5 * 4 + 1] = 0;
    tile.weightSqrt![5 * 4 + 2] = Number.NaN;
    const kernel = await createGpuInvertKernel(gpu!, { poisonBits: POISON_BITS, destroyContextOnDispose: false });
    const out = await kernel.invertTile(tile, network, OPTIONS);
    kernel.dispose();
    expect([...out.status]).toEqual([InvertStatus.NEEDS_FLOAT64, InvertStatus.NEEDS_FLOAT64, InvertStatus.NEEDS_FLOAT64, InvertStatus.SOLVED]);
    // The reference: a zero weight is a row without influence (still counted), the others are errors.
    const cpu = allocateInvertOutputs(4, network.dates.length);
    expect(() => invertPixelInto(tile, network, OPTIONS, 0, cpu)).toThrow(/phase Infinity/);
    expect(invertPixelInto(tile, network, OPTIONS, 1, cpu)).toBe('banded');
    expect(cpu.numInvIfgram[1]).toBe(network.intervalStart.length);
    expect(() => invertPixelInto(tile, network, OPTIONS, 2, cpu)).toThrow(/weight NaN/);
  });
});
