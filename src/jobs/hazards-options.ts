// The option table of `permasar hazards`, read by the CLI, --help and the corridor manifest's
// "hazards" block. Platform-free.
import { DEFAULT_NEAREST_SEARCH_M } from '../core/hazards.ts';
import { OUT_OPTION, OVERWRITE_OPTION, QUIET_OPTION, readOptions, type OptionTable } from './support/option-table.ts';

/** The study's buffers (Fig. 10b), metres. */
export const DEFAULT_BUFFERS_M = [500, 1000, 1500, 2000];

export const HAZARDS_OPTIONS: OptionTable = [
  { name: 'lines', kind: 'file', value: 'LAYER', help: 'LineString/MultiLineString features' },
  {
    name: 'features', kind: 'files', value: 'LAYER',
    help: ['Point/MultiPoint/Polygon/MultiPolygon features; repeat it to add layers',
      '(e.g. slumps as points in one file, lakes as polygons in another)'],
  },
  { name: 'class-property', kind: 'text', value: 'NAME', default: 'class', help: 'property of a line holding its class (default "class"; e.g. railway, highway)' },
  { name: 'type-property', kind: 'text', value: 'NAME', default: 'type', help: 'property of a feature holding its type (default "type"; e.g. thaw slump, thaw lake)' },
  { name: 'buffers', kind: 'numbers', value: 'M,M,...', default: DEFAULT_BUFFERS_M, help: 'buffer distances in metres' },
  {
    name: 'nearest-search', kind: 'number', value: 'M', default: DEFAULT_NEAREST_SEARCH_M,
    help: ['how far to look for a feature\'s nearest line when none is within the',
      `largest buffer (default ${DEFAULT_NEAREST_SEARCH_M} m; beyond it nearest_m is null)`],
    check: (v: number) => (v >= 0 && v <= 200_000 ? null : 'must be between 0 and 200000 m'),
  },
  { ...OUT_OPTION, help: 'output folder: hazards.csv, hazards.json, hazards.png, near_features.geojson' },
  OVERWRITE_OPTION,
  { ...QUIET_OPTION, help: 'no result lines on the terminal' },
];

export function hazardsOptionsFrom(values: Record<string, unknown>): { classProperty: string; typeProperty: string; buffersM: number[]; nearestSearchM: number; overwrite: boolean } {
  const v = readOptions(HAZARDS_OPTIONS, values);
  return {
    classProperty: v['class-property'] as string,
    typeProperty: v['type-property'] as string,
    buffersM: v.buffers as number[],
    nearestSearchM: v['nearest-search'] as number,
    overwrite: Boolean(v.overwrite),
  };
}
