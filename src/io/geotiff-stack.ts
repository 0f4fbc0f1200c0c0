// A folder of single-band GeoTIFFs, one per date, as a StackSource. Platform-free: the
// caller lists the folder (Node: fs; browser: a directory picker's File objects) and hands
// in an opener per file.

import type { GeoTIFF } from 'geotiff';
import { describeGrid, sameGrid, type RasterGrid } from '../core/grid.ts';
import { InputError } from '../core/errors.ts';
import { geoTiffInfo, readGeoTiffRows, type GeoTiffInfo } from './geotiff-read.ts';
import { checkRowBlock, dateFromFileName, parseStackUnit, type StackSource } from './stack.ts';

/** One file of the folder, not yet opened. */
export interface TiffEntry {
  /** File name (no folder), searched for the date. */
  name: string;
  /** Path or label used in errors. */
  path: string;
  byteLength: number;
  open(): Promise<GeoTIFF>;
}

/** How many files are read at once for one row block (bounded so fds/requests stay few). */
const READ_CONCURRENCY = 8;

export function isTiffName(name: string): boolean {
  return /\.tiff?$/i.test(name) && !name.startsWith('.');
}

/** Why two grids differ, in words, for the "first file that differs" error. */
export function gridDifference(expected: RasterGrid, actual: RasterGrid): string {
  if (expected.width !== actual.width || expected.height !== actual.height) {
    return `size ${actual.width}×${actual.height}, not ${expected.width}×${expected.height}`;
  }
  if ((expected.epsg ?? null) !== (actual.epsg ?? null)) {
    return `CRS EPSG:${actual.epsg ?? '?'}, not EPSG:${expected.epsg ?? '?'}`;
  }
  return `geotransform differs (${describeGrid(actual)} vs ${describeGrid(expected)})`;
}

/** Opens the dated GeoTIFFs of a folder as a stack; `folder` names the folder in errors. */
export async function geotiffFolderStack(folder: string, entries: TiffEntry[]): Promise<StackSource> {
  const dated: { date: string; entry: TiffEntry }[] = [];
  for (const entry of entries) {
    if (!isTiffName(entry.name)) continue;
    const date = dateFromFileName(entry.name);
    if (date) dated.push({ date, entry });
  }
  if (dated.length === 0) {
    throw new InputError(folder, 'no GeoTIFF with a YYYYMMDD date in its name (expected e.g. 20150312.tif)');
  }
  // Sort by date, then name, so a duplicate is reported the same way on every platform.
  dated.sort((a, b) => (a.date === b.date ? (a.entry.name < b.entry.name ? -1 : 1) : a.date < b.date ? -1 : 1));
  for (let i = 1; i < dated.length; i++) {
    if (dated[i].date === dated[i - 1].date) {
      throw new InputError(dated[i].entry.path, `same date ${dated[i].date} as ${dated[i - 1].entry.name}; one file per date`);
    }
  }

  const opened: { tiff: GeoTIFF; info: GeoTiffInfo; entry: TiffEntry }[] = [];
  const closeAll = (): void => { for (const o of opened) o.tiff.close(); };
  try {
    for (const { entry } of dated) {
      let tiff: GeoTIFF;
      try {
        tiff = await entry.open();
      } catch (e) {
        if (e instanceof InputError) throw e;
        throw new InputError(entry.path, `not a readable TIFF (corrupt or truncated): ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
      }
      let info: GeoTiffInfo;
      try {
        info = await geoTiffInfo(tiff, entry.path, entry.byteLength);
      } catch (e) {
        tiff.close();
        throw e;
      }
      opened.push({ tiff, info, entry });
      if (info.nBands !== 1) throw new InputError(entry.path, `has ${info.nBands} bands; expected one band per date`);
      const first = opened[0];
      if (!sameGrid(first.info.grid, info.grid)) {
        throw new InputError(entry.path, `${gridDifference(first.info.grid, info.grid)} of ${first.entry.name}`);
      }
    }
  } catch (e) {
    closeAll();
    throw e;
  }

  const first = opened[0].info;
  const grid = first.grid;
  const attributes: Record<string, string> = { ...first.metadata, ...first.bandMetadata };
  const unitText = first.unit ?? attributes.UNIT ?? attributes.UNITS ?? attributes.units ?? null;
  const wavelength = Number(attributes.WAVELENGTH);
  let open = true;
  return {
    path: folder,
    format: 'geotiff-folder',
    grid,
    dates: dated.map((d) => d.date),
    unit: parseStackUnit(unitText),
    wavelengthM: Number.isFinite(wavelength) && wavelength > 0 ? wavelength : null,
    refDate: null,
    attributes,
    async readRows(row0: number, nRows: number): Promise<Float32Array> {
      checkRowBlock(grid, row0, nRows);
      if (!open) throw new Error(`${folder}: readRows after close`);
      const tilePixels = nRows * grid.width;
      const out = new Float32Array(opened.length * tilePixels);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < opened.length) {
          const d = next++;
          const { tiff, info, entry } = opened[d];
          out.set(await readGeoTiffRows(tiff, entry.path, info, row0, nRows), d * tilePixels);
        }
      };
      await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, opened.length) }, worker));
      return out;
    },
    close() {
      if (!open) return;
      open = false;
      closeAll();
    },
  };
}
