// A synthetic MintPy ifgramStack.h5 with planted truth, for the network inversion's tests and
// benchmarks (../shared/INVERSION.md §8 "Verification"). TypeScript + h5wasm, seeded.
//
// Each pixel moves d(t) = rate·(t − t₀) + (A/2)·sin(2π(t − t_peak) + π/2) + white noise (m, LOS,
// + toward the satellite); the phase of pair (reference date r, secondary s) is
//     φ = −4π/λ · (d(s) − d(r)) + c_i + n,   n ~ N(0, σ(γ)²),  σ² = (1 − γ²)/(2·L·γ²)
// with c_i an arbitrary per-interferogram constant (2πk + u: the unwrapped phase is known only up
// to it, so the inversion must reference to REF_Y/REF_X), γ the pair's coherence and L the looks.
// The truth is what MintPy's inversion estimates: d relative to the first date AND to the
// reference pixel (whose own phase is noise-free here, so the referenced phase is exact but
// for n).
//
// Coherence: a smooth spatial field γ_short (0.45–0.99) decaying with the pair's time span
// toward a quarter of it (e-folding `decorrelationDays`), lower for pairs touching a winter date,
// times a 1 ± jitter per pixel and pair. So `--mask-dataset coherence` at 0.4 and 0.7 removes
// long pairs where coherence is middling: partial networks, split networks (a date cut off from
// its neighbours) and pixels below min-redundancy — the cases of INVERSION.md §8's test matrix.
// Also planted: no-data patches (unwrapPhase 0, coherence 0, connectComponent 0 in some
// interferograms), 2π unwrapping errors (connectComponent 2 there), a region not unwrapped in some
// interferograms (connectComponent 0, phase garbage), water (low coherence, random phase, 0 in
// waterMask.h5), and some dropIfgram = False (never a 12-day pair, so no date is orphaned).
//
// Layout exactly as MintPy's ifgramStackDict.write2hdf5 (INVERSION.md §1): `date` |S8 (M, 2),
// `dropIfgram` bool (M,) (h5py's enum, io/h5-bool-write-node.ts), `bperp` float32 (M,),
// `unwrapPhase`/`coherence` float32 and `connectComponent` int16 (M, L, W) with maxshape
// (None, L, W), chunked as h5py's chunks=True chooses (default) or as asked; root attributes as
// text. connectComponent is NOT LZF-compressed (MintPy's is; h5wasm cannot write LZF).
//
// Troposphere (option `troposphere`, TroposphereOptions): a planted delay E per date and pixel
// (displacement sign convention: E = −slant delay), a stratified part — a smooth synthetic
// elevation times a per-date lapse — plus a smooth turbulent part, ~1–2 cm once referenced; the
// phase becomes −4π/λ·((d + E)(s) − (d + E)(r)) + c_i + n, and ERA5.h5 is written beside the stack
// as MintPy's tropo_pyaps3 writes it (`timeseries` float32 (N, L, W) in m, absolute — not
// referenced —, `date` |S8 (N,), the stack's attributes with FILE_TYPE timeseries, UNIT m and no
// REF_*), holding (1 − errorFraction)·E at every date but `missingDates`.
// Ramps (option `ramps`, RampOptions): a planted per-date linear (or quadratic) ramp R in row and
// column index, orbit-error-like, in the phase as d + E + R, NOT in ERA5.h5 (MintPy's remove_ramp
// removes it). Both come from their own seeded streams and are analytic in (row, column), so any
// row block is still reproducible alone, and without them every file is as before, value for value.
// The truth stays d alone (relative to the first date and the reference pixel): E, R and the
// constants c_i are not in it; the returned `troposphere`/`ramps` say what was planted.
// Caller's displacement (option `displacementRows`): d from a function of row blocks instead of
// the built-in model (data/sample-ifgrams.ts: the bundled sample's series); NaN = no data.
//
// Streaming: each block of chunk rows is generated and written in turn (every pixel's randomness
// comes from its own seeded stream, so any block is reproducible alone), so a stack far larger
// than memory — 1000 × 1000 × 300 interferograms ≈ 3 GB — is written in ~M·rows·W·10 bytes.
//
// As a script: node bin/run-ts.mjs data/ifgram-stack.ts OUT_DIR [--length L] [--width W]
//   [--dates N] [--neighbours K] [--study] [--seed S] [--water] [--geocoded] [--truth]
//   [--troposphere] [--ramps linear|quadratic]

import h5wasm from 'h5wasm/node';
import type { Dataset as H5Dataset, File as H5File } from 'h5wasm';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRandom } from './synthetic.ts';
import { ymdToDecimalYear } from '../src/core/time.ts';
import { daysOfDate8, type IfgramPair } from '../src/core/inversion.ts';
import { createBoolDatasetPlaceholder, patchBoolDatasets } from '../src/io/h5-bool-write-node.ts';

/** Sentinel-1 C-band wavelength (m), as MintPy's S1 metadata. */
export const SENTINEL1_WAVELENGTH_M = 0.05546576;

/** A rectangle of rows [row0, row1) × columns [col0, col1). */
export interface PixelBox { row0: number; row1: number; col0: number; col1: number }

export interface IfgramStackOptions {
  seed: number;
  /** Rows (LENGTH) and columns (WIDTH). */
  length: number;
  width: number;
  /** Acquisition dates (YYYYMMDD, sorted); default `nDates` every `intervalDays` from `startDate`. */
  dates?: string[];
  startDate?: string;
  nDates?: number;
  intervalDays?: number;
  /**
   * Each date paired with its next `neighbours` dates (default 3); 'study': the study's size,
   * 286 dates × 947 interferograms (next 3, plus 95 pairs of 60 days spread over the span);
   * or explicit pairs [reference, secondary].
   */
  network?: { neighbours: number } | 'study' | { pairs: [string, string][] };
  /** Looks attributes written (default ALOOKS 8, RLOOKS 40: the study's, L = 165). */
  looks?: { ALOOKS?: number; RLOOKS?: number; NCORRLOOKS?: number };
  /** Looks of the phase noise (default: MintPy's L of `looks`, NCORRLOOKS or ALOOKS·RLOOKS/1.94). */
  noiseLooks?: number;
  wavelengthM?: number;
  /** Reference pixel (default about a third in from the top-left, never row 0 or column 0); null writes no REF_Y/REF_X (the truth is then still referenced to the default). */
  ref?: { y: number; x: number } | null;
  /** Interferogram × rectangle patches of no data (default 5 % of M, at least 1; 0 for none). */
  noDataPatches?: number;
  /** 2π unwrapping-error patches, connectComponent 2 (default 3 % of M, at least 1; 0 for none). */
  unwrapErrorPatches?: number;
  /** A region not unwrapped (connectComponent 0, garbage phase) in this fraction of interferograms (default 0.25; 0 for none). */
  notUnwrappedFraction?: number;
  /** Fraction of pairs longer than one interval marked dropIfgram = False (default 0.05). */
  dropFraction?: number;
  /** Write waterMask.h5 (dataset `waterMask` bool, 1 = land) beside the stack, with a lake planted. */
  waterMask?: boolean;
  /** Write X_FIRST/Y_FIRST/X_STEP/Y_STEP/EPSG (EPSG:4326, 0.000833° posts); default radar coordinates. */
  geocoded?: boolean;
  /** Coherence model. */
  coherence?: { shortRange?: [number, number]; decorrelationDays?: number; longTermFraction?: number; winterFactor?: number; jitter?: number; /** Round γ to multiples of this (e.g. 1/256, exact in float32): smaller compressed files. */ quantum?: number };
  /** Displacement model. */
  displacement?: { rateRangeMmPerYear?: [number, number]; amplitudeRangeMm?: [number, number]; noiseMm?: number };
  /** HDF5 chunks of the 3-D datasets: 'mintpy' (h5py's chunks=True, default) or [ifgrams, rows, cols]. */
  chunks?: 'mintpy' | [number, number, number];
  /** Also write truth.h5 beside the stack: a MintPy timeseries.h5 of the truth. */
  truthFile?: boolean;
  /** Keep the truth time series in memory (default: when it is ≤ 32 M values). */
  truthInMemory?: boolean;
  /** Extra root attributes (override the defaults). */
  attributes?: Record<string, string>;
  /** Called after each written block. */
  onProgress?: (rowsDone: number, rows: number) => void;
  /**
   * The displacement from the caller instead of the built-in model: absolute LOS displacement
   * (m, + toward the satellite) of rows row0 … row0 + nRows − 1 at every date, date-major
   * [date][row][col] (nDates·nRows·width values). NaN at a pixel: no data there in every
   * interferogram (unwrapPhase 0, coherence 0, connectComponent 0; truth NaN). The planted
   * rate/amplitude/peak-day arrays of the truth are then NaN. Must be deterministic (called per
   * row block, and again by the truth's timeseriesRows).
   */
  displacementRows?: (row0: number, nRows: number) => Float32Array | Float64Array;
  /** A planted tropospheric delay in the phase, and ERA5.h5 beside the stack (see TroposphereOptions). */
  troposphere?: TroposphereOptions;
  /** A planted per-date phase ramp (orbit-error-like) in the phase, not in ERA5.h5 (see RampOptions). */
  ramps?: RampOptions;
  /** gzip (deflate) level 1–9 of the 3-D datasets (unwrapPhase, coherence, connectComponent, ERA5's timeseries); default none, as MintPy. */
  compression?: number;
}

/**
 * The planted troposphere. The one-way slant delay of date k at pixel p is
 *     D_k(p) = C_k + Λ_k·(h₀ − h(p))/1000 + T_k(p)   (m)
 * with C_k the absolute level (`absoluteM` + 2 cm·N(0,1)), h(p) a smooth synthetic elevation (m:
 * `elevationM` + about ±`reliefM`/2, waves and a hill), Λ_k = 0.3 m/km + `stratifiedStdMPerKm`·N(0,1)
 * the date's lapse (the stratified part), and T_k a smooth turbulent field (a sum of 8 plane
 * waves of 0.5–3 cycles per image, std `turbulentStdM`). E = −D is the delay in the displacement
 * sign convention (tropo_pyaps3's `pha *= -1`); the phase holds −4π/λ·((d + E)(s) − (d + E)(r)).
 * ERA5.h5 holds (1 − errorFraction)·E at every date but `missingDates`: absolute (neither
 * referenced in space nor in time), float32, as tropo_pyaps3 writes it. With the defaults E
 * varies by ~1–2 cm across the image and between dates once referenced.
 */
export interface TroposphereOptions {
  /** Mean elevation (m, default 4600: the plateau) and relief of the synthetic terrain (m, default 300). */
  elevationM?: number;
  reliefM?: number;
  /** Per-date spread of the stratified lapse (m of delay per km of elevation, default 0.02). */
  stratifiedStdMPerKm?: number;
  /** Std of the turbulent part per date (m, default 0.003). */
  turbulentStdM?: number;
  /** Absolute delay level at the mean elevation (m, default 2.5). */
  absoluteM?: number;
  /** ERA5.h5 holds (1 − errorFraction)·E: ERA5 as an imperfect model (default 0: exact). */
  errorFraction?: number;
  /** Dates (YYYYMMDD) left out of ERA5.h5 (the phase still holds their delay). */
  missingDates?: string[];
  /** Write ERA5.h5 beside the stack (default true). */
  writeFile?: boolean;
}

/**
 * The planted ramps: per date k, R_k(y, x) = a_k·y + b_k·x + c_k (+ d_k·y² + e_k·x² + f_k·y·x when
 * quadratic), y and x the row and column index (MintPy's remove_ramp design matrix), in m of
 * LOS displacement. Linear: |a_k|·(L − 1) + |b_k|·(W − 1) ≤ maxM; quadratic: the linear part
 * takes half of maxM, the quadratic terms the rest (|d|(L−1)² + |e|(W−1)² + |f|(L−1)(W−1) ≤ maxM/2).
 */
export interface RampOptions {
  /** 'linear' (default) or 'quadratic'. */
  kind?: 'linear' | 'quadratic';
  /** Largest span of a date's ramp over the image (m, default 0.02). */
  maxM?: number;
}

/** One date's planted ramp coefficients (m per pixel, per pixel², and m). */
export interface RampCoefficients { y: number; x: number; constant: number; yy: number; xx: number; xy: number }

export interface PlantedTroposphere {
  /** ERA5.h5's path, or null when not written. */
  era5Path: string | null;
  /** The dates in ERA5.h5 (the stack's dates but missingDates). */
  era5Dates: string[];
  errorFraction: number;
  /** Per stack date: C_k (m) and Λ_k (m/km). */
  absoluteM: Float64Array;
  lapseMPerKm: Float64Array;
  /** The synthetic elevation (m) at a pixel. */
  elevationAt(row: number, col: number): number;
  /** E (m, displacement sign convention, absolute) of rows row0 … at every stack date, date-major. */
  delayRows(row0: number, nRows: number): Float64Array;
}

export interface PlantedRamps {
  kind: 'linear' | 'quadratic';
  /** Per stack date. */
  coefficients: RampCoefficients[];
  /** R (m) of rows row0 … at every stack date, date-major. */
  rampRows(row0: number, nRows: number): Float64Array;
}

export interface IfgramStackTruth {
  /** All acquisition dates (sorted); the truth's dates. */
  dates: string[];
  /** The pixel the truth is relative to (REF_Y/REF_X when written). */
  ref: { y: number; x: number };
  /** Per pixel (row-major): the planted secular rate (m/yr, absolute), seasonal amplitude (m, peak to trough) and peak day. */
  rateMPerYear: Float32Array;
  seasonalAmplitudeM: Float32Array;
  peakDayOfYear: Float32Array;
  /** γ_short per pixel: the coherence of a 0-day pair before jitter. */
  coherenceShort: Float32Array;
  /** Displacement (m) relative to the first date and the reference pixel, date-major [date][row][col]; null when not kept in memory. */
  timeseriesM: Float32Array | null;
  /** The same for rows row0 … row0 + nRows − 1 (regenerated: any size of stack). */
  timeseriesRows(row0: number, nRows: number): Float32Array;
  /** 1 on the planted lake (waterMask.h5 = 0 there), else 0; null without a water mask. */
  water: Uint8Array | null;
  noDataPatches: { ifgram: number; box: PixelBox }[];
  unwrapErrorPatches: { ifgram: number; box: PixelBox; cycles: number }[];
  /** The region not unwrapped and the interferograms where it is so. */
  notUnwrapped: { box: PixelBox; ifgrams: number[] } | null;
}

export interface SyntheticIfgramStack {
  path: string;
  waterMaskPath: string | null;
  truthPath: string | null;
  /** Every interferogram in file order. */
  pairs: IfgramPair[];
  /** dropIfgram: true = keep. */
  keep: boolean[];
  /** Per interferogram (float32, m), and per date (m, first date 0). */
  bperpIfgram: Float32Array;
  bperpDate: Float32Array;
  /** REF_Y/REF_X as written, or null. */
  ref: { y: number; x: number } | null;
  attributes: Record<string, string>;
  /** Chunk shape of unwrapPhase. */
  chunks: [number, number, number];
  truth: IfgramStackTruth;
  /** What `troposphere` planted (null without it). */
  troposphere: PlantedTroposphere | null;
  /** What `ramps` planted (null without it). */
  ramps: PlantedRamps | null;
}

/** 12-day dates from `start`, `n` of them (Sentinel-1's repeat). */
export function repeatDates(start: string, n: number, intervalDays = 12): string[] {
  const day0 = daysOfDate8(start);
  if (Number.isNaN(day0)) throw new Error(`repeatDates: "${start}" is not YYYYMMDD`);
  return Array.from({ length: n }, (_, k) => {
    const d = new Date((day0 + k * intervalDays) * 86_400_000);
    return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  });
}

/** Pairs of each date with its next `neighbours` dates, in MintPy's order (by reference date, then secondary). */
export function sequentialPairs(dates: readonly string[], neighbours: number): IfgramPair[] {
  const pairs: IfgramPair[] = [];
  for (let i = 0; i < dates.length; i++) for (let j = i + 1; j <= Math.min(dates.length - 1, i + neighbours); j++) pairs.push({ referenceDate: dates[i], secondaryDate: dates[j] });
  return pairs;
}

/** The study's network size: 286 dates, 947 interferograms (next 3, plus 95 spans of 5 = 60 days). */
export function studyNetwork(start = '20141210'): { dates: string[]; pairs: IfgramPair[] } {
  const dates = repeatDates(start, 286);
  const pairs = sequentialPairs(dates, 3);
  for (let j = 0; j < 95; j++) {
    const i = Math.round((j * 280) / 94);
    pairs.push({ referenceDate: dates[i], secondaryDate: dates[i + 5] });
  }
  pairs.sort((a, b) => (a.referenceDate + a.secondaryDate < b.referenceDate + b.secondaryDate ? -1 : 1));
  return { dates, pairs };
}

/**
 * h5py's chunk guess for chunks=True (h5py/_hl/filters.py guess_chunk): halve the axes in turn
 * until the chunk is under a size target that grows with the dataset (8 KiB … 1 MiB).
 */
export function h5pyGuessChunk(shape: readonly number[], typeSizeBytes: number): number[] {
  const CHUNK_BASE = 16 * 1024;
  const CHUNK_MIN = 8 * 1024;
  const CHUNK_MAX = 1024 * 1024;
  const chunks = shape.map((x) => (x !== 0 ? x : 1024));
  const product = (a: number[]) => a.reduce((p, x) => p * x, 1);
  const datasetBytes = product(chunks) * typeSizeBytes;
  let target = CHUNK_BASE * 2 ** Math.log10(datasetBytes / (1024 * 1024));
  if (target > CHUNK_MAX) target = CHUNK_MAX;
  else if (target < CHUNK_MIN) target = CHUNK_MIN;
  for (let idx = 0; ; idx++) {
    const bytes = product(chunks) * typeSizeBytes;
    if ((bytes < target || Math.abs(bytes - target) / target < 0.5) && bytes < CHUNK_MAX) break;
    if (product(chunks) === 1) break;
    const axis = idx % chunks.length;
    chunks[axis] = Math.ceil(chunks[axis] / 2);
  }
  return chunks;
}

/** A 32-bit integer hash (murmur3's finaliser): independent streams per pixel. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Standard normal deviates from `random` (Box–Muller, both values used). */
function normalStream(random: () => number): () => number {
  let spare = Number.NaN;
  return () => {
    if (!Number.isNaN(spare)) { const s = spare; spare = Number.NaN; return s; }
    const u = Math.max(random(), 1e-300);
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * random();
    spare = r * Math.sin(a);
    return r * Math.cos(a);
  };
}

/**
 * γ_short = lo + (hi − lo)·f^0.35 over the field f ∈ [0, 1]: skewed toward high coherence, so that
 * (with the defaults) a 36 × 28 × 18-date stack has ~12 % partial networks and no split ones at
 * --mask-threshold 0.4, ~15 % split networks and ~40 % pixels with a date left unobserved at 0.7.
 */
const COHERENCE_SKEW = 0.35;
const inBox = (b: PixelBox, row: number, col: number) => row >= b.row0 && row < b.row1 && col >= b.col0 && col < b.col1;

function isWinter(date: string): boolean {
  const month = Number(date.slice(4, 6));
  return month === 12 || month <= 3;
}

/** A smooth field over the image: Σ a_j·cos(2π(k_j·u + l_j·v) + φ_j), u = row/length, v = col/width. */
interface Waves { k: Float64Array; l: Float64Array; a: Float64Array; phi: Float64Array }
function drawWaves(random: () => number, n: number, stdM: number): Waves {
  const w: Waves = { k: new Float64Array(n), l: new Float64Array(n), a: new Float64Array(n), phi: new Float64Array(n) };
  for (let j = 0; j < n; j++) {
    const cycles = 0.5 + 2.5 * random();
    const angle = 2 * Math.PI * random();
    w.k[j] = cycles * Math.cos(angle);
    w.l[j] = cycles * Math.sin(angle);
    // σ of a sum of n unit cosines is √(n/2): amplitudes scaled to `stdM`, each drawn about it.
    w.a[j] = stdM * Math.sqrt(2 / n) * (0.6 + 0.8 * random());
    w.phi[j] = 2 * Math.PI * random();
  }
  return w;
}
function wavesAt(w: Waves, u: number, v: number): number {
  let s = 0;
  for (let j = 0; j < w.k.length; j++) s += w.a[j] * Math.cos(2 * Math.PI * (w.k[j] * u + w.l[j] * v) + w.phi[j]);
  return s;
}

/** The planted troposphere (TroposphereOptions), from its own stream: no draw of the stack's own. */
function makeTroposphere(seed: number, dates: readonly string[], length: number, width: number, options: TroposphereOptions): Omit<PlantedTroposphere, 'era5Path'> {
  const random = makeRandom(mix32(seed ^ 0x2c1b3c6d));
  const normal = normalStream(random);
  const h0 = options.elevationM ?? 4600;
  const relief = options.reliefM ?? 300;
  const lapseStd = options.stratifiedStdMPerKm ?? 0.02;
  const turbulentStd = options.turbulentStdM ?? 0.003;
  const absolute = options.absoluteM ?? 2.5;
  const errorFraction = options.errorFraction ?? 0;
  if (!(errorFraction >= 0 && errorFraction <= 1)) throw new Error(`writeSyntheticIfgramStack: troposphere.errorFraction ${errorFraction} outside [0, 1]`);
  const missing = new Set(options.missingDates ?? []);
  for (const d of missing) if (!dates.includes(d)) throw new Error(`writeSyntheticIfgramStack: troposphere.missingDates: ${d} is not a date of the stack`);
  // Terrain: three waves (±~0.35·relief) and a hill (+0.5·relief) about its centre.
  const terrain = drawWaves(random, 3, 0.25);
  const hill = { u: 0.3 + 0.4 * random(), v: 0.3 + 0.4 * random(), r: 0.15 + 0.1 * random() };
  const elevationAt = (row: number, col: number) => {
    const u = row / length;
    const v = col / width;
    const bump = Math.exp(-((u - hill.u) ** 2 + (v - hill.v) ** 2) / (2 * hill.r * hill.r));
    return h0 + relief * (wavesAt(terrain, u, v) + 0.5 * bump - 0.15);
  };
  const nDates = dates.length;
  const absoluteM = Float64Array.from(dates, () => absolute + 0.02 * normal());
  const lapseMPerKm = Float64Array.from(dates, () => 0.3 + lapseStd * normal());
  const turbulence = dates.map(() => drawWaves(random, 8, turbulentStd));
  const delayRows = (row0: number, nRows: number) => {
    const out = new Float64Array(nDates * nRows * width);
    const plane = nRows * width;
    for (let r = 0; r < nRows; r++) {
      for (let c = 0; c < width; c++) {
        const row = row0 + r;
        const dh = (h0 - elevationAt(row, c)) / 1000;
        const u = row / length;
        const v = c / width;
        // E = −D: the sign-reversed delay (displacement convention).
        for (let k = 0; k < nDates; k++) out[k * plane + r * width + c] = -(absoluteM[k] + lapseMPerKm[k] * dh + wavesAt(turbulence[k], u, v));
      }
    }
    return out;
  };
  return { era5Dates: dates.filter((d) => !missing.has(d)), errorFraction, absoluteM, lapseMPerKm, elevationAt, delayRows };
}

/** The planted ramps (RampOptions), from their own stream. */
function makeRamps(seed: number, nDates: number, length: number, width: number, options: RampOptions): PlantedRamps {
  const random = makeRandom(mix32(seed ^ 0x68e31da4));
  const kind = options.kind ?? 'linear';
  if (kind !== 'linear' && kind !== 'quadratic') throw new Error(`writeSyntheticIfgramStack: ramps.kind "${String(kind)}" (linear or quadratic)`);
  const maxM = options.maxM ?? 0.02;
  const spanY = Math.max(1, length - 1);
  const spanX = Math.max(1, width - 1);
  const signed = () => 2 * random() - 1;
  const coefficients: RampCoefficients[] = Array.from({ length: nDates }, () => {
    const linear = kind === 'linear' ? maxM : maxM / 2;
    // |a|·spanY + |b|·spanX ≤ linear: split the budget at random between the axes.
    const share = random();
    const coef: RampCoefficients = { y: (linear * share * signed()) / spanY, x: (linear * (1 - share) * signed()) / spanX, constant: 0.005 * signed(), yy: 0, xx: 0, xy: 0 };
    if (kind === 'quadratic') {
      const q = maxM / 2;
      const s1 = random(), s2 = random(), s3 = random();
      const sum = s1 + s2 + s3;
      coef.yy = (q * (s1 / sum) * signed()) / (spanY * spanY);
      coef.xx = (q * (s2 / sum) * signed()) / (spanX * spanX);
      coef.xy = (q * (s3 / sum) * signed()) / (spanY * spanX);
    }
    return coef;
  });
  const rampRows = (row0: number, nRows: number) => {
    const out = new Float64Array(nDates * nRows * width);
    const plane = nRows * width;
    for (let k = 0; k < nDates; k++) {
      const f = coefficients[k];
      for (let r = 0; r < nRows; r++) {
        const y = row0 + r;
        for (let x = 0; x < width; x++) out[k * plane + r * width + x] = f.y * y + f.x * x + f.constant + f.yy * y * y + f.xx * x * x + f.xy * y * x;
      }
    }
    return out;
  };
  return { kind, coefficients, rampRows };
}

/**
 * Writes a synthetic ifgramStack.h5 at `stackPath` (and waterMask.h5 / truth.h5 beside it when
 * asked) and returns what was planted.
 */
export async function writeSyntheticIfgramStack(stackPath: string, options: IfgramStackOptions): Promise<SyntheticIfgramStack> {
  const { seed, length, width } = options;
  if (!(Number.isInteger(length) && Number.isInteger(width) && length >= 2 && width >= 2)) throw new Error(`writeSyntheticIfgramStack: ${length} × ${width}`);
  const random = makeRandom(mix32(seed ^ 0x5bd1e995));
  const normal = normalStream(random);
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();

  // ── Network ──
  let dates: string[];
  let pairs: IfgramPair[];
  if (options.network === 'study') {
    ({ dates, pairs } = studyNetwork(options.startDate));
  } else if (options.network && 'pairs' in options.network) {
    pairs = options.network.pairs.map(([r, s]) => ({ referenceDate: r, secondaryDate: s }));
    dates = [...new Set(pairs.flatMap((p) => [p.referenceDate, p.secondaryDate]))].sort();
  } else {
    dates = options.dates ?? repeatDates(options.startDate ?? '20170104', options.nDates ?? 24, options.intervalDays ?? 12);
    pairs = sequentialPairs(dates, options.network?.neighbours ?? 3);
  }
  const nDates = dates.length;
  const nIfgrams = pairs.length;
  const dateIndex = new Map(dates.map((d, i) => [d, i]));
  const first = pairs.map((p) => dateIndex.get(p.referenceDate)!);
  const second = pairs.map((p) => dateIndex.get(p.secondaryDate)!);
  const tYears = dates.map((d) => ymdToDecimalYear(d));

  // ── Per-interferogram draws (the main stream, in a fixed order) ──
  const bperpDate64 = dates.map((_, k) => (k === 0 ? 0 : 80 * normal()));
  const bperpDate = Float32Array.from(bperpDate64);
  const bperpIfgram = Float32Array.from(pairs.map((_, i) => bperpDate64[second[i]] - bperpDate64[first[i]]));
  const phaseConstant = pairs.map(() => 2 * Math.PI * Math.round(uniform(-3.49, 3.49)) + uniform(-Math.PI, Math.PI));
  const keep = pairs.map(() => true);
  const dropFraction = options.dropFraction ?? 0.05;
  pairs.forEach((_, i) => { if (Math.abs(second[i] - first[i]) > 1 && random() < dropFraction) keep[i] = false; });

  const coh = options.coherence ?? {};
  const [cohLo, cohHi] = coh.shortRange ?? [0.45, 0.99];
  const decorrelationDays = coh.decorrelationDays ?? 90;
  const longTermFraction = coh.longTermFraction ?? 0.25;
  const winterFactor = coh.winterFactor ?? 0.95;
  const jitter = coh.jitter ?? 0.08;
  // γ = γ_short · g_i: the pair's decay toward the long-term fraction, lower in winter.
  const pairFactor = pairs.map((p, i) => {
    const spanDays = Math.abs(daysOfDate8(p.secondaryDate) - daysOfDate8(p.referenceDate));
    const decay = longTermFraction + (1 - longTermFraction) * Math.exp(-spanDays / decorrelationDays);
    return decay * (isWinter(p.referenceDate) || isWinter(p.secondaryDate) ? winterFactor : 1) * (first[i] === second[i] ? 0 : 1);
  });
  // The smooth field of γ_short: two tilted waves.
  const wave = [uniform(0.5, 1.5), uniform(0.5, 1.5), uniform(0, 2 * Math.PI), uniform(0.5, 1.5), uniform(0.5, 1.5), uniform(0, 2 * Math.PI)];
  const coherenceShortAt = (row: number, col: number) => {
    const u = row / length;
    const v = col / width;
    const f = 0.5 + 0.5 * (0.6 * Math.sin(2 * Math.PI * (wave[0] * u + wave[1] * v) + wave[2]) + 0.4 * Math.cos(2 * Math.PI * (wave[3] * u - wave[4] * v) + wave[5]));
    return cohLo + (cohHi - cohLo) * Math.pow(f, COHERENCE_SKEW);
  };

  // ── Reference pixel and planted regions (never on the reference pixel) ──
  const refDefault = { y: Math.min(length - 1, Math.max(1, Math.round(0.37 * length))), x: Math.min(width - 1, Math.max(1, Math.round(0.41 * width))) };
  const truthRef = options.ref ?? refDefault;
  if (!(truthRef.y >= 0 && truthRef.y < length && truthRef.x >= 0 && truthRef.x < width)) throw new Error(`writeSyntheticIfgramStack: ref ${truthRef.y},${truthRef.x} outside ${length} × ${width}`);
  const randomBox = (minFrac: number, maxFrac: number): PixelBox => {
    for (let tries = 0; ; tries++) {
      const h = Math.max(1, Math.round(length * uniform(minFrac, maxFrac)));
      const w = Math.max(1, Math.round(width * uniform(minFrac, maxFrac)));
      const row0 = Math.floor(uniform(0, length - h + 1));
      const col0 = Math.floor(uniform(0, width - w + 1));
      const box = { row0, row1: row0 + h, col0, col1: col0 + w };
      if (!inBox(box, truthRef.y, truthRef.x) || tries > 100) return box;
    }
  };
  const noDataCount = options.noDataPatches ?? Math.max(1, Math.round(0.05 * nIfgrams));
  const noDataPatches = Array.from({ length: noDataCount }, () => ({ ifgram: Math.floor(random() * nIfgrams), box: randomBox(0.1, 0.3) }));
  const unwrapCount = options.unwrapErrorPatches ?? Math.max(1, Math.round(0.03 * nIfgrams));
  const unwrapErrorPatches = Array.from({ length: unwrapCount }, () => ({ ifgram: Math.floor(random() * nIfgrams), box: randomBox(0.08, 0.25), cycles: random() < 0.5 ? -1 : 1 }));
  const notUnwrappedFraction = options.notUnwrappedFraction ?? 0.25;
  // The region not unwrapped: the bottom-left corner block (the reference is a third in from the top-left).
  const notUnwrappedBox: PixelBox = { row0: Math.max(truthRef.y + 1, Math.floor(0.8 * length)), row1: length, col0: 0, col1: Math.max(1, Math.min(Math.ceil(0.25 * width), truthRef.x)) };
  const notUnwrapped = notUnwrappedFraction > 0 && notUnwrappedBox.row0 < length
    ? { box: notUnwrappedBox, ifgrams: pairs.map((_, i) => i).filter(() => random() < notUnwrappedFraction) }
    : null;
  const notUnwrappedSet = new Set(notUnwrapped?.ifgrams ?? []);
  // The lake: an ellipse toward the bottom-right.
  const lake = { cy: 0.72 * length, cx: 0.72 * width, ry: Math.max(1, 0.12 * length), rx: Math.max(1, 0.15 * width) };
  const onLake = (row: number, col: number) => ((row - lake.cy) / lake.ry) ** 2 + ((col - lake.cx) / lake.rx) ** 2 <= 1;
  const water = options.waterMask ? new Uint8Array(length * width) : null;
  if (water) for (let r = 0; r < length; r++) for (let c = 0; c < width; c++) if (onLake(r, c) && !(r === truthRef.y && c === truthRef.x)) water[r * width + c] = 1;
  /** Per interferogram, the indices of its patches in `list`. */
  const patchesOf = (list: { ifgram: number }[]) => {
    const byIfgram: number[][] = pairs.map(() => []);
    list.forEach((p, k) => byIfgram[p.ifgram].push(k));
    return byIfgram;
  };
  const noDataByIfgram = patchesOf(noDataPatches);
  const unwrapByIfgram = patchesOf(unwrapErrorPatches);

  // ── Looks, noise ──
  const looks = options.looks ?? { ALOOKS: 8, RLOOKS: 40 };
  const mintpyLooks = looks.NCORRLOOKS ?? ((looks.ALOOKS ?? 1) * (looks.RLOOKS ?? 1)) / 1.94;
  const noiseLooks = Math.max(1, options.noiseLooks ?? Math.round(mintpyLooks));
  const wavelengthM = options.wavelengthM ?? SENTINEL1_WAVELENGTH_M;
  const radPerMetre = (-4 * Math.PI) / wavelengthM;
  const disp = options.displacement ?? {};
  const [rateLo, rateHi] = disp.rateRangeMmPerYear ?? [-30, 10];
  const [ampLo, ampHi] = disp.amplitudeRangeMm ?? [5, 40];
  const noiseM = (disp.noiseMm ?? 2) / 1000;

  // ── Per-pixel draws: its own stream, displacement first (so the truth regenerates alone) ──
  const pixelSeedBase = mix32(seed * 0x9e3779b1 + 0x7f4a7c15);
  const pixelStreams = (p: number) => {
    const r = makeRandom(mix32(pixelSeedBase ^ mix32(p + 1)));
    return { random: r, normal: normalStream(r) };
  };
  const nPixels = length * width;
  const rateMPerYear = new Float32Array(nPixels);
  const seasonalAmplitudeM = new Float32Array(nPixels);
  const peakDayOfYear = new Float32Array(nPixels);
  const coherenceShort = new Float32Array(nPixels);
  /** Absolute displacement (m) of pixel p at every date, into `out`; consumes the stream's first draws. */
  const displacementOf = (stream: ReturnType<typeof pixelStreams>, out: Float64Array) => {
    const rate = (rateLo + (rateHi - rateLo) * stream.random()) / 1000;
    const amplitude = (ampLo + (ampHi - ampLo) * stream.random()) / 1000;
    const peakDoy = 1 + 365 * stream.random();
    const tPeak = (peakDoy - 1) / 365.25;
    for (let k = 0; k < nDates; k++) {
      const t = tYears[k];
      out[k] = rate * (t - tYears[0]) + (amplitude / 2) * Math.sin(2 * Math.PI * (t - Math.floor(t) - tPeak) + Math.PI / 2) + noiseM * stream.normal();
    }
    return { rate, amplitude, peakDoy };
  };
  // The caller's displacement, checked block by block.
  const displacementBlock = options.displacementRows
    ? (row0: number, nRows: number) => {
      const block = options.displacementRows!(row0, nRows);
      if (block.length !== nDates * nRows * width) throw new Error(`writeSyntheticIfgramStack: displacementRows(${row0}, ${nRows}) gave ${block.length} values, not ${nDates} × ${nRows} × ${width}`);
      return block;
    }
    : null;
  /** Pixel (r, c) of a date-major block of nRows rows, into `out`. */
  const seriesOfBlock = (block: Float32Array | Float64Array, nRows: number, r: number, c: number, out: Float64Array) => {
    const plane = nRows * width;
    for (let k = 0; k < nDates; k++) out[k] = block[k * plane + r * width + c];
  };
  const refSeries = new Float64Array(nDates);
  if (displacementBlock) {
    seriesOfBlock(displacementBlock(truthRef.y, 1), 1, 0, truthRef.x, refSeries);
    if (refSeries.some((v) => !Number.isFinite(v))) throw new Error(`writeSyntheticIfgramStack: displacementRows has no data at the reference pixel ${truthRef.y},${truthRef.x}`);
  } else {
    displacementOf(pixelStreams(truthRef.y * width + truthRef.x), refSeries);
  }
  const truthRowsOf = (row0: number, nRows: number, out: Float32Array = new Float32Array(nDates * nRows * width)) => {
    const series = new Float64Array(nDates);
    const plane = nRows * width;
    const block = displacementBlock?.(row0, nRows);
    for (let r = 0; r < nRows; r++) {
      for (let c = 0; c < width; c++) {
        const p = (row0 + r) * width + c;
        if (block) seriesOfBlock(block, nRows, r, c, series);
        else displacementOf(pixelStreams(p), series);
        for (let k = 0; k < nDates; k++) out[k * plane + r * width + c] = series[k] - series[0] - (refSeries[k] - refSeries[0]);
      }
    }
    return out;
  };

  // ── Troposphere and ramps: their own streams, so without them nothing above changes ──
  const tropo = options.troposphere ? makeTroposphere(seed, dates, length, width, options.troposphere) : null;
  const ramps = options.ramps ? makeRamps(seed, nDates, length, width, options.ramps) : null;
  /** E + R (m) of a block, date-major, or null when neither is planted. */
  const extraRows = (row0: number, nRows: number): { sum: Float64Array; delay: Float64Array | null } | null => {
    if (!tropo && !ramps) return null;
    const delay = tropo ? tropo.delayRows(row0, nRows) : null;
    const ramp = ramps ? ramps.rampRows(row0, nRows) : null;
    const sum = delay && ramp ? delay.map((v, i) => v + ramp[i]) : (delay ?? ramp)!;
    return { sum, delay };
  };

  // ── Attributes ──
  const geocoded = options.geocoded ?? false;
  const postDeg = 0.000833333;
  const geo: Record<string, string> = geocoded
    ? { X_FIRST: '92.9', Y_FIRST: '34.86', X_STEP: String(postDeg), Y_STEP: String(-postDeg), EPSG: '4326', X_UNIT: 'degrees', Y_UNIT: 'degrees' }
    : {};
  const ref = options.ref === null ? null : truthRef;
  const attributes: Record<string, string> = {
    FILE_TYPE: 'ifgramStack',
    LENGTH: String(length),
    WIDTH: String(width),
    WAVELENGTH: String(wavelengthM),
    ...(looks.ALOOKS !== undefined ? { ALOOKS: String(looks.ALOOKS) } : {}),
    ...(looks.RLOOKS !== undefined ? { RLOOKS: String(looks.RLOOKS) } : {}),
    ...(looks.NCORRLOOKS !== undefined ? { NCORRLOOKS: String(looks.NCORRLOOKS) } : {}),
    ...(ref ? { REF_Y: String(ref.y), REF_X: String(ref.x) } : {}),
    ...(ref && geocoded ? { REF_LAT: String(34.86 - (ref.y + 0.5) * postDeg), REF_LON: String(92.9 + (ref.x + 0.5) * postDeg) } : {}),
    PLATFORM: 'Sen',
    PROCESSOR: 'isce',
    ORBIT_DIRECTION: 'ASCENDING',
    HEADING: '-12.2',
    CENTER_LINE_UTC: '43200.0',
    STARTING_RANGE: '800000.0',
    RANGE_PIXEL_SIZE: String(2.329562 * (looks.RLOOKS ?? 1)),
    AZIMUTH_PIXEL_SIZE: String(13.96 * (looks.ALOOKS ?? 1)),
    EARTH_RADIUS: '6337286.638938101',
    HEIGHT: '693000.0',
    ANTENNA_SIDE: '-1',
    DATA_TYPE: 'float32',
    ...geo,
    ...options.attributes,
  };

  // ── Chunks ──
  const chunks = (options.chunks === undefined || options.chunks === 'mintpy'
    ? h5pyGuessChunk([nIfgrams, length, width], 4)
    : options.chunks.map((n, i) => Math.max(1, Math.min(n, [nIfgrams, length, width][i])))) as [number, number, number];
  const ccChunks = options.chunks === undefined || options.chunks === 'mintpy' ? h5pyGuessChunk([nIfgrams, length, width], 2) : chunks;
  const blockRows = chunks[1];

  const keepTruth = options.truthInMemory ?? nDates * nPixels <= 32 * 1024 * 1024;
  const truthSeries = keepTruth ? new Float32Array(nDates * nPixels) : null;
  await h5wasm.ready;
  await mkdir(path.dirname(path.resolve(stackPath)), { recursive: true });
  const dir = path.dirname(path.resolve(stackPath));
  const truthPath = options.truthFile ? path.join(dir, 'truth.h5') : null;

  const stack = new h5wasm.File(path.resolve(stackPath), 'w');
  let truthFile: H5File | null = null;
  let era5File: H5File | null = null;
  let era5Path: string | null = null;
  try {
    // dropIfgram first: its object header must lie early in the file (patchBoolDatasets scans from the start).
    createBoolDatasetPlaceholder(stack, 'dropIfgram', keep, [nIfgrams]);
    stack.create_dataset({ name: 'date', data: pairs.flatMap((p) => [p.referenceDate, p.secondaryDate]), shape: [nIfgrams, 2], dtype: 'S8' });
    stack.create_dataset({ name: 'bperp', data: bperpIfgram, shape: [nIfgrams], dtype: '<f' });
    for (const [k, v] of Object.entries(attributes)) stack.create_attribute(k, v);
    // (M, L, W) with maxshape (None, L, W) as MintPy's layout_hdf5: created one interferogram deep, then grown.
    const compression = options.compression ? { compression: options.compression } : {};
    const create3d = (name: string, dtype: string, chunkShape: number[], zeros: Float32Array | Int16Array): H5Dataset => {
      const ds = stack.create_dataset({ name, data: zeros, shape: [1, length, width], maxshape: [null, length, width], dtype, chunks: chunkShape, ...compression });
      ds.resize([nIfgrams, length, width]);
      return ds;
    };
    const unwrapDs = create3d('unwrapPhase', '<f', chunks, new Float32Array(nPixels));
    const coherenceDs = create3d('coherence', '<f', chunks, new Float32Array(nPixels));
    const componentDs = create3d('connectComponent', '<h', ccChunks, new Int16Array(nPixels));
    let truthDs: H5Dataset | null = null;
    if (truthPath) {
      truthFile = new h5wasm.File(truthPath, 'w');
      const truthAttributes = { ...attributes, FILE_TYPE: 'timeseries', UNIT: 'm', REF_DATE: dates[0], REF_Y: String(truthRef.y), REF_X: String(truthRef.x), START_DATE: dates[0], END_DATE: dates[nDates - 1] };
      for (const [k, v] of Object.entries(truthAttributes)) truthFile.create_attribute(k, v);
      truthFile.create_dataset({ name: 'date', data: dates, shape: [nDates], dtype: 'S8' });
      truthFile.create_dataset({ name: 'bperp', data: bperpDate, shape: [nDates], dtype: '<f' });
      const tsChunks = [nDates, Math.max(1, Math.min(blockRows, length)), Math.ceil(width / Math.ceil(width / 1024))];
      truthDs = truthFile.create_dataset({ name: 'timeseries', data: new Float32Array(nDates * tsChunks[1] * width), shape: [nDates, tsChunks[1], width], maxshape: [nDates, null, width], dtype: '<f', chunks: tsChunks });
      truthDs.resize([nDates, length, width]);
    }
    // ERA5.h5 as tropo_pyaps3 + writefile.layout_hdf5 write it: `date` |S8 (N,) then `timeseries`
    // float32 (N, L, W) with maxshape (None, L, W), both chunks=True (h5py's guess), no
    // compression; the stack's attributes with FILE_TYPE timeseries, UNIT m, no REF_*.
    let era5Ds: H5Dataset | null = null;
    const era5Index = tropo ? tropo.era5Dates.map((d) => dateIndex.get(d)!) : [];
    const nEra = era5Index.length;
    if (tropo && (options.troposphere!.writeFile ?? true)) {
      if (nEra === 0) throw new Error('writeSyntheticIfgramStack: troposphere.missingDates leaves ERA5.h5 no date');
      era5Path = path.join(dir, 'ERA5.h5');
      era5File = new h5wasm.File(era5Path, 'w');
      era5File.create_dataset({ name: 'date', data: tropo.era5Dates, shape: [nEra], maxshape: [nEra], dtype: 'S8', chunks: h5pyGuessChunk([nEra], 8) });
      const era5Chunks = h5pyGuessChunk([nEra, length, width], 4);
      era5Ds = era5File.create_dataset({ name: 'timeseries', data: new Float32Array(length * width), shape: [1, length, width], maxshape: [null, length, width], dtype: '<f', chunks: era5Chunks, ...compression });
      era5Ds.resize([nEra, length, width]);
      const era5Attributes: Record<string, string> = { ...attributes, FILE_TYPE: 'timeseries', UNIT: 'm' };
      for (const key of ['REF_DATE', 'REF_X', 'REF_Y', 'REF_LAT', 'REF_LON']) delete era5Attributes[key];
      for (const [k, v] of Object.entries(era5Attributes)) era5File.create_attribute(k, v);
    }
    const era5Scale = 1 - (tropo?.errorFraction ?? 0);

    const series = new Float64Array(nDates);
    const phaseSeries = new Float64Array(nDates);
    const cohQuantum = options.coherence?.quantum ?? 0;
    for (let row0 = 0; row0 < length; row0 += blockRows) {
      const nRows = Math.min(blockRows, length - row0);
      const plane = nRows * width;
      const unwrap = new Float32Array(nIfgrams * plane);
      const coherence = new Float32Array(nIfgrams * plane);
      const component = new Int16Array(nIfgrams * plane).fill(1);
      const truthBlock = truthDs || truthSeries ? new Float32Array(nDates * plane) : null;
      const dispBlock = displacementBlock?.(row0, nRows) ?? null;
      const extra = extraRows(row0, nRows);
      for (let r = 0; r < nRows; r++) {
        const row = row0 + r;
        for (let c = 0; c < width; c++) {
          const p = row * width + c;
          const q = r * width + c;
          const stream = pixelStreams(p);
          let noData = false;
          if (dispBlock) {
            seriesOfBlock(dispBlock, nRows, r, c, series);
            noData = series.some((v) => Number.isNaN(v));
            rateMPerYear[p] = seasonalAmplitudeM[p] = peakDayOfYear[p] = Number.NaN;
          } else {
            const planted = displacementOf(stream, series);
            rateMPerYear[p] = planted.rate;
            seasonalAmplitudeM[p] = planted.amplitude;
            peakDayOfYear[p] = planted.peakDoy;
          }
          if (truthBlock) for (let k = 0; k < nDates; k++) truthBlock[k * plane + q] = noData ? Number.NaN : series[k] - series[0] - (refSeries[k] - refSeries[0]);
          // The phase's series: d + E + R when a troposphere or ramps are planted.
          if (extra) for (let k = 0; k < nDates; k++) phaseSeries[k] = series[k] + extra.sum[k * plane + q];
          const phaseOf = extra ? phaseSeries : series;
          const isRef = row === truthRef.y && c === truthRef.x;
          const isWater = water !== null && water[p] === 1;
          const gammaShort = isRef ? 0.95 : isWater ? 0.12 : coherenceShortAt(row, c);
          coherenceShort[p] = gammaShort;
          const inNotUnwrapped = notUnwrapped !== null && inBox(notUnwrapped.box, row, c);
          for (let i = 0; i < nIfgrams; i++) {
            const at = i * plane + q;
            // The pixel's own stream: its values depend on nothing outside the pixel.
            const jitterDraw = stream.normal();
            const noiseDraw = stream.normal();
            let gamma = isRef ? 0.95 : gammaShort * pairFactor[i] * (1 + jitter * jitterDraw);
            gamma = Math.min(0.99, Math.max(0.02, gamma));
            if (cohQuantum) gamma = Math.min(0.99, Math.max(cohQuantum, Math.round(gamma / cohQuantum) * cohQuantum));
            let phase: number;
            if (noData) {
              unwrap[at] = 0;
              coherence[at] = 0;
              component[at] = 0;
              continue;
            } else if (isWater) {
              phase = phaseConstant[i] + Math.PI * (2 * stream.random() - 1);
            } else {
              const sigma = isRef ? 0 : Math.min(1.8, Math.sqrt((1 - gamma * gamma) / (2 * noiseLooks * gamma * gamma)));
              phase = radPerMetre * (phaseOf[second[i]] - phaseOf[first[i]]) + phaseConstant[i] + sigma * noiseDraw;
            }
            if (inNotUnwrapped && notUnwrappedSet.has(i)) {
              component[at] = 0;
              phase = phaseConstant[i] + 10 * (2 * stream.random() - 1);
            }
            for (const k of unwrapByIfgram[i]) {
              const patch = unwrapErrorPatches[k];
              if (inBox(patch.box, row, c)) { phase += 2 * Math.PI * patch.cycles; component[at] = 2; }
            }
            for (const k of noDataByIfgram[i]) {
              if (inBox(noDataPatches[k].box, row, c)) { phase = 0; gamma = 0; component[at] = 0; }
            }
            unwrap[at] = phase;
            coherence[at] = gamma;
          }
        }
      }
      unwrapDs.write_slice([[0, nIfgrams], [row0, row0 + nRows], [0, width]], unwrap);
      coherenceDs.write_slice([[0, nIfgrams], [row0, row0 + nRows], [0, width]], coherence);
      componentDs.write_slice([[0, nIfgrams], [row0, row0 + nRows], [0, width]], component);
      if (truthDs && truthBlock) truthDs.write_slice([[0, nDates], [row0, row0 + nRows], [0, width]], truthBlock);
      if (era5Ds && extra?.delay) {
        const era5Block = new Float32Array(nEra * plane);
        for (let e = 0; e < nEra; e++) for (let q = 0; q < plane; q++) era5Block[e * plane + q] = era5Scale * extra.delay[era5Index[e] * plane + q];
        era5Ds.write_slice([[0, nEra], [row0, row0 + nRows], [0, width]], era5Block);
      }
      if (truthSeries && truthBlock) for (let k = 0; k < nDates; k++) truthSeries.set(truthBlock.subarray(k * plane, (k + 1) * plane), k * nPixels + row0 * width);
      options.onProgress?.(row0 + nRows, length);
    }
  } finally {
    stack.close();
    truthFile?.close();
    era5File?.close();
  }
  patchBoolDatasets(path.resolve(stackPath), 1);

  let waterMaskPath: string | null = null;
  if (water) {
    waterMaskPath = path.join(dir, 'waterMask.h5');
    const f = new h5wasm.File(waterMaskPath, 'w');
    try {
      createBoolDatasetPlaceholder(f, 'waterMask', Array.from(water, (w) => (w ? 0 : 1)), [length, width]);
      const maskAttributes = { FILE_TYPE: 'waterMask', LENGTH: String(length), WIDTH: String(width), ...geo, ...(ref ? { REF_Y: String(ref.y), REF_X: String(ref.x) } : {}) };
      for (const [k, v] of Object.entries(maskAttributes)) f.create_attribute(k, v);
    } finally {
      f.close();
    }
    patchBoolDatasets(waterMaskPath, 1);
  }

  return {
    path: path.resolve(stackPath),
    waterMaskPath,
    truthPath,
    pairs,
    keep,
    bperpIfgram,
    bperpDate,
    ref,
    attributes,
    chunks,
    truth: {
      dates,
      ref: truthRef,
      rateMPerYear,
      seasonalAmplitudeM,
      peakDayOfYear,
      coherenceShort,
      timeseriesM: truthSeries,
      timeseriesRows: (row0, nRows) => truthRowsOf(row0, nRows),
      water,
      noDataPatches,
      unwrapErrorPatches,
      notUnwrapped,
    },
    troposphere: tropo ? { era5Path, ...tropo } : null,
    ramps,
  };
}

// ── Raw files: every dataset and attribute of a (small) stack, to write variants of it ──

/** One dataset of a raw stack: typed values and shape, or text, or a numpy-style bool. */
export type RawDataset =
  | { data: Float32Array | Float64Array | Int16Array | Int32Array | Uint8Array | Int8Array; shape: number[]; dtype: string; chunks?: number[]; maxshape?: (number | null)[] }
  | { text: string[]; shape: number[]; /** 'S8' (default), 'S13' …, or 'vlen'. */ dtype?: string }
  | { bool: boolean[]; shape: number[] };

export interface RawIfgramStack {
  attributes: Record<string, string>;
  datasets: Record<string, RawDataset>;
}

/** Reads every root dataset and attribute of a small HDF5 file (tests write variants of it). */
export async function readRawIfgramStack(filePath: string): Promise<RawIfgramStack> {
  await h5wasm.ready;
  const f = new h5wasm.File(path.resolve(filePath), 'r');
  try {
    const attributes: Record<string, string> = {};
    for (const [k, a] of Object.entries(f.attrs)) attributes[k] = String(a.value);
    const datasets: Record<string, RawDataset> = {};
    for (const name of f.keys()) {
      const ds = f.get(name) as H5Dataset;
      const shape = ds.shape ?? [];
      const meta = ds.metadata;
      const value = ds.value as unknown;
      if (meta.type === 8) datasets[name] = { bool: Array.from(value as Int8Array, (v) => v !== 0), shape };
      else if (meta.type === 3) datasets[name] = { text: (value as string[]).flat() as string[], shape, dtype: `S${meta.size}` };
      else datasets[name] = { data: value as Float32Array, shape, dtype: String(ds.dtype), chunks: meta.chunks ?? undefined, maxshape: meta.chunks ? meta.maxshape?.map((m, i) => (m > shape[i] ? null : m)) : undefined };
    }
    return { attributes, datasets };
  } finally {
    f.close();
  }
}

/** Writes `raw` as an HDF5 file (bool datasets as h5py's enum). */
export async function writeRawIfgramStack(filePath: string, raw: RawIfgramStack): Promise<void> {
  await h5wasm.ready;
  const f = new h5wasm.File(path.resolve(filePath), 'w');
  let bools = 0;
  try {
    // Bool datasets first (patchBoolDatasets looks for them from the start of the file).
    const entries = Object.entries(raw.datasets).sort(([, a], [, b]) => Number('bool' in b) - Number('bool' in a));
    for (const [name, d] of entries) {
      if ('bool' in d) { createBoolDatasetPlaceholder(f, name, d.bool, d.shape); bools++; }
      // dtype 'vlen': variable-length strings (h5wasm's default for text).
      else if ('text' in d) f.create_dataset({ name, data: d.text, shape: d.shape, ...(d.dtype === 'vlen' ? {} : { dtype: d.dtype ?? 'S8' }) });
      else f.create_dataset({ name, data: d.data, shape: d.shape, dtype: d.dtype, ...(d.chunks ? { chunks: d.chunks } : {}), ...(d.maxshape ? { maxshape: d.maxshape } : {}) });
    }
    for (const [k, v] of Object.entries(raw.attributes)) f.create_attribute(k, v);
  } finally {
    f.close();
  }
  if (bools) patchBoolDatasets(path.resolve(filePath), bools);
}

// ── Script ──
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outDir = args.find((a, i) => !a.startsWith('--') && !/^\d+$/.test(a) && args[i - 1] !== '--ramps');
  const rampsAt = args.indexOf('--ramps');
  const rampKind = rampsAt >= 0 && (args[rampsAt + 1] === 'linear' || args[rampsAt + 1] === 'quadratic') ? args[rampsAt + 1] as 'linear' | 'quadratic' : 'linear';
  const value = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  if (!outDir) {
    console.error('usage: node bin/run-ts.mjs data/ifgram-stack.ts OUT_DIR [--length 200] [--width 200] [--dates 24] [--neighbours 3] [--study] [--seed 1] [--water] [--geocoded] [--truth] [--troposphere] [--ramps linear|quadratic]');
    process.exit(2);
  }
  const started = Date.now();
  const result = await writeSyntheticIfgramStack(path.join(outDir, 'ifgramStack.h5'), {
    seed: value('seed', 1),
    length: value('length', 200),
    width: value('width', 200),
    nDates: value('dates', 24),
    network: args.includes('--study') ? 'study' : { neighbours: value('neighbours', 3) },
    waterMask: args.includes('--water'),
    geocoded: args.includes('--geocoded'),
    truthFile: args.includes('--truth'),
    truthInMemory: false,
    ...(args.includes('--troposphere') ? { troposphere: {} } : {}),
    ...(rampsAt >= 0 ? { ramps: { kind: rampKind } } : {}),
    onProgress: (done, rows) => process.stderr.write(`\r${done}/${rows} rows`),
  });
  process.stderr.write('\n');
  console.log(`${result.path}: ${result.pairs.length} interferograms × ${result.truth.dates.length} dates, ${value('length', 200)} × ${value('width', 200)} px, chunks [${result.chunks.join(', ')}], ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
