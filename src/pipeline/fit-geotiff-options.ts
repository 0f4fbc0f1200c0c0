// GeoTIFF writer options of every `fit` product, in one place, so the CLI (streamed to disk)
// and the web app (encoded in memory for a download) write byte-identical headers: same tags,
// same GDAL metadata, same nodata. Both writers share CogEncoder, so identical options and
// identical pixels give identical Cloud-Optimized GeoTIFFs.
import type { GeoTiffWriteOptions } from '../io/geotiff-write.ts';
import { FIT_PRODUCT_INFO, type FitProductInfo } from './fit-products.ts';
import type { FitProductKey } from '../core/fit-types.ts';
import { productName, type ProductSpec } from '../core/products.ts';

/** Float32 product with its description and unit as GDAL band metadata (gdalinfo shows them); overviews per its spec (core/products.ts). */
export function fitProductGeoTiffOptions(info: FitProductInfo): GeoTiffWriteOptions {
  return productGeoTiffOptions(info);
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

/**
 * GeoTIFF options of any product from its spec: float32, its overview resampling, description
 * and unit as band metadata, PRODUCT/UNITS/SOFTWARE as dataset metadata; `extra` adds
 * dataset metadata (e.g. INCIDENCE) after those.
 */
export function productGeoTiffOptions(spec: ProductSpec, over: Partial<GeoTiffWriteOptions> = {}, extra: Record<string, string> = {}): GeoTiffWriteOptions {
  return {
    sampleType: 'float32',
    overviewResampling: spec.overviewResampling,
    bandDescription: spec.description,
    bandUnit: spec.unit,
    metadata: { PRODUCT: productName(spec), UNITS: spec.unit, SOFTWARE: 'permasar', ...extra },
    ...over,
  };
}
