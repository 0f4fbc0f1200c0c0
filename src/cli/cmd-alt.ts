// `permasar alt --amplitude amplitude_vertical.tif --moisture N.tif|VALUE [--sites sites.csv]
// --out DIR`: parses the options and runs the alt job (jobs/alt.ts): active-layer
// thickness from the vertical amplitude by Eq. 2 of the study, n from in-situ sites.
import path from 'node:path';
import { InputError } from '../core/errors.ts';
import { DEFAULT_FROZEN_WATER_CONTENT, ICE_DENSITY_KG_M3, WATER_DENSITY_KG_M3 } from '../core/alt.ts';
import { MIN_SITES_FOR_OUTLIER_TEST, OUTLIER_NEIGHBOURS } from '../pipeline/alt.ts';
import { DEFAULT_SEASONS_OPTIONS } from '../core/seasons.ts';
import { runAltJob, type AltJobOptions, type AltJobResult } from '../jobs/alt.ts';
import { numberOrPath } from '../jobs/support/inputs-node.ts';
import { numberOption, requiredString } from './options.ts';
import { cliJobContext, deviceOption } from './job-context.ts';
import type { Command } from './command.ts';

const USAGE = `usage: permasar alt --amplitude FILE --moisture FILE|VALUE [--sites CSV | --n VALUE] --out DIR [options]

Active-layer thickness H (m) by Eq. 2 of the study:
  H = (ρi + n(ρw − ρi)) / ((N − n)(ρw − ρi)) · δ
δ: seasonal vertical amplitude, peak to trough (amplitude_vertical.tif of permasar vertical);
N: volumetric water content when thawed (October soil moisture); n: when frozen.

options:
  --amplitude FILE        vertical amplitude GeoTIFF (mm unless its unit or --amplitude-unit says otherwise)
  --amplitude-unit U      mm|cm|m (default: the band's unit, else mm)
  --moisture FILE|VALUE   N in m³/m³: a GeoTIFF on any grid (bilinear onto the amplitude grid), or a constant
  --sites FILE            in-situ ALT: a CSV with columns lon, lat, alt_m (metres), optional name; or
                          Point features with alt_m (and name) attributes in FILE.geojson, FILE.shp
                          or FILE.gpkg[:LAYER] (reprojected to WGS 84 lon/lat)
  --n VALUE               constant n without --sites (default ${DEFAULT_FROZEN_WATER_CONTENT}, as earlier studies)
  --site-radius M         a site uses the nearest valid pixel within M metres (default 300)
  --outlier-k K           drop sites whose n differs from the median n of their ${OUTLIER_NEIGHBOURS} nearest sites by
                          > K·1.4826·MAD of those differences (default 3; needs ≥ ${MIN_SITES_FOR_OUTLIER_TEST} sites)
  --smoothing S           thin-plate spline smoothing (default 0: through every site; larger: smoother)
  --min-thaw-gap G        the spline's n is clamped to [0, N − G] so H stays finite (default 0.01 m³/m³)
  --rho-water KG_M3       water density (default ${WATER_DENSITY_KG_M3})
  --rho-ice KG_M3         ice density (default ${ICE_DENSITY_KG_M3})
  --device gpu|cpu|auto   where the per-pixel kernel runs (default auto: GPU if an adapter exists)
  --out DIR               output folder (refused if it exists, unless --overwrite)
  --overwrite             replace an existing output folder (only once the new one is complete)
  --quiet                 no result lines on the terminal

outputs: alt.tif (m), n.tif, moisture.tif (N on the amplitude grid), alt_status.tif (why H is
what it is), sites.csv (each site: sampled δ, N, solved n, kept/skipped/dropped and why),
alt.png, n.png, moisture.png, alt_histogram.png, summary.json.

A multi-band --amplitude (amplitude_by_year_vertical.tif of permasar vertical on a permasar
seasons output, one band per year): n is solved against the mean of the yearly amplitudes
(alt.tif is of that mean), and also written: alt_by_year.tif (m, one band per year) and
alt_trend.tif (m/yr, least-squares slope of ALT against the year, ≥ ${DEFAULT_SEASONS_OPTIONS.minTrendYears} valid years).`;

export const altCommand: Command = {
  name: 'alt',
  summary: 'active-layer thickness from vertical amplitude by Eq. 2, n from in-situ sites (thin-plate spline)',
  usage: USAGE,
  positionals: [0, 0],
  options: {
    amplitude: { type: 'string' },
    'amplitude-unit': { type: 'string' },
    moisture: { type: 'string' },
    sites: { type: 'string' },
    n: { type: 'string' },
    'site-radius': { type: 'string' },
    'outlier-k': { type: 'string' },
    smoothing: { type: 'string' },
    'min-thaw-gap': { type: 'string' },
    'rho-water': { type: 'string' },
    'rho-ice': { type: 'string' },
    device: { type: 'string' },
    out: { type: 'string' },
    overwrite: { type: 'boolean' },
    quiet: { type: 'boolean' },
  },
  async run(values) {
    await runAltCommand(values);
  },
};

/** The alt job's options from parsed argv (one-line errors naming the option). */
export function altOptionsFromArgv(values: Record<string, unknown>): AltJobOptions {
  const waterKgM3 = numberOption(values, 'rho-water', WATER_DENSITY_KG_M3);
  const iceKgM3 = numberOption(values, 'rho-ice', ICE_DENSITY_KG_M3);
  return {
    densities: { waterKgM3, iceKgM3 },
    siteRadiusM: numberOption(values, 'site-radius', 300, (v) => (v >= 0 ? null : 'must be ≥ 0 metres')),
    outlierK: numberOption(values, 'outlier-k', 3, (v) => (v > 0 ? null : 'must be > 0')),
    smoothing: numberOption(values, 'smoothing', 0, (v) => (v >= 0 ? null : 'must be ≥ 0')),
    minThawGap: numberOption(values, 'min-thaw-gap', 0.01, (v) => (v > 0 && v < 1 ? null : 'must be in (0, 1) m³/m³')),
    amplitudeUnit: values['amplitude-unit'] as string | undefined,
    overwrite: Boolean(values.overwrite),
  };
}

export async function runAltCommand(values: Record<string, unknown>): Promise<AltJobResult> {
  const outDir = path.resolve(requiredString(values, 'out'));
  const options = altOptionsFromArgv(values);
  const device = deviceOption(values);
  if (values.sites !== undefined && values.n !== undefined) throw new InputError('--n', 'give --sites (n solved at the sites) or --n (a constant), not both');
  options.constantN = numberOption(values, 'n', DEFAULT_FROZEN_WATER_CONTENT, (v) => (v >= 0 && v < 1 ? null : 'must be a volumetric water content in [0, 1)'));
  const amplitude = requiredString(values, 'amplitude');
  const moisture = numberOrPath(requiredString(values, 'moisture'))!;
  return runAltJob({ amplitude, moisture, sites: values.sites as string | undefined }, options, outDir, cliJobContext(values, device));
}
