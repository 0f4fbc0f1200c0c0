// Running the fit: one worker per track (fit-worker.ts) that reads the stack and fits it; its
// messages drive the status line and progress bar, and its outcome the results view. The
// worker stays alive after the fit to answer pixel-series requests (results-view.ts).
import { installEpsgDatabase } from './epsg-database.ts';
import type { FitRequest, WorkerMessage } from './protocol.ts';
import { clearMessages, setDeviceLine, setProgress, setStatus, showMessage } from './messages.ts';
import { onSeries, onTrackDone, showEmptyState, showSeriesError } from './results-view.ts';
import { $, type AppState, type Track } from './state.ts';
import { checkOptions, readOptions, updateRunButton } from './tracks-panel.ts';

function startWorker(state: AppState, t: Track): Worker {
  t.worker?.terminate();
  const worker = new Worker(new URL('./fit-worker.ts', import.meta.url), { type: 'module', name: `permasar-fit-${t.index}` });
  worker.addEventListener('error', (e) => {
    finishTrack(state, t);
    showMessage(`Track ${t.index}: the fit worker failed to start (${e.message || 'script error'})`);
  });
  t.worker = worker;
  return worker;
}

function fitTrack(state: AppState, t: Track): Promise<void> {
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
  updateRunButton(state);
  setProgress(0);
  setStatus(`Track ${t.index}: starting…`);
  $('device-line').replaceChildren();
  delete $('device-line').dataset.kind;
  const worker = startWorker(state, t);
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
          finishTrack(state, t);
          onTrackDone(state, t);
          resolve();
          break;
        case 'error':
          if (m.requestId !== undefined) { showSeriesError(m.message); break; }
          finishTrack(state, t);
          setStatus(`Track ${t.index}: failed.`);
          showMessage(m.inputError ? m.message : `Track ${t.index}: internal error (please report): ${m.message}`);
          if (!state.tracks.some((x) => x.outcome)) showEmptyState();
          resolve();
          break;
        case 'series': onSeries(state, t, m.series); break;
      }
    };
    worker.postMessage(request);
  });
}

function finishTrack(state: AppState, t: Track): void {
  t.running = false;
  updateRunButton(state);
}

/** Fits every track that has a stack, one after the other. */
export async function runAll(state: AppState): Promise<void> {
  clearMessages();
  // The downloads encode GeoTIFFs on this thread, with GeoKeys from the EPSG database.
  await installEpsgDatabase();
  for (const t of state.tracks) {
    if (t.stackFiles.length) await fitTrack(state, t);
  }
}

export function cancelAll(state: AppState): void {
  for (const t of state.tracks) {
    if (!t.running) continue;
    t.worker?.terminate();
    t.worker = null;
    t.running = false;
  }
  setProgress(0);
  setStatus('Cancelled.');
  updateRunButton(state);
}
