// One entry point for vector layers, by file extension:
//   FILE.geojson | FILE.json   GeoJSON (RFC 7946, WGS 84 lon/lat)
//   FILE.shp                   ESRI Shapefile with its .dbf and .prj (any CRS proj4 reads)
//   FILE.gpkg[:LAYER]          GeoPackage; LAYER names the table when there are several
// Every format comes out as the GeoJSON feature model of io/geojson.ts, in WGS 84 lon/lat, so
// the hazards and alt readers validate all formats with the same code. Node-only.

import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type proj4 from 'proj4';
import { InputError } from '../core/errors.ts';
import { proj4Converter } from './crs.ts';
import { fileSizeOrThrow } from './files-node.ts';
import { readGeoJsonFeatures, type GeoJsonFeature, type Json, type JsonObject } from './geojson.ts';
import { readGeoPackageLayer } from './geopackage-node.ts';
import { readShapefileLayer, type NativeVectorLayer } from './shapefile-node.ts';

export const VECTOR_FORMATS = '.geojson, .json, .shp or .gpkg[:LAYER]';

export interface VectorLayer {
  /** How errors name the layer: the path, with ":LAYER" for a GeoPackage layer. */
  file: string;
  /** Features in WGS 84 longitude, latitude (degrees). */
  features: GeoJsonFeature[];
}

/** Splits "x.gpkg:layer" (only after a .gpkg extension, so Windows drive letters are safe). */
export function parseVectorSpec(spec: string): { path: string; layer: string | null; format: 'geojson' | 'shapefile' | 'geopackage' | null } {
  const gpkg = /^(.*\.gpkg):([^/\\]+)$/i.exec(spec);
  if (gpkg) return { path: gpkg[1], layer: gpkg[2], format: 'geopackage' };
  const ext = extname(spec).toLowerCase();
  const format = ext === '.geojson' || ext === '.json' ? 'geojson' : ext === '.shp' ? 'shapefile' : ext === '.gpkg' ? 'geopackage' : null;
  return { path: spec, layer: null, format };
}

/** A position converter from the layer's CRS to WGS 84 lon/lat, null when it is already that. */
function toLonLat(crs: NativeVectorLayer['crs']): proj4.Converter | null {
  if ('epsg' in crs) return crs.epsg === 4326 ? null : proj4Converter(crs.epsg, 4326);
  try {
    return proj4Converter(crs.wkt, 4326);
  } catch (e) {
    throw new InputError(crs.file, `proj4 cannot read this CRS definition (${(e as Error).message ?? String(e)}): ${crs.wkt.slice(0, 80)}${crs.wkt.length > 80 ? '…' : ''}`);
  }
}

/** The geometry with every position converted (x, y → lon, lat; a z or m value is dropped). */
function reprojectGeometry(geometry: JsonObject, convert: (xy: [number, number]) => [number, number]): JsonObject {
  const walk = (value: Json): Json => {
    if (!Array.isArray(value)) return value;
    if (value.length >= 2 && typeof value[0] === 'number' && typeof value[1] === 'number') return convert([value[0], value[1]]);
    return value.map(walk);
  };
  if (geometry.type === 'GeometryCollection' && Array.isArray(geometry.geometries)) {
    return { ...geometry, geometries: geometry.geometries.map((g) => reprojectGeometry(g as JsonObject, convert)) };
  }
  return { ...geometry, coordinates: walk(geometry.coordinates ?? null) };
}

function reproject(layer: NativeVectorLayer, file: string): GeoJsonFeature[] {
  const converter = toLonLat(layer.crs);
  if (converter === null) return layer.features;
  return layer.features.map((feature, index) => {
    const convert = ([x, y]: [number, number]): [number, number] => {
      const [lon, lat] = converter.forward([x, y]) as [number, number];
      if (!Number.isFinite(lon) || !Number.isFinite(lat)) {
        throw new InputError(file, `feature ${index}: position (${x}, ${y}) does not convert to WGS 84 lon/lat from the layer's CRS`);
      }
      return [lon, lat];
    };
    return { ...feature, geometry: reprojectGeometry(feature.geometry, convert) };
  });
}

/** Reads a vector layer of any supported format (see the top of this file), in WGS 84 lon/lat. */
export async function readVectorLayer(spec: string): Promise<VectorLayer> {
  const { path, layer, format } = parseVectorSpec(spec);
  switch (format) {
    case 'geojson': {
      await fileSizeOrThrow(path);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        throw new InputError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      }
      return { file: path, features: readGeoJsonFeatures(text, path) };
    }
    case 'shapefile':
      return { file: path, features: reproject(await readShapefileLayer(path), path) };
    case 'geopackage': {
      const read = await readGeoPackageLayer(path, layer);
      const file = `${path}:${read.layer}`;
      return { file, features: reproject(read, file) };
    }
    default:
      throw new InputError(spec, `unknown vector format "${extname(spec) || 'no extension'}" (expected ${VECTOR_FORMATS})`);
  }
}
