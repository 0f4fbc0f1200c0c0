// Direction of motion from the two fitted tracks (Table 1 of the study): the secular and the
// seasonal class maps and the share of every class, computed by the compare step of the CLI
// (src/pipeline/compare.ts: track 2 resampled onto track 1's grid, cropped to the overlap,
// Table 1 per pixel) on the page thread — a few array passes over products already in memory —
// with the kernel the CLI's device rule picks (pipeline/kernels.ts withCompareKernel: WebGPU,
// or the float64 kernel, under the Device the tracks were fitted with).
import { DEFAULT_DIRECTION_THRESHOLDS, DirectionClass } from '../core/direction.ts';
import { DIRECTION_CLASS_COLORS } from '../core/products.ts';
import { crsOfEpsg, useEpsgDatabase, type EpsgRecord } from '../io/crs.ts';
import { prepareComparison, runComparison, type CompareRun, type TrackProducts } from '../pipeline/compare.ts';
import { withCompareKernel } from '../pipeline/kernels.ts';
import { lonLatExtent } from '../pipeline/fit-quicklooks.ts';
import type { RasterCategory } from '../plot/raster.ts';
import type { FitOutcome } from './protocol.ts';
import { browserDevices } from './devices.ts';
import { MapView } from './map-view.ts';
import type { SharedView } from './view-transform.ts';
import { formatCount, formatPercent } from './format.ts';

function trackProducts(o: FitOutcome, label: string): TrackProducts {
  const p = o.products;
  return { source: label, grid: o.grid, rateMmPerYear: p.rateMmPerYear, seasonalAmplitudeMm: p.seasonalAmplitudeMm, peakDayOfYear: p.peakDayOfYear, seasonalFlag: p.seasonalFlag };
}

/**
 * Tracks in different CRSs need the EPSG table, which the browser cannot require file by file
 * (src/io/crs.ts): it is fetched (8 MB, its own chunk) only then, once.
 */
async function ensureEpsgTable(a: FitOutcome, b: FitOutcome): Promise<void> {
  if (a.grid.epsg === b.grid.epsg) return;
  const codes = [a.grid.epsg, b.grid.epsg].filter((c): c is number => c !== null);
  try {
    for (const code of codes) crsOfEpsg(code);
  } catch {
    const table = await import('epsg-index/all.json');
    useEpsgDatabase((table.default ?? table) as unknown as Record<string, EpsgRecord>);
  }
}

/**
 * Table 1 over both tracks, track 1's grid as the reference (the CLI's ascending), on the kernel
 * of the one device rule for the Device track 1 was fitted with; `device` says which ran it.
 */
export async function compareTracks(a: FitOutcome, b: FitOutcome, labels: [string, string]): Promise<CompareRun & { device: { kind: 'cpu' | 'gpu'; description: string; notes: string[] } }> {
  await ensureEpsgTable(a, b);
  const prepared = prepareComparison(trackProducts(a, labels[0]), trackProducts(b, labels[1]), null);
  const devices = browserDevices(a.device.choice);
  const notes: string[] = [];
  try {
    const { result, kernel } = await withCompareKernel(devices, (k) => runComparison(prepared, k, DEFAULT_DIRECTION_THRESHOLDS), notes, () => {});
    return { ...result, device: { ...kernel, notes } };
  } finally {
    await devices.dispose();
  }
}

function shareTable(title: string, rows: [string, number, string][], tested: number): HTMLElement {
  const section = document.createElement('section');
  section.className = 'card share';
  const h = document.createElement('h2');
  h.textContent = title;
  const table = document.createElement('table');
  table.className = 'share-table';
  table.innerHTML = '<thead><tr><th>class</th><th>pixels</th><th>share</th></tr></thead>';
  const body = table.createTBody();
  for (const [label, count, color] of rows) {
    const tr = body.insertRow();
    const c0 = tr.insertCell();
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = color;
    c0.append(sw, label);
    tr.insertCell().textContent = formatCount(count);
    tr.insertCell().textContent = formatPercent(count, tested);
  }
  const foot = table.createTFoot().insertRow();
  foot.insertCell().textContent = 'tested';
  foot.insertCell().textContent = formatCount(tested);
  foot.insertCell().textContent = '100 %';
  section.append(h, table);
  return section;
}

export async function renderDirection(container: HTMLElement, a: FitOutcome, b: FitOutcome, shared: SharedView): Promise<void> {
  const label = (o: FitOutcome, i: number): string => `Track ${i}${o.orbitDirection ? ` (${o.orbitDirection.toLowerCase()})` : ''}`;
  const run = await compareTracks(a, b, [label(a, 1), label(b, 2)]);
  const grid = run.prepared.grid;
  const subtitle = `${label(a, 1)} vs ${label(b, 2)}, on track 1's grid${run.prepared.resampling.crs === 'reprojected' ? ' (reprojected)' : ''}`;
  const t = DEFAULT_DIRECTION_THRESHOLDS;
  container.replaceChildren();

  const intro = document.createElement('p');
  intro.className = 'hint';
  intro.textContent = `Table 1 of the study. Secular: |v₁| and |v₂| within ${t.rateMmPerYear} mm/yr, same sign → vertical, opposite → east-west; otherwise undetermined (also when both are within ${t.rateMmPerYear} mm/yr of zero). Seasonal (pixels seasonal on both tracks): amplitudes within ${t.amplitudeMm} mm and peaks within ±${t.inPhaseDays} days → vertical, ${t.antiPhaseDays} ± ${t.antiPhaseToleranceDays} days apart → east-west, else undetermined.`;
  const where = run.device.kind === 'gpu' ? `WebGPU · ${run.device.description.replace(/^gpu: /, '')}` : `CPU · ${run.device.description}`;
  intro.textContent += ` Compared on ${where}${run.device.notes.length ? ` (${run.device.notes.join('; ')})` : ''}.`;
  container.dataset.kind = run.device.kind;
  container.append(intro);

  const maps = document.createElement('div');
  maps.className = 'map-grid';
  const draw = (title: string, classes: Uint8Array, key: 'secular' | 'seasonal'): void => {
    const c = run.counts[key];
    const categories: RasterCategory[] = [
      { value: DirectionClass.VERTICAL, label: `vertical (${formatCount(c.vertical)})`, color: DIRECTION_CLASS_COLORS[1] },
      { value: DirectionClass.EAST_WEST, label: `east-west (${formatCount(c.eastWest)})`, color: DIRECTION_CLASS_COLORS[2] },
      { value: DirectionClass.UNDETERMINED, label: `undetermined (${formatCount(c.undetermined)})`, color: DIRECTION_CLASS_COLORS[3] },
    ];
    if (c.notTested) categories.push({ value: DirectionClass.NOT_TESTED, label: `not seasonal on both (${formatCount(c.notTested)})`, color: DIRECTION_CLASS_COLORS[0] });
    const data = Float32Array.from(classes, (v) => (v === DirectionClass.NO_DATA ? Number.NaN : v));
    // A pane of the page's one pan/zoom (view-transform.ts), like the track's maps.
    const view = new MapView(`direction_${key}`, shared, { onHover: () => {}, onClick: () => {} });
    view.grid = grid;
    view.render({ data, width: grid.width, height: grid.height, title, subtitle, unitLabel: 'class', colormap: 'categorical', categories, extent: lonLatExtent(grid), maxSize: 560, minSize: 360 });
    const canvas = view.canvas;
    const fig = document.createElement('figure');
    fig.className = 'map-figure';
    fig.append(canvas);
    maps.append(fig);
  };
  draw('Direction of secular motion (Table 1)', run.secularClass, 'secular');
  draw('Direction of seasonal motion (Table 1)', run.seasonalClass, 'seasonal');
  container.append(maps);

  const tables = document.createElement('div');
  tables.className = 'share-row';
  const sec = run.counts.secular;
  const sea = run.counts.seasonal;
  tables.append(shareTable('Secular classes (pixels with a rate on both tracks)', [
    ['vertical', sec.vertical, DIRECTION_CLASS_COLORS[1]],
    ['east-west', sec.eastWest, DIRECTION_CLASS_COLORS[2]],
    ['undetermined: magnitudes differ', sec.undeterminedBecause.magnitudeDiffers, DIRECTION_CLASS_COLORS[3]],
    ['undetermined: both near zero', sec.undeterminedBecause.bothNearZero, '#b3b0d6'],
  ], sec.tested));
  tables.append(shareTable('Seasonal classes (pixels seasonal on both tracks)', [
    ['vertical', sea.vertical, DIRECTION_CLASS_COLORS[1]],
    ['east-west', sea.eastWest, DIRECTION_CLASS_COLORS[2]],
    ['undetermined: other timing', sea.undeterminedBecause.otherTiming, DIRECTION_CLASS_COLORS[3]],
    ['undetermined: amplitudes differ', sea.undeterminedBecause.amplitudeDiffers, '#b3b0d6'],
  ], sea.tested));
  container.append(tables);
}
