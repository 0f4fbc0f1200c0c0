// GeoTIFF writer options of every `fit` product, in one place, so the CLI (streamed to disk)
// and the web app (encoded in memory for a download) write byte-identical headers: same tags,
// same GDAL metadata, same nodata. Both writers share CogEncoder, so identical options and
// identical pixels give identical Cloud-Optimized GeoTIFFs.
import type { GeoTiffWriteOptions } from '../io/geotiff-write.ts';
import { FIT_PRODUCT_INFO, type FitProductInfo } from './fit-products.ts';
import type { FitProductKey } from '../core/fit-types.ts';

/**
 * Products whose overviews take the nearest pixel: a flag, counts, and the day of year (a
 * mean of days 360 and 5 would be day 182, so days are never averaged). The rest are
 * continuous and averaged, NaN-aware.
 */
const NEAREST_OVERVIEW_PRODUCTS: ReadonlySet<FitProductKey> = new Set(['peakDayOfYear', 'extremaCount', 'seasonalFlag', 'validEpochCount']);

/** Float32 product with its description and unit as GDAL band metadata (gdalinfo shows them). */
export function fitProductGeoTiffOptions(info: FitProductInfo): GeoTiffWriteOptions {
  return {
    sampleType: 'float32',
    overviewResampling: NEAREST_OVERVIEW_PRODUCTS.has(info.key) ? 'nearest' : 'average',
    bandDescription: info.description,
    bandUnit: info.unit,
    metadata: { PRODUCT: info.file.replace('.tif', ''), UNITS: info.unit, SOFTWARE: 'permasar' },
  };
}

export function fitProductGeoTiffOptionsByKey(key: FitProductKey): GeoTiffWriteOptions {
  return fitProductGeoTiffOptions(FIT_PRODUCT_INFO.find((p) => p.key === key)!);
}

/** incidence.tif, kept beside the products; `source` says where the angles came from. */
export function incidenceGeoTiffOptions(source: string): GeoTiffWriteOptions {
  return { sampleType: 'float32', bandUnit: 'degrees', bandDescription: `incidence angle (${source})` };
}

/** azimuth.tif (from a MintPy geometryGeo.h5). */
export function azimuthGeoTiffOptions(): GeoTiffWriteOptions {
  return { sampleType: 'float32', bandUnit: 'degrees', bandDescription: 'azimuth angle of the LOS, MintPy convention (from geometryGeo.h5)' };
}
