// What `fit` decides before any pixel is read, shared by the CLI and the web app so the same
// input and the same choices give the same numbers: the stack's unit and its scale to mm, and
// the check that the stack has enough dates for the model.
import { InputError } from '../core/errors.ts';
import { THREE_SINUSOID_PARAMETERS } from '../core/fit-types.ts';
import { KNOWN_UNITS, normaliseUnit, SENTINEL1_WAVELENGTH_M, unitScaleToMm, type StackUnit } from './fit.ts';

export interface StackScale {
  unit: StackUnit;
  /** Radar wavelength used for a phase stack (option, else the file's, else Sentinel-1). */
  wavelengthM: number;
  scaleToMm: number;
}

/**
 * Unit: the user's choice wins, then the file's own attribute; never a guess.
 * @param optionName how the user's choice is named in errors ("--unit" in the CLI, "Unit" in the page)
 */
export function resolveStackScale(
  stack: { unit: string | null; wavelengthM: number | null },
  stackName: string,
  unitOption: string | undefined,
  wavelengthOptionM: number | undefined,
  optionName = '--unit',
): StackScale {
  if (unitOption !== undefined && !normaliseUnit(unitOption)) {
    throw new InputError(optionName, `unknown unit "${unitOption}" (expected ${KNOWN_UNITS.join('|')})`);
  }
  const unitText = unitOption ?? stack.unit ?? undefined;
  if (!unitText) throw new InputError(stackName, `unit unknown (no UNIT attribute); choose ${optionName} ${KNOWN_UNITS.join('|')}`);
  const unit = normaliseUnit(unitText);
  if (!unit) throw new InputError(stackName, `unknown unit "${unitText}" in the file; choose ${optionName} ${KNOWN_UNITS.join('|')}`);
  const wavelengthM = wavelengthOptionM !== undefined && Number.isFinite(wavelengthOptionM) ? wavelengthOptionM : stack.wavelengthM ?? SENTINEL1_WAVELENGTH_M;
  return { unit, wavelengthM, scaleToMm: unitScaleToMm(unit, wavelengthM) };
}

/** The model has THREE_SINUSOID_PARAMETERS unknowns: fewer dates than minValidEpochs fit nothing. */
export function checkEpochCount(nDates: number, minValidEpochs: number, stackName: string, optionName = '--min-epochs'): void {
  if (nDates < minValidEpochs) {
    throw new InputError(stackName, `${nDates} dates, fewer than ${optionName} ${minValidEpochs} (the model needs more epochs than its ${THREE_SINUSOID_PARAMETERS} parameters)`);
  }
}
