// Float64 reference kernels of the two-track step (DESIGN.md §1 "Two tracks", "Vertical
// projection"): Table 1 classification + up/east decomposition per pixel, and the vertical
// projection δ/cos θ. The WGSL kernels (shaders/compare.wgsl, shaders/vertical.wgsl) take the
// same inputs and return the same outputs; test/compare-parity.test.ts holds them together.
//
// Inputs are planes on ONE grid (the descending products already resampled onto the
// ascending grid by the pipeline), one value per pixel, NaN = no data.
import {
  classifySeasonal,
  classifySecular,
  SecularReason,
  SeasonalReason,
  type DirectionThresholds,
} from '../core/direction.ts';
import { decomposeSeasonal, decomposeUpEast, losToVertical } from '../core/decomposition.ts';

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

function checkPlanes(nPixels: number, planes: Record<string, ArrayLike<number>>): void {
  for (const [name, plane] of Object.entries(planes)) {
    if (plane.length !== nPixels) throw new Error(`compare tile: ${name} has ${plane.length} values, expected ${nPixels}`);
  }
}

/** The reference: Table 1 on every pixel, then (G2) where the geometry is known. */
export function compareTileCpu(tile: CompareTile, thresholds: DirectionThresholds): CompareOutputs {
  const n = tile.nPixels;
  const { geometry: geo } = tile;
  checkPlanes(n, {
    ascRateMmPerYear: tile.ascRateMmPerYear, descRateMmPerYear: tile.descRateMmPerYear,
    ascAmplitudeMm: tile.ascAmplitudeMm, descAmplitudeMm: tile.descAmplitudeMm,
    ascPeakDayOfYear: tile.ascPeakDayOfYear, descPeakDayOfYear: tile.descPeakDayOfYear,
    ascSeasonalFlag: tile.ascSeasonalFlag, descSeasonalFlag: tile.descSeasonalFlag,
    ...(geo ?? {}),
  });
  const out = allocateCompareOutputs(n);
  for (let p = 0; p < n; p++) {
    const ascRate = tile.ascRateMmPerYear[p];
    const descRate = tile.descRateMmPerYear[p];
    const secular = classifySecular(ascRate, descRate, thresholds);
    out.secularReason[p] = secular;
    if (secular === SecularReason.NO_DATA) continue; // no fit on one track: both tests 255
    const seasonalOnBoth = tile.ascSeasonalFlag[p] === 1 && tile.descSeasonalFlag[p] === 1;
    const ascAmp = tile.ascAmplitudeMm[p];
    const descAmp = tile.descAmplitudeMm[p];
    const ascDay = tile.ascPeakDayOfYear[p];
    const descDay = tile.descPeakDayOfYear[p];
    out.seasonalReason[p] = classifySeasonal(seasonalOnBoth, ascAmp, descAmp, ascDay, descDay, thresholds);
    if (!geo) continue;
    const g = { ascEast: geo.ascEast[p], ascUp: geo.ascUp[p], descEast: geo.descEast[p], descUp: geo.descUp[p] };
    const rate = decomposeUpEast(ascRate, descRate, g);
    out.rateUpMmPerYear[p] = rate.up;
    out.rateEastMmPerYear[p] = rate.east;
    if (!seasonalOnBoth) continue;
    const seasonal = decomposeSeasonal(ascAmp, ascDay, descAmp, descDay, g);
    out.amplitudeUpMm[p] = seasonal.up.amplitudeMm;
    out.amplitudeEastMm[p] = seasonal.east.amplitudeMm;
    out.peakDayUp[p] = seasonal.up.peakDayOfYear;
    out.peakDayEast[p] = seasonal.east.peakDayOfYear;
  }
  return out;
}

/** δ_vertical = δ_LOS / cos θ for rate and amplitude, per pixel. */
export function verticalTileCpu(tile: VerticalTile): VerticalOutputs {
  const n = tile.nPixels;
  checkPlanes(n, { rateMmPerYear: tile.rateMmPerYear, amplitudeMm: tile.amplitudeMm, incidenceDeg: tile.incidenceDeg });
  const rate = new Float32Array(n);
  const amplitude = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    rate[p] = losToVertical(tile.rateMmPerYear[p], tile.incidenceDeg[p]);
    amplitude[p] = losToVertical(tile.amplitudeMm[p], tile.incidenceDeg[p]);
  }
  return { rateVerticalMmPerYear: rate, amplitudeVerticalMm: amplitude };
}

export class CpuCompareKernel implements CompareKernel {
  readonly description = 'cpu (float64 reference)';
  readonly kind = 'cpu' as const;
  async compareTile(tile: CompareTile, thresholds: DirectionThresholds): Promise<CompareOutputs> {
    return compareTileCpu(tile, thresholds);
  }
  dispose(): void {}
}

export class CpuVerticalKernel implements VerticalKernel {
  readonly description = 'cpu (float64 reference)';
  readonly kind = 'cpu' as const;
  async verticalTile(tile: VerticalTile): Promise<VerticalOutputs> {
    return verticalTileCpu(tile);
  }
  dispose(): void {}
}
