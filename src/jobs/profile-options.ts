// The option table of `permasar profile` (issue 23), read by the CLI and --help. Platform-free.
import { optionError } from '../core/errors.ts';
import { STUDY_FLAG_THRESHOLDS, type FlagThresholds } from '../core/profile.ts';
import { OUT_OPTION, OVERWRITE_OPTION, QUIET_OPTION, readOptions, type OptionTable } from './support/option-table.ts';
import { DEFAULT_BUFFERS_M } from './hazards-options.ts';

/** A --product: NAME=FILE, or NAME alone to pick one of the products of --from. */
export interface ProductChoice { name: string; file: string | null }

const PRODUCT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

function parseProducts(raw: unknown): ProductChoice[] {
  const list = (Array.isArray(raw) ? raw : [raw]).map(String);
  const seen = new Set<string>();
  return list.map((item) => {
    const eq = item.indexOf('=');
    const name = eq < 0 ? item : item.slice(0, eq);
    const file = eq < 0 ? null : item.slice(eq + 1);
    if (!PRODUCT_NAME.test(name)) throw optionError('product', `"${item}": NAME=FILE, NAME of letters, digits and _ (it names the columns: NAME_median …)`);
    if (file === '') throw optionError('product', `"${item}": no file after "="`);
    if (seen.has(name)) throw optionError('product', `"${name}" given twice`);
    seen.add(name);
    return { name, file };
  });
}

function parseLonLat(raw: unknown): [number, number] {
  const parts = Array.isArray(raw) ? raw : String(raw).split(',');
  const [lon, lat] = parts.map((p) => Number(String(p).trim()));
  if (parts.length !== 2 || !Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lon) > 180 || Math.abs(lat) > 90) {
    throw optionError('start', `expected LON,LAT in degrees (e.g. 94.90,36.42), got "${String(raw)}"`);
  }
  return [lon, lat];
}

const positive = (max: number) => (v: number) => (v > 0 && v <= max ? null : `must be > 0 and ≤ ${max}`);

export const PROFILE_OPTIONS: OptionTable = [
  { name: 'lines', kind: 'file', value: 'LAYER', help: 'LineString/MultiLineString features: the railway and highway pieces', manifest: false },
  { name: 'class', kind: 'text', value: 'NAME', help: 'only lines of this class (default: every class, each its own routes)' },
  { name: 'class-property', kind: 'text', value: 'NAME', default: 'class', help: 'property of a line holding its class (railway, highway)' },
  { name: 'route-property', kind: 'text', value: 'NAME', help: ['property naming the route a piece belongs to (e.g. ref: G109);', 'pieces are chained per value (default: per class)'] },
  { name: 'join-m', kind: 'number', value: 'M', default: 50, help: 'piece ends closer than this are joined', check: (v: number) => (v >= 0 && v <= 10_000 ? null : 'must be between 0 and 10000 m') },
  {
    name: 'max-gap-m', kind: 'number', value: 'M', default: 20_000,
    help: ['longer breaks in the line data are gaps: chainage runs on across them; beyond', 'this the pieces are separate routes'],
    check: (v: number) => (v >= 0 && v <= 1_000_000 ? null : 'must be between 0 and 1000000 m'),
  },
  { name: 'start', kind: 'custom', value: 'LON,LAT', parse: parseLonLat, help: 'chainage runs from the route end nearest this point (default: the westmost end)' },
  { name: 'segment-m', kind: 'number', value: 'M', default: 1000, help: 'segment length along the chainage (the last may be shorter)', check: positive(1_000_000) },
  { name: 'half-width-m', kind: 'number', value: 'M', default: 500, help: 'a pixel belongs to its nearest segment when within this distance', check: positive(50_000) },
  {
    name: 'product', kind: 'custom', multiple: true, value: 'NAME=FILE', parse: parseProducts, manifest: false,
    help: ['a raster to profile (GeoTIFF or HDF5, any grid and CRS); repeat it. With --from,', 'NAME alone picks one of its products (default: all of them)'],
  },
  { name: 'from', kind: 'file', value: 'DIR', manifest: false, help: ['a corridor, demo or job folder: its known products (rate, amplitude, timing,', 'seasonal, *_vertical, rate_up …, direction_*, alt, alt_trend)'] },
  { name: 'features', kind: 'files', value: 'LAYER', help: 'thaw slumps / lakes (Point or Polygon), counted per segment; repeat it' },
  { name: 'type-property', kind: 'text', value: 'NAME', default: 'type', help: 'property of a feature holding its type (thaw slump, thaw lake)' },
  { name: 'buffers-m', kind: 'numbers', value: 'M,M,...', default: DEFAULT_BUFFERS_M, help: 'feature-count distances from each segment' },
  { name: 'stations', kind: 'file', value: 'LAYER', help: 'Point features with names, marked on the profiles at their chainage' },
  { name: 'station-property', kind: 'text', value: 'NAME', default: 'name', help: 'property of a station holding its name' },
  { name: 'station-max-m', kind: 'number', value: 'M', default: 5000, help: 'stations farther than this from every route are left off', check: positive(1_000_000) },
  // A speed of subsidence (positive), so the command line needs no negative number (which
  // parseArgs would take for an option).
  {
    name: 'subsidence-mm-yr', kind: 'number', value: 'V', default: -STUDY_FLAG_THRESHOLDS.subsidenceMmPerYear,
    help: 'flag_subsidence: median rate ≤ −V mm/yr, subsidence faster than V (the study: 20)',
    check: (v: number) => (v >= 0 ? null : 'is a speed of subsidence, ≥ 0 (20 flags rates ≤ −20 mm/yr)'),
  },
  { name: 'amplitude-mm', kind: 'number', value: 'A', default: STUDY_FLAG_THRESHOLDS.amplitudeMm, help: 'flag_amplitude: median seasonal amplitude ≥ A mm (the study: 55)' },
  { name: 'alt-m', kind: 'number', value: 'H', default: STUDY_FLAG_THRESHOLDS.altM, help: 'flag_alt: median ALT ≥ H m (the study: 1)' },
  { name: 'thermokarst-m', kind: 'number', value: 'M', default: STUDY_FLAG_THRESHOLDS.thermokarstM, help: 'flag_thermokarst: a feature within M m (the study: 2000)', check: positive(500_000) },
  { ...OUT_OPTION, help: 'output folder: segments.csv, segments.geojson, profile_<route>.png, summary.json' },
  OVERWRITE_OPTION,
  { ...QUIET_OPTION, help: 'no result lines on the terminal' },
];

export interface ProfileOptionValues {
  lineClass: string | null;
  classProperty: string;
  routeProperty: string | null;
  joinM: number;
  maxGapM: number;
  start: [number, number] | null;
  segmentM: number;
  halfWidthM: number;
  typeProperty: string;
  buffersM: number[];
  stationProperty: string;
  stationMaxM: number;
  thresholds: FlagThresholds;
  overwrite: boolean;
}

export function profileOptionsFrom(values: Record<string, unknown>): ProfileOptionValues {
  const v = readOptions(PROFILE_OPTIONS, values);
  const buffersM = v['buffers-m'] as number[];
  if (buffersM.some((b) => !(b > 0) || b > 500_000)) throw optionError('buffers-m', `distances must be > 0 and ≤ 500000 m, got ${buffersM.join(',')}`);
  if (new Set(buffersM).size !== buffersM.length) throw optionError('buffers-m', `repeated distance in ${buffersM.join(',')}`);
  return {
    lineClass: (v.class as string | undefined) ?? null,
    classProperty: v['class-property'] as string,
    routeProperty: (v['route-property'] as string | undefined) ?? null,
    joinM: v['join-m'] as number,
    maxGapM: v['max-gap-m'] as number,
    start: (v.start as [number, number] | undefined) ?? null,
    segmentM: v['segment-m'] as number,
    halfWidthM: v['half-width-m'] as number,
    typeProperty: v['type-property'] as string,
    buffersM: [...buffersM].sort((a, b) => a - b),
    stationProperty: v['station-property'] as string,
    stationMaxM: v['station-max-m'] as number,
    thresholds: {
      subsidenceMmPerYear: -(v['subsidence-mm-yr'] as number),
      amplitudeMm: v['amplitude-mm'] as number,
      altM: v['alt-m'] as number,
      thermokarstM: v['thermokarst-m'] as number,
    },
    overwrite: Boolean(v.overwrite),
  };
}

/** The products of --product (after conversion), for the command. */
export function profileProductsFrom(values: Record<string, unknown>): ProductChoice[] {
  const raw = values.product;
  if (raw === undefined || (Array.isArray(raw) && raw.length === 0)) return [];
  return parseProducts(raw);
}
