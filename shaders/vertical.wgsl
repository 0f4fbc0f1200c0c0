// permasar vertical projection (DESIGN.md §1 "Vertical projection"), float32, one invocation
// per pixel: δ_vertical = δ_LOS / cos θ for the secular rate and the seasonal amplitude of one
// track, assuming purely vertical motion. The float64 reference is verticalTileCpu in
// src/cpu/compare.ts (losToVertical in src/core/decomposition.ts).
//
// θ is in degrees, 0 < θ < 90 (anything else, e.g. MintPy's 0 outside the swath, gives NaN).
// cos is taken of an argument in (0, π/2), inside WGSL's accurate range [−π, π].
//
// Substituted by the host (wgslCode in src/gpu/plane-program.ts, the one spot): WORKGROUP_SIZE.

struct VerticalParams {
  nPixels: u32,
  // Pixels per row of the 2-D dispatch (workgroups in x × WORKGROUP_SIZE).
  rowStridePixels: u32,
  // 0x7fc00000, the quiet NaN (a NaN constant does not compile in WGSL).
  quietNanBits: u32,
  padding: u32,
}

@group(0) @binding(0) var<uniform> params: VerticalParams;
// Plane-major: plane 0 LOS rate (mm/yr), 1 LOS amplitude (mm), 2 incidence (degrees).
@group(0) @binding(1) var<storage, read> inputs: array<f32>;
// Plane-major: plane 0 vertical rate (mm/yr), 1 vertical amplitude (mm).
@group(0) @binding(2) var<storage, read_write> outputs: array<f32>;

const RAD_PER_DEG: f32 = 0.017453292519943295;

// By bit pattern: compilers may assume no NaN and fold `v != v` or comparisons with NaN.
fn isNotFinite(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u;
}

fn projected(losValue: f32, factor: f32) -> f32 {
  if (isNotFinite(losValue)) {
    return bitcast<f32>(params.quietNanBits);
  }
  return losValue * factor;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn verticalPixels(@builtin(global_invocation_id) gid: vec3<u32>) {
  let pixel = gid.x + gid.y * params.rowStridePixels;
  let n = params.nPixels;
  if (pixel >= n) {
    return;
  }
  let incidenceDeg = inputs[2u * n + pixel];
  if (isNotFinite(incidenceDeg) || !(incidenceDeg > 0.0 && incidenceDeg < 90.0)) {
    let nan = bitcast<f32>(params.quietNanBits);
    outputs[pixel] = nan;
    outputs[n + pixel] = nan;
    return;
  }
  let factor = 1.0 / cos(incidenceDeg * RAD_PER_DEG);
  // No-data inputs (no fit; amplitude of a non-seasonal pixel) stay NaN.
  outputs[pixel] = projected(inputs[pixel], factor);
  outputs[n + pixel] = projected(inputs[n + pixel], factor);
}
