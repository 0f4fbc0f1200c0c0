// Date selection and re-referencing of a stack before the fit, as MintPy names them
// (timeseries2velocity.py --start-date/--end-date/--exclude-date; reference_point.py
// --ref-lalo/--ref-yx): the stack the pipeline sees serves only the kept dates, minus the
// reference pixel's series at each date. Both are views over the reader (row blocks stay row
// blocks), platform-free; the caller prints the warnings and records `StackSelectionRecord` in
// summary.json.
import { InputError, optionError } from '../core/errors.ts';
import { mapToPixel, pixelCentre, type RasterGrid } from '../core/grid.ts';
import { selectDates, selectsSomething, type DateSelectionOptions } from '../core/date-selection.ts';
import { radarPixelAt, type RadarLookup } from '../core/geocode.ts';
import type { StackSource } from '../io/stack.ts';
import { lonLatToGrid } from './grid-crs.ts';

export interface StackSelectionOptions extends DateSelectionOptions {
  /** Reference pixel by latitude, longitude (degrees, WGS 84). */
  refLalo?: [number, number] | null;
  /** Reference pixel by row, column (0-based, MintPy's REF_Y/REF_X). */
  refYx?: [number, number] | null;
}

export interface StackSelectionRecord {
  datesInStack: number;
  datesUsed: number;
  startDate: string | null;
  endDate: string | null;
  excludeDates: string[];
  /** Excluded dates that are not in the stack (warned about). */
  excludedNotInStack: string[];
  /** Stack dates left out by the range or the exclude list. */
  datesDropped: string[];
  reference: {
    given: string;
    row: number;
    col: number;
    /** Pixel centre (WGS 84 when the grid is geographic or radar-coded with a lookup; else map units). */
    lat: number | null;
    lon: number | null;
    /** Dates at which the reference pixel has no data (NaN for every pixel there). */
    datesWithoutData: string[];
  } | null;
}

export interface SelectionContext {
  warn: (line: string) => void;
  /** Latitude/longitude per pixel of a radar-coded stack (for --ref-lalo). */
  lookup?: RadarLookup | null;
  /**
   * Quality of one pixel (the --mask raster) and the threshold the fit applies (passed by the
   * caller, from the option table), for refusing a masked reference.
   */
  mask?: { at(row: number, col: number): number; min: number } | null;
  /** Command name for warning lines ("permasar fit"). */
  command: string;
}

/** The view of `stack` the options ask for (the stack itself when they ask for nothing). */
export async function applyStackSelection(stack: StackSource, options: StackSelectionOptions, ctx: SelectionContext): Promise<{ stack: StackSource; record: StackSelectionRecord | null }> {
  if (!selectsSomething(options) && !options.refLalo && !options.refYx) return { stack, record: null };
  if (options.refLalo && options.refYx) throw optionError('ref-lalo', 'give --ref-lalo or --ref-yx, not both');
  let view = stack;
  const selection = selectDates(stack.dates, options);
  for (const d of selection.excludedNotInStack) ctx.warn(`${ctx.command}: WARNING: --exclude-date ${d} is not a date of ${stack.path}; nothing to exclude there`);
  if (selectsSomething(options)) {
    if (selection.indices.length === 0) {
      throw new InputError(stack.path, `no date left after --start-date/--end-date/--exclude-date (the stack has ${stack.dates[0]}–${stack.dates[stack.dates.length - 1]})`);
    }
    view = selectDatesView(stack, selection.indices);
  }
  const reference = options.refLalo || options.refYx ? await referencePixel(view, options, ctx) : null;
  if (reference) view = referencedView(view, reference.row, reference.col, reference.series);
  return {
    stack: view,
    record: {
      datesInStack: stack.dates.length,
      datesUsed: view.dates.length,
      startDate: options.startDate ?? null,
      endDate: options.endDate ?? null,
      excludeDates: options.excludeDates ?? [],
      excludedNotInStack: selection.excludedNotInStack,
      datesDropped: selectsSomething(options) ? selection.dropped : [],
      reference: reference ? { given: reference.given, row: reference.row, col: reference.col, lat: reference.lat, lon: reference.lon, datesWithoutData: reference.datesWithoutData } : null,
    },
  };
}

/** Only the dates at `indices` (date-major blocks are copied plane by plane). */
function selectDatesView(stack: StackSource, indices: number[]): StackSource {
  const view: StackSource = Object.create(stack);
  view.dates = indices.map((i) => stack.dates[i]);
  view.refDate = stack.refDate;
  view.readRows = async (row0: number, nRows: number) => {
    const all = await stack.readRows(row0, nRows);
    const plane = nRows * stack.grid.width;
    const out = new Float32Array(indices.length * plane);
    indices.forEach((d, k) => out.set(all.subarray(d * plane, (d + 1) * plane), k * plane));
    return out;
  };
  return view;
}

/** Every pixel minus the reference pixel's value at the same date (MintPy reference_point.py). */
function referencedView(stack: StackSource, row: number, col: number, series: Float32Array): StackSource {
  const view: StackSource = Object.create(stack);
  view.attributes = { ...stack.attributes, REF_Y: String(row), REF_X: String(col) };
  view.readRows = async (row0: number, nRows: number) => {
    const values = await stack.readRows(row0, nRows);
    const plane = nRows * stack.grid.width;
    for (let d = 0; d < series.length; d++) {
      const ref = series[d];
      for (let p = d * plane; p < (d + 1) * plane; p++) values[p] -= ref; // NaN at the reference → NaN everywhere that date
    }
    return values;
  };
  return view;
}

interface ReferencePixel {
  given: string;
  row: number;
  col: number;
  lat: number | null;
  lon: number | null;
  series: Float32Array;
  datesWithoutData: string[];
}

async function referencePixel(stack: StackSource, options: StackSelectionOptions, ctx: SelectionContext): Promise<ReferencePixel> {
  const { grid } = stack;
  let row: number, col: number, given: string, option: string;
  if (options.refYx) {
    [row, col] = options.refYx;
    option = '--ref-yx';
    given = `--ref-yx ${row},${col}`;
    if (!(Number.isInteger(row) && Number.isInteger(col) && row >= 0 && col >= 0 && row < grid.height && col < grid.width)) {
      throw new InputError(option, `${row},${col} lies outside ${stack.path} (rows 0–${grid.height - 1}, columns 0–${grid.width - 1})`);
    }
  } else {
    const [lat, lon] = options.refLalo!;
    option = '--ref-lalo';
    given = `--ref-lalo ${lat},${lon}`;
    const at = pixelOfLatLon(grid, lat, lon, stack.path, ctx.lookup ?? null);
    if (!at) throw new InputError(option, `${lat},${lon} lies outside ${stack.path}${grid.radarCoded ? "'s footprint" : ''}`);
    ({ row, col } = at);
  }
  if (ctx.mask) {
    const q = ctx.mask.at(row, col);
    if (!(q >= ctx.mask.min)) throw new InputError(option, `the reference pixel (row ${row}, column ${col}) is masked out by --mask (${q} < ${ctx.mask.min})`);
  }
  const block = await stack.readRows(row, 1);
  const series = new Float32Array(stack.dates.length);
  const datesWithoutData: string[] = [];
  for (let d = 0; d < series.length; d++) {
    series[d] = block[d * grid.width + col];
    if (Number.isNaN(series[d])) datesWithoutData.push(stack.dates[d]);
  }
  if (datesWithoutData.length === series.length) {
    throw new InputError(option, `the reference pixel (row ${row}, column ${col}) of ${stack.path} has no data at any date`);
  }
  if (datesWithoutData.length) {
    ctx.warn(`${ctx.command}: WARNING: the reference pixel (row ${row}, column ${col}) has no data on ${datesWithoutData.length} date(s) (${datesWithoutData.slice(0, 5).join(', ')}${datesWithoutData.length > 5 ? ', …' : ''}): every pixel is NaN there`);
  }
  const centre = pixelLatLon(grid, row, col, ctx.lookup ?? null);
  return { given, row, col, lat: centre?.lat ?? null, lon: centre?.lon ?? null, series, datesWithoutData };
}

/** The pixel of a latitude/longitude on `grid` (a radar grid through its lookup), or null outside it. */
export function pixelOfLatLon(grid: RasterGrid, lat: number, lon: number, file: string, lookup: RadarLookup | null): { row: number; col: number } | null {
  if (grid.radarCoded) {
    if (!lookup) throw optionError('ref-lalo', `${file} is in radar coordinates: give --geometry (latitude/longitude) or use --ref-yx`);
    return radarPixelAt(lookup, lat, lon);
  }
  const [x, y] = lonLatToGrid(grid, file)(lon, lat);
  const g = grid.geoTransform;
  if (g[2] !== 0 || g[4] !== 0) throw new InputError(file, 'a rotated geotransform: use --ref-yx');
  const { col, row } = mapToPixel(grid, x, y);
  const c = Math.floor(col), r = Math.floor(row);
  return Number.isFinite(c) && Number.isFinite(r) && c >= 0 && r >= 0 && c < grid.width && r < grid.height ? { row: r, col: c } : null;
}

function pixelLatLon(grid: RasterGrid, row: number, col: number, lookup: RadarLookup | null): { lat: number; lon: number } | null {
  if (grid.radarCoded) {
    if (!lookup) return null;
    const p = row * grid.width + col;
    return { lat: lookup.latitudeDeg[p], lon: lookup.longitudeDeg[p] };
  }
  const { x, y } = pixelCentre(grid, row, col);
  return grid.epsg === 4326 ? { lat: y, lon: x } : null;
}
