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

/**
 * Largest plausible |displacement| of a stack, by unit: 10 m of ground motion (a metric stack
 * never holds more over permafrost; a stack in mm stored as "m" shows thousands), or 100 rad of
 * unwrapped phase (≈ 0.44 m at C band). Above it the unit is most likely wrong.
 */
export const PLAUSIBLE_DISPLACEMENT_M = 10;
export const PLAUSIBLE_PHASE_RAD = 100;

/**
 * A one-line warning when the largest |value| seen in the stack is implausible for its unit, or
 * null. Cheap enough to run on every tile as it streams (one pass over values in memory).
 */
export function implausibleUnitWarning(maxAbsValue: number, scale: StackScale, stackName: string, optionName = '--unit'): string | null {
  if (!Number.isFinite(maxAbsValue)) return null;
  const limit = scale.unit === 'rad' ? PLAUSIBLE_PHASE_RAD : (PLAUSIBLE_DISPLACEMENT_M * 1000) / scale.scaleToMm;
  if (maxAbsValue <= limit) return null;
  const what = scale.unit === 'rad' ? `${PLAUSIBLE_PHASE_RAD} rad of phase` : `${PLAUSIBLE_DISPLACEMENT_M} m of displacement`;
  return `WARNING: ${stackName}: values up to ${maxAbsValue.toPrecision(4)} ${scale.unit}, more than ${what}: is the unit right? (${optionName} ${KNOWN_UNITS.join('|')})`;
}

/**
 * Largest finite |value| of a block, or of every `stride`-th value (NaN when none is finite).
 * The loop keeps a running low and high with plain comparisons, which NaN fails: several times
 * faster than |v| with a NaN-aware maximum.
 */
export function maxAbsFinite(values: ArrayLike<number>, stride = 1): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i += stride) {
    const v = values[i];
    if (v > hi) hi = v;
    if (v < lo) lo = v;
  }
  if (hi === Infinity || lo === -Infinity) return maxAbsFiniteSlow(values, stride);
  if (hi < lo) return NaN; // no finite value
  return Math.max(Math.abs(lo), Math.abs(hi));
}

/** The same, for a block holding ±Infinity (which must not count). */
function maxAbsFiniteSlow(values: ArrayLike<number>, stride: number): number {
  let max = NaN;
  for (let i = 0; i < values.length; i += stride) {
    const a = Math.abs(values[i]);
    if (a < Infinity && !(a <= max)) max = a;
  }
  return max;
}

/**
 * One-line problem with an auxiliary raster whose finite values must lie in [min, max] (with
 * open ends where `open` says so), or null. NaN is "no data" and always allowed.
 */
export function rangeProblem(values: ArrayLike<number>, range: { min: number; max: number; openMin?: boolean; openMax?: boolean }, what: string): string | null {
  let lo = Infinity, hi = -Infinity, bad = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    const below = range.openMin ? v <= range.min : v < range.min;
    const above = range.openMax ? v >= range.max : v > range.max;
    if (below || above) bad++;
  }
  if (!bad) return null;
  const interval = `${range.openMin ? '(' : '['}${range.min}, ${range.max}${range.openMax ? ')' : ']'}`;
  return `values from ${lo} to ${hi} (${bad} outside ${interval}): ${what}`;
}
