// Streaming statistics of product rasters: exact count/min/max/mean, percentiles from a
// uniform stride sample (exact for rasters up to the sample size), so summaries of a
// corridor-size raster cost bounded memory. The sample is every stride-th pixel in row-major
// order counted over the whole raster (NaN pixels included in the count), so rows fed in blocks
// of any size give the same sample, and the same percentiles, as the raster fed at once.

export const PERCENTILES = [2, 5, 25, 50, 75, 95, 98] as const;

export interface ProductStatistics {
  count: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  /** p2 … p98 by key "p50" etc.; null when no finite value. */
  percentiles: Record<string, number | null>;
  /** True when percentiles come from a sample rather than every pixel. */
  sampled: boolean;
}

export class StreamingStatistics {
  private count = 0;
  private sum = 0;
  private min = Infinity;
  private max = -Infinity;
  private readonly sample: number[] = [];
  private seen = 0;

  /** @param stride keep every stride-th pixel for the percentiles. */
  constructor(private readonly stride = 1) {}

  add(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      const keep = this.seen++ % this.stride === 0;
      if (!Number.isFinite(v)) continue;
      this.count++;
      this.sum += v;
      if (v < this.min) this.min = v;
      if (v > this.max) this.max = v;
      if (keep) this.sample.push(v);
    }
  }

  /** The finite values kept for the percentiles (every one when stride is 1), in input order. */
  sampleValues(): Float32Array {
    return Float32Array.from(this.sample);
  }

  result(): ProductStatistics {
    const sorted = Float64Array.from(this.sample).sort();
    const percentiles: Record<string, number | null> = {};
    for (const p of PERCENTILES) percentiles[`p${p}`] = sorted.length ? quantileSorted(sorted, p / 100) : null;
    return {
      count: this.count,
      min: this.count ? this.min : null,
      max: this.count ? this.max : null,
      mean: this.count ? this.sum / this.count : null,
      percentiles,
      sampled: this.stride > 1,
    };
  }
}

/** Linear-interpolated quantile (numpy's default) of an ascending array. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
