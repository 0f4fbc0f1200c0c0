// The page's movable reference point, as InSAR viewers offer it (MintPy's view.py/tsview.py
// --ref-yx, LiCSBAS's LiCSBAS_plot_ts.py): rates are shown as rate − rate_ref and a pixel's
// series as series − series_ref, date by date. Pure arithmetic, no DOM: the page (results-view.ts)
// and the worker (series) call it, test/web-view-transform.test.ts checks it in Node.
//
// Only what is shown moves: the fit and the downloads stay the CLI's products (whose own
// reference is --ref-lalo / --ref-yx, applied to the stack before the fit). For a linear trend
// fitted on the same epochs, the rate of (series − series_ref) is exactly rate − rate_ref (the
// least-squares slope is linear in the data), so the map and the plot agree wherever the two
// pixels share their valid epochs.

export interface ReferencePixel { row: number; col: number }

/**
 * Why `ref` cannot be the reference of a raster of `width` × `height` whose reference values are
 * `values` (row-major), in one line, or null when it can: it must lie inside and have data.
 */
export function referenceProblem(values: ArrayLike<number>, width: number, height: number, ref: ReferencePixel): string | null {
  if (!Number.isInteger(ref.row) || !Number.isInteger(ref.col) || ref.row < 0 || ref.col < 0 || ref.row >= height || ref.col >= width) {
    return `reference pixel (row ${ref.row}, col ${ref.col}) lies outside the ${width} × ${height} grid`;
  }
  if (!Number.isFinite(values[ref.row * width + ref.col])) {
    return `reference pixel (row ${ref.row}, col ${ref.col}) has no data (no rate there): choose a pixel with a rate`;
  }
  return null;
}

/**
 * values − values[ref] for every pixel (a new array); NaN stays NaN, and the reference pixel
 * itself becomes 0. The caller checks the reference first (referenceProblem).
 */
export function relativeToReference(values: Float32Array, width: number, ref: ReferencePixel): Float32Array {
  const refValue = values[ref.row * width + ref.col];
  const out = new Float32Array(values.length);
  // In float64, then rounded once: the difference of two float32 values is not always a float32.
  for (let i = 0; i < values.length; i++) out[i] = values[i] - refValue;
  return out;
}

/** series − series_ref date by date; NaN where either has no data on that date. */
export function subtractReferenceSeries(series: Float32Array, referenceSeries: Float32Array): Float32Array {
  if (series.length !== referenceSeries.length) throw new Error(`series of ${series.length} dates vs reference of ${referenceSeries.length}`);
  const out = new Float32Array(series.length);
  for (let d = 0; d < series.length; d++) out[d] = series[d] - referenceSeries[d];
  return out;
}
