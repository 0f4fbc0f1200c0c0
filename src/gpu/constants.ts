// Numbers every GPU kernel module shares, defined once (issue 20): kernel modules do not import
// each other, so what two of them need lives here (or in plane-program.ts / compute.ts).

/** Invocations per workgroup: a multiple of 32 and 64 (warp, wavefront), within compat limits. */
export const DEFAULT_WORKGROUP_SIZE = 64;

/**
 * Relative Cholesky pivot floor in float32 (shaders/fit.wgsl, shaders/seasons.wgsl). The float64
 * reference refuses a pivot below 1e-9 of its original diagonal; in float32 the Gram sums
 * themselves carry relative rounding of order n·2⁻²⁴ (≈ 1e-5 for a few hundred epochs), so a
 * pivot below that is rounding noise and the columns are, to float32, dependent (e.g. every
 * epoch on the same few days of the year).
 */
export const GPU_CHOLESKY_RELATIVE_PIVOT_FLOOR = 1e-5;

/** The quiet NaN's bits, passed in the uniforms (a NaN constant does not compile in WGSL). */
export const QUIET_NAN_BITS = 0x7fc00000;
