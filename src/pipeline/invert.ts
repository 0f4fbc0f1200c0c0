// The network inversion as a platform-free stage (INVERSION.md §2.2): the plan of one stack (kept
// interferograms → network, weights' table), the preparation of each tile's observations
// (reference, zeros and masks → NaN; coherence → √weight), the kernel run with the float64
// re-solve of the pixels the float32 kernel flags, and the reference pixel's MintPy values.
// No node: imports; the Node job (jobs/invert.ts) reads and writes around it.
import { InputError } from '../core/errors.ts';
import {
  buildIfgramNetwork,
  coherenceWeightSqrt,
  gatherInvertPixels,
  InvertStatus,
  PHASE_VARIANCE_BINS,
  phaseVarianceTable,
  WEIGHT_COHERENCE_EPSILON,
  scatterInvertOutputs,
  weightLooks,
  type IfgramNetwork,
  type IfgramPair,
  type InvertKernel,
  type InvertOptions,
  type InvertOutputs,
  type InvertTile,
  type ObservationMask,
  type WeightFunction,
} from '../core/inversion.ts';
import { GpuFallback } from './fallback-kernel.ts';

export interface InversionChoices {
  weightFunction: WeightFunction;
  maskDataset: ObservationMask;
  maskThreshold: number;
  minRedundancy: number;
}

/** What is decided once per stack, before any pixel is read. */
export interface InversionPlan {
  file: string;
  network: IfgramNetwork;
  /** Indices, in the file, of the kept interferograms (dropIfgram True), in file order. */
  keptIfgrams: number[];
  choices: InversionChoices;
  /** Number of looks of the weights (null when unweighted). */
  weightLooks: number | null;
  /** MintPy's 200-bin phase-variance table (weight var only). */
  varianceTable: Float64Array | null;
  kernelOptions: InvertOptions;
}

export interface StackDescription {
  file: string;
  pairs: readonly IfgramPair[];
  keep: readonly boolean[];
  looks: { NCORRLOOKS?: number; ALOOKS?: number; RLOOKS?: number };
  wavelengthM: number | null;
  hasCoherence: boolean;
  hasConnectComponent: boolean;
}

/**
 * The plan of one stack, or an InputError naming the file: too few kept interferograms, dates
 * that are not dates, a weighted run without looks, a mask or weight whose dataset is missing,
 * no wavelength.
 */
export function planInversion(stack: StackDescription, choices: InversionChoices): InversionPlan {
  const { file } = stack;
  const keptIfgrams = stack.keep.flatMap((k, i) => (k ? [i] : []));
  const network = buildIfgramNetwork(keptIfgrams.map((i) => stack.pairs[i]), file);
  if (!(stack.wavelengthM !== null && stack.wavelengthM > 0)) throw new InputError(file, 'no WAVELENGTH attribute: the phase cannot be turned into metres');
  let looks: number | null = null;
  let varianceTable: Float64Array | null = null;
  if (choices.weightFunction !== 'no') {
    looks = weightLooks(stack.looks);
    if (looks === null) {
      throw new InputError(file, `a weighted inversion (--weight-func ${choices.weightFunction}) needs the number of looks: ALOOKS and RLOOKS, or NCORRLOOKS, are not in the file's attributes (or use --weight-func no)`);
    }
    if (!stack.hasCoherence) throw new InputError(file, `no coherence dataset: --weight-func ${choices.weightFunction} weights by coherence (use --weight-func no)`);
    if (choices.weightFunction === 'var') varianceTable = phaseVarianceTable(looks);
  }
  if (choices.maskDataset === 'coherence' && !stack.hasCoherence) throw new InputError(file, 'no coherence dataset for --mask-dataset coherence');
  if (choices.maskDataset === 'connectComponent' && !stack.hasConnectComponent) throw new InputError(file, 'no connectComponent dataset for --mask-dataset connectComponent');
  return {
    file,
    network,
    keptIfgrams,
    choices,
    weightLooks: looks,
    varianceTable,
    // MintPy's phase2range, a float32: −λ/(4π).
    kernelOptions: { minRedundancy: choices.minRedundancy, metresPerRadian: Math.fround(-stack.wavelengthM / (4 * Math.PI)) },
  };
}

/** Which datasets a tile needs read, besides unwrapPhase. */
export function datasetsNeeded(plan: InversionPlan): { coherence: boolean; connectComponent: boolean } {
  return {
    coherence: plan.choices.weightFunction !== 'no' || plan.choices.maskDataset === 'coherence',
    connectComponent: plan.choices.maskDataset === 'connectComponent',
  };
}

/** One tile as read: kept interferograms × pixels, interferogram-major. */
export interface RawInvertTile {
  nPixels: number;
  unwrapPhase: Float32Array;
  coherence: Float32Array | null;
  connectComponent: Float32Array | null;
  /** Per pixel: false where the water mask says not to invert (null: every pixel). */
  invertPixel: Uint8Array | null;
}

/**
 * The kernel's tile (INVERSION.md §2.2 steps 4–7): each observation referenced, zeros (and values
 * equal to the reference) and masked observations NaN; a pixel outside the water mask has no
 * observation; √weight from coherence.
 */
export function prepareInvertTile(plan: InversionPlan, raw: RawInvertTile, referencePhaseRad: Float32Array): InvertTile {
  const m = plan.keptIfgrams.length;
  const n = raw.nPixels;
  const { maskDataset, maskThreshold, weightFunction } = plan.choices;
  const phaseRad = new Float32Array(m * n);
  const weightSqrt = weightFunction === 'no' ? null : new Float32Array(m * n);
  const maskPlane = maskDataset === 'coherence' ? raw.coherence : maskDataset === 'connectComponent' ? raw.connectComponent : null;
  const unwrap = raw.unwrapPhase;
  const invertPixel = raw.invertPixel;
  // This loop runs once per observation (947 × 2.8 M per study frame), so observedPhase and
  // coherenceWeightSqrt are inlined here; test/invert-core.test.ts checks both ways agree.
  for (let i = 0; i < m; i++) {
    const ref = referencePhaseRad[i];
    const base = i * n;
    for (let p = 0; p < n; p++) {
      const at = base + p;
      let v = unwrap[at];
      // observedPhase: referenced where non-zero (float32), then exact zeros and masks → NaN.
      if (v !== 0) v = Math.fround(v - ref);
      // ±Infinity is no data too (MintPy would stop in scipy's finite check).
      if (v === 0 || !Number.isFinite(v) || (invertPixel !== null && invertPixel[p] === 0)) v = Number.NaN;
      else if (maskPlane !== null) {
        const q = maskPlane[at];
        if (maskDataset === 'connectComponent' ? q === 0 : !((q !== q ? 0 : q) >= maskThreshold)) v = Number.NaN;
      }
      phaseRad[at] = v;
    }
  }
  if (weightSqrt) {
    const coherence = raw.coherence!;
    if (weightFunction === 'var') {
      // √(1/σ²) of each of the 200 bins, float32 as MintPy stores it; the bin of a coherence as
      // coherenceWeightSqrt finds it (clip to [0.0025, 0.9975], truncate (γ − 0.0025)/0.005).
      const bins = new Float32Array(PHASE_VARIANCE_BINS);
      for (let j = 0; j < bins.length; j++) bins[j] = Math.fround(Math.sqrt(Math.fround(1 / plan.varianceTable![j])));
      const floor = Math.fround(WEIGHT_COHERENCE_EPSILON);
      for (let at = 0; at < m * n; at++) {
        let g = coherence[at];
        if (!(g >= floor)) g = floor; // NaN → 0 → ε, and below ε → ε
        const clipped = g > 0.9975 ? 0.9975 : g;
        weightSqrt[at] = bins[Math.trunc((clipped - 0.0025) / 0.005)];
      }
    } else {
      for (let at = 0; at < m * n; at++) {
        const coh = coherence[at];
        weightSqrt[at] = coherenceWeightSqrt(coh !== coh ? 0 : coh, weightFunction as 'fim' | 'coh', plan.weightLooks!, plan.varianceTable);
      }
    }
  }
  return { nPixels: n, phaseRad, weightSqrt };
}

/** How the pixels of a run went. */
export interface InvertCounts {
  pixels: number;
  inverted: number;
  noData: number;
  skippedByRedundancy: number;
  /** Pixels the float32 kernel flagged and the float64 reference solved. */
  solvedInFloat64: number;
}

export function emptyInvertCounts(): InvertCounts {
  return { pixels: 0, inverted: 0, noData: 0, skippedByRedundancy: 0, solvedInFloat64: 0 };
}

/** Counts a pixel of status `status` (by = 1), or takes it back (by = −1). */
function tally(counts: InvertCounts, status: number, by: 1 | -1): void {
  if (status === InvertStatus.SOLVED) counts.inverted += by;
  else if (status === InvertStatus.REDUNDANCY) counts.skippedByRedundancy += by;
  else counts.noData += by;
}

/**
 * Runs `kernel` on a tile; pixels it marks NEEDS_FLOAT64 are gathered into one tile for the
 * float64 reference (`float64`) and scattered back. Counts are added to `counts`.
 */
export async function invertTile(
  kernel: InvertKernel,
  float64: () => InvertKernel,
  tile: InvertTile,
  plan: InversionPlan,
  counts: InvertCounts,
): Promise<InvertOutputs> {
  const { network, kernelOptions } = plan;
  const out = await kernel.invertTile(tile, network, kernelOptions);
  const nDates = network.dates.length;
  const n = tile.nPixels;
  const redo: number[] = [];
  for (let p = 0; p < n; p++) if (out.status[p] === InvertStatus.NEEDS_FLOAT64) redo.push(p);
  if (redo.length) {
    const fixed = await float64().invertTile(gatherInvertPixels(tile, network.intervalStart.length, redo), network, kernelOptions);
    scatterInvertOutputs(fixed, redo, out, n, nDates);
    for (let j = 0; j < redo.length; j++) if (fixed.status[j] === InvertStatus.SOLVED) counts.solvedInFloat64++;
  }
  counts.pixels += n;
  for (let p = 0; p < n; p++) tally(counts, out.status[p], 1);
  return out;
}

/**
 * MintPy's reference pixel (INVERSION.md §2.9 quirk 2): never inverted (its observations all
 * equal the reference), then written as ts = 0, temporalCoherence = 1, numInvIfgram = M, and
 * counted as inverted (invertTile counted it by the status the kernel gave it).
 */
export function setReferencePixel(out: InvertOutputs, pixel: number, nPixels: number, nDates: number, nIfgrams: number, counts: InvertCounts): void {
  tally(counts, out.status[pixel], -1);
  for (let d = 0; d < nDates; d++) out.timeseriesM[d * nPixels + pixel] = 0;
  out.temporalCoherence[pixel] = 1;
  out.numInvIfgram[pixel] = nIfgrams;
  out.status[pixel] = InvertStatus.SOLVED;
  tally(counts, InvertStatus.SOLVED, 1);
}

/** The inversion kernel on the GPU until it fails (device lost…), then on the CPU (under auto). */
export class FallbackInvertKernel extends GpuFallback<InvertKernel> implements InvertKernel {
  invertTile(tile: InvertTile, network: IfgramNetwork, options: InvertOptions): Promise<InvertOutputs> {
    return this.run((kernel) => kernel.invertTile(tile, network, options));
  }
}
