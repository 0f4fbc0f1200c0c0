// MintPy's interferogram stack, ifgramStack.h5, through h5wasm, platform-free: the caller opens
// the h5wasm File (Node: ifgram-stack-node.ts; a browser: a file in h5wasm's in-memory FS).
//
// Layout (../shared/INVERSION.md §1; MintPy objects/stack.py class ifgramStack): `unwrapPhase`
// float32 (M, L, W) rad, 0 = no data; `coherence` float32 (M, L, W); `connectComponent` int16
// (M, L, W), 0 = not unwrapped; `date` |S8 (M, 2) reference and secondary date; `bperp` float32
// (M,); `dropIfgram` bool (M,), True = KEEP. Root attributes are text.
//
// A stack is 20–30 GB: nothing here reads a 3-D dataset whole. Reads are hyperslabs of a row
// block for a list of interferograms, one slice per contiguous run of indices, and the caller is
// told the datasets' chunk rows so its blocks cover whole chunks (HDF5's chunk cache is 1 MiB:
// a chunk split between two blocks would be read twice).

import type { Dataset as H5Dataset, File as H5File } from 'h5wasm';
import type { RasterGrid } from '../core/grid.ts';
import { InputError } from '../core/errors.ts';
import { choleskyInPlace, choleskySolveInPlace } from '../core/linalg.ts';
import { daysOfDate8, type IfgramPair } from '../core/inversion.ts';
import { callHdf5, innermostHdf5Message } from './hdf5-trace.ts';
import { asH5InputError, getDataset, h5DatasetNames, mintpyGrid, rootAttributes, toFloat32 } from './mintpy-h5.ts';

/** The per-interferogram 3-D datasets a reader serves. */
export type IfgramDatasetName = 'unwrapPhase' | 'coherence' | 'connectComponent';

/** h5wasm type class codes (H5T_class_t) in Dataset.metadata.type. */
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;
const H5T_ENUM = 8; // h5py stores numpy bool as an enum {FALSE: 0, TRUE: 1} of int8

/** HDF5's built-in filters (deflate, shuffle, fletcher32, szip, nbit, scaleoffset): h5wasm decodes these. */
const BUILT_IN_FILTERS = new Set([1, 2, 3, 4, 5, 6]);

export interface IfgramStackInfo {
  /** The path it was opened from (named in errors). */
  file: string;
  /** Rows (MintPy LENGTH) and columns (WIDTH), from unwrapPhase's shape. */
  length: number;
  width: number;
  /** Every interferogram in file order (dropped ones too), dates normalised to YYYYMMDD. */
  pairs: IfgramPair[];
  /** dropIfgram per interferogram: true = KEEP (MintPy's misleading name); all true when absent. */
  keep: boolean[];
  /** Perpendicular baseline per interferogram (m), null when the file has no `bperp`. */
  bperp: Float32Array | null;
  /** Every root attribute as text, as MintPy's readfile.read_attribute sees them. */
  attributes: Record<string, string>;
  /** WAVELENGTH (m), null when absent. */
  wavelengthM: number | null;
  /** Reference pixel (REF_Y row, REF_X column), null when the file has none. */
  ref: { y: number; x: number } | null;
  /** The looks attributes present, as numbers (core/inversion.ts weightLooks takes this). */
  looks: { NCORRLOOKS?: number; ALOOKS?: number; RLOOKS?: number };
  hasCoherence: boolean;
  hasConnectComponent: boolean;
  /** Geocoded (X_FIRST…) or radar coordinates (grid.radarCoded). */
  grid: RasterGrid;
  /** Rows per HDF5 chunk of unwrapPhase (1 when contiguous: any row block is whole). */
  chunkRows: number;
  /** Interferograms per HDF5 chunk of unwrapPhase (M when contiguous). */
  chunkIfgrams: number;
  /**
   * MintPy's START_DATE / END_DATE (ifgramStack.get_metadata): first and last of ALL dates,
   * dropped interferograms' included (INVERSION.md §2.9 quirk 6).
   */
  startDate: string;
  endDate: string;
  /** How `date` was written ('YYYYMMDD', 'YYMMDD' or 'YYYY-MM-DD'); pairs are YYYYMMDD whatever it was. */
  dateFormat: DateFormat;
  /** HDF5 filter names per dataset present (connectComponent is LZF-compressed by MintPy). */
  filters: Partial<Record<IfgramDatasetName, string[]>>;
}

export interface IfgramStackReader {
  readonly info: IfgramStackInfo;
  /**
   * Rows row0 … row0 + nRows − 1 of `dataset` for the interferograms `ifgramIndices` (file
   * order indices, any order), interferogram-major: out[(k · nRows + row) · width + col] for
   * ifgramIndices[k]. connectComponent (int16) comes back as float. Each run of consecutive
   * ascending indices is one hyperslab read.
   */
  readRows(dataset: IfgramDatasetName, ifgramIndices: readonly number[], row0: number, nRows: number): Float32Array;
  /** One pixel of `dataset` for `ifgramIndices`: out[k] (e.g. the reference pixel's phase). */
  readPixel(dataset: IfgramDatasetName, ifgramIndices: readonly number[], row: number, col: number): Float32Array;
  close(): void;
}

export type DateFormat = 'YYYYMMDD' | 'YYMMDD' | 'YYYY-MM-DD';

const DATE_FORMATS: { format: DateFormat; pattern: RegExp; toYmd(m: RegExpExecArray): string }[] = [
  { format: 'YYYYMMDD', pattern: /^(\d{4})(\d{2})(\d{2})$/, toYmd: (m) => m[1] + m[2] + m[3] },
  // Python's %y (MintPy: datetime.strptime with get_date_str_format's '%y%m%d'): 69–99 → 19xx, 00–68 → 20xx.
  { format: 'YYMMDD', pattern: /^(\d{2})(\d{2})(\d{2})$/, toYmd: (m) => (Number(m[1]) >= 69 ? '19' : '20') + m[1] + m[2] + m[3] },
  { format: 'YYYY-MM-DD', pattern: /^(\d{4})-(\d{2})-(\d{2})$/, toYmd: (m) => m[1] + m[2] + m[3] },
];

/**
 * The format of one date of `date` (MintPy's ptime.get_date_str_format, date-only forms), or null.
 * Forms with a time of day (YYYYMMDDTHHMM…) are not accepted: MintPy then puts the hours into
 * the temporal baselines, which the YYYYMMDD network of core/inversion.ts cannot carry.
 */
export function ifgramDateFormat(text: string): DateFormat | null {
  return DATE_FORMATS.find((f) => f.pattern.test(text))?.format ?? null;
}

/**
 * One date of `date` as YYYYMMDD, in the file's format `format` (MintPy decides the format from
 * the first date and applies it to all: a mixture fails its strptime, and is refused here).
 */
export function normaliseIfgramDate(text: string, format: DateFormat, file: string, where: string): string {
  const spec = DATE_FORMATS.find((f) => f.format === format)!;
  const m = spec.pattern.exec(text);
  const ymd = m ? spec.toYmd(m) : null;
  if (!ymd || Number.isNaN(daysOfDate8(ymd))) {
    const other = ifgramDateFormat(text);
    const why = other && other !== format ? `a ${other} date among ${format} ones` : `not a ${format} date`;
    throw new InputError(file, `dataset "date": ${where} is "${printable(text)}", ${why}`);
  }
  return ymd;
}

function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 40);
}

function typeClass(ds: H5Dataset, file: string, name: string): number {
  return asH5InputError(file, `cannot read the type of dataset "${name}"`, () => ds.metadata.type);
}

function shapeOf(ds: H5Dataset, file: string, name: string): number[] {
  return asH5InputError(file, `cannot read the shape of dataset "${name}"`, () => ds.shape) ?? [];
}

/**
 * A dataset's whole value (the small ones: date, bperp, dropIfgram). Strict about HDF5's error
 * trace: h5wasm returns a buffer without throwing when H5Dread fails (a filter it lacks, a
 * damaged chunk), so a trace is the only sign the values are not the file's.
 */
function datasetValue(ds: H5Dataset, file: string, name: string): unknown {
  const outcome = callHdf5(() => ds.value);
  const traced = innermostHdf5Message(outcome.trace);
  if (outcome.ok && traced === null) return outcome.value;
  const detail = traced ?? (outcome.ok ? 'read failed' : (outcome.error instanceof Error ? outcome.error.message : String(outcome.error)).split('\n')[0].slice(0, 200));
  throw new InputError(file, `cannot read dataset "${name}": ${detail}`);
}

function textItems(value: unknown): string[] | null {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) {
    const flat = (value as unknown[]).flat(8) as unknown[];
    if (flat.every((v) => typeof v === 'string')) return flat as string[];
    if (flat.every((v) => v instanceof Uint8Array)) return (flat as Uint8Array[]).map((b) => new TextDecoder().decode(b));
  }
  return null;
}

/** `date` (M, 2) as pairs, and the file's date format. */
function readPairs(h5: H5File, file: string, nIfgrams: number): { pairs: IfgramPair[]; dateFormat: DateFormat } {
  const ds = getDataset(h5, file, 'date');
  const shape = shapeOf(ds, file, 'date');
  if (shape.length !== 2 || shape[1] !== 2) throw new InputError(file, `dataset "date" has shape [${shape.join(', ')}], not [${nIfgrams}, 2] (reference and secondary date per interferogram)`);
  if (shape[0] !== nIfgrams) throw new InputError(file, `dataset "date" has ${shape[0]} pairs but "unwrapPhase" has ${nIfgrams} interferograms`);
  if (typeClass(ds, file, 'date') !== H5T_STRING) throw new InputError(file, 'dataset "date" is not text (MintPy writes |S8 YYYYMMDD byte strings)');
  const raw = datasetValue(ds, file, 'date');
  // Fixed-length strings may be NUL- or space-padded (h5py NULLPAD, h5wasm's 'S' SPACEPAD).
  // eslint-disable-next-line no-control-regex
  const items = textItems(raw)?.map((s) => s.replace(/[\u0000\s]+$/, '').trim());
  if (!items || items.length !== 2 * nIfgrams) throw new InputError(file, 'dataset "date" did not read as text pairs');
  const dateFormat = ifgramDateFormat(items[0]);
  if (!dateFormat) throw new InputError(file, `dataset "date": the first date is "${printable(items[0])}", not YYYYMMDD (nor YYMMDD or YYYY-MM-DD)`);
  const pairs: IfgramPair[] = [];
  for (let i = 0; i < nIfgrams; i++) {
    pairs.push({
      referenceDate: normaliseIfgramDate(items[2 * i], dateFormat, file, `interferogram ${i + 1}'s reference date`),
      secondaryDate: normaliseIfgramDate(items[2 * i + 1], dateFormat, file, `interferogram ${i + 1}'s secondary date`),
    });
  }
  return { pairs, dateFormat };
}

/** A 1-D per-interferogram dataset (`bperp`, `dropIfgram`) as numbers, checked against M. */
function readPerIfgram(h5: H5File, file: string, name: string, nIfgrams: number, classes: number[], what: string): Float64Array {
  const ds = getDataset(h5, file, name);
  const type = typeClass(ds, file, name);
  if (!classes.includes(type)) throw new InputError(file, `dataset "${name}" is not ${what} (HDF5 type class ${type})`);
  const shape = shapeOf(ds, file, name);
  if (shape.length !== 1) throw new InputError(file, `dataset "${name}" has shape [${shape.join(', ')}], not [${nIfgrams}]`);
  if (shape[0] !== nIfgrams) throw new InputError(file, `dataset "${name}" has ${shape[0]} values but "unwrapPhase" has ${nIfgrams} interferograms`);
  const values = datasetValue(ds, file, name);
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) return Float64Array.from(values as unknown as ArrayLike<number>, Number);
  if (Array.isArray(values)) return Float64Array.from((values as unknown[]).flat(8) as unknown[], (v) => Number(v));
  throw new InputError(file, `dataset "${name}" did not read as numbers`);
}

/** An optional positive number attribute: absent → null; present and not a positive number → refused. */
function positiveAttribute(attrs: Record<string, string>, key: string, file: string, what: string): number | null {
  if (attrs[key] === undefined) return null;
  const v = Number(attrs[key].trim());
  if (attrs[key].trim() === '' || !Number.isFinite(v) || !(v > 0)) throw new InputError(file, `attribute ${key}=${printable(attrs[key])} is not ${what}`);
  return v;
}

function referencePixel(attrs: Record<string, string>, file: string, length: number, width: number): { y: number; x: number } | null {
  const hasY = attrs.REF_Y !== undefined;
  const hasX = attrs.REF_X !== undefined;
  if (!hasY && !hasX) return null;
  if (hasY !== hasX) throw new InputError(file, `attribute ${hasY ? 'REF_Y' : 'REF_X'} without ${hasY ? 'REF_X' : 'REF_Y'}: the reference pixel needs both`);
  // MintPy: int(REF_Y); a float text such as "12.0" fails there, so only integers are taken.
  const y = /^\s*\d+\s*$/.test(attrs.REF_Y) ? Number(attrs.REF_Y) : NaN;
  const x = /^\s*\d+\s*$/.test(attrs.REF_X) ? Number(attrs.REF_X) : NaN;
  if (!Number.isInteger(y) || !Number.isInteger(x)) throw new InputError(file, `attributes REF_Y=${printable(attrs.REF_Y)}, REF_X=${printable(attrs.REF_X)} are not a row and a column`);
  if (y >= length || x >= width) throw new InputError(file, `reference pixel REF_Y=${y}, REF_X=${x} is outside the ${length} × ${width} stack`);
  return { y, x };
}

function filterNames(ds: H5Dataset, file: string, name: string): { names: string[]; foreign: string[] } {
  const filters = asH5InputError(file, `cannot read the filters of dataset "${name}"`, () => ds.filters) ?? [];
  return {
    names: filters.map((f) => f.name || `filter ${f.id}`),
    foreign: filters.filter((f) => !BUILT_IN_FILTERS.has(f.id)).map((f) => `${f.name || 'unnamed'} (id ${f.id})`),
  };
}

/**
 * An ifgramStack.h5 as a reader. Takes ownership of `h5` (closed by `close`, or here when the
 * file is refused). `file` is the name used in errors.
 */
export function ifgramStackFromH5(h5: H5File, file: string): IfgramStackReader {
  try {
    const names = h5DatasetNames(h5, file);
    if (!names.includes('unwrapPhase')) {
      throw new InputError(file, `no dataset "unwrapPhase": not a MintPy ifgramStack.h5 (has: ${names.join(', ') || 'nothing'})`);
    }
    const datasets = new Map<IfgramDatasetName, H5Dataset>();
    const unwrap = getDataset(h5, file, 'unwrapPhase');
    if (typeClass(unwrap, file, 'unwrapPhase') !== H5T_FLOAT) throw new InputError(file, `dataset "unwrapPhase" is not floating point (HDF5 type class ${typeClass(unwrap, file, 'unwrapPhase')}); MintPy writes float32 radians`);
    const shape = shapeOf(unwrap, file, 'unwrapPhase');
    if (shape.length !== 3) throw new InputError(file, `dataset "unwrapPhase" has shape [${shape.join(', ')}], not [interferogram, row, col]`);
    const [nIfgrams, length, width] = shape;
    if (nIfgrams < 1 || length < 1 || width < 1) throw new InputError(file, `dataset "unwrapPhase" is empty [${shape.join(', ')}]`);
    datasets.set('unwrapPhase', unwrap);
    for (const [name, classes, what] of [['coherence', [H5T_FLOAT], 'floating point (MintPy writes float32)'], ['connectComponent', [H5T_INTEGER, H5T_ENUM], 'integer (MintPy writes int16)']] as const) {
      if (!names.includes(name)) continue;
      const ds = getDataset(h5, file, name);
      const type = typeClass(ds, file, name);
      if (!(classes as readonly number[]).includes(type)) throw new InputError(file, `dataset "${name}" is not ${what} (HDF5 type class ${type})`);
      const s = shapeOf(ds, file, name);
      if (s.length !== 3 || s[0] !== nIfgrams || s[1] !== length || s[2] !== width) {
        throw new InputError(file, `dataset "${name}" has shape [${s.join(', ')}] but "unwrapPhase" has [${shape.join(', ')}]`);
      }
      datasets.set(name, ds);
    }
    const attributes = rootAttributes(h5, file);
    const grid = mintpyGrid(attributes, file, width, length, { allowRadarCoded: true });
    const { pairs, dateFormat } = readPairs(h5, file, nIfgrams);
    const keep = names.includes('dropIfgram')
      ? Array.from(readPerIfgram(h5, file, 'dropIfgram', nIfgrams, [H5T_ENUM, H5T_INTEGER], 'bool (True = keep)'), (v) => v !== 0)
      : new Array<boolean>(nIfgrams).fill(true);
    const bperp = names.includes('bperp') ? Float32Array.from(readPerIfgram(h5, file, 'bperp', nIfgrams, [H5T_FLOAT, H5T_INTEGER], 'numeric')) : null;
    const wavelengthM = positiveAttribute(attributes, 'WAVELENGTH', file, 'a radar wavelength in metres');
    const looks: IfgramStackInfo['looks'] = {};
    for (const key of ['NCORRLOOKS', 'ALOOKS', 'RLOOKS'] as const) {
      const v = positiveAttribute(attributes, key, file, 'a positive number of looks');
      if (v !== null) looks[key] = v;
    }
    const ref = referencePixel(attributes, file, length, width);
    const layout = asH5InputError(file, 'cannot read the layout of "unwrapPhase"', () => unwrap.metadata.chunks);
    const chunkIfgrams = layout && layout.length === 3 ? Number(layout[0]) : nIfgrams;
    const chunkRows = layout && layout.length === 3 ? Number(layout[1]) : 1;
    const filters: IfgramStackInfo['filters'] = {};
    const foreignFilters = new Map<IfgramDatasetName, string[]>();
    for (const [name, ds] of datasets) {
      const f = filterNames(ds, file, name);
      filters[name] = f.names;
      if (f.foreign.length) foreignFilters.set(name, f.foreign);
    }
    const allDates = pairs.flatMap((p) => [p.referenceDate, p.secondaryDate]).sort();
    const info: IfgramStackInfo = {
      file, length, width, pairs, keep, bperp, attributes, wavelengthM, ref, looks,
      hasCoherence: datasets.has('coherence'),
      hasConnectComponent: datasets.has('connectComponent'),
      grid, chunkRows, chunkIfgrams,
      startDate: allDates[0], endDate: allDates[allDates.length - 1],
      dateFormat, filters,
    };

    let open = true;
    const datasetOf = (name: IfgramDatasetName): H5Dataset => {
      if (!open) throw new Error(`${file}: read after close`);
      const ds = datasets.get(name);
      if (!ds) throw new InputError(file, `no dataset "${name}" in this interferogram stack`);
      return ds;
    };
    const checkIndices = (indices: readonly number[]) => {
      for (const i of indices) if (!Number.isInteger(i) || i < 0 || i >= nIfgrams) throw new Error(`${file}: interferogram index ${i} outside 0…${nIfgrams - 1}`);
    };
    /** Reads [i0, i1) × rows × cols of `name` as float32 (C order). */
    const slice = (name: IfgramDatasetName, i0: number, i1: number, r0: number, r1: number, c0: number, c1: number): Float32Array => {
      const ds = datasetOf(name);
      const outcome = callHdf5(() => ds.slice([[i0, i1], [r0, r1], [c0, c1]]));
      // h5wasm does not throw when H5Dread fails (a chunk it cannot decode: MintPy's LZF): it
      // hands back whatever was in its buffer. HDF5's error trace is the only sign, so any trace
      // is a failure.
      const traced = innermostHdf5Message(outcome.trace);
      if (!outcome.ok || traced !== null) {
        const detail = traced ?? (outcome.ok ? 'read failed' : (outcome.error instanceof Error ? outcome.error.message : String(outcome.error)).split('\n')[0].slice(0, 200));
        const foreign = foreignFilters.get(name);
        const what = `cannot read interferograms ${i0 + 1}–${i1} rows ${r0}–${r1 - 1} of "${name}"`;
        // MintPy writes connectComponent with h5py's LZF filter, which HDF5 itself lacks.
        if (foreign) throw new InputError(file, `${what}: it is compressed with ${foreign.join(', ')}, a filter permasar's HDF5 library (h5wasm) does not include (HDF5: ${detail})`);
        throw new InputError(file, `${what}: ${detail}`);
      }
      const values = toFloat32(outcome.value, file, name);
      if (values.length !== (i1 - i0) * (r1 - r0) * (c1 - c0)) throw new InputError(file, `short read of "${name}" interferograms ${i0 + 1}–${i1} rows ${r0}–${r1 - 1}`);
      return values;
    };
    /** Runs of consecutive ascending indices: [start position in `indices`, first index, count]. */
    const runsOf = (indices: readonly number[]): [number, number, number][] => {
      const runs: [number, number, number][] = [];
      for (let k = 0; k < indices.length;) {
        let n = 1;
        while (k + n < indices.length && indices[k + n] === indices[k] + n) n++;
        runs.push([k, indices[k], n]);
        k += n;
      }
      return runs;
    };

    return {
      info,
      readRows(dataset, ifgramIndices, row0, nRows) {
        checkIndices(ifgramIndices);
        if (!Number.isInteger(row0) || !Number.isInteger(nRows) || row0 < 0 || nRows < 0 || row0 + nRows > length) {
          throw new Error(`${file}: readRows(${row0}, ${nRows}) outside a stack of ${length} rows`);
        }
        const plane = nRows * width;
        const out = new Float32Array(ifgramIndices.length * plane);
        if (plane === 0) return out;
        for (const [k, first, count] of runsOf(ifgramIndices)) {
          // [first … first+count) × [row0, row0+nRows) × all columns, C order = ifgram-major.
          out.set(slice(dataset, first, first + count, row0, row0 + nRows, 0, width), k * plane);
        }
        return out;
      },
      readPixel(dataset, ifgramIndices, row, col) {
        checkIndices(ifgramIndices);
        if (!Number.isInteger(row) || !Number.isInteger(col) || row < 0 || col < 0 || row >= length || col >= width) {
          throw new Error(`${file}: readPixel(${row}, ${col}) outside a ${length} × ${width} stack`);
        }
        const out = new Float32Array(ifgramIndices.length);
        for (const [k, first, count] of runsOf(ifgramIndices)) out.set(slice(dataset, first, first + count, row, row + 1, col, col + 1), k);
        return out;
      },
      close() {
        if (!open) return;
        open = false;
        callHdf5(() => h5.close()); // a failure to close a read-only file loses nothing
      },
    };
  } catch (e) {
    callHdf5(() => h5.close()); // nothing to release if it fails
    throw e;
  }
}

/** The kept interferograms' indices (file order) and pairs: the inversion's network input. */
export function keptIfgrams(info: IfgramStackInfo): { indices: number[]; pairs: IfgramPair[] } {
  const indices: number[] = [];
  info.keep.forEach((k, i) => { if (k) indices.push(i); });
  return { indices, pairs: indices.map((i) => info.pairs[i]) };
}

/**
 * The metadata MintPy's inversion starts its outputs from (`dict(stack_obj.metadata)`): every root
 * attribute, plus START_DATE and END_DATE over all dates, dropped interferograms' included
 * (ifgramStack.get_metadata). Dates are YYYYMMDD (MintPy keeps a YYMMDD file's own text).
 */
export function mintpyStackMetadata(info: IfgramStackInfo): Record<string, string> {
  return { ...info.attributes, START_DATE: info.startDate, END_DATE: info.endDate };
}

/**
 * The perpendicular baseline of each time-series date (m), as MintPy writes the outputs' `bperp`
 * (ifgramStack.get_perp_baseline_timeseries): `pbase = zeros(N); pbase[1:] = lstsq(A, bperp_ifg)`
 * with A the kept pairs' design matrix (−1 at the earlier… reference date, +1 at the secondary)
 * whose reference-date column is removed — the common reference date of a single-reference
 * network, else the first date (get_design_matrix4timeseries). numpy computes lstsq in float64
 * (minimum-norm, SVD, rcond = eps·max(M, N)) and returns float32; here the normal equations in
 * float64, then float32. MintPy assigns the solution to dates 1 … N−1 whichever column was
 * removed (a latent bug for a single-reference network whose reference is not the first date),
 * and so does this.
 *
 * A network split into parts has a rank-deficient A: each part that does not hold the reference
 * date is free by a constant. The minimum-norm solution pins one date of each such part to solve,
 * then removes each part's mean (the null space is spanned by the parts' indicator vectors).
 */
export function timeseriesPerpendicularBaselineM(keptPairs: readonly IfgramPair[], keptBperpM: ArrayLike<number>): Float32Array {
  if (keptPairs.length !== keptBperpM.length) throw new Error(`timeseriesPerpendicularBaselineM: ${keptPairs.length} pairs, ${keptBperpM.length} baselines`);
  const dates = [...new Set(keptPairs.flatMap((p) => [p.referenceDate, p.secondaryDate]))].sort();
  const nDates = dates.length;
  const out = new Float32Array(nDates);
  if (nDates < 2) return out;
  const index = new Map(dates.map((d, i) => [d, i]));
  const referenceDates = new Set(keptPairs.map((p) => p.referenceDate));
  const removed = referenceDates.size === 1 ? index.get(keptPairs[0].referenceDate)! : 0;
  // Parts of the network (union–find over dates).
  const parent = Array.from({ length: nDates }, (_, i) => i);
  const root = (i: number): number => { while (parent[i] !== i) { parent[i] = parent[parent[i]]; i = parent[i]; } return i; };
  for (const p of keptPairs) parent[root(index.get(p.referenceDate)!)] = root(index.get(p.secondaryDate)!);
  // Unknowns: every date but `removed`, and but one pinned date per part without `removed`.
  const pinnedRoots = new Set<number>();
  const column = new Int32Array(nDates).fill(-1);
  let n = 0;
  for (let d = 0; d < nDates; d++) {
    if (d === removed) continue;
    const r = root(d);
    if (r !== root(removed) && !pinnedRoots.has(r)) { pinnedRoots.add(r); continue; }
    column[d] = n++;
  }
  const normal = new Float64Array(n * n);
  const rhs = new Float64Array(n);
  keptPairs.forEach((p, i) => {
    // float32 inputs, as numpy holds them.
    const b = Math.fround(keptBperpM[i]);
    const entries: [number, number][] = [[column[index.get(p.referenceDate)!], -1], [column[index.get(p.secondaryDate)!], 1]];
    for (const [ca, va] of entries) {
      if (ca < 0) continue;
      rhs[ca] += va * b;
      for (const [cb, vb] of entries) if (cb >= 0) normal[ca * n + cb] += va * vb;
    }
  });
  if (n > 0 && !choleskyInPlace(normal, n, 0)) throw new Error('timeseriesPerpendicularBaselineM: singular normal matrix after pinning each part');
  if (n > 0) choleskySolveInPlace(normal, n, rhs);
  // x over A's columns (dates but `removed`, in order); pinned dates 0, then each free part centred.
  const x = new Float64Array(nDates);
  for (let d = 0; d < nDates; d++) if (column[d] >= 0) x[d] = rhs[column[d]];
  for (const r of pinnedRoots) {
    let sum = 0;
    let count = 0;
    for (let d = 0; d < nDates; d++) if (d !== removed && root(d) === r) { sum += x[d]; count++; }
    for (let d = 0; d < nDates; d++) if (d !== removed && root(d) === r) x[d] -= sum / count;
  }
  let j = 1;
  for (let d = 0; d < nDates; d++) if (d !== removed) out[j++] = x[d];
  return out;
}
