// `permasar compare ASC_FIT DESC_FIT --out DIR`: parses the options and runs the compare job
// (jobs/compare.ts): direction of motion from the ascending and descending fit
// products (Table 1 of the study), and with both geometries the up/east decomposition.
import path from 'node:path';
import { InputError } from '../core/errors.ts';
import { checkDirectionThresholds, DEFAULT_DIRECTION_THRESHOLDS, type DirectionThresholds } from '../core/direction.ts';
import { runCompareJob, type CompareJobSummary } from '../jobs/compare.ts';
import type { CompareRun } from '../pipeline/compare.ts';
import { numberOption, requiredString } from './options.ts';
import { cliJobContext, deviceOption } from './job-context.ts';
import type { Command } from './command.ts';

const T = DEFAULT_DIRECTION_THRESHOLDS;

const USAGE = `usage: permasar compare ASC_FIT DESC_FIT --out DIR [options]

ASC_FIT and DESC_FIT are output folders of permasar fit (ascending and descending track).
The descending products are resampled onto the ascending grid as gdalwarp does (bilinear for
rate and amplitude, NaN neighbours weighted 0 and the rest renormalised; on the unit circle for
timing; nearest for the seasonal flag; identical grids copied exactly) and compared on the
overlap. Tracks may be in any geographic or projected EPSG CRS; they are reprojected with proj4.

options:
  --out DIR                  output folder (refused if it exists, unless --overwrite)
  --overwrite                replace an existing output folder (only once the new one is complete)
  --rate-threshold X         rates similar when their magnitudes differ by ≤ X mm/yr (default ${T.rateMmPerYear})
  --amplitude-threshold X    amplitudes similar when they differ by ≤ X mm (default ${T.amplitudeMm})
  --in-phase-days X          in phase when the peak days are ≤ X days apart (default ${T.inPhaseDays})
  --anti-phase-days X        out of phase centre, days (default ${T.antiPhaseDays})
  --anti-phase-tolerance X   out of phase when |Δday − centre| ≤ X days (default ${T.antiPhaseToleranceDays})
  --asc-geometry FILE        MintPy geometryGeo.h5 of the ascending track (incidenceAngle, azimuthAngle)
  --desc-geometry FILE       the same for the descending track; with both, rate_up/rate_east etc.
                             (default: incidence.tif + azimuth.tif kept by fit --geometry, if both folders have them)
  --device gpu|cpu|auto      where the kernel runs (default auto: GPU if an adapter exists)
  --quiet                    no result lines on the terminal

classes (direction_secular.tif, direction_seasonal.tif, uint8):
  1 vertical, 2 east-west, 3 undetermined, 0 not tested (not seasonal on both), 255 no data.
  A rate pair with BOTH rates within the rate threshold of zero is undetermined (their signs
  are noise), counted apart as "both near zero" in summary.json.`;

export const compareCommand: Command = {
  name: 'compare',
  summary: 'ascending vs descending: direction of motion (Table 1), up/east decomposition',
  usage: USAGE,
  positionals: [2, 2],
  options: {
    out: { type: 'string' },
    overwrite: { type: 'boolean' },
    'rate-threshold': { type: 'string' },
    'amplitude-threshold': { type: 'string' },
    'in-phase-days': { type: 'string' },
    'anti-phase-days': { type: 'string' },
    'anti-phase-tolerance': { type: 'string' },
    'asc-geometry': { type: 'string' },
    'desc-geometry': { type: 'string' },
    device: { type: 'string' },
    quiet: { type: 'boolean' },
  },
  async run(values, positionals) {
    await runCompareCommand(values, positionals[0], positionals[1]);
  },
};

export function thresholdsFrom(values: Record<string, unknown>): DirectionThresholds {
  const nonNegative = (v: number) => (v >= 0 ? null : 'must be ≥ 0');
  const t: DirectionThresholds = {
    rateMmPerYear: numberOption(values, 'rate-threshold', T.rateMmPerYear, nonNegative),
    amplitudeMm: numberOption(values, 'amplitude-threshold', T.amplitudeMm, nonNegative),
    inPhaseDays: numberOption(values, 'in-phase-days', T.inPhaseDays, nonNegative),
    antiPhaseDays: numberOption(values, 'anti-phase-days', T.antiPhaseDays, (v) => (v > 0 && v <= 182.625 ? null : 'must be in (0, 182.625] days')),
    antiPhaseToleranceDays: numberOption(values, 'anti-phase-tolerance', T.antiPhaseToleranceDays, nonNegative),
  };
  const problem = checkDirectionThresholds(t);
  if (problem) throw new InputError('--in-phase-days', problem);
  return t;
}

export interface CompareCommandResult {
  run: CompareRun;
  summary: CompareJobSummary;
}

/** `keepPlanes`: also return the whole grid's planes in `run` (tests; see CompareJobOptions). */
export async function runCompareCommand(values: Record<string, unknown>, ascDir: string, descDir: string, keepPlanes = false): Promise<CompareCommandResult> {
  const outDir = path.resolve(requiredString(values, 'out'));
  const thresholds = thresholdsFrom(values);
  const ctx = cliJobContext(values, deviceOption(values));
  return runCompareJob(
    { ascending: ascDir, descending: descDir, ascGeometry: values['asc-geometry'] as string | undefined, descGeometry: values['desc-geometry'] as string | undefined },
    { thresholds, overwrite: Boolean(values.overwrite), keepPlanes },
    outDir,
    ctx,
  );
}
