// A Cloud-Optimized GeoTIFF encoder for float32 and uint8 rasters of one or more bands,
// platform-free.
//
// Why our own and not geotiff.js's writer: its writer builds the whole file in memory, writes
// no GDAL_NODATA / GDAL_METADATA and no overviews, and products of a large stack must stream
// to disk row block by row block.
//
// What a file looks like (GDAL's COG layout, https://gdal.org/drivers/raster/cog.html, "File
// layout"), little-endian always:
//   [TIFF header][ghost area: GDAL_STRUCTURAL_METADATA (LAYOUT=IFDS_BEFORE_DATA, BLOCK_ORDER=
//   ROW_MAJOR)][IFD of the full-resolution image + its tag values][IFD of overview 1 + values]
//   … [IFD of the smallest overview][tiles of the smallest overview] … [tiles of overview 1]
//   [tiles of the full-resolution image]
// so a reader gets every IFD in the first bytes and a zoomed-out view from a short range.
// Tiles are 256×256, row-major within a level, DEFLATE (zlib stream, TIFF Compression = 8)
// with the floating-point predictor (TIFF Technical Note 3, Predictor = 3) for float32 and
// horizontal differencing (Predictor = 2) for uint8. Overviews halve each side (rounding up)
// until the whole level fits in one tile, as GDAL's COG driver does. Classic TIFF unless the
// file passes 4 GiB, then BigTIFF (64-bit offsets): the decision is exact, because the file is
// assembled only once every tile is compressed.
//
// Streaming (CogEncoder): rows arrive in any order; a band of 256 rows is compressed into its
// full-resolution tiles as soon as all of its rows are in (the caller stores those bytes, e.g.
// in a temporary file), and it is averaged into overview level 1, kept in memory (a quarter
// of the image). `finish` builds the smaller levels from level 1, compresses the overview
// tiles and lays out the header; the caller then writes header, overview tiles and the stored
// full-resolution tiles, band after band.
//
// Several bands (GDAL bands, TIFF "samples"; `bandDescriptions`) are written band-interleaved,
// PlanarConfiguration = 2 (separate planes), as GDAL's COG driver does with INTERLEAVE=BAND:
// each level's TileOffsets list every tile of band 1, then of band 2, …; in the file, each
// level's tiles follow the same order, so a reader of one band at one zoom reads one run of
// bytes per tile row. Each band has its own overview pyramid (the same resampling), its own
// description in GDAL_METADATA (`<Item name="DESCRIPTION" sample="i" role="description">`),
// and ExtraSamples = 0 (unspecified) for bands beyond the first, as GDAL writes for
// multi-band MinIsBlack. Below, "band" without qualification means a row band (a strip of
// 256 rows of tiles); a GDAL band is a "sample".
//
// Georeferencing follows what GDAL writes for a north-up grid: ModelPixelScale +
// ModelTiepoint (tie point = top-left corner, because GTRasterType = PixelIsArea), or
// ModelTransformation when the geotransform has rotation terms. The GeoKeys are those GDAL
// writes for an EPSG CRS (checked with `gdal_create -a_srs EPSG:4540` / geotiff.js
// getGeoKeys): GTModelType projected (1) or geographic (2), from the EPSG database (crs.ts),
// never from the code's range; ProjectedCSTypeGeoKey + ProjLinearUnitsGeoKey, or
// GeographicTypeGeoKey + GeogAngularUnitsGeoKey (degree). GDAL reads nodata from the
// GDAL_NODATA ASCII tag and metadata, band description and unit from GDAL_METADATA XML.

import { zlibSync } from 'fflate';
import type { RasterGrid } from '../core/grid.ts';
import { InputError } from '../core/errors.ts';
import { crsOfEpsg, describeUnusableEpsg, type CrsInfo } from './crs.ts';

export type GeoTiffSampleType = 'float32' | 'uint8';

/**
 * How overview pixels are made from the level above: "average" for continuous values
 * (nodata-aware, as `gdaladdo -r average`: nodata pixels are left out of the mean, a block
 * with no valid pixel is nodata), "nearest" for flags, classes, counts and days of year.
 */
export type OverviewResampling = 'average' | 'nearest';

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
  /**
   * Several bands: one description per band (e.g. the year, "2016"); their number is the band
   * count. bandUnit and bandMetadata then apply to every band. Absent: one band.
   */
  bandDescriptions?: string[];
  /** Band unit (GDAL's band "unittype", shown by gdalinfo as "Unit Type"), e.g. "mm/yr". */
  bandUnit?: string;
  /** Band-level metadata items, e.g. a legend { '0': 'not seasonal', '1': 'seasonal' }. */
  bandMetadata?: Record<string, string>;
  /** Default: "average" for float32, "nearest" for uint8 (classes). */
  overviewResampling?: OverviewResampling;
  /** Force BigTIFF even for small files (tests); default only when the file passes 4 GiB. */
  bigTiff?: boolean;
}

/** A positional byte sink: a file (Node), or memory. Writes may arrive in any order. */
export interface ByteSink {
  write(offsetBytes: number, bytes: Uint8Array): Promise<void> | void;
}

/** The compressed full-resolution tiles of one band of tile rows, in tile-column order. */
export interface CompressedBand {
  /** Row-band index: rows band × TILE_SIZE … */
  band: number;
  /** GDAL band (TIFF sample plane), 0-based. */
  sample: number;
  bytes: Uint8Array;
}

/** What `CogEncoder.finish` lays out. */
export interface CogLayout {
  /** Header, ghost area, every IFD and its values; then `overviewBytes` follow at once. */
  header: Uint8Array;
  /** Every overview tile, smallest level first, each level row-major. */
  overviewBytes: Uint8Array;
  /** Where the full-resolution tiles begin: header.length + overviewBytes.length. */
  fullResOffsetBytes: number;
  /** Byte length of each full-resolution row band (its tiles, concatenated), in file order: index sample × rowBands + band. */
  bandBytes: number[];
  totalBytes: number;
  bigTiff: boolean;
  /** Overview sizes, largest first (empty when the image fits one tile). */
  overviews: { width: number; height: number }[];
}

export const TILE_SIZE = 256;
/** zlib level 6, zlib's and GDAL's default (ZLEVEL=6): most of level 9's ratio, much faster. */
const DEFLATE_LEVEL = 6;

// TIFF field types.
const ASCII = 2;
const SHORT = 3;
const LONG = 4;
const DOUBLE = 12;
const LONG8 = 16;
const TYPE_SIZE: Record<number, number> = { [ASCII]: 1, [SHORT]: 2, [LONG]: 4, [DOUBLE]: 8, [LONG8]: 8 };

// GeoKey ids and values (OGC GeoTIFF 1.1, §7 and annex; EPSG unit codes).
const GT_MODEL_TYPE = 1024;
const GT_RASTER_TYPE = 1025;
const GEOGRAPHIC_TYPE = 2048;
const GEOG_ANGULAR_UNITS = 2054;
const PROJECTED_CS_TYPE = 3072;
const PROJ_LINEAR_UNITS = 3076;
const MODEL_TYPE_PROJECTED = 1;
const MODEL_TYPE_GEOGRAPHIC = 2;
const RASTER_PIXEL_IS_AREA = 1;
const ANGULAR_UNIT_DEGREE = 9102;
/** EPSG unit-of-measure codes of the linear units crs.ts knows, by metres per unit. */
const LINEAR_UNIT_CODES: [number, number][] = [[1, 9001], [0.3048, 9002], [1200 / 3937, 9003], [1000, 9036]];

const CLASSIC_LIMIT_BYTES = 2 ** 32 - 1;

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

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The GDAL_METADATA XML GDAL itself writes (gcore/gdal_pam / GTiff driver). */
export function gdalMetadataXml(opts: Pick<GeoTiffWriteOptions, 'metadata' | 'bandDescription' | 'bandUnit' | 'bandMetadata' | 'bandDescriptions'>): string | null {
  const items: string[] = [];
  for (const [k, v] of Object.entries(opts.metadata ?? {})) {
    items.push(`<Item name="${escapeXml(k)}">${escapeXml(v)}</Item>`);
  }
  if (opts.bandDescriptions) {
    // GDAL writes each band's items in band order, sample="i" 0-based.
    opts.bandDescriptions.forEach((description, i) => {
      for (const [k, v] of Object.entries(opts.bandMetadata ?? {})) items.push(`<Item name="${escapeXml(k)}" sample="${i}">${escapeXml(v)}</Item>`);
      items.push(`<Item name="DESCRIPTION" sample="${i}" role="description">${escapeXml(description)}</Item>`);
      if (opts.bandUnit) items.push(`<Item name="UNITTYPE" sample="${i}" role="unittype">${escapeXml(opts.bandUnit)}</Item>`);
    });
    return items.length ? `<GDALMetadata>\n${items.map((i) => `  ${i}\n`).join('')}</GDALMetadata>` : null;
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

function nodataValue(sampleType: GeoTiffSampleType, nodata: number | null | undefined): number | null {
  return nodata === undefined ? (sampleType === 'float32' ? Number.NaN : 255) : nodata;
}

function nodataText(value: number | null): string | null {
  if (value === null) return null;
  if (Number.isNaN(value)) return 'nan';
  return String(value);
}

/**
 * The horizontal CRS of a grid for writing, or null for a grid without one. An EPSG code the
 * database does not know, or that is not 2-D geographic/projected, is refused naming `file`.
 */
export function crsForWriting(grid: RasterGrid, file: string): CrsInfo | null {
  if (grid.epsg === null) return null;
  const crs = crsOfEpsg(grid.epsg);
  if (!crs) throw new InputError(file, `cannot write the CRS: ${describeUnusableEpsg(grid.epsg)}`);
  if (!crs.geographic && linearUnitCode(crs) === null) {
    throw new InputError(file, `cannot write the CRS: EPSG:${grid.epsg} (${crs.name}) has a linear unit permasar does not know`);
  }
  return crs;
}

function linearUnitCode(crs: CrsInfo): number | null {
  if (crs.metresPerUnit === null) return null;
  const hit = LINEAR_UNIT_CODES.find(([m]) => Math.abs(m - crs.metresPerUnit!) <= 1e-12 * m);
  return hit ? hit[1] : null;
}

function geoKeys(crs: CrsInfo | null): number[] {
  const keys: [number, number][] = [];
  if (crs) {
    keys.push([GT_MODEL_TYPE, crs.geographic ? MODEL_TYPE_GEOGRAPHIC : MODEL_TYPE_PROJECTED]);
    keys.push([GT_RASTER_TYPE, RASTER_PIXEL_IS_AREA]);
    if (crs.geographic) {
      keys.push([GEOGRAPHIC_TYPE, crs.epsg]);
      keys.push([GEOG_ANGULAR_UNITS, ANGULAR_UNIT_DEGREE]);
    } else {
      keys.push([PROJECTED_CS_TYPE, crs.epsg]);
      keys.push([PROJ_LINEAR_UNITS, linearUnitCode(crs)!]);
    }
  } else {
    keys.push([GT_RASTER_TYPE, RASTER_PIXEL_IS_AREA]);
  }
  // Header: KeyDirectoryVersion 1, KeyRevision 1.0, number of keys; each key: id, location
  // (0 = value inline), count 1, value. Keys sorted by id.
  const out = [1, 1, 0, keys.length];
  for (const [id, value] of keys) out.push(id, 0, 1, value);
  return out;
}

/** GDAL's ghost area (COG spec, "Header ghost area"): tells readers the layout is COG. */
function ghostArea(): Uint8Array {
  const body = 'LAYOUT=IFDS_BEFORE_DATA\nBLOCK_ORDER=ROW_MAJOR\nKNOWN_INCOMPATIBLE_EDITION=NO\n';
  const head = `GDAL_STRUCTURAL_METADATA_SIZE=${String(body.length).padStart(6, '0')} bytes\n`;
  return new TextEncoder().encode(head + body);
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function littleEndianBytes(data: Float32Array): Uint8Array {
  if (HOST_LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

type Pixels = Float32Array | Uint8Array;

/**
 * One tile with its TIFF predictor applied, ready for DEFLATE. `src` holds `srcRows` rows of
 * `srcWidth`; the tile is columns col0 … col0 + TILE_SIZE − 1; parts outside the image are
 * filled with `fill` (nodata), as GDAL fills partial edge tiles.
 */
function predictTile(src: Pixels, srcWidth: number, srcRows: number, col0: number, fill: number): Uint8Array {
  const T = TILE_SIZE;
  const cols = Math.min(T, srcWidth - col0);
  if (src instanceof Float32Array) {
    const tile = new Float32Array(T * T).fill(fill);
    for (let r = 0; r < srcRows; r++) tile.set(src.subarray(r * srcWidth + col0, r * srcWidth + col0 + cols), r * T);
    const raw = littleEndianBytes(tile);
    // Floating-point predictor (libtiff fpDiff): per row, the bytes of the T samples are
    // regrouped into 4 planes, most significant byte first, then each byte is replaced by its
    // difference to the byte before it in that row (mod 256).
    const out = new Uint8Array(T * T * 4);
    const rowBytes = T * 4;
    for (let r = 0; r < T; r++) {
      const base = r * rowBytes;
      let prev = 0;
      for (let plane = 0; plane < 4; plane++) {
        const byteInSample = 3 - plane; // little-endian: byte 3 is the most significant
        for (let i = 0; i < T; i++) {
          const v = raw[base + i * 4 + byteInSample];
          out[base + plane * T + i] = (v - prev) & 0xff;
          prev = v;
        }
      }
    }
    return out;
  }
  const out = new Uint8Array(T * T);
  for (let r = 0; r < T; r++) {
    // Horizontal predictor (TIFF 6.0 §14): each byte minus the one before it in the row.
    let prev = 0;
    for (let c = 0; c < T; c++) {
      const v = r < srcRows && c < cols ? src[r * srcWidth + col0 + c] : fill;
      out[r * T + c] = (v - prev) & 0xff;
      prev = v;
    }
  }
  return out;
}

/** The predicted tiles of one band of rows, in tile-column order. */
function predictBand(src: Pixels, width: number, rows: number, fill: number): Uint8Array[] {
  const tiles: Uint8Array[] = [];
  for (let col0 = 0; col0 < width; col0 += TILE_SIZE) tiles.push(predictTile(src, width, rows, col0, fill));
  return tiles;
}

/**
 * A zlib stream (RFC 1950) of a predicted tile at DEFLATE_LEVEL. The in-memory encoder uses
 * fflate (pure JS, runs in the browser); the Node file writer passes node:zlib's asynchronous
 * deflate, which runs on libuv's thread pool beside the kernels (geotiff-write-node.ts). Every
 * zlib stream decodes to the same tile; the compressed bytes depend on the implementation.
 */
export type TileDeflate = (predicted: Uint8Array, level: number) => Uint8Array | Promise<Uint8Array>;

export const fflateDeflate: TileDeflate = (predicted, level) => zlibSync(predicted, { level: level as 6 });

/** Compressed tiles concatenated, with each tile's byte count. */
function packTiles(tiles: Uint8Array[]): { bytes: Uint8Array; counts: number[] } {
  return { bytes: concat(tiles), counts: tiles.map((t) => t.length) };
}

function deflateAll(tiles: Uint8Array[], deflate: TileDeflate): Uint8Array[] | Promise<Uint8Array[]> {
  const out = tiles.map((t) => deflate(t, DEFLATE_LEVEL));
  return out.some((t) => t instanceof Promise) ? Promise.all(out) : (out as Uint8Array[]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/**
 * Halves `srcRows` rows of a level into rows dstRow0 … of the next one (dstWidth =
 * ceil(srcWidth / 2)). Average: mean of the valid pixels of each 2×2 block (clipped at the
 * image edge), computed in float64; nodata where none is valid — GDAL's nodata-aware average
 * (gcore/overview.cpp, GDALResampleChunk_AverageOrRMS). Nearest: the pixel under the centre
 * of the overview pixel, (2i + 1, 2j + 1) clipped to the image, as GDAL's nearest picks.
 */
function halve(src: Pixels, srcWidth: number, srcRows: number, dst: Pixels, dstRow0: number, method: OverviewResampling, nodata: number | null): void {
  const dstWidth = Math.ceil(srcWidth / 2);
  const dstRows = Math.ceil(srcRows / 2);
  const isNodata = (v: number): boolean => Number.isNaN(v) || v === nodata;
  const isByte = dst instanceof Uint8Array;
  for (let j = 0; j < dstRows; j++) {
    const out = (dstRow0 + j) * dstWidth;
    const r0 = 2 * j;
    const r1 = Math.min(2 * j + 1, srcRows - 1);
    for (let i = 0; i < dstWidth; i++) {
      const c0 = 2 * i;
      const c1 = Math.min(2 * i + 1, srcWidth - 1);
      if (method === 'nearest') {
        dst[out + i] = src[r1 * srcWidth + c1];
        continue;
      }
      let sum = 0;
      let n = 0;
      for (const r of r1 === r0 ? [r0] : [r0, r1]) {
        for (const c of c1 === c0 ? [c0] : [c0, c1]) {
          const v = src[r * srcWidth + c];
          if (!isNodata(v)) { sum += v; n++; }
        }
      }
      const fill = nodata ?? (isByte ? 0 : Number.NaN);
      dst[out + i] = n === 0 ? fill : isByte ? Math.round(sum / n) : sum / n;
    }
  }
}

interface PendingBand {
  data: Pixels;
  rowsMissing: number;
  rowSeen: Uint8Array;
}

/**
 * The streaming COG encoder (see the head of this file). Synchronous and I/O-free, so the
 * Node file writer and the in-memory encoder make the same bytes from the same pixels.
 */
export class CogEncoder {
  readonly nodata: number | null;
  readonly resampling: OverviewResampling;
  /** Sizes of every level, full resolution first. */
  readonly levels: { width: number; height: number }[];
  /** Row bands (strips of TILE_SIZE rows) per GDAL band. */
  readonly nBands: number;
  /** GDAL bands (TIFF samples per pixel). */
  readonly samples: number;
  private readonly crs: CrsInfo | null;
  private readonly fill: number;
  private readonly pending = new Map<number, PendingBand>();
  private readonly bandDone: Uint8Array;
  private bandsRemaining: number;
  private readonly fullResTileCounts: number[][];
  /** Overview level 1 of each GDAL band, filled row band by row band; empty when the image fits one tile. */
  private readonly level1: Pixels[];

  /**
   * `file` names the output in errors (an unusable CRS). `deflate` compresses each predicted
   * tile (default fflate, synchronous; `addRowsAsync`/`finishAsync` take an asynchronous one).
   */
  constructor(readonly grid: RasterGrid, readonly opts: GeoTiffWriteOptions, readonly file: string, private readonly deflate: TileDeflate = fflateDeflate) {
    const { width, height } = grid;
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
      throw new Error(`CogEncoder: bad raster size ${width}×${height}`);
    }
    this.crs = crsForWriting(grid, file);
    this.nodata = nodataValue(opts.sampleType, opts.nodata);
    this.fill = this.nodata ?? (opts.sampleType === 'float32' ? Number.NaN : 0);
    this.resampling = opts.overviewResampling ?? (opts.sampleType === 'float32' ? 'average' : 'nearest');
    this.levels = [{ width, height }];
    for (;;) {
      const last = this.levels[this.levels.length - 1];
      if (Math.max(last.width, last.height) <= TILE_SIZE) break;
      this.levels.push({ width: Math.ceil(last.width / 2), height: Math.ceil(last.height / 2) });
    }
    this.samples = opts.bandDescriptions ? opts.bandDescriptions.length : 1;
    if (!(Number.isInteger(this.samples) && this.samples >= 1 && this.samples <= 65535)) throw new Error(`CogEncoder: ${this.samples} bands`);
    this.nBands = Math.ceil(height / TILE_SIZE);
    // Row bands are keyed sample × nBands + band: file order (band-interleaved planes).
    this.bandDone = new Uint8Array(this.nBands * this.samples);
    this.bandsRemaining = this.nBands * this.samples;
    this.fullResTileCounts = new Array(this.nBands * this.samples);
    this.level1 = [];
    if (this.levels.length > 1) for (let s = 0; s < this.samples; s++) this.level1.push(this.alloc(this.levels[1].width * this.levels[1].height));
  }

  private alloc(n: number): Pixels {
    return this.opts.sampleType === 'float32' ? new Float32Array(n) : new Uint8Array(n);
  }

  private bandRows(band: number): number {
    return Math.min(TILE_SIZE, this.grid.height - band * TILE_SIZE);
  }

  /**
   * Takes rows row0 … row0 + data.length / width − 1 of GDAL band `sample` (0-based) and
   * returns the row bands they completed, compressed (to be stored by the caller until `finish`).
   * Needs a synchronous `deflate`; see addRowsAsync.
   */
  addRows(row0: number, data: Pixels, sample = 0): CompressedBand[] {
    return this.takeRows(row0, data, sample).map((band) => this.record(band, this.deflateNow(band.tiles, 'addRowsAsync')));
  }

  /** addRows with the tiles compressed concurrently by an asynchronous `deflate`. */
  async addRowsAsync(row0: number, data: Pixels, sample = 0): Promise<CompressedBand[]> {
    const bands = this.takeRows(row0, data, sample);
    const compressed = await Promise.all(bands.map((band) => deflateAll(band.tiles, this.deflate)));
    return bands.map((band, i) => this.record(band, compressed[i]));
  }

  /** Tiles compressed by a synchronous `deflate`; an asynchronous one must go through `asyncMethod`. */
  private deflateNow(tiles: Uint8Array[], asyncMethod: string): Uint8Array[] {
    const compressed = deflateAll(tiles, this.deflate);
    if (compressed instanceof Promise) throw new Error(`CogEncoder: an asynchronous deflate needs ${asyncMethod}`);
    return compressed;
  }

  /** Copies rows in; returns the row bands they completed, predicted, and folds them into overview 1. */
  private takeRows(row0: number, data: Pixels, sample: number): { sample: number; band: number; tiles: Uint8Array[] }[] {
    if (!(Number.isInteger(sample) && sample >= 0 && sample < this.samples)) {
      throw new Error(`CogEncoder: band ${sample + 1} of a ${this.samples}-band raster`);
    }
    const { width, height } = this.grid;
    const wantFloat = this.opts.sampleType === 'float32';
    if (wantFloat ? !(data instanceof Float32Array) : !(data instanceof Uint8Array)) {
      throw new Error(`CogEncoder: ${this.opts.sampleType} raster given a ${data.constructor.name}`);
    }
    const nRows = data.length / width;
    if (!Number.isInteger(nRows) || !Number.isInteger(row0) || row0 < 0 || row0 + nRows > height) {
      throw new Error(`CogEncoder: rows ${row0}+${nRows} (length ${data.length}) outside ${width}×${height}`);
    }
    const done: { sample: number; band: number; tiles: Uint8Array[] }[] = [];
    for (let r = row0; r < row0 + nRows;) {
      const band = Math.floor(r / TILE_SIZE);
      const bandRow0 = band * TILE_SIZE;
      const rows = Math.min(row0 + nRows, bandRow0 + this.bandRows(band)) - r;
      const key = sample * this.nBands + band;
      if (!this.bandDone[key]) {
        let p = this.pending.get(key);
        if (!p) {
          const bandRows = this.bandRows(band);
          p = { data: this.alloc(bandRows * width), rowsMissing: bandRows, rowSeen: new Uint8Array(bandRows) };
          this.pending.set(key, p);
        }
        p.data.set(data.subarray((r - row0) * width, (r - row0 + rows) * width), (r - bandRow0) * width);
        for (let k = r - bandRow0; k < r - bandRow0 + rows; k++) {
          if (!p.rowSeen[k]) { p.rowSeen[k] = 1; p.rowsMissing--; }
        }
        if (p.rowsMissing === 0) done.push({ sample, band, tiles: this.completeBand(sample, band, p.data) });
      }
      // A band already complete and compressed cannot change: rows written twice must be
      // identical in practice (the pipeline writes each row once), so a rewrite is ignored.
      r += rows;
    }
    return done;
  }

  private completeBand(sample: number, band: number, data: Pixels): Uint8Array[] {
    const { width } = this.grid;
    const rows = this.bandRows(band);
    const key = sample * this.nBands + band;
    const tiles = predictBand(data, width, rows, this.fill);
    if (this.level1.length) halve(data, width, rows, this.level1[sample], band * (TILE_SIZE / 2), this.resampling, this.nodata);
    this.pending.delete(key);
    this.bandDone[key] = 1;
    this.bandsRemaining--;
    return tiles;
  }

  /** Notes a band's compressed tile sizes (for its IFD) and packs its tiles. */
  private record(band: { sample: number; band: number }, compressed: Uint8Array[]): CompressedBand {
    const { bytes, counts } = packTiles(compressed);
    this.fullResTileCounts[band.sample * this.nBands + band.band] = counts;
    return { band: band.band, sample: band.sample, bytes };
  }

  /** Rows not yet given, as "N rows never written (first: row R)", or null when complete. */
  missingRows(): string | null {
    if (this.bandsRemaining === 0) return null;
    let missing = 0;
    let first = -1;
    let firstSample = 0;
    for (let key = 0; key < this.nBands * this.samples; key++) {
      if (this.bandDone[key]) continue;
      const band = key % this.nBands;
      const p = this.pending.get(key);
      const rows = this.bandRows(band);
      for (let k = 0; k < rows; k++) {
        if (p && p.rowSeen[k]) continue;
        missing++;
        if (first < 0) { first = band * TILE_SIZE + k; firstSample = Math.floor(key / this.nBands); }
      }
    }
    return `${missing} rows never written (first: row ${first}${this.samples > 1 ? ` of band ${firstSample + 1}` : ''})`;
  }

  /** Overviews, header and IFDs, once every row is in. Needs a synchronous `deflate`. */
  finish(): CogLayout {
    return this.layout(this.predictOverviews().map((tiles) => this.deflateNow(tiles, 'finishAsync')));
  }

  /** finish with the overview tiles compressed concurrently by an asynchronous `deflate`. */
  async finishAsync(): Promise<CogLayout> {
    const predicted = this.predictOverviews();
    return this.layout(await Promise.all(predicted.map((tiles) => deflateAll(tiles, this.deflate))));
  }

  /** Every overview level's predicted tiles, level 1 first; within a level every tile of band 1, then of band 2, … */
  private predictOverviews(): Uint8Array[][] {
    const missing = this.missingRows();
    if (missing) throw new Error(`CogEncoder: ${missing}`);
    // Overview levels ≥ 2 from the one above, as gdaladdo cascades a factor-2 pyramid; one
    // pyramid per GDAL band. levelData[i][sample] is level i + 1.
    const levelData: Pixels[][] = [];
    if (this.level1.length) levelData.push(this.level1);
    for (let k = 2; k < this.levels.length; k++) {
      const above = this.levels[k - 1];
      levelData.push(levelData[levelData.length - 1].map((aboveData) => {
        const next = this.alloc(this.levels[k].width * this.levels[k].height);
        halve(aboveData, above.width, above.height, next, 0, this.resampling, this.nodata);
        return next;
      }));
    }
    // Within a level: every tile of band 1, then of band 2, … (PlanarConfiguration 2 order).
    return levelData.map((perSample, i) => {
      const { width, height } = this.levels[i + 1];
      const tiles: Uint8Array[] = [];
      for (const data of perSample) {
        for (let row0 = 0; row0 < height; row0 += TILE_SIZE) {
          const rows = Math.min(TILE_SIZE, height - row0);
          tiles.push(...predictBand(data.subarray(row0 * width, (row0 + rows) * width), width, rows, this.fill));
        }
      }
      return tiles;
    });
  }

  private layout(overviewLevels: Uint8Array[][]): CogLayout {
    for (let key = 0; key < this.nBands * this.samples; key++) {
      if (!this.fullResTileCounts[key]) throw new Error(`CogEncoder: row band ${key % this.nBands + 1} of band ${Math.floor(key / this.nBands) + 1} is still being compressed`);
    }
    const overviewTiles = overviewLevels.map(packTiles);
    const tileCounts = [this.fullResTileCounts.flat(), ...overviewTiles.map((o) => o.counts)];
    const dataBytes = tileCounts.reduce((s, c) => s + c.reduce((a, b) => a + b, 0), 0);

    let plan = this.planHeader(tileCounts, false);
    const bigTiff = this.opts.bigTiff ?? plan.length + dataBytes > CLASSIC_LIMIT_BYTES;
    if (bigTiff) plan = this.planHeader(tileCounts, true);
    const smallestFirst = overviewTiles.slice().reverse();
    const overviewBytes = concat(smallestFirst.map((o) => o.bytes));
    return {
      header: plan,
      overviewBytes,
      fullResOffsetBytes: plan.length + overviewBytes.length,
      bandBytes: this.fullResTileCounts.map((c) => c.reduce((a, b) => a + b, 0)),
      totalBytes: plan.length + dataBytes,
      bigTiff,
      overviews: this.levels.slice(1),
    };
  }

  /** Header + ghost area + IFDs; tile offsets point past them in COG order. */
  private planHeader(tileCounts: number[][], bigTiff: boolean): Uint8Array {
    const { grid, opts } = this;
    const isFloat = opts.sampleType === 'float32';
    const offsetType = bigTiff ? LONG8 : LONG;
    const S = this.samples;
    const nodata = nodataText(this.nodata);
    const ifds: Tag[][] = this.levels.map((level, k) => {
      const tags: Tag[] = [
        { id: 256, type: LONG, values: [level.width] },
        { id: 257, type: LONG, values: [level.height] },
        { id: 258, type: SHORT, values: new Array(S).fill(isFloat ? 32 : 8) },
        { id: 259, type: SHORT, values: [8] }, // Adobe DEFLATE
        { id: 262, type: SHORT, values: [1] }, // BlackIsZero
        { id: 277, type: SHORT, values: [S] },
        { id: 284, type: SHORT, values: [S > 1 ? 2 : 1] }, // planar configuration: separate planes for several bands
        { id: 317, type: SHORT, values: [isFloat ? 3 : 2] }, // predictor
        { id: 322, type: SHORT, values: [TILE_SIZE] },
        { id: 323, type: SHORT, values: [TILE_SIZE] },
        { id: 324, type: offsetType, values: new Array(tileCounts[k].length).fill(0) }, // TileOffsets
        { id: 325, type: LONG, values: tileCounts[k] }, // TileByteCounts
        { id: 339, type: SHORT, values: new Array(S).fill(isFloat ? 3 : 1) }, // IEEE float / uint
      ];
      if (S > 1) tags.push({ id: 338, type: SHORT, values: new Array(S - 1).fill(0) }); // ExtraSamples: unspecified
      if (k > 0) tags.push({ id: 254, type: LONG, values: [1] }); // NewSubfileType: reduced resolution
      // A radar-coded grid has no map: the image is written without georeferencing (GDAL then
      // reports no geotransform), rather than with a pixel-unit one GDAL warns about.
      if (k === 0 && !grid.radarCoded) {
        const gt = grid.geoTransform;
        if (gt[2] === 0 && gt[4] === 0) {
          tags.push({ id: 33550, type: DOUBLE, values: [gt[1], -gt[5], 0] }); // ModelPixelScale
          tags.push({ id: 33922, type: DOUBLE, values: [0, 0, 0, gt[0], gt[3], 0] }); // ModelTiepoint
        } else {
          // ModelTransformation: 4×4 row-major matrix mapping (col, row, 0, 1) to (x, y, z, 1).
          tags.push({ id: 34264, type: DOUBLE, values: [gt[1], gt[2], 0, gt[0], gt[4], gt[5], 0, gt[3], 0, 0, 0, 0, 0, 0, 0, 1] });
        }
        tags.push({ id: 34735, type: SHORT, values: geoKeys(this.crs) });
      }
      if (k === 0) {
        const xml = gdalMetadataXml(opts);
        if (xml) tags.push({ id: 42112, type: ASCII, values: asciiValues(xml) });
      }
      // GDAL writes GDAL_NODATA on every IFD of a COG, overviews included.
      if (nodata !== null) tags.push({ id: 42113, type: ASCII, values: asciiValues(nodata) });
      return tags.sort((a, b) => a.id - b.id);
    });

    const headerSize = bigTiff ? 16 : 8;
    const ghost = ghostArea();
    const entrySize = bigTiff ? 20 : 12;
    const inlineMax = bigTiff ? 8 : 4;
    // Positions: each IFD, then its out-of-line values, word-aligned.
    let cursor = headerSize + ghost.length;
    const ifdAt: number[] = [];
    const valueAt: Map<Tag, number>[] = [];
    for (const tags of ifds) {
      cursor += cursor % 2;
      ifdAt.push(cursor);
      cursor += (bigTiff ? 8 : 2) + tags.length * entrySize + (bigTiff ? 8 : 4);
      const values = new Map<Tag, number>();
      for (const tag of tags) {
        const size = tag.values.length * TYPE_SIZE[tag.type];
        if (size > inlineMax) {
          cursor += cursor % 2;
          values.set(tag, cursor);
          cursor += size;
        }
      }
      valueAt.push(values);
    }
    const headerBytes = cursor;
    // Tile data: smallest overview first, full resolution last, row-major within each.
    let dataAt = headerBytes;
    for (let k = this.levels.length - 1; k >= 0; k--) {
      const offsets = ifds[k].find((t) => t.id === 324)!;
      offsets.values = tileCounts[k].map((count) => { const at = dataAt; dataAt += count; return at; });
    }

    const header = new Uint8Array(headerBytes);
    const view = new DataView(header.buffer);
    header[0] = 0x49; // "II": little-endian
    header[1] = 0x49;
    if (bigTiff) {
      view.setUint16(2, 43, true);
      view.setUint16(4, 8, true); // bytesize of offsets
      view.setUint16(6, 0, true);
      view.setBigUint64(8, BigInt(ifdAt[0]), true);
    } else {
      view.setUint16(2, 42, true);
      view.setUint32(4, ifdAt[0], true);
    }
    header.set(ghost, headerSize);

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
    ifds.forEach((tags, k) => {
      let p = ifdAt[k];
      if (bigTiff) { view.setBigUint64(p, BigInt(tags.length), true); p += 8; } else { view.setUint16(p, tags.length, true); p += 2; }
      for (const tag of tags) {
        const count = tag.values.length;
        view.setUint16(p, tag.id, true);
        view.setUint16(p + 2, tag.type, true);
        if (bigTiff) view.setBigUint64(p + 4, BigInt(count), true); else view.setUint32(p + 4, count, true);
        const valueField = p + (bigTiff ? 12 : 8);
        const outOfLine = valueAt[k].get(tag);
        if (outOfLine === undefined) {
          writeValues(valueField, tag);
        } else {
          if (bigTiff) view.setBigUint64(valueField, BigInt(outOfLine), true); else view.setUint32(valueField, outOfLine, true);
          writeValues(outOfLine, tag);
        }
        p += entrySize;
      }
      // Next IFD: the next overview, or 0 after the last.
      const next = k + 1 < ifdAt.length ? ifdAt[k + 1] : 0;
      if (bigTiff) view.setBigUint64(p, BigInt(next), true); else view.setUint32(p, next, true);
    });
    return header;
  }
}

/**
 * Whole COG in memory, for the browser's download button and for small rasters. Makes the
 * same bytes as the streamed Node writer given the same pixels, options and `deflate`. `file`
 * names the output in errors.
 */
export function encodeGeoTiff(grid: RasterGrid, data: Pixels | Pixels[], opts: GeoTiffWriteOptions, file = 'GeoTIFF'): Uint8Array {
  const { encoder, planes } = wholeRasterEncoder(grid, data, opts, file, fflateDeflate);
  const bands = planes.flatMap((plane, sample) => encoder.addRows(0, plane, sample));
  return assemble(encoder.finish(), bands);
}

/** encodeGeoTiff with an asynchronous `deflate` (node:zlib on the thread pool in Node). */
export async function encodeGeoTiffAsync(grid: RasterGrid, data: Pixels | Pixels[], opts: GeoTiffWriteOptions, file: string, deflate: TileDeflate): Promise<Uint8Array> {
  const { encoder, planes } = wholeRasterEncoder(grid, data, opts, file, deflate);
  const bands = (await Promise.all(planes.map((plane, sample) => encoder.addRowsAsync(0, plane, sample)))).flat();
  return assemble(await encoder.finishAsync(), bands);
}

function wholeRasterEncoder(grid: RasterGrid, data: Pixels | Pixels[], opts: GeoTiffWriteOptions, file: string, deflate: TileDeflate): { encoder: CogEncoder; planes: Pixels[] } {
  const planes = Array.isArray(data) ? data : [data];
  for (const plane of planes) {
    if (plane.length !== grid.width * grid.height) {
      throw new Error(`encodeGeoTiff: ${plane.length} values for a ${grid.width}×${grid.height} grid`);
    }
  }
  const encoder = new CogEncoder(grid, opts, file, deflate);
  if (planes.length !== encoder.samples) throw new Error(`encodeGeoTiff: ${planes.length} planes for ${encoder.samples} bands`);
  return { encoder, planes };
}

function assemble(layout: CogLayout, bands: CompressedBand[]): Uint8Array {
  const out = new Uint8Array(layout.totalBytes);
  out.set(layout.header, 0);
  out.set(layout.overviewBytes, layout.header.length);
  let at = layout.fullResOffsetBytes;
  for (const b of bands.sort((x, y) => x.sample - y.sample || x.band - y.band)) { out.set(b.bytes, at); at += b.bytes.length; }
  return out;
}
