// The "by year" view of `permasar seasons` (issue 15): a year slider over the yearly amplitude
// maps (one colour range for all years, so they compare), and, for a clicked pixel, its yearly
// amplitudes with ±1σ error bars and the weighted trend line. Maps are drawn by the CLI's
// renderer (MapView → src/plot/raster.ts); the plot by src/plot's timeSeriesPlot.
import type { RasterGrid } from '../core/grid.ts';
import type { PixelSeasons } from '../core/fit-detail.ts';
import { robustRange, type RasterQuicklookOptions } from '../plot/raster.ts';
import { timeSeriesPlot } from '../plot/charts.ts';
import { lonLatExtent } from '../pipeline/fit-quicklooks.ts';
import { MapView, toImageData, type MapViewEvents } from './map-view.ts';
import type { SharedView } from './view-transform.ts';
import type { FitOutcome } from './protocol.ts';

export interface YearsView {
  view: MapView;
  figure: HTMLElement;
  plotCanvas: HTMLCanvasElement;
}

/** The slider, the map of the chosen year, and the (empty) pixel plot; null when no year qualifies. */
export function createYearsView(o: FitOutcome, subtitle: string, shared: SharedView, events: MapViewEvents): YearsView | null {
  const { years, amplitudeByYearMm } = o.seasons;
  if (!years.length) return null;
  const grid: RasterGrid = o.grid;
  const all = new Float32Array(amplitudeByYearMm.reduce((s, a) => s + a.length, 0));
  amplitudeByYearMm.forEach((a, y) => all.set(a, y * a.length));
  const range = robustRange(all);
  const view = new MapView('amplitudeByYear', shared, events);
  view.grid = grid;
  const figure = document.createElement('figure');
  figure.className = 'map-figure years-figure';
  figure.id = 'years-view';
  const label = document.createElement('label');
  label.className = 'years-slider';
  const slider = document.createElement('input');
  slider.type = 'range';
  slider.id = 'year-slider';
  slider.min = '0';
  slider.max = String(years.length - 1);
  slider.step = '1';
  slider.value = String(years.length - 1);
  const yearText = document.createElement('b');
  label.append('By year: ', slider, ' ', yearText);
  const draw = (k: number): void => {
    yearText.textContent = String(years[k]);
    view.canvas.dataset.year = String(years[k]);
    view.render({
      width: grid.width, height: grid.height, extent: lonLatExtent(grid), subtitle, maxSize: 560, minSize: 360,
      data: amplitudeByYearMm[k], title: `Seasonal LOS amplitude of ${years[k]}, peak to trough`, unitLabel: 'mm', colormap: 'viridis', range,
    } as RasterQuicklookOptions);
  };
  slider.addEventListener('input', () => draw(Number(slider.value)));
  const plotCanvas = document.createElement('canvas');
  plotCanvas.id = 'years-canvas';
  plotCanvas.className = 'years-canvas';
  figure.append(label, view.canvas, plotCanvas);
  draw(years.length - 1);
  return { view, figure, plotCanvas };
}

/** The pixel's yearly amplitudes, ±1σ bars and the trend line; returns the years drawn. */
export function drawYearsPlot(canvas: HTMLCanvasElement, seasons: PixelSeasons | null | undefined, title: string): number {
  const years = seasons?.years.filter((y) => Number.isFinite(y.amplitudeMm)) ?? [];
  canvas.dataset.points = String(years.length);
  if (!seasons || !years.length) {
    canvas.width = 0;
    canvas.height = 0;
    return 0;
  }
  const mid = (y: number) => y + 0.5;
  const bars = { t: [] as number[], v: [] as number[] };
  for (const y of years) bars.t.push(mid(y.year), mid(y.year), NaN), bars.v.push(y.amplitudeMm - y.amplitudeStdMm, y.amplitudeMm + y.amplitudeStdMm, NaN);
  const series = [
    { label: 'amplitude of the year (peak to trough)', t: years.map((y) => mid(y.year)), values: years.map((y) => y.amplitudeMm), style: 'points' as const, color: '#1f77b4' },
    { label: '±1σ', t: bars.t, values: bars.v, style: 'line' as const, color: '#7f9fbf' },
  ];
  const trend = seasons.trend;
  if (trend) {
    const all = seasons.years.map((y) => y.year);
    const centre = all.reduce((a, b) => a + b, 0) / all.length;
    const ends = [all[0], all[all.length - 1]];
    series.push({ label: `trend ${trend.slopeMmPerYear.toFixed(2)} ± ${trend.slopeStdMmPerYear.toFixed(2)} mm/yr`, t: ends.map(mid), values: ends.map((y) => trend.interceptMm + trend.slopeMmPerYear * (y - centre)), style: 'line' as const, color: '#d62728' });
  }
  const image = timeSeriesPlot({
    title, series, yLabel: 'amplitude (mm)', width: 720, height: 300,
    xRange: [seasons.years[0].year, seasons.years[seasons.years.length - 1].year + 1],
  });
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.getContext('2d')!.putImageData(toImageData(image), 0, 0);
  return years.length;
}
