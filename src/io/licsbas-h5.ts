// LiCSBAS cum.h5 / cum_filt.h5 through h5wasm, platform-free (the caller opens the h5wasm File).
//
// Layout (LiCSBAS13_sb_inv.py, LiCSBAS16_filt_ts.py): `cum` float32 [n_im, length, width],
// cumulative LOS displacement in mm, positive = LOS decrease (toward the satellite, MintPy's
// sign), NaN = no data, the first epoch zero; `imdates` int32 YYYYMMDD; scalar `corner_lat`,
// `corner_lon` (centre of the first pixel), `post_lat` (negative), `post_lon`: EPSG:4326 (see
// mintpy-h5.ts licsbasGrid); `refarea` "x1:x2/y1:y2" (the reference window, columns then rows);
// LiCSBAS ≥ 1.5.2 also copies the LOS unit vector `E.geo`, `N.geo`, `U.geo` [length, width].
import type { File as H5File } from 'h5wasm';
import { InputError } from '../core/errors.ts';
import { asH5InputError, checkDateList, checkNumeric, getDataset, h5DatasetNames, licsbasGrid, toFloat32 } from './mintpy-h5.ts';
import { checkRowBlock, rowsPerChunkOf, type StackSource } from './stack.ts';
import { callHdf5 } from './hdf5-trace.ts';

/**
 * A LiCSBAS time-series file: it has `cum` and no MintPy `timeseries`. A file whose datasets
 * cannot be listed is not called LiCSBAS (the MintPy reader then names what is wrong).
 */
export function isLicsbasH5(h5: H5File): boolean {
  const listed = callHdf5(() => h5.keys());
  return listed.ok && listed.value.includes('cum') && !listed.value.includes('timeseries');
}

function readImdates(h5: H5File, file: string, nDates: number): string[] {
  const names = h5DatasetNames(h5, file);
  if (!names.includes('imdates')) throw new InputError(file, `no dataset "imdates": a LiCSBAS cum.h5 lists its acquisition dates there (has: ${names.join(', ')})`);
  const ds = getDataset(h5, file, 'imdates');
  checkNumeric(ds, file, 'imdates');
  const raw = asH5InputError(file, 'cannot read dataset "imdates"', () => ds.value);
  const values = ArrayBuffer.isView(raw) ? Array.from(raw as unknown as ArrayLike<number | bigint>, Number) : typeof raw === 'number' ? [raw] : [];
  if (values.length !== nDates) throw new InputError(file, `dataset "imdates" has ${values.length} dates but "cum" has ${nDates}`);
  const dates = values.map((v) => (Number.isInteger(v) && v > 0 ? String(v) : String(v)));
  checkDateList(dates, file, 'imdates');
  return dates;
}

function readRefarea(h5: H5File, file: string): string | null {
  if (!h5DatasetNames(h5, file).includes('refarea')) return null;
  const ds = getDataset(h5, file, 'refarea');
  const raw = callHdf5(() => ds.value);
  if (!raw.ok) return null; // informative only: a refarea we cannot read is left out
  const v = raw.value;
  const text = typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : v instanceof Uint8Array ? new TextDecoder().decode(v) : null;
  return text && /^\d+:\d+\/\d+:\d+$/.test(text.trim()) ? text.trim() : null;
}

/** A LiCSBAS cum.h5 as a StackSource (unit mm). Takes ownership of `h5` (closed by `close`). */
export function licsbasStackFromH5(h5: H5File, file: string): StackSource {
  try {
    const ds = getDataset(h5, file, 'cum');
    checkNumeric(ds, file, 'cum');
    const shape = asH5InputError(file, 'cannot read the shape of "cum"', () => ds.shape) ?? [];
    if (shape.length !== 3) throw new InputError(file, `dataset "cum" has shape [${shape.join(', ')}], not [n_im, length, width]`);
    const [nDates, height, width] = shape;
    if (nDates < 1 || height < 1 || width < 1) throw new InputError(file, `dataset "cum" is empty [${shape.join(', ')}]`);
    const dates = readImdates(h5, file, nDates);
    const grid = licsbasGrid(h5, file, width, height);
    const refarea = readRefarea(h5, file);
    const attributes: Record<string, string> = { FILE_TYPE: 'LiCSBAS cum', UNIT: 'mm', ...(refarea ? { REFAREA: refarea } : {}) };
    let open = true;
    return {
      path: file,
      format: 'licsbas-h5',
      grid,
      dates,
      unit: 'mm',
      wavelengthM: null,
      // LiCSBAS's cumulative displacement is zero at the first epoch.
      refDate: dates[0],
      attributes,
      rowsPerChunk: rowsPerChunkOf(asH5InputError(file, 'cannot read the layout of "cum"', () => ds.metadata.chunks)),
      async readRows(row0: number, nRows: number): Promise<Float32Array> {
        checkRowBlock(grid, row0, nRows);
        if (!open) throw new Error(`${file}: readRows after close`);
        if (nRows === 0) return new Float32Array(0);
        const block = asH5InputError(file, `cannot read rows ${row0}–${row0 + nRows - 1} of "cum"`, () =>
          ds.slice([[0, nDates], [row0, row0 + nRows], [0, width]]));
        const values = toFloat32(block, file, 'cum');
        if (values.length !== nDates * nRows * width) throw new InputError(file, `short read of "cum" rows ${row0}–${row0 + nRows - 1}`);
        return values;
      },
      close() {
        if (!open) return;
        open = false;
        callHdf5(() => h5.close());
      },
    };
  } catch (e) {
    callHdf5(() => h5.close());
    throw e;
  }
}
