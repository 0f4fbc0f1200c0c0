// ESRI Shapefile layers (.shp geometry, .dbf attributes, .prj CRS, optional .cpg encoding),
// read with mbostock's `shapefile` package (npm, pure JS) into GeoJSON features in the layer's
// own CRS; vector-node.ts reprojects them to WGS 84 lon/lat.
//
// The package is lenient where we must not be: it skips ahead over records it cannot parse
// (its issue #36) and stops quietly at a short file. So before it reads, the .shp is walked
// record by record (ESRI Shapefile Technical Description, 1998: 100-byte header with the file
// length in 16-bit words; records of an 8-byte big-endian header and content whose first int
// is the shape type), and the .dbf's record count must equal the .shp's. A truncated or mixed
// file is an error naming it, never a layer with features missing.

import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { readdir } from 'node:fs/promises';
import { open as openShapefile } from 'shapefile';
import { InputError } from '../core/errors.ts';
import { fileSizeOrThrow } from './files-node.ts';
import type { GeoJsonFeature, Json, JsonObject } from './geojson.ts';

/** Larger vector inputs are refused: they are read whole into memory. */
export const MAX_VECTOR_FILE_BYTES = 1024 ** 3;

export interface NativeVectorLayer {
  /** Features with coordinates in the layer's CRS (x = easting or longitude). */
  features: GeoJsonFeature[];
  /** The CRS: an EPSG code, or a WKT definition for proj4. */
  crs: { epsg: number } | { wkt: string; file: string };
}

/** Reads a whole file of at most MAX_VECTOR_FILE_BYTES; InputError when missing or too large. */
export async function readVectorFileBytes(path: string): Promise<Uint8Array> {
  const size = await fileSizeOrThrow(path);
  if (size > MAX_VECTOR_FILE_BYTES) {
    throw new InputError(path, `${Math.ceil(size / 1024 ** 2)} MiB is too large a vector layer to read into memory (limit ${MAX_VECTOR_FILE_BYTES / 1024 ** 2} MiB); clip it to the study area first (ogr2ogr -spat)`);
  }
  return new Uint8Array(await readFile(path));
}

/** The sidecar file of a .shp with extension `ext` (either case, as GDAL accepts), or null. */
async function sidecar(shpPath: string, ext: string): Promise<string | null> {
  const dir = dirname(shpPath);
  const stem = basename(shpPath, extname(shpPath));
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  const wanted = `${stem}.${ext}`;
  const found = names.find((n) => n === wanted) ?? names.find((n) => n.toLowerCase() === wanted.toLowerCase());
  return found === undefined ? null : join(dir, found);
}

const SHAPE_TYPE_NAMES: Record<number, string> = {
  0: 'Null', 1: 'Point', 3: 'PolyLine', 5: 'Polygon', 8: 'MultiPoint', 11: 'PointZ', 13: 'PolyLineZ', 15: 'PolygonZ',
  18: 'MultiPointZ', 21: 'PointM', 23: 'PolyLineM', 25: 'PolygonM', 28: 'MultiPointM', 31: 'MultiPatch',
};

/** Walks the .shp's records; returns their count or throws InputError on any inconsistency. */
function checkShpStructure(bytes: Uint8Array, file: string): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 100 || view.getInt32(0, false) !== 9994) throw new InputError(file, 'not an ESRI Shapefile (no 9994 file code in a 100-byte header)');
  const declaredBytes = view.getInt32(24, false) * 2;
  if (declaredBytes !== bytes.length) {
    throw new InputError(file, `truncated or damaged: its header says ${declaredBytes} bytes, the file has ${bytes.length}`);
  }
  const layerType = view.getInt32(32, true);
  if (!(layerType in SHAPE_TYPE_NAMES) || layerType === 31) throw new InputError(file, `shape type ${SHAPE_TYPE_NAMES[layerType] ?? layerType} is not supported (points, lines or polygons)`);
  let offset = 100;
  let records = 0;
  while (offset < bytes.length) {
    if (offset + 12 > bytes.length) throw new InputError(file, `truncated or damaged: record ${records} is cut short at byte ${offset}`);
    const contentBytes = view.getInt32(offset + 4, false) * 2;
    const shapeType = view.getInt32(offset + 8, true);
    if (contentBytes < 4 || offset + 8 + contentBytes > bytes.length) throw new InputError(file, `truncated or damaged: record ${records} (at byte ${offset}) runs past the end of the file`);
    if (shapeType !== 0 && shapeType !== layerType) {
      throw new InputError(file, `record ${records} is a ${SHAPE_TYPE_NAMES[shapeType] ?? `type ${shapeType}`} shape in a ${SHAPE_TYPE_NAMES[layerType]} layer (damaged file)`);
    }
    offset += 8 + contentBytes;
    records++;
  }
  return records;
}

/**
 * The dBase text encoding: the .cpg if there is one (GDAL's rule), else the .dbf's language
 * driver id (byte 29) for the code pages common in the field, else windows-1252 (GDAL reads
 * LDID 0/87 as ISO-8859-1, whose printable range windows-1252 decodes identically).
 */
function dbaseEncoding(dbf: Uint8Array, cpgText: string | null, cpgFile: string | null): string {
  if (cpgText !== null) {
    const raw = cpgText.trim();
    let label = raw;
    if (/^(utf-?8|65001)$/i.test(raw)) label = 'utf-8';
    else if (/^(ansi\s*)?(874|125\d)$/i.test(raw)) label = `windows-${/\d+/.exec(raw)![0]}`;
    else if (/^(cp)?936$/i.test(raw)) label = 'gbk';
    else if (/^(cp)?950$/i.test(raw)) label = 'big5';
    else if (/^(cp)?932$/i.test(raw)) label = 'shift_jis';
    else if (/^(cp)?949$/i.test(raw)) label = 'euc-kr';
    else if (/^(iso)?[-_ ]?8859[-_ ]?(\d+)$/i.test(raw)) label = `iso-8859-${/(\d+)$/.exec(raw)![1]}`;
    try {
      new TextDecoder(label);
    } catch {
      throw new InputError(cpgFile!, `unknown text encoding "${raw}"`);
    }
    return label;
  }
  const LDID: Record<number, string> = { 0x03: 'windows-1252', 0x57: 'windows-1252', 0x4d: 'gbk', 0x4e: 'euc-kr', 0x4f: 'big5', 0xc8: 'windows-1250', 0xc9: 'windows-1251' };
  return LDID[dbf[29]] ?? 'windows-1252';
}

/** The features of a Shapefile in its own CRS (see vector-node.ts for the reprojection). */
export async function readShapefileLayer(shpPath: string): Promise<NativeVectorLayer> {
  const shpBytes = await readVectorFileBytes(shpPath);
  const dbfPath = await sidecar(shpPath, 'dbf');
  if (dbfPath === null) throw new InputError(shpPath, `no .dbf beside it (${basename(shpPath, extname(shpPath))}.dbf): the layer's attributes are missing`);
  const prjPath = await sidecar(shpPath, 'prj');
  if (prjPath === null) throw new InputError(shpPath, "no .prj: the layer's CRS is unknown");
  const cpgPath = await sidecar(shpPath, 'cpg');
  const dbfBytes = await readVectorFileBytes(dbfPath);
  const wkt = new TextDecoder().decode(await readVectorFileBytes(prjPath)).trim();
  if (wkt === '') throw new InputError(prjPath, "empty: the layer's CRS is unknown");
  const cpgText = cpgPath === null ? null : new TextDecoder().decode(await readVectorFileBytes(cpgPath));

  const records = checkShpStructure(shpBytes, shpPath);
  if (dbfBytes.length < 32) throw new InputError(dbfPath, 'not a dBase file (shorter than its 32-byte header)');
  const dbfRecords = new DataView(dbfBytes.buffer, dbfBytes.byteOffset).getUint32(4, true);
  const headerBytes = new DataView(dbfBytes.buffer, dbfBytes.byteOffset).getUint16(8, true);
  const recordBytes = new DataView(dbfBytes.buffer, dbfBytes.byteOffset).getUint16(10, true);
  if (headerBytes + dbfRecords * recordBytes > dbfBytes.length) {
    throw new InputError(dbfPath, `truncated: its header promises ${dbfRecords} records of ${recordBytes} bytes, the file is ${dbfBytes.length} bytes`);
  }
  if (dbfRecords !== records) throw new InputError(dbfPath, `has ${dbfRecords} records but ${basename(shpPath)} has ${records} shapes`);
  if (records === 0) throw new InputError(shpPath, 'the layer is empty (no features)');

  const encoding = dbaseEncoding(dbfBytes, cpgText, cpgPath);
  // A dBase record flagged deleted ('*' in its first byte) is no feature, as GDAL reads it; the
  // package does not look at the flag, so it is read here and the record skipped below.
  const deleted = (i: number): boolean => dbfBytes[headerBytes + i * recordBytes] === 0x2a;
  const features: GeoJsonFeature[] = [];
  let recordsRead = 0;
  try {
    const source = await openShapefile(shpBytes, dbfBytes, { encoding });
    for (let result = await source.read(); !result.done; result = await source.read()) {
      const index = recordsRead++;
      if (deleted(index)) continue;
      const { geometry, properties } = result.value;
      if (geometry === null) throw new InputError(shpPath, `feature ${index} has no geometry (a null shape)`);
      const props: JsonObject = {};
      for (const [key, value] of Object.entries(properties ?? {})) props[key] = value instanceof Date ? value.toISOString().slice(0, 10) : (value as Json);
      features.push({ type: 'Feature', geometry: geometry as unknown as JsonObject, properties: props });
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(shpPath, `not a readable shapefile (${(e as Error).message.split('\n')[0]})`);
  }
  if (recordsRead !== records) throw new InputError(shpPath, `read ${recordsRead} of its ${records} shapes (damaged file)`);
  if (features.length === 0) throw new InputError(dbfPath, 'every record is flagged deleted: the layer is empty');
  return { features, crs: { wkt, file: prjPath } };
}
