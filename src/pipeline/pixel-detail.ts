// One pixel's series fitted in detail, for the web app's series and by-year plots: the float64
// reference kernels' per-pixel paths (src/cpu/), i.e. exactly the model behind the products,
// whatever device fitted the tiles. Platform-free; the web worker takes it from here so that no
// web module imports cpu/ itself.
import type { FitContext } from '../core/fit-types.ts';
import type { SeasonsContext } from '../core/seasons.ts';
import type { PixelFit, PixelSeasons } from '../core/fit-detail.ts';
import { fitPixelDetailed } from '../cpu/fit.ts';
import { seasonsPixelDetailed } from '../cpu/seasons.ts';

/**
 * The fit of one series (stored units, NaN = no data) and, when some year qualifies, its per-year
 * amplitudes and their trend (on the fit's rate and seasonality decision, as `seasons` runs them).
 */
export function pixelDetail(series: ArrayLike<number>, context: FitContext, seasons: SeasonsContext | null): { fit: PixelFit; seasons: PixelSeasons | null } {
  const fit = fitPixelDetailed(series, context);
  const rate = fit.eq1 ? fit.eq1.rateMmPerYear : fit.trend ? fit.trend.rateMmPerYear : NaN;
  return { fit, seasons: seasons && seasons.years.length ? seasonsPixelDetailed(series, rate, fit.seasonal, seasons) : null };
}
