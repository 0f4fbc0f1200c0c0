// The page: pick or drop a stack per track, run the fit in a worker (fit-worker.ts) with a
// progress bar, show the product maps with colour bars, a hover readout and a clicked pixel's
// series, and offer the products as the CLI's GeoTIFFs and summary.json. The page thread only
// draws; reading and fitting happen in the worker so the page stays responsive.
//
// This file wires the page's jobs around one state object (state.ts): the track cards and
// options (tracks-panel.ts), running the fit (run.ts), the results (results-view.ts), the
// downloads (downloads.ts) and the messages (messages.ts).
import type { FitProductKey } from '../core/fit-types.ts';
import { productInfo } from '../pipeline/fit-products.ts';
import { $, createState } from './state.ts';
import { setupOptions, setupTrack, trackCardHtml, updateRunButton } from './tracks-panel.ts';
import { cancelAll, runAll } from './run.ts';
import { selectPixel, setReference } from './results-view.ts';
import { segmentProbe, setupLines } from './lines-view.ts';

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
  const state = createState();
  $('track-cards').innerHTML = trackCardHtml(1) + trackCardHtml(2);
  state.tracks.push(setupTrack(state, 1), setupTrack(state, 2));
  setupOptions();
  setupLines(state);
  $('run').addEventListener('click', () => { void runAll(state); });
  $('cancel').addEventListener('click', () => cancelAll(state));
  $('clear-reference').addEventListener('click', () => {
    const t = typeof state.activeView === 'number' ? state.tracks[state.activeView - 1] : null;
    if (t) setReference(state, t, null);
  });
  // A file dropped outside the drop zones must not replace the page.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());
  window.addEventListener('resize', () => {
    const t = typeof state.activeView === 'number' ? state.tracks[state.activeView - 1] : null;
    if (t?.outcome && state.selected) selectPixel(state, t, state.selected);
  });
  void probeWebGpu();
  updateRunButton(state);
  // For the browser test and for people poking at the page from the console.
  (window as unknown as { permasar: unknown }).permasar = {
    tracks: state.tracks,
    mapPoint: (key: FitProductKey, row: number, col: number) => state.mapViews.get(key)?.cssPointOf({ row, col }) ?? null,
    /** The map box of a pane in CSS px relative to its canvas, and the shared view matrix. */
    mapBox: (key: FitProductKey) => state.mapViews.get(key)?.cssBox() ?? null,
    viewMatrix: () => Array.from(state.view.matrix),
    productUnit: (key: FitProductKey) => productInfo(key).unit,
    /** Segment k of the lines: a map pixel on it and its x on the profile (CSS px). */
    segmentProbe: (k: number) => segmentProbe(state, k),
    markedSegment: () => state.markedSegment,
  };
}

main();
