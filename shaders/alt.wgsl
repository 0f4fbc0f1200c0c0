// permasar ALT kernel (DESIGN.md §1 "ALT", the study's Eq. 2), float32, one invocation per
// pixel: the thin-plate spline of the frozen water content n at the pixel centre, n clamped to
// [0, N − gap] when it comes from the spline, then
//
//   H = (ρi + n(ρw − ρi)) / ((N − n)(ρw − ρi)) · δ          (Eq. 2, δ and H in metres)
//
// The float64 reference is altPixel in src/cpu/alt.ts: same rules in the same order (N, then
// n, then δ), same status codes (ALT_STATUS in src/core/alt.ts).
//
// Precision. The pixel centre is stepped from (col, row) by an affine map the host computes in
// float64, in the spline's scaled frame (coordinates of order 1 around the sites' centroid),
// so no large coordinate is ever rounded to float32. φ(r) = r² ln r is evaluated as
// ½ r² ln r², with φ(0) = 0 taken explicitly (ln 0 = −∞ and 0·−∞ is NaN).
//
// No-data is detected by bit pattern, not `v != v`, which compilers may fold away; NaN is
// written by bit pattern for the same reason.
//
// Substituted by the host (wgslCode in src/gpu/plane-program.ts, the one spot): WORKGROUP_SIZE.

struct AltParams {
  // Pixels in this dispatch (a chunk of the tile).
  nPixels: u32,
  // Pixels per row of the 2-D dispatch (workgroups in x × WORKGROUP_SIZE).
  rowStridePixels: u32,
  // Tile-local index of the chunk's first pixel, the tile's width and its first grid row:
  // pixel p of the chunk is at grid row row0 + (firstPixel + p) / width, column … % width.
  firstPixel: u32,
  width: u32,
  row0: u32,
  nCentres: u32,
  // 1: clamp the spline's n to [0, N − minThawGap]; 0: constant n, H NaN where N − n < gap.
  clampToThawed: u32,
  // 0x7fc00000, the quiet NaN (a NaN constant does not compile in WGSL).
  quietNanBits: u32,
  xOrigin: f32,
  xPerCol: f32,
  xPerRow: f32,
  yOrigin: f32,
  yPerCol: f32,
  yPerRow: f32,
  affine0: f32,
  affine1: f32,
  affine2: f32,
  iceDensityKgM3: f32,
  // ρw − ρi.
  densityDifferenceKgM3: f32,
  minThawGap: f32,
  amplitudeToMetres: f32,
  padding: u32,
}

@group(0) @binding(0) var<uniform> params: AltParams;
// One vec4 per spline centre: (x, y, weight, unused); at least one entry (unread when none).
@group(0) @binding(1) var<storage, read> centres: array<vec4<f32>>;
// Plane-major: plane 0 amplitude (raster units), plane 1 N (m³/m³).
@group(0) @binding(2) var<storage, read> inputs: array<f32>;
// Plane-major: plane 0 n (f32 bits), 1 H in metres (f32 bits), 2 status (ALT_STATUS).
@group(0) @binding(3) var<storage, read_write> outputs: array<u32>;

const STATUS_OK: u32 = 0u;
const STATUS_CLAMPED_LOW: u32 = 1u;
const STATUS_CLAMPED_HIGH: u32 = 2u;
const STATUS_NO_AMPLITUDE: u32 = 3u;
const STATUS_NEGATIVE_AMPLITUDE: u32 = 4u;
const STATUS_NO_MOISTURE: u32 = 5u;
const STATUS_N_NOT_ABOVE_N: u32 = 6u;

fn isNotFinite(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u;
}

fn write(pixel: u32, n: f32, altM: f32, status: u32) {
  let count = params.nPixels;
  outputs[pixel] = bitcast<u32>(n);
  outputs[count + pixel] = bitcast<u32>(altM);
  outputs[2u * count + pixel] = status;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn altPixels(@builtin(global_invocation_id) gid: vec3<u32>) {
  let pixel = gid.x + gid.y * params.rowStridePixels;
  let count = params.nPixels;
  if (pixel >= count) {
    return;
  }
  let nan = bitcast<f32>(params.quietNanBits);
  let local = params.firstPixel + pixel;
  let col = f32(local % params.width);
  let row = f32(params.row0 + local / params.width);
  let x = params.xOrigin + params.xPerCol * col + params.xPerRow * row;
  let y = params.yOrigin + params.yPerCol * col + params.yPerRow * row;

  // Thin-plate spline of n (src/core/tps.ts): affine part plus Σ w_j φ(|p − c_j|).
  var n = params.affine0 + params.affine1 * x + params.affine2 * y;
  for (var j = 0u; j < params.nCentres; j++) {
    let c = centres[j];
    let dx = x - c.x;
    let dy = y - c.y;
    let r2 = dx * dx + dy * dy;
    if (r2 > 0.0) {
      n += c.z * (0.5 * r2 * log(r2));
    }
  }

  let thawed = inputs[count + pixel];
  let gap = params.minThawGap;
  if (isNotFinite(thawed) || !(thawed > gap)) {
    write(pixel, nan, nan, STATUS_NO_MOISTURE);
    return;
  }
  var status = STATUS_OK;
  if (params.clampToThawed != 0u) {
    // The issue's "clamped to [0, N)", gap below N so that N − n never reaches zero.
    if (n < 0.0) {
      n = 0.0;
      status = STATUS_CLAMPED_LOW;
    } else if (n > thawed - gap) {
      n = thawed - gap;
      status = STATUS_CLAMPED_HIGH;
    }
  } else if (!(thawed - n >= gap)) {
    write(pixel, n, nan, STATUS_N_NOT_ABOVE_N);
    return;
  }

  let amplitude = inputs[pixel];
  if (isNotFinite(amplitude)) {
    write(pixel, n, nan, STATUS_NO_AMPLITUDE);
    return;
  }
  if (amplitude < 0.0) {
    write(pixel, n, nan, STATUS_NEGATIVE_AMPLITUDE);
    return;
  }
  // Eq. 2.
  let deltaRho = params.densityDifferenceKgM3;
  let altM = (params.iceDensityKgM3 + n * deltaRho) / ((thawed - n) * deltaRho) * (amplitude * params.amplitudeToMetres);
  write(pixel, n, altM, status);
}
