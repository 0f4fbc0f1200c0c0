// Small dense symmetric positive-definite solves: the fit's per-pixel normal equations (≤ 7 × 7) and
// the inversion's Gram matrix of a split network's null space (src/cpu/invert.ts).
// Matrices are row-major Float64Array(n × n). Cholesky because normal matrices are SPD when
// the design has full column rank; a pivot that collapses relative to its diagonal means the
// epochs cannot separate the model's columns (e.g. all in one season) and the fit is refused.

/** Relative pivot floor: pivot ≤ this × original diagonal ⇒ rank deficient. */
export const CHOLESKY_RELATIVE_PIVOT_FLOOR = 1e-9;

/**
 * In-place Cholesky factorisation A = L Lᵀ (lower triangle of `a` becomes L).
 * Returns false when A is not (numerically) positive definite.
 */
export function choleskyInPlace(a: Float64Array, n: number, relativeFloor = CHOLESKY_RELATIVE_PIVOT_FLOOR): boolean {
  for (let j = 0; j < n; j++) {
    const diagonal = a[j * n + j];
    let pivot = diagonal;
    for (let k = 0; k < j; k++) pivot -= a[j * n + k] * a[j * n + k];
    if (!(pivot > relativeFloor * Math.abs(diagonal)) || !(pivot > 0)) return false;
    const ljj = Math.sqrt(pivot);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / ljj;
    }
  }
  return true;
}

/** Solves L Lᵀ x = b in place in `b`, with L from choleskyInPlace. */
export function choleskySolveInPlace(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * b[k];
    b[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * b[k];
    b[i] = s / l[i * n + i];
  }
}

/** Element (i, j) of A⁻¹ from its Cholesky factor: solves for column j. */
export function choleskyInverseColumn(l: Float64Array, n: number, j: number, out: Float64Array): void {
  out.fill(0);
  out[j] = 1;
  choleskySolveInPlace(l, n, out);
}
