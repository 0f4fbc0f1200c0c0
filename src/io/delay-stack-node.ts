// A tropospheric delay stack as MintPy's tropo_pyaps3 writes it (inputs/ERA5.h5; INVERSION.md
// §3.2): `timeseries` float32 (N_era, L, W), the one-way slant delay, sign-reversed to share the
// displacement's sign convention, absolute (no REF_* attributes); `date` |S8 (N_era,); UNIT m.
// Read by row tiles for the troposphere correction (core/corrections.ts subtractTroposphere).
// Node-only.
import type { Dataset as H5Dataset, File as H5File } from 'h5wasm';
import { InputError } from '../core/errors.ts';
import { describeGrid, sameGrid, type RasterGrid } from '../core/grid.ts';
import { openH5Node } from './h5-node.ts';
import { asH5InputError, getDataset, h5FileGrid, readDates, rootAttributes, toFloat32, checkNumeric } from './mintpy-h5.ts';
import { callHdf5 } from './hdf5-trace.ts';

/** Metres per unit of the delay's UNIT attribute (absent: m, as tropo_pyaps3 writes it). */
const METRES_PER_UNIT: Record<string, number> = { m: 1, cm: 0.01, mm: 0.001 };

export interface DelayStackReader {
  readonly file: string;
  readonly dates: string[];
  /** Rows row0 … row0 + nRows − 1 of every date, date-major [date][row][col], in m. */
  readRows(row0: number, nRows: number): Float32Array;
  /** One pixel, every date (m). */
  readPixel(row: number, col: number): Float32Array;
  close(): void;
}

/**
 * Opens `file` and checks it against the series' grid: the `timeseries` dataset, its shape, the
 * geocoding when both carry one, its dates and unit. One InputError line naming the file otherwise.
 */
export async function openDelayStackNode(file: string, grid: RasterGrid): Promise<DelayStackReader> {
  const h5: H5File = await openH5Node(file);
  try {
    const attrs = rootAttributes(h5, file);
    const keys = asH5InputError(file, 'cannot list its datasets', () => h5.keys());
    if (!keys.includes('timeseries')) throw new InputError(file, `no "timeseries" dataset (has: ${keys.join(', ') || 'nothing'}): not a delay stack as MintPy's tropo_pyaps3 writes it (ERA5.h5)`);
    const ds: H5Dataset = getDataset(h5, file, 'timeseries');
    checkNumeric(ds, file, 'timeseries');
    const shape = asH5InputError(file, 'cannot read the shape of "timeseries"', () => ds.shape) ?? [];
    if (shape.length !== 3) throw new InputError(file, `"timeseries" has ${shape.length} dimensions, not 3 (dates, rows, columns)`);
    const [nDates, length, width] = shape;
    if (length !== grid.height || width !== grid.width) {
      throw new InputError(file, `on another grid: ${length} rows × ${width} columns, the series has ${grid.height} × ${grid.width}`);
    }
    const own = h5FileGrid(h5, file, attrs, width, length, { allowRadarCoded: true });
    if (!own.radarCoded && !grid.radarCoded && !sameGrid(own, grid)) {
      throw new InputError(file, `on another grid: ${describeGrid(own)}, the series is on ${describeGrid(grid)}`);
    }
    const unit = (attrs.UNIT ?? 'm').trim();
    const scale = METRES_PER_UNIT[unit];
    if (scale === undefined) throw new InputError(file, `unknown UNIT "${unit}" (a delay stack is in m, cm or mm)`);
    const dates = readDates(h5, file, nDates);
    const scaled = (values: unknown) => {
      const out = toFloat32(values, file, 'timeseries');
      if (scale !== 1) for (let i = 0; i < out.length; i++) out[i] = Math.fround(out[i] * scale);
      return out;
    };
    return {
      file,
      dates,
      readRows(row0, nRows) {
        return scaled(asH5InputError(file, `cannot read rows ${row0}–${row0 + nRows - 1} of "timeseries"`, () => ds.slice([[0, nDates], [row0, row0 + nRows], [0, width]])));
      },
      readPixel(row, col) {
        return scaled(asH5InputError(file, `cannot read pixel (${row}, ${col}) of "timeseries"`, () => ds.slice([[0, nDates], [row, row + 1], [col, col + 1]])));
      },
      close() {
        callHdf5(() => h5.close());
      },
    };
  } catch (e) {
    callHdf5(() => h5.close());
    throw e;
  }
}
