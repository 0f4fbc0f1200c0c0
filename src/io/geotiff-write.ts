// A small GeoTIFF encoder for single-band float32 and uint8 rasters, platform-free.
//
// Why our own and not geotiff.js's writer: its writer builds the whole file in memory and
// writes no GDAL_NODATA / GDAL_METADATA, and products of a large stack must stream to disk
// tile by tile. The file is uncompressed and stored in strips, so every strip's offset and
// byte count is known before any pixel exists: the header is written first and rows go
// straight to their final position (dataOffset + row × rowBytes), in any order.
//
// Layout: [TIFF header][IFD][out-of-line tag values][padding][pixels, row-major].
// Classic TIFF (32-bit offsets) unless the file would exceed 4 GiB, then BigTIFF
// (64-bit offsets, same tags). Little-endian always.
//
// Georeferencing follows what GDAL writes for a north-up grid: ModelPixelScale +
// ModelTiepoint (tie point = top-left corner, because GTRasterType = PixelIsArea), or
// ModelTransformation when the geotransform has rotation terms; GeoKeyDirectory with
// GTModelType geographic or projected and the EPSG code in GeographicTypeGeoKey or
// ProjectedCSTypeGeoKey. GDAL reads nodata from the GDAL_NODATA ASCII tag and metadata,
// band description and unit from the GDAL_METADATA XML tag.

import type { RasterGrid } from '../core/grid.ts';

export type GeoTiffSampleType = 'float32' | 'uint8';

export interface GeoTiffWriteOptions {
  sampleType: GeoTiffSampleType;
  /**
   * Nodata written to GDAL_NODATA. Default: NaN for float32, 255 for uint8.
   * null: no nodata tag.
   */
  nodata?: number | null;
  /** Dataset-level metadata items (GDAL "default" domain), e.g. { UNITS: 'mm/yr' }. */
  metadata?: Record<string, string>;
  /** Band description (GDAL's band "description", shown by gdalinfo as "Description"). */
  bandDescription?: string;
  /** Band unit (GDAL's band "unittype", shown by gdalinfo as "Unit Type"), e.g. "mm/yr". */
  bandUnit?: string;
  /** Band-level metadata items, e.g. a legend { '0': 'not seasonal', '1': 'seasonal' }. */
  bandMetadata?: Record<string, string>;
  /**
   * Whether the CRS is geographic (degrees). Default: guessed from the EPSG code
   * (see isGeographicEpsg); set it for codes the guess gets wrong.
   */
  geographic?: boolean;
  /** Force BigTIFF even for small files (tests); default only when > 4 GiB. */
  bigTiff?: boolean;
}

/** A positional byte sink: a file (Node), or memory. Writes may arrive in any order. */
export interface ByteSink {
  write(offsetBytes: number, bytes: Uint8Array): Promise<void> | void;
}

/** Everything before the pixels, plus where the pixels go. */
export interface GeoTiffLayout {
  header: Uint8Array;
  dataOffsetBytes: number;
  rowBytes: number;
  totalBytes: number;
  bytesPerSample: number;
  bigTiff: boolean;
}

// TIFF field types.
const ASCII = 2;
const SHORT = 3;
const LONG = 4;
const DOUBLE = 12;
const LONG8 = 16;
const TYPE_SIZE: Record<number, number> = { [ASCII]: 1, [SHORT]: 2, [LONG]: 4, [DOUBLE]: 8, [LONG8]: 8 };

// GeoKey ids and values (GeoTIFF 1.0 spec, §6).
const GT_MODEL_TYPE = 1024;
const GT_RASTER_TYPE = 1025;
const GEOGRAPHIC_TYPE = 2048;
const PROJECTED_CS_TYPE = 3072;
const MODEL_TYPE_PROJECTED = 1;
const MODEL_TYPE_GEOGRAPHIC = 2;
const RASTER_PIXEL_IS_AREA = 1;

/** Strips of about this many bytes: small enough for readers to window, few enough tags. */
const TARGET_STRIP_BYTES = 256 * 1024;
const CLASSIC_LIMIT_BYTES = 2 ** 32 - 1;

/**
 * Geographic (lon/lat degrees) EPSG codes are, with few exceptions, 4000–4999 (e.g. 4326
 * WGS 84, 4258 ETRS89, 4490 CGCS2000). 4978 is WGS 84 geocentric, not geographic.
 * Projected ones (UTM 326xx/327xx, 3857, national grids) lie elsewhere.
 */
export function isGeographicEpsg(epsg: number): boolean {
  return epsg >= 4000 && epsg < 5000 && epsg !== 4978 && epsg !== 4936;
}

interface Tag {
  id: number;
  type: number;
  values: number[];
}

/**
 * ASCII tag bytes, NUL-terminated. Text is stored as UTF-8: TIFF says 7-bit ASCII, but GDAL
 * reads and writes UTF-8 in these tags, so "µ" or "±" in a legend survive a GDAL round trip.
 */
function asciiValues(text: string): number[] {
  return [...new TextEncoder().encode(text), 0];
}

function tagCount(tag: Tag): number {
  return tag.values.length;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The GDAL_METADATA XML GDAL itself writes (gcore/gdal_pam / GTiff driver). */
export function gdalMetadataXml(opts: Pick<GeoTiffWriteOptions, 'metadata' | 'bandDescription' | 'bandUnit' | 'bandMetadata'>): string | null {
  const items: string[] = [];
  for (const [k, v] of Object.entries(opts.metadata ?? {})) {
    items.push(`<Item name="${escapeXml(k)}">${escapeXml(v)}</Item>`);
  }
  for (const [k, v] of Object.entries(opts.bandMetadata ?? {})) {
    items.push(`<Item name="${escapeXml(k)}" sample="0">${escapeXml(v)}</Item>`);
  }
  if (opts.bandDescription) {
    items.push(`<Item name="DESCRIPTION" sample="0" role="description">${escapeXml(opts.bandDescription)}</Item>`);
  }
  if (opts.bandUnit) {
    items.push(`<Item name="UNITTYPE" sample="0" role="unittype">${escapeXml(opts.bandUnit)}</Item>`);
  }
  return items.length ? `<GDALMetadata>\n${items.map((i) => `  ${i}\n`).join('')}</GDALMetadata>` : null;
}

function nodataText(sampleType: GeoTiffSampleType, nodata: number | null | undefined): string | null {
  const value = nodata === undefined ? (sampleType === 'float32' ? Number.NaN : 255) : nodata;
  if (value === null) return null;
  if (Number.isNaN(value)) return 'nan';
  return String(value);
}

function geoKeys(grid: RasterGrid, geographicOverride: boolean | undefined): number[] {
  const keys: [number, number][] = [];
  if (grid.epsg !== null) {
    const geographic = geographicOverride ?? isGeographicEpsg(grid.epsg);
    keys.push([GT_MODEL_TYPE, geographic ? MODEL_TYPE_GEOGRAPHIC : MODEL_TYPE_PROJECTED]);
    keys.push([GT_RASTER_TYPE, RASTER_PIXEL_IS_AREA]);
    keys.push([geographic ? GEOGRAPHIC_TYPE : PROJECTED_CS_TYPE, grid.epsg]);
  } else {
    keys.push([GT_RASTER_TYPE, RASTER_PIXEL_IS_AREA]);
  }
  // Header: KeyDirectoryVersion 1, KeyRevision 1.0, number of keys; each key: id, location
  // (0 = value inline), count 1, value. Keys must be sorted by id.
  const out = [1, 1, 0, keys.length];
  for (const [id, value] of keys) out.push(id, 0, 1, value);
  return out;
}

/** Computes the header bytes and the pixel layout of a single-band GeoTIFF. */
export function planGeoTiff(grid: RasterGrid, opts: GeoTiffWriteOptions): GeoTiffLayout {
  const { width, height } = grid;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new Error(`planGeoTiff: bad raster size ${width}×${height}`);
  }
  const bytesPerSample = opts.sampleType === 'float32' ? 4 : 1;
  const rowBytes = width * bytesPerSample;
  const rowsPerStrip = Math.max(1, Math.min(height, Math.floor(TARGET_STRIP_BYTES / rowBytes)));
  const nStrips = Math.ceil(height / rowsPerStrip);
  const dataBytes = rowBytes * height;

  const gt = grid.geoTransform;
  const tags: Tag[] = [
    { id: 256, type: LONG, values: [width] },
    { id: 257, type: LONG, values: [height] },
    { id: 258, type: SHORT, values: [bytesPerSample * 8] },
    { id: 259, type: SHORT, values: [1] }, // no compression
    { id: 262, type: SHORT, values: [1] }, // BlackIsZero
    { id: 273, type: LONG, values: new Array(nStrips).fill(0) }, // StripOffsets, filled below
    { id: 277, type: SHORT, values: [1] },
    { id: 278, type: LONG, values: [rowsPerStrip] },
    { id: 279, type: LONG, values: [] }, // StripByteCounts, filled below
    { id: 284, type: SHORT, values: [1] }, // planar configuration: contiguous
    { id: 339, type: SHORT, values: [opts.sampleType === 'float32' ? 3 : 1] }, // IEEE float / uint
  ];
  if (gt[2] === 0 && gt[4] === 0) {
    tags.push({ id: 33550, type: DOUBLE, values: [gt[1], -gt[5], 0] }); // ModelPixelScale
    tags.push({ id: 33922, type: DOUBLE, values: [0, 0, 0, gt[0], gt[3], 0] }); // ModelTiepoint
  } else {
    // ModelTransformation: 4×4 row-major matrix mapping (col, row, 0, 1) to (x, y, z, 1).
    tags.push({ id: 34264, type: DOUBLE, values: [gt[1], gt[2], 0, gt[0], gt[4], gt[5], 0, gt[3], 0, 0, 0, 0, 0, 0, 0, 1] });
  }
  tags.push({ id: 34735, type: SHORT, values: geoKeys(grid, opts.geographic) });
  const xml = gdalMetadataXml(opts);
  if (xml) tags.push({ id: 42112, type: ASCII, values: asciiValues(xml) });
  const nodata = nodataText(opts.sampleType, opts.nodata);
  if (nodata !== null) tags.push({ id: 42113, type: ASCII, values: asciiValues(nodata) });
  tags.sort((a, b) => a.id - b.id);

  const stripByteCounts: number[] = [];
  for (let s = 0; s < nStrips; s++) {
    stripByteCounts.push(Math.min(rowsPerStrip, height - s * rowsPerStrip) * rowBytes);
  }

  // Decide classic vs BigTIFF on a generous header estimate (header is ≪ 1 MiB plus strip tables).
  const headerEstimate = 4096 + nStrips * 16 + (xml?.length ?? 0);
  const bigTiff = opts.bigTiff ?? headerEstimate + dataBytes > CLASSIC_LIMIT_BYTES;
  const offsetType = bigTiff ? LONG8 : LONG;
  const stripOffsetsTag = tags.find((t) => t.id === 273)!;
  const stripCountsTag = tags.find((t) => t.id === 279)!;
  stripOffsetsTag.type = offsetType;
  stripCountsTag.type = offsetType;
  stripCountsTag.values = stripByteCounts;

  const headerSize = bigTiff ? 16 : 8;
  const entrySize = bigTiff ? 20 : 12;
  const inlineMax = bigTiff ? 8 : 4;
  const ifdSize = (bigTiff ? 8 : 2) + tags.length * entrySize + (bigTiff ? 8 : 4);
  // Out-of-line values follow the IFD, each word-aligned.
  let cursor = headerSize + ifdSize;
  const valueOffsets = new Map<Tag, number>();
  for (const tag of tags) {
    const size = tagCount(tag) * TYPE_SIZE[tag.type];
    if (size > inlineMax) {
      cursor += cursor % 2;
      valueOffsets.set(tag, cursor);
      cursor += size;
    }
  }
  // Align the pixels to 16 bytes so float32 rows can be viewed in place by readers.
  const dataOffsetBytes = Math.ceil(cursor / 16) * 16;
  stripOffsetsTag.values = stripByteCounts.map((_, s) => dataOffsetBytes + s * rowsPerStrip * rowBytes);

  const header = new Uint8Array(dataOffsetBytes);
  const view = new DataView(header.buffer);
  header[0] = 0x49; // "II": little-endian
  header[1] = 0x49;
  if (bigTiff) {
    view.setUint16(2, 43, true);
    view.setUint16(4, 8, true); // bytesize of offsets
    view.setUint16(6, 0, true);
    view.setBigUint64(8, BigInt(headerSize), true);
  } else {
    view.setUint16(2, 42, true);
    view.setUint32(4, headerSize, true);
  }

  const writeValues = (at: number, tag: Tag): void => {
    const size = TYPE_SIZE[tag.type];
    tag.values.forEach((v, i) => {
      const p = at + i * size;
      if (tag.type === ASCII) header[p] = v;
      else if (tag.type === SHORT) view.setUint16(p, v, true);
      else if (tag.type === LONG) view.setUint32(p, v, true);
      else if (tag.type === LONG8) view.setBigUint64(p, BigInt(v), true);
      else view.setFloat64(p, v, true);
    });
  };

  let p = headerSize;
  if (bigTiff) { view.setBigUint64(p, BigInt(tags.length), true); p += 8; } else { view.setUint16(p, tags.length, true); p += 2; }
  for (const tag of tags) {
    const count = tagCount(tag);
    view.setUint16(p, tag.id, true);
    view.setUint16(p + 2, tag.type, true);
    if (bigTiff) view.setBigUint64(p + 4, BigInt(count), true); else view.setUint32(p + 4, count, true);
    const valueField = p + (bigTiff ? 12 : 8);
    const outOfLine = valueOffsets.get(tag);
    if (outOfLine === undefined) {
      writeValues(valueField, tag);
    } else {
      if (bigTiff) view.setBigUint64(valueField, BigInt(outOfLine), true); else view.setUint32(valueField, outOfLine, true);
      writeValues(outOfLine, tag);
    }
    p += entrySize;
  }
  // Next IFD offset: 0 (single image), already zero.

  return { header, dataOffsetBytes, rowBytes, totalBytes: dataOffsetBytes + dataBytes, bytesPerSample, bigTiff };
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function rowBytesOf(data: Float32Array | Uint8Array): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (HOST_LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

/**
 * Streams a single-band GeoTIFF to a positional sink: header on `open`, then row blocks in
 * any order; `finish` checks every row was written (a missing row would read as zeros, a
 * number made up, so it is our bug and throws).
 */
export class GeoTiffStreamWriter {
  readonly layout: GeoTiffLayout;
  private readonly rowWritten: Uint8Array;
  private rowsRemaining: number;

  private constructor(readonly grid: RasterGrid, readonly opts: GeoTiffWriteOptions, private readonly sink: ByteSink) {
    this.layout = planGeoTiff(grid, opts);
    this.rowWritten = new Uint8Array(grid.height);
    this.rowsRemaining = grid.height;
  }

  static async open(sink: ByteSink, grid: RasterGrid, opts: GeoTiffWriteOptions): Promise<GeoTiffStreamWriter> {
    const writer = new GeoTiffStreamWriter(grid, opts, sink);
    await sink.write(0, writer.layout.header);
    return writer;
  }

  /** Writes rows row0 … row0 + data.length / width − 1. */
  async writeRows(row0: number, data: Float32Array | Uint8Array): Promise<void> {
    const { width, height } = this.grid;
    const wantFloat = this.opts.sampleType === 'float32';
    if (wantFloat !== data instanceof Float32Array || (!wantFloat && !(data instanceof Uint8Array))) {
      throw new Error(`GeoTiffStreamWriter: ${this.opts.sampleType} raster given a ${data.constructor.name}`);
    }
    const nRows = data.length / width;
    if (!Number.isInteger(nRows) || !Number.isInteger(row0) || row0 < 0 || row0 + nRows > height) {
      throw new Error(`GeoTiffStreamWriter: rows ${row0}+${nRows} (length ${data.length}) outside ${width}×${height}`);
    }
    await this.sink.write(this.layout.dataOffsetBytes + row0 * this.layout.rowBytes, rowBytesOf(data));
    for (let r = row0; r < row0 + nRows; r++) {
      if (!this.rowWritten[r]) { this.rowWritten[r] = 1; this.rowsRemaining--; }
    }
  }

  /** Throws when rows are missing; the caller then closes its sink. */
  finish(): void {
    if (this.rowsRemaining > 0) {
      const first = this.rowWritten.indexOf(0);
      throw new Error(`GeoTiffStreamWriter: ${this.rowsRemaining} rows never written (first: row ${first})`);
    }
  }
}

/** Whole GeoTIFF in memory, for the browser's download button and for small rasters. */
export function encodeGeoTiff(grid: RasterGrid, data: Float32Array | Uint8Array, opts: GeoTiffWriteOptions): Uint8Array {
  if (data.length !== grid.width * grid.height) {
    throw new Error(`encodeGeoTiff: ${data.length} values for a ${grid.width}×${grid.height} grid`);
  }
  const layout = planGeoTiff(grid, opts);
  const out = new Uint8Array(layout.totalBytes);
  out.set(layout.header, 0);
  const expectFloat = opts.sampleType === 'float32';
  if (expectFloat !== data instanceof Float32Array) {
    throw new Error(`encodeGeoTiff: ${opts.sampleType} raster given a ${data.constructor.name}`);
  }
  out.set(rowBytesOf(data), layout.dataOffsetBytes);
  return out;
}
