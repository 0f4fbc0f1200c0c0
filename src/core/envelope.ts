// The lower-bound envelope of ALT against seasonal vertical amplitude (study §4.2, Fig. 8b–c:
// "the ALT will be no less than ~1 m when ... the seasonal amplitude of vertical displacement
// reaches 55 mm").
//
// ALT is not a function of the amplitude (soil and water vary), but high amplitude over a thin
// active layer does not occur: the scatter has an empty lower-right corner. Its edge is taken
// as a low quantile q of ALT in amplitude bins (a quantile, not the minimum, so a handful of
// mismatched pixels between two maps does not set the bound), a straight line is fitted by
// least squares through the bins' (mean amplitude, ALT quantile) points, and the amplitude at
// which that line reaches the ALT threshold (1 m) is reported.
// Pure: no I/O.

export interface EnvelopeOptions {
  /** Quantile of ALT within each bin taken as its lower bound (default 0.05). */
  quantile: number;
  /** Width of the amplitude bins, mm (default 5). */
  binWidthMm: number;
  /** Bins with fewer pairs are not used (a low quantile of few values is noise). */
  minBinCount: number;
  /** ALT whose crossing amplitude is reported, metres (the study: 1 m). */
  altThresholdM: number;
}

export const DEFAULT_ENVELOPE_OPTIONS: EnvelopeOptions = { quantile: 0.05, binWidthMm: 5, minBinCount: 30, altThresholdM: 1 };

export interface EnvelopeBin {
  amplitudeFromMm: number;
  amplitudeToMm: number;
  /** Mean amplitude of the pairs in the bin: the x of its envelope point. */
  amplitudeMeanMm: number;
  count: number;
  /** q-quantile of ALT in the bin, m; NaN when the bin has fewer than minBinCount pairs. */
  altQuantileM: number;
  used: boolean;
}

export interface EnvelopeResult {
  options: EnvelopeOptions;
  /** Pairs with a finite amplitude ≥ 0 and a finite ALT > 0. */
  pairsUsed: number;
  /** Pixels left out: amplitude < 0 (peak to trough cannot be), ALT ≤ 0. */
  negativeAmplitudePixels: number;
  nonPositiveAltPixels: number;
  bins: EnvelopeBin[];
  /** ALT_lower(δ) = interceptM + slopeMPerMm·δ, or null when fewer than two bins are usable. */
  line: { slopeMPerMm: number; interceptM: number; rmsResidualM: number; binsFitted: number } | null;
  /** Amplitude at which the line reaches altThresholdM; null when it never rises to it. */
  amplitudeAtThresholdMm: number | null;
  /** Whether that amplitude lies beyond the amplitudes of the fitted bins (an extrapolation). */
  thresholdExtrapolated: boolean;
  /** Why there is no line or no threshold crossing, in words; null when both exist. */
  note: string | null;
}

/** Type-7 (linear interpolation) quantile of an ascending-sorted array. */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = q * (n - 1);
  const k = Math.floor(pos);
  return k + 1 < n ? sorted[k] + (pos - k) * (sorted[k + 1] - sorted[k]) : sorted[n - 1];
}

/** The lower envelope of ALT (m) against amplitude (mm), pixel pairs in two same-length arrays. */
export function lowerEnvelope(amplitudeMm: ArrayLike<number>, altM: ArrayLike<number>, opts: EnvelopeOptions = DEFAULT_ENVELOPE_OPTIONS): EnvelopeResult {
  if (amplitudeMm.length !== altM.length) throw new Error(`lowerEnvelope: ${amplitudeMm.length} amplitudes, ${altM.length} ALT values`);
  if (!(opts.quantile >= 0 && opts.quantile < 1)) throw new Error(`lowerEnvelope: quantile ${opts.quantile} outside [0, 1)`);
  if (!(opts.binWidthMm > 0)) throw new Error(`lowerEnvelope: bin width ${opts.binWidthMm} ≤ 0`);
  let negativeAmplitudePixels = 0;
  let nonPositiveAltPixels = 0;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < amplitudeMm.length; i++) {
    const a = amplitudeMm[i];
    const h = altM[i];
    if (!Number.isFinite(a) || !Number.isFinite(h)) continue;
    if (a < 0) { negativeAmplitudePixels++; continue; }
    if (!(h > 0)) { nonPositiveAltPixels++; continue; }
    xs.push(a);
    ys.push(h);
  }
  const base = { options: opts, pairsUsed: xs.length, negativeAmplitudePixels, nonPositiveAltPixels };
  if (xs.length === 0) {
    return { ...base, bins: [], line: null, amplitudeAtThresholdMm: null, thresholdExtrapolated: false, note: 'no pixel has both a valid amplitude and a valid ALT' };
  }
  // Bins aligned on multiples of the width (0–5, 5–10 mm …), so runs on different data compare.
  let maxA = 0;
  for (const a of xs) maxA = Math.max(maxA, a);
  const nBins = Math.floor(maxA / opts.binWidthMm) + 1;
  const members: number[][] = Array.from({ length: nBins }, () => []);
  const sums = new Float64Array(nBins);
  for (let i = 0; i < xs.length; i++) {
    const b = Math.min(nBins - 1, Math.floor(xs[i] / opts.binWidthMm));
    members[b].push(ys[i]);
    sums[b] += xs[i];
  }
  const bins: EnvelopeBin[] = [];
  for (let b = 0; b < nBins; b++) {
    const count = members[b].length;
    if (count === 0) continue;
    const used = count >= opts.minBinCount;
    const sorted = used ? Float64Array.from(members[b]).sort() : null;
    bins.push({
      amplitudeFromMm: b * opts.binWidthMm,
      amplitudeToMm: (b + 1) * opts.binWidthMm,
      amplitudeMeanMm: sums[b] / count,
      count,
      altQuantileM: sorted ? quantileOfSorted(sorted, opts.quantile) : NaN,
      used,
    });
  }
  const fitted = bins.filter((b) => b.used);
  if (fitted.length < 2) {
    return {
      ...base, bins, line: null, amplitudeAtThresholdMm: null, thresholdExtrapolated: false,
      note: `${fitted.length} bin(s) with ≥ ${opts.minBinCount} pairs; a line needs two (lower --min-bin-count or widen --bin-width)`,
    };
  }
  // Ordinary least squares through the bin points, each bin one point: the envelope is a
  // property of the amplitude axis, not of where most pixels happen to be.
  let sx = 0, sy = 0;
  for (const b of fitted) { sx += b.amplitudeMeanMm; sy += b.altQuantileM; }
  const mx = sx / fitted.length;
  const my = sy / fitted.length;
  let sxx = 0, sxy = 0;
  for (const b of fitted) { sxx += (b.amplitudeMeanMm - mx) ** 2; sxy += (b.amplitudeMeanMm - mx) * (b.altQuantileM - my); }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let rss = 0;
  for (const b of fitted) rss += (b.altQuantileM - intercept - slope * b.amplitudeMeanMm) ** 2;
  const line = { slopeMPerMm: slope, interceptM: intercept, rmsResidualM: Math.sqrt(rss / fitted.length), binsFitted: fitted.length };
  if (!(slope > 0)) {
    return { ...base, bins, line, amplitudeAtThresholdMm: null, thresholdExtrapolated: false, note: 'the envelope does not rise with amplitude (slope ≤ 0): no threshold crossing' };
  }
  const crossing = (opts.altThresholdM - intercept) / slope;
  const lo = fitted[0].amplitudeFromMm;
  const hi = fitted[fitted.length - 1].amplitudeToMm;
  const extrapolated = crossing < lo || crossing > hi;
  return {
    ...base, bins, line, amplitudeAtThresholdMm: crossing, thresholdExtrapolated: extrapolated,
    note: crossing < 0 ? `the envelope is above ${opts.altThresholdM} m at every amplitude (crossing at ${crossing.toFixed(1)} mm)` : null,
  };
}
