// `permasar profile --lines LAYER [--product NAME=FILE …] [--from DIR] [--features LAYER …] --out DIR`:
// parses the options and runs the profile job (jobs/profile.ts): what each kilometre of a railway
// or highway stands on, per segment of its chainage.
import { profileJob } from '../jobs/profile.ts';
import { PROFILE_OPTIONS, profileOptionsFrom, profileProductsFrom } from '../jobs/profile-options.ts';
import { argvConfig, usageLines } from '../jobs/support/option-table.ts';
import { requiredString } from './options.ts';
import { cliJobContext } from './job-context.ts';
import type { Command } from './command.ts';

const USAGE = `usage: permasar profile --lines LINES [--product NAME=FILE ...] [--from DIR] [--features LAYER ...] --out DIR [options]

Chains the line pieces of a class (railway, highway) into routes with a chainage on the WGS 84
ellipsoid, cuts them into segments, and per segment gives every product's count, median, P5 and
P95 over the pixels within the half-width (timing: circular mean; seasonal and direction
classes: shares), thermokarst features within each buffer, and flags by the study's
thresholds: flag_subsidence (median rate ≤ −20 mm/yr), flag_amplitude (median seasonal
amplitude ≥ 55 mm), flag_alt (median ALT ≥ 1 m), flag_thermokarst (a feature within 2 km).

  npx permasar profile --lines railway.shp --class railway --start 94.90,36.42 \\
      --product rate=results/asc-vertical/rate_vertical.tif --features thermokarst.gpkg --out results/profile
  npx permasar profile --lines lines.geojson --from results/qtec --out results/profile

options:
${usageLines(PROFILE_OPTIONS)}

A LAYER is FILE.geojson|.json (WGS 84 lon/lat), FILE.shp (with .dbf and .prj, any CRS) or
FILE.gpkg[:NAME] (GeoPackage), as for hazards. Rasters may be on any grid and CRS; each is
sampled on its own pixels (no resampling).`;

export const profileCommand: Command = {
  name: 'profile',
  summary: 'per kilometre of railway / highway: product statistics, features near, flags',
  usage: USAGE,
  positionals: [0, 0],
  options: argvConfig(PROFILE_OPTIONS),
  async run(values) {
    const lines = requiredString(values, 'lines');
    const outDir = requiredString(values, 'out');
    const options = profileOptionsFrom(values);
    await profileJob({
      lines,
      products: profileProductsFrom(values),
      from: typeof values.from === 'string' ? values.from : null,
      features: (values.features as string[] | undefined) ?? [],
      stations: typeof values.stations === 'string' ? values.stations : null,
    }, options, outDir, cliJobContext(values));
  },
};
