// Streaming statistics of product rasters: exact count/min/max/mean, percentiles from a
// uniform stride sample (exact for rasters up to the sample size), so summaries of a
// corridor-size raster cost bounded memory. The sample is every stride-th pixel in row-major
// order counted over the whole raster (NaN pixels included in the count), so rows fed in blocks
// of any size give the same sample, and the same percentiles, as the raster fed at once.
// The sample is kept in a Float32Array that grows by doubling: the rasters are float32
// products, so nothing is rounded, and a 10⁶-value sample costs 4 MB where a number[] of it
// cost 8–16 MB (nine products' samples were ~100 MB of a 1000 × 1000 fit's heap).

export const PERCENTILES = [2, 5, 25, 50, 75, 95, 98] as const;

/** Pixels kept for a raster's percentiles: p2…p98 of 10⁶ values are well within 0.1 % of rank. */
export const PERCENTILE_SAMPLE = 1_000_000;

/** The stride that keeps at most PERCENTILE_SAMPLE pixels of a raster (1: every pixel). */
export function percentileStride(pixels: number): number {
  return Math.max(1, Math.ceil(pixels / PERCENTILE_SAMPLE));
}

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
  private sample = new Float32Array(1024);
  private kept = 0;
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
      if (keep) {
        if (this.kept === this.sample.length) {
          const grown = new Float32Array(2 * this.sample.length);
          grown.set(this.sample);
          this.sample = grown;
        }
        this.sample[this.kept++] = v;
      }
    }
  }

  /** The finite values kept for the percentiles (every one when stride is 1), in input order. */
  sampleValues(): Float32Array {
    return this.sample.slice(0, this.kept);
  }

  result(): ProductStatistics {
    const quantiles = this.kept ? selectQuantiles(this.sample.slice(0, this.kept), PERCENTILES.map((p) => p / 100)) : null;
    const percentiles: Record<string, number | null> = {};
    PERCENTILES.forEach((p, i) => { percentiles[`p${p}`] = quantiles ? quantiles[i] : null; });
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

/**
 * quantileSorted of each q, without sorting: the order statistics the interpolation needs
 * (two per quantile) are selected in place, partitioning only the ranges that hold one
 * (multiselect: expected O(n log k) for k ranks, where a sort is O(n log n); a sort of the
 * summary's 10⁶-value samples took ~1.4 s of a 1000 × 1000 fit, nine products). `values` is
 * reordered; NaN must not be in it.
 */
export function selectQuantiles(values: Float32Array | Float64Array, qs: readonly number[]): number[] {
  const n = values.length;
  if (n === 0) throw new Error('selectQuantiles: no values');
  const ranks = new Set<number>();
  for (const q of qs) {
    const pos = (n - 1) * q;
    ranks.add(Math.floor(pos));
    ranks.add(Math.min(n - 1, Math.floor(pos) + 1));
  }
  multiselect(values, 0, n - 1, [...ranks].sort((a, b) => a - b));
  return qs.map((q) => quantileSorted(values, q));
}

/** Puts the order statistic of every rank in `ranks` (ascending, within lo…hi) at its index. */
function multiselect(a: Float32Array | Float64Array, lo: number, hi: number, ranks: number[]): void {
  // Explicit stack of (lo, hi, first rank, last rank) ranges still to partition.
  const stack: number[] = [lo, hi, 0, ranks.length - 1];
  while (stack.length) {
    const r1 = stack.pop()!, r0 = stack.pop()!;
    const h = stack.pop()!, l = stack.pop()!;
    if (r0 > r1) continue;
    if (h - l < 32) {
      // Small range: insertion sort settles every rank in it.
      for (let i = l + 1; i <= h; i++) {
        const v = a[i];
        let j = i - 1;
        while (j >= l && a[j] > v) { a[j + 1] = a[j]; j--; }
        a[j + 1] = v;
      }
      continue;
    }
    // Median of three as pivot, then a three-way partition (many equal values are common:
    // flags, counts): a[l..lt-1] < pivot, a[lt..gt] = pivot, a[gt+1..h] > pivot.
    const m = (l + h) >>> 1;
    const x = a[l], y = a[m], z = a[h];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
    let lt = l, i = l, gt = h;
    while (i <= gt) {
      const v = a[i];
      if (v < pivot) { a[i] = a[lt]; a[lt] = v; lt++; i++; } else if (v > pivot) { a[i] = a[gt]; a[gt] = v; gt--; } else i++;
    }
    // Ranks below lt go left, above gt go right; those in lt..gt are settled.
    let k0 = r0;
    while (k0 <= r1 && ranks[k0] < lt) k0++;
    let k1 = k0;
    while (k1 <= r1 && ranks[k1] <= gt) k1++;
    if (k0 > r0) stack.push(l, lt - 1, r0, k0 - 1);
    if (k1 <= r1) stack.push(gt + 1, h, k1, r1);
  }
}
