// GeoJSON layers of `permasar hazards`: infrastructure lines (the study's QTEC railway and
// national highway) and thermokarst features (thaw slumps, thaw lakes; Fig. 10). Text in,
// validated geometry out; every problem a user can fix is one InputError naming the file and,
// where there is one, the feature (its index in the file, and its id).
//
// RFC 7946: coordinates are WGS 84 longitude, latitude in degrees. A legacy (2008) "crs" member
// naming anything else is refused, and so are coordinates outside ±180/±90, which is what a
// projected layer (UTM metres) looks like: reproject it first (e.g. ogr2ogr -t_srs EPSG:4326).

import { InputError } from '../core/errors.ts';
import { pathProblem, type HazardFeature, type HazardLine } from '../core/hazards.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** One input feature as read, kept so outputs can repeat its geometry and properties. */
export interface GeoJsonFeature {
  type: 'Feature';
  id?: string | number;
  geometry: JsonObject;
  properties: JsonObject;
}

export interface GeoJsonLayer<T> {
  items: T[];
  raw: GeoJsonFeature[];
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses the text and returns its features (a FeatureCollection, or a single Feature). */
export function readGeoJsonFeatures(text: string, file: string): GeoJsonFeature[] {
  let root: Json;
  try {
    root = JSON.parse(text.replace(/^\uFEFF/, '')) as Json; // a UTF-8 byte-order mark, as GDAL allows
  } catch (e) {
    throw new InputError(file, `not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (!isObject(root)) throw new InputError(file, 'not a GeoJSON object (expected a FeatureCollection)');
  checkCrs(root, file);
  let list: Json[];
  if (root.type === 'FeatureCollection') {
    if (!Array.isArray(root.features)) throw new InputError(file, 'FeatureCollection without a "features" array');
    list = root.features;
  } else if (root.type === 'Feature') {
    list = [root];
  } else {
    throw new InputError(file, `expected a GeoJSON FeatureCollection, got ${root.type === undefined ? 'no "type"' : `type ${JSON.stringify(root.type)}`}`);
  }
  if (list.length === 0) throw new InputError(file, 'the layer is empty (no features)');
  return list.map((item, i) => {
    if (!isObject(item) || item.type !== 'Feature') throw new InputError(file, `feature ${i} is not a GeoJSON Feature object`);
    if (!isObject(item.geometry)) throw new InputError(file, `feature ${describeFeatureId(item, i)} has no geometry`);
    const properties = item.properties === undefined || item.properties === null ? {} : item.properties;
    if (!isObject(properties)) throw new InputError(file, `feature ${describeFeatureId(item, i)}: "properties" is not an object`);
    const id = typeof item.id === 'string' || typeof item.id === 'number' ? item.id : undefined;
    return { type: 'Feature', ...(id !== undefined ? { id } : {}), geometry: item.geometry, properties };
  });
}

function checkCrs(root: JsonObject, file: string): void {
  if (root.crs === undefined || root.crs === null) return;
  const name = isObject(root.crs) && isObject(root.crs.properties) ? root.crs.properties.name : undefined;
  const text = typeof name === 'string' ? name : JSON.stringify(root.crs);
  if (!/CRS84|EPSG:?:?4326|EPSG::4326/i.test(text)) {
    throw new InputError(file, `coordinate reference system ${text} is not WGS 84 lon/lat; reproject the layer to EPSG:4326 (RFC 7946 GeoJSON)`);
  }
}

function describeFeatureId(item: JsonObject, index: number): string {
  if (typeof item.id === 'string' || typeof item.id === 'number') return `${index} (id ${JSON.stringify(item.id)})`;
  return String(index);
}

/** The id a feature is reported under: GeoJSON id, else properties.id, else its index. */
function featureId(feature: GeoJsonFeature, index: number): string | number {
  if (feature.id !== undefined) return feature.id;
  const pid = feature.properties.id;
  if (typeof pid === 'string' || typeof pid === 'number') return pid;
  return index;
}

function label(feature: GeoJsonFeature, index: number): string {
  return feature.id !== undefined ? `feature ${index} (id ${JSON.stringify(feature.id)})` : `feature ${index}`;
}

/** The class/type property as text ("railway", "thaw lake"); numbers are accepted as written. */
function requiredProperty(feature: GeoJsonFeature, index: number, name: string, option: string, file: string): string {
  const value = feature.properties[name];
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  const present = Object.keys(feature.properties);
  const hint = present.length ? `properties present: ${present.slice(0, 8).join(', ')}${present.length > 8 ? ', …' : ''}` : 'it has no properties';
  const what = value === undefined || value === null ? `has no "${name}" property` : `has an empty or non-text "${name}" property`;
  throw new InputError(file, `${label(feature, index)} ${what} (${option} names the property; ${hint})`);
}

/** lon, lat of one GeoJSON position, validated as WGS 84 degrees. */
function readPosition(position: Json, where: () => string, file: string): [number, number] {
  if (!Array.isArray(position) || position.length < 2 || typeof position[0] !== 'number' || typeof position[1] !== 'number' ||
      !Number.isFinite(position[0]) || !Number.isFinite(position[1])) {
    throw new InputError(file, `${where()}: a position is not [longitude, latitude] numbers (${JSON.stringify(position)?.slice(0, 60)})`);
  }
  const [lon, lat] = position as [number, number];
  if (Math.abs(lon) > 180 || Math.abs(lat) > 90) {
    throw new InputError(file, `${where()}: coordinates [${lon}, ${lat}] are not longitude/latitude degrees; GeoJSON must be WGS 84 lon/lat (reproject to EPSG:4326)`);
  }
  return [lon, lat];
}

function readPath(positions: Json, minPositions: number, where: () => string, file: string): Float64Array {
  if (!Array.isArray(positions) || positions.length < minPositions) {
    throw new InputError(file, `${where()}: needs at least ${minPositions} positions, got ${Array.isArray(positions) ? positions.length : 'none'}`);
  }
  const out = new Float64Array(positions.length * 2);
  positions.forEach((position, i) => {
    const [lon, lat] = readPosition(position, where, file);
    out[i * 2] = lon;
    out[i * 2 + 1] = lat;
  });
  return out;
}

function readRing(positions: Json, where: () => string, file: string): Float64Array {
  const ring = readPath(positions, 4, where, file);
  const n = ring.length;
  if (ring[0] !== ring[n - 2] || ring[1] !== ring[n - 1]) {
    throw new InputError(file, `${where()}: polygon ring is not closed (first and last positions differ; RFC 7946 §3.1.6)`);
  }
  return ring;
}

function coordinatesOf(feature: GeoJsonFeature, where: () => string, file: string): Json {
  const coordinates = feature.geometry.coordinates;
  if (!Array.isArray(coordinates)) throw new InputError(file, `${where()}: geometry has no "coordinates" array`);
  return coordinates;
}

/**
 * Infrastructure lines: LineString or MultiLineString features, each with a class property.
 * Refuses antimeridian crossings and edges over 1,000 km (core/hazards.ts pathProblem).
 */
export function parseLinesGeoJson(text: string, file: string, classProperty: string): GeoJsonLayer<HazardLine> {
  return linesFromFeatures(readGeoJsonFeatures(text, file), file, classProperty);
}

/** parseLinesGeoJson on features already read (from any vector format, in WGS 84 lon/lat). */
export function linesFromFeatures(raw: GeoJsonFeature[], file: string, classProperty: string): GeoJsonLayer<HazardLine> {
  const items = raw.map((feature, index): HazardLine => {
    const where = (): string => label(feature, index);
    const type = feature.geometry.type;
    if (type !== 'LineString' && type !== 'MultiLineString') {
      throw new InputError(file, `${where()} is a ${typeof type === 'string' ? type : 'geometry of unknown type'}; the lines layer takes LineString or MultiLineString`);
    }
    const lineClass = requiredProperty(feature, index, classProperty, '--class-property', file);
    const coordinates = coordinatesOf(feature, where, file) as Json[];
    const parts = type === 'LineString' ? [readPath(coordinates, 2, where, file)] : coordinates.map((part) => readPath(part, 2, where, file));
    if (parts.length === 0) throw new InputError(file, `${where()}: MultiLineString with no parts`);
    for (const part of parts) {
      const problem = pathProblem(part, where());
      if (problem) throw new InputError(file, problem);
    }
    return { id: featureId(feature, index), lineClass, parts };
  });
  return { items, raw };
}

/**
 * Thermokarst features: Point, MultiPoint, Polygon or MultiPolygon features, each with a type
 * property. Polygon rings that cross the antimeridian are refused like lines.
 */
export function parseFeaturesGeoJson(text: string, file: string, typeProperty: string): GeoJsonLayer<HazardFeature> {
  return featuresFromFeatures(readGeoJsonFeatures(text, file), file, typeProperty);
}

/** parseFeaturesGeoJson on features already read (from any vector format, in WGS 84 lon/lat). */
export function featuresFromFeatures(raw: GeoJsonFeature[], file: string, typeProperty: string): GeoJsonLayer<HazardFeature> {
  const items = raw.map((feature, index): HazardFeature => {
    const where = (): string => label(feature, index);
    const type = feature.geometry.type;
    const featureType = (): string => requiredProperty(feature, index, typeProperty, '--type-property', file);
    const id = featureId(feature, index);
    switch (type) {
      case 'Point': {
        const [lon, lat] = readPosition(coordinatesOf(feature, where, file), where, file);
        return { id, featureType: featureType(), points: Float64Array.of(lon, lat) };
      }
      case 'MultiPoint':
        return { id, featureType: featureType(), points: readPath(coordinatesOf(feature, where, file), 1, where, file) };
      case 'Polygon':
      case 'MultiPolygon': {
        const coordinates = coordinatesOf(feature, where, file) as Json[];
        const polygonList = type === 'Polygon' ? [coordinates] : coordinates;
        if (polygonList.length === 0) throw new InputError(file, `${where()}: MultiPolygon with no polygons`);
        const polygons = polygonList.map((rings) => {
          if (!Array.isArray(rings) || rings.length === 0) throw new InputError(file, `${where()}: polygon with no rings`);
          return rings.map((ring) => {
            const path = readRing(ring, where, file);
            const problem = pathProblem(path, where());
            if (problem) throw new InputError(file, problem);
            return path;
          });
        });
        return { id, featureType: featureType(), polygons };
      }
      default:
        throw new InputError(file, `${where()} is a ${typeof type === 'string' ? type : 'geometry of unknown type'}; the features layer takes Point, MultiPoint, Polygon or MultiPolygon`);
    }
  });
  return { items, raw };
}

/** What near_features.geojson adds to each feature's properties. */
export interface NearestAnnotation {
  /** Distance to the nearest line, m (rounded to cm); null when none within the search radius. */
  nearestM: number | null;
  nearestLineClass: string | null;
  nearestLineId: string | number | null;
  /** Per line class: nearest distance, m, when within the largest buffer; null otherwise. */
  nearestMByClass: Record<string, number | null>;
}

/**
 * near_features.geojson: every input feature with its geometry and properties, plus
 * nearest_m, nearest_line_class, nearest_line_id and nearest_m_by_class. Property names that
 * would collide are overwritten (the input's own value is not a distance we computed).
 */
export function nearFeaturesGeoJson(raw: GeoJsonFeature[], annotations: NearestAnnotation[], searchRadiusM: number): string {
  const features = raw.map((feature, i) => {
    const a = annotations[i];
    return {
      type: 'Feature',
      ...(feature.id !== undefined ? { id: feature.id } : {}),
      geometry: feature.geometry,
      properties: {
        ...feature.properties,
        nearest_m: a.nearestM,
        nearest_line_class: a.nearestLineClass,
        nearest_line_id: a.nearestLineId,
        nearest_m_by_class: a.nearestMByClass,
      },
    };
  });
  // "permasar" is not a GeoJSON member readers interpret; it tells a person what null means.
  const note = { note: `nearest_m: geodesic distance on WGS 84 to the nearest line, m; null when no line is within ${searchRadiusM} m` };
  // One feature per line: diff-able, and large layers stay readable.
  return `{"type":"FeatureCollection","permasar":${JSON.stringify(note)},"features":[\n${features.map((f) => JSON.stringify(f)).join(',\n')}\n]}\n`;
}
