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

/**
 * Pivot floor of the inversion's float32 banded Cholesky (shaders/invert.wgsl) against the
 * pivot's own (pinned) diagonal: below it the columns are dependent to float32 and the pixel is
 * marked NEEDS_FLOAT64, re-solved by the float64 reference. Pivot ratios of real networks sit
 * around 0.1 (0.003 for pathological interleaved splits), far above it.
 */
export const GPU_INVERSION_RELATIVE_PIVOT_FLOOR = 1e-5;

/**
 * Pivot floor of the same factorisation against BᵀWB's largest diagonal. The float64 reference
 * (CPU_INVERSION_RELATIVE_PIVOT_FLOOR = 1e-8 in src/cpu/invert.ts) takes its SVD path, gelsd's
 * truncation of small singular values, below 1e-8 of that scale (a column of tiny weight, e.g.
 * one interferogram bridging two parts of the network, has a tiny pivot while its ratio to its
 * own diagonal stays large); 10× above it, so every such pixel goes to the reference despite
 * float32's rounding of the pivot.
 */
export const GPU_INVERSION_SCALE_PIVOT_FLOOR = 1e-7;
