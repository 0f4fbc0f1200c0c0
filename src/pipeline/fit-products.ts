// How fit products are named on disk and described to people: one table, used by the writers,
// the summary, the quicklooks, the web app and the readers of fit folders.
import type { FitProductKey } from '../core/fit-types.ts';

export interface FitProductInfo {
  key: FitProductKey;
  /** GeoTIFF file name in the output folder. */
  file: string;
  /** Units as written in GDAL metadata and on colour bars. */
  unit: string;
  description: string;
}

export const FIT_PRODUCT_INFO: readonly FitProductInfo[] = [
  { key: 'rateMmPerYear', file: 'rate.tif', unit: 'mm/yr', description: 'secular LOS rate (Eq. 1 where seasonal, linear trend elsewhere); positive = toward the satellite' },
  { key: 'rateStdMmPerYear', file: 'rate_std.tif', unit: 'mm/yr', description: 'standard error of the rate' },
  { key: 'seasonalAmplitudeMm', file: 'amplitude.tif', unit: 'mm', description: 'seasonal LOS amplitude, peak to trough (2|A| of Eq. 1); NaN where not seasonal' },
  { key: 'seasonalAmplitudeStdMm', file: 'amplitude_std.tif', unit: 'mm', description: 'standard error of the peak-to-trough amplitude' },
  { key: 'peakDayOfYear', file: 'timing.tif', unit: 'day of year', description: 'day of year of the seasonal peak (highest point of the annual term); NaN where not seasonal' },
  { key: 'extremaCount', file: 'extrema.tif', unit: 'count', description: 'maxima plus minima of the three-sinusoid fit on the daily grid' },
  { key: 'seasonalFlag', file: 'seasonal.tif', unit: 'flag', description: '1 seasonal, 0 not seasonal, NaN no data' },
  { key: 'residualRmsMm', file: 'rms.tif', unit: 'mm', description: 'RMS of the residual of the model whose rate is reported' },
  { key: 'validEpochCount', file: 'valid.tif', unit: 'count', description: 'number of valid (non-NaN) epochs' },
];

export function productInfo(key: FitProductKey): FitProductInfo {
  return FIT_PRODUCT_INFO.find((p) => p.key === key)!;
}
