// `permasar coupling FITDIR --stack STACK (--lon X --lat Y | --row R --col C) --temperature T.csv
// --out DIR`: parses the options and runs the coupling job (jobs/coupling.ts):
// ground-temperature coupling at one pixel, the study's §4.1 and Fig. 7c.
import { InputError } from '../core/errors.ts';
import type { RasterGrid } from '../core/grid.ts';
import { SENTINEL1_WAVELENGTH_M } from '../pipeline/fit.ts';
import { couplingJob, DEFAULT_LAG_RANGE_DAYS, locatePixelOnGrid, type CouplingPixel } from '../jobs/coupling.ts';
import { numberListOption, numberOption, optionalNumberOption, requiredString } from './options.ts';
import { cliJobContext } from './job-context.ts';
import type { Command } from './command.ts';

export { DEFAULT_LAG_RANGE_DAYS };

const USAGE = `usage: permasar coupling FITDIR --stack STACK (--lon X --lat Y | --row R --col C) --temperature TEMP.csv --out DIR [options]

Ground-temperature coupling at one pixel (the study's Fig. 7c): lagged cross-correlation of the
detrended displacement with ground temperature, the lag from the annual temperature minimum to
the displacement peak, and the thaw windows (temperature above 273.15 K).

FITDIR is the --out folder of permasar fit for the same stack (its rate detrends the series).

options:
  --stack STACK           MintPy timeseries.h5 or folder of per-date GeoTIFFs (the one FITDIR was fitted from)
  --lon X --lat Y         the pixel containing this WGS 84 point (converted to the stack's CRS)
  --row R --col C         or the pixel by its 0-based row and column
  --temperature FILE      CSV with columns date (YYYYMMDD or YYYY-MM-DD) and value (K; GLDAS monthly is
                          typical), interpolated linearly onto the acquisition dates; epochs outside
                          its date range are dropped (no extrapolation)
  --temperature-column C  the value column (default: "value", else the only column besides date)
  --lag-range-days A,B    lags examined, days (default ${DEFAULT_LAG_RANGE_DAYS.join(',')}); > 0: displacement after temperature
  --unit m|cm|mm|rad      unit of the stack when its file does not say
  --wavelength M          radar wavelength for --unit rad, metres (default ${SENTINEL1_WAVELENGTH_M})
  --out DIR               output folder: coupling.json, coupling.png
  --overwrite             replace an existing output folder (only once the new one is complete)
  --quiet                 no result lines on the terminal`;

/** --row/--col or --lon/--lat as a CouplingPixel (either pair, both of it). */
function pixelFromArgv(values: Record<string, unknown>): CouplingPixel {
  const lon = optionalNumberOption(values, 'lon');
  const lat = optionalNumberOption(values, 'lat');
  const row = optionalNumberOption(values, 'row');
  const col = optionalNumberOption(values, 'col');
  const byLonLat = lon !== null || lat !== null;
  const byRowCol = row !== null || col !== null;
  if (byLonLat === byRowCol) throw new InputError('--lon/--lat', 'give the pixel either as --lon X --lat Y or as --row R --col C');
  if (byRowCol) {
    if (row === null || col === null) throw new InputError('--row/--col', 'give both --row and --col');
    return { row, col };
  }
  if (lon === null || lat === null) throw new InputError('--lon/--lat', 'give both --lon and --lat');
  return { lon, lat };
}

/** The pixel (row, col) from --row/--col or from --lon/--lat (WGS 84, converted to the grid's CRS). */
export function locatePixel(grid: RasterGrid, values: Record<string, unknown>, stackPath: string): { row: number; col: number } {
  return locatePixelOnGrid(grid, pixelFromArgv(values), stackPath);
}

export const couplingCommand: Command = {
  name: 'coupling',
  summary: 'displacement vs ground temperature at a pixel: lags and thaw windows (Fig. 7c)',
  usage: USAGE,
  positionals: [1, 1],
  options: {
    stack: { type: 'string' },
    lon: { type: 'string' },
    lat: { type: 'string' },
    row: { type: 'string' },
    col: { type: 'string' },
    temperature: { type: 'string' },
    'temperature-column': { type: 'string' },
    'lag-range-days': { type: 'string' },
    unit: { type: 'string' },
    wavelength: { type: 'string' },
    out: { type: 'string' },
    overwrite: { type: 'boolean' },
    quiet: { type: 'boolean' },
  },
  async run(values, positionals) {
    const fitDir = positionals[0];
    const stackPath = requiredString(values, 'stack');
    const temperaturePath = requiredString(values, 'temperature');
    const outDir = requiredString(values, 'out');
    const lagRange = numberListOption(values, 'lag-range-days', DEFAULT_LAG_RANGE_DAYS);
    const wavelengthM = numberOption(values, 'wavelength', SENTINEL1_WAVELENGTH_M, (v) => (v > 0 ? null : 'must be > 0'));
    const pixel = pixelFromArgv(values);
    await couplingJob({ fit: fitDir, stack: stackPath, temperature: temperaturePath, pixel }, {
      lagRangeDays: lagRange as [number, number],
      temperatureColumn: typeof values['temperature-column'] === 'string' ? values['temperature-column'] : null,
      unit: typeof values.unit === 'string' ? values.unit : null,
      wavelengthM,
      overwrite: values.overwrite === true,
    }, outDir, cliJobContext(values));
  },
};

