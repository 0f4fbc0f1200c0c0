// The two track cards (stack, mask and incidence inputs), the fit options and the run button.
import { formatBytes } from './format.ts';
import { optionDefault } from '../jobs/support/option-table.ts';
import { FIT_OPTIONS } from '../jobs/fit-options.ts';
import type { DeviceChoice, FitRequest } from './protocol.ts';
import { $, type AppState, type Track } from './state.ts';

export function trackCardHtml(i: 1 | 2): string {
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

/** Builds a track from its card's elements and wires the card's inputs. */
export function setupTrack(state: AppState, i: 1 | 2): Track {
  const t: Track = {
    index: i,
    stackFiles: [],
    maskFile: null,
    incidenceFile: null,
    worker: null,
    outcome: null,
    reference: null,
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
    updateRunButton(state);
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

export function updateRunButton(state: AppState): void {
  const busy = state.tracks.some((t) => t.running);
  $<HTMLButtonElement>('run').disabled = busy || !state.tracks.some((t) => t.stackFiles.length > 0);
  $('cancel').hidden = !busy;
}

/** The panel's defaults: the CLI's, from fit's option table (jobs/fit-options.ts). */
export const PANEL_DEFAULTS = {
  maskMin: optionDefault<number>(FIT_OPTIONS, 'mask-min'),
  tolerance: optionDefault<number>(FIT_OPTIONS, 'tolerance'),
  minEpochs: optionDefault<number>(FIT_OPTIONS, 'min-epochs'),
} as const;

/** Puts the table's defaults into the option inputs (once, at start-up). */
export function setupOptions(): void {
  $<HTMLInputElement>('opt-mask-min').value = String(PANEL_DEFAULTS.maskMin);
  $<HTMLInputElement>('opt-tolerance').value = String(PANEL_DEFAULTS.tolerance);
  $<HTMLInputElement>('opt-min-epochs').value = String(PANEL_DEFAULTS.minEpochs);
}

export function readOptions(): Omit<FitRequest, 'type' | 'stackFiles' | 'maskFile' | 'incidence'> {
  const num = (id: string, fallback: number): number => {
    const v = $<HTMLInputElement>(id).value.trim();
    return v === '' ? fallback : Number(v);
  };
  const expected = $<HTMLInputElement>('opt-expected').value.trim();
  const unit = $<HTMLSelectElement>('opt-unit').value;
  return {
    unit: unit === '' ? null : unit,
    maskMin: num('opt-mask-min', PANEL_DEFAULTS.maskMin),
    tolerance: num('opt-tolerance', PANEL_DEFAULTS.tolerance),
    minEpochs: num('opt-min-epochs', PANEL_DEFAULTS.minEpochs),
    expectedExtrema: expected === '' ? null : Number(expected),
    device: $<HTMLSelectElement>('opt-device').value as DeviceChoice,
  };
}

/** Option problems caught before anything runs, named as the page labels them. */
export function checkOptions(o: ReturnType<typeof readOptions>): string | null {
  if (!Number.isFinite(o.maskMin)) return 'Mask threshold: not a number';
  if (!(o.tolerance >= 0)) return 'Seasonality tolerance: must be a number ≥ 0';
  if (!(Number.isInteger(o.minEpochs) && o.minEpochs > 7)) return 'Min. valid epochs: must be an integer > 7 (the three-sinusoid model has 7 parameters)';
  if (o.expectedExtrema !== null && !(Number.isInteger(o.expectedExtrema) && o.expectedExtrema >= 0)) return 'Expected extrema: must be a whole number ≥ 0';
  return null;
}
