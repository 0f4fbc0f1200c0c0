// `permasar hazards --lines LAYER --features LAYER [--features LAYER …] --out DIR`: parses the
// options and runs the hazards job (jobs/hazards.ts): thermokarst features within
// buffers of infrastructure lines, the study's Fig. 10b.
import { hazardsJob } from '../jobs/hazards.ts';
import { HAZARDS_OPTIONS, hazardsOptionsFrom } from '../jobs/hazards-options.ts';
import { argvConfig, usageLines } from '../jobs/support/option-table.ts';
import { requiredString, requiredStringList } from './options.ts';
import { cliJobContext } from './job-context.ts';
import type { Command } from './command.ts';

const USAGE = `usage: permasar hazards --lines LINES --features FEATURES [--features MORE ...] --out DIR [options]

Counts features of each type within each buffer distance of each class of line (the study's
Fig. 10b: thaw slumps and thaw lakes within 500–2,000 m of the QTEC railway and highway).
Distances are geodesic on the WGS 84 ellipsoid; a polygon counts when any part of it is within
the distance (or a line crosses it or lies inside it).

options:
${usageLines(HAZARDS_OPTIONS)}

A LAYER is FILE.geojson|.json (WGS 84 lon/lat), FILE.shp (with .dbf and .prj, any CRS; a .cpg
sets the attribute encoding) or FILE.gpkg[:NAME] (GeoPackage; NAME picks the table when it
holds several). Shapefile and GeoPackage layers are reprojected to WGS 84 with proj4.`;

export const hazardsCommand: Command = {
  name: 'hazards',
  summary: 'thaw slumps / thaw lakes within buffers of railway / highway lines (Fig. 10b)',
  usage: USAGE,
  positionals: [0, 0],
  options: argvConfig(HAZARDS_OPTIONS),
  async run(values) {
    const linesPath = requiredString(values, 'lines');
    const featuresPaths = requiredStringList(values, 'features');
    const outDir = requiredString(values, 'out');
    await hazardsJob({ lines: linesPath, features: featuresPaths }, hazardsOptionsFrom(values), outDir, cliJobContext(values));
  },
};
