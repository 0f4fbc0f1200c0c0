// permasar per-year seasonal kernel (issue 15; the model is derived at the head of
// src/core/seasons.ts), float32, one invocation per pixel. The float64 reference is
// src/cpu/seasons.ts; this file computes the same products by the same rules.
//
// Per band year Y (dates firstDate … endDate − 1 of the stack, from the axis table):
//   Pass 1: over the pixel's valid epochs of Y, r = y·scaleToMm − a τ (a: the fit's rate),
//           the Gram sums of the columns (1, sin 2πτ, cos 2πτ) and their products with
//           r − r_first (r_first: the year's first valid residual, which only shifts the
//           offset and keeps the sums small for an unreferenced stack), the epoch count and
//           the bit mask of calendar months.
//   Coverage: count ≥ minYearEpochs and popcount(months) ≥ minYearMonths, else NaN.
//   3 × 3 Cholesky solve; Pass 2: residual sum of squares summed directly (the one-pass
//   yᵀy − xᵀGᵀy cancels in float32, see shaders/fit.wgsl); σ², covariance columns of sin and
//   cos, amplitude 2A, its standard error, the peak day.
//   The weighted sums of the amplitude trend (w = 1/σ²) are accumulated as years go, so no
//   per-year array is kept; the slope is written for seasonal pixels with ≥ minTrendYears.
//
// Precision: the host passes τ = t − (Y + ½) and sin/cos 2πτ evaluated in float64 and rounded
// once (τ ∈ [−½, ½): sub-minute in float32), so no trig runs here except atan2 for the peak.
// No-data is detected by bit pattern and NaN is written from the uniforms (see fit.wgsl).
//
// Substituted by the host (wgslCode in src/gpu/plane-program.ts, the one spot): WORKGROUP_SIZE.

struct SeasonsParams {
  nPixels: u32,
  nDates: u32,
  nYears: u32,
  // Pixels per row of the 2-D dispatch (workgroups in x × WORKGROUP_SIZE).
  rowStridePixels: u32,
  minYearEpochs: u32,
  minYearMonths: u32,
  minTrendYears: u32,
  scaleToMm: f32,
  // Relative Cholesky pivot floor for float32 (GPU_CHOLESKY_RELATIVE_PIVOT_FLOOR, src/gpu/constants.ts).
  pivotFloor: f32,
  // 0x7fc00000, the quiet NaN (a NaN constant does not compile in WGSL).
  quietNanBits: u32,
}

@group(0) @binding(0) var<uniform> params: SeasonsParams;
// nDates entries (τ, sin 2πτ, cos 2πτ, calendar month 0..11), then nYears entries
// (firstDate, endDate, Y − Ȳ, 0); integers are exact in float32 below 2²⁴.
@group(0) @binding(1) var<storage, read> axisTable: array<vec4<f32>>;
// Date-major tile values[date × nPixels + pixel] (input units), then two planes of the fit:
// rate (mm/yr) at [nDates × nPixels + pixel], seasonal flag at [(nDates + 1) × nPixels + pixel].
@group(0) @binding(2) var<storage, read> inputs: array<f32>;
// Product-major: amplitude [y × nPixels + p], amplitude std [(nYears + y) × nPixels + p],
// peak day [(2 nYears + y) × nPixels + p], then trend, trend std, valid years at planes
// 3 nYears, 3 nYears + 1, 3 nYears + 2.
@group(0) @binding(3) var<storage, read_write> outputs: array<f32>;

const TWO_PI: f32 = 6.283185307179586;
const DAYS_PER_YEAR: f32 = 365.25;

fn isNoData(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

fn nanValue() -> f32 {
  return bitcast<f32>(params.quietNanBits);
}

fn writePlane(plane: u32, pixel: u32, value: f32) {
  outputs[plane * params.nPixels + pixel] = value;
}

// Cholesky of the 3 × 3 Gram matrix in place (lower triangle, row-major), as
// choleskyInPlace in src/core/linalg.ts with the float32 pivot floor.
fn cholesky3(a: ptr<function, array<f32, 9>>) -> bool {
  for (var j = 0u; j < 3u; j++) {
    let diagonal = (*a)[j * 3u + j];
    var pivot = diagonal;
    for (var k = 0u; k < j; k++) {
      let l = (*a)[j * 3u + k];
      pivot -= l * l;
    }
    if (!(pivot > params.pivotFloor * abs(diagonal)) || !(pivot > 0.0)) {
      return false;
    }
    let ljj = sqrt(pivot);
    (*a)[j * 3u + j] = ljj;
    for (var i = j + 1u; i < 3u; i++) {
      var s = (*a)[i * 3u + j];
      for (var k = 0u; k < j; k++) {
        s -= (*a)[i * 3u + k] * (*a)[j * 3u + k];
      }
      (*a)[i * 3u + j] = s / ljj;
    }
  }
  return true;
}

fn solve3(l: ptr<function, array<f32, 9>>, rhs: vec3<f32>) -> vec3<f32> {
  var b = array<f32, 3>(rhs.x, rhs.y, rhs.z);
  for (var i = 0u; i < 3u; i++) {
    var s = b[i];
    for (var k = 0u; k < i; k++) {
      s -= (*l)[i * 3u + k] * b[k];
    }
    b[i] = s / (*l)[i * 3u + i];
  }
  for (var ii = 0u; ii < 3u; ii++) {
    let i = 2u - ii;
    var s = b[i];
    for (var k = i + 1u; k < 3u; k++) {
      s -= (*l)[k * 3u + i] * b[k];
    }
    b[i] = s / (*l)[i * 3u + i];
  }
  return vec3<f32>(b[0], b[1], b[2]);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn seasonsPixels(@builtin(global_invocation_id) gid: vec3<u32>) {
  let pixel = gid.x + gid.y * params.rowStridePixels;
  let n = params.nPixels;
  if (pixel >= n) {
    return;
  }
  let nan = nanValue();
  let nYears = params.nYears;
  let rate = inputs[params.nDates * n + pixel];
  let seasonal = inputs[(params.nDates + 1u) * n + pixel] == 1.0;
  let hasFit = !isNoData(rate);

  var sw = 0.0;
  var swx = 0.0;
  var swy = 0.0;
  var swxx = 0.0;
  var swxy = 0.0;
  var trendYears = 0u;
  var validYears = 0u;
  for (var y = 0u; y < nYears; y++) {
    let entry = axisTable[params.nDates + y];
    let firstDate = u32(entry.x);
    let endDate = u32(entry.y);
    var count = 0u;
    var months = 0u;
    var reference = 0.0;
    var g = array<f32, 9>(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    var h = vec3<f32>(0.0, 0.0, 0.0);
    if (hasFit) {
      for (var d = firstDate; d < endDate; d++) {
        let v = inputs[d * n + pixel];
        if (isNoData(v)) {
          continue;
        }
        let row = axisTable[d];
        let r = v * params.scaleToMm - rate * row.x;
        if (count == 0u) {
          reference = r;
        }
        let rc = r - reference;
        g[0] += 1.0;
        g[1] += row.y;
        g[2] += row.z;
        g[4] += row.y * row.y;
        g[5] += row.y * row.z;
        g[8] += row.z * row.z;
        h += vec3<f32>(rc, row.y * rc, row.z * rc);
        months |= 1u << u32(row.w);
        count++;
      }
    }
    var amplitude = nan;
    var amplitudeStd = nan;
    var peakDay = nan;
    if (count >= params.minYearEpochs && countOneBits(months) >= params.minYearMonths) {
      g[3] = g[1];
      g[6] = g[2];
      g[7] = g[5];
      if (cholesky3(&g)) {
        let x = solve3(&g, h);
        let offset = x.x + reference;
        let sinMm = x.y;
        let cosMm = x.z;
        var rss = 0.0;
        for (var d = firstDate; d < endDate; d++) {
          let v = inputs[d * n + pixel];
          if (isNoData(v)) {
            continue;
          }
          let row = axisTable[d];
          let e = v * params.scaleToMm - rate * row.x - offset - sinMm * row.y - cosMm * row.z;
          rss += e * e;
        }
        let sigma2 = rss / f32(count - 3u);
        let columnSin = solve3(&g, vec3<f32>(0.0, 1.0, 0.0));
        let columnCos = solve3(&g, vec3<f32>(0.0, 0.0, 1.0));
        let covSinSin = sigma2 * columnSin.y;
        let covSinCos = sigma2 * columnSin.z;
        let covCosCos = sigma2 * columnCos.z;
        let a = sqrt(sinMm * sinMm + cosMm * cosMm);
        amplitude = 2.0 * a;
        if (a > 0.0) {
          let varA = (sinMm * sinMm * covSinSin + cosMm * cosMm * covCosCos + 2.0 * sinMm * cosMm * covSinCos) / (a * a);
          amplitudeStd = 2.0 * sqrt(max(varA, 0.0));
        }
        // annualPeakYearFraction (core/seasonality.ts) with frac(Y + ½) = ½:
        // f = ½ + ¼ − atan2(s, c) / 2π, taken mod 1.
        let f = 0.75 - atan2(cosMm, sinMm) / TWO_PI;
        peakDay = 1.0 + fract(f) * DAYS_PER_YEAR;
        validYears++;
        if (amplitudeStd > 0.0) {
          let w = 1.0 / (amplitudeStd * amplitudeStd);
          let xc = entry.z;
          sw += w;
          swx += w * xc;
          swy += w * amplitude;
          swxx += w * xc * xc;
          swxy += w * xc * amplitude;
          trendYears++;
        }
      }
    }
    writePlane(y, pixel, amplitude);
    writePlane(nYears + y, pixel, amplitudeStd);
    writePlane(2u * nYears + y, pixel, peakDay);
  }
  var slope = nan;
  var slopeStd = nan;
  let det = sw * swxx - swx * swx;
  if (seasonal && trendYears >= params.minTrendYears && det > 1e-6 * sw * swxx) {
    slope = (sw * swxy - swx * swy) / det;
    slopeStd = sqrt(sw / det);
  }
  writePlane(3u * nYears, pixel, slope);
  writePlane(3u * nYears + 1u, pixel, slopeStd);
  writePlane(3u * nYears + 2u, pixel, f32(validYears));
}
