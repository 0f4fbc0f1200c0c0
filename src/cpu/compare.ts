// Float64 reference kernels of the two-track step (DESIGN.md §1 "Two tracks", "Vertical
// projection"): Table 1 classification + up/east decomposition per pixel, and the vertical
// projection δ/cos θ. The WGSL kernels (shaders/compare.wgsl, shaders/vertical.wgsl) take the
// same inputs and return the same outputs (the contracts: core/two-track.ts);
// test/compare-parity.test.ts holds them together.
//
// Inputs are planes on ONE grid (the descending products already resampled onto the
// ascending grid by the pipeline), one value per pixel, NaN = no data.
import {
  classifySeasonal,
  classifySecular,
  SecularReason,
  type DirectionThresholds,
} from '../core/direction.ts';
import { decomposeSeasonal, decomposeUpEast, losToVertical } from '../core/decomposition.ts';
import {
  allocateCompareOutputs,
  type CompareKernel,
  type CompareOutputs,
  type CompareTile,
  type VerticalKernel,
  type VerticalOutputs,
  type VerticalTile,
} from '../core/two-track.ts';

// The contracts live in core/two-track.ts; re-exported for the callers of this module.
export {
  allocateCompareOutputs,
  COMPARE_FLOAT_OUTPUT_KEYS,
  type CompareKernel,
  type CompareOutputs,
  type CompareTile,
  type TwoTrackGeometryPlanes,
  type VerticalKernel,
  type VerticalOutputs,
  type VerticalTile,
} from '../core/two-track.ts';

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
