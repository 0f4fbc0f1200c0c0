// The page: pick or drop a stack per track, run the fit in a worker (fit-worker.ts) with a
// progress bar, show the product maps with colour bars, a hover readout and a clicked pixel's
// series, and offer the products as the CLI's GeoTIFFs and summary.json. The page thread only
// draws; reading and fitting happen in the worker so the page stays responsive.
import { zipSync } from 'fflate';
import { pixelCentre } from '../core/grid.ts';
import type { FitProductKey } from '../core/fit-types.ts';
import { FIT_PRODUCT_INFO, productInfo } from '../pipeline/fit-products.ts';
import { fitProductGeoTiffOptions, incidenceGeoTiffOptions } from '../pipeline/fit-geotiff-options.ts';
import { FIT_QUICKLOOK_KEYS, lonLatExtent, seasonalCategories } from '../pipeline/fit-quicklooks.ts';
import { encodeGeoTiff } from '../io/geotiff-write.ts';
import { installEpsgDatabase } from './epsg-database.ts';
import type { RasterQuicklookOptions } from '../plot/raster.ts';
import { MapView, type PixelHit } from './map-view.ts';
import { drawSeriesPlot } from './series-plot.ts';
import { dayOfYearToMonthDay, formatBytes, formatCount, formatLatitude, formatLongitude, formatPercent, formatValue, isoDate } from './format.ts';
import type { DeviceChoice, FitOutcome, FitRequest, PixelSeries, WorkerMessage } from './protocol.ts';
import { renderDirection } from './direction-view.ts';
import { createYearsView, drawYearsPlot } from './years-view.ts';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page is missing #${id}`);
  return el as T;
};

// ---------------------------------------------------------------- tracks and their inputs

interface Track {
  index: 1 | 2;
  stackFiles: File[];
  maskFile: File | null;
  incidenceFile: File | null;
  worker: Worker | null;
  outcome: FitOutcome | null;
  running: boolean;
  el: { card: HTMLElement; stackName: HTMLElement; maskName: HTMLElement; incidenceName: HTMLElement; incidenceDeg: HTMLInputElement; orbit: HTMLElement };
}

const tracks: Track[] = [];
let activeView: 1 | 2 | 'direction' = 1;
let selected: PixelHit | null = null;
let seriesRequestId = 0;

function trackCardHtml(i: 1 | 2): string {
  const heading = i === 1 ? 'Track 1' : 'Track 2 <span class="hint">(optional: the other orbit direction)</span>';
  return `
  <section class="card track" id="track-${i}">
    <h2>${heading} <span class="orbit" id="orbit-${i}"></span></h2>
    <label class="dropzone" id="drop-${i}" for="stack-input-${i}">
      <input type="file" id="stack-input-${i}" multiple accept=".h5,.he5,.hdf5,.hdf,.tif,.tiff">
      <span class="drop-title">Displacement stack</span>
      <span class="drop-hint">Drop <code>timeseries.h5</code> or the per-date GeoTIFFs here, or <u>choose files</u></span>
      <span class="file-name" id="stack-name-${i}"></span>
    </label>
    <div class="aux">
      <div class="aux-row">
        <label class="aux-label" for="mask-input-${i}" title="temporal coherence (MintPy temporalCoherence.h5) or any quality raster on the stack's grid">Mask</label>
        <label class="file-button"><input type="file" id="mask-input-${i}" accept=".h5,.he5,.hdf5,.tif,.tiff">choose…</label>
        <span class="file-name small" id="mask-name-${i}">none</span>
        <button class="link" id="mask-clear-${i}" title="remove the mask">×</button>
      </div>
      <div class="aux-row">
        <label class="aux-label" for="incidence-input-${i}" title="incidence angle raster (GeoTIFF, or geometryGeo.h5), or a constant in degrees">Incidence</label>
        <label class="file-button"><input type="file" id="incidence-input-${i}" accept=".h5,.he5,.hdf5,.tif,.tiff">choose…</label>
        <span class="file-name small" id="incidence-name-${i}">none</span>
      </div>
      <div class="aux-row">
        <span class="aux-label"></span>
        <label class="or" for="incidence-deg-${i}">or a constant <input type="number" id="incidence-deg-${i}" class="deg" min="1" max="89" step="0.1" placeholder="e.g. 39"> °</label>
      </div>
    </div>
  </section>`;
}

function setupTrack(i: 1 | 2): Track {
  const t: Track = {
    index: i,
    stackFiles: [],
    maskFile: null,
    incidenceFile: null,
    worker: null,
    outcome: null,
    running: false,
    el: {
      card: $(`track-${i}`),
      stackName: $(`stack-name-${i}`),
      maskName: $(`mask-name-${i}`),
      incidenceName: $(`incidence-name-${i}`),
      incidenceDeg: $<HTMLInputElement>(`incidence-deg-${i}`),
      orbit: $(`orbit-${i}`),
    },
  };
  const stackInput = $<HTMLInputElement>(`stack-input-${i}`);
  const setStack = (files: File[]): void => {
    t.stackFiles = [...files].sort((a, b) => (a.name < b.name ? -1 : 1));
    t.el.stackName.textContent = describeFiles(t.stackFiles);
    t.el.card.classList.toggle('loaded', t.stackFiles.length > 0);
    updateRunButton();
  };
  stackInput.addEventListener('change', () => setStack([...(stackInput.files ?? [])]));
  const drop = $(`drop-${i}`);
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    setStack([...(e.dataTransfer?.files ?? [])]);
  });
  const maskInput = $<HTMLInputElement>(`mask-input-${i}`);
  maskInput.addEventListener('change', () => {
    t.maskFile = maskInput.files?.[0] ?? null;
    t.el.maskName.textContent = t.maskFile?.name ?? 'none';
  });
  $(`mask-clear-${i}`).addEventListener('click', (e) => {
    e.preventDefault();
    t.maskFile = null;
    maskInput.value = '';
    t.el.maskName.textContent = 'none';
  });
  const incidenceInput = $<HTMLInputElement>(`incidence-input-${i}`);
  incidenceInput.addEventListener('change', () => {
    t.incidenceFile = incidenceInput.files?.[0] ?? null;
    t.el.incidenceName.textContent = t.incidenceFile?.name ?? 'none';
    if (t.incidenceFile) t.el.incidenceDeg.value = '';
  });
  t.el.incidenceDeg.addEventListener('input', () => {
    if (t.el.incidenceDeg.value !== '') {
      t.incidenceFile = null;
      incidenceInput.value = '';
      t.el.incidenceName.textContent = 'none';
    }
  });
  return t;
}

function describeFiles(files: File[]): string {
  if (files.length === 0) return '';
  const bytes = files.reduce((s, f) => s + f.size, 0);
  if (files.length === 1) return `${files[0].name} · ${formatBytes(bytes)}`;
  return `${files.length} files (${files[0].name} … ${files[files.length - 1].name}) · ${formatBytes(bytes)}`;
}

function updateRunButton(): void {
  const busy = tracks.some((t) => t.running);
  $<HTMLButtonElement>('run').disabled = busy || !tracks.some((t) => t.stackFiles.length > 0);
  $('cancel').hidden = !busy;
}

// ---------------------------------------------------------------- messages, progress

function showMessage(text: string, kind: 'error' | 'note' = 'error'): void {
  const box = document.createElement('div');
  box.className = `message ${kind}`;
  box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  const close = document.createElement('button');
  close.className = 'link';
  close.textContent = '×';
  close.title = 'dismiss';
  close.addEventListener('click', () => box.remove());
  const span = document.createElement('span');
  span.textContent = text;
  box.append(span, close);
  $('messages').append(box);
}

function clearMessages(): void {
  $('messages').replaceChildren();
}

function setStatus(text: string): void {
  $('status').textContent = text;
}

function setProgress(fraction: number): void {
  const pct = Math.max(0, Math.min(100, 100 * fraction));
  $('progress-bar').style.width = `${pct}%`;
  $('progress-bar').parentElement!.setAttribute('aria-valuenow', pct.toFixed(0));
}

function setDeviceLine(kind: 'cpu' | 'gpu', description: string, notes: string[], track: number): void {
  const line = $('device-line');
  line.dataset.kind = kind;
  line.className = `device-line ${kind}`;
  const where = kind === 'gpu' ? `WebGPU · ${description.replace(/^gpu: /, '')}` : `CPU · ${description}`;
  line.textContent = `Track ${track} fitted on ${where}`;
  if (notes.length) {
    const note = document.createElement('span');
    note.className = 'device-note';
    note.textContent = notes.join('; ');
    line.append(note);
  }
}

// ---------------------------------------------------------------- running the fit

function readOptions(): Omit<FitRequest, 'type' | 'stackFiles' | 'maskFile' | 'incidence'> {
  const num = (id: string, fallback: number): number => {
    const v = $<HTMLInputElement>(id).value.trim();
    return v === '' ? fallback : Number(v);
  };
  const expected = $<HTMLInputElement>('opt-expected').value.trim();
  const unit = $<HTMLSelectElement>('opt-unit').value;
  return {
    unit: unit === '' ? null : unit,
    maskMin: num('opt-mask-min', 0.6),
    tolerance: num('opt-tolerance', 2),
    minEpochs: num('opt-min-epochs', 10),
    expectedExtrema: expected === '' ? null : Number(expected),
    device: $<HTMLSelectElement>('opt-device').value as DeviceChoice,
  };
}

/** Option problems caught before anything runs, named as the page labels them. */
function checkOptions(o: ReturnType<typeof readOptions>): string | null {
  if (!Number.isFinite(o.maskMin)) return 'Mask threshold: not a number';
  if (!(o.tolerance >= 0)) return 'Seasonality tolerance: must be a number ≥ 0';
  if (!(Number.isInteger(o.minEpochs) && o.minEpochs > 7)) return 'Min. valid epochs: must be an integer > 7 (the three-sinusoid model has 7 parameters)';
  if (o.expectedExtrema !== null && !(Number.isInteger(o.expectedExtrema) && o.expectedExtrema >= 0)) return 'Expected extrema: must be a whole number ≥ 0';
  return null;
}

function startWorker(t: Track): Worker {
  t.worker?.terminate();
  const worker = new Worker(new URL('./fit-worker.ts', import.meta.url), { type: 'module', name: `permasar-fit-${t.index}` });
  worker.addEventListener('error', (e) => {
    finishTrack(t);
    showMessage(`Track ${t.index}: the fit worker failed to start (${e.message || 'script error'})`);
  });
  t.worker = worker;
  return worker;
}

function fitTrack(t: Track): Promise<void> {
  const options = readOptions();
  const problem = checkOptions(options);
  if (problem) { showMessage(problem); return Promise.resolve(); }
  const degText = t.el.incidenceDeg.value.trim();
  const request: FitRequest = {
    type: 'fit',
    stackFiles: t.stackFiles,
    maskFile: t.maskFile,
    incidence: t.incidenceFile ?? (degText === '' ? null : Number(degText)),
    ...options,
  };
  t.running = true;
  t.outcome = null;
  updateRunButton();
  setProgress(0);
  setStatus(`Track ${t.index}: starting…`);
  $('device-line').replaceChildren();
  delete $('device-line').dataset.kind;
  const worker = startWorker(t);
  return new Promise((resolve) => {
    worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      const m = event.data;
      switch (m.type) {
        case 'status': setStatus(`Track ${t.index}: ${m.text}…`); break;
        case 'device': setDeviceLine(m.kind, m.description, m.notes, t.index); break;
        case 'note': showMessage(`Track ${t.index}: ${m.text}`, 'note'); break;
        case 'progress':
          setProgress(m.rowsDone / m.rowsTotal);
          setStatus(`Track ${t.index}: fitting, ${m.rowsDone} of ${m.rowsTotal} rows`);
          break;
        case 'done':
          t.outcome = m.outcome;
          finishTrack(t);
          onTrackDone(t);
          resolve();
          break;
        case 'error':
          if (m.requestId !== undefined) { showSeriesError(m.message); break; }
          finishTrack(t);
          setStatus(`Track ${t.index}: failed.`);
          showMessage(m.inputError ? m.message : `Track ${t.index}: internal error (please report): ${m.message}`);
          if (!tracks.some((x) => x.outcome)) showEmptyState();
          resolve();
          break;
        case 'series': onSeries(t, m.series); break;
      }
    };
    worker.postMessage(request);
  });
}

function finishTrack(t: Track): void {
  t.running = false;
  updateRunButton();
}

async function runAll(): Promise<void> {
  clearMessages();
  // The downloads encode GeoTIFFs on this thread, with GeoKeys from the EPSG database.
  await installEpsgDatabase();
  for (const t of tracks) {
    if (t.stackFiles.length) await fitTrack(t);
  }
}

function cancelAll(): void {
  for (const t of tracks) {
    if (!t.running) continue;
    t.worker?.terminate();
    t.worker = null;
    t.running = false;
  }
  setProgress(0);
  setStatus('Cancelled.');
  updateRunButton();
}

// ---------------------------------------------------------------- results

const MAP_KEYS = FIT_QUICKLOOK_KEYS;
const mapViews = new Map<FitProductKey | 'amplitudeByYear', MapView>();
let yearsPlot: HTMLCanvasElement | null = null;

function showEmptyState(): void {
  $('empty-state').hidden = false;
  $('results').hidden = true;
}

function onTrackDone(t: Track): void {
  const o = t.outcome!;
  const c = o.summary.counts;
  setProgress(1);
  setStatus(`Track ${t.index}: done in ${o.summary.elapsedSeconds.toFixed(1)} s — ${formatCount(c.withData)} of ${formatCount(c.pixels)} pixels fitted, ${formatPercent(c.seasonal, c.withData)} seasonal.`);
  setDeviceLine(o.device.kind, o.device.description, o.device.notes, t.index);
  t.el.orbit.textContent = o.orbitDirection ? o.orbitDirection.toLowerCase() : '';
  if (o.device.kind === 'cpu' && o.device.choice !== 'cpu') {
    showMessage(`Track ${t.index} ran on the CPU path, not WebGPU: ${o.device.notes.join('; ') || 'no WebGPU adapter'}. Results are the same model in float64; only slower.`, 'note');
  }
  selected = null;
  showView(t.index);
}

function trackLabel(t: Track): string {
  return `Track ${t.index}${t.outcome?.orbitDirection ? ` (${t.outcome.orbitDirection.toLowerCase()})` : ''}`;
}

function renderTabs(): void {
  const nav = $('tabs');
  nav.replaceChildren();
  const done = tracks.filter((t) => t.outcome);
  const add = (label: string, view: 1 | 2 | 'direction'): void => {
    const b = document.createElement('button');
    b.textContent = label;
    b.className = view === activeView ? 'tab active' : 'tab';
    b.dataset.view = String(view);
    b.addEventListener('click', () => showView(view));
    nav.append(b);
  };
  for (const t of done) add(trackLabel(t), t.index);
  if (done.length === 2) add('Direction of motion (two tracks)', 'direction');
  nav.hidden = done.length < 2;
}

function showView(view: 1 | 2 | 'direction'): void {
  activeView = view;
  $('empty-state').hidden = true;
  $('results').hidden = false;
  renderTabs();
  const direction = $('direction');
  if (view === 'direction') {
    $('track-view').hidden = true;
    direction.hidden = false;
    renderDirection(direction, tracks[0].outcome!, tracks[1].outcome!).catch((e: unknown) => {
      direction.replaceChildren();
      showMessage(`Direction of motion: ${(e as Error).message}`);
    });
    return;
  }
  direction.hidden = true;
  $('track-view').hidden = false;
  const t = tracks[view - 1];
  renderTrack(t);
}

function renderTrack(t: Track): void {
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
  mapViews.clear();
  const base = { width: grid.width, height: grid.height, extent: lonLatExtent(grid), subtitle: `${trackLabel(t)} · ${isoDate(first)} – ${isoDate(last)}, ${o.dates.length} dates`, maxSize: 560, minSize: 360 };
  // Titles, units and colour maps from the one product table (core/products.ts), as the CLI's PNGs.
  const specs = Object.fromEntries(MAP_KEYS.map((key) => [key, {
    data: products[key],
    ...productInfo(key).quicklook!,
    ...(key === 'seasonalFlag' ? { categories: seasonalCategories(c.seasonal, c.notSeasonal, formatCount) } : {}),
  }])) as Record<string, Omit<RasterQuicklookOptions, 'width' | 'height'>>;
  for (const key of MAP_KEYS) {
    const view = new MapView(key, (hit) => showReadout(t, hit ?? selected), (hit) => selectPixel(t, hit));
    view.render({ ...base, ...specs[key] } as RasterQuicklookOptions);
    const figure = document.createElement('figure');
    figure.className = 'map-figure';
    figure.append(view.canvas);
    maps.append(figure);
    mapViews.set(key, view);
  }
  const years = createYearsView(o, base.subtitle, (hit) => showReadout(t, hit ?? selected), (hit) => selectPixel(t, hit));
  yearsPlot = years?.plotCanvas ?? null;
  if (years) {
    maps.append(years.figure);
    mapViews.set('amplitudeByYear', years.view);
  }
  showReadout(t, selected);
  renderDownloads(t);
  if (selected) selectPixel(t, selected);
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

function selectPixel(t: Track, hit: PixelHit): void {
  selected = hit;
  for (const v of mapViews.values()) v.mark(hit);
  showReadout(t, hit);
  if (!t.worker) return;
  $('series-caption').textContent = `Reading pixel (row ${hit.row}, col ${hit.col})…`;
  t.worker.postMessage({ type: 'series', requestId: ++seriesRequestId, row: hit.row, col: hit.col });
}

function onSeries(t: Track, s: PixelSeries): void {
  if (s.requestId !== seriesRequestId || activeView !== t.index) return;
  const o = t.outcome!;
  const centre = pixelCentre(o.grid, s.row, s.col);
  const where = o.grid.epsg === 4326 ? `${formatLatitude(centre.y)} ${formatLongitude(centre.x)}` : `x ${centre.x.toFixed(1)}, y ${centre.y.toFixed(1)}`;
  const canvas = $<HTMLCanvasElement>('series-canvas');
  const info = drawSeriesPlot(canvas, s, `${trackLabel(t)} · pixel row ${s.row}, col ${s.col} · ${where}`);
  canvas.dataset.points = String(info.points);
  canvas.dataset.row = String(s.row);
  canvas.dataset.col = String(s.col);
  if (yearsPlot) drawYearsPlot(yearsPlot, s.seasons, `By year · pixel row ${s.row}, col ${s.col}`);
  const f = s.fit;
  const verdict = !f.trend
    ? `too few valid epochs (${f.validEpochCount}; at least ${o.summary.options.minValidEpochs} needed)`
    : f.seasonal
      ? `seasonal: ${f.extremaCount} extrema, expected ${f.expectedExtrema} ± ${o.summary.options.extremaTolerance} → Eq. 1 rate ${formatValue(f.eq1!.rateMmPerYear)} ± ${formatValue(f.eq1!.rateStdMmPerYear)} mm/yr, amplitude ${formatValue(f.eq1!.amplitudeMm)} ± ${formatValue(f.eq1!.amplitudeStdMm)} mm, peak day ${f.eq1!.peakDayOfYear.toFixed(1)}`
      : `not seasonal: ${Number.isFinite(f.extremaCount) ? f.extremaCount : 'untestable'} extrema, expected ${f.expectedExtrema} ± ${o.summary.options.extremaTolerance} → linear trend ${formatValue(f.trend.rateMmPerYear)} ± ${formatValue(f.trend.rateStdMmPerYear)} mm/yr`;
  $('series-caption').textContent = `${f.validEpochCount} valid epochs; ${verdict}. (Curves: float64 fit of this pixel.)`;
}

function showSeriesError(message: string): void {
  $('series-caption').textContent = `Could not read this pixel: ${message}`;
}

// ---------------------------------------------------------------- downloads

function saveBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** The files of `permasar fit --out DIR` that the page can make: products, incidence, summary. */
function outputFiles(o: FitOutcome): { name: string; label: string; make: () => Uint8Array }[] {
  const files = FIT_PRODUCT_INFO.map((info) => ({
    name: info.file,
    label: `${info.file}`,
    make: () => encodeGeoTiff(o.grid, o.products[info.key], fitProductGeoTiffOptions(info), info.file),
  }));
  if (o.incidence) {
    const inc = o.incidence;
    files.push({ name: 'incidence.tif', label: 'incidence.tif', make: () => encodeGeoTiff(o.grid, inc.data, incidenceGeoTiffOptions(inc.source), 'incidence.tif') });
  }
  files.push({ name: 'summary.json', label: 'summary.json', make: () => new TextEncoder().encode(JSON.stringify(o.summary, null, 2) + '\n') });
  return files;
}

function renderDownloads(t: Track): void {
  const box = $('downloads');
  box.replaceChildren();
  const o = t.outcome!;
  for (const f of outputFiles(o)) {
    const b = document.createElement('button');
    b.className = 'download';
    b.dataset.file = f.name;
    const info = FIT_PRODUCT_INFO.find((p) => p.file === f.name);
    b.title = info ? `${info.description} (${info.unit})` : f.name;
    b.innerHTML = `<span class="dl-name"></span><span class="dl-unit"></span>`;
    b.querySelector('.dl-name')!.textContent = f.label;
    b.querySelector('.dl-unit')!.textContent = info ? info.unit : f.name.endsWith('.json') ? 'counts, statistics' : 'degrees';
    b.addEventListener('click', () => {
      const type = f.name.endsWith('.json') ? 'application/json' : 'image/tiff';
      saveBlob(f.name, new Blob([f.make() as BlobPart], { type }));
    });
    box.append(b);
  }
  const all = document.createElement('button');
  all.className = 'download all';
  all.dataset.file = 'zip';
  all.innerHTML = '<span class="dl-name">everything (.zip)</span><span class="dl-unit">one folder, as the CLI writes it</span>';
  all.addEventListener('click', () => {
    const entries: Record<string, Uint8Array> = {};
    for (const f of outputFiles(o)) entries[f.name] = f.make();
    const folder = `permasar-fit-track${t.index}`;
    const zipped = zipSync(Object.fromEntries(Object.entries(entries).map(([k, v]) => [`${folder}/${k}`, v])), { level: 6 });
    saveBlob(`${folder}.zip`, new Blob([zipped as BlobPart], { type: 'application/zip' }));
  });
  box.append(all);
}

// ---------------------------------------------------------------- start-up

async function probeWebGpu(): Promise<void> {
  const badge = $('gpu-badge');
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) {
    badge.textContent = 'No WebGPU in this browser: fits run on the CPU';
    badge.className = 'badge warn';
    return;
  }
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) throw new Error('no adapter');
    const info = adapter.info;
    const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'adapter';
    badge.textContent = `WebGPU: ${name}`;
    badge.className = 'badge ok';
  } catch {
    badge.textContent = 'WebGPU has no adapter here: fits run on the CPU';
    badge.className = 'badge warn';
  }
}

function main(): void {
  $('track-cards').innerHTML = trackCardHtml(1) + trackCardHtml(2);
  tracks.push(setupTrack(1), setupTrack(2));
  $('run').addEventListener('click', () => { void runAll(); });
  $('cancel').addEventListener('click', cancelAll);
  // A file dropped outside the drop zones must not replace the page.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());
  window.addEventListener('resize', () => {
    const t = typeof activeView === 'number' ? tracks[activeView - 1] : null;
    if (t?.outcome && selected) selectPixel(t, selected);
  });
  void probeWebGpu();
  updateRunButton();
  // For the browser test and for people poking at the page from the console.
  (window as unknown as { permasar: unknown }).permasar = {
    tracks,
    mapPoint: (key: FitProductKey, row: number, col: number) => mapViews.get(key)?.cssPointOf({ row, col }) ?? null,
    productUnit: (key: FitProductKey) => productInfo(key).unit,
  };
}

main();
