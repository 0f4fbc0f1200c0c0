// Argv → the fit job's typed options, shared by `fit` and `seasons` (and any caller that takes
// fit's option names, such as a corridor manifest's "fit" block).
import { DEFAULT_FIT_OPTIONS, THREE_SINUSOID_PARAMETERS } from '../core/fit-types.ts';
import { DEFAULT_MASK_MIN, type FitJobOptions } from '../pipeline/jobs/fit.ts';
import { numberOption, optionalNumberOption } from './options.ts';

/** The fit job's options from parsed argv (numbers checked, one-line errors naming the option). */
export function fitOptionsFromArgv(values: Record<string, unknown>): FitJobOptions {
  const wavelengthM = numberOption(values, 'wavelength', NaN, (v) => (v > 0 ? null : 'must be > 0'));
  return {
    minValidEpochs: numberOption(values, 'min-epochs', DEFAULT_FIT_OPTIONS.minValidEpochs, (v) =>
      Number.isInteger(v) && v > THREE_SINUSOID_PARAMETERS ? null : `must be an integer > ${THREE_SINUSOID_PARAMETERS} (the three-sinusoid model has ${THREE_SINUSOID_PARAMETERS} parameters)`),
    extremaTolerance: numberOption(values, 'tolerance', DEFAULT_FIT_OPTIONS.extremaTolerance, (v) => (v >= 0 ? null : 'must be ≥ 0')),
    expectedExtrema: optionalNumberOption(values, 'expected-extrema', (v) => (Number.isInteger(v) && v >= 0 ? null : 'must be a whole number ≥ 0')),
    maskMin: numberOption(values, 'mask-min', DEFAULT_MASK_MIN),
    unit: values.unit as string | undefined,
    wavelengthM: Number.isFinite(wavelengthM) ? wavelengthM : undefined,
    tileRows: optionalNumberOption(values, 'tile-rows', (v) => (Number.isInteger(v) && v > 0 ? null : 'must be a positive integer')) ?? undefined,
    overwrite: Boolean(values.overwrite),
  };
}

