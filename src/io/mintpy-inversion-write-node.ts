// The network inversion's outputs as MintPy's ifgram_inversion.py writes them (INVERSION.md §2.8;
// MintPy ifgram_inversion.py run_ifgram_inversion §2 "prepare output", writefile.layout_hdf5),
// streamed: the caller opens the three files, writes each row block as it is inverted, and
// closes them, so neither the stack nor the time series is ever held whole. Node-only.
//
//   timeseries.h5         `timeseries` float32 (N, L, W) m, `date` |S8 (N,), `bperp` float32 (N,)
//   temporalCoherence.h5  `temporalCoherence` float32 (L, W)
//   numInvIfgram.h5       `mask` float32 (L, W)
//
// Root attributes, all text (layout_hdf5 writes `str(value)`), in MintPy's order of assignment:
//   every root attribute of the stack + START_DATE / END_DATE over all its dates (dropped
//   interferograms' included: ifgramStack.get_metadata), then the seven
//   mintpy.networkInversion.{obsDatasetName, numIfgram, weightFunc, maskDataset, maskThreshold,
//   minRedundancy, minNormVelocity} as Python's str() of the values, then
//   timeseries.h5:        FILE_TYPE=timeseries, UNIT=m, REF_DATE=<first date>
//   temporalCoherence.h5: FILE_TYPE=temporalCoherence, UNIT=1, REF_DATE removed
//   numInvIfgram.h5:      FILE_TYPE=mask, UNIT=1, (no REF_DATE), NO_DATA_VALUE removed (MintPy
//                         ≥ 1.6, issue #1185; Debian's 1.5.1 keeps it)
// MintPy sets temporalCoherence = 1 and numInvIfgram = M at the reference pixel after the last
// block (§2.7): that is the caller's to put in its blocks (pipeline/invert.ts setReferencePixel).
//
// Storage: chunked (MintPy: h5py chunks=True), no compression; `timeseries` chunks span all dates
// and a few rows, so `permasar fit` on the folder reads whole chunks per row tile.

import h5wasm from 'h5wasm/node';
import type { Dataset as H5Dataset, File as H5File } from 'h5wasm';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { createBoolDatasetPlaceholder, patchBoolDatasets } from './h5-bool-write-node.ts';

/** MintPy's config_keys (ifgram_inversion.py), written as mintpy.networkInversion.<key>. */
export const NETWORK_INVERSION_KEYS = ['obsDatasetName', 'numIfgram', 'weightFunc', 'maskDataset', 'maskThreshold', 'minRedundancy', 'minNormVelocity'] as const;
export type NetworkInversionKey = (typeof NETWORK_INVERSION_KEYS)[number];

/** The settings as MintPy holds them in `inps` (their Python types decide the text). */
export interface NetworkInversionSettings {
  /** 'unwrapPhase' (or a corrected variant, unwrapPhase_bridging …). */
  obsDatasetName: string;
  /** Kept interferograms (an int in MintPy: "947"). */
  numIfgram: number;
  /** 'var' | 'fim' | 'coh' | 'no'. */
  weightFunc: string;
  /**
   * 'coherence' | 'connectComponent', or null for no mask: MintPy's CLI leaves None ("None");
   * smallbaselineApp's template turns "no" into False ("False"). Pass the string to choose.
   */
  maskDataset: string | null;
  /** A Python float: 0.4 → "0.4", 1 → "1.0". */
  maskThreshold: number;
  /** A Python float: 1 → "1.0". */
  minRedundancy: number;
  /** True → "True". */
  minNormVelocity: boolean;
}

/** Python's repr/str of a float: shortest round-trip digits, "1.0" for integers, "1e-05" below 1e-4. */
export function pythonFloatText(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, exponentText] = x.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 16) {
    // JavaScript writes these in fixed notation with the same shortest digits (|x| ≥ 1e-7).
    const fixed = String(x);
    return /[.e]/.test(fixed) ? fixed : `${fixed}.0`;
  }
  const sign = exponent < 0 ? '-' : '+';
  return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

/** mintpy.networkInversion.* attributes from the settings, as MintPy's `str(vars(inps)[key])`. */
export function networkInversionAttributes(s: NetworkInversionSettings): Record<string, string> {
  const text: Record<NetworkInversionKey, string> = {
    obsDatasetName: s.obsDatasetName,
    numIfgram: String(Math.trunc(s.numIfgram)),
    weightFunc: s.weightFunc,
    maskDataset: s.maskDataset === null ? 'None' : s.maskDataset,
    maskThreshold: pythonFloatText(s.maskThreshold),
    minRedundancy: pythonFloatText(s.minRedundancy),
    minNormVelocity: s.minNormVelocity ? 'True' : 'False',
  };
  return Object.fromEntries(NETWORK_INVERSION_KEYS.map((k) => [`mintpy.networkInversion.${k}`, text[k]]));
}

export interface InversionOutputLayout {
  /** The stack's root attributes (IfgramStackInfo.attributes). */
  stackAttributes: Record<string, string>;
  length: number;
  width: number;
  /** The time series' dates (the kept pairs' dates, sorted, YYYYMMDD); REF_DATE is the first. */
  dates: string[];
  /** Perpendicular baseline per date (m): ifgram-stack.ts timeseriesPerpendicularBaselineM. */
  bperp: Float32Array;
  /** The settings, written as MintPy's str() of each. */
  networkInversion: NetworkInversionSettings;
  /**
   * The reference pixel used. When it differs from the stack's REF_Y/REF_X, the outputs carry
   * this one (REF_LAT/REF_LON, which would then describe another pixel, are dropped).
   */
  reference?: { y: number; x: number };
  /** Every date of the stack (dropped interferograms' too): START_DATE / END_DATE. */
  allDates?: string[];
  /** Output file names in the folder (MintPy's by default). */
  files?: Partial<Record<'timeseries' | 'temporalCoherence' | 'numInvIfgram', string>>;
  /**
   * Rows per chunk of the outputs. Give the caller's row-block height (or a divisor): blocks then
   * fill whole chunks. Default: about 4 MiB of time series per chunk.
   */
  chunkRows?: number;
}

export const INVERSION_FILE_NAMES = {
  timeseries: 'timeseries.h5',
  temporalCoherence: 'temporalCoherence.h5',
  numInvIfgram: 'numInvIfgram.h5',
} as const;

export interface InversionWriters {
  /** The three files' paths. */
  readonly files: { timeseries: string; temporalCoherence: string; numInvIfgram: string };
  /** The three files' root attributes (the corrections' files start from the series'). */
  readonly attributes: ReturnType<typeof inversionOutputAttributes>;
  /** timeseries.h5's writer (read back by the corrections). */
  readonly series: TimeseriesFileWriter;
  /**
   * Rows row0 … row0 + nRows − 1: timeseriesM date-major [date][row][col] (N · nRows · W, m),
   * temporalCoherence and numInvIfgram row-major [row][col] (nRows · W).
   */
  writeRows(row0: number, nRows: number, timeseriesM: Float32Array, temporalCoherence: Float32Array, numInvIfgram: Float32Array): Promise<void>;
  /** Closes the three files; refuses (our bug) when some rows were never written. */
  close(): Promise<void>;
  /** Closes and deletes the three files (a failed run). */
  discard(): Promise<void>;
}

/** The three files' root attributes, exactly as MintPy's run_ifgram_inversion builds them. */
export function inversionOutputAttributes(layout: Pick<InversionOutputLayout, 'stackAttributes' | 'dates' | 'networkInversion' | 'reference' | 'allDates'>): {
  timeseries: Record<string, string>;
  temporalCoherence: Record<string, string>;
  numInvIfgram: Record<string, string>;
} {
  const meta: Record<string, string> = { ...layout.stackAttributes };
  if (layout.allDates?.length) {
    const sorted = [...layout.allDates].sort();
    meta.START_DATE = sorted[0];
    meta.END_DATE = sorted[sorted.length - 1];
  }
  if (layout.reference && (meta.REF_Y?.trim() !== String(layout.reference.y) || meta.REF_X?.trim() !== String(layout.reference.x))) {
    meta.REF_Y = String(layout.reference.y);
    meta.REF_X = String(layout.reference.x);
    delete meta.REF_LAT;
    delete meta.REF_LON;
  }
  Object.assign(meta, networkInversionAttributes(layout.networkInversion));
  const timeseries = { ...meta, FILE_TYPE: 'timeseries', UNIT: 'm', REF_DATE: layout.dates[0] };
  const temporalCoherence: Record<string, string> = { ...timeseries, FILE_TYPE: 'temporalCoherence', UNIT: '1' };
  delete temporalCoherence.REF_DATE;
  const numInvIfgram: Record<string, string> = { ...temporalCoherence, FILE_TYPE: 'mask', UNIT: '1' };
  delete numInvIfgram.NO_DATA_VALUE;
  return { timeseries, temporalCoherence, numInvIfgram };
}

/** Columns per chunk: ≤ 1024, splitting the width evenly (HDF5 stores a last, ragged chunk whole). */
function chunkColumns(width: number): number {
  return Math.ceil(width / Math.ceil(width / 1024));
}

function timeseriesChunkRows(layout: Pick<InversionOutputLayout, 'dates' | 'length' | 'chunkRows'>, chunkCols: number): number {
  const bytesPerRow = layout.dates.length * chunkCols * 4;
  const cap = Math.max(1, Math.floor((16 << 20) / bytesPerRow));
  if (layout.chunkRows !== undefined) {
    // The largest divisor of the caller's block height that keeps a chunk within 16 MiB.
    const given = Math.max(1, Math.min(Math.trunc(layout.chunkRows), layout.length));
    for (let d = Math.min(given, cap); d >= 1; d--) if (given % d === 0) return d;
  }
  return Math.max(1, Math.min(layout.length, Math.floor((4 << 20) / bytesPerRow)));
}

function createFile(filePath: string, attributes: Record<string, string>): H5File {
  const file = new h5wasm.File(filePath, 'w');
  for (const [k, v] of Object.entries(attributes)) file.create_attribute(k, v);
  return file;
}

/** A chunked float32 dataset of `shape`, rows along axis `rowAxis`, created one chunk tall and grown. */
function createRowsDataset(file: H5File, name: string, shape: number[], rowAxis: number, chunkRows: number, chunkCols: number): H5Dataset {
  const first = [...shape];
  first[rowAxis] = chunkRows;
  const maxshape: (number | null)[] = [...shape];
  maxshape[rowAxis] = null;
  const chunks = [...shape];
  chunks[rowAxis] = chunkRows;
  chunks[chunks.length - 1] = chunkCols;
  const dataset = file.create_dataset({
    name,
    data: new Float32Array(first.reduce((a, b) => a * b, 1)),
    shape: first,
    maxshape,
    dtype: '<f',
    chunks,
  });
  dataset.resize(shape);
  return dataset;
}

/** A MintPy timeseries file (`timeseries`, `date`, `bperp`) written by row blocks, readable back. */
export interface TimeseriesFileWriter {
  readonly file: string;
  /** Rows row0 … row0 + nRows − 1, date-major [date][row][col] (m). */
  writeRows(row0: number, nRows: number, timeseriesM: Float32Array): void;
  /** Rows written before, date-major (the corrections read the series back by tiles). */
  readRows(row0: number, nRows: number): Float32Array;
  /** Closes the file; refuses (our bug) when some rows were never written. */
  close(): void;
  /** Closes and deletes the file. */
  discard(): Promise<void>;
}

export interface TimeseriesFileLayout {
  attributes: Record<string, string>;
  dates: string[];
  bperp: Float32Array;
  length: number;
  width: number;
  /** As InversionOutputLayout.chunkRows. */
  chunkRows?: number;
}

/** Creates a MintPy timeseries file at `filePath` (overwriting), chunked like the inversion's. */
export async function openTimeseriesFileWriter(filePath: string, layout: TimeseriesFileLayout): Promise<TimeseriesFileWriter> {
  const { length, width, dates } = layout;
  const nDates = dates.length;
  if (layout.bperp.length !== nDates) throw new Error(`openTimeseriesFileWriter: ${layout.bperp.length} bperp values for ${nDates} dates`);
  if (!(length >= 1 && width >= 1 && nDates >= 1)) throw new Error(`openTimeseriesFileWriter: empty ${nDates} × ${length} × ${width}`);
  await h5wasm.ready;
  const file = path.resolve(filePath);
  const chunkCols = chunkColumns(width);
  const chunkRows = timeseriesChunkRows(layout, chunkCols);
  let h5: H5File | null = null;
  let ts: H5Dataset;
  try {
    h5 = createFile(file, layout.attributes);
    h5.create_dataset({ name: 'date', data: dates, shape: [nDates], dtype: 'S8' });
    h5.create_dataset({ name: 'bperp', data: Float32Array.from(layout.bperp), shape: [nDates], dtype: '<f' });
    ts = createRowsDataset(h5, 'timeseries', [nDates, length, width], 1, chunkRows, chunkCols);
  } catch (e) {
    try { h5?.close(); } catch { /* already gone */ }
    await rm(file, { force: true });
    throw e;
  }
  const written = new Uint8Array(length);
  let open = true;
  const checkRows = (what: string, row0: number, nRows: number) => {
    if (!open) throw new Error(`TimeseriesFileWriter.${what} after close`);
    if (!Number.isInteger(row0) || !Number.isInteger(nRows) || row0 < 0 || nRows < 1 || row0 + nRows > length) {
      throw new Error(`TimeseriesFileWriter.${what}(${row0}, ${nRows}) outside ${length} rows`);
    }
  };
  return {
    file,
    writeRows(row0, nRows, timeseriesM) {
      checkRows('writeRows', row0, nRows);
      if (timeseriesM.length !== nDates * nRows * width) throw new Error(`TimeseriesFileWriter.writeRows: ${timeseriesM.length} values for ${nDates} × ${nRows} × ${width}`);
      ts.write_slice([[0, nDates], [row0, row0 + nRows], [0, width]], timeseriesM);
      written.fill(1, row0, row0 + nRows);
    },
    readRows(row0, nRows) {
      checkRows('readRows', row0, nRows);
      for (let r = row0; r < row0 + nRows; r++) if (!written[r]) throw new Error(`TimeseriesFileWriter.readRows: row ${r} not written yet`);
      const values = ts.slice([[0, nDates], [row0, row0 + nRows], [0, width]]) as Float32Array;
      return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
    },
    close() {
      if (!open) return;
      open = false;
      h5!.close();
      const missing = written.indexOf(0);
      if (missing >= 0) throw new Error(`TimeseriesFileWriter.close: row ${missing} of ${length} was never written`);
    },
    async discard() {
      if (open) {
        open = false;
        try { h5!.close(); } catch { /* already gone */ }
      }
      await rm(file, { force: true });
    },
  };
}

/**
 * A mask file as generate_mask.py writes it (writefile.write of a bool array): dataset `mask`
 * bool (h5py's enum) (L, W), the source's attributes with FILE_TYPE=mask.
 */
export async function writeMaskFile(filePath: string, attributes: Record<string, string>, mask: Uint8Array, length: number, width: number): Promise<void> {
  if (mask.length !== length * width) throw new Error(`writeMaskFile: ${mask.length} values for ${length} × ${width}`);
  await h5wasm.ready;
  const file = path.resolve(filePath);
  const h5 = new h5wasm.File(file, 'w');
  try {
    createBoolDatasetPlaceholder(h5, 'mask', mask, [length, width]);
    for (const [k, v] of Object.entries({ ...attributes, FILE_TYPE: 'mask' })) h5.create_attribute(k, v);
  } finally {
    h5.close();
  }
  patchBoolDatasets(file, 1);
}

/**
 * Opens timeseries.h5, temporalCoherence.h5 and numInvIfgram.h5 in `dir` (overwriting) with
 * MintPy's layout and attributes. `date` and `bperp` are written now; the rest by writeRows.
 */
export async function openInversionWriters(dir: string, layout: InversionOutputLayout): Promise<InversionWriters> {
  const { length, width, dates } = layout;
  const nDates = dates.length;
  if (layout.bperp.length !== nDates) throw new Error(`openInversionWriters: ${layout.bperp.length} bperp values for ${nDates} dates`);
  if (!(length >= 1 && width >= 1 && nDates >= 1)) throw new Error(`openInversionWriters: empty ${nDates} × ${length} × ${width}`);
  await h5wasm.ready;
  const files = {
    timeseries: path.resolve(dir, layout.files?.timeseries ?? INVERSION_FILE_NAMES.timeseries),
    temporalCoherence: path.resolve(dir, layout.files?.temporalCoherence ?? INVERSION_FILE_NAMES.temporalCoherence),
    numInvIfgram: path.resolve(dir, layout.files?.numInvIfgram ?? INVERSION_FILE_NAMES.numInvIfgram),
  };
  const attributes = inversionOutputAttributes(layout);
  const chunkCols = chunkColumns(width);
  const chunkRows = timeseriesChunkRows(layout, chunkCols);
  // 2-D planes: chunks of the same rows, or more (≥ 64 KiB), in whole multiples of them.
  const planeChunkRows = Math.min(length, chunkRows * Math.max(1, Math.ceil((64 << 10) / (chunkRows * chunkCols * 4))));
  const opened: H5File[] = [];
  const closeAll = () => { for (const f of opened.splice(0)) { try { f.close(); } catch { /* already gone */ } } };
  let series: TimeseriesFileWriter | null = null;
  let tcoh: H5Dataset, num: H5Dataset;
  try {
    series = await openTimeseriesFileWriter(files.timeseries, { attributes: attributes.timeseries, dates, bperp: layout.bperp, length, width, chunkRows: layout.chunkRows });
    const tcohFile = createFile(files.temporalCoherence, attributes.temporalCoherence);
    opened.push(tcohFile);
    tcoh = createRowsDataset(tcohFile, 'temporalCoherence', [length, width], 0, planeChunkRows, chunkCols);
    const numFile = createFile(files.numInvIfgram, attributes.numInvIfgram);
    opened.push(numFile);
    num = createRowsDataset(numFile, 'mask', [length, width], 0, planeChunkRows, chunkCols);
  } catch (e) {
    closeAll();
    await series?.discard();
    await Promise.all(Object.values(files).map((f) => rm(f, { force: true })));
    throw e;
  }
  const written = new Uint8Array(length);
  let open = true;
  return {
    files,
    attributes,
    series,
    async writeRows(row0, nRows, timeseriesM, temporalCoherence, numInvIfgram) {
      if (!open) throw new Error('InversionWriters.writeRows after close');
      if (!Number.isInteger(row0) || !Number.isInteger(nRows) || row0 < 0 || nRows < 1 || row0 + nRows > length) {
        throw new Error(`InversionWriters.writeRows(${row0}, ${nRows}) outside ${length} rows`);
      }
      const plane = nRows * width;
      if (timeseriesM.length !== nDates * plane || temporalCoherence.length !== plane || numInvIfgram.length !== plane) {
        throw new Error(`InversionWriters.writeRows: ${timeseriesM.length}/${temporalCoherence.length}/${numInvIfgram.length} values for ${nDates} × ${nRows} × ${width}`);
      }
      series!.writeRows(row0, nRows, timeseriesM);
      tcoh.write_slice([[row0, row0 + nRows], [0, width]], temporalCoherence);
      num.write_slice([[row0, row0 + nRows], [0, width]], numInvIfgram);
      written.fill(1, row0, row0 + nRows);
    },
    async close() {
      if (!open) return;
      open = false;
      closeAll();
      series!.close();
      const missing = written.indexOf(0);
      if (missing >= 0) throw new Error(`InversionWriters.close: row ${missing} of ${length} was never written`);
    },
    async discard() {
      open = false;
      closeAll();
      await series!.discard();
      await Promise.all(Object.values(files).map((f) => rm(f, { force: true })));
    },
  };
}
