// `permasar fit STACK --out DIR`: parses the options and runs the fit job
// (jobs/fit.ts: the per-pixel fits of DESIGN.md §1, items 1–4).
import path from 'node:path';
import { DEFAULT_FIT_OPTIONS, THREE_SINUSOID_PARAMETERS } from '../core/fit-types.ts';
import { SENTINEL1_WAVELENGTH_M, type FitRunResult } from '../pipeline/fit.ts';
import { runFitJob, type FitJobInputs } from '../jobs/fit.ts';
import { numberOrPath } from '../jobs/support/inputs-node.ts';
import { requiredString } from './options.ts';
import { fitOptionsFromArgv, STACK_CHOICE_ARGV, STACK_CHOICE_USAGE } from './fit-options.ts';
import { cliJobContext, deviceOption } from './job-context.ts';
import type { Command } from './command.ts';

const USAGE = `usage: permasar fit STACK --out DIR [options]

STACK is a MintPy timeseries.h5 (geocoded, or in radar coordinates with --geometry
geometryRadar.h5), a LiCSBAS cum.h5 / cum_filt.h5, or a folder of single-band GeoTIFFs with
YYYYMMDD in each name.

options:
  --out DIR               output folder (refused if it exists, unless --overwrite)
  --overwrite             replace an existing output folder (only once the new one is complete)
  --unit m|cm|mm|rad      unit of the stack (default: the file's UNIT attribute); results are mm
  --wavelength M          radar wavelength for --unit rad, metres (default ${SENTINEL1_WAVELENGTH_M}, Sentinel-1)
  --mask FILE             temporal coherence (GeoTIFF or MintPy .h5) on the stack's grid
  --mask-min X            keep pixels with mask ≥ X (default 0.6, as in the study)
  --mask-dataset NAME     dataset in an HDF5 mask (default: temporalCoherence, mask, or the only 2-D one)
  --incidence FILE|DEG    incidence angle (GeoTIFF, or a constant in degrees), kept as incidence.tif
  --geometry FILE         MintPy geometryGeo.h5 (incidenceAngle, azimuthAngle), LiCSBAS cum.h5 or
                          FRAME.geo.{E,N,U}.tif (LOS unit vector): kept as incidence.tif + azimuth.tif;
                          geometryRadar.h5 for a radar-coded stack (products geocoded, radar/ kept)
  --lalo-step LAT,LON     geocoded pixel size in degrees (default: from the mean radar pixel spacing)
${STACK_CHOICE_USAGE}
  --min-epochs N          pixels with fewer valid epochs are NaN (default ${DEFAULT_FIT_OPTIONS.minValidEpochs}, at least ${THREE_SINUSOID_PARAMETERS + 1})
  --tolerance N           seasonal when |extrema − expected| ≤ N (default ${DEFAULT_FIT_OPTIONS.extremaTolerance})
  --expected-extrema N    expected maxima + minima (default round(2 × the pixel's span in years))
  --device gpu|cpu|auto   where the kernels run (default auto: GPU if an adapter exists)
  --tile-rows N           rows per tile (default: from the device's limits)
  --quiet                 no progress or result lines on the terminal`;

export const fitCommand: Command = {
  name: 'fit',
  summary: 'per-pixel trend, seasonality test, Eq. 1 amplitude and timing → GeoTIFFs',
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
    geometry: { type: 'string' },
    'lalo-step': { type: 'string' },
    ...STACK_CHOICE_ARGV,
    'min-epochs': { type: 'string' },
    tolerance: { type: 'string' },
    'expected-extrema': { type: 'string' },
    device: { type: 'string' },
    'tile-rows': { type: 'string' },
    quiet: { type: 'boolean' },
  },
  async run(values, positionals) {
    await runFitCommand(values, positionals[0]);
  },
};

export async function runFitCommand(values: Record<string, unknown>, stackPath: string): Promise<FitRunResult> {
  const outDir = path.resolve(requiredString(values, 'out'));
  const options = fitOptionsFromArgv(values);
  const ctx = cliJobContext(values, deviceOption(values));
  const inputs: FitJobInputs = {
    stack: stackPath,
    mask: values.mask as string | undefined,
    maskDataset: values['mask-dataset'] as string | undefined,
    incidence: numberOrPath(values.incidence as string | undefined),
    geometry: values.geometry as string | undefined,
  };
  return (await runFitJob(inputs, options, outDir, ctx)).result;
}
