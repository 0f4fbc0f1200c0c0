// PNG quicklooks of a fit run, from the decimated preview the pipeline kept: rate (diverging,
// white on zero motion), amplitude (sequential), timing (cyclic, the calendar wraps), and the
// seasonal flag (classes). Platform-free: returns (file name, PNG bytes) pairs.
import type { RasterGrid } from '../core/grid.ts';
import type { FitRunResult } from './fit.ts';
import { renderRasterQuicklook, type LonLatExtent } from '../plot/raster.ts';
import { encodePng } from '../plot/png.ts';
import { gridBounds } from '../core/resample.ts';

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
  out.push(['rate.png', encodePng(renderRasterQuicklook({ ...base, data: preview.data.rateMmPerYear!, title: 'Secular LOS rate (+ toward satellite)', unitLabel: 'mm/yr', colormap: 'rdbu' }))]);
  out.push(['amplitude.png', encodePng(renderRasterQuicklook({ ...base, data: preview.data.seasonalAmplitudeMm!, title: 'Seasonal LOS amplitude, peak to trough', unitLabel: 'mm', colormap: 'viridis' }))]);
  out.push(['timing.png', encodePng(renderRasterQuicklook({ ...base, data: preview.data.peakDayOfYear!, title: 'Day of year of the seasonal peak', unitLabel: 'day of year', colormap: 'twilight', range: [1, 366] }))]);
  out.push(['seasonal.png', encodePng(renderRasterQuicklook({
    ...base,
    data: preview.data.seasonalFlag!,
    title: 'Seasonality test (extrema within expected ± tolerance)',
    unitLabel: '',
    colormap: 'categorical',
    categories: [
      { value: 1, label: `seasonal (${result.seasonalPixels})`, color: '#1b9e77' },
      { value: 0, label: `not seasonal (${result.nonSeasonalPixels})`, color: '#d95f02' },
    ],
  }))]);
  return out;
}
