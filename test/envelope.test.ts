// The lower envelope (src/core/envelope.ts) recovers a planted lower bound, and says why when
// it cannot.
import { describe, expect, it } from 'vitest';
import { lowerEnvelope, DEFAULT_ENVELOPE_OPTIONS } from '../src/core/envelope.ts';
import { makeRandom } from '../data/synthetic.ts';

const seed = (Math.random() * 2 ** 31) >>> 0;
console.log(`envelope tests: seed ${seed}`);

describe('lowerEnvelope', () => {
  it('recovers a planted lower bound and its 1 m crossing', () => {
    const random = makeRandom(seed);
    // ALT ≥ 0.2 + 0.8/55·δ: 1 m at 55 mm, as the study reports; scatter above it only.
    const slope = 0.8 / 55, intercept = 0.2;
    const n = 40000;
    const amp = new Float32Array(n), alt = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      amp[i] = 5 + 85 * random();
      alt[i] = intercept + slope * amp[i] + 0.6 * -Math.log(Math.max(random(), 1e-12));
    }
    amp[0] = NaN; alt[1] = NaN; amp[2] = -3; alt[3] = 0;
    const r = lowerEnvelope(amp, alt, { ...DEFAULT_ENVELOPE_OPTIONS, quantile: 0.01, binWidthMm: 2 });
    expect(r.negativeAmplitudePixels).toBe(1);
    expect(r.nonPositiveAltPixels).toBe(1);
    expect(r.pairsUsed).toBe(n - 4);
    expect(r.line!.slopeMPerMm).toBeCloseTo(slope, 3);
    expect(Math.abs(r.line!.interceptM - intercept)).toBeLessThan(0.03);
    expect(Math.abs(r.amplitudeAtThresholdMm! - 55)).toBeLessThan(2.5);
    expect(r.thresholdExtrapolated).toBe(false);
    // Every bin's quantile sits on or just above the planted bound at its low edge.
    for (const b of r.bins.filter((b) => b.used)) {
      expect(b.altQuantileM).toBeGreaterThan(intercept + slope * b.amplitudeFromMm - 1e-9);
      expect(b.altQuantileM).toBeLessThan(intercept + slope * b.amplitudeToMm + 0.05);
    }
  });

  it('a higher quantile lies higher, a flat scatter has no slope, too few pairs give no line', () => {
    const random = makeRandom(seed + 1);
    const n = 5000;
    const amp = Float64Array.from({ length: n }, () => 80 * random());
    const alt = Float64Array.from({ length: n }, () => 0.5 + random());
    const low = lowerEnvelope(amp, alt, { ...DEFAULT_ENVELOPE_OPTIONS, quantile: 0.05 });
    const high = lowerEnvelope(amp, alt, { ...DEFAULT_ENVELOPE_OPTIONS, quantile: 0.5 });
    expect(high.line!.interceptM).toBeGreaterThan(low.line!.interceptM + 0.3);
    expect(Math.abs(low.line!.slopeMPerMm)).toBeLessThan(0.002);
    const few = lowerEnvelope([10, 20, 30], [1, 2, 3]);
    expect(few.line).toBeNull();
    expect(few.note).toMatch(/min-bin-count/);
    const none = lowerEnvelope([-1, NaN], [1, 2]);
    expect(none.pairsUsed).toBe(0);
    expect(none.note).toMatch(/no pixel/);
  });
});
