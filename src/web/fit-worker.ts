// The fit, off the page's thread: opens the user's files and runs the CLI's fit on them: the
// same preparation (pipeline/fit-preparation.ts: unit, mask check, epoch check, kernel choice by
// the one device rule, tile rule, refusals, summary) and the SAME runFitPipeline, so the products
// are the CLI's. Products are collected whole in memory (a browser tab holds what it shows) and
// transferred to the page; the stack stays open so a clicked pixel's series can be read and
// fitted in detail on request.
/// <reference lib="webworker" />
import { InputError, isInputError } from '../core/errors.ts';
import { FIT_PRODUCT_KEYS, type FitContext, type FitOptions, type FitProductKey } from '../core/fit-types.ts';
import { makeTimeAxis } from '../core/time.ts';
import { runSeasonsPipeline } from '../pipeline/seasons.ts';
import { DEFAULT_SEASONS_OPTIONS, type SeasonsContext } from '../core/seasons.ts';
import type { DeviceSelection } from '../pipeline/devices.ts';
import { checkPixelsFitted, prepareFit, preparedFitSummary, selectFitKernels } from '../pipeline/fit-preparation.ts';
import { pixelDetail } from '../pipeline/pixel-detail.ts';
import type { StackSource } from '../io/stack.ts';
import { describeStackFiles, h5ReadStats, h5wasmHeapBytes, openStackFiles, readAlignedRaster } from './open-files.ts';
import { installEpsgDatabase } from './epsg-database.ts';
import { browserDevices } from './devices.ts';
import type { FitOutcome, FitRequest, SeriesRequest, WorkerMessage, WorkerRequest } from './protocol.ts';
import { subtractReferenceSeries } from './reference.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;

function post(message: WorkerMessage, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

/** What a finished fit leaves behind for pixel requests. */
let opened: { stack: StackSource; context: FitContext; seasons: SeasonsContext } | null = null;

/**
 * Progress granularity: at least this many tiles, so the bar moves even on the CPU path (a
 * parameter of the fit's one tile rule, pipeline/fit.ts fitTileRows).
 */
const MIN_TILES_FOR_PROGRESS = 24;

async function runFit(req: FitRequest): Promise<void> {
  const started = performance.now();
  opened?.stack.close();
  opened = null;
  const stackName = describeStackFiles(req.stackFiles);
  post({ type: 'status', text: `reading ${stackName}` });
  await installEpsgDatabase(); // GeoTIFF CRSs are checked against it (crs.ts)
  const stack = await openStackFiles(req.stackFiles);
  let keepOpen = false;
  let devices: DeviceSelection | null = null;
  try {
    const options: FitOptions = { minValidEpochs: req.minEpochs, extremaTolerance: req.tolerance, expectedExtrema: req.expectedExtrema };
    const prep = await prepareFit({
      stack,
      name: stackName,
      command: '',
      options,
      maskMin: req.maskMin,
      unit: req.unit ?? undefined,
      warn: (line) => post({ type: 'note', text: line }),
      optionNames: { unit: 'Unit', minEpochs: 'Min. epochs' },
      readAuxiliary: async (grid) => {
        const mask = req.maskFile ? { data: (await readAlignedRaster(req.maskFile, grid)).data, name: req.maskFile.name } : null;
        let incidence: FitOutcome['incidence'] = null;
        if (typeof req.incidence === 'number') {
          if (!(req.incidence > 0 && req.incidence < 90)) throw new InputError('Incidence', `${req.incidence}° is not an incidence angle (0–90°)`);
          incidence = { data: new Float32Array(grid.width * grid.height).fill(req.incidence), source: `constant ${req.incidence}°` };
        } else if (req.incidence) {
          const raster = await readAlignedRaster(req.incidence, grid, 'incidenceAngle');
          incidence = { data: raster.data, source: req.incidence.name };
        }
        return { mask, incidence };
      },
    });
    const { grid } = stack;
    const { scale } = prep;
    const { incidence } = prep.auxiliary!;

    post({ type: 'status', text: req.device === 'cpu' ? 'starting the CPU kernel' : 'requesting a WebGPU adapter' });
    devices = browserDevices(req.device);
    // Only a switch after the choice (the GPU failing mid-run) is told to the page as it happens;
    // why the GPU was not used at all goes with the device message. The per-year fits of
    // `permasar seasons` ride along on each tile (pipeline/seasons.ts) on the float64 kernel:
    // three parameters per year cost little next to the fit itself.
    let chosen = false;
    const kernels = await selectFitKernels(devices, { perYear: 'float64', log: (line) => { if (chosen) post({ type: 'note', text: line.replace(/^device: /, '') }); } });
    chosen = true;
    const kernel = kernels.fit;
    const notes = kernels.notes;
    post({ type: 'device', kind: kernel.kind, description: kernel.description, notes: [...notes] });
    post({ type: 'status', text: `fitting ${stack.dates.length} dates × ${grid.width}×${grid.height} pixels` });

    const products = Object.fromEntries(FIT_PRODUCT_KEYS.map((k) => [k, new Float32Array(grid.width * grid.height)])) as Record<FitProductKey, Float32Array>;
    const nPixels = grid.width * grid.height;
    let seasonsResult;
    let byYear: Float32Array[] = [];
    const amplitudeTrend = new Float32Array(nPixels);
    try {
      seasonsResult = await runSeasonsPipeline({
        stack: prep.stack,
        fitKernel: kernel,
        seasonsKernel: kernels.perYear!,
        seasonsOptions: DEFAULT_SEASONS_OPTIONS,
        seasonsWriter: {
          writeByYear: (key, y, row0, data) => {
            if (key !== 'amplitudeMm') return;
            while (byYear.length <= y) byYear.push(new Float32Array(nPixels).fill(NaN));
            byYear[y].set(data, row0 * grid.width);
          },
          writePixel: (key, row0, data) => { if (key === 'amplitudeTrendMmPerYear') amplitudeTrend.set(data, row0 * grid.width); },
        },
        options,
        scaleToMm: scale.scaleToMm,
        mask: prep.mask,
        minTiles: MIN_TILES_FOR_PROGRESS,
        fitWriter: { writeRows: (key, row0, _nRows, data) => products[key].set(data, row0 * grid.width) },
        onProgress: (rowsDone, rowsTotal) => post({ type: 'progress', rowsDone, rowsTotal }),
      });
    } finally {
      await kernels.dispose();
    }
    const result = seasonsResult.fit;
    byYear = seasonsResult.years.map((_, y) => byYear[y] ?? new Float32Array(nPixels).fill(NaN));
    checkPixelsFitted(result, prep);
    const device = { kind: kernel.kind, description: kernel.description, notes, choice: req.device };
    const summary = preparedFitSummary(prep, {
      inputs: { stack: stackName, mask: req.maskFile?.name ?? null, incidence: incidence?.source ?? null, geometry: null },
      deviceChoice: req.device,
      device,
      result,
      elapsedSeconds: (performance.now() - started) / 1000,
    });
    const axis = makeTimeAxis(stack.dates);
    opened = { stack, context: { tCentredYears: axis.tCentredYears, tMidYears: axis.tMidYears, scaleToMm: scale.scaleToMm, options }, seasons: seasonsResult.context };
    keepOpen = true;
    const outcome: FitOutcome = {
      stackName,
      grid,
      dates: stack.dates,
      orbitDirection: stack.attributes.ORBIT_DIRECTION?.trim().toUpperCase() || null,
      products,
      incidence,
      device,
      summary,
      seasons: { years: seasonsResult.years, amplitudeByYearMm: byYear, amplitudeTrendMmPerYear: amplitudeTrend },
      memory: {
        stackBytes: req.stackFiles.reduce((sum, f) => sum + f.size, 0),
        wasmHeapBytes: h5wasmHeapBytes(),
        tileRows: result.tileRows,
        reads: h5ReadStats(),
      },
    };
    const transfer: Transferable[] = [...Object.values(products), ...byYear, amplitudeTrend].map((a) => a.buffer);
    if (incidence) transfer.push(incidence.data.buffer);
    post({ type: 'done', outcome }, transfer);
  } finally {
    await devices?.dispose();
    if (!keepOpen) stack.close();
  }
}

/** One pixel's series as stored (not yet scaled to mm), NaN = no data. */
async function readPixelSeries(stack: StackSource, row: number, col: number): Promise<Float32Array> {
  const { width, height } = stack.grid;
  if (row < 0 || row >= height || col < 0 || col >= width) throw new Error(`pixel (${row}, ${col}) outside the grid`);
  const rows = await stack.readRows(row, 1);
  const nDates = stack.dates.length;
  const raw = new Float32Array(nDates);
  for (let d = 0; d < nDates; d++) raw[d] = rows[d * width + col];
  return raw;
}

async function readSeries(req: SeriesRequest): Promise<void> {
  if (!opened) throw new Error('no stack is open');
  const { stack, context } = opened;
  let raw = await readPixelSeries(stack, req.row, req.col);
  // Relative to the page's reference pixel, as InSAR viewers show it: series − series_ref,
  // date by date (reference.ts), then fitted like any series.
  if (req.reference) raw = subtractReferenceSeries(raw, await readPixelSeries(stack, req.reference.row, req.reference.col));
  const { fit, seasons } = pixelDetail(raw, context, opened.seasons);
  const axis = makeTimeAxis(stack.dates);
  post({
    type: 'series',
    series: {
      requestId: req.requestId,
      row: req.row,
      col: req.col,
      reference: req.reference,
      tYears: Array.from(axis.tYears),
      valuesMm: Array.from(raw, (v) => v * context.scaleToMm),
      tMidYears: context.tMidYears,
      fit,
      seasons,
    },
  });
}

scope.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const req = event.data;
  const work = req.type === 'fit' ? runFit(req) : readSeries(req);
  work.catch((e: unknown) => {
    const inputError = isInputError(e);
    const message = e instanceof Error ? (inputError ? e.message : `${e.name}: ${e.message}`) : String(e);
    if (!inputError) console.error(e);
    post({ type: 'error', message, inputError, requestId: req.type === 'series' ? req.requestId : undefined });
  });
};
