// The fit's preparation, written once for `permasar fit`, `permasar seasons` (src/jobs/) and the
// web worker (src/web/fit-worker.ts), so the same stack and the same choices give the same
// numbers and the same refusals everywhere (issue 20). Platform-free: the caller opens the stack
// and reads the auxiliary rasters its own way (Node files, browser File objects) and hands them
// over; everything decided from them is here:
//
//   1. prepareFit: unit and scale to mm → the caller's auxiliary rasters (read after the unit
//      check) → the mask's range check → for a radar-coded stack, the map grid of the products
//      → date selection and reference pixel (stack-selection.ts) → the epoch check; and the
//      stack the fit reads, checked for an implausible unit as its tiles stream.
//   2. selectFitKernels: the fit kernel by the one device rule (kernels.ts, devices.ts), and the
//      per-year kernel of `seasons` with it.
//   3. The tiles: runFitPipeline's one rule (fit.ts fitTileRows; the web app asks for more tiles
//      for its progress bar through `minTiles`, not a rule of its own).
//   4. checkPixelsFitted: "no pixel has N or more valid epochs".
//   5. preparedFitSummary: summary.json's inputs from the preparation (fit-summary.ts).
//   6. productGeocoder: radar-coded products onto the map grid by the nearest radar pixel
//      (core/geocode.ts), with the quicklook previews and summary.json's "geocoding" record.
import { InputError } from '../core/errors.ts';
import type { FitKernel, FitOptions, FitProductKey } from '../core/fit-types.ts';
import type { SeasonsKernel } from '../core/seasons.ts';
import type { RasterGrid } from '../core/grid.ts';
import { applyNearest, geocodeGridOf, nearestRadarPixels, type GeocodeGrid, type RadarLookup } from '../core/geocode.ts';
import type { StackSource } from '../io/stack.ts';
import { checkEpochCount, implausibleUnitWarning, maxAbsFinite, rangeProblem, resolveStackScale, type StackScale } from './fit-setup.ts';
import { applyStackSelection, type StackSelectionOptions, type StackSelectionRecord } from './stack-selection.ts';
import type { FitMask, FitPreview, FitRunResult } from './fit.ts';
import { buildFitSummary, type FitSummary, type FitSummaryArgs } from './fit-summary.ts';
import type { DeviceSelection } from './devices.ts';
import { float64SeasonsKernel, selectFitKernel, selectSeasonsKernel } from './kernels.ts';

/** What the caller read besides the stack (its own readers), on the stack's grid. */
export interface FitAuxiliary {
  /** Quality raster (temporal coherence) and how errors name it, or null. */
  mask: { data: Float32Array; name: string } | null;
  /** A radar-coded stack's latitude/longitude per pixel, and the file they came from. */
  lookup?: { lookup: RadarLookup; file: string } | null;
}

export interface FitPreparationRequest<A extends FitAuxiliary> {
  /** The stack as opened. */
  stack: StackSource;
  /** The stack in messages: the path as given (CLI), the file names (browser). */
  name: string;
  /** Prefix of warning lines ("permasar fit"); empty for none. */
  command: string;
  options: FitOptions;
  /** Keep pixels with mask ≥ this: the caller's value or the option table's default (FIT_OPTIONS "mask-min"). */
  maskMin: number;
  /** Unit of the stack (default: its UNIT attribute) and the wavelength for rad. */
  unit?: string;
  wavelengthM?: number;
  /** Date selection and reference pixel (MintPy's options). */
  selection?: StackSelectionOptions;
  /** Pixel size [Δlat, Δlon] of the geocoded grid (radar-coded stacks; default from the lookup). */
  laloStep?: [number, number] | null;
  warn(line: string): void;
  /** How errors name the options: the CLI's (--unit, --min-epochs) unless the page gives its labels. */
  optionNames?: { unit?: string; minEpochs?: string };
  /** Reads the auxiliary rasters on `grid`, after the unit check and before the date selection. */
  readAuxiliary?: (grid: RasterGrid) => Promise<A>;
}

export interface FitPreparation<A extends FitAuxiliary = FitAuxiliary> {
  /** The stack the fit reads: dates selected, re-referenced, its values checked for the unit. */
  stack: StackSource;
  name: string;
  scale: StackScale;
  options: FitOptions;
  maskMin: number;
  /** What readAuxiliary returned (null without one). */
  auxiliary: A | null;
  /** The mask and its threshold for runFitPipeline, undefined without a mask. */
  mask: FitMask | undefined;
  /** The threshold applied: maskMin with a mask, else null (summary.json). */
  appliedMaskMin: number | null;
  selection: StackSelectionRecord | null;
  /** A radar-coded stack: the map grid its products are geocoded onto (else null). */
  geocode: GeocodeGrid | null;
}

/**
 * Values of each block the unit check looks at: every 16th. A wrong unit shows in every pixel,
 * and looking at every value was ~1 s of a 0.9 GB fit (bench/README.md, issue 13).
 */
const UNIT_CHECK_STRIDE = 16;

/** Everything decided before the first tile is read (see the head of this file). */
export async function prepareFit<A extends FitAuxiliary>(req: FitPreparationRequest<A>): Promise<FitPreparation<A>> {
  const { name, options, maskMin } = req;
  const unitName = req.optionNames?.unit ?? '--unit';
  const scale = resolveStackScale(req.stack, name, req.unit, req.wavelengthM, unitName);
  const grid = req.stack.grid;
  const auxiliary = req.readAuxiliary ? await req.readAuxiliary(grid) : null;
  const maskData = auxiliary?.mask ?? null;
  if (maskData) {
    // A wrong raster given as the mask (an incidence map, a velocity) would mask nothing or everything.
    const problem = rangeProblem(maskData.data, { min: 0, max: 1 }, 'a temporal coherence mask lies in [0, 1] (NaN for no data)');
    if (problem) throw new InputError(maskData.name, problem);
  }
  const lookup = auxiliary?.lookup ?? null;
  if (grid.radarCoded && !lookup) throw new InputError(name, 'in radar coordinates: the products need latitude/longitude per pixel (geometryRadar.h5) to be geocoded');
  const geocode = grid.radarCoded ? geocodeGridOf(lookup!.lookup, lookup!.file, req.laloStep) : null;
  const mask = maskData?.data ?? null;
  const { stack, record: selection } = await applyStackSelection(req.stack, req.selection ?? {}, {
    warn: req.warn, command: req.command, lookup: lookup?.lookup ?? null,
    mask: mask ? { at: (row, col) => mask[row * grid.width + col], min: maskMin } : null,
  });
  checkEpochCount(stack.dates.length, options.minValidEpochs, name, req.optionNames?.minEpochs);
  return {
    stack: warnOnImplausibleUnit(stack, scale, name, unitName, (line) => req.warn(req.command ? `${req.command}: ${line}` : line)),
    name,
    scale,
    options,
    maskMin,
    auxiliary,
    mask: mask ? { rows: async (row0, nRows) => mask.subarray(row0 * grid.width, (row0 + nRows) * grid.width), min: maskMin } : undefined,
    appliedMaskMin: mask ? maskMin : null,
    selection,
    geocode,
  };
}

/**
 * The stack, with every block it serves checked for values implausible in its unit (a stack in
 * mm labelled m): one WARNING line, naming the unit option, the first time (not an error: the
 * user may know better). Checked as the tiles stream, on every UNIT_CHECK_STRIDE-th value.
 */
function warnOnImplausibleUnit(stack: StackSource, scale: StackScale, stackName: string, unitName: string, warn: (line: string) => void): StackSource {
  let warned = false;
  // Everything else is the stack's own (a prototype link keeps its methods and getters).
  const checked: StackSource = Object.create(stack);
  checked.readRows = async (row0: number, nRows: number) => {
    const block = await stack.readRows(row0, nRows);
    if (!warned) {
      const warning = implausibleUnitWarning(maxAbsFinite(block, UNIT_CHECK_STRIDE), scale, stackName, unitName);
      if (warning) {
        warned = true;
        warn(warning);
      }
    }
    return block;
  };
  return checked;
}

// ---------------------------------------------------------------------------------------------
// kernels

export interface FitKernels {
  fit: FitKernel;
  /** The per-year kernel of `seasons`, or null when not asked for. */
  perYear: SeasonsKernel | null;
  /** Why the GPU was not used, and later switches (the fallback kernels push here): summary.json's device notes. */
  notes: string[];
  dispose(): Promise<void>;
}

/**
 * The fit kernel by the one device rule (GPU, behind the CPU fallback under auto; `makeCpu`,
 * default the float64 kernel), and the per-year kernel: "follow-fit" is `seasons`' rule (on the
 * GPU when the fit runs there), "float64" the reference kernel whatever the fit's device.
 */
export async function selectFitKernels(devices: DeviceSelection, opts: { makeCpu?: () => FitKernel; perYear?: 'follow-fit' | 'float64' | null; log?: (line: string) => void } = {}): Promise<FitKernels> {
  const selected = await selectFitKernel(devices, opts.makeCpu, opts.log);
  const fit = selected.kernel;
  const notes = selected.notes;
  let perYear: SeasonsKernel | null = null;
  try {
    if (opts.perYear === 'follow-fit') {
      const seasons = await selectSeasonsKernel(devices, fit, opts.log);
      perYear = seasons.kernel;
      notes.push(...seasons.notes.map((n) => `per-year kernel: ${n}`));
    } else if (opts.perYear === 'float64') {
      perYear = float64SeasonsKernel();
    }
  } catch (e) {
    await fit.dispose();
    throw e;
  }
  return {
    fit,
    perYear,
    notes,
    async dispose() {
      try {
        await fit.dispose();
      } finally {
        await perYear?.dispose();
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// after the tiles

/** The refusal when no pixel was fitted (`tail`: what the caller adds, "nothing written"). */
export function checkPixelsFitted(result: FitRunResult, prep: FitPreparation, tail?: string): void {
  if (result.pixelsWithData > 0) return;
  throw new InputError(prep.name, `no pixel has ${prep.options.minValidEpochs} or more valid epochs${prep.mask ? ` after the mask (≥ ${prep.maskMin})` : ''}: the stack is all NaN or nearly so${tail ? `; ${tail}` : ''}`);
}

/** summary.json (fit-summary.ts) with the inputs, options and selection of the preparation. */
export function preparedFitSummary(prep: FitPreparation, a: {
  command?: string;
  /** How the inputs are named: absolute paths in the CLI, file names in the browser. */
  inputs: { stack: string; mask: string | null; incidence: string | null; geometry: string | null };
  /** The products' grid (the map grid of geocoded products; default the stack's). */
  grid?: RasterGrid;
  deviceChoice: string;
  device: FitSummaryArgs['device'];
  result: FitRunResult;
  elapsedSeconds: number;
  geocoding?: Record<string, unknown> | null;
}): FitSummary {
  return buildFitSummary({
    ...(a.command ? { command: a.command } : {}),
    inputs: {
      stack: a.inputs.stack,
      format: prep.stack.format,
      grid: a.grid ?? prep.stack.grid,
      scale: prep.scale,
      refDate: prep.stack.refDate,
      mask: a.inputs.mask,
      incidence: a.inputs.incidence,
      geometry: a.inputs.geometry,
    },
    options: prep.options,
    maskMin: prep.appliedMaskMin,
    deviceChoice: a.deviceChoice,
    device: a.device,
    result: a.result,
    elapsedSeconds: a.elapsedSeconds,
    selection: prep.selection,
    geocoding: a.geocoding ?? null,
  });
}

// ---------------------------------------------------------------------------------------------
// radar-coded products onto the map grid

export interface ProductGeocoder {
  /** The map grid (north-up EPSG:4326). */
  grid: RasterGrid;
  /** For every map pixel, the radar pixel whose value it takes, or −1 (core/geocode.ts). */
  nearest: Int32Array;
  /** A radar-grid raster on the map grid (NaN outside the footprint). */
  apply(radar: ArrayLike<number>): Float32Array;
  /** Every `step`-th map pixel of each raster, the long side about `size` (quicklook previews). */
  preview(radar: readonly ArrayLike<number>[], size: number): { width: number; height: number; step: number; data: Float32Array[] };
  /** summary.json's "geocoding". */
  record: Record<string, unknown>;
}

/** The nearest-radar-pixel map of a radar-coded preparation (MintPy geocode.py's default). */
export function productGeocoder(prep: FitPreparation): ProductGeocoder {
  const geocode = prep.geocode;
  const lookup = prep.auxiliary?.lookup;
  if (!geocode || !lookup) throw new Error('productGeocoder: the stack is not radar-coded');
  const nearest = nearestRadarPixels(lookup.lookup, geocode);
  const grid = geocode.grid;
  let covered = 0;
  for (const i of nearest) if (i >= 0) covered++;
  return {
    grid,
    nearest,
    apply: (radar) => applyNearest(nearest, radar),
    preview(radar, size) {
      const step = Math.max(1, Math.ceil(Math.max(grid.width, grid.height) / size));
      const width = Math.ceil(grid.width / step), height = Math.ceil(grid.height / step);
      const data = radar.map((src) => {
        const out = new Float32Array(width * height);
        for (let r = 0; r < height; r++) {
          for (let c = 0; c < width; c++) {
            const i = nearest[r * step * grid.width + c * step];
            out[r * width + c] = i >= 0 ? src[i] : NaN;
          }
        }
        return out;
      });
      return { width, height, step, data };
    },
    record: {
      from: 'radar coordinates',
      lookup: lookup.file,
      method: 'nearest radar pixel within its footprint (MintPy geocode.py, --interp nearest)',
      grid: { width: grid.width, height: grid.height, geoTransform: grid.geoTransform, epsg: grid.epsg },
      latStepDeg: geocode.latStepDeg,
      lonStepDeg: geocode.lonStepDeg,
      stepFrom: geocode.stepFrom,
      radarColumnStepM: geocode.columnStepM,
      radarRowStepM: geocode.rowStepM,
      pixelsInFootprint: covered,
      radarProducts: 'radar/ (the same products on the radar grid)',
    },
  };
}

const FIT_PREVIEW_KEYS = ['rateMmPerYear', 'seasonalAmplitudeMm', 'peakDayOfYear', 'seasonalFlag'] as const;

/** The fit's quicklook preview of geocoded products (fit-quicklooks.ts), from the radar-grid products. */
export function geocodedFitPreview(geocoder: ProductGeocoder, radar: (key: FitProductKey) => ArrayLike<number>, size = 1200): FitPreview {
  const p = geocoder.preview(FIT_PREVIEW_KEYS.map(radar), size);
  const data: FitPreview['data'] = {};
  FIT_PREVIEW_KEYS.forEach((key, i) => { data[key] = p.data[i]; });
  return { width: p.width, height: p.height, step: p.step, data };
}
