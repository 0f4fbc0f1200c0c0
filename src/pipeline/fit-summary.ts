// summary.json of `fit`, built in one place for the CLI and the web app, so a summary
// downloaded from the page has the same fields, conventions and statistics as the CLI's.
// Inputs are named by the caller: absolute paths in the CLI, file names in the browser.
import type { RasterGrid } from '../core/grid.ts';
import type { FitOptions } from '../core/fit-types.ts';
import type { FitRunResult } from './fit.ts';
import { FIT_PRODUCT_INFO } from './fit-products.ts';
import type { StackScale } from './fit-setup.ts';
import type { StackFormat } from '../io/stack.ts';
import type { StackSelectionRecord } from './stack-selection.ts';

export interface FitSummaryInputs {
  /** The stack as the user gave it (path, or file names in the browser). */
  stack: string;
  format: StackFormat;
  grid: RasterGrid;
  scale: StackScale;
  refDate: string | null;
  mask: string | null;
  /** Where the incidence came from ("constant 39°", a path), null when none. */
  incidence: string | null;
  geometry: string | null;
}

export interface FitSummaryArgs {
  command?: string;
  inputs: FitSummaryInputs;
  options: FitOptions;
  /** Threshold actually applied (null when no mask was given). */
  maskMin: number | null;
  deviceChoice: string;
  device: { kind: 'cpu' | 'gpu'; description: string; notes: string[] };
  result: FitRunResult;
  elapsedSeconds: number;
  created?: Date;
  /** Date selection and reference pixel (pipeline/stack-selection.ts), null when none was asked for. */
  selection?: StackSelectionRecord | null;
  /** How radar-coded products were geocoded, null for a geocoded stack. */
  geocoding?: Record<string, unknown> | null;
}

export function buildFitSummary(a: FitSummaryArgs) {
  const { inputs, result } = a;
  const { grid } = inputs;
  const { axis } = result;
  return {
    software: 'permasar',
    command: a.command ?? 'fit',
    created: (a.created ?? new Date()).toISOString(),
    inputs: {
      stack: inputs.stack,
      format: inputs.format,
      grid: { width: grid.width, height: grid.height, geoTransform: grid.geoTransform, epsg: grid.epsg },
      unit: inputs.scale.unit,
      scaleToMm: inputs.scale.scaleToMm,
      wavelengthM: inputs.scale.unit === 'rad' ? inputs.scale.wavelengthM : null,
      refDate: inputs.refDate,
      mask: inputs.mask,
      incidence: inputs.incidence,
      geometry: inputs.geometry,
    },
    options: { ...a.options, maskMin: a.maskMin, device: a.deviceChoice },
    device: { kind: a.device.kind, description: a.device.description, notes: a.device.notes },
    conventions: {
      sign: 'LOS displacement positive toward the satellite (MintPy)',
      time: 'decimal year = year + (day of year − 1) / 365.25 (MintPy); design matrices on t − t_mid',
      amplitude: 'peak to trough, 2|A| of Eq. 1, mm',
      timing: 'day of year (1 ≤ doy < 367) of the maximum of the annual term',
    },
    dates: axis.dates,
    selection: a.selection ?? null,
    geocoding: a.geocoding ?? null,
    timeAxis: { tFirstYears: axis.tYears[0], tLastYears: axis.tYears[axis.tYears.length - 1], tMidYears: axis.tMidYears },
    counts: {
      pixels: result.pixels,
      masked: result.maskedPixels,
      withData: result.pixelsWithData,
      noData: result.pixels - result.pixelsWithData,
      seasonal: result.seasonalPixels,
      notSeasonal: result.nonSeasonalPixels,
      seasonalPercentOfData: result.pixelsWithData ? (100 * result.seasonalPixels) / result.pixelsWithData : null,
    },
    products: Object.fromEntries(FIT_PRODUCT_INFO.map((info) => [info.file, { unit: info.unit, description: info.description, ...result.statistics[info.key] }])),
    tiles: result.tiles,
    elapsedSeconds: a.elapsedSeconds,
  };
}

export type FitSummary = ReturnType<typeof buildFitSummary>;
