// PNG quicklooks of a fit run, from the decimated preview the pipeline kept: rate (diverging,
// white on zero motion), amplitude (sequential), timing (cyclic, the calendar wraps), and the
// seasonal flag (classes). Platform-free: returns (file name, PNG bytes) pairs.
import type { RasterGrid } from '../core/grid.ts';
import type { FitRunResult } from './fit.ts';
import { renderRasterQuicklook, type LonLatExtent } from '../plot/raster.ts';
import { encodePng } from '../plot/png.ts';
import { gridBounds } from '../core/resample.ts';
import { fitProductSpec, SEASONAL_CLASS_COLORS } from '../core/products.ts';
import type { FitProductKey } from '../core/fit-types.ts';

/** The fit products with a PNG quicklook (and a map in the web app), in display order. */
export const FIT_QUICKLOOK_KEYS: readonly FitProductKey[] = ['rateMmPerYear', 'seasonalAmplitudeMm', 'peakDayOfYear', 'seasonalFlag'];

/** The seasonal flag's legend: the two classes with their pixel counts (`count` formats them). */
export function seasonalCategories(seasonal: number, notSeasonal: number, count: (n: number) => string): { value: number; label: string; color: string }[] {
  return [
    { value: 1, label: `seasonal (${count(seasonal)})`, color: SEASONAL_CLASS_COLORS.seasonal },
    { value: 0, label: `not seasonal (${count(notSeasonal)})`, color: SEASONAL_CLASS_COLORS.notSeasonal },
  ];
}

export function lonLatExtent(grid: RasterGrid): LonLatExtent | undefined {
  if (grid.epsg !== 4326) return undefined;
  const [west, south, east, north] = gridBounds(grid);
  return { west, east, south, north };
}

export function renderFitQuicklooks(result: FitRunResult, grid: RasterGrid): [string, Uint8Array][] {
  const { preview } = result;
  const span = `${result.axis.dates[0]}–${result.axis.dates[result.axis.dates.length - 1]}, ${result.axis.dates.length} dates`;
  const base = { width: preview.width, height: preview.height, extent: lonLatExtent(grid), subtitle: span };
  const out: [string, Uint8Array][] = [];
  for (const key of FIT_QUICKLOOK_KEYS) {
    const spec = fitProductSpec(key);
    const look = spec.quicklook!;
    const categories = key === 'seasonalFlag' ? seasonalCategories(result.seasonalPixels, result.nonSeasonalPixels, String) : undefined;
    out.push([spec.file.replace(/\.tif$/, '.png'), encodePng(renderRasterQuicklook({ ...base, data: preview.data[key]!, ...look, ...(categories ? { categories } : {}) }))]);
  }
  return out;
}
