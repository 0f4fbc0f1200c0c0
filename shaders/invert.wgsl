// permasar network inversion (../shared/INVERSION.md §2.6–§2.7, §7; the estimator is written
// out at the head of src/core/inversion.ts and src/cpu/invert.ts), float32, one invocation per
// pixel: MintPy's minimum-norm velocity solution through the banded normal equations of B, with
// the null space of a split network projected out (no SVD). The float64 reference is
// src/cpu/invert.ts; a pixel this kernel cannot solve safely in float32 is marked
// STATUS_NEEDS_FLOAT64 and the host re-solves it there.
//
// Per pixel:
//   Pass 1 over the interferograms: valid count, per-date counts (redundancy), union-find of the
//     dates (a union links the larger root under the smaller, so a root is its component's
//     smallest date).
//   Pass 2: the band of BᵀWB (half-bandwidth b: row k holds columns k − b … k) and BᵀWy.
//   Components labelled in date order; v[min(C) − 1] pinned for every component C but date 0's.
//   Banded Cholesky (pivot floors relative to the pinned diagonal and to BᵀWB's largest
//     diagonal), solve, then iterative
//     refinement with the residual of the interferograms themselves.
//   Projection: Ĝ α = Nᵀ v over all the components' null-space vectors (a graph Laplacian,
//     grounded at its best-connected component), v ← v − N α (INVERSION.md §7.2).
//   ts_j = Σ_{k<j} dt_k v_k (a blocked float32 sum); metres = ts · metresPerRadian.
//   Temporal coherence of the unweighted residual, with this file's own sin/cos (WGSL's built-in
//   ones are only specified to 2⁻¹¹ absolute), summed in blocks of 32 (n·2⁻²⁴ worst case
//   otherwise, ≈ 8e-5 for 1297 interferograms).
//
// All per-pixel arrays live in the scratch binding, plane-major (slot s of pixel p at
// s × nPixels + p, so a warp's accesses coalesce); WGSL caps private memory at 8 KiB and a
// study network needs ~12 KiB per pixel. Slots: the band [0, (N−1)(b+1)), the right-hand side
// then solution (N − 1), the refinement's residual then correction (N − 1), union-find parents
// (N), per-date counts then component labels (N), the components' Gram matrix (MAX_COMPONENTS²)
// and its right-hand side (MAX_COMPONENTS); the host passes the offsets. Integers (parents,
// counts, labels) are stored as exact f32 values.
//
// No-data is detected by bit pattern and NaN is written from the uniforms (see vertical.wgsl).
//
// Substituted by the host (wgslCode in src/gpu/plane-program.ts, the one spot): WORKGROUP_SIZE,
// MAX_COMPONENTS, REFINEMENT_STEPS, STATUS_SOLVED, STATUS_NO_DATA, STATUS_REDUNDANCY, STATUS_NEEDS_FLOAT64.

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
  // Scratch slot offsets (the band starts at slot 0).
  solutionSlot: u32,
  correctionSlot: u32,
  parentSlot: u32,
  labelSlot: u32,
  gramSlot: u32,
  gramRhsSlot: u32,
}

@group(0) @binding(0) var<uniform> params: InvertParams;
// The network: per interferogram i words 3i (start date), 3i + 1 (end date), 3i + 2 (sign, f32
// bits); then dt_k (years, f32 bits) at 3 nIfgrams + k.
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

// By bit pattern: compilers may assume no NaN and fold `v != v` or comparisons with NaN.
fn isNan(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

fn isNotFinite(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u;
}

fn at(slot: u32, pixel: u32) -> u32 {
  return slot * params.nPixels + pixel;
}

fn intervalYears(k: u32) -> f32 {
  return bitcast<f32>(network[3u * params.nIfgrams + k]);
}

// Band element (k, k − d) of the lower band.
fn bandAt(k: u32, d: u32, pixel: u32) -> u32 {
  return at(k * (params.halfBandwidth + 1u) + d, pixel);
}

fn solutionAt(k: u32, pixel: u32) -> u32 {
  return at(params.solutionSlot + k, pixel);
}

fn findRoot(date: u32, pixel: u32) -> u32 {
  var x = date;
  loop {
    let up = u32(scratch[at(params.parentSlot + x, pixel)]);
    if (up == x) {
      break;
    }
    // Path halving: parents only ever point to smaller dates.
    let grand = u32(scratch[at(params.parentSlot + up, pixel)]);
    scratch[at(params.parentSlot + x, pixel)] = f32(grand);
    x = grand;
  }
  return x;
}

fn unite(a: u32, b: u32, pixel: u32) {
  let ra = findRoot(a, pixel);
  let rb = findRoot(b, pixel);
  if (ra < rb) {
    scratch[at(params.parentSlot + rb, pixel)] = f32(ra);
  } else if (rb < ra) {
    scratch[at(params.parentSlot + ra, pixel)] = f32(rb);
  }
}

// (cos e, sin e) to ~1e-7 for |e| up to ~1e5 rad: quadrant reduction, then Taylor polynomials on
// [−π/4, π/4] (truncation below 2e-9).
fn cosSin(e: f32) -> vec2<f32> {
  let q = round(e * TWO_OVER_PI);
  let r = ((e - q * PIO2_1) - q * PIO2_2) - q * PIO2_3;
  let r2 = r * r;
  let s = r + r * r2 * (-1.6666666666666666e-1 + r2 * (8.333333333333333e-3 + r2 * (-1.984126984126984e-4 + r2 * 2.7557319223985893e-6)));
  let c = 1.0 + r2 * (-0.5 + r2 * (4.1666666666666664e-2 + r2 * (-1.388888888888889e-3 + r2 * (2.48015873015873e-5 + r2 * -2.755731922398589e-7))));
  switch (i32(q) & 3) {
    case 0: {
      return vec2<f32>(c, s);
    }
    case 1: {
      return vec2<f32>(-s, c);
    }
    case 2: {
      return vec2<f32>(-c, -s);
    }
    default: {
      return vec2<f32>(s, -c);
    }
  }
}

// Solves L Lᵀ x = r in place in slots [slot, slot + N − 1), L the banded factor.
fn choleskySolveInPlace(slot: u32, pixel: u32) {
  let m = params.nDates - 1u;
  let b = params.halfBandwidth;
  for (var k = 0u; k < m; k++) {
    var s = scratch[at(slot + k, pixel)];
    for (var i = select(0u, k - b, k > b); i < k; i++) {
      s -= scratch[bandAt(k, k - i, pixel)] * scratch[at(slot + i, pixel)];
    }
    scratch[at(slot + k, pixel)] = s / scratch[bandAt(k, 0u, pixel)];
  }
  for (var kk = 0u; kk < m; kk++) {
    let k = m - 1u - kk;
    var s = scratch[at(slot + k, pixel)];
    for (var i = k + 1u; i <= min(m - 1u, k + b); i++) {
      s -= scratch[bandAt(i, i - k, pixel)] * scratch[at(slot + i, pixel)];
    }
    scratch[at(slot + k, pixel)] = s / scratch[bandAt(k, 0u, pixel)];
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

@compute @workgroup_size(WORKGROUP_SIZE)
fn invertPixels(@builtin(global_invocation_id) gid: vec3<u32>) {
  let pixel = gid.x + gid.y * params.rowStridePixels;
  let n = params.nPixels;
  if (pixel >= n) {
    return;
  }
  let nIfgrams = params.nIfgrams;
  let nDates = params.nDates;
  let m = nDates - 1u;
  let b = params.halfBandwidth;

  // Pass 1: valid count, per-date counts, components.
  for (var j = 0u; j < nDates; j++) {
    scratch[at(params.parentSlot + j, pixel)] = f32(j);
    scratch[at(params.labelSlot + j, pixel)] = 0.0;
  }
  var nValid = 0u;
  for (var i = 0u; i < nIfgrams; i++) {
    if (isNan(inputs[i * n + pixel])) {
      continue;
    }
    nValid++;
    let lo = network[3u * i];
    let hi = network[3u * i + 1u];
    scratch[at(params.labelSlot + lo, pixel)] += 1.0;
    scratch[at(params.labelSlot + hi, pixel)] += 1.0;
    unite(lo, hi, pixel);
  }
  if (nValid == 0u) {
    writeUnsolved(pixel, STATUS_NO_DATA, 0u);
    return;
  }
  // MintPy: min over A's columns (every date but the exempt one) of the valid count.
  for (var j = 0u; j < nDates; j++) {
    if (j != params.redundancyExemptDate && scratch[at(params.labelSlot + j, pixel)] < params.minRedundancy) {
      writeUnsolved(pixel, STATUS_REDUNDANCY, 0u);
      return;
    }
  }

  // Pass 2: the band of BᵀWB and BᵀWy.
  let bandSlots = m * (b + 1u);
  for (var s = 0u; s < bandSlots + m; s++) {
    scratch[at(s, pixel)] = 0.0;
  }
  for (var i = 0u; i < nIfgrams; i++) {
    let y = inputs[i * n + pixel];
    if (isNan(y)) {
      continue;
    }
    var w = 1.0;
    if (params.weighted != 0u) {
      let sw = inputs[(nIfgrams + i) * n + pixel];
      if (isNotFinite(sw) || !(sw > 0.0)) {
        writeUnsolved(pixel, STATUS_NEEDS_FLOAT64, nValid);
        return;
      }
      w = sw * sw;
    }
    let lo = network[3u * i];
    let hi = network[3u * i + 1u];
    let wy = w * bitcast<f32>(network[3u * i + 2u]) * y;
    for (var k = lo; k < hi; k++) {
      let dtk = intervalYears(k);
      scratch[solutionAt(k, pixel)] += wy * dtk;
      let wdk = w * dtk;
      for (var l = lo; l <= k; l++) {
        scratch[bandAt(k, k - l, pixel)] += wdk * intervalYears(l);
      }
    }
  }

  // Components in date order (the counts' slots now hold labels); pin v[min(C) − 1].
  var pinScale = 0.0;
  for (var k = 0u; k < m; k++) {
    pinScale = max(pinScale, scratch[bandAt(k, 0u, pixel)]);
  }
  if (!(pinScale > 0.0)) {
    pinScale = 1.0;
  }
  var nComponents = 0u;
  for (var j = 0u; j < nDates; j++) {
    let root = findRoot(j, pixel);
    if (root == j) {
      scratch[at(params.labelSlot + j, pixel)] = f32(nComponents);
      if (j > 0u) {
        scratch[bandAt(j - 1u, 0u, pixel)] += pinScale;
      }
      nComponents++;
    } else {
      scratch[at(params.labelSlot + j, pixel)] = scratch[at(params.labelSlot + root, pixel)];
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
      var s = scratch[bandAt(k, k - j, pixel)];
      for (var i = j0; i < j; i++) {
        s -= scratch[bandAt(k, k - i, pixel)] * scratch[bandAt(j, j - i, pixel)];
      }
      scratch[bandAt(k, k - j, pixel)] = s / scratch[bandAt(j, 0u, pixel)];
    }
    let diagonal = scratch[bandAt(k, 0u, pixel)];
    var pivot = diagonal;
    for (var i = j0; i < k; i++) {
      let l = scratch[bandAt(k, k - i, pixel)];
      pivot -= l * l;
    }
    if (!(pivot > params.pivotFloor * diagonal) || !(pivot > params.scalePivotFloor * pinScale)) {
      writeUnsolved(pixel, STATUS_NEEDS_FLOAT64, nValid);
      return;
    }
    scratch[bandAt(k, 0u, pixel)] = sqrt(pivot);
  }
  choleskySolveInPlace(params.solutionSlot, pixel);

  // Iterative refinement (corrected semi-normal equations): the residual of the pinned system,
  // r = BᵀW(y − B v) − pinScale Σ_C v[k_C] e_{k_C}, from the interferograms themselves rather
  // than from BᵀWB, solved with the same factor. Forming BᵀWB in float32 squares cond(W^½B);
  // one correction brings the error back to that of a float32 QR or SVD of W^½B (MintPy's own
  // sgelsd), e.g. 1e-3 → 3e-5 mm on an interleaved split network of cond(BᵀWB) 3e4.
  for (var step = 0u; step < REFINEMENT_STEPS; step++) {
    for (var k = 0u; k < m; k++) {
      scratch[at(params.correctionSlot + k, pixel)] = 0.0;
    }
    for (var i = 0u; i < nIfgrams; i++) {
      let y = inputs[i * n + pixel];
      if (isNan(y)) {
        continue;
      }
      var w = 1.0;
      if (params.weighted != 0u) {
        let sw = inputs[(nIfgrams + i) * n + pixel];
        w = sw * sw;
      }
      let lo = network[3u * i];
      let hi = network[3u * i + 1u];
      let sign = bitcast<f32>(network[3u * i + 2u]);
      var predicted = 0.0;
      for (var k = lo; k < hi; k++) {
        predicted += intervalYears(k) * scratch[solutionAt(k, pixel)];
      }
      let weightedResidual = w * sign * (y - sign * predicted);
      for (var k = lo; k < hi; k++) {
        scratch[at(params.correctionSlot + k, pixel)] += weightedResidual * intervalYears(k);
      }
    }
    // Labels are numbered in date order: component `next` starts at the first date carrying it.
    var next = 1u;
    for (var j = 1u; j < nDates && next < nComponents; j++) {
      if (u32(scratch[at(params.labelSlot + j, pixel)]) == next) {
        scratch[at(params.correctionSlot + j - 1u, pixel)] -= pinScale * scratch[solutionAt(j - 1u, pixel)];
        next++;
      }
    }
    choleskySolveInPlace(params.correctionSlot, pixel);
    for (var k = 0u; k < m; k++) {
      scratch[solutionAt(k, pixel)] += scratch[at(params.correctionSlot + k, pixel)];
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
      scratch[at(params.gramSlot + s, pixel)] = 0.0;
    }
    for (var s = 0u; s < nc; s++) {
      scratch[at(params.gramRhsSlot + s, pixel)] = 0.0;
    }
    for (var k = 0u; k < m; k++) {
      let la = u32(scratch[at(params.labelSlot + k, pixel)]);
      let lz = u32(scratch[at(params.labelSlot + k + 1u, pixel)]);
      if (la == lz) {
        continue;
      }
      let inv = 1.0 / intervalYears(k);
      let inv2 = inv * inv;
      let vk = scratch[solutionAt(k, pixel)];
      scratch[at(params.gramSlot + la * nc + la, pixel)] += inv2;
      scratch[at(params.gramSlot + lz * nc + lz, pixel)] += inv2;
      scratch[at(params.gramSlot + la * nc + lz, pixel)] -= inv2;
      scratch[at(params.gramSlot + lz * nc + la, pixel)] -= inv2;
      scratch[at(params.gramRhsSlot + la, pixel)] -= vk * inv;
      scratch[at(params.gramRhsSlot + lz, pixel)] += vk * inv;
    }
    var grounded = 0u;
    for (var q = 1u; q < nc; q++) {
      if (scratch[at(params.gramSlot + q * nc + q, pixel)] > scratch[at(params.gramSlot + grounded * nc + grounded, pixel)]) {
        grounded = q;
      }
    }
    // Dense Cholesky of Ĝ without the grounded row and column (reduced index i ↦ component
    // i + (i ≥ grounded)), lower triangle in place, then the solve for α.
    for (var j = 0u; j < c; j++) {
      let cj = j + select(0u, 1u, j >= grounded);
      let diagonal = scratch[at(params.gramSlot + cj * nc + cj, pixel)];
      var pivot = diagonal;
      for (var k = 0u; k < j; k++) {
        let ck = k + select(0u, 1u, k >= grounded);
        let l = scratch[at(params.gramSlot + cj * nc + ck, pixel)];
        pivot -= l * l;
      }
      if (!(pivot > params.pivotFloor * diagonal)) {
        writeUnsolved(pixel, STATUS_NEEDS_FLOAT64, nValid);
        return;
      }
      let ljj = sqrt(pivot);
      scratch[at(params.gramSlot + cj * nc + cj, pixel)] = ljj;
      for (var i = j + 1u; i < c; i++) {
        let ci = i + select(0u, 1u, i >= grounded);
        var s = scratch[at(params.gramSlot + ci * nc + cj, pixel)];
        for (var k = 0u; k < j; k++) {
          let ck = k + select(0u, 1u, k >= grounded);
          s -= scratch[at(params.gramSlot + ci * nc + ck, pixel)] * scratch[at(params.gramSlot + cj * nc + ck, pixel)];
        }
        scratch[at(params.gramSlot + ci * nc + cj, pixel)] = s / ljj;
      }
    }
    for (var i = 0u; i < c; i++) {
      let ci = i + select(0u, 1u, i >= grounded);
      var s = scratch[at(params.gramRhsSlot + ci, pixel)];
      for (var k = 0u; k < i; k++) {
        let ck = k + select(0u, 1u, k >= grounded);
        s -= scratch[at(params.gramSlot + ci * nc + ck, pixel)] * scratch[at(params.gramRhsSlot + ck, pixel)];
      }
      scratch[at(params.gramRhsSlot + ci, pixel)] = s / scratch[at(params.gramSlot + ci * nc + ci, pixel)];
    }
    for (var ii = 0u; ii < c; ii++) {
      let i = c - 1u - ii;
      let ci = i + select(0u, 1u, i >= grounded);
      var s = scratch[at(params.gramRhsSlot + ci, pixel)];
      for (var k = i + 1u; k < c; k++) {
        let ck = k + select(0u, 1u, k >= grounded);
        s -= scratch[at(params.gramSlot + ck * nc + ci, pixel)] * scratch[at(params.gramRhsSlot + ck, pixel)];
      }
      scratch[at(params.gramRhsSlot + ci, pixel)] = s / scratch[at(params.gramSlot + ci * nc + ci, pixel)];
    }
    scratch[at(params.gramRhsSlot + grounded, pixel)] = 0.0;
    for (var k = 0u; k < m; k++) {
      let la = u32(scratch[at(params.labelSlot + k, pixel)]);
      let lz = u32(scratch[at(params.labelSlot + k + 1u, pixel)]);
      if (la == lz) {
        continue;
      }
      let inv = 1.0 / intervalYears(k);
      scratch[solutionAt(k, pixel)] += (scratch[at(params.gramRhsSlot + la, pixel)] - scratch[at(params.gramRhsSlot + lz, pixel)]) * inv;
    }
  }

  // The series ts_j = Σ_{k<j} dt_k v_k, the products dt_k v_k rounded to float32 as MintPy's
  // X · tbase_diff, summed in blocks of 16 intervals. A plain float32 cumsum (MintPy's) rounds at
  // the series' magnitude at every date: over 285 intervals and ~100 rad that random walk alone
  // reached 2.4e-4 mm from the float64 answer, most of the 3e-4 mm bar, and it is not MintPy's
  // own rounding either (its X differs from ours in the last bits). A compensated (Kahan) sum
  // does not survive the compiler (Mesa folds (a + b) − a to b); the blocked sum needs no exact
  // rounding and leaves ~1.2 roundings at the series' magnitude (6e-5 mm measured).
  var tsBase = 0.0;
  var tsPartial = 0.0;
  var finite = true;
  outputs[pixel] = tsBase * params.metresPerRadian;
  for (var k = 0u; k < m; k++) {
    tsPartial += intervalYears(k) * scratch[solutionAt(k, pixel)];
    let ts = tsBase + tsPartial;
    if ((k & 15u) == 15u) {
      tsBase = ts;
      tsPartial = 0.0;
    }
    finite = finite && !isNotFinite(ts);
    outputs[(k + 1u) * n + pixel] = ts * params.metresPerRadian;
  }
  if (!finite) {
    writeUnsolved(pixel, STATUS_NEEDS_FLOAT64, nValid);
    return;
  }

  // Temporal coherence of the unweighted residual e = y − s Σ_{k=lo}^{hi−1} dt_k v_k.
  var sum = vec2<f32>(0.0, 0.0);
  var block = vec2<f32>(0.0, 0.0);
  var inBlock = 0u;
  for (var i = 0u; i < nIfgrams; i++) {
    let y = inputs[i * n + pixel];
    if (isNan(y)) {
      continue;
    }
    let lo = network[3u * i];
    let hi = network[3u * i + 1u];
    var predicted = 0.0;
    for (var k = lo; k < hi; k++) {
      predicted += intervalYears(k) * scratch[solutionAt(k, pixel)];
    }
    block += cosSin(y - bitcast<f32>(network[3u * i + 2u]) * predicted);
    inBlock++;
    if (inBlock == BLOCK) {
      sum += block;
      block = vec2<f32>(0.0, 0.0);
      inBlock = 0u;
    }
  }
  sum += block;
  outputs[nDates * n + pixel] = sqrt(sum.x * sum.x + sum.y * sum.y) / f32(nValid);
  outputs[(nDates + 1u) * n + pixel] = f32(nValid);
  outputs[(nDates + 2u) * n + pixel] = f32(STATUS_SOLVED);
}
