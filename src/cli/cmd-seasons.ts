// `permasar seasons STACK --out DIR` (issue 15): parses the options and runs the seasons job
// (jobs/seasons.ts): the fit, then per calendar year the seasonal amplitude and its
// peak day, and per seasonal pixel the trend of the amplitude.
import path from 'node:path';
import { InputError } from '../core/errors.ts';
import { DEFAULT_FIT_OPTIONS } from '../core/fit-types.ts';
import { DEFAULT_SEASONS_OPTIONS, seasonsOptionProblem, type SeasonsOptions } from '../core/seasons.ts';
import { SENTINEL1_WAVELENGTH_M } from '../pipeline/fit.ts';
import type { SeasonsRunResult } from '../pipeline/seasons.ts';
import { runSeasonsJob, type SeasonsJobOptions } from '../jobs/seasons.ts';
import { numberOrPath } from '../jobs/support/inputs-node.ts';
import { fitOptionsFromArgv, STACK_CHOICE_ARGV, STACK_CHOICE_USAGE } from './fit-options.ts';
import { numberOption, requiredString } from './options.ts';
import { cliJobContext, deviceOption } from './job-context.ts';
import type { Command } from './command.ts';

const USAGE = `usage: permasar seasons STACK --out DIR [options]

Per pixel: the fit of \`permasar fit\` (its products are written here too), then for each
calendar year with enough epochs the seasonal amplitude (peak to trough) and day of peak of
that year's detrended series, and, for seasonal pixels with enough years, the trend of the
amplitude (weighted least squares, mm/yr): where is the active layer deepening, and how fast?

options (those of fit):
  --out DIR               output folder (refused if it exists, unless --overwrite)
  --overwrite             replace an existing output folder (only once the new one is complete)
  --unit m|cm|mm|rad      unit of the stack (default: the file's UNIT attribute); results are mm
  --wavelength M          radar wavelength for --unit rad, metres (default ${SENTINEL1_WAVELENGTH_M}, Sentinel-1)
  --mask FILE             temporal coherence (GeoTIFF or MintPy .h5) on the stack's grid
  --mask-min X            keep pixels with mask ≥ X (default 0.6, as in the study)
  --mask-dataset NAME     dataset in an HDF5 mask
  --incidence FILE|DEG    incidence angle (GeoTIFF, or a constant in degrees), kept as incidence.tif
                          so that \`permasar vertical DIR\` projects the yearly amplitudes
  --min-epochs N          whole-series fit: fewer valid epochs → NaN (default ${DEFAULT_FIT_OPTIONS.minValidEpochs})
  --tolerance N           seasonal when |extrema − expected| ≤ N (default ${DEFAULT_FIT_OPTIONS.extremaTolerance})
  --expected-extrema N    expected maxima + minima (default round(2 × the pixel's span in years))
  --device gpu|cpu|auto   where the kernels run (default auto: GPU if an adapter exists)
  --tile-rows N           rows per tile (default: from the device's limits)
  --quiet                 no progress or result lines on the terminal
${STACK_CHOICE_USAGE}

options (per year):
  --min-year-epochs N     a year needs N valid epochs (default ${DEFAULT_SEASONS_OPTIONS.minYearEpochs})
  --min-year-months N     … in at least N distinct calendar months (default ${DEFAULT_SEASONS_OPTIONS.minYearMonths})
  --min-trend-years N     the amplitude trend needs N valid years (default ${DEFAULT_SEASONS_OPTIONS.minTrendYears})`;

export const seasonsCommand: Command = {
  name: 'seasons',
  summary: 'seasonal amplitude of every year and its trend (active-layer deepening) → GeoTIFFs',
  usage: USAGE,
  positionals: [1, 1],
  options: {
    out: { type: 'string' },
    overwrite: { type: 'boolean' },
    unit: { type: 'string' },
    wavelength: { type: 'string' },
    mask: { type: 'string' },
    'mask-min': { type: 'string' },
    'mask-dataset': { type: 'string' },
    incidence: { type: 'string' },
    'min-epochs': { type: 'string' },
    tolerance: { type: 'string' },
    'expected-extrema': { type: 'string' },
    'min-year-epochs': { type: 'string' },
    'min-year-months': { type: 'string' },
    'min-trend-years': { type: 'string' },
    device: { type: 'string' },
    'tile-rows': { type: 'string' },
    quiet: { type: 'boolean' },
    ...STACK_CHOICE_ARGV,
  },
  async run(values, positionals) {
    await runSeasonsCommand(values, positionals[0]);
  },
};

const SEASONS_OPTION_NAMES: Record<keyof SeasonsOptions, string> = {
  minYearEpochs: 'min-year-epochs',
  minYearMonths: 'min-year-months',
  minTrendYears: 'min-trend-years',
};

/** The seasons job's options from parsed argv: fit's, and the per-year ones. */
export function seasonsOptionsFromArgv(values: Record<string, unknown>): SeasonsJobOptions {
  const fit = fitOptionsFromArgv(values);
  const seasonsOptions: SeasonsOptions = {
    minYearEpochs: numberOption(values, 'min-year-epochs', DEFAULT_SEASONS_OPTIONS.minYearEpochs),
    minYearMonths: numberOption(values, 'min-year-months', DEFAULT_SEASONS_OPTIONS.minYearMonths),
    minTrendYears: numberOption(values, 'min-trend-years', DEFAULT_SEASONS_OPTIONS.minTrendYears),
  };
  const problem = seasonsOptionProblem(seasonsOptions);
  if (problem) throw new InputError(`--${SEASONS_OPTION_NAMES[problem.option]}`, problem.problem);
  return { ...fit, ...seasonsOptions };
}

export async function runSeasonsCommand(values: Record<string, unknown>, stackPath: string): Promise<SeasonsRunResult> {
  const outDir = path.resolve(requiredString(values, 'out'));
  const options = seasonsOptionsFromArgv(values);
  const ctx = cliJobContext(values, deviceOption(values));
  const inputs = {
    stack: stackPath,
    mask: values.mask as string | undefined,
    maskDataset: values['mask-dataset'] as string | undefined,
    incidence: numberOrPath(values.incidence as string | undefined),
  };
  return (await runSeasonsJob(inputs, options, outDir, ctx)).result;
}
