// permasar network inversion (../shared/INVERSION.md §2.6–§2.7, §7; the estimator is written
// out at the head of src/core/inversion.ts and src/cpu/invert.ts), float32, one invocation per
// pixel: MintPy's minimum-norm velocity solution through the banded normal equations of B, with
// the null space of a split network projected out (no SVD). The float64 reference is
// src/cpu/invert.ts; a pixel this kernel cannot solve safely in float32 is marked
// STATUS_NEEDS_FLOAT64 and the host re-solves it there.
//
// The network table (binding 1) lists the interferograms sorted by their earlier date, each
// packed in one word, and the index of the first one starting at each date, so every pass is a
// sweep over the dates k = 0 … N − 2 with, inside, the interferograms that start at k. The
// loops' bounds come from the table and are the same for every pixel (a NaN observation is an
// `if`, never a `continue`), so SIMD lanes and warps never diverge on them.
//
// Two paths, one per pipeline (FAST_PATH is a constant, so the other one is compiled out):
//
// The fast path (FAST_PATH = 1: the network's half-bandwidth b is within the host's cap; compiled
// for FAST_BANDWIDTH = max(b, 1)) solves every pixel whose dates form one connected network,
// which is every pixel of real data but a few, and marks the others STATUS_SPLIT for the host to
// re-run on the general path's pipeline. Everything near the sweep's date lives in registers
// (fixed-size windows of the b + 1 band rows being summed, the b previous rows of the factor,
// counts and component labels). Every loop over a window runs from a constant to a constant
// (`for (var t = 0u; t < FB; t++)`, with `if`s inside): the compilers unroll those and keep the
// arrays in registers. A loop whose bound depends on another loop's index (`c <= r`), or that
// counts down, is not unrolled on Mesa (Tint adds a termination guard the unroller cannot see
// through) and leaves its arrays indexed dynamically (pass A ran 3× slower so on llvmpipe).
// The scratch sees each factor entry written once and read once per solve:
//   Pass A (one sweep): valid count; per-date counts (redundancy, final once the sweep passes
//     the date); connectivity (labels over the window's dates: a date whose component holds no
//     later date in the window when the sweep leaves it is cut off from every later date, so the
//     network is split); the band rows of BᵀWB and BᵀWy, and as soon as row k is complete (no
//     interferogram starting after k touches it) its row of the banded Cholesky factor and its
//     forward substitution. The pivot floor against BᵀWB's largest diagonal is checked at the
//     end on the smallest pivot.
//   Pass B: back substitution. Then REFINEMENT_STEPS sweeps of iterative refinement (the residual
//     BᵀW(y − B v) summed from the interferograms, its forward substitution fused into the same
//     sweep) and back substitutions.
//   Pass E (one sweep): the series and the temporal coherence.
// Every sum is taken in the general path's order (band entries and residuals over the sorted
// interferograms, the factor's inner products in column order; a window entry outside an
// interferogram's span adds an exact 0), so on a connected pixel both paths give bit-identical
// outputs (checked on the study network: 4000 pixels forced through the general path).
//
// The general path (split networks; every pixel when b is above the cap):
//   Pass 1 over the interferograms: valid count, per-date counts (redundancy), union-find of the
//     dates (a union links the larger root under the smaller, so a root is its component's
//     smallest date).
//   Pass 2: the band of BᵀWB (half-bandwidth b: row k holds columns k − b … k) and BᵀWy.
//   Components labelled in date order; v[min(C) − 1] pinned for every component C but date 0's.
//   Banded Cholesky (pivot floors relative to the pinned diagonal and to BᵀWB's largest
//     diagonal), solve, then iterative refinement with the residual of the interferograms
//     themselves.
//   Projection: Ĝ α = Nᵀ v over all the components' null-space vectors (a graph Laplacian,
//     grounded at its best-connected component), v ← v − N α (INVERSION.md §7.2).
// Both: ts_j = Σ_{k<j} dt_k v_k (a blocked float32 sum); metres = ts · metresPerRadian.
//   Temporal coherence of the unweighted residual, with this file's own sin/cos (WGSL's built-in
//   ones are only specified to 2⁻¹¹ absolute), summed in blocks of 32 (n·2⁻²⁴ worst case
//   otherwise, ≈ 8e-5 for 1297 interferograms).
//
// Per-pixel arrays live in the scratch binding (WGSL caps private memory at 8 KiB and a study
// network needs ~8–12 KiB per pixel), in groups of SCRATCH_GROUP consecutive pixels: the
// group's slot s of its pixel `lane` at groupFirstPixel × scratchPlanes + s × groupPixels + lane
// (groupPixels = SCRATCH_GROUP, fewer in a chunk's last group). Consecutive invocations read
// consecutive words (a warp's access is one 128-byte segment for a group of 32), and one pixel's
// slots are SCRATCH_GROUP words apart rather than a whole chunk apart (a CPU adapter's SIMD
// lanes stay within a few pages). General path slots: the band [0, (N−1)(b+1)), the right-hand
// side then solution (N − 1), the refinement's residual then correction (N − 1), union-find
// parents (N), per-date counts then component labels (N), the components' Gram matrix
// (MAX_COMPONENTS²) and its right-hand side (MAX_COMPONENTS); the host passes the offsets. Fast
// path slots: the factor [0, (N−1)(FAST_BANDWIDTH+1)), then the solution and the correction
// (N − 1 each). Integers (parents, counts, labels) are stored as exact f32 values.
//
// No-data is detected by bit pattern and NaN is written from the uniforms (see vertical.wgsl).
//
// Substituted by the host (wgslCode in src/gpu/plane-program.ts, the one spot): WORKGROUP_SIZE,
// MAX_COMPONENTS, REFINEMENT_STEPS, FAST_PATH, FAST_BANDWIDTH, SCRATCH_GROUP, STATUS_SOLVED,
// STATUS_NO_DATA, STATUS_REDUNDANCY, STATUS_NEEDS_FLOAT64, STATUS_SPLIT.

struct InvertParams {
  nPixels: u32,
  // Pixels per row of the 2-D dispatch (workgroups in x × WORKGROUP_SIZE).
  rowStridePixels: u32,
  nIfgrams: u32,
  nDates: u32,
  halfBandwidth: u32,
  // 1: weight planes follow the phase planes; 0: unweighted (w = 1).
  weighted: u32,
  redundancyExemptDate: u32,
  minRedundancy: f32,
  metresPerRadian: f32,
  // Cholesky pivot floors: against the pivot's own diagonal (GPU_INVERSION_RELATIVE_PIVOT_FLOOR:
  // float32 precision) and against BᵀWB's largest diagonal (GPU_INVERSION_SCALE_PIVOT_FLOOR:
  // a nearly singular network, where gelsd's truncation matters; the reference decides).
  pivotFloor: f32,
  scalePivotFloor: f32,
  // 0x7fc00000, the quiet NaN (a NaN constant does not compile in WGSL).
  quietNanBits: u32,
  // Scratch slots per pixel (the layout's stride between groups).
  scratchPlanes: u32,
  // General path scratch slot offsets (the band starts at slot 0).
  solutionSlot: u32,
  correctionSlot: u32,
  parentSlot: u32,
  labelSlot: u32,
  gramSlot: u32,
  gramRhsSlot: u32,
}

@group(0) @binding(0) var<uniform> params: InvertParams;
// The network, interferograms sorted by earlier date (then later date): word i < nIfgrams is one
// interferogram, its index in the tile in bits 0–19, its span (later − earlier date) in bits
// 20–30, bit 31 set when it is written later-first (sign −1); words nIfgrams + k, k = 0 … N − 1:
// the first sorted interferogram starting at date k or later (word nIfgrams + N − 1 is
// nIfgrams); then dt_k (years, f32 bits) at nIfgrams + N + k.
@group(0) @binding(1) var<storage, read> network: array<u32>;
// Phase (rad) of interferogram i at [i × nPixels + p]; √weight at [(nIfgrams + i) × nPixels + p].
@group(0) @binding(2) var<storage, read> inputs: array<f32>;
// Displacement (m) of date j at [j × nPixels + p]; then temporal coherence, interferograms used,
// status (as f32 values) at planes nDates, nDates + 1, nDates + 2.
@group(0) @binding(3) var<storage, read_write> outputs: array<f32>;
// Per-pixel working arrays (see above); never read back.
@group(0) @binding(4) var<storage, read_write> scratch: array<f32>;

const TWO_OVER_PI: f32 = 0.6366197723675814;
// π/2 in three parts (Cody–Waite; the first two have trailing zero bits, so q × part is exact
// for |q| < 2¹⁶, i.e. |e| below ~1e5 rad).
const PIO2_1: f32 = 1.5703125;
const PIO2_2: f32 = 4.837512969970703125e-4;
const PIO2_3: f32 = 7.54978995489188216e-8;
const BLOCK: u32 = 32u;

// Fast path windows: FB band rows below the diagonal, FW = FB + 1 rows (or intervals) from the
// sweep's date, FD = FB + 2 dates (an interferogram spans at most FB + 1 intervals).
const FB: u32 = FAST_BANDWIDTH;
const FW: u32 = FAST_BANDWIDTH + 1u;
const FD: u32 = FAST_BANDWIDTH + 2u;
// Larger than any pivot.
const PIVOT_CEILING: f32 = 3.0e38;

// This invocation's scratch: slot s at scratchBase + s × scratchStride.
var<private> scratchBase: u32;
var<private> scratchStride: u32;

// By bit pattern: compilers may assume no NaN and fold `v != v` or comparisons with NaN.
fn isNan(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

fn isNotFinite(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u;
}

fn at(slot: u32) -> u32 {
  return scratchBase + slot * scratchStride;
}

// The packed interferogram word's fields.
fn wordIfgram(word: u32) -> u32 {
  return word & 0xfffffu;
}

fn wordSpan(word: u32) -> u32 {
  return (word >> 20u) & 0x7ffu;
}

fn wordSign(word: u32) -> f32 {
  return select(1.0, -1.0, (word >> 31u) != 0u);
}

// First sorted interferogram starting at date k or later (k ≤ N − 1).
fn groupStart(k: u32) -> u32 {
  return network[params.nIfgrams + k];
}

fn intervalYears(k: u32) -> f32 {
  return bitcast<f32>(network[params.nIfgrams + params.nDates + k]);
}

// Band element (k, k − d) of the lower band (general path).
fn bandAt(k: u32, d: u32) -> u32 {
  return at(k * (params.halfBandwidth + 1u) + d);
}

fn solutionAt(k: u32) -> u32 {
  return at(params.solutionSlot + k);
}

fn findRoot(date: u32) -> u32 {
  var x = date;
  loop {
    let up = u32(scratch[at(params.parentSlot + x)]);
    if (up == x) {
      break;
    }
    // Path halving: parents only ever point to smaller dates.
    let grand = u32(scratch[at(params.parentSlot + up)]);
    scratch[at(params.parentSlot + x)] = f32(grand);
    x = grand;
  }
  return x;
}

fn unite(a: u32, b: u32) {
  let ra = findRoot(a);
  let rb = findRoot(b);
  if (ra < rb) {
    scratch[at(params.parentSlot + rb)] = f32(ra);
  } else if (rb < ra) {
    scratch[at(params.parentSlot + ra)] = f32(rb);
  }
}

// (cos e, sin e) to ~1e-7 for |e| up to ~1e5 rad: quadrant reduction, then Taylor polynomials on
// [−π/4, π/4] (truncation below 2e-9). The quadrant is applied with selects, not a switch.
fn cosSin(e: f32) -> vec2<f32> {
  let q = round(e * TWO_OVER_PI);
  let r = ((e - q * PIO2_1) - q * PIO2_2) - q * PIO2_3;
  let r2 = r * r;
  let s = r + r * r2 * (-1.6666666666666666e-1 + r2 * (8.333333333333333e-3 + r2 * (-1.984126984126984e-4 + r2 * 2.7557319223985893e-6)));
  let c = 1.0 + r2 * (-0.5 + r2 * (4.1666666666666664e-2 + r2 * (-1.388888888888889e-3 + r2 * (2.48015873015873e-5 + r2 * -2.755731922398589e-7))));
  // Quadrant 0: (c, s); 1: (−s, c); 2: (−c, −s); 3: (s, −c).
  let quadrant = i32(q) & 3;
  let odd = (quadrant & 1) != 0;
  let cs = select(vec2<f32>(c, s), vec2<f32>(s, c), odd);
  let negateCos = quadrant == 1 || quadrant == 2;
  let negateSin = quadrant >= 2;
  return vec2<f32>(select(cs.x, -cs.x, negateCos), select(cs.y, -cs.y, negateSin));
}

// Solves L Lᵀ x = r in place in slots [slot, slot + N − 1), L the banded factor (general path).
fn choleskySolveInPlace(slot: u32) {
  let m = params.nDates - 1u;
  let b = params.halfBandwidth;
  for (var k = 0u; k < m; k++) {
    var s = scratch[at(slot + k)];
    for (var i = select(0u, k - b, k > b); i < k; i++) {
      s -= scratch[bandAt(k, k - i)] * scratch[at(slot + i)];
    }
    scratch[at(slot + k)] = s / scratch[bandAt(k, 0u)];
  }
  for (var kk = 0u; kk < m; kk++) {
    let k = m - 1u - kk;
    var s = scratch[at(slot + k)];
    for (var i = k + 1u; i <= min(m - 1u, k + b); i++) {
      s -= scratch[bandAt(i, i - k)] * scratch[at(slot + i)];
    }
    scratch[at(slot + k)] = s / scratch[bandAt(k, 0u)];
  }
}

fn writeUnsolved(pixel: u32, status: u32, used: u32) {
  let n = params.nPixels;
  let nan = bitcast<f32>(params.quietNanBits);
  for (var j = 0u; j < params.nDates; j++) {
    outputs[j * n + pixel] = nan;
  }
  outputs[params.nDates * n + pixel] = 0.0;
  outputs[(params.nDates + 1u) * n + pixel] = f32(used);
  outputs[(params.nDates + 2u) * n + pixel] = f32(status);
}

// The series (blocked sum, see invertGeneral) and the temporal coherence of the unweighted
// residual e = y − s Σ_{k=lo}^{hi−1} dt_k v_k, v in the solution slots `slot`; writes the
// pixel's outputs. Both paths end here.
fn seriesAndCoherence(pixel: u32, slot: u32, nValid: u32) {
  let n = params.nPixels;
  let nDates = params.nDates;
  let m = nDates - 1u;
  var dt: array<f32, FW>;
  var v: array<f32, FW>;
  // The general path's pipeline reads v from the scratch (its bandwidth may exceed the windows).
  let windowed = FAST_PATH != 0u;
  if (windowed) {
    for (var r = 0u; r < FW; r++) {
      if (r < m) {
        dt[r] = intervalYears(r);
        v[r] = scratch[at(slot + r)];
      }
    }
  }
  var tsBase = 0.0;
  var tsPartial = 0.0;
  var finite = true;
  outputs[pixel] = tsBase * params.metresPerRadian;
  var sum = vec2<f32>(0.0, 0.0);
  var block = vec2<f32>(0.0, 0.0);
  var inBlock = 0u;
  for (var k = 0u; k < m; k++) {
    if (!windowed) {
      dt[0] = intervalYears(k);
      v[0] = scratch[at(slot + k)];
    }
    // ts_{k+1}, the products dt_k v_k rounded to float32 as MintPy's X · tbase_diff, summed in
    // blocks of 16 intervals (see invertGeneral).
    tsPartial += dt[0] * v[0];
    let ts = tsBase + tsPartial;
    if ((k & 15u) == 15u) {
      tsBase = ts;
      tsPartial = 0.0;
    }
    finite = finite && !isNotFinite(ts);
    outputs[(k + 1u) * n + pixel] = ts * params.metresPerRadian;
    let end = groupStart(k + 1u);
    for (var i = groupStart(k); i < end; i++) {
      let word = network[i];
      let y = inputs[wordIfgram(word) * n + pixel];
      if (!isNan(y)) {
        let span = wordSpan(word);
        var predicted = 0.0;
        if (windowed) {
          for (var r = 0u; r < FW; r++) {
            predicted += select(0.0, dt[r] * v[r], r < span);
          }
        } else {
          for (var r = 0u; r < span; r++) {
            predicted += intervalYears(k + r) * scratch[at(slot + k + r)];
          }
        }
        block += cosSin(y - wordSign(word) * predicted);
        inBlock++;
        if (inBlock == BLOCK) {
          sum += block;
          block = vec2<f32>(0.0, 0.0);
          inBlock = 0u;
        }
      }
    }
    if (windowed) {
      for (var r = 0u; r < FB; r++) {
        dt[r] = dt[r + 1u];
        v[r] = v[r + 1u];
      }
      dt[FB] = 0.0;
      v[FB] = 0.0;
      if (k + FW < m) {
        dt[FB] = intervalYears(k + FW);
        v[FB] = scratch[at(slot + k + FW)];
      }
    }
  }
  if (!finite) {
    writeUnsolved(pixel, STATUS_NEEDS_FLOAT64, nValid);
    return;
  }
  sum += block;
  outputs[nDates * n + pixel] = sqrt(sum.x * sum.x + sum.y * sum.y) / f32(nValid);
  outputs[(nDates + 1u) * n + pixel] = f32(nValid);
  outputs[(nDates + 2u) * n + pixel] = f32(STATUS_SOLVED);
}

// Back substitution Lᵀ x = z in place in slots [slot, slot + N − 1), L the fast path's factor
// (rows at k × FW); with `add`, x is added to the slots `addSlot` instead (the refinement's
// correction). The factor's rows below the current one stay in registers.
fn fastBackSubstitution(slot: u32, addSlot: u32, add: bool) {
  let m = params.nDates - 1u;
  var rows: array<array<f32, FW>, FW>;
  var xNext: array<f32, FW>;
  for (var kk = 0u; kk < m; kk++) {
    let k = m - 1u - kk;
    var row: array<f32, FW>;
    for (var d = 0u; d < FW; d++) {
      row[d] = scratch[at(k * FW + d)];
    }
    var s = scratch[at(slot + k)];
    for (var e = 1u; e < FW; e++) {
      s -= rows[e][e] * xNext[e];
    }
    let xk = s / row[0];
    if (add) {
      scratch[at(addSlot + k)] += xk;
    } else {
      scratch[at(slot + k)] = xk;
    }
    for (var t = 0u; t < FB - 1u; t++) {
      let e = FB - t;
      rows[e] = rows[e - 1u];
      xNext[e] = xNext[e - 1u];
    }
    rows[1] = row;
    xNext[1] = xk;
  }
}

// The fast path (see the header). False when the pixel's network is split: nothing is written
// (the caller marks it STATUS_SPLIT).
fn invertFast(pixel: u32) -> bool {
  let n = params.nPixels;
  let nIfgrams = params.nIfgrams;
  let nDates = params.nDates;
  let m = nDates - 1u;
  let weighted = params.weighted != 0u;
  let solution = m * FW;
  let correction = solution + m;

  // Pass A. a[r][d] = (BᵀWB)[k + r][k + r − d], rhs[r] = (BᵀWy)[k + r], dt[r] = dt_{k+r};
  // lPrev[q][d] = L[k − q][k − q − d] and zPrev[q] = z_{k−q} (q ≥ 1; rows before 0 have a unit
  // diagonal and zeros, so the first rows need no special case); count[t] and label[t] of date
  // k + t (labels: a date index of the component's, unique per component in the window).
  var a: array<array<f32, FW>, FW>;
  var rhs: array<f32, FW>;
  var dt: array<f32, FW>;
  var lPrev: array<array<f32, FW>, FW>;
  var zPrev: array<f32, FW>;
  var count: array<f32, FD>;
  var label: array<u32, FD>;
  for (var r = 0u; r < FW; r++) {
    lPrev[r][0] = 1.0;
    if (r < m) {
      dt[r] = intervalYears(r);
    }
  }
  for (var t = 0u; t < FD; t++) {
    label[t] = t;
  }
  var nValid = 0u;
  // An infinite phase or a √weight not finite and positive: the float64 reference decides.
  var refused = false;
  var lowRedundancy = false;
  var split = false;
  var tinyPivot = false;
  var minPivot = PIVOT_CEILING;
  var maxDiagonal = 0.0;
  for (var k = 0u; k < m; k++) {
    let end = groupStart(k + 1u);
    for (var i = groupStart(k); i < end; i++) {
      let word = network[i];
      let ifgram = wordIfgram(word);
      let y = inputs[ifgram * n + pixel];
      if (!isNan(y)) {
        nValid++;
        let span = wordSpan(word);
        var w = 1.0;
        if (weighted) {
          let sw = inputs[(nIfgrams + ifgram) * n + pixel];
          refused = refused | isNotFinite(sw) | !(sw > 0.0);
          w = sw * sw;
        }
        refused = refused | isNotFinite(y);
        let wy = w * wordSign(word) * y;
        // Counts of dates k and k + span; date k + span's component joins date k's.
        count[0] += 1.0;
        var other = label[0];
        for (var t = 1u; t < FD; t++) {
          count[t] += select(0.0, 1.0, t == span);
          other = select(other, label[t], t == span);
        }
        for (var t = 1u; t < FD; t++) {
          label[t] = select(label[t], label[0], label[t] == other);
        }
        // Rows k … k + span − 1: r[k + r] += (w s y) dt_{k+r}, N[k + r][k + c] += (w dt_{k+r}) dt_{k+c}.
        for (var r = 0u; r < FW; r++) {
          let inside = r < span;
          rhs[r] += select(0.0, wy * dt[r], inside);
          let wd = select(0.0, w, inside) * dt[r];
          for (var c = 0u; c < FW; c++) {
            if (c <= r) {
              a[r][r - c] += wd * dt[c];
            }
          }
        }
      }
    }

    // Date k is complete: its count, and whether its component reaches a later date.
    if (k != params.redundancyExemptDate && count[0] < params.minRedundancy) {
      lowRedundancy = true;
    }
    var linked = false;
    for (var t = 1u; t < FD; t++) {
      linked = linked | (label[t] == label[0]);
    }
    split = split | !linked;

    // Row k of BᵀWB is complete: row k of the factor (row[d] = L[k][k − d]), in the general
    // path's order, and the forward substitution.
    var row: array<f32, FW>;
    for (var t = 0u; t < FB; t++) {
      let d = FB - t;
      var s = a[0][d];
      for (var u = 0u; u < FB; u++) {
        let e = FB - u;
        if (e > d) {
          s -= row[e] * lPrev[d][e - d];
        }
      }
      row[d] = s / lPrev[d][0];
    }
    let diagonal = a[0][0];
    var pivot = diagonal;
    for (var t = 0u; t < FB; t++) {
      let e = FB - t;
      pivot -= row[e] * row[e];
    }
    tinyPivot = tinyPivot | !(pivot > params.pivotFloor * diagonal);
    minPivot = min(minPivot, pivot);
    maxDiagonal = max(maxDiagonal, diagonal);
    row[0] = sqrt(pivot);
    var z = rhs[0];
    for (var t = 0u; t < FB; t++) {
      let e = FB - t;
      z -= row[e] * zPrev[e];
    }
    z = z / row[0];
    for (var d = 0u; d < FW; d++) {
      scratch[at(k * FW + d)] = row[d];
    }
    scratch[at(solution + k)] = z;

    // Slide the windows one date on.
    for (var t = 0u; t < FB - 1u; t++) {
      let q = FB - t;
      lPrev[q] = lPrev[q - 1u];
      zPrev[q] = zPrev[q - 1u];
    }
    lPrev[1] = row;
    zPrev[1] = z;
    for (var r = 0u; r < FB; r++) {
      a[r] = a[r + 1u];
      rhs[r] = rhs[r + 1u];
      dt[r] = dt[r + 1u];
    }
    a[FB] = array<f32, FW>();
    rhs[FB] = 0.0;
    dt[FB] = 0.0;
    if (k + FW < m) {
      dt[FB] = intervalYears(k + FW);
    }
    for (var t = 0u; t < FD - 1u; t++) {
      count[t] = count[t + 1u];
      label[t] = label[t + 1u];
    }
    count[FD - 1u] = 0.0;
    label[FD - 1u] = k + FD;
  }
  // The last date.
  if (m != params.redundancyExemptDate && count[0] < params.minRedundancy) {
    lowRedundancy = true;
  }

  if (nValid == 0u) {
    writeUnsolved(pixel, STATUS_NO_DATA, 0u);
    return true;
  }
  if (lowRedundancy) {
    writeUnsolved(pixel, STATUS_REDUNDANCY, 0u);
    return true;
  }
  if (refused) {
    writeUnsolved(pixel, STATUS_NEEDS_FLOAT64, nValid);
    return true;
  }
  if (split) {
    return false;
  }
  var scale = maxDiagonal;
  if (!(scale > 0.0)) {
    scale = 1.0;
  }
  if (tinyPivot || !(minPivot > params.scalePivotFloor * scale)) {
    writeUnsolved(pixel, STATUS_NEEDS_FLOAT64, nValid);
    return true;
  }

  // Pass B.
  fastBackSubstitution(solution, 0u, false);

  // Iterative refinement (see invertGeneral): the residual BᵀW(y − B v) summed in a sweep like
  // pass A's, each row forward-substituted once complete, then the back substitution adds the
  // correction to v.
  for (var step = 0u; step < REFINEMENT_STEPS; step++) {
    var v: array<f32, FW>;
    var residual: array<f32, FW>;
    var zPrevC: array<f32, FW>;
    for (var r = 0u; r < FW; r++) {
      dt[r] = 0.0;
      if (r < m) {
        dt[r] = intervalYears(r);
        v[r] = scratch[at(solution + r)];
      }
    }
    for (var k = 0u; k < m; k++) {
      let end = groupStart(k + 1u);
      for (var i = groupStart(k); i < end; i++) {
        let word = network[i];
        let ifgram = wordIfgram(word);
        let y = inputs[ifgram * n + pixel];
        if (!isNan(y)) {
          let span = wordSpan(word);
          var w = 1.0;
          if (weighted) {
            let sw = inputs[(nIfgrams + ifgram) * n + pixel];
            w = sw * sw;
          }
          let sign = wordSign(word);
          var predicted = 0.0;
          for (var r = 0u; r < FW; r++) {
            predicted += select(0.0, dt[r] * v[r], r < span);
          }
          let weightedResidual = w * sign * (y - sign * predicted);
          for (var r = 0u; r < FW; r++) {
            residual[r] += select(0.0, weightedResidual * dt[r], r < span);
          }
        }
      }
      var row: array<f32, FW>;
      for (var d = 0u; d < FW; d++) {
        row[d] = scratch[at(k * FW + d)];
      }
      var z = residual[0];
      for (var t = 0u; t < FB; t++) {
        let e = FB - t;
        z -= row[e] * zPrevC[e];
      }
      z = z / row[0];
      scratch[at(correction + k)] = z;
      for (var t = 0u; t < FB - 1u; t++) {
        let q = FB - t;
        zPrevC[q] = zPrevC[q - 1u];
      }
      zPrevC[1] = z;
      for (var r = 0u; r < FB; r++) {
        dt[r] = dt[r + 1u];
        v[r] = v[r + 1u];
        residual[r] = residual[r + 1u];
      }
      dt[FB] = 0.0;
      v[FB] = 0.0;
      residual[FB] = 0.0;
      if (k + FW < m) {
        dt[FB] = intervalYears(k + FW);
        v[FB] = scratch[at(solution + k + FW)];
      }
    }
    fastBackSubstitution(correction, solution, true);
  }

  // Pass E.
  seriesAndCoherence(pixel, solution, nValid);
  return true;
}

// The general path (see the header): any network, split or not, any bandwidth.
fn invertGeneral(pixel: u32) {
  let n = params.nPixels;
  let nIfgrams = params.nIfgrams;
  let nDates = params.nDates;
  let m = nDates - 1u;
  let b = params.halfBandwidth;

  // Pass 1: valid count, per-date counts, components.
  for (var j = 0u; j < nDates; j++) {
    scratch[at(params.parentSlot + j)] = f32(j);
    scratch[at(params.labelSlot + j)] = 0.0;
  }
  var nValid = 0u;
  for (var k = 0u; k < m; k++) {
    let end = groupStart(k + 1u);
    for (var i = groupStart(k); i < end; i++) {
      let word = network[i];
      if (!isNan(inputs[wordIfgram(word) * n + pixel])) {
        nValid++;
        let hi = k + wordSpan(word);
        scratch[at(params.labelSlot + k)] += 1.0;
        scratch[at(params.labelSlot + hi)] += 1.0;
        unite(k, hi);
      }
    }
  }
  if (nValid == 0u) {
    writeUnsolved(pixel, STATUS_NO_DATA, 0u);
    return;
  }
  // MintPy: min over A's columns (every date but the exempt one) of the valid count.
  for (var j = 0u; j < nDates; j++) {
    if (j != params.redundancyExemptDate && scratch[at(params.labelSlot + j)] < params.minRedundancy) {
      writeUnsolved(pixel, STATUS_REDUNDANCY, 0u);
      return;
    }
  }

  // Pass 2: the band of BᵀWB and BᵀWy (only the band and the right-hand side are cleared).
  let bandSlots = m * (b + 1u);
  for (var s = 0u; s < bandSlots; s++) {
    scratch[at(s)] = 0.0;
  }
  for (var k = 0u; k < m; k++) {
    scratch[solutionAt(k)] = 0.0;
  }
  var refused = false;
  for (var lo = 0u; lo < m; lo++) {
    let end = groupStart(lo + 1u);
    for (var i = groupStart(lo); i < end; i++) {
      let word = network[i];
      let ifgram = wordIfgram(word);
      let y = inputs[ifgram * n + pixel];
      if (!isNan(y)) {
        var w = 1.0;
        if (params.weighted != 0u) {
          let sw = inputs[(nIfgrams + ifgram) * n + pixel];
          refused = refused | isNotFinite(sw) | !(sw > 0.0);
          w = sw * sw;
        }
        refused = refused | isNotFinite(y);
        let hi = lo + wordSpan(word);
        let wy = w * wordSign(word) * y;
        for (var k = lo; k < hi; k++) {
          let dtk = intervalYears(k);
          scratch[solutionAt(k)] += wy * dtk;
          let wdk = w * dtk;
          for (var l = lo; l <= k; l++) {
            scratch[bandAt(k, k - l)] += wdk * intervalYears(l);
          }
        }
      }
    }
  }
  if (refused) {
    writeUnsolved(pixel, STATUS_NEEDS_FLOAT64, nValid);
    return;
  }

  // Components in date order (the counts' slots now hold labels); pin v[min(C) − 1].
  var pinScale = 0.0;
  for (var k = 0u; k < m; k++) {
    pinScale = max(pinScale, scratch[bandAt(k, 0u)]);
  }
  if (!(pinScale > 0.0)) {
    pinScale = 1.0;
  }
  var nComponents = 0u;
  for (var j = 0u; j < nDates; j++) {
    let root = findRoot(j);
    if (root == j) {
      scratch[at(params.labelSlot + j)] = f32(nComponents);
      if (j > 0u) {
        scratch[bandAt(j - 1u, 0u)] += pinScale;
      }
      nComponents++;
    } else {
      scratch[at(params.labelSlot + j)] = scratch[at(params.labelSlot + root)];
    }
  }
  // Null-space vectors to project out (components but date 0's).
  let c = nComponents - 1u;
  if (nComponents > MAX_COMPONENTS) {
    writeUnsolved(pixel, STATUS_NEEDS_FLOAT64, nValid);
    return;
  }

  // Banded Cholesky in place.
  for (var k = 0u; k < m; k++) {
    let j0 = select(0u, k - b, k > b);
    for (var j = j0; j < k; j++) {
      var s = scratch[bandAt(k, k - j)];
      for (var i = j0; i < j; i++) {
        s -= scratch[bandAt(k, k - i)] * scratch[bandAt(j, j - i)];
      }
      scratch[bandAt(k, k - j)] = s / scratch[bandAt(j, 0u)];
    }
    let diagonal = scratch[bandAt(k, 0u)];
    var pivot = diagonal;
    for (var i = j0; i < k; i++) {
      let l = scratch[bandAt(k, k - i)];
      pivot -= l * l;
    }
    if (!(pivot > params.pivotFloor * diagonal) || !(pivot > params.scalePivotFloor * pinScale)) {
      writeUnsolved(pixel, STATUS_NEEDS_FLOAT64, nValid);
      return;
    }
    scratch[bandAt(k, 0u)] = sqrt(pivot);
  }
  choleskySolveInPlace(params.solutionSlot);

  // Iterative refinement (corrected semi-normal equations): the residual of the pinned system,
  // r = BᵀW(y − B v) − pinScale Σ_C v[k_C] e_{k_C}, from the interferograms themselves rather
  // than from BᵀWB, solved with the same factor. Forming BᵀWB in float32 squares cond(W^½B);
  // one correction brings the error back to that of a float32 QR or SVD of W^½B (MintPy's own
  // sgelsd), e.g. 1e-3 → 3e-5 mm on an interleaved split network of cond(BᵀWB) 3e4.
  for (var step = 0u; step < REFINEMENT_STEPS; step++) {
    for (var k = 0u; k < m; k++) {
      scratch[at(params.correctionSlot + k)] = 0.0;
    }
    for (var lo = 0u; lo < m; lo++) {
      let end = groupStart(lo + 1u);
      for (var i = groupStart(lo); i < end; i++) {
        let word = network[i];
        let ifgram = wordIfgram(word);
        let y = inputs[ifgram * n + pixel];
        if (!isNan(y)) {
          var w = 1.0;
          if (params.weighted != 0u) {
            let sw = inputs[(nIfgrams + ifgram) * n + pixel];
            w = sw * sw;
          }
          let hi = lo + wordSpan(word);
          let sign = wordSign(word);
          var predicted = 0.0;
          for (var k = lo; k < hi; k++) {
            predicted += intervalYears(k) * scratch[solutionAt(k)];
          }
          let weightedResidual = w * sign * (y - sign * predicted);
          for (var k = lo; k < hi; k++) {
            scratch[at(params.correctionSlot + k)] += weightedResidual * intervalYears(k);
          }
        }
      }
    }
    // Labels are numbered in date order: component `next` starts at the first date carrying it.
    var next = 1u;
    for (var j = 1u; j < nDates && next < nComponents; j++) {
      if (u32(scratch[at(params.labelSlot + j)]) == next) {
        scratch[at(params.correctionSlot + j - 1u)] -= pinScale * scratch[solutionAt(j - 1u)];
        next++;
      }
    }
    choleskySolveInPlace(params.correctionSlot);
    for (var k = 0u; k < m; k++) {
      scratch[solutionAt(k)] += scratch[at(params.correctionSlot + k)];
    }
  }

  // Minimum norm: v ← v − Σ_C α_C n_C over the components' null-space vectors
  // n_C[k] = (1_C(k+1) − 1_C(k))/dt_k, non-zero only where the label changes between dates k and
  // k + 1. All nComponents vectors are used, date 0's too: they sum to zero, so their Gram matrix
  // Ĝ is a graph Laplacian of the components (edge weights 1/dt² per boundary interval) and any
  // one α may be fixed; the projection is the same whichever. Fixing date 0's (the basis n_1 … n_c
  // of the float64 reference) is ill-conditioned when date 0's component is small (Ĝ's near-null
  // vector is then nearly in the reduced system: 1.4e-5 rad of common offset, 6e-5 mm, on a
  // 5-component interleaved pixel); fixing the component with the largest diagonal is not.
  if (c > 0u) {
    let nc = nComponents;
    for (var s = 0u; s < nc * nc; s++) {
      scratch[at(params.gramSlot + s)] = 0.0;
    }
    for (var s = 0u; s < nc; s++) {
      scratch[at(params.gramRhsSlot + s)] = 0.0;
    }
    for (var k = 0u; k < m; k++) {
      let la = u32(scratch[at(params.labelSlot + k)]);
      let lz = u32(scratch[at(params.labelSlot + k + 1u)]);
      if (la == lz) {
        continue;
      }
      let inv = 1.0 / intervalYears(k);
      let inv2 = inv * inv;
      let vk = scratch[solutionAt(k)];
      scratch[at(params.gramSlot + la * nc + la)] += inv2;
      scratch[at(params.gramSlot + lz * nc + lz)] += inv2;
      scratch[at(params.gramSlot + la * nc + lz)] -= inv2;
      scratch[at(params.gramSlot + lz * nc + la)] -= inv2;
      scratch[at(params.gramRhsSlot + la)] -= vk * inv;
      scratch[at(params.gramRhsSlot + lz)] += vk * inv;
    }
    var grounded = 0u;
    for (var q = 1u; q < nc; q++) {
      if (scratch[at(params.gramSlot + q * nc + q)] > scratch[at(params.gramSlot + grounded * nc + grounded)]) {
        grounded = q;
      }
    }
    // Dense Cholesky of Ĝ without the grounded row and column (reduced index i ↦ component
    // i + (i ≥ grounded)), lower triangle in place, then the solve for α.
    for (var j = 0u; j < c; j++) {
      let cj = j + select(0u, 1u, j >= grounded);
      let diagonal = scratch[at(params.gramSlot + cj * nc + cj)];
      var pivot = diagonal;
      for (var k = 0u; k < j; k++) {
        let ck = k + select(0u, 1u, k >= grounded);
        let l = scratch[at(params.gramSlot + cj * nc + ck)];
        pivot -= l * l;
      }
      if (!(pivot > params.pivotFloor * diagonal)) {
        writeUnsolved(pixel, STATUS_NEEDS_FLOAT64, nValid);
        return;
      }
      let ljj = sqrt(pivot);
      scratch[at(params.gramSlot + cj * nc + cj)] = ljj;
      for (var i = j + 1u; i < c; i++) {
        let ci = i + select(0u, 1u, i >= grounded);
        var s = scratch[at(params.gramSlot + ci * nc + cj)];
        for (var k = 0u; k < j; k++) {
          let ck = k + select(0u, 1u, k >= grounded);
          s -= scratch[at(params.gramSlot + ci * nc + ck)] * scratch[at(params.gramSlot + cj * nc + ck)];
        }
        scratch[at(params.gramSlot + ci * nc + cj)] = s / ljj;
      }
    }
    for (var i = 0u; i < c; i++) {
      let ci = i + select(0u, 1u, i >= grounded);
      var s = scratch[at(params.gramRhsSlot + ci)];
      for (var k = 0u; k < i; k++) {
        let ck = k + select(0u, 1u, k >= grounded);
        s -= scratch[at(params.gramSlot + ci * nc + ck)] * scratch[at(params.gramRhsSlot + ck)];
      }
      scratch[at(params.gramRhsSlot + ci)] = s / scratch[at(params.gramSlot + ci * nc + ci)];
    }
    for (var ii = 0u; ii < c; ii++) {
      let i = c - 1u - ii;
      let ci = i + select(0u, 1u, i >= grounded);
      var s = scratch[at(params.gramRhsSlot + ci)];
      for (var k = i + 1u; k < c; k++) {
        let ck = k + select(0u, 1u, k >= grounded);
        s -= scratch[at(params.gramSlot + ck * nc + ci)] * scratch[at(params.gramRhsSlot + ck)];
      }
      scratch[at(params.gramRhsSlot + ci)] = s / scratch[at(params.gramSlot + ci * nc + ci)];
    }
    scratch[at(params.gramRhsSlot + grounded)] = 0.0;
    for (var k = 0u; k < m; k++) {
      let la = u32(scratch[at(params.labelSlot + k)]);
      let lz = u32(scratch[at(params.labelSlot + k + 1u)]);
      if (la == lz) {
        continue;
      }
      let inv = 1.0 / intervalYears(k);
      scratch[solutionAt(k)] += (scratch[at(params.gramRhsSlot + la)] - scratch[at(params.gramRhsSlot + lz)]) * inv;
    }
  }

  // The series ts_j = Σ_{k<j} dt_k v_k, the products dt_k v_k rounded to float32 as MintPy's
  // X · tbase_diff, summed in blocks of 16 intervals. A plain float32 cumsum (MintPy's) rounds at
  // the series' magnitude at every date: over 285 intervals and ~100 rad that random walk alone
  // reached 2.4e-4 mm from the float64 answer, most of the 3e-4 mm bar, and it is not MintPy's
  // own rounding either (its X differs from ours in the last bits). A compensated (Kahan) sum
  // does not survive the compiler (Mesa folds (a + b) − a to b); the blocked sum needs no exact
  // rounding and leaves ~1.2 roundings at the series' magnitude (6e-5 mm measured).
  seriesAndCoherence(pixel, params.solutionSlot, nValid);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn invertPixels(@builtin(global_invocation_id) gid: vec3<u32>) {
  let pixel = gid.x + gid.y * params.rowStridePixels;
  let n = params.nPixels;
  if (pixel >= n) {
    return;
  }
  // This pixel's group of SCRATCH_GROUP (fewer in the chunk's last group).
  let groupFirst = pixel - pixel % SCRATCH_GROUP;
  scratchStride = min(SCRATCH_GROUP, n - groupFirst);
  scratchBase = groupFirst * params.scratchPlanes + (pixel - groupFirst);
  // One path per pipeline (FAST_PATH is a constant: the other is compiled out).
  if (FAST_PATH != 0u) {
    if (!invertFast(pixel)) {
      writeUnsolved(pixel, STATUS_SPLIT, 0u);
    }
  } else {
    invertGeneral(pixel);
  }
}
