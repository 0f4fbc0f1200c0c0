// The results: tabs (one per fitted track, and the direction of motion once both are), the
// summary line, the product maps with their hover readout, and the clicked pixel's series,
// which the track's worker reads and fits on request.
import { pixelCentre } from '../core/grid.ts';
import { productInfo } from '../pipeline/fit-products.ts';
import { FIT_QUICKLOOK_KEYS, lonLatExtent, seasonalCategories } from '../pipeline/fit-quicklooks.ts';
import type { RasterQuicklookOptions } from '../plot/raster.ts';
import { MapView, type MapViewEvents, type PixelHit } from './map-view.ts';
import { referenceProblem, relativeToReference } from './reference.ts';
import { drawSeriesPlot } from './series-plot.ts';
import { dayOfYearToMonthDay, formatCount, formatLatitude, formatLongitude, formatPercent, formatValue, isoDate } from './format.ts';
import type { PixelSeries, SeriesRequest } from './protocol.ts';
import { renderDirection } from './direction-view.ts';
import { createYearsView, drawYearsPlot } from './years-view.ts';
import { renderDownloads } from './downloads.ts';
import { setDeviceLine, setProgress, setStatus, showMessage } from './messages.ts';
import { markNearestSegment, renderProfile } from './lines-view.ts';
import { $, type AppState, type Track, type ViewId } from './state.ts';

const MAP_KEYS = FIT_QUICKLOOK_KEYS;

export function showEmptyState(): void {
  $('empty-state').hidden = false;
  $('results').hidden = true;
}

export function onTrackDone(state: AppState, t: Track): void {
  const o = t.outcome!;
  const c = o.summary.counts;
  setProgress(1);
  setStatus(`Track ${t.index}: done in ${o.summary.elapsedSeconds.toFixed(1)} s — ${formatCount(c.withData)} of ${formatCount(c.pixels)} pixels fitted, ${formatPercent(c.seasonal, c.withData)} seasonal.`);
  setDeviceLine(o.device.kind, o.device.description, o.device.notes, t.index);
  t.el.orbit.textContent = o.orbitDirection ? o.orbitDirection.toLowerCase() : '';
  if (o.device.kind === 'cpu' && o.device.choice !== 'cpu') {
    showMessage(`Track ${t.index} ran on the CPU path, not WebGPU: ${o.device.notes.join('; ') || 'no WebGPU adapter'}. Results are the same model in float64; only slower.`, 'note');
  }
  state.selected = null;
  t.reference = null;
  state.view.reset();
  showView(state, t.index);
}

export function trackLabel(t: Track): string {
  return `Track ${t.index}${t.outcome?.orbitDirection ? ` (${t.outcome.orbitDirection.toLowerCase()})` : ''}`;
}

function renderTabs(state: AppState): void {
  const nav = $('tabs');
  nav.replaceChildren();
  const done = state.tracks.filter((t) => t.outcome);
  const add = (label: string, view: ViewId): void => {
    const b = document.createElement('button');
    b.textContent = label;
    b.className = view === state.activeView ? 'tab active' : 'tab';
    b.dataset.view = String(view);
    b.addEventListener('click', () => showView(state, view));
    nav.append(b);
  };
  for (const t of done) add(trackLabel(t), t.index);
  if (done.length === 2) add('Direction of motion (two tracks)', 'direction');
  nav.hidden = done.length < 2;
}

export function showView(state: AppState, view: ViewId): void {
  state.activeView = view;
  $('empty-state').hidden = true;
  $('results').hidden = false;
  renderTabs(state);
  const direction = $('direction');
  if (view === 'direction') {
    $('track-view').hidden = true;
    renderProfile(state);
    direction.hidden = false;
    renderDirection(direction, state.tracks[0].outcome!, state.tracks[1].outcome!, state.view).catch((e: unknown) => {
      direction.replaceChildren();
      showMessage(`Direction of motion: ${(e as Error).message}`);
    });
    return;
  }
  direction.hidden = true;
  $('track-view').hidden = false;
  const t = state.tracks[view - 1];
  renderTrack(state, t);
}

function renderTrack(state: AppState, t: Track): void {
  const o = t.outcome!;
  const { grid, products } = o;
  const c = o.summary.counts;
  const first = o.dates[0];
  const last = o.dates[o.dates.length - 1];
  $('summary-line').innerHTML = '';
  const facts: [string, string][] = [
    ['stack', o.stackName],
    ['dates', `${o.dates.length} (${isoDate(first)} – ${isoDate(last)})`],
    ['grid', `${grid.width} × ${grid.height} px, EPSG:${grid.epsg ?? '?'}`],
    ['unit', `${o.summary.inputs.unit} → mm`],
    ['fitted', `${formatCount(c.withData)} of ${formatCount(c.pixels)} px${c.masked ? ` (${formatCount(c.masked)} masked)` : ''}`],
    ['seasonal', `${formatCount(c.seasonal)} (${formatPercent(c.seasonal, c.withData)})`],
  ];
  for (const [k, v] of facts) {
    const span = document.createElement('span');
    span.className = 'fact';
    const b = document.createElement('b');
    b.textContent = k;
    span.append(b, ` ${v}`);
    $('summary-line').append(span);
  }

  const maps = $('maps');
  maps.replaceChildren();
  state.mapViews.clear();
  const base = { width: grid.width, height: grid.height, extent: lonLatExtent(grid), subtitle: `${trackLabel(t)} · ${isoDate(first)} – ${isoDate(last)}, ${o.dates.length} dates`, maxSize: 560, minSize: 360 };
  // Titles, units and colour maps from the one product table (core/products.ts), as the CLI's PNGs.
  const ref = t.reference;
  const specs = Object.fromEntries(MAP_KEYS.map((key) => [key, {
    data: products[key],
    ...productInfo(key).quicklook!,
    // The rate relative to the reference pixel, as InSAR viewers show it (reference.ts).
    ...(key === 'rateMmPerYear' && ref ? {
      data: relativeToReference(products[key], grid.width, ref),
      title: `${productInfo(key).quicklook!.title}, relative to row ${ref.row}, col ${ref.col}`,
    } : {}),
    ...(key === 'seasonalFlag' ? { categories: seasonalCategories(c.seasonal, c.notSeasonal, formatCount) } : {}),
  }])) as Record<string, Omit<RasterQuicklookOptions, 'width' | 'height'>>;
  const events: MapViewEvents = {
    onHover: (hit) => showReadout(t, hit ?? state.selected),
    onClick: (hit) => { selectPixel(state, t, hit); markNearestSegment(state, t, hit); },
    onReference: (hit) => setReference(state, t, hit),
  };
  for (const key of MAP_KEYS) {
    const view = new MapView(key, state.view, events);
    view.grid = grid;
    view.render({ ...base, ...specs[key] } as RasterQuicklookOptions);
    const figure = document.createElement('figure');
    figure.className = 'map-figure';
    figure.append(view.canvas);
    maps.append(figure);
    state.mapViews.set(key, view);
  }
  const years = createYearsView(o, base.subtitle, state.view, events);
  state.yearsPlot = years?.plotCanvas ?? null;
  if (years) {
    maps.append(years.figure);
    state.mapViews.set('amplitudeByYear', years.view);
  }
  for (const v of state.mapViews.values()) v.markReference(ref);
  showReferenceLine(t);
  showReadout(t, state.selected);
  renderDownloads(t);
  renderProfile(state);
  if (state.selected) selectPixel(state, t, state.selected);
}

function showReferenceLine(t: Track): void {
  const ref = t.reference;
  const o = t.outcome!;
  const line = $('reference-line');
  $('clear-reference').hidden = !ref;
  if (!ref) {
    line.textContent = 'Reference: none (rates as fitted).';
    delete line.dataset.row;
    delete line.dataset.col;
    return;
  }
  const rate = o.products.rateMmPerYear[ref.row * o.grid.width + ref.col];
  line.textContent = `Reference: row ${ref.row}, col ${ref.col} (rate there ${formatValue(rate)} mm/yr); rate map and series shown relative to it.`;
  line.dataset.row = String(ref.row);
  line.dataset.col = String(ref.col);
}

/**
 * Makes `hit` the reference pixel of the track on show (null: none): the rate map and the
 * series are then shown relative to it. A pixel without a rate is refused with one line.
 */
export function setReference(state: AppState, t: Track, hit: PixelHit | null): void {
  const o = t.outcome;
  if (!o) return;
  if (hit) {
    const problem = referenceProblem(o.products.rateMmPerYear, o.grid.width, o.grid.height, hit);
    if (problem) {
      showMessage(`${trackLabel(t)}: ${problem}`);
      return;
    }
  }
  t.reference = hit;
  if (state.activeView === t.index) renderTrack(state, t);
}

function showReadout(t: Track, hit: PixelHit | null): void {
  const table = $<HTMLTableElement>('readout');
  table.replaceChildren();
  const o = t.outcome;
  if (!o || !hit) {
    const row = table.insertRow();
    row.insertCell().textContent = 'Move the pointer over a map.';
    return;
  }
  const i = hit.row * o.grid.width + hit.col;
  const p = o.products;
  const centre = pixelCentre(o.grid, hit.row, hit.col);
  const geographic = o.grid.epsg === 4326;
  const rows: [string, string][] = [
    ['pixel', `row ${hit.row}, col ${hit.col}`],
    [geographic ? 'lon, lat' : 'x, y', geographic ? `${formatLongitude(centre.x)}, ${formatLatitude(centre.y)}` : `${centre.x.toFixed(1)}, ${centre.y.toFixed(1)}`],
    ['rate', `${formatValue(p.rateMmPerYear[i])} ± ${formatValue(p.rateStdMmPerYear[i])} mm/yr`],
    ...(t.reference ? [['rate − ref', `${formatValue(p.rateMmPerYear[i] - p.rateMmPerYear[t.reference.row * o.grid.width + t.reference.col])} mm/yr`] as [string, string]] : []),
    ['amplitude', Number.isFinite(p.seasonalAmplitudeMm[i]) ? `${formatValue(p.seasonalAmplitudeMm[i])} ± ${formatValue(p.seasonalAmplitudeStdMm[i])} mm` : '– (not seasonal)'],
    ['peak', Number.isFinite(p.peakDayOfYear[i]) ? `day ${p.peakDayOfYear[i].toFixed(1)} (≈ ${dayOfYearToMonthDay(p.peakDayOfYear[i])})` : '–'],
    ['seasonal', p.seasonalFlag[i] === 1 ? 'yes' : p.seasonalFlag[i] === 0 ? 'no' : 'no data'],
    ['extrema', Number.isFinite(p.extremaCount[i]) ? String(p.extremaCount[i]) : '–'],
    ['residual RMS', `${formatValue(p.residualRmsMm[i])} mm`],
    ['valid epochs', `${p.validEpochCount[i]} of ${o.dates.length}`],
  ];
  if (o.incidence) rows.push(['incidence', `${formatValue(o.incidence.data[i], 1)}°`]);
  for (const [k, v] of rows) {
    const r = table.insertRow();
    const th = document.createElement('th');
    th.textContent = k;
    r.append(th);
    r.insertCell().textContent = v;
  }
}

/** Marks the pixel on every map and asks the track's worker for its series (answered by onSeries). */
export function selectPixel(state: AppState, t: Track, hit: PixelHit): void {
  state.selected = hit;
  for (const v of state.mapViews.values()) v.mark(hit);
  showReadout(t, hit);
  if (!t.worker) return;
  $('series-caption').textContent = `Reading pixel (row ${hit.row}, col ${hit.col})…`;
  t.worker.postMessage({ type: 'series', requestId: ++state.seriesRequestId, row: hit.row, col: hit.col, reference: t.reference } satisfies SeriesRequest);
}

export function onSeries(state: AppState, t: Track, s: PixelSeries): void {
  if (s.requestId !== state.seriesRequestId || state.activeView !== t.index) return;
  const o = t.outcome!;
  const centre = pixelCentre(o.grid, s.row, s.col);
  const where = o.grid.epsg === 4326 ? `${formatLatitude(centre.y)} ${formatLongitude(centre.x)}` : `x ${centre.x.toFixed(1)}, y ${centre.y.toFixed(1)}`;
  const canvas = $<HTMLCanvasElement>('series-canvas');
  const relative = s.reference ? ` − reference (row ${s.reference.row}, col ${s.reference.col})` : '';
  const info = drawSeriesPlot(canvas, s, `${trackLabel(t)} · pixel row ${s.row}, col ${s.col}${relative} · ${where}`);
  canvas.dataset.points = String(info.points);
  canvas.dataset.row = String(s.row);
  canvas.dataset.col = String(s.col);
  if (s.reference) { canvas.dataset.refRow = String(s.reference.row); canvas.dataset.refCol = String(s.reference.col); } else { delete canvas.dataset.refRow; delete canvas.dataset.refCol; }
  if (state.yearsPlot) drawYearsPlot(state.yearsPlot, s.seasons, `By year · pixel row ${s.row}, col ${s.col}`);
  const f = s.fit;
  const verdict = !f.trend
    ? `too few valid epochs (${f.validEpochCount}; at least ${o.summary.options.minValidEpochs} needed)`
    : f.seasonal
      ? `seasonal: ${f.extremaCount} extrema, expected ${f.expectedExtrema} ± ${o.summary.options.extremaTolerance} → Eq. 1 rate ${formatValue(f.eq1!.rateMmPerYear)} ± ${formatValue(f.eq1!.rateStdMmPerYear)} mm/yr, amplitude ${formatValue(f.eq1!.amplitudeMm)} ± ${formatValue(f.eq1!.amplitudeStdMm)} mm, peak day ${f.eq1!.peakDayOfYear.toFixed(1)}`
      : `not seasonal: ${Number.isFinite(f.extremaCount) ? f.extremaCount : 'untestable'} extrema, expected ${f.expectedExtrema} ± ${o.summary.options.extremaTolerance} → linear trend ${formatValue(f.trend.rateMmPerYear)} ± ${formatValue(f.trend.rateStdMmPerYear)} mm/yr`;
  $('series-caption').textContent = `${f.validEpochCount} valid epochs; ${verdict}. (Curves: float64 fit of this pixel${s.reference ? `'s series minus the reference pixel's, date by date` : ''}.)`;
}

export function showSeriesError(message: string): void {
  $('series-caption').textContent = `Could not read this pixel: ${message}`;
}
