// `permasar hazards --lines LAYER --features LAYER [--features LAYER …] --out DIR`: parses the
// options and runs the hazards job (jobs/hazards.ts): thermokarst features within
// buffers of infrastructure lines, the study's Fig. 10b.
import { DEFAULT_NEAREST_SEARCH_M } from '../core/hazards.ts';
import { DEFAULT_BUFFERS_M, hazardsJob } from '../jobs/hazards.ts';
import { numberListOption, numberOption, requiredString, requiredStringList } from './options.ts';
import { cliJobContext } from './job-context.ts';
import type { Command } from './command.ts';

const USAGE = `usage: permasar hazards --lines LINES --features FEATURES [--features MORE ...] --out DIR [options]

Counts features of each type within each buffer distance of each class of line (the study's
Fig. 10b: thaw slumps and thaw lakes within 500–2,000 m of the QTEC railway and highway).
Distances are geodesic on the WGS 84 ellipsoid; a polygon counts when any part of it is within
the distance (or a line crosses it or lies inside it).

options:
  --lines LAYER           LineString/MultiLineString features
  --features LAYER        Point/MultiPoint/Polygon/MultiPolygon features; repeat it to add layers
                          (e.g. slumps as points in one file, lakes as polygons in another)
  A LAYER is FILE.geojson|.json (WGS 84 lon/lat), FILE.shp (with .dbf and .prj, any CRS; a .cpg
  sets the attribute encoding) or FILE.gpkg[:NAME] (GeoPackage; NAME picks the table when it
  holds several). Shapefile and GeoPackage layers are reprojected to WGS 84 with proj4.
  --class-property NAME   property of a line holding its class (default "class"; e.g. railway, highway)
  --type-property NAME    property of a feature holding its type (default "type"; e.g. thaw slump, thaw lake)
  --buffers M,M,...       buffer distances in metres (default ${DEFAULT_BUFFERS_M.join(',')})
  --nearest-search M      how far to look for a feature's nearest line when none is within the
                          largest buffer (default ${DEFAULT_NEAREST_SEARCH_M} m; beyond it nearest_m is null)
  --out DIR               output folder: hazards.csv, hazards.json, hazards.png, near_features.geojson
  --overwrite             replace an existing output folder (only once the new one is complete)
  --quiet                 no result lines on the terminal`;

export const hazardsCommand: Command = {
  name: 'hazards',
  summary: 'thaw slumps / thaw lakes within buffers of railway / highway lines (Fig. 10b)',
  usage: USAGE,
  positionals: [0, 0],
  options: {
    lines: { type: 'string' },
    features: { type: 'string', multiple: true },
    'class-property': { type: 'string' },
    'type-property': { type: 'string' },
    buffers: { type: 'string' },
    'nearest-search': { type: 'string' },
    out: { type: 'string' },
    overwrite: { type: 'boolean' },
    quiet: { type: 'boolean' },
  },
  async run(values) {
    const linesPath = requiredString(values, 'lines');
    const featuresPaths = requiredStringList(values, 'features');
    const outDir = requiredString(values, 'out');
    const classProperty = typeof values['class-property'] === 'string' ? values['class-property'] : 'class';
    const typeProperty = typeof values['type-property'] === 'string' ? values['type-property'] : 'type';
    const buffersM = numberListOption(values, 'buffers', DEFAULT_BUFFERS_M);
    const nearestSearchM = numberOption(values, 'nearest-search', DEFAULT_NEAREST_SEARCH_M, (v) => (v >= 0 && v <= 200_000 ? null : 'must be between 0 and 200000 m'));
    await hazardsJob({ lines: linesPath, features: featuresPaths }, { classProperty, typeProperty, buffersM, nearestSearchM, overwrite: values.overwrite === true }, outDir, cliJobContext(values));
  },
};
