// A displacement stack as every reader presents it: one grid (geocoded, or radar coordinates for
// a MintPy stack before geocode.py: grid.radarCoded), sorted unique dates,
// and row blocks served on demand in the tile layout of core/fit-types.ts (date-major), so
// memory follows the tile and never the stack.

import type { RasterGrid } from '../core/grid.ts';
import { parseYmd } from '../core/time.ts';

export type StackUnit = 'm' | 'cm' | 'mm' | 'rad';

/** MintPy timeseries.h5, LiCSBAS cum.h5 / cum_filt.h5, or a folder of dated GeoTIFFs. */
export type StackFormat = 'mintpy-h5' | 'licsbas-h5' | 'geotiff-folder';

export interface StackSource {
  /** The file or folder it was opened from (named in errors). */
  path: string;
  format: StackFormat;
  grid: RasterGrid;
  /** Acquisition dates, YYYYMMDD, sorted, unique. */
  dates: string[];
  /** Unit of the stored values from the file's metadata; null when the file does not say. */
  unit: StackUnit | null;
  /** Radar wavelength in metres (MintPy WAVELENGTH), null when not stated. */
  wavelengthM: number | null;
  /** Reference date the displacements are relative to (MintPy REF_DATE), null if unknown. */
  refDate: string | null;
  /** File metadata as text (MintPy root attributes; GDAL metadata of the first GeoTIFF). */
  attributes: Record<string, string>;
  /**
   * Rows row0 … row0 + nRows − 1 of every date: values[(date · nRows + row) · width + col],
   * i.e. a date-major tile of nRows × width pixels. No data → NaN.
   */
  readRows(row0: number, nRows: number): Promise<Float32Array>;
  /**
   * Rows per storage chunk (HDF5 chunk layout) when the file is chunked along rows: tiles that
   * are whole multiples of it read every chunk once (HDF5's chunk cache is 1 MiB by default, so a
   * chunk split between two tiles is read and inflated twice). Absent: no preference.
   */
  rowsPerChunk?: number;
  close(): void;
}

/** The rows of one chunk of a [date, row, col] HDF5 dataset, from h5wasm's metadata. */
export function rowsPerChunkOf(chunks: ArrayLike<number> | null | undefined): number | undefined {
  const rows = chunks && chunks.length === 3 ? Number(chunks[1]) : NaN;
  return Number.isInteger(rows) && rows >= 1 ? rows : undefined;
}

/**
 * Unit from metadata text: MintPy writes "m" (or "radian" for unwrapped phase); GDAL files
 * carry whatever their writer chose. Unrecognised → null (the caller then asks for --unit).
 */
export function parseStackUnit(text: string | null | undefined): StackUnit | null {
  if (!text) return null;
  const t = text.trim().toLowerCase();
  if (t === 'm' || t === 'meter' || t === 'meters' || t === 'metre' || t === 'metres') return 'm';
  if (t === 'cm' || t === 'centimeter' || t === 'centimeters' || t === 'centimetre' || t === 'centimetres') return 'cm';
  if (t === 'mm' || t === 'millimeter' || t === 'millimeters' || t === 'millimetre' || t === 'millimetres') return 'mm';
  if (t === 'rad' || t === 'radian' || t === 'radians') return 'rad';
  return null;
}

/**
 * The acquisition date in a file name: the first run of exactly eight digits that is a real
 * calendar date ("S1_20150312_los.tif", "disp_20150312-20150324.tif" → 20150312). Longer
 * digit runs (e.g. a 14-digit timestamp) are not split.
 */
export function dateFromFileName(name: string): string | null {
  for (const m of name.matchAll(/\d+/g)) {
    if (m[0].length === 8 && parseYmd(m[0])) return m[0];
  }
  return null;
}

/** Checks a requested row block against the grid (our callers' bug if it fails). */
export function checkRowBlock(grid: RasterGrid, row0: number, nRows: number): void {
  if (!Number.isInteger(row0) || !Number.isInteger(nRows) || row0 < 0 || nRows < 0 || row0 + nRows > grid.height) {
    throw new Error(`readRows(${row0}, ${nRows}) outside a stack of ${grid.height} rows`);
  }
}
