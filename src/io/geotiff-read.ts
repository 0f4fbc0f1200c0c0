// Reading single-band GeoTIFFs with geotiff.js, platform-free: callers hand in an opened
// GeoTIFF (Node: fromFile, browser: fromBlob) and the file's byte length, and get the grid in
// GDAL's conventions, the pixels as float32 with nodata → NaN, and the GDAL metadata.

import { getDecoder, type GeoTIFF, type GeoTIFFImage } from 'geotiff';
import type { GeoTransform, RasterGrid } from '../core/grid.ts';
import { InputError } from '../core/errors.ts';
import { crsOfEpsg, describeUnusableEpsg } from './crs.ts';

/** A raster read into memory. */
export interface RasterData {
  grid: RasterGrid;
  /** Row-major, nodata (and any non-finite nodata) → NaN. */
  data: Float32Array;
  /** The file's nodata value (GDAL_NODATA), null if none. */
  nodata: number | null;
  /** Dataset-level metadata (GDAL_METADATA items without a sample), HDF5 attributes for .h5. */
  metadata: Record<string, string>;
  /** Band unit (GDAL "unittype"), null if not stated. */
  unit: string | null;
  /** Band description, null if not stated. */
  description: string | null;
}

/** What a reader learns from the header alone. */
export interface GeoTiffInfo {
  grid: RasterGrid;
  nBands: number;
  nodata: number | null;
  metadata: Record<string, string>;
  bandMetadata: Record<string, string>;
  unit: string | null;
  description: string | null;
}

// GeoKey values (OGC GeoTIFF 1.1).
const USER_DEFINED = 32767;
const RASTER_PIXEL_IS_POINT = 2;
const MODEL_TYPE_PROJECTED = 1;
const MODEL_TYPE_GEOGRAPHIC = 2;
const MODEL_TYPE_GEOCENTRIC = 3;

function describeError(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0].slice(0, 200);
}

/** Runs a geotiff.js call and turns whatever it throws into a one-line InputError. */
export async function asTiffInputError<T>(file: string, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(file, `${what}: ${describeError(e)}`);
  }
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-fA-F]+);/g, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&amp;/g, '&');
}

/** Items of GDAL_METADATA XML: dataset-level, band 0 (the band we read), and its roles. */
export function parseGdalMetadataXml(xml: string, band = 0): { metadata: Record<string, string>; bandMetadata: Record<string, string>; unit: string | null; description: string | null } {
  const metadata: Record<string, string> = {};
  const bandMetadata: Record<string, string> = {};
  let unit: string | null = null;
  let description: string | null = null;
  const itemPattern = /<Item\s+([^>]*?)\s*(?:\/>|>([\s\S]*?)<\/Item>)/g;
  for (const m of xml.matchAll(itemPattern)) {
    const attrs: Record<string, string> = {};
    for (const a of m[1].matchAll(/(\w+)\s*=\s*"([^"]*)"/g)) attrs[a[1]] = unescapeXml(a[2]);
    const value = unescapeXml(m[2] ?? '');
    if (attrs.name === undefined) continue;
    if (attrs.sample === undefined) {
      metadata[attrs.name] = value;
    } else if (Number(attrs.sample) === band) {
      if (attrs.role === 'unittype') unit = value;
      else if (attrs.role === 'description') description = value;
      else if (attrs.role === undefined) bandMetadata[attrs.name] = value;
    }
  }
  return { metadata, bandMetadata, unit, description };
}

/** GDAL_NODATA text → number ("nan", "-9999", "1e+20"); null when absent or unparsable. */
export function parseGdalNodata(text: string | undefined | null): number | null {
  if (text === undefined || text === null) return null;
  const clean = String(text).replace(/\0+$/, '').trim().toLowerCase();
  if (clean === '') return null;
  if (clean === 'nan' || clean === '-nan') return Number.NaN;
  if (clean === 'inf' || clean === '+inf') return Number.POSITIVE_INFINITY;
  if (clean === '-inf') return Number.NEGATIVE_INFINITY;
  const value = Number(clean);
  return Number.isNaN(value) ? null : value;
}

async function tagValue(image: GeoTIFFImage, name: string): Promise<unknown> {
  const fd = image.getFileDirectory();
  if (!fd.hasTag(name as never)) return undefined;
  return fd.loadValue(name as never);
}

function numbers(v: unknown): number[] | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return [v];
  return Array.from(v as ArrayLike<number | bigint>, Number);
}

/** Geotransform and CRS of an image, as GDAL reports them. */
export async function gridOfImage(image: GeoTIFFImage, file: string): Promise<RasterGrid> {
  const width = image.getWidth();
  const height = image.getHeight();
  const scale = numbers(await tagValue(image, 'ModelPixelScale'));
  const tiepoint = numbers(await tagValue(image, 'ModelTiepoint'));
  const matrix = numbers(await tagValue(image, 'ModelTransformation'));
  const keys = image.getGeoKeys() ?? {};
  let gt: GeoTransform;
  if (scale && tiepoint && tiepoint.length >= 6) {
    const [i, j, , x, y] = tiepoint;
    gt = [x - i * scale[0], scale[0], 0, y + j * scale[1], 0, -scale[1]];
  } else if (matrix && matrix.length >= 8) {
    gt = [matrix[3], matrix[0], matrix[1], matrix[7], matrix[4], matrix[5]];
  } else {
    throw new InputError(file, 'not georeferenced (no ModelPixelScale/ModelTiepoint or ModelTransformation tag)');
  }
  // GDAL (GTIFF_POINT_GEO_IGNORE off) reports PixelIsPoint files with the origin moved half a
  // pixel up-left, so the geotransform is always of pixel corners. Do the same.
  if (keys.GTRasterTypeGeoKey === RASTER_PIXEL_IS_POINT) {
    gt = [gt[0] - 0.5 * gt[1] - 0.5 * gt[2], gt[1], gt[2], gt[3] - 0.5 * gt[4] - 0.5 * gt[5], gt[4], gt[5]];
  }
  return { width, height, geoTransform: gt, epsg: epsgOfGeoKeys(keys, file) };
}

/**
 * The EPSG code of a file's GeoKeys, or null when it states no CRS. GTModelType says which key
 * holds the code (ProjectedCSTypeGeoKey for projected, GeographicTypeGeoKey for geographic),
 * as GDAL reads them; without GTModelType, the projected key wins (a projected CRS also names
 * its datum's geographic CRS). The EPSG database (crs.ts), not the code's range, says what the
 * code is; a user-defined CRS (32767, parameters in GeoKeys) or an unknown code is refused.
 */
export function epsgOfGeoKeys(keys: Record<string, unknown>, file: string): number | null {
  const model = Number(keys.GTModelTypeGeoKey ?? Number.NaN);
  const projected = keys.ProjectedCSTypeGeoKey as number | undefined;
  const geographic = keys.GeographicTypeGeoKey as number | undefined;
  if (model === MODEL_TYPE_GEOCENTRIC) throw new InputError(file, 'has a geocentric CRS (GTModelType 3); permasar needs a geographic or projected grid');
  const raw = model === MODEL_TYPE_GEOGRAPHIC ? geographic : model === MODEL_TYPE_PROJECTED ? projected : projected ?? geographic;
  if (raw === undefined || raw === null) {
    if (model === MODEL_TYPE_PROJECTED || model === MODEL_TYPE_GEOGRAPHIC) {
      throw new InputError(file, `GeoKeys say ${model === MODEL_TYPE_PROJECTED ? 'projected' : 'geographic'} but give no ${model === MODEL_TYPE_PROJECTED ? 'ProjectedCSTypeGeoKey' : 'GeographicTypeGeoKey'}; reproject with gdalwarp -t_srs EPSG:<code>`);
    }
    return null;
  }
  const code = Number(raw);
  if (code === USER_DEFINED) {
    const citation = String(keys.GTCitationGeoKey ?? keys.PCSCitationGeoKey ?? keys.GeogCitationGeoKey ?? '').split('|')[0].trim();
    throw new InputError(file, `user-defined CRS${citation ? ` ("${citation.slice(0, 80)}")` : ''} without an EPSG code; assign or reproject to one (gdal_translate -a_srs / gdalwarp -t_srs EPSG:<code>)`);
  }
  if (!Number.isInteger(code) || code <= 0 || !crsOfEpsg(code)) {
    throw new InputError(file, `unusable CRS: ${Number.isInteger(code) && code > 0 ? describeUnusableEpsg(code) : `GeoKey value ${String(raw)}`}`);
  }
  return code;
}

/**
 * Refuses files whose pixel blocks run past the end: geotiff.js would read zeros or garbage
 * there rather than fail, and a truncated download must not turn into numbers.
 */
async function checkNotTruncated(image: GeoTIFFImage, file: string, byteLength: number): Promise<void> {
  const tiled = image.getFileDirectory().hasTag('TileOffsets' as never);
  const offsets = numbers(await tagValue(image, tiled ? 'TileOffsets' : 'StripOffsets'));
  const counts = numbers(await tagValue(image, tiled ? 'TileByteCounts' : 'StripByteCounts'));
  if (!offsets || !counts || offsets.length !== counts.length) {
    throw new InputError(file, 'not a readable TIFF (strip or tile offsets missing)');
  }
  let endBytes = 0;
  for (let i = 0; i < offsets.length; i++) endBytes = Math.max(endBytes, offsets[i] + counts[i]);
  if (endBytes > byteLength) {
    throw new InputError(file, `truncated: pixel data runs to byte ${endBytes} but the file has ${byteLength} bytes`);
  }
  // The pixels the header claims must fit in the bytes the file holds (issue 11's fuzzing: a
  // lying width or sample count must not size an allocation, nor read past the strips). Stored
  // as is, they need every byte; compressed, DEFLATE's ceiling of ~1032:1 (and LZW's lower one)
  // bounds what a file of this size can expand to.
  const samples = image.getSamplesPerPixel();
  const bits = numbers(await tagValue(image, 'BitsPerSample')) ?? [8];
  // TIFF 6.0: BitsPerSample has one value per sample, and there is one block per tile or strip
  // (per sample plane when PlanarConfiguration = 2). A header that disagrees with itself (a
  // lying SamplesPerPixel, say) is refused before any block is decoded: inside a compressed
  // tile nothing else would notice, and the decoder would hand back garbage.
  if (bits.length !== samples) {
    throw new InputError(file, `header inconsistent: ${samples} samples per pixel but ${bits.length} BitsPerSample value(s)`);
  }
  const planes = Number(numbers(await tagValue(image, 'PlanarConfiguration'))?.[0] ?? 1) === 2 ? samples : 1;
  const blockWidth = tiled ? image.getTileWidth() : image.getWidth();
  const blockHeight = tiled ? image.getTileHeight() : Number(numbers(await tagValue(image, 'RowsPerStrip'))?.[0] ?? image.getHeight());
  if (!(blockWidth > 0 && blockHeight > 0)) throw new InputError(file, `header inconsistent: ${tiled ? 'tile' : 'strip'} size ${blockWidth}×${blockHeight}`);
  const blocks = Math.ceil(image.getWidth() / blockWidth) * Math.ceil(image.getHeight() / Math.min(blockHeight, image.getHeight())) * planes;
  if (blocks !== offsets.length) {
    throw new InputError(file, `header inconsistent: ${image.getWidth()}×${image.getHeight()} pixels in ${blockWidth}×${Math.min(blockHeight, image.getHeight())} ${tiled ? 'tiles' : 'strips'} need ${blocks} blocks but the file lists ${offsets.length}`);
  }
  let bitsPerPixel = 0;
  for (let s = 0; s < samples; s++) bitsPerPixel += bits[Math.min(s, bits.length - 1)];
  const bytesPerPixel = bitsPerPixel / 8;
  const pixelBytes = image.getWidth() * image.getHeight() * bytesPerPixel;
  const stored = counts.reduce((a, b) => a + b, 0);
  const compression = Number(numbers(await tagValue(image, 'Compression'))?.[0] ?? 1);
  const limit = compression === 1 ? stored : 1100 * stored;
  if (pixelBytes > limit + 8) {
    throw new InputError(file, `header claims ${image.getWidth()}×${image.getHeight()} pixels of ${samples} × ${bits[0]} bits (${pixelBytes} bytes) but the file holds ${stored} bytes of pixel data`);
  }
  if (compression !== 1) {
    // A tile is always stored whole (padded past the image's edge); a strip stops at the last row.
    const firstBlockBytes = blockWidth * (tiled ? blockHeight : Math.min(blockHeight, image.getHeight())) * (planes > 1 ? bits[0] / 8 : bytesPerPixel);
    await checkFirstBlockDecodes(image, file, compression, offsets[0], counts[0], firstBlockBytes, { blockWidth, blockHeight, bits, samples, planar: planes > 1 ? 2 : 1 });
  }
}

/** Compressions whose decoders need nothing but the block geometry (no tables, no headers). */
const SELF_CONTAINED_COMPRESSIONS = new Set([5, 8, 32773, 32946, 50000]); // LZW, Deflate, PackBits, Deflate (old), ZSTD

/**
 * Inside a compressed block nothing checks that the pixel layout the header claims (bits per
 * sample, samples, block size) is what was compressed: geotiff.js decodes whatever comes out and
 * maps it onto the claimed layout, so a lying header reads as numbers. Decoding the first block
 * (raw, before the predictor) and comparing its size with the claim catches that, at the cost
 * of one block.
 */
async function checkFirstBlockDecodes(
  image: GeoTIFFImage,
  file: string,
  compression: number,
  offset: number,
  byteCount: number,
  expectedBytes: number,
  layout: { blockWidth: number; blockHeight: number; bits: number[]; samples: number; planar: number },
): Promise<void> {
  if (!SELF_CONTAINED_COMPRESSIONS.has(compression) || byteCount === 0) return;
  // geotiff.js keeps its byte source on the image (not in its typings).
  const source = (image as unknown as { source: { fetch(slices: { offset: number; length: number }[]): Promise<ArrayBuffer[]> } }).source;
  const [slice] = await source.fetch([{ offset, length: byteCount }]);
  let decoded: ArrayBufferLike;
  try {
    const decoder = await getDecoder(compression, {
      tileWidth: layout.blockWidth,
      tileHeight: layout.blockHeight,
      predictor: 1,
      bitsPerSample: layout.bits,
      samplesPerPixel: layout.samples,
      planarConfiguration: layout.planar,
    } as never);
    decoded = await decoder.decode(slice);
  } catch (e) {
    throw new InputError(file, `first pixel block does not decode (${String((e as Error).message ?? e).split('\n')[0]})`);
  }
  if (decoded.byteLength < expectedBytes) {
    throw new InputError(file, `header inconsistent: the first pixel block decodes to ${decoded.byteLength} bytes but the header's layout needs ${expectedBytes}`);
  }
}

/** Header information of the first image of an opened GeoTIFF; checks it is complete. */
export async function geoTiffInfo(tiff: GeoTIFF, file: string, byteLength: number, band = 0): Promise<GeoTiffInfo> {
  const image = await asTiffInputError(file, 'not a readable TIFF (corrupt or truncated)', () => tiff.getImage(0));
  return asTiffInputError(file, 'not a readable GeoTIFF', async () => {
    await checkNotTruncated(image, file, byteLength);
    const grid = await gridOfImage(image, file);
    const nBands = image.getSamplesPerPixel();
    if (band < 0 || band >= nBands || !Number.isInteger(band)) {
      throw new InputError(file, `has ${nBands} band(s); band ${band + 1} asked for`);
    }
    const nodata = parseGdalNodata((await tagValue(image, 'GDAL_NODATA')) as string | undefined);
    const xml = (await tagValue(image, 'GDAL_METADATA')) as string | undefined;
    const parsed = xml ? parseGdalMetadataXml(String(xml), band) : { metadata: {}, bandMetadata: {}, unit: null, description: null };
    return { grid, nBands, nodata, ...parsed };
  });
}

/** Copies any typed array into float32 and turns nodata into NaN. */
export function toFloat32WithNaN(values: ArrayLike<number>, nodata: number | null): Float32Array {
  const out = Float32Array.from(values);
  if (nodata !== null && !Number.isNaN(nodata)) {
    // Compare in float32: a float32 file's nodata -3.4e38 is stored rounded.
    const nodata32 = Math.fround(nodata);
    for (let i = 0; i < out.length; i++) if (out[i] === nodata32 || values[i] === nodata) out[i] = Number.NaN;
  }
  return out;
}

/**
 * Reads rows row0 … row0 + nRows − 1 of one band (0-based) into float32, nodata → NaN.
 * `info` is the result of geoTiffInfo for the same file (so the truncation check ran).
 */
export async function readGeoTiffRows(tiff: GeoTIFF, file: string, info: GeoTiffInfo, row0: number, nRows: number, band = 0): Promise<Float32Array> {
  const { width, height } = info.grid;
  if (row0 < 0 || nRows < 0 || row0 + nRows > height) {
    throw new Error(`readGeoTiffRows: rows ${row0}+${nRows} outside height ${height}`);
  }
  if (nRows === 0) return new Float32Array(0);
  return asTiffInputError(file, 'cannot decode pixels', async () => {
    const image = await tiff.getImage(0);
    const rasters = await image.readRasters({ window: [0, row0, width, row0 + nRows], samples: [band], interleave: false });
    return toFloat32WithNaN(rasters[0] as ArrayLike<number>, info.nodata);
  });
}

/** Whole band into memory. */
export async function readGeoTiffRaster(tiff: GeoTIFF, file: string, byteLength: number, band = 0): Promise<RasterData> {
  const info = await geoTiffInfo(tiff, file, byteLength, band);
  const data = await readGeoTiffRows(tiff, file, info, 0, info.grid.height, band);
  return { grid: info.grid, data, nodata: info.nodata, metadata: { ...info.metadata, ...info.bandMetadata }, unit: info.unit, description: info.description };
}

/** Every band of a file (multi-band products such as `seasons`' by-year rasters). */
export interface RasterBands {
  grid: RasterGrid;
  nodata: number | null;
  metadata: Record<string, string>;
  /** Band 1's unit (multi-band permasar products share one unit). */
  unit: string | null;
  bands: { description: string | null; unit: string | null; data: Float32Array }[];
}

/** Reads every band into memory, each with its GDAL description and unit. */
export async function readGeoTiffBands(tiff: GeoTIFF, file: string, byteLength: number): Promise<RasterBands> {
  const first = await geoTiffInfo(tiff, file, byteLength, 0);
  const bands: RasterBands['bands'] = [];
  for (let b = 0; b < first.nBands; b++) {
    const info = b === 0 ? first : await geoTiffInfo(tiff, file, byteLength, b);
    bands.push({ description: info.description, unit: info.unit, data: await readGeoTiffRows(tiff, file, info, 0, info.grid.height, b) });
  }
  return { grid: first.grid, nodata: first.nodata, metadata: first.metadata, unit: first.unit, bands };
}
