// Argv → the fit job's typed options, shared by `fit` and `seasons` (and any caller that takes
// fit's option names, such as a corridor manifest's "fit" block).
import { DEFAULT_FIT_OPTIONS, THREE_SINUSOID_PARAMETERS } from '../core/fit-types.ts';
import { DEFAULT_MASK_MIN, type FitJobOptions } from '../jobs/fit.ts';
import { numberOption, optionalNumberOption } from './options.ts';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { InputError } from '../core/errors.ts';
import { normaliseDateText } from '../core/date-selection.ts';
import type { StackChoiceOptions } from '../jobs/fit.ts';

/** parseArgs declarations of the date/reference/geocoding options (fit and seasons). */
export const STACK_CHOICE_ARGV = {
  'start-date': { type: 'string' },
  'end-date': { type: 'string' },
  'exclude-date': { type: 'string', multiple: true },
  'ref-lalo': { type: 'string' },
  'ref-yx': { type: 'string' },
} as const;

/** Usage lines of those options. */
export const STACK_CHOICE_USAGE = `  --start-date YYYYMMDD   first date used (inclusive; MintPy's option names)
  --end-date YYYYMMDD     last date used (inclusive)
  --exclude-date D[,D…]|FILE  dates left out (repeatable), or a file with one date per line;
                          a date not in the stack is a WARNING naming it
  --ref-lalo LAT,LON      reference pixel: its series is subtracted from every pixel
                          (--ref-lalo=-LAT,LON for a negative latitude)
  --ref-yx ROW,COL        reference pixel by row and column (0-based)`;

function dateOption(values: Record<string, unknown>, name: string): string | null {
  const raw = values[name];
  if (raw === undefined) return null;
  const d = normaliseDateText(String(raw));
  if (!d) throw new InputError(`--${name}`, `"${String(raw)}" is not a date (YYYYMMDD or YYYY-MM-DD)`);
  return d;
}

/** --exclude-date values: dates (comma- or space-separated) or files of one date per line (# comments). */
function excludeDates(values: Record<string, unknown>): string[] {
  const raw = values['exclude-date'];
  const given = Array.isArray(raw) ? raw.map(String) : raw === undefined ? [] : [String(raw)];
  const out: string[] = [];
  for (const item of given) {
    const isFile = !/^[\d\s,-]+$/.test(item) || (existsSync(item) && statSync(item).isFile());
    if (isFile) {
      let text: string;
      try {
        text = readFileSync(item, 'utf8');
      } catch (e) {
        throw new InputError(item, `--exclude-date: neither dates nor a readable file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      }
      text.split(/\r?\n/).forEach((line, i) => {
        const t = line.replace(/#.*/, '').trim();
        if (!t) return;
        for (const word of t.split(/[\s,]+/)) {
          const d = normaliseDateText(word);
          if (!d) throw new InputError(item, `line ${i + 1}: "${word}" is not a date (YYYYMMDD or YYYY-MM-DD)`);
          out.push(d);
        }
      });
    } else {
      for (const word of item.split(/[\s,]+/).filter(Boolean)) {
        const d = normaliseDateText(word);
        if (!d) throw new InputError('--exclude-date', `"${word}" is not a date (YYYYMMDD or YYYY-MM-DD)`);
        out.push(d);
      }
    }
  }
  return [...new Set(out)].sort();
}

function pairOption(values: Record<string, unknown>, name: string, what: string, check: (a: number, b: number) => string | null): [number, number] | null {
  const raw = values[name];
  if (raw === undefined) return null;
  const parts = String(raw).split(/[\s,]+/).filter(Boolean).map(Number);
  if (parts.length !== 2 || parts.some((v) => !Number.isFinite(v))) throw new InputError(`--${name}`, `expected ${what}, got "${String(raw)}"`);
  const problem = check(parts[0], parts[1]);
  if (problem) throw new InputError(`--${name}`, problem);
  return [parts[0], parts[1]];
}

/** Date selection and reference pixel from argv (checked; one-line errors naming the option). */
export function stackChoiceFromArgv(values: Record<string, unknown>): StackChoiceOptions {
  const startDate = dateOption(values, 'start-date');
  const endDate = dateOption(values, 'end-date');
  if (startDate && endDate && startDate > endDate) throw new InputError('--start-date', `${startDate} is after --end-date ${endDate}`);
  const refLalo = pairOption(values, 'ref-lalo', 'LAT,LON in degrees', (lat, lon) => (Math.abs(lat) <= 90 && Math.abs(lon) <= 360 ? null : `${lat},${lon} is not a latitude,longitude`));
  const refYx = pairOption(values, 'ref-yx', 'ROW,COL', (r, c) => (Number.isInteger(r) && Number.isInteger(c) && r >= 0 && c >= 0 ? null : 'row and column are whole numbers ≥ 0'));
  if (refLalo && refYx) throw new InputError('--ref-lalo', 'give --ref-lalo or --ref-yx, not both');
  let laloStep: [number, number] | null = null;
  if (values['lalo-step'] !== undefined) {
    const parts = String(values['lalo-step']).split(/[\s,]+/).filter(Boolean).map(Number);
    if (!(parts.length === 1 || parts.length === 2) || parts.some((v) => !(Number.isFinite(v) && v !== 0))) throw new InputError('--lalo-step', `expected STEP or LAT_STEP,LON_STEP in degrees, got "${String(values['lalo-step'])}"`);
    // One value is both steps, as geocode.py takes it (Δlat negative, Δlon positive).
    laloStep = [-Math.abs(parts[0]), Math.abs(parts[parts.length - 1])];
  }
  return { startDate, endDate, excludeDates: excludeDates(values), refLalo, refYx, laloStep };
}

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
    ...stackChoiceFromArgv(values),
  };
}

