// The option table of `permasar coupling`, read by the CLI and --help. Platform-free.
import { optionError } from '../core/errors.ts';
import { SENTINEL1_WAVELENGTH_M } from '../pipeline/fit.ts';
import { OUT_OPTION, OVERWRITE_OPTION, QUIET_OPTION, readOptions, type OptionTable } from './support/option-table.ts';

/** Lags examined, days; > 0: displacement after temperature. */
export const DEFAULT_LAG_RANGE_DAYS: [number, number] = [-182, 182];

export const COUPLING_OPTIONS: OptionTable = [
  { name: 'stack', kind: 'file', value: 'STACK', help: 'MintPy timeseries.h5 or folder of per-date GeoTIFFs (the one FITDIR was fitted from)' },
  { name: 'lon', kind: 'number', value: 'X', help: 'with --lat Y: the pixel containing this WGS 84 point (converted to the stack\'s CRS)' },
  { name: 'lat', kind: 'number', value: 'Y', help: 'latitude of that point' },
  { name: 'row', kind: 'number', value: 'R', help: 'with --col C: or the pixel by its 0-based row and column' },
  { name: 'col', kind: 'number', value: 'C', help: 'column of that pixel' },
  {
    name: 'temperature', kind: 'file', value: 'FILE',
    help: ['CSV with columns date (YYYYMMDD or YYYY-MM-DD) and value (K; GLDAS monthly is',
      'typical), interpolated linearly onto the acquisition dates; epochs outside',
      'its date range are dropped (no extrapolation)'],
  },
  { name: 'temperature-column', kind: 'text', value: 'C', help: 'the value column (default: "value", else the only column besides date)' },
  { name: 'lag-range-days', kind: 'numbers', value: 'A,B', default: DEFAULT_LAG_RANGE_DAYS, help: `lags examined, days (default ${DEFAULT_LAG_RANGE_DAYS.join(',')}); > 0: displacement after temperature` },
  { name: 'unit', kind: 'text', value: 'm|cm|mm|rad', help: 'unit of the stack when its file does not say' },
  {
    name: 'wavelength', kind: 'number', value: 'M', defaultText: `the file's WAVELENGTH, else ${SENTINEL1_WAVELENGTH_M}`,
    help: 'radar wavelength for --unit rad, metres', check: (v: number) => (v > 0 ? null : 'must be > 0'),
  },
  { ...OUT_OPTION, help: 'output folder: coupling.json, coupling.png' },
  OVERWRITE_OPTION,
  { ...QUIET_OPTION, help: 'no result lines on the terminal' },
];

export type CouplingPixelOption = { row: number; col: number } | { lon: number; lat: number };

export function couplingOptionsFrom(values: Record<string, unknown>): {
  pixel: CouplingPixelOption; lagRangeDays: [number, number]; temperatureColumn: string | null; unit: string | null; wavelengthM?: number; overwrite: boolean;
} {
  const v = readOptions(COUPLING_OPTIONS, values);
  const lon = v.lon as number | undefined, lat = v.lat as number | undefined, row = v.row as number | undefined, col = v.col as number | undefined;
  const byLonLat = lon !== undefined || lat !== undefined;
  const byRowCol = row !== undefined || col !== undefined;
  if (byLonLat === byRowCol) throw optionError('lon/--lat', 'give the pixel either as --lon X --lat Y or as --row R --col C');
  let pixel: CouplingPixelOption;
  if (byRowCol) {
    if (row === undefined || col === undefined) throw optionError('row/--col', 'give both --row and --col');
    pixel = { row, col };
  } else {
    if (lon === undefined || lat === undefined) throw optionError('lon/--lat', 'give both --lon and --lat');
    pixel = { lon, lat };
  }
  return {
    pixel,
    lagRangeDays: v['lag-range-days'] as [number, number],
    temperatureColumn: (v['temperature-column'] as string | undefined) ?? null,
    unit: (v.unit as string | undefined) ?? null,
    wavelengthM: v.wavelength as number | undefined,
    overwrite: Boolean(v.overwrite),
  };
}
