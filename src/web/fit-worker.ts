// The fit, off the page's thread: opens the user's files, picks the kernel by the one device
// rule (pipeline/devices.ts: WebGPU through navigator.gpu, else the float64 CPU kernel), and
// drives the SAME runFitPipeline the CLI runs, so the products are the CLI's. Products are collected whole in memory (a browser tab
// holds what it shows) and transferred to the page; the stack stays open so a clicked pixel's
// series can be read and fitted in detail on request.
/// <reference lib="webworker" />
import fitWgsl from '../../shaders/fit.wgsl?raw';
import { registerShaderSource } from '../gpu/shader-source.ts';
import { acquireGpu } from '../gpu/device.ts';
import { CpuFitKernel, fitPixelDetailed } from '../cpu/fit.ts';
import { InputError, isInputError } from '../core/errors.ts';
import { FIT_PRODUCT_KEYS, type FitContext, type FitKernel, type FitOptions, type FitProductKey } from '../core/fit-types.ts';
import { makeTimeAxis } from '../core/time.ts';
import { runSeasonsPipeline } from '../pipeline/seasons.ts';
import { CpuSeasonsKernel, seasonsPixelDetailed } from '../cpu/seasons.ts';
import { DEFAULT_SEASONS_OPTIONS, type SeasonsContext } from '../core/seasons.ts';
import { DeviceSelection, type DevicePlatform } from '../pipeline/devices.ts';
import { selectFitKernel } from '../pipeline/kernels.ts';
import { checkEpochCount, resolveStackScale } from '../pipeline/fit-setup.ts';
import { buildFitSummary } from '../pipeline/fit-summary.ts';
import type { StackSource } from '../io/stack.ts';
import { describeStackFiles, h5ReadStats, h5wasmHeapBytes, openStackFiles, readAlignedRaster } from './open-files.ts';
import { installEpsgDatabase } from './epsg-database.ts';
import type { FitOutcome, FitRequest, SeriesRequest, WorkerMessage, WorkerRequest } from './protocol.ts';
import { subtractReferenceSeries } from './reference.ts';

registerShaderSource('fit', fitWgsl);

const scope = self as unknown as DedicatedWorkerGlobalScope;

function post(message: WorkerMessage, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

/** What a finished fit leaves behind for pixel requests. */
let opened: { stack: StackSource; context: FitContext; seasons: SeasonsContext } | null = null;

/** Progress granularity: at least this many tiles, so the bar moves even on the CPU path. */
const MIN_TILES_FOR_PROGRESS = 24;

/**
 * Largest row block read at once, bytes of float32 stack values. The stack is read block by
 * block (as the CLI does) and only the block is in memory: h5wasm's heap grows to about one
 * block, so a multi-GB file costs the tab this much, not its size.
 */
const MAX_TILE_BYTES = 32 * 1024 * 1024;

/**
 * The browser's device platform for the one device-selection rule (pipeline/devices.ts):
 * navigator.gpu, and the words the page has always shown.
 */
const BROWSER_DEVICE_PLATFORM: DevicePlatform = {
  acquire: () => acquireGpu(),
  unavailable: () => ('gpu' in navigator && navigator.gpu ? null : 'this browser has no WebGPU (navigator.gpu is missing)'),
  gpuRequiredLabel: 'Device "GPU"',
  noAdapterNote: 'WebGPU offers no adapter on this machine',
  cpuFallbackNote: 'fitted on the CPU path (float64) instead',
};

/** The fit kernel for `choice` (GPU behind the CPU fallback under auto), on `devices`. */
async function selectKernel(devices: DeviceSelection, notes: string[]): Promise<FitKernel> {
  let chosen = false;
  // Only a switch after the choice (the GPU failing mid-run) is told to the page as it happens;
  // why the GPU was not used at all goes with the device message.
  const log = (line: string) => { if (chosen) post({ type: 'note', text: line.replace(/^device: /, '') }); };
  const selected = await selectFitKernel(devices, () => new CpuFitKernel(), log);
  chosen = true;
  notes.push(...selected.notes);
  return selected.kernel;
}

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
    const scale = resolveStackScale(stack, stackName, req.unit ?? undefined, undefined, 'Unit');
    checkEpochCount(stack.dates.length, options.minValidEpochs, stackName, 'Min. epochs');
    const { grid } = stack;

    const mask = req.maskFile ? await readAlignedRaster(req.maskFile, grid) : null;
    let incidence: FitOutcome['incidence'] = null;
    if (typeof req.incidence === 'number') {
      if (!(req.incidence > 0 && req.incidence < 90)) throw new InputError('Incidence', `${req.incidence}° is not an incidence angle (0–90°)`);
      incidence = { data: new Float32Array(grid.width * grid.height).fill(req.incidence), source: `constant ${req.incidence}°` };
    } else if (req.incidence) {
      const raster = await readAlignedRaster(req.incidence, grid, 'incidenceAngle');
      incidence = { data: raster.data, source: req.incidence.name };
    }

    post({ type: 'status', text: req.device === 'cpu' ? 'starting the CPU kernel' : 'requesting a WebGPU adapter' });
    const notes: string[] = [];
    devices = new DeviceSelection(req.device, BROWSER_DEVICE_PLATFORM);
    const kernel = await selectKernel(devices, notes);
    post({ type: 'device', kind: kernel.kind, description: kernel.description, notes: [...notes] });
    post({ type: 'status', text: `fitting ${stack.dates.length} dates × ${grid.width}×${grid.height} pixels` });

    const products = Object.fromEntries(FIT_PRODUCT_KEYS.map((k) => [k, new Float32Array(grid.width * grid.height)])) as Record<FitProductKey, Float32Array>;
    const rowBytes = 4 * stack.dates.length * grid.width;
    const tileRows = Math.max(1, Math.min(
      Math.floor(kernel.maxTilePixels(stack.dates.length) / grid.width),
      Math.ceil(grid.height / MIN_TILES_FOR_PROGRESS),
      Math.floor(MAX_TILE_BYTES / rowBytes),
    ));
    // The per-year fits of `permasar seasons` ride along on each tile (pipeline/seasons.ts), on
    // the float64 kernel: three parameters per year cost little next to the fit itself.
    const nPixels = grid.width * grid.height;
    let seasonsResult;
    let byYear: Float32Array[] = [];
    const amplitudeTrend = new Float32Array(nPixels);
    try {
      seasonsResult = await runSeasonsPipeline({
        stack,
        fitKernel: kernel,
        seasonsKernel: new CpuSeasonsKernel(),
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
        maskRows: mask ? async (row0, nRows) => mask.data.subarray(row0 * grid.width, (row0 + nRows) * grid.width) : undefined,
        maskMin: req.maskMin,
        tileRows,
        fitWriter: { writeRows: (key, row0, _nRows, data) => products[key].set(data, row0 * grid.width) },
        onProgress: (rowsDone, rowsTotal) => post({ type: 'progress', rowsDone, rowsTotal }),
      });
    } finally {
      await kernel.dispose();
    }
    const result = seasonsResult.fit;
    byYear = seasonsResult.years.map((_, y) => byYear[y] ?? new Float32Array(nPixels).fill(NaN));
    if (result.pixelsWithData === 0) {
      throw new InputError(stackName, `no pixel has ${options.minValidEpochs} or more valid epochs${mask ? ` after the mask (≥ ${req.maskMin})` : ''}: the stack is all NaN or nearly so`);
    }
    const device = { kind: kernel.kind, description: kernel.description, notes, choice: req.device };
    const summary = buildFitSummary({
      inputs: {
        stack: stackName,
        format: stack.format,
        grid,
        scale,
        refDate: stack.refDate,
        mask: req.maskFile?.name ?? null,
        incidence: incidence?.source ?? null,
        geometry: null,
      },
      options,
      maskMin: mask ? req.maskMin : null,
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
        tileRows,
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
  const fit = fitPixelDetailed(raw, context);
  const rate = fit.eq1 ? fit.eq1.rateMmPerYear : fit.trend ? fit.trend.rateMmPerYear : NaN;
  const seasons = opened.seasons.years.length ? seasonsPixelDetailed(raw, rate, fit.seasonal, opened.seasons) : null;
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
