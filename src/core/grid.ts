// Geocoded raster grids: the geotransform in GDAL order and the CRS, shared by every reader
// and writer so "same grid" means one thing everywhere.

/** GDAL geotransform: x = gt[0] + col·gt[1] + row·gt[2], y = gt[3] + col·gt[4] + row·gt[5]. */
export type GeoTransform = [number, number, number, number, number, number];

export interface RasterGrid {
  width: number;
  height: number;
  /** Of the top-left corner of the top-left pixel (GDAL convention, PixelIsArea). */
  geoTransform: GeoTransform;
  /** EPSG code of the CRS, or null when unknown (then `wkt` may describe it). */
  epsg: number | null;
  wkt?: string;
  /**
   * Radar coordinates (a MintPy file without X_FIRST…): rows and columns of the SAR image, no
   * map. The geotransform is then GDAL's identity [0, 1, 0, 0, 0, 1] and epsg null.
   */
  radarCoded?: boolean;
}

/** The grid of a stack in radar coordinates: pixel indices only (GDAL's default geotransform). */
export function radarCodedGrid(width: number, height: number): RasterGrid {
  return { width, height, geoTransform: [0, 1, 0, 0, 0, 1], epsg: null, radarCoded: true };
}

/**
 * Grid from MintPy attributes. MintPy's X_FIRST/Y_FIRST are the corner of the first pixel
 * (as GDAL's), X_STEP/Y_STEP the pixel size (Y_STEP negative for north-up).
 */
export function gridFromMintpyAttributes(attrs: Record<string, unknown>, width: number, height: number): RasterGrid | null {
  const num = (k: string): number => Number(attrs[k]);
  const [x0, y0, dx, dy] = [num('X_FIRST'), num('Y_FIRST'), num('X_STEP'), num('Y_STEP')];
  if (![x0, y0, dx, dy].every(Number.isFinite)) return null;
  const epsgRaw = attrs.EPSG ?? attrs.epsg;
  const epsg = epsgRaw !== undefined && Number.isFinite(Number(epsgRaw)) ? Number(epsgRaw) : 4326;
  return { width, height, geoTransform: [x0, dx, 0, y0, 0, dy], epsg };
}

/** Map coordinates of a pixel centre. */
export function pixelCentre(grid: RasterGrid, row: number, col: number): { x: number; y: number } {
  const g = grid.geoTransform;
  const c = col + 0.5;
  const r = row + 0.5;
  return { x: g[0] + c * g[1] + r * g[2], y: g[3] + c * g[4] + r * g[5] };
}

/** Fractional (col, row) of a map coordinate, for north-up grids (no rotation terms). */
export function mapToPixel(grid: RasterGrid, x: number, y: number): { col: number; row: number } {
  const g = grid.geoTransform;
  return { col: (x - g[0]) / g[1], row: (y - g[3]) / g[5] };
}

/** True when two grids have the same size, CRS and geotransform (origins within 1e-6 pixel). */
export function sameGrid(a: RasterGrid, b: RasterGrid): boolean {
  if (a.width !== b.width || a.height !== b.height) return false;
  if (Boolean(a.radarCoded) !== Boolean(b.radarCoded)) return false;
  if ((a.epsg ?? null) !== (b.epsg ?? null)) return false;
  const pixel = Math.max(Math.abs(a.geoTransform[1]), Math.abs(a.geoTransform[5]));
  return a.geoTransform.every((v, i) => {
    const tolerance = i === 0 || i === 3 ? 1e-6 * pixel : 1e-9 * pixel;
    return Math.abs(v - b.geoTransform[i]) <= tolerance;
  });
}

/** One-line description for errors and summaries. */
export function describeGrid(g: RasterGrid): string {
  if (g.radarCoded) return `${g.width}×${g.height} in radar coordinates`;
  const gt = g.geoTransform.map((v) => Number(v.toPrecision(10)));
  return `${g.width}×${g.height}, EPSG:${g.epsg ?? '?'}, geotransform [${gt.join(', ')}]`;
}
