// Reading a `permasar fit` output folder back: its summary.json and product GeoTIFFs (for the
// `direction` step, the web app's "open results", and tests). Node-only.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../core/errors.ts';
import { statOrThrow } from './files-node.ts';
import { readRaster, type RasterData } from './raster-node.ts';
import { readJson } from './text-files-node.ts';

/**
 * Product GeoTIFFs of `fit`, by name without ".tif". Must match the file names of
 * pipeline/fit-products.ts (a test checks); kept here so io does not import the pipeline.
 */
export const FIT_PRODUCT_NAMES = ['rate', 'rate_std', 'amplitude', 'amplitude_std', 'timing', 'extrema', 'seasonal', 'rms', 'valid'] as const;
export type FitProductName = (typeof FIT_PRODUCT_NAMES)[number];

export interface FitFolder {
  dir: string;
  /** Parsed summary.json, null when the folder has none. */
  summary: unknown | null;
  /** Products present, in FIT_PRODUCT_NAMES order. */
  products: FitProductName[];
  /** Other GeoTIFFs in the folder (e.g. incidence.tif), by file name. */
  otherRasters: string[];
  /** Reads a product ("rate" or "rate.tif") or another GeoTIFF of the folder. */
  readProduct(name: string): Promise<RasterData>;
}

export async function readFitFolder(dir: string): Promise<FitFolder> {
  const s = await statOrThrow(dir);
  if (!s.isDirectory()) throw new InputError(dir, 'not a folder (expected the --out folder of permasar fit)');
  const names = await readdir(dir);
  const products = FIT_PRODUCT_NAMES.filter((p) => names.includes(`${p}.tif`));
  const hasSummary = names.includes('summary.json');
  if (!hasSummary && products.length === 0) {
    throw new InputError(dir, 'not a permasar fit output (no summary.json and none of rate.tif, amplitude.tif, …)');
  }
  const summary = hasSummary ? await readJson(join(dir, 'summary.json')) : null;
  const productFiles = new Set(products.map((p) => `${p}.tif`));
  const otherRasters = names.filter((n) => /\.tiff?$/i.test(n) && !productFiles.has(n)).sort();
  return {
    dir,
    summary,
    products,
    otherRasters,
    async readProduct(name: string) {
      const file = /\.tiff?$/i.test(name) ? name : `${name}.tif`;
      if (!productFiles.has(file) && !otherRasters.includes(file)) {
        const present = [...products.map((p) => `${p}.tif`), ...otherRasters];
        throw new InputError(join(dir, file), `not in this fit output (has: ${present.join(', ') || 'no GeoTIFFs'})`);
      }
      return readRaster(join(dir, file));
    },
  };
}
