// The option table of `permasar fit` (and of `seasons`, which takes all of fit's options and
// adds its own, jobs/seasons-options.ts), and the conversion of its values into the fit job's
// typed options. The CLI, the corridor manifest's "fit" block and the web app's panel read the
// names, defaults, checks and help from here (support/option-table.ts). Platform-free: the one
// option that reads a file (--exclude-date FILE) is given a reader by its caller.
import { InputError, optionError } from '../core/errors.ts';
import { normaliseDateText } from '../core/date-selection.ts';
import { DEFAULT_FIT_OPTIONS, THREE_SINUSOID_PARAMETERS } from '../core/fit-types.ts';
import { SENTINEL1_WAVELENGTH_M } from '../pipeline/fit.ts';
import {
  DEVICE_OPTION, OUT_OPTION, OVERWRITE_OPTION, QUIET_OPTION, readOptions,
  type OptionSpec, type OptionTable,
} from './support/option-table.ts';

/** Keep pixels whose temporal coherence is ≥ this (the study's threshold). */
export const DEFAULT_MASK_MIN = 0.6;

/** Typed options of the fit job (fit.ts) that come from this table. */
export interface FitTableOptions {
  minValidEpochs?: number;
  extremaTolerance?: number;
  expectedExtrema?: number | null;
  maskMin?: number;
  unit?: string;
  wavelengthM?: number;
  tileRows?: number;
  overwrite?: boolean;
  startDate?: string | null;
  endDate?: string | null;
  excludeDates?: string[];
  refLalo?: [number, number] | null;
  refYx?: [number, number] | null;
  laloStep?: [number, number] | null;
}

function dateValue(name: string) {
  return (raw: unknown) => {
    const d = normaliseDateText(String(raw));
    if (!d) throw optionError(name, `"${String(raw)}" is not a date (YYYYMMDD or YYYY-MM-DD)`);
    return d;
  };
}

function pairValue(name: string, what: string, check: (a: number, b: number) => string | null) {
  return (raw: unknown): [number, number] => {
    const parts = (Array.isArray(raw) ? raw.map(Number) : String(raw).split(/[\s,]+/).filter(Boolean).map(Number));
    if (parts.length !== 2 || parts.some((v) => !Number.isFinite(v))) throw optionError(name, `expected ${what}, got "${String(raw)}"`);
    const problem = check(parts[0], parts[1]);
    if (problem) throw optionError(name, problem);
    return [parts[0], parts[1]];
  };
}

/** Date selection and reference (fit and seasons; MintPy's option names). */
export const STACK_CHOICE_OPTIONS: OptionTable = [
  { name: 'start-date', kind: 'custom', value: 'YYYYMMDD', help: 'first date used (inclusive; MintPy\'s option names)', parse: dateValue('start-date'), manifest: false },
  { name: 'end-date', kind: 'custom', value: 'YYYYMMDD', help: 'last date used (inclusive)', parse: dateValue('end-date'), manifest: false },
  {
    name: 'exclude-date', kind: 'custom', multiple: true, value: 'D[,D…]|FILE', manifest: false,
    help: ['dates left out (repeatable), or a file with one date per line;', 'a date not in the stack is a WARNING naming it'],
    // The raw items: dates or files, told apart (and files read) by excludeDatesFrom.
    parse: (raw) => (Array.isArray(raw) ? raw.map(String) : [String(raw)]),
  },
  {
    name: 'ref-lalo', kind: 'custom', value: 'LAT,LON', manifest: false,
    help: ['reference pixel: its series is subtracted from every pixel', '(--ref-lalo=-LAT,LON for a negative latitude)'],
    parse: pairValue('ref-lalo', 'LAT,LON in degrees', (lat, lon) => (Math.abs(lat) <= 90 && Math.abs(lon) <= 360 ? null : `${lat},${lon} is not a latitude,longitude`)),
  },
  {
    name: 'ref-yx', kind: 'custom', value: 'ROW,COL', help: 'reference pixel by row and column (0-based)', manifest: false,
    parse: pairValue('ref-yx', 'ROW,COL', (r, c) => (Number.isInteger(r) && Number.isInteger(c) && r >= 0 && c >= 0 ? null : 'row and column are whole numbers ≥ 0')),
  },
];

const minEpochs: OptionSpec = {
  name: 'min-epochs', kind: 'number', value: 'N', default: DEFAULT_FIT_OPTIONS.minValidEpochs,
  help: `pixels with fewer valid epochs are NaN (at least ${THREE_SINUSOID_PARAMETERS + 1})`,
  check: (v: number) => (Number.isInteger(v) && v > THREE_SINUSOID_PARAMETERS ? null : `must be an integer > ${THREE_SINUSOID_PARAMETERS} (the three-sinusoid model has ${THREE_SINUSOID_PARAMETERS} parameters)`),
};

/** What fit reads besides its options: paths per frame in a corridor, so not in its block. */
const FIT_INPUT_OPTIONS: OptionTable = [
  { name: 'mask', kind: 'file', value: 'FILE', help: 'temporal coherence (GeoTIFF or MintPy .h5) on the stack\'s grid', manifest: false },
  { name: 'mask-min', kind: 'number', value: 'X', default: DEFAULT_MASK_MIN, help: 'keep pixels with mask ≥ X, as the study did' },
  { name: 'mask-dataset', kind: 'text', value: 'NAME', help: 'dataset in an HDF5 mask (default: temporalCoherence, mask, or the only 2-D one)' },
  { name: 'incidence', kind: 'file-or-number', value: 'FILE|DEG', help: 'incidence angle (GeoTIFF, or a constant in degrees), kept as incidence.tif' },
];

/** `permasar fit`'s options, in --help order. */
export const FIT_OPTIONS: OptionTable = [
  OUT_OPTION,
  OVERWRITE_OPTION,
  { name: 'unit', kind: 'text', value: 'm|cm|mm|rad', defaultText: 'the file\'s UNIT attribute', help: 'unit of the stack; results are mm' },
  {
    name: 'wavelength', kind: 'number', value: 'M', defaultText: `${SENTINEL1_WAVELENGTH_M}, Sentinel-1`,
    help: 'radar wavelength for --unit rad, metres', check: (v: number) => (v > 0 ? null : 'must be > 0'),
  },
  ...FIT_INPUT_OPTIONS,
  {
    name: 'geometry', kind: 'file', value: 'FILE', manifest: false,
    help: ['MintPy geometryGeo.h5 (incidenceAngle, azimuthAngle), LiCSBAS cum.h5 or',
      'FRAME.geo.{E,N,U}.tif (LOS unit vector): kept as incidence.tif + azimuth.tif;',
      'geometryRadar.h5 for a radar-coded stack (products geocoded, radar/ kept)'],
  },
  {
    name: 'lalo-step', kind: 'custom', value: 'LAT,LON', manifest: false,
    help: 'geocoded pixel size in degrees (default: from the mean radar pixel spacing)',
    parse: (raw) => {
      const parts = String(raw).split(/[\s,]+/).filter(Boolean).map(Number);
      if (!(parts.length === 1 || parts.length === 2) || parts.some((v) => !(Number.isFinite(v) && v !== 0))) throw optionError('lalo-step', `expected STEP or LAT_STEP,LON_STEP in degrees, got "${String(raw)}"`);
      // One value is both steps, as geocode.py takes it (Δlat negative, Δlon positive).
      return [-Math.abs(parts[0]), Math.abs(parts[parts.length - 1])];
    },
  },
  ...STACK_CHOICE_OPTIONS,
  minEpochs,
  {
    name: 'tolerance', kind: 'number', value: 'N', default: DEFAULT_FIT_OPTIONS.extremaTolerance,
    help: 'seasonal when |extrema − expected| ≤ N', check: (v: number) => (v >= 0 ? null : 'must be ≥ 0'),
  },
  {
    name: 'expected-extrema', kind: 'number', value: 'N', help: 'expected maxima + minima (default round(2 × the pixel\'s span in years))',
    check: (v: number) => (Number.isInteger(v) && v >= 0 ? null : 'must be a whole number ≥ 0'),
  },
  DEVICE_OPTION,
  { name: 'tile-rows', kind: 'number', value: 'N', help: 'rows per tile (default: from the device\'s limits)', check: (v: number) => (Number.isInteger(v) && v > 0 ? null : 'must be a positive integer') },
  QUIET_OPTION,
];

/** How --exclude-date reads its files: Node's fs for the CLI and the corridor; none in the web app. */
export interface DateFileAccess {
  isFile(path: string): boolean;
  /** The file's text; throws InputError(path, …) when it cannot be read. */
  read(path: string): string;
}

/** No files (the web app): every --exclude-date item is a list of dates. */
export const NO_DATE_FILES: DateFileAccess = { isFile: () => false, read: (p) => { throw new InputError(p, '--exclude-date: files cannot be read here'); } };

/**
 * --exclude-date items → dates: an item is a list of dates, or a file of one date per line (#
 * comments); text that is not dates is always taken as a file.
 */
export function excludeDatesFrom(items: readonly string[], files: DateFileAccess): string[] {
  const out: string[] = [];
  for (const item of items) {
    if (!/^[\d\s,-]+$/.test(item) || files.isFile(item)) {
      files.read(item).split(/\r?\n/).forEach((line, i) => {
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
        if (!d) throw optionError('exclude-date', `"${word}" is not a date (YYYYMMDD or YYYY-MM-DD)`);
        out.push(d);
      }
    }
  }
  return [...new Set(out)].sort();
}

/** The fit job's options from a table's values (argv or a manifest block), checked. */
export function fitOptionsFrom(values: Record<string, unknown>, files: DateFileAccess): FitTableOptions {
  const v = readOptions(FIT_OPTIONS, values);
  const startDate = (v['start-date'] as string | undefined) ?? null;
  const endDate = (v['end-date'] as string | undefined) ?? null;
  if (startDate && endDate && startDate > endDate) throw optionError('start-date', `${startDate} is after --end-date ${endDate}`);
  const refLalo = (v['ref-lalo'] as [number, number] | undefined) ?? null;
  const refYx = (v['ref-yx'] as [number, number] | undefined) ?? null;
  if (refLalo && refYx) throw optionError('ref-lalo', 'give --ref-lalo or --ref-yx, not both');
  return {
    minValidEpochs: v['min-epochs'] as number,
    extremaTolerance: v.tolerance as number,
    expectedExtrema: (v['expected-extrema'] as number | undefined) ?? null,
    maskMin: v['mask-min'] as number,
    unit: v.unit as string | undefined,
    wavelengthM: v.wavelength as number | undefined,
    tileRows: v['tile-rows'] as number | undefined,
    overwrite: Boolean(v.overwrite),
    startDate,
    endDate,
    excludeDates: excludeDatesFrom((v['exclude-date'] as string[] | undefined) ?? [], files),
    refLalo,
    refYx,
    laloStep: (v['lalo-step'] as [number, number] | undefined) ?? null,
  };
}
