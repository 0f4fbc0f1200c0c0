// `permasar coupling FITDIR --stack STACK (--lon X --lat Y | --row R --col C) --temperature T.csv
// --out DIR`: parses the options and runs the coupling job (jobs/coupling.ts):
// ground-temperature coupling at one pixel, the study's §4.1 and Fig. 7c.
import type { RasterGrid } from '../core/grid.ts';
import { couplingJob, DEFAULT_LAG_RANGE_DAYS, locatePixelOnGrid } from '../jobs/coupling.ts';
import { COUPLING_OPTIONS, couplingOptionsFrom } from '../jobs/coupling-options.ts';
import { argvConfig, usageLines } from '../jobs/support/option-table.ts';
import { requiredString } from './options.ts';
import { cliJobContext } from './job-context.ts';
import type { Command } from './command.ts';

export { DEFAULT_LAG_RANGE_DAYS };

const USAGE = `usage: permasar coupling FITDIR --stack STACK (--lon X --lat Y | --row R --col C) --temperature TEMP.csv --out DIR [options]

Ground-temperature coupling at one pixel (the study's Fig. 7c): lagged cross-correlation of the
detrended displacement with ground temperature, the lag from the annual temperature minimum to
the displacement peak, and the thaw windows (temperature above 273.15 K).

FITDIR is the --out folder of permasar fit for the same stack (its rate detrends the series).

options:
${usageLines(COUPLING_OPTIONS)}`;

/** The pixel (row, col) from --row/--col or from --lon/--lat (WGS 84, converted to the grid's CRS). */
export function locatePixel(grid: RasterGrid, values: Record<string, unknown>, stackPath: string): { row: number; col: number } {
  return locatePixelOnGrid(grid, couplingOptionsFrom(values).pixel, stackPath);
}

export const couplingCommand: Command = {
  name: 'coupling',
  summary: 'displacement vs ground temperature at a pixel: lags and thaw windows (Fig. 7c)',
  usage: USAGE,
  positionals: [1, 1],
  options: argvConfig(COUPLING_OPTIONS),
  async run(values, positionals) {
    const fitDir = positionals[0];
    const stackPath = requiredString(values, 'stack');
    const temperaturePath = requiredString(values, 'temperature');
    const outDir = requiredString(values, 'out');
    const { pixel, ...options } = couplingOptionsFrom(values);
    // --wavelength not given: undefined, so the file's WAVELENGTH comes before Sentinel-1's (as fit).
    await couplingJob({ fit: fitDir, stack: stackPath, temperature: temperaturePath, pixel }, options, outDir, cliJobContext(values));
  },
};

