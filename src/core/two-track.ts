// Kernel contracts of the two-track step (DESIGN.md §1 "Two tracks", "Vertical projection"):
// Table 1 classification + up/east decomposition per pixel (CompareKernel), and the vertical
// projection δ/cos θ (VerticalKernel). The float64 references (cpu/compare.ts) and the WGSL
// kernels (gpu/compare-kernel.ts, gpu/vertical-kernel.ts) implement them; neither imports the
// other (issue 12: kernel contracts live in core/).
//
// Inputs are planes on ONE grid (the descending products already resampled onto the ascending
// grid by the pipeline), one value per pixel, NaN = no data.
import { SecularReason, SeasonalReason, type DirectionThresholds } from './direction.ts';

/** East and up coefficients of the LOS unit vector (core/decomposition.ts, G1), per pixel. */
export interface TwoTrackGeometryPlanes {
  ascEast: Float32Array;
  ascUp: Float32Array;
  descEast: Float32Array;
  descUp: Float32Array;
}

/** Fit products of both tracks on one grid (pixel-major planes of nPixels). */
export interface CompareTile {
  nPixels: number;
  ascRateMmPerYear: Float32Array;
  descRateMmPerYear: Float32Array;
  /** Peak to trough, mm; NaN where not seasonal. */
  ascAmplitudeMm: Float32Array;
  descAmplitudeMm: Float32Array;
  ascPeakDayOfYear: Float32Array;
  descPeakDayOfYear: Float32Array;
  /** 1 seasonal, 0 not, NaN no data (seasonal.tif of `permasar fit`). */
  ascSeasonalFlag: Float32Array;
  descSeasonalFlag: Float32Array;
  /** Absent: no decomposition (its outputs are NaN). */
  geometry: TwoTrackGeometryPlanes | null;
}

export interface CompareOutputs {
  /** SecularReason codes (core/direction.ts); classOfReason gives the Table 1 class. */
  secularReason: Uint8Array;
  /** SeasonalReason codes. */
  seasonalReason: Uint8Array;
  rateUpMmPerYear: Float32Array;
  rateEastMmPerYear: Float32Array;
  /** Peak to trough of the up / east annual term, mm; NaN unless seasonal on both tracks. */
  amplitudeUpMm: Float32Array;
  amplitudeEastMm: Float32Array;
  peakDayUp: Float32Array;
  peakDayEast: Float32Array;
}

export const COMPARE_FLOAT_OUTPUT_KEYS = [
  'rateUpMmPerYear',
  'rateEastMmPerYear',
  'amplitudeUpMm',
  'amplitudeEastMm',
  'peakDayUp',
  'peakDayEast',
] as const satisfies readonly (keyof CompareOutputs)[];

export function allocateCompareOutputs(nPixels: number): CompareOutputs {
  return {
    secularReason: new Uint8Array(nPixels).fill(SecularReason.NO_DATA),
    seasonalReason: new Uint8Array(nPixels).fill(SeasonalReason.NO_DATA),
    rateUpMmPerYear: new Float32Array(nPixels).fill(Number.NaN),
    rateEastMmPerYear: new Float32Array(nPixels).fill(Number.NaN),
    amplitudeUpMm: new Float32Array(nPixels).fill(Number.NaN),
    amplitudeEastMm: new Float32Array(nPixels).fill(Number.NaN),
    peakDayUp: new Float32Array(nPixels).fill(Number.NaN),
    peakDayEast: new Float32Array(nPixels).fill(Number.NaN),
  };
}

/** A backend for the two-track kernel: this reference, or a WebGPU device. */
export interface CompareKernel {
  readonly description: string;
  readonly kind: 'cpu' | 'gpu';
  compareTile(tile: CompareTile, thresholds: DirectionThresholds): Promise<CompareOutputs>;
  dispose(): Promise<void> | void;
}

/** Inputs of the vertical projection (fit products of one track + its incidence angle). */
export interface VerticalTile {
  nPixels: number;
  rateMmPerYear: Float32Array;
  amplitudeMm: Float32Array;
  incidenceDeg: Float32Array;
}

export interface VerticalOutputs {
  rateVerticalMmPerYear: Float32Array;
  amplitudeVerticalMm: Float32Array;
}

export interface VerticalKernel {
  readonly description: string;
  readonly kind: 'cpu' | 'gpu';
  verticalTile(tile: VerticalTile): Promise<VerticalOutputs>;
  dispose(): Promise<void> | void;
}

