// permasar fit kernel (DESIGN.md §1 items 1–4), float32, one invocation per pixel.
// The float64 reference is src/cpu/fit.ts; this file computes the same products by the same
// rules, rearranged so the series is read from memory once for the fit and once for the
// residual:
//
//   Pass 1 (the only pass that needs the model): over the pixel's valid epochs accumulate the
//   Gram matrix of the eight columns u = [1, t_c, sin 2πt_c, cos 2πt_c, sin 4πt_c, cos 4πt_c,
//   sin 6πt_c, cos 6πt_c] and uᵀy (the t_c column measured from the pixel's first valid epoch,
//   see Precision). Every normal equation of the fit is a sub-block of these
//   sums:
//     trend        d = a t_c + b                 columns {t_c, 1}
//     harmonics    r = o + Σ s_k sin + c_k cos   columns {1, sin/cos k=1..3}, with the
//                  detrended right-hand side Gᵀr = Gᵀy − a·Gᵀt_c − b·Gᵀ1 (r = y − a t_c − b),
//                  so the detrending needs no second look at y
//     Eq. 1        d = a t_c + b + c sin 2πt_c + s cos 2πt_c   columns {t_c, 1, sin, cos}
//   Pass 2: the residual sum of squares of the model whose rate is reported. The one-pass
//   formula RSS = yᵀy − xᵀGᵀy cancels catastrophically in float32 when the seasonal signal is
//   large against the noise (500 mm against 2 mm loses every digit), so the residual is summed
//   directly.
//
// Precision. The host passes t_c = t − t_mid (float64 → float32, DESIGN.md §1 "Time") and the
// sines and cosines of every epoch, evaluated in float64 and rounded once, so no trig runs
// here on arguments up to 6π·|t_c| (WGSL's sin() is only specified to 2⁻¹¹ absolute on
// [−π, π]). Each pixel's sums are taken relative to its first valid epoch: y − y_first removes
// a large constant (unreferenced stacks), and the trend column t_c − t_c,first keeps the
// (t, 1) block well conditioned for a pixel whose valid epochs all lie far from the stack's
// mid-date (on the stack-centred axis n Σt² − (Σt)² cancels to a few digits there). Neither
// shift changes the rate, the harmonics, the annual term or the residual: the model's offset
// absorbs both, and the offset is not a product.
//
// The daily-grid extrema count is countExtremaPerPeriod (src/core/seasonality.ts) step for
// step: one period's daily grid counted cyclically, times the whole years, plus the part
// before them; the three harmonics stepped by rotation (one complex multiply per harmonic per
// day), the same first-difference sign rule with plateaus keeping the previous sign, and the
// same number of days (the host passes each epoch's day offset from the first date, an exact
// quarter-day multiple in MintPy's convention, so floor(span × 365.25) is exact here too).
//
// No-data is detected by bit pattern, not `v != v`, which compilers may fold away; NaN is
// written by bit pattern (from the uniforms: a NaN constant does not compile).
//
// Substituted by the host (wgslCode in src/gpu/plane-program.ts, the one spot): WORKGROUP_SIZE,
// FLAT_HARMONIC_RELATIVE_VALUE, FLAT_HARMONIC_FLOOR_MM_VALUE.

struct FitParams {
  nPixels: u32,
  nDates: u32,
  // Pixels per row of the 2-D dispatch (workgroups in x × WORKGROUP_SIZE).
  rowStridePixels: u32,
  minValidEpochs: u32,
  extremaTolerance: f32,
  // 1: use expectedExtremaOverride; 0: round(2 × span in years).
  hasExpectedOverride: u32,
  expectedExtremaOverride: f32,
  scaleToMm: f32,
  // frac(t_mid) in years, computed in float64 by the host (timing is on the calendar year).
  tMidYearFraction: f32,
  // Relative Cholesky pivot floor for float32 (GPU_CHOLESKY_RELATIVE_PIVOT_FLOOR, src/gpu/constants.ts).
  pivotFloor: f32,
  // One-day rotation (cos, sin of 2πk / 365.25) for harmonics k = 1..3, from float64.
  dayStepCos1: f32,
  dayStepSin1: f32,
  dayStepCos2: f32,
  dayStepSin2: f32,
  dayStepCos3: f32,
  dayStepSin3: f32,
  // Quarter-day rotation (cos, sin of 2πk / (4 × 365.25)), k = 1..3, from float64.
  quarterStepCos1: f32,
  quarterStepSin1: f32,
  quarterStepCos2: f32,
  quarterStepSin2: f32,
  quarterStepCos3: f32,
  quarterStepSin3: f32,
  // 0x7fc00000, the quiet NaN. A NaN constant is a shader-creation error in WGSL, so the
  // no-data value comes in at run time.
  quietNanBits: u32,
}

@group(0) @binding(0) var<uniform> params: FitParams;
// Two vec4 per date: (t_c, sin 2πt_c, cos 2πt_c, sin 4πt_c), (cos 4πt_c, sin 6πt_c, cos 6πt_c,
// days since the first date).
@group(0) @binding(1) var<storage, read> dateTable: array<vec4<f32>>;
// Date-major tile: values[date × nPixels + pixel], input units (× scaleToMm → mm).
@group(0) @binding(2) var<storage, read> values: array<f32>;
// Product-major output in FIT_PRODUCT_KEYS order: products[k × nPixels + pixel].
@group(0) @binding(3) var<storage, read_write> products: array<f32>;

const PRODUCT_RATE: u32 = 0u;
const PRODUCT_RATE_STD: u32 = 1u;
const PRODUCT_AMPLITUDE: u32 = 2u;
const PRODUCT_AMPLITUDE_STD: u32 = 3u;
const PRODUCT_PEAK_DOY: u32 = 4u;
const PRODUCT_EXTREMA: u32 = 5u;
const PRODUCT_SEASONAL_FLAG: u32 = 6u;
const PRODUCT_RMS: u32 = 7u;
const PRODUCT_VALID_COUNT: u32 = 8u;

const TWO_PI: f32 = 6.283185307179586;
const DAYS_PER_YEAR: f32 = 365.25;
// The daily grid repeats after 4 years (1461 days); one period's grid has 366 differences.
const DAYS_PER_FOUR_YEARS: u32 = 1461u;
const PERIOD_GRID_DIFFERENCES: u32 = 366u;
// Flat-curve test of the seasonality step (core/seasonality.ts), substituted by the host.
const FLAT_HARMONIC_RELATIVE: f32 = FLAT_HARMONIC_RELATIVE_VALUE;
const FLAT_HARMONIC_FLOOR_MM: f32 = FLAT_HARMONIC_FLOOR_MM_VALUE;
// Row stride of the in-register matrices (the largest model has 7 parameters).
const STRIDE: u32 = 7u;

fn isNoData(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

fn nanValue() -> f32 {
  return bitcast<f32>(params.quietNanBits);
}

fn writeProduct(product: u32, pixel: u32, value: f32) {
  products[product * params.nPixels + pixel] = value;
}

// Cholesky A = L Lᵀ in place (lower triangle), as choleskyInPlace in src/core/linalg.ts: a
// pivot not above floor × |original diagonal| means the epochs cannot separate the columns.
fn choleskyInPlace(a: ptr<function, array<f32, 49>>, n: u32, relativeFloor: f32) -> bool {
  for (var j = 0u; j < n; j++) {
    let diagonal = (*a)[j * STRIDE + j];
    var pivot = diagonal;
    for (var k = 0u; k < j; k++) {
      let l = (*a)[j * STRIDE + k];
      pivot -= l * l;
    }
    if (!(pivot > relativeFloor * abs(diagonal)) || !(pivot > 0.0)) {
      return false;
    }
    let ljj = sqrt(pivot);
    (*a)[j * STRIDE + j] = ljj;
    for (var i = j + 1u; i < n; i++) {
      var s = (*a)[i * STRIDE + j];
      for (var k = 0u; k < j; k++) {
        s -= (*a)[i * STRIDE + k] * (*a)[j * STRIDE + k];
      }
      (*a)[i * STRIDE + j] = s / ljj;
    }
  }
  return true;
}

// Solves L Lᵀ x = b in place.
fn choleskySolveInPlace(l: ptr<function, array<f32, 49>>, n: u32, b: ptr<function, array<f32, 7>>) {
  for (var i = 0u; i < n; i++) {
    var s = (*b)[i];
    for (var k = 0u; k < i; k++) {
      s -= (*l)[i * STRIDE + k] * (*b)[k];
    }
    (*b)[i] = s / (*l)[i * STRIDE + i];
  }
  for (var ii = 0u; ii < n; ii++) {
    let i = n - 1u - ii;
    var s = (*b)[i];
    for (var k = i + 1u; k < n; k++) {
      s -= (*l)[k * STRIDE + i] * (*b)[k];
    }
    (*b)[i] = s / (*l)[i * STRIDE + i];
  }
}

// Gram entry Σ u_i u_j from the three accumulated blocks (u = [ua, ub], ua = [1, t_c, s1, c1],
// ub = [s2, c2, s3, c3]); gramAB[j][i] = Σ ua_i ub_j (column j).
fn gramEntry(gramAA: mat4x4<f32>, gramAB: mat4x4<f32>, gramBB: mat4x4<f32>, i: u32, j: u32) -> f32 {
  if (i < 4u && j < 4u) { return gramAA[j][i]; }
  if (i < 4u) { return gramAB[j - 4u][i]; }
  if (j < 4u) { return gramAB[i - 4u][j]; }
  return gramBB[j - 4u][i - 4u];
}

fn outerProduct(a: vec4<f32>, b: vec4<f32>) -> mat4x4<f32> {
  return mat4x4<f32>(a * b.x, a * b.y, a * b.z, a * b.w);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn fitPixels(@builtin(global_invocation_id) gid: vec3<u32>) {
  let pixel = gid.x + gid.y * params.rowStridePixels;
  if (pixel >= params.nPixels) {
    return;
  }
  let nPixels = params.nPixels;
  let nDates = params.nDates;
  let scaleToMm = params.scaleToMm;

  // ---- Pass 1: Gram blocks and right-hand sides over the valid epochs. ----
  var gramAA = mat4x4<f32>();
  var gramAB = mat4x4<f32>();
  var gramBB = mat4x4<f32>();
  var rhsA = vec4<f32>();
  var rhsB = vec4<f32>();
  var validCount = 0u;
  var firstValidDate = 0u;
  var lastValidDate = 0u;
  var yReferenceMm = 0.0;
  var tFirstCentredYears = 0.0;
  var yMinMm = 0.0; // relative to yReferenceMm, so the first epoch's 0 belongs to the range
  var yMaxMm = 0.0;
  for (var d = 0u; d < nDates; d++) {
    let raw = values[d * nPixels + pixel];
    if (isNoData(raw)) {
      continue;
    }
    let yMm = raw * scaleToMm;
    let row0 = dateTable[2u * d];
    let row1 = dateTable[2u * d + 1u];
    if (validCount == 0u) {
      yReferenceMm = yMm;
      tFirstCentredYears = row0.x;
      firstValidDate = d;
    }
    lastValidDate = d;
    validCount += 1u;
    let y = yMm - yReferenceMm;
    yMinMm = min(yMinMm, y);
    yMaxMm = max(yMaxMm, y);
    let ua = vec4<f32>(1.0, row0.x - tFirstCentredYears, row0.y, row0.z);
    let ub = vec4<f32>(row0.w, row1.x, row1.y, row1.z);
    gramAA += outerProduct(ua, ua);
    gramAB += outerProduct(ua, ub);
    gramBB += outerProduct(ub, ub);
    rhsA += ua * y;
    rhsB += ub * y;
  }

  writeProduct(PRODUCT_VALID_COUNT, pixel, f32(validCount));
  let nan = nanValue();

  // 1. Trend d = a t_c + b (2 × 2, closed form as in the CPU kernel).
  let n = gramAA[0][0];
  let sumT = gramAA[1][0];
  let sumTT = gramAA[1][1];
  let sumY = rhsA.x;
  let sumTY = rhsA.y;
  let det = n * sumTT - sumT * sumT;
  // CPU: det > 1e-12 n Σt² (all epochs at one instant); float32 cannot resolve 1e-12, and with
  // distinct dates the determinant is of order n Σt², so 1e-6 refuses the same cases.
  if (validCount < params.minValidEpochs || !(det > 1e-6 * n * sumTT)) {
    writeProduct(PRODUCT_RATE, pixel, nan);
    writeProduct(PRODUCT_RATE_STD, pixel, nan);
    writeProduct(PRODUCT_AMPLITUDE, pixel, nan);
    writeProduct(PRODUCT_AMPLITUDE_STD, pixel, nan);
    writeProduct(PRODUCT_PEAK_DOY, pixel, nan);
    writeProduct(PRODUCT_EXTREMA, pixel, nan);
    writeProduct(PRODUCT_SEASONAL_FLAG, pixel, nan);
    writeProduct(PRODUCT_RMS, pixel, nan);
    return;
  }
  let trendRate = (n * sumTY - sumT * sumY) / det;
  let trendOffset = (sumY - trendRate * sumT) / n; // at the first epoch, relative to yReferenceMm

  // 2. Three sinusoids on the detrended series. Parameter order as the CPU kernel:
  //    [1, s1, c1, s2, c2, s3, c3] = u indices [0, 2, 3, 4, 5, 6, 7].
  var harmonicIndex = array<u32, 7>(0u, 2u, 3u, 4u, 5u, 6u, 7u);
  var rhsAll = array<f32, 8>(rhsA.x, rhsA.y, rhsA.z, rhsA.w, rhsB.x, rhsB.y, rhsB.z, rhsB.w);
  var normal7: array<f32, 49>;
  var harmonics: array<f32, 7>;
  for (var a = 0u; a < 7u; a++) {
    let ia = harmonicIndex[a];
    for (var b = 0u; b < 7u; b++) {
      normal7[a * STRIDE + b] = gramEntry(gramAA, gramAB, gramBB, ia, harmonicIndex[b]);
    }
    // Gᵀr = Gᵀy − a Gᵀt_c − b Gᵀ1 (r = y − a t_c − b).
    harmonics[a] = rhsAll[ia] - trendRate * gramEntry(gramAA, gramAB, gramBB, ia, 1u)
      - trendOffset * gramEntry(gramAA, gramAB, gramBB, ia, 0u);
  }

  let firstRow1 = dateTable[2u * firstValidDate + 1u];
  let lastRow1 = dateTable[2u * lastValidDate + 1u];
  let spanDays = lastRow1.w - firstRow1.w;
  var expected = floor(2.0 * spanDays / DAYS_PER_YEAR + 0.5); // Math.round(2 × span in years)
  if (params.hasExpectedOverride == 1u) {
    expected = params.expectedExtremaOverride;
  }

  var extrema = nan;
  var seasonal = false;
  if (choleskyInPlace(&normal7, 7u, params.pivotFloor)) {
    choleskySolveInPlace(&normal7, 7u, &harmonics);
    let sinCoefficient = vec3<f32>(harmonics[1], harmonics[3], harmonics[5]);
    let cosCoefficient = vec3<f32>(harmonics[2], harmonics[4], harmonics[6]);
    // A series that is exactly a line leaves a residual at rounding level whose harmonic fit
    // is noise: such a curve is flat (no extrema), as in the CPU kernel (FLAT_HARMONIC_*).
    let harmonicNormMm = sqrt(dot(sinCoefficient, sinCoefficient) + dot(cosCoefficient, cosCoefficient));
    let flat = harmonicNormMm <= max(FLAT_HARMONIC_RELATIVE * (yMaxMm - yMinMm), FLAT_HARMONIC_FLOOR_MM);
    // dailyGridPointCount − 1 = floor(span × 365.25) first differences (spanDays is exact).
    let differenceCount = select(u32(floor(spanDays)), 0u, flat);
    // countExtremaPerPeriod step for step: q whole years between the first and last midpoint,
    // J = K − ceil(q yr in days) the last midpoint before x_b = m_K − q yr, x_b − m_J in
    // quarter days. Integers: 1 yr = 1461 / 4 days.
    var wholeYears = 0u;
    if (differenceCount >= 2u) {
      wholeYears = (4u * (differenceCount - 1u)) / DAYS_PER_FOUR_YEARS;
    }
    let shiftQuarterDays = DAYS_PER_FOUR_YEARS * wholeYears;
    let shiftCeilDays = (shiftQuarterDays + 3u) / 4u;
    let prefixEnd = differenceCount - shiftCeilDays;
    let quarterSteps = 4u * shiftCeilDays - shiftQuarterDays;
    let stepCos = vec3<f32>(params.dayStepCos1, params.dayStepCos2, params.dayStepCos3);
    let stepSin = vec3<f32>(params.dayStepSin1, params.dayStepSin2, params.dayStepSin3);
    let quarterCos = vec3<f32>(params.quarterStepCos1, params.quarterStepCos2, params.quarterStepCos3);
    let quarterSin = vec3<f32>(params.quarterStepSin1, params.quarterStepSin2, params.quarterStepSin3);
    // Daily grid from the first valid epoch: (sin θ_k, cos θ_k) start at that epoch's values.
    let firstRow0 = dateTable[2u * firstValidDate];
    let startSin = vec3<f32>(firstRow0.y, firstRow0.w, firstRow1.y);
    let startCos = vec3<f32>(firstRow0.z, firstRow1.x, firstRow1.z);
    var perPeriod = wholeYears > 0u;
    var count = 0u;
    loop {
      // One period's grid (366 differences), or the whole span under a year (and as fallback).
      let lastDay = select(differenceCount, PERIOD_GRID_DIFFERENCES, perPeriod);
      var sinTheta = startSin;
      var cosTheta = startCos;
      var savedSin = startSin;
      var savedCos = startCos;
      var previous = dot(sinCoefficient, sinTheta) + dot(cosCoefficient, cosTheta);
      var previousSign = 0;
      var firstSign = 0;
      var changes = 0u;
      var prefixChanges = 0u;
      var prefixSign = 0;
      for (var day = 1u; day <= lastDay; day++) {
        let s = sinTheta * stepCos + cosTheta * stepSin;
        let c = cosTheta * stepCos - sinTheta * stepSin;
        sinTheta = s;
        cosTheta = c;
        let value = dot(sinCoefficient, sinTheta) + dot(cosCoefficient, cosTheta);
        let difference = value - previous;
        let sign = select(select(0, -1, difference < 0.0), 1, difference > 0.0);
        if (sign != 0) {
          if (previousSign != 0 && sign != previousSign) {
            changes += 1u;
          }
          if (firstSign == 0) {
            firstSign = sign;
          }
          previousSign = sign;
        }
        previous = value;
        if (day + 1u == prefixEnd) {
          savedSin = sinTheta;
          savedCos = cosTheta;
        }
        if (day == prefixEnd) {
          prefixChanges = changes;
          prefixSign = previousSign;
        }
      }
      if (!perPeriod) {
        count = changes;
        break;
      }
      // Around the period: the last sign against the first (the 0.25-day closing step).
      let periodChanges = changes + select(0u, 1u, firstSign != 0 && previousSign != 0 && firstSign != previousSign);
      // g(x_b): f(t_{J−1} + δ), f(t_J + δ) by quarter-day rotations and one day.
      for (var step = 0u; step < quarterSteps; step++) {
        let s = savedSin * quarterCos + savedCos * quarterSin;
        let c = savedCos * quarterCos - savedSin * quarterSin;
        savedSin = s;
        savedCos = c;
      }
      let before = dot(sinCoefficient, savedSin) + dot(cosCoefficient, savedCos);
      let boundarySin = savedSin * stepCos + savedCos * stepSin;
      let boundaryCos = savedCos * stepCos - savedSin * stepSin;
      let boundaryDifference = dot(sinCoefficient, boundarySin) + dot(cosCoefficient, boundaryCos) - before;
      let boundarySign = select(select(0, -1, boundaryDifference < 0.0), 1, boundaryDifference > 0.0);
      if (boundarySign != 0) {
        if (prefixSign != 0 && boundarySign != prefixSign) {
          prefixChanges += 1u;
        }
        prefixSign = boundarySign;
      }
      if (prefixSign != 0) {
        count = prefixChanges + wholeYears * periodChanges;
        break;
      }
      // No sign yet after x_b (every difference exactly 0): the daily grid decides.
      perPeriod = false;
    }
    extrema = f32(count);
    seasonal = abs(extrema - expected) <= params.extremaTolerance;
  }
  // Untestable (rank-deficient harmonics): extrema NaN, not seasonal.

  // 3. Eq. 1 for seasonal pixels: columns [t_c, 1, sin 2πt_c, cos 2πt_c] = u indices [1, 0, 2, 3].
  var eq1Solved = false;
  var eq1 = array<f32, 7>();
  var normal4: array<f32, 49>;
  if (seasonal) {
    var eq1Index = array<u32, 4>(1u, 0u, 2u, 3u);
    for (var a = 0u; a < 4u; a++) {
      let ia = eq1Index[a];
      for (var b = 0u; b < 4u; b++) {
        normal4[a * STRIDE + b] = gramEntry(gramAA, gramAB, gramBB, ia, eq1Index[b]);
      }
      eq1[a] = rhsAll[ia];
    }
    if (choleskyInPlace(&normal4, 4u, params.pivotFloor)) {
      choleskySolveInPlace(&normal4, 4u, &eq1);
      eq1Solved = true;
    } else {
      seasonal = false;
    }
  }

  // ---- Pass 2: residual sum of squares of the reported model. ----
  var modelRate = trendRate;
  var modelOffset = trendOffset;
  var modelSin = 0.0;
  var modelCos = 0.0;
  if (eq1Solved) {
    modelRate = eq1[0];
    modelOffset = eq1[1];
    modelSin = eq1[2];
    modelCos = eq1[3];
  }
  var rss = 0.0;
  for (var d = firstValidDate; d <= lastValidDate; d++) {
    let raw = values[d * nPixels + pixel];
    if (isNoData(raw)) {
      continue;
    }
    let row0 = dateTable[2u * d];
    let r = (raw * scaleToMm - yReferenceMm) - modelRate * (row0.x - tFirstCentredYears) - modelOffset - modelSin * row0.y - modelCos * row0.z;
    rss += r * r;
  }

  writeProduct(PRODUCT_EXTREMA, pixel, extrema);
  writeProduct(PRODUCT_SEASONAL_FLAG, pixel, select(0.0, 1.0, seasonal));
  writeProduct(PRODUCT_RMS, pixel, sqrt(rss / n));
  if (eq1Solved) {
    // 4. Errors: σ² = RSS / (n − 4), Cov = σ² (GᵀG)⁻¹; the needed columns of the inverse.
    let sigma2 = rss / (n - 4.0);
    var inverseColumn = array<f32, 7>(1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    choleskySolveInPlace(&normal4, 4u, &inverseColumn);
    let covRate = sigma2 * inverseColumn[0];
    inverseColumn = array<f32, 7>(0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0);
    choleskySolveInPlace(&normal4, 4u, &inverseColumn);
    let covSinSin = sigma2 * inverseColumn[2];
    let covSinCos = sigma2 * inverseColumn[3];
    inverseColumn = array<f32, 7>(0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0);
    choleskySolveInPlace(&normal4, 4u, &inverseColumn);
    let covCosCos = sigma2 * inverseColumn[3];
    let amplitude = length(vec2<f32>(modelSin, modelCos));
    var amplitudeStd = nan;
    if (amplitude > 0.0) {
      // First-order propagation σ_A² ≈ (s² C_ss + c² C_cc + 2 s c C_sc) / A².
      let varianceA = (modelSin * modelSin * covSinSin + modelCos * modelCos * covCosCos
        + 2.0 * modelSin * modelCos * covSinCos) / (amplitude * amplitude);
      amplitudeStd = 2.0 * sqrt(max(varianceA, 0.0));
    }
    // Annual term c sin 2πt_c + s cos 2πt_c = A sin(2πt_c + ψ), ψ = atan2(s, c); peak at
    // t = t_mid + 1/4 − ψ/2π (annualPeakYearFraction in src/core/seasonality.ts).
    let psi = atan2(modelCos, modelSin);
    let peakFraction = fract(params.tMidYearFraction + 0.25 - psi / TWO_PI);
    writeProduct(PRODUCT_RATE, pixel, modelRate);
    writeProduct(PRODUCT_RATE_STD, pixel, sqrt(covRate));
    writeProduct(PRODUCT_AMPLITUDE, pixel, 2.0 * amplitude);
    writeProduct(PRODUCT_AMPLITUDE_STD, pixel, amplitudeStd);
    writeProduct(PRODUCT_PEAK_DOY, pixel, 1.0 + peakFraction * DAYS_PER_YEAR);
  } else {
    // σ² = RSS / (n − 2); (GᵀG)⁻¹ of the trend at (a, a) is n / det.
    writeProduct(PRODUCT_RATE, pixel, trendRate);
    writeProduct(PRODUCT_RATE_STD, pixel, sqrt(rss / (n - 2.0) * n / det));
    writeProduct(PRODUCT_AMPLITUDE, pixel, nan);
    writeProduct(PRODUCT_AMPLITUDE_STD, pixel, nan);
    writeProduct(PRODUCT_PEAK_DOY, pixel, nan);
  }
}
