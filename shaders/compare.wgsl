// permasar two-track kernel (DESIGN.md §1 "Two tracks"), float32, one invocation per pixel:
// Table 1 of the study (secular and seasonal direction classes, with the reason a pixel is
// undetermined) and the up/east decomposition of the two LOS rates and annual terms.
// The float64 reference is src/cpu/compare.ts, built on src/core/direction.ts and
// src/core/decomposition.ts; the rules and equation labels (G1, G2) are explained there.
//
// Precision. The classes compare float32 inputs against thresholds; the only rounding is in
// |a| − |b| and the circular day difference, so a class can differ from the reference only for
// a pair within a few ULP of a threshold. The annual phasors need cos/sin of the peak phase:
// the argument is reduced to [−π, π] first, where WGSL bounds their absolute error by 2⁻¹¹.
//
// No data (NaN or ±inf, as Number.isFinite in the reference) is detected by bit pattern, not
// `v != v`, which compilers may fold away; NaN is written by bit pattern from the uniforms.
//
// Substituted by the host (wgslCode in src/gpu/plane-program.ts, the one spot): WORKGROUP_SIZE.

struct CompareParams {
  nPixels: u32,
  // Pixels per row of the 2-D dispatch (workgroups in x × WORKGROUP_SIZE).
  rowStridePixels: u32,
  // 1: planes 8..11 hold the LOS east/up coefficients of both tracks; 0: no decomposition.
  hasGeometry: u32,
  // 0x7fc00000, the quiet NaN (a NaN constant does not compile in WGSL).
  quietNanBits: u32,
  rateThresholdMmPerYear: f32,
  amplitudeThresholdMm: f32,
  inPhaseDays: f32,
  antiPhaseDays: f32,
  antiPhaseToleranceDays: f32,
  // Below this |det(G2)| up and east are not separable: NaN.
  minDeterminant: f32,
}

@group(0) @binding(0) var<uniform> params: CompareParams;
// Plane-major inputs: inputs[plane × nPixels + pixel], planes in the order of the IN_ constants.
@group(0) @binding(1) var<storage, read> inputs: array<f32>;
// Plane-major outputs: plane 0 the reason codes (secular | seasonal << 8), planes 1..6 the
// float32 bits of the decomposition in COMPARE_FLOAT_OUTPUT_KEYS order.
@group(0) @binding(2) var<storage, read_write> outputs: array<u32>;

const IN_ASC_RATE: u32 = 0u;
const IN_DESC_RATE: u32 = 1u;
const IN_ASC_AMPLITUDE: u32 = 2u;
const IN_DESC_AMPLITUDE: u32 = 3u;
const IN_ASC_PEAK_DAY: u32 = 4u;
const IN_DESC_PEAK_DAY: u32 = 5u;
const IN_ASC_SEASONAL: u32 = 6u;
const IN_DESC_SEASONAL: u32 = 7u;
const IN_ASC_EAST: u32 = 8u;
const IN_ASC_UP: u32 = 9u;
const IN_DESC_EAST: u32 = 10u;
const IN_DESC_UP: u32 = 11u;

const OUT_REASONS: u32 = 0u;
const OUT_RATE_UP: u32 = 1u;
const OUT_RATE_EAST: u32 = 2u;
const OUT_AMPLITUDE_UP: u32 = 3u;
const OUT_AMPLITUDE_EAST: u32 = 4u;
const OUT_PEAK_DAY_UP: u32 = 5u;
const OUT_PEAK_DAY_EAST: u32 = 6u;

// Reason codes, as SecularReason / SeasonalReason in src/core/direction.ts.
const NOT_TESTED: u32 = 0u;
const VERTICAL: u32 = 1u;
const EAST_WEST: u32 = 2u;
const MAGNITUDE_DIFFERS: u32 = 3u;
const BOTH_NEAR_ZERO: u32 = 4u;
const OTHER_TIMING: u32 = 3u;
const AMPLITUDE_DIFFERS: u32 = 4u;
const NO_DATA: u32 = 255u;

const PI: f32 = 3.141592653589793;
const TWO_PI: f32 = 6.283185307179586;
const DAYS_PER_CYCLE: f32 = 365.25;

fn isNotFinite(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u;
}

fn nanValue() -> f32 {
  return bitcast<f32>(params.quietNanBits);
}

fn input(plane: u32, pixel: u32) -> f32 {
  return inputs[plane * params.nPixels + pixel];
}

fn writeFloat(plane: u32, pixel: u32, value: f32) {
  outputs[plane * params.nPixels + pixel] = bitcast<u32>(value);
}

// Table 1, secular half (classifySecular).
fn classifySecular(asc: f32, desc: f32) -> u32 {
  if (isNotFinite(asc) || isNotFinite(desc)) {
    return NO_DATA;
  }
  let t = params.rateThresholdMmPerYear;
  let ascAbs = abs(asc);
  let descAbs = abs(desc);
  if (ascAbs <= t && descAbs <= t) {
    return BOTH_NEAR_ZERO;
  }
  if (abs(ascAbs - descAbs) > t) {
    return MAGNITUDE_DIFFERS;
  }
  if ((asc > 0.0) == (desc > 0.0)) {
    return VERTICAL;
  }
  return EAST_WEST;
}

// Distance of two days of year on the calendar circle, in [0, 182.625] (circularDayDifference).
fn circularDayDifference(a: f32, b: f32) -> f32 {
  var d = abs(a - b) % DAYS_PER_CYCLE;
  if (d > 0.5 * DAYS_PER_CYCLE) {
    d = DAYS_PER_CYCLE - d;
  }
  return d;
}

// Table 1, seasonal half (classifySeasonal).
fn classifySeasonal(seasonalOnBoth: bool, ascAmp: f32, descAmp: f32, ascDay: f32, descDay: f32) -> u32 {
  if (!seasonalOnBoth) {
    return NOT_TESTED;
  }
  if (isNotFinite(ascAmp) || isNotFinite(descAmp) || isNotFinite(ascDay) || isNotFinite(descDay)) {
    return NO_DATA;
  }
  if (abs(ascAmp - descAmp) > params.amplitudeThresholdMm) {
    return AMPLITUDE_DIFFERS;
  }
  let dDays = circularDayDifference(ascDay, descDay);
  if (dDays <= params.inPhaseDays) {
    return VERTICAL;
  }
  if (abs(dDays - params.antiPhaseDays) <= params.antiPhaseToleranceDays) {
    return EAST_WEST;
  }
  return OTHER_TIMING;
}

// Phase of the annual phasor of a peak day, reduced to [−π, π] for WGSL's sin/cos.
fn peakDayToPhase(day: f32) -> f32 {
  var phase = TWO_PI * (day - 1.0) / DAYS_PER_CYCLE;
  phase = phase - TWO_PI * floor(phase / TWO_PI);
  if (phase > PI) {
    phase -= TWO_PI;
  }
  return phase;
}

fn phaseToPeakDay(phase: f32) -> f32 {
  var f = phase / TWO_PI;
  f -= floor(f);
  return 1.0 + f * DAYS_PER_CYCLE;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn comparePixels(@builtin(global_invocation_id) gid: vec3<u32>) {
  let pixel = gid.x + gid.y * params.rowStridePixels;
  if (pixel >= params.nPixels) {
    return;
  }
  let nan = nanValue();
  writeFloat(OUT_RATE_UP, pixel, nan);
  writeFloat(OUT_RATE_EAST, pixel, nan);
  writeFloat(OUT_AMPLITUDE_UP, pixel, nan);
  writeFloat(OUT_AMPLITUDE_EAST, pixel, nan);
  writeFloat(OUT_PEAK_DAY_UP, pixel, nan);
  writeFloat(OUT_PEAK_DAY_EAST, pixel, nan);

  let ascRate = input(IN_ASC_RATE, pixel);
  let descRate = input(IN_DESC_RATE, pixel);
  let secular = classifySecular(ascRate, descRate);
  if (secular == NO_DATA) {
    // No fit on one track: both tests are "no data".
    outputs[OUT_REASONS * params.nPixels + pixel] = NO_DATA | (NO_DATA << 8u);
    return;
  }
  let seasonalOnBoth = input(IN_ASC_SEASONAL, pixel) == 1.0 && input(IN_DESC_SEASONAL, pixel) == 1.0;
  let ascAmp = input(IN_ASC_AMPLITUDE, pixel);
  let descAmp = input(IN_DESC_AMPLITUDE, pixel);
  let ascDay = input(IN_ASC_PEAK_DAY, pixel);
  let descDay = input(IN_DESC_PEAK_DAY, pixel);
  let seasonal = classifySeasonal(seasonalOnBoth, ascAmp, descAmp, ascDay, descDay);
  outputs[OUT_REASONS * params.nPixels + pixel] = secular | (seasonal << 8u);

  if (params.hasGeometry == 0u) {
    return;
  }
  // (G2) by Cramer's rule: [ascEast ascUp; descEast descUp] [east; up] = [asc; desc].
  let ascEast = input(IN_ASC_EAST, pixel);
  let ascUp = input(IN_ASC_UP, pixel);
  let descEast = input(IN_DESC_EAST, pixel);
  let descUp = input(IN_DESC_UP, pixel);
  let det = ascEast * descUp - descEast * ascUp;
  // `!(x >= floor)` is also true for a NaN determinant (a no-data coefficient).
  if (!(abs(det) >= params.minDeterminant) || isNotFinite(det)) {
    return;
  }
  writeFloat(OUT_RATE_UP, pixel, (ascEast * descRate - descEast * ascRate) / det);
  writeFloat(OUT_RATE_EAST, pixel, (ascRate * descUp - descRate * ascUp) / det);

  if (!seasonalOnBoth || isNotFinite(ascAmp) || isNotFinite(descAmp) || isNotFinite(ascDay) || isNotFinite(descDay)) {
    return;
  }
  // Annual phasors (A/2)·e^{iφ} of both tracks; (G2) on real and imaginary parts.
  let ascPhase = peakDayToPhase(ascDay);
  let descPhase = peakDayToPhase(descDay);
  let ascPhasor = 0.5 * ascAmp * vec2<f32>(cos(ascPhase), sin(ascPhase));
  let descPhasor = 0.5 * descAmp * vec2<f32>(cos(descPhase), sin(descPhase));
  let upPhasor = (ascEast * descPhasor - descEast * ascPhasor) / det;
  let eastPhasor = (ascPhasor * descUp - descPhasor * ascUp) / det;
  writeFloat(OUT_AMPLITUDE_UP, pixel, 2.0 * length(upPhasor));
  writeFloat(OUT_AMPLITUDE_EAST, pixel, 2.0 * length(eastPhasor));
  writeFloat(OUT_PEAK_DAY_UP, pixel, phaseToPeakDay(atan2(upPhasor.y, upPhasor.x)));
  writeFloat(OUT_PEAK_DAY_EAST, pixel, phaseToPeakDay(atan2(eastPhasor.y, eastPhasor.x)));
}
