// The product GeoTIFFs of fit and seasons in their output folder: streamed row block by row block
// as the tiles finish, or, for a radar-coded stack, streamed into radar/ and kept whole in memory
// too, then geocoded into the folder by the nearest radar pixel (pipeline/fit-preparation.ts
// productGeocoder; the products, not the stack: a few rasters). Node-only.
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { RasterGrid } from '../../core/grid.ts';
import type { GeoTiffWriteOptions } from '../../io/geotiff-write.ts';
import { createGeoTiffFile, writeGeoTiffFile, type GeoTiffFileWriter } from '../../io/geotiff-write-node.ts';
import type { ProductGeocoder } from '../../pipeline/fit-preparation.ts';

interface Product {
  file: string;
  opts: GeoTiffWriteOptions;
  writer: GeoTiffFileWriter | null;
  /** Radar-coded: every band on the radar grid, for geocoding. */
  bands: Float32Array[] | null;
}

export class ProductFiles {
  private readonly products = new Map<string, Product>();

  private constructor(
    /** The output (staging) folder. */
    readonly outDir: string,
    /** Where the products on the stack's grid go: outDir, or outDir/radar for a radar-coded stack. */
    readonly dir: string,
    readonly grid: RasterGrid,
  ) {}

  /** Products on `grid` in `outDir` (radar-coded: radar/, created here). */
  static async open(outDir: string, grid: RasterGrid): Promise<ProductFiles> {
    const dir = grid.radarCoded ? path.join(outDir, 'radar') : outDir;
    if (grid.radarCoded) await mkdir(dir);
    return new ProductFiles(outDir, dir, grid);
  }

  /** A product written by rows: a writer of (row0, data, band) — band 0 unless opts.bandDescriptions gives several. */
  async stream(file: string, opts: GeoTiffWriteOptions): Promise<(row0: number, data: Float32Array, band?: number) => Promise<void>> {
    const writer = await createGeoTiffFile(path.join(this.dir, file), this.grid, opts);
    const nBands = opts.bandDescriptions?.length ?? 1;
    const n = this.grid.width * this.grid.height;
    const bands = this.grid.radarCoded ? Array.from({ length: nBands }, () => new Float32Array(n).fill(NaN)) : null;
    this.products.set(file, { file, opts, writer, bands });
    const width = this.grid.width;
    return (row0, data, band = 0) => {
      bands?.[band].set(data, row0 * width);
      return writer.writeRows(row0, data, band);
    };
  }

  /** A product written whole (incidence, azimuth). */
  async whole(file: string, data: Float32Array, opts: GeoTiffWriteOptions): Promise<void> {
    await writeGeoTiffFile(path.join(this.dir, file), this.grid, data, opts);
    this.products.set(file, { file, opts, writer: null, bands: this.grid.radarCoded ? [data] : null });
  }

  /** The radar-grid bands of a product (radar-coded stacks). */
  radar(file: string): Float32Array[] {
    const bands = this.products.get(file)?.bands;
    if (!bands) throw new Error(`ProductFiles: no radar-grid ${file}`);
    return bands;
  }

  /** Finishes every streamed product (checks every row was written). */
  async close(): Promise<void> {
    for (const p of this.products.values()) {
      await p.writer?.close();
      p.writer = null;
    }
  }

  /** Drops every product still being written (on failure). */
  async discard(): Promise<void> {
    for (const p of this.products.values()) await p.writer?.discard().catch(() => {});
  }

  /** Every product, geocoded into outDir on the geocoder's map grid (after close()). */
  async geocode(geocoder: ProductGeocoder): Promise<void> {
    for (const p of this.products.values()) {
      const bands = p.bands!.map((b) => geocoder.apply(b));
      await writeGeoTiffFile(path.join(this.outDir, p.file), geocoder.grid, p.opts.bandDescriptions ? bands : bands[0], p.opts);
    }
  }
}
