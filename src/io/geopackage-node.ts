// OGC GeoPackage vector layers (OGC 12-128r18), read with sql.js (SQLite compiled to
// WebAssembly, npm; no native build) into GeoJSON features in the layer's own CRS;
// vector-node.ts reprojects them to WGS 84 lon/lat. The whole file is read into memory, which
// is fine for vector layers of a study area (MAX_VECTOR_FILE_BYTES refuses absurd sizes).
//
// What is read, and where the spec says it:
// - gpkg_contents (data_type 'features') + gpkg_geometry_columns: the feature layers, each
//   with its geometry column and srs_id (§1.1.3, §2.1.5);
// - gpkg_spatial_ref_sys: srs_id → organization 'EPSG' + organization_coordsys_id (through
//   io/crs.ts), else its WKT `definition` (through proj4) (§1.1.2);
// - geometry blobs: "GP" magic, version, flags (byte order of the header, envelope kind, empty
//   bit), srs_id, envelope, then standard WKB (§2.1.3), decoded by the `wkx` package.

import initSqlJs, { type Database, type SqlValue } from 'sql.js';
import { Geometry as WkbGeometry } from 'wkx';
import { InputError } from '../core/errors.ts';
import { crsOfEpsg } from './crs.ts';
import type { GeoJsonFeature, JsonObject } from './geojson.ts';
import { readVectorFileBytes, type NativeVectorLayer } from './shapefile-node.ts';

let sqlJs: ReturnType<typeof initSqlJs> | null = null;

/** Envelope size in bytes by the flags' envelope indicator (§2.1.3.1.1): none, xy, xyz, xym, xyzm. */
const ENVELOPE_BYTES = [0, 32, 48, 48, 64];

/** SQLite identifier quoting ("" doubles a quote). */
const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

interface FeatureTable {
  table: string;
  geometryColumn: string;
  srsId: number;
}

function featureTables(db: Database, file: string): FeatureTable[] {
  let rows: SqlValue[][];
  try {
    rows = db.exec(`SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c JOIN gpkg_geometry_columns g ON g.table_name = c.table_name
                    WHERE c.data_type = 'features' ORDER BY c.table_name`)[0]?.values ?? [];
  } catch (e) {
    const message = (e as Error).message;
    if (/no such table/.test(message)) throw new InputError(file, `not a GeoPackage (${message}; gpkg_contents and gpkg_geometry_columns are required)`);
    throw new InputError(file, `not a readable GeoPackage (SQLite: ${message.split('\n')[0]})`);
  }
  return rows.map(([table, geometryColumn, srsId]) => ({ table: String(table), geometryColumn: String(geometryColumn), srsId: Number(srsId) }));
}

function layerCrs(db: Database, layer: FeatureTable, file: string): NativeVectorLayer['crs'] {
  const row = db.exec('SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?', [layer.srsId])[0]?.values[0];
  if (!row) throw new InputError(file, `layer "${layer.table}": srs_id ${layer.srsId} is not in gpkg_spatial_ref_sys`);
  const [organization, code, definition] = row;
  if (String(organization).toUpperCase() === 'EPSG' && crsOfEpsg(Number(code)) !== null) return { epsg: Number(code) };
  const wkt = typeof definition === 'string' ? definition.trim() : '';
  // srs_id 0 and -1 are the spec's "undefined geographic / Cartesian" entries, definition 'undefined'.
  if (wkt === '' || wkt.toLowerCase() === 'undefined') {
    throw new InputError(file, `layer "${layer.table}": its CRS is undefined (srs_id ${layer.srsId}, ${String(organization)}:${String(code)}); assign one (ogr2ogr -a_srs EPSG:…)`);
  }
  return { wkt, file: `${file}:${layer.table}` };
}

/** The WKB inside a GeoPackage geometry blob, or null for an empty geometry. */
function wkbOf(blob: Uint8Array, where: () => string, file: string): Uint8Array | null {
  if (blob.length < 8 || blob[0] !== 0x47 || blob[1] !== 0x50) throw new InputError(file, `${where()}: geometry is not a GeoPackage binary geometry (no "GP" magic)`);
  if (blob[2] !== 0) throw new InputError(file, `${where()}: GeoPackage geometry version ${blob[2]} is not supported (1, stored as 0)`);
  const flags = blob[3];
  if (flags & 0x20) throw new InputError(file, `${where()}: an extended (non-standard) GeoPackage geometry type is not supported`);
  const envelope = ENVELOPE_BYTES[(flags >> 1) & 0x07];
  if (envelope === undefined) throw new InputError(file, `${where()}: invalid envelope indicator in the geometry header`);
  if (flags & 0x10) return null;
  const start = 8 + envelope;
  if (blob.length <= start) throw new InputError(file, `${where()}: geometry blob is cut short`);
  return blob.subarray(start);
}

/**
 * A GeoPackage feature layer in its own CRS. `layerName` picks the table; without it the file
 * must hold exactly one feature layer.
 */
export async function readGeoPackageLayer(file: string, layerName: string | null): Promise<NativeVectorLayer & { layer: string }> {
  const bytes = await readVectorFileBytes(file);
  // SQLite format 3 header (https://www.sqlite.org/fileformat.html §1.3).
  if (new TextDecoder().decode(bytes.subarray(0, 16)) !== 'SQLite format 3\0') throw new InputError(file, 'not a GeoPackage (not an SQLite database file)');
  sqlJs ??= initSqlJs();
  const SQL = await sqlJs;
  let db: Database;
  try {
    db = new SQL.Database(bytes);
  } catch (e) {
    throw sqliteProblem(file, e);
  }
  try {
    return readLayer(db, file, layerName);
  } catch (e) {
    // SQLite meets a damaged page only when a query reaches it ("database disk image is
    // malformed", fuzz seed 768658545): any query may throw, and it is the file's fault.
    if (e instanceof InputError) throw e;
    throw sqliteProblem(file, e);
  } finally {
    db.close();
  }
}

/** An SQLite error reading `file`, as its one-line problem. */
function sqliteProblem(file: string, e: unknown): InputError {
  return new InputError(file, `not a readable GeoPackage (SQLite: ${String((e as Error)?.message ?? e).split('\n')[0]})`);
}

function readLayer(db: Database, file: string, layerName: string | null): NativeVectorLayer & { layer: string } {
  const tables = featureTables(db, file);
  if (tables.length === 0) throw new InputError(file, 'holds no feature layer (gpkg_contents lists none with data_type "features")');
  const names = tables.map((t) => t.table).join(', ');
  let layer: FeatureTable;
  if (layerName === null) {
    if (tables.length > 1) throw new InputError(file, `holds ${tables.length} feature layers (${names}); name one as ${file}:LAYER`);
    layer = tables[0];
  } else {
    const found = tables.find((t) => t.table === layerName) ?? tables.find((t) => t.table.toLowerCase() === layerName.toLowerCase());
    if (!found) throw new InputError(file, `no feature layer "${layerName}" (layers: ${names})`);
    layer = found;
  }
  const crs = layerCrs(db, layer, file);
  const info = db.exec(`PRAGMA table_info(${quote(layer.table)})`)[0]?.values ?? [];
  const primaryKey = info.find((c) => Number(c[5]) === 1)?.[1];
  const result = db.exec(`SELECT * FROM ${quote(layer.table)}${primaryKey !== undefined ? ` ORDER BY ${quote(String(primaryKey))}` : ''}`)[0];
  if (!result || result.values.length === 0) throw new InputError(file, `layer "${layer.table}" is empty (no features)`);
  const geometryIndex = result.columns.indexOf(layer.geometryColumn);
  if (geometryIndex < 0) throw new InputError(file, `layer "${layer.table}" has no column "${layer.geometryColumn}" (named in gpkg_geometry_columns)`);
  const features = result.values.map((row, index): GeoJsonFeature => {
    const fid = primaryKey !== undefined ? row[result.columns.indexOf(String(primaryKey))] : index;
    const where = (): string => `layer "${layer.table}" feature ${index} (fid ${String(fid)})`;
    const blob = row[geometryIndex];
    if (!(blob instanceof Uint8Array)) throw new InputError(file, `${where()} has no geometry`);
    const wkb = wkbOf(blob, where, file);
    if (wkb === null) throw new InputError(file, `${where()} has no geometry (an empty geometry)`);
    let geometry: JsonObject;
    try {
      geometry = WkbGeometry.parse(Buffer.from(wkb.buffer, wkb.byteOffset, wkb.byteLength)).toGeoJSON() as JsonObject;
    } catch (e) {
      throw new InputError(file, `${where()}: geometry WKB cannot be decoded (${(e as Error).message.split('\n')[0]})`);
    }
    const properties: JsonObject = {};
    result.columns.forEach((column, c) => {
      if (c === geometryIndex || column === primaryKey) return;
      const value = row[c];
      // BLOB attributes have no JSON form; they are left out rather than mangled.
      if (!(value instanceof Uint8Array)) properties[column] = value;
    });
    return { type: 'Feature', geometry, properties };
  });
  return { features, crs, layer: layer.table };
}
