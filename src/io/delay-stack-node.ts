// A tropospheric delay stack as MintPy's tropo_pyaps3 writes it (inputs/ERA5.h5; INVERSION.md
// §3.2): `timeseries` float32 (N_era, L, W), the one-way slant delay, sign-reversed to share the
// displacement's sign convention, absolute (no REF_* attributes); `date` |S8 (N_era,); UNIT m.
// That is a MintPy timeseries file, so it is read through the timeseries reader
// (mintpy-h5.ts mintpyStackFromH5), and checked here against the series it corrects. Read by row
// tiles for the troposphere correction (core/corrections.ts subtractTroposphere). Node-only.
import { InputError } from '../core/errors.ts';
import { describeGrid, sameGrid, type RasterGrid } from '../core/grid.ts';
import { openH5Node } from './h5-node.ts';
import { asH5InputError, mintpyStackFromH5 } from './mintpy-h5.ts';
import { parseStackUnit, type StackUnit } from './stack.ts';
import { callHdf5 } from './hdf5-trace.ts';

/** Metres per unit of the delay's UNIT attribute (absent: m, as tropo_pyaps3 writes it). */
const METRES_PER_UNIT: Partial<Record<StackUnit, number>> = { m: 1, cm: 0.01, mm: 0.001 };

export interface DelayStackReader {
  readonly file: string;
  readonly dates: string[];
  /** Rows row0 … row0 + nRows − 1 of every date, date-major [date][row][col], in m. */
  readRows(row0: number, nRows: number): Promise<Float32Array>;
  /** One pixel, every date (m). */
  readPixel(row: number, col: number): Promise<Float32Array>;
  close(): void;
}

/**
 * Opens `file` and checks it against the series' grid: the `timeseries` dataset, its shape, the
 * geocoding when both carry one, its dates and unit. One InputError line naming the file otherwise.
 */
export async function openDelayStackNode(file: string, grid: RasterGrid): Promise<DelayStackReader> {
  const h5 = await openH5Node(file);
  let keys: string[];
  try {
    keys = asH5InputError(file, 'cannot list its datasets', () => h5.keys());
  } catch (e) {
    callHdf5(() => h5.close());
    throw e;
  }
  if (!keys.includes('timeseries')) {
    callHdf5(() => h5.close());
    throw new InputError(file, `no "timeseries" dataset (has: ${keys.join(', ') || 'nothing'}): not a delay stack as MintPy's tropo_pyaps3 writes it (ERA5.h5)`);
  }
  // Owns h5 from here (closes it on its own failure).
  const source = mintpyStackFromH5(h5, file, { allowRadarCoded: true });
  try {
    const own = source.grid;
    if (own.height !== grid.height || own.width !== grid.width) {
      throw new InputError(file, `on another grid: ${own.height} rows × ${own.width} columns, the series has ${grid.height} × ${grid.width}`);
    }
    if (!own.radarCoded && !grid.radarCoded && !sameGrid(own, grid)) {
      throw new InputError(file, `on another grid: ${describeGrid(own)}, the series is on ${describeGrid(grid)}`);
    }
    const unitText = source.attributes.UNIT?.trim();
    const scale = unitText ? METRES_PER_UNIT[parseStackUnit(unitText) ?? ('?' as StackUnit)] : 1;
    if (scale === undefined) throw new InputError(file, `unknown UNIT "${unitText}" (a delay stack is in m, cm or mm)`);
    const inMetres = (values: Float32Array) => {
      if (scale !== 1) for (let i = 0; i < values.length; i++) values[i] = Math.fround(values[i] * scale);
      return values;
    };
    const nDates = source.dates.length;
    return {
      file,
      dates: source.dates,
      readRows: async (row0, nRows) => inMetres(await source.readRows(row0, nRows)),
      async readPixel(row, col) {
        const rows = await source.readRows(row, 1);
        return inMetres(Float32Array.from({ length: nDates }, (_, k) => rows[k * grid.width + col]));
      },
      close: () => source.close(),
    };
  } catch (e) {
    source.close();
    throw e;
  }
}
