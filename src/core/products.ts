// Product specs and defaults in one home (issue 12): file names, units, descriptions, quicklook
// titles and colour maps, overview resampling. The GeoTIFF writers (CLI and web download), the
// PNG quicklooks, the summaries and the web app's maps all read them here, so a product is named
// and described one way everywhere. Pure data: no I/O.
import { DirectionClass } from './direction.ts';
import type { FitProductKey } from './fit-types.ts';
import type { CompareOutputs } from './two-track.ts';

/** Colour maps by name (plot/colormap.ts draws them): diverging, sequential, cyclic, classes. */
export type ProductColormap = 'rdbu' | 'viridis' | 'twilight' | 'categorical';

/**
 * How a GeoTIFF's overviews are built: 'nearest' for flags, counts, classes and days of year (a
 * mean of days 360 and 5 would be day 182, so days are never averaged); 'average' (NaN-aware)
 * for continuous quantities.
 */
export type OverviewResampling = 'nearest' | 'average';

export interface ProductQuicklook {
  title: string;
  /** Colour-bar label ('' for classes, whose legend says it all). */
  unitLabel: string;
  colormap: ProductColormap;
  /** Fixed colour range (the calendar for days of year); otherwise from the data. */
  range?: [number, number];
}

export interface ProductSpec {
  /** GeoTIFF file name in the output folder. */
  file: string;
  /** Units as written in GDAL metadata and on colour bars. */
  unit: string;
  description: string;
  overviewResampling: OverviewResampling;
  /** The PNG quicklook, for products that have one. */
  quicklook?: ProductQuicklook;
}

export interface FitProductSpec extends ProductSpec {
  key: FitProductKey;
}

/** Seasonal-test class colours (seasonal, not seasonal), shared by fit's PNG and the web map. */
export const SEASONAL_CLASS_COLORS = { seasonal: '#1b9e77', notSeasonal: '#d95f02' } as const;

/** `fit` (and `seasons`) products, in the order they are written and listed. */
export const FIT_PRODUCTS: readonly FitProductSpec[] = [
  {
    key: 'rateMmPerYear', file: 'rate.tif', unit: 'mm/yr', overviewResampling: 'average',
    description: 'secular LOS rate (Eq. 1 where seasonal, linear trend elsewhere); positive = toward the satellite',
    quicklook: { title: 'Secular LOS rate (+ toward satellite)', unitLabel: 'mm/yr', colormap: 'rdbu' },
  },
  { key: 'rateStdMmPerYear', file: 'rate_std.tif', unit: 'mm/yr', overviewResampling: 'average', description: 'standard error of the rate' },
  {
    key: 'seasonalAmplitudeMm', file: 'amplitude.tif', unit: 'mm', overviewResampling: 'average',
    description: 'seasonal LOS amplitude, peak to trough (2|A| of Eq. 1); NaN where not seasonal',
    quicklook: { title: 'Seasonal LOS amplitude, peak to trough', unitLabel: 'mm', colormap: 'viridis' },
  },
  { key: 'seasonalAmplitudeStdMm', file: 'amplitude_std.tif', unit: 'mm', overviewResampling: 'average', description: 'standard error of the peak-to-trough amplitude' },
  {
    key: 'peakDayOfYear', file: 'timing.tif', unit: 'day of year', overviewResampling: 'nearest',
    description: 'day of year of the seasonal peak (highest point of the annual term); NaN where not seasonal',
    quicklook: { title: 'Day of year of the seasonal peak', unitLabel: 'day of year', colormap: 'twilight', range: [1, 366] },
  },
  { key: 'extremaCount', file: 'extrema.tif', unit: 'count', overviewResampling: 'nearest', description: 'maxima plus minima of the three-sinusoid fit on the daily grid' },
  {
    key: 'seasonalFlag', file: 'seasonal.tif', unit: 'flag', overviewResampling: 'nearest',
    description: '1 seasonal, 0 not seasonal, NaN no data',
    quicklook: { title: 'Seasonality test (extrema within expected ± tolerance)', unitLabel: '', colormap: 'categorical' },
  },
  { key: 'residualRmsMm', file: 'rms.tif', unit: 'mm', overviewResampling: 'average', description: 'RMS of the residual of the model whose rate is reported' },
  { key: 'validEpochCount', file: 'valid.tif', unit: 'count', overviewResampling: 'nearest', description: 'number of valid (non-NaN) epochs' },
];

export function fitProductSpec(key: FitProductKey): FitProductSpec {
  const spec = FIT_PRODUCTS.find((p) => p.key === key);
  if (!spec) throw new Error(`no fit product ${key}`);
  return spec;
}

/** `vertical` products (δ_vertical = δ_LOS / cos θ). */
export const VERTICAL_PRODUCTS = {
  rateVerticalMmPerYear: {
    file: 'rate_vertical.tif', unit: 'mm/yr', overviewResampling: 'average',
    description: 'secular rate projected onto the vertical, LOS / cos(incidence); positive = up',
    quicklook: { title: 'Vertical rate (LOS / cos incidence, + up)', unitLabel: 'mm/yr', colormap: 'rdbu' },
  },
  amplitudeVerticalMm: {
    file: 'amplitude_vertical.tif', unit: 'mm', overviewResampling: 'average',
    description: 'seasonal amplitude (peak to trough) projected onto the vertical, LOS / cos(incidence); NaN where not seasonal',
    quicklook: { title: 'Vertical seasonal amplitude, peak to trough', unitLabel: 'mm', colormap: 'viridis' },
  },
  amplitudeByYearVerticalMm: {
    file: 'amplitude_by_year_vertical.tif', unit: 'mm', overviewResampling: 'average',
    description: 'seasonal amplitude of each year (peak to trough) projected onto the vertical, LOS / cos(incidence)',
  },
} as const satisfies Record<string, ProductSpec>;

/** `alt` products (Eq. 2). Descriptions that depend on the run (n's kind, the years) are completed by the job. */
export const ALT_PRODUCTS = {
  altM: {
    file: 'alt.tif', unit: 'm', overviewResampling: 'average', description: 'active-layer thickness H, Eq. 2',
    quicklook: { title: 'Active-layer thickness (Eq. 2)', unitLabel: 'm', colormap: 'viridis' },
  },
  frozenWaterContent: {
    file: 'n.tif', unit: 'm3/m3', overviewResampling: 'average', description: 'volumetric water content when frozen, n',
    quicklook: { title: 'Water content when frozen, n', unitLabel: 'm³/m³', colormap: 'viridis' },
  },
  thawedWaterContent: {
    file: 'moisture.tif', unit: 'm3/m3', overviewResampling: 'average', description: 'volumetric water content when thawed, N (October soil moisture)',
    quicklook: { title: 'Water content when thawed, N', unitLabel: 'm³/m³', colormap: 'viridis' },
  },
  status: { file: 'alt_status.tif', unit: 'class', overviewResampling: 'nearest', description: 'why ALT is what it is' },
  altByYearM: { file: 'alt_by_year.tif', unit: 'm', overviewResampling: 'average', description: 'active-layer thickness H of each year, Eq. 2 with the yearly vertical amplitude and one n' },
  altTrendMPerYear: {
    file: 'alt_trend.tif', unit: 'm/yr', overviewResampling: 'average', description: 'trend of the active-layer thickness, least-squares slope',
    quicklook: { title: 'Active-layer thickness trend (+ deepening)', unitLabel: 'm/yr', colormap: 'rdbu' },
  },
} as const satisfies Record<string, ProductSpec>;

/** Direction-of-motion class colours (Table 1), shared by compare's PNGs and the web app's direction maps. */
export const DIRECTION_CLASS_COLORS: Readonly<Record<number, string>> = {
  [DirectionClass.VERTICAL]: '#1b9e77',
  [DirectionClass.EAST_WEST]: '#d95f02',
  [DirectionClass.UNDETERMINED]: '#7570b3',
  [DirectionClass.NOT_TESTED]: '#bdbdbd',
};

/** `compare`'s two-track decomposition products (north neglected), in the order they are written. */
export const DECOMPOSITION_PRODUCTS = [
  {
    file: 'rate_up.tif', key: 'rateUpMmPerYear', unit: 'mm/yr', overviewResampling: 'average',
    description: 'vertical secular rate from the two-track decomposition (north neglected); positive = up',
    quicklook: { title: 'Vertical rate (two-track decomposition, + up)', unitLabel: 'mm/yr', colormap: 'rdbu' },
  },
  {
    file: 'rate_east.tif', key: 'rateEastMmPerYear', unit: 'mm/yr', overviewResampling: 'average',
    description: 'east-west secular rate from the two-track decomposition (north neglected); positive = east',
    quicklook: { title: 'East-west rate (two-track decomposition, + east)', unitLabel: 'mm/yr', colormap: 'rdbu' },
  },
  {
    file: 'amplitude_up.tif', key: 'amplitudeUpMm', unit: 'mm', overviewResampling: 'average',
    description: 'vertical seasonal amplitude, peak to trough, from the decomposition; NaN unless seasonal on both tracks',
    quicklook: { title: 'Vertical seasonal amplitude, peak to trough', unitLabel: 'mm', colormap: 'viridis' },
  },
  { file: 'amplitude_east.tif', key: 'amplitudeEastMm', unit: 'mm', overviewResampling: 'average', description: 'east-west seasonal amplitude, peak to trough, from the decomposition; NaN unless seasonal on both tracks' },
  { file: 'timing_up.tif', key: 'peakDayUp', unit: 'day of year', overviewResampling: 'nearest', description: 'day of year of the highest point of the vertical annual term; NaN unless seasonal on both tracks' },
  { file: 'timing_east.tif', key: 'peakDayEast', unit: 'day of year', overviewResampling: 'nearest', description: 'day of year of the furthest-east point of the east-west annual term; NaN unless seasonal on both tracks' },
] as const satisfies readonly (ProductSpec & { key: keyof CompareOutputs })[];

/** `invert`'s raster products besides its MintPy HDF5 files (INVERSION.md §2.7). */
export const INVERT_PRODUCTS = {
  temporalCoherence: {
    file: 'temporalCoherence.tif', unit: '1', overviewResampling: 'average',
    description: 'temporal coherence of the network inversion, |Σ exp(i·e)|/n of the unweighted phase residual (Pepe & Lanari 2006); 0 where not inverted',
    quicklook: { title: 'Temporal coherence of the inversion', unitLabel: '', colormap: 'viridis', range: [0, 1] },
  },
  numInvIfgram: {
    file: 'numInvIfgram.tif', unit: 'count', overviewResampling: 'nearest',
    description: 'interferograms used in the inversion of the pixel; 0 where not inverted',
  },
} as const satisfies Record<string, ProductSpec>;

/** The product name GDAL metadata carries (PRODUCT=…): the file name without `.tif`. */
export function productName(spec: { file: string }): string {
  return spec.file.replace(/\.tif$/, '');
}
