// The option table of `permasar alt` (Eq. 2 of the study), read by the CLI, --help and the
// corridor manifest's "alt" block. Platform-free.
import { optionError } from '../core/errors.ts';
import { DEFAULT_FROZEN_WATER_CONTENT, ICE_DENSITY_KG_M3, WATER_DENSITY_KG_M3 } from '../core/alt.ts';
import { MIN_SITES_FOR_OUTLIER_TEST, OUTLIER_NEIGHBOURS } from '../pipeline/alt.ts';
import { DEVICE_OPTION, OUT_OPTION, OVERWRITE_OPTION, QUIET_OPTION, readOptions, type OptionTable } from './support/option-table.ts';

/** Defaults of the alt job's numeric options (the job applies them when a caller gives none). */
export const DEFAULT_ALT_JOB_OPTIONS = { siteRadiusM: 300, outlierK: 3, smoothing: 0, minThawGap: 0.01 } as const;

export const ALT_OPTIONS: OptionTable = [
  { name: 'amplitude', kind: 'file', value: 'FILE', help: 'vertical amplitude GeoTIFF (mm unless its unit or --amplitude-unit says otherwise)', manifest: false },
  { name: 'amplitude-unit', kind: 'text', value: 'U', help: 'mm|cm|m (default: the band\'s unit, else mm)' },
  { name: 'moisture', kind: 'file-or-number', value: 'FILE|VALUE', help: 'N in m³/m³: a GeoTIFF on any grid (bilinear onto the amplitude grid), or a constant' },
  {
    name: 'sites', kind: 'file', value: 'FILE',
    help: ['in-situ ALT: a CSV with columns lon, lat, alt_m (metres), optional name; or',
      'Point features with alt_m (and name) attributes in FILE.geojson, FILE.shp',
      'or FILE.gpkg[:LAYER] (reprojected to WGS 84 lon/lat)'],
  },
  {
    name: 'n', kind: 'number', value: 'VALUE', default: DEFAULT_FROZEN_WATER_CONTENT, help: `constant n without --sites (default ${DEFAULT_FROZEN_WATER_CONTENT}, as earlier studies)`,
    check: (v: number) => (v >= 0 && v < 1 ? null : 'must be a volumetric water content in [0, 1)'),
  },
  { name: 'site-radius', kind: 'number', value: 'M', default: DEFAULT_ALT_JOB_OPTIONS.siteRadiusM, help: 'a site uses the nearest valid pixel within M metres', check: (v: number) => (v >= 0 ? null : 'must be ≥ 0 metres') },
  {
    name: 'outlier-k', kind: 'number', value: 'K', default: DEFAULT_ALT_JOB_OPTIONS.outlierK,
    help: [`drop sites whose n differs from the median n of their ${OUTLIER_NEIGHBOURS} nearest sites by`,
      `> K·1.4826·MAD of those differences (default ${DEFAULT_ALT_JOB_OPTIONS.outlierK}; needs ≥ ${MIN_SITES_FOR_OUTLIER_TEST} sites)`],
    check: (v: number) => (v > 0 ? null : 'must be > 0'),
  },
  { name: 'smoothing', kind: 'number', value: 'S', default: DEFAULT_ALT_JOB_OPTIONS.smoothing, help: 'thin-plate spline smoothing (default 0: through every site; larger: smoother)', check: (v: number) => (v >= 0 ? null : 'must be ≥ 0') },
  { name: 'min-thaw-gap', kind: 'number', value: 'G', default: DEFAULT_ALT_JOB_OPTIONS.minThawGap, help: 'the spline\'s n is clamped to [0, N − G] so H stays finite (default 0.01 m³/m³)', check: (v: number) => (v > 0 && v < 1 ? null : 'must be in (0, 1) m³/m³') },
  { name: 'rho-water', kind: 'number', value: 'KG_M3', default: WATER_DENSITY_KG_M3, help: 'water density' },
  { name: 'rho-ice', kind: 'number', value: 'KG_M3', default: ICE_DENSITY_KG_M3, help: 'ice density' },
  { ...DEVICE_OPTION, help: 'where the per-pixel kernel runs' },
  OUT_OPTION,
  OVERWRITE_OPTION,
  { ...QUIET_OPTION, help: 'no result lines on the terminal' },
];

export interface AltTableOptions {
  densities: { waterKgM3: number; iceKgM3: number };
  siteRadiusM: number;
  outlierK: number;
  smoothing: number;
  minThawGap: number;
  amplitudeUnit?: string;
  constantN: number;
  overwrite: boolean;
}

/** The alt job's options from the table's values (argv or a manifest block), checked. */
export function altOptionsFrom(values: Record<string, unknown>): AltTableOptions {
  if (values.sites !== undefined && values.n !== undefined) throw optionError('n', 'give --sites (n solved at the sites) or --n (a constant), not both');
  const v = readOptions(ALT_OPTIONS, values);
  return {
    densities: { waterKgM3: v['rho-water'] as number, iceKgM3: v['rho-ice'] as number },
    siteRadiusM: v['site-radius'] as number,
    outlierK: v['outlier-k'] as number,
    smoothing: v.smoothing as number,
    minThawGap: v['min-thaw-gap'] as number,
    amplitudeUnit: v['amplitude-unit'] as string | undefined,
    constantN: v.n as number,
    overwrite: Boolean(v.overwrite),
  };
}
