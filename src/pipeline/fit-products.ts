// Fit products as the writers, the summary and the readers of fit folders see them: the specs
// themselves live in core/products.ts, the one home of product names, units, descriptions,
// colour maps and overview resampling (issue 12).
import { FIT_PRODUCTS, fitProductSpec, type FitProductSpec } from '../core/products.ts';
import type { FitProductKey } from '../core/fit-types.ts';

export type FitProductInfo = FitProductSpec;

export const FIT_PRODUCT_INFO: readonly FitProductInfo[] = FIT_PRODUCTS;

export function productInfo(key: FitProductKey): FitProductInfo {
  return fitProductSpec(key);
}
