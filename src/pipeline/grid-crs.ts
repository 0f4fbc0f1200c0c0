// Coordinate transforms between raster grids and from lon/lat onto a grid, for every stage that
// resamples or places points (compare, vertical, alt, envelope, coupling, the browser's direction
// view). Any EPSG CRS the database (src/io/crs.ts, epsg-index) knows as 2-D geographic or
// projected works, in either direction; a grid without EPSG code may carry WKT, which proj4
// parses. A CRS that is unknown or not usable is an InputError naming the file and the reason.
import { InputError } from '../core/errors.ts';
import type { RasterGrid } from '../core/grid.ts';
import type { CoordinateTransform } from '../core/resample.ts';
import { crsOfEpsg, describeUnusableEpsg, proj4Converter } from '../io/crs.ts';

/** How a grid's CRS is named in messages. */
export function crsName(grid: RasterGrid): string {
  return grid.epsg !== null ? `EPSG:${grid.epsg}` : grid.wkt ? 'WKT' : 'unknown CRS';
}

/** The proj4 definition (or WKT) of a grid's CRS; InputError naming `file` when unusable. */
export function gridProjection(grid: RasterGrid, file: string): string {
  if (grid.epsg !== null) {
    const info = crsOfEpsg(grid.epsg);
    if (!info) throw new InputError(file, `its CRS cannot be used: ${describeUnusableEpsg(grid.epsg)}`);
    return info.proj4;
  }
  if (grid.wkt) return grid.wkt;
  throw new InputError(file, 'its grid has no CRS (no EPSG code, no WKT); assign one first, e.g. gdal_edit.py -a_srs EPSG:4326 FILE');
}

function sameCrs(a: RasterGrid, b: RasterGrid): boolean {
  if (a.epsg !== null || b.epsg !== null) return a.epsg === b.epsg;
  return (a.wkt ?? '') === (b.wkt ?? '');
}

/**
 * Maps `target`-CRS points into the `source` CRS (what resampleToGrid needs to bring a raster on
 * `source` onto `target`); null when the CRSs agree.
 */
export function crsTransform(target: RasterGrid, source: RasterGrid, sourceFile: string, targetFile = 'the target grid'): CoordinateTransform | null {
  if (sameCrs(target, source)) return null;
  const from = gridProjection(target, targetFile);
  const to = gridProjection(source, sourceFile);
  let converter: ReturnType<typeof proj4Converter>;
  try {
    converter = proj4Converter(from, to);
  } catch (e) {
    throw new InputError(sourceFile, `cannot reproject ${crsName(source)} to ${crsName(target)}: ${(e as Error).message.split('\n')[0]}`);
  }
  return (x, y) => {
    const [u, v] = converter.forward([x, y]);
    return [u, v];
  };
}

/** WGS 84 lon/lat (degrees) → the grid's map coordinates; InputError naming `file` when unusable. */
export function lonLatToGrid(grid: RasterGrid, file: string): (lonDeg: number, latDeg: number) => [number, number] {
  if (grid.epsg === 4326) return (lon, lat) => [lon, lat];
  const to = gridProjection(grid, file);
  let converter: ReturnType<typeof proj4Converter>;
  try {
    converter = proj4Converter(4326, to);
  } catch (e) {
    throw new InputError(file, `cannot place lon/lat on ${crsName(grid)}: ${(e as Error).message.split('\n')[0]}`);
  }
  return (lon, lat) => converter.forward([lon, lat]) as [number, number];
}

/**
 * Both ways between WGS 84 lon/lat and a grid's map coordinates (identity for EPSG:4326), and
 * whether the grid's CRS is geographic (map units are degrees); InputError naming `file` when
 * the CRS is unusable. The profile places its segments on each raster with these.
 */
export function lonLatTransforms(grid: RasterGrid, file: string): { toGrid: (lon: number, lat: number) => [number, number]; toLonLat: (x: number, y: number) => [number, number]; geographic: boolean } {
  if (grid.epsg === 4326) return { toGrid: (lon, lat) => [lon, lat], toLonLat: (x, y) => [x, y], geographic: true };
  const projection = gridProjection(grid, file);
  let converter: ReturnType<typeof proj4Converter>;
  try {
    converter = proj4Converter(4326, projection);
  } catch (e) {
    throw new InputError(file, `cannot place lon/lat on ${crsName(grid)}: ${(e as Error).message.split('\n')[0]}`);
  }
  return {
    toGrid: (lon, lat) => converter.forward([lon, lat]) as [number, number],
    toLonLat: (x, y) => converter.inverse([x, y]) as [number, number],
    geographic: /\+proj=longlat/.test(projection) || /^\s*GEOG(CS|CRS)/.test(projection),
  };
}
