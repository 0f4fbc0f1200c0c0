// Quicklook of one product raster: the map, a colour bar (or a class legend), the unit, the
// title, optional lon/lat extent labels. North-up: row 0 is the northern edge.

import { colorbarWidth, drawColorbar } from './colorbar.ts';
import { categoricalColor, colormapByName, NAN_GREY, type Colormap, type ColormapName } from './colormap.ts';
import { capHeight, drawText, lineHeight, textWidth } from './font.ts';
import { createImage, fillRect, hexColor, INK, strokeRect, WHITE, type Image, type Rgba } from './image.ts';
import { niceTicks } from './ticks.ts';

export interface RasterCategory {
  value: number;
  label: string;
  /** Rgba or "#rrggbb". */
  color: Rgba | string;
}

/** Geographic bounds of the raster's outer pixel edges, in degrees. */
export interface LonLatExtent { west: number; east: number; south: number; north: number }

export interface RasterQuicklookOptions {
  /** Row-major, top row (north) first; NaN = no data. */
  data: Float32Array | Float64Array;
  width: number;
  height: number;
  title: string;
  /** Second, smaller title line (e.g. track and date span). */
  subtitle?: string;
  /** Unit of the values, shown along the colour bar, e.g. "mm/yr". */
  unitLabel: string;
  colormap: ColormapName | Colormap;
  /** Colour range; default 2nd–98th percentile, made symmetric about 0 for diverging maps. */
  range?: [number, number];
  /** Class map: discrete colours and a legend instead of a colour bar. */
  categories?: RasterCategory[];
  /** Longest side of the map in pixels (default 1000); larger rasters are downsampled. */
  maxSize?: number;
  /** Shortest "long side" of the map (default 400); small rasters are enlarged by whole factors. */
  minSize?: number;
  /** Draw lon/lat labels along the left and bottom edges. */
  extent?: LonLatExtent;
  /** Colour of no-data pixels (default light grey; pass [0,0,0,0] for transparent). */
  nanColor?: Rgba;
}

const PAD = 16;
const TEXT = 2;

/**
 * Robust colour range: the lo–hi percentiles of the finite values (sampled on a stride for big
 * rasters; percentiles need no more than ~200k values). Symmetric about 0 when `symmetric`, so
 * white sits on zero motion in a diverging map. Never returns an empty range.
 */
export function robustRange(data: ArrayLike<number>, symmetric = false, loPct = 2, hiPct = 98): [number, number] {
  const stride = Math.max(1, Math.floor(data.length / 200_000));
  const sample: number[] = [];
  for (let i = 0; i < data.length; i += stride) if (Number.isFinite(data[i])) sample.push(data[i]);
  if (sample.length === 0) return symmetric ? [-1, 1] : [0, 1];
  const sorted = Float64Array.from(sample).sort();
  const pct = (p: number): number => {
    const pos = (p / 100) * (sorted.length - 1);
    const k = Math.floor(pos);
    return k + 1 < sorted.length ? sorted[k] + (pos - k) * (sorted[k + 1] - sorted[k]) : sorted[k];
  };
  let lo = pct(loPct);
  let hi = pct(hiPct);
  if (symmetric) {
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    [lo, hi] = [-m, m];
  }
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    [lo, hi] = [lo - pad, hi + pad];
  }
  return [lo, hi];
}

/** Display scale: whole-number enlargement for small rasters, reduction for big ones. */
function displayScale(width: number, height: number, minSize: number, maxSize: number): number {
  const long = Math.max(width, height);
  if (long < minSize) return Math.ceil(minSize / long);
  if (long > maxSize) return maxSize / long;
  return 1;
}

function formatDegrees(value: number, positive: string, negative: string, decimals: number): string {
  const hemi = value > 0 ? positive : value < 0 ? negative : '';
  return `${Math.abs(value).toFixed(decimals)}°${hemi}`;
}

/** The rendered figure, plus where the map landed (for hit-testing in the web app, and tests). */
export interface RasterQuicklook extends Image {
  /** Map box in image pixels; `scale` = display pixels per raster pixel. */
  map: { x: number; y: number; width: number; height: number; scale: number };
  /** Colour range used (after the robust default). */
  range: [number, number];
}

export function renderRasterQuicklook(opts: RasterQuicklookOptions): RasterQuicklook {
  const { data, width, height } = opts;
  if (data.length !== width * height) {
    throw new Error(`raster data has ${data.length} values, expected ${width}×${height} = ${width * height}`);
  }
  const cm = typeof opts.colormap === 'string' ? colormapByName(opts.colormap) : opts.colormap;
  const nanColor = opts.nanColor ?? NAN_GREY;
  const scale = displayScale(width, height, opts.minSize ?? 400, opts.maxSize ?? 1000);
  const mapW = Math.max(1, Math.round(width * scale));
  const mapH = Math.max(1, Math.round(height * scale));

  let hasNan = false;
  let lowOut = false;
  let highOut = false;
  const [min, max] = opts.range ?? (cm.kind === 'cyclic' ? finiteMinMax(data) : robustRange(data, cm.kind === 'diverging'));
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) hasNan = true;
    else if (cm.kind === 'cyclic' || opts.categories) continue; // wraps or is discrete: nothing is clipped
    else if (v < min) lowOut = true;
    else if (v > max) highOut = true;
  }

  const categories = opts.categories?.map((c) => ({ ...c, rgba: typeof c.color === 'string' ? hexColor(c.color) : c.color }));
  const lut = colorLookup(cm, min, max);
  const colorOf = (v: number): Rgba => {
    if (!Number.isFinite(v)) return nanColor;
    if (categories) return categories.find((c) => c.value === v)?.rgba ?? nanColor;
    if (cm.kind === 'categorical') return categoricalColor(Math.round(v), cm);
    return lut(v);
  };

  // Extent ticks (degrees) — computed first because their labels set the left/bottom margins.
  const ext = opts.extent;
  const lonTicks = ext ? niceTicks(Math.min(ext.west, ext.east), Math.max(ext.west, ext.east), Math.max(2, Math.round(mapW / 160))) : null;
  const latTicks = ext ? niceTicks(Math.min(ext.south, ext.north), Math.max(ext.south, ext.north), Math.max(2, Math.round(mapH / 120))) : null;
  const lonLabel = (v: number): string => formatDegrees(v, 'E', 'W', lonTicks!.decimals);
  const latLabel = (v: number): string => formatDegrees(v, 'N', 'S', latTicks!.decimals);
  const leftMargin = latTicks ? Math.max(0, ...latTicks.values.map((v) => textWidth(latLabel(v), TEXT))) + 10 : 0;
  const bottomMargin = lonTicks ? capHeight(TEXT) + 12 : 0;

  // Legend (class map) or colour bar, to the right of the map.
  const legendRows = categories ? [...categories.map((c) => ({ label: c.label, rgba: c.rgba }))] : [];
  if (categories && hasNan) legendRows.push({ label: 'no data', rgba: nanColor });
  const swatch = 16;
  const barSpec = { colormap: cm, min, max, label: opts.unitLabel, extendLow: lowOut, extendHigh: highOut };
  const nanKeyWidth = hasNan && !categories ? swatch + 6 + textWidth('no data', TEXT) : 0;
  const sideWidth = categories
    ? swatch + 8 + Math.max(textWidth(opts.unitLabel, TEXT, true), ...legendRows.map((r) => textWidth(r.label, TEXT)))
    : Math.max(colorbarWidth(barSpec), nanKeyWidth);

  const titleH = lineHeight(TEXT) + (opts.subtitle ? lineHeight(TEXT) : 0) + 8;
  const mapX = PAD + leftMargin;
  const mapY = PAD + titleH;
  // Leave room for half of an east-edge longitude label so it does not run into the colour bar.
  const lastLonHalf = lonTicks && lonTicks.values.length ? textWidth(lonLabel(lonTicks.values[lonTicks.values.length - 1]), TEXT) / 2 : 0;
  const sideX = mapX + mapW + Math.max(24, Math.ceil(lastLonHalf) + 12);
  const barH = Math.max(mapH, 180);
  const contentW = sideX + sideWidth + PAD;
  const imgW = Math.max(contentW, PAD * 2 + textWidth(opts.title, TEXT, true), PAD * 2 + (opts.subtitle ? textWidth(opts.subtitle, TEXT) : 0));
  const nanKeyH = hasNan && !categories ? swatch + 12 : 0;
  const sideH = categories ? lineHeight(TEXT) + legendRows.length * (swatch + 8) : barH + nanKeyH;
  const imgH = mapY + Math.max(mapH + bottomMargin, sideH) + PAD;
  const img = createImage(imgW, imgH, WHITE);

  drawText(img, opts.title, PAD, PAD, { scale: TEXT, bold: true });
  if (opts.subtitle) drawText(img, opts.subtitle, PAD, PAD + lineHeight(TEXT), { scale: TEXT, color: [90, 90, 90, 255] });

  // The map, nearest neighbour: each display pixel takes the source pixel under its centre.
  const colCache = new Int32Array(mapW);
  for (let x = 0; x < mapW; x++) colCache[x] = Math.min(width - 1, Math.floor((x + 0.5) / scale));
  const d = img.data;
  for (let y = 0; y < mapH; y++) {
    const srcRow = Math.min(height - 1, Math.floor((y + 0.5) / scale)) * width;
    const out = ((mapY + y) * imgW + mapX) * 4;
    for (let x = 0, o = out; x < mapW; x++, o += 4) {
      const c = colorOf(data[srcRow + colCache[x]]);
      d[o] = c[0]; d[o + 1] = c[1]; d[o + 2] = c[2]; d[o + 3] = c[3];
    }
  }
  strokeRect(img, mapX - 1, mapY - 1, mapW + 2, mapH + 2, INK);

  if (ext && lonTicks && latTicks) {
    for (const v of lonTicks.values) {
      const x = mapX + ((v - ext.west) / (ext.east - ext.west)) * mapW;
      fillRect(img, x, mapY + mapH + 1, 1, 5, INK);
      drawText(img, lonLabel(v), x, mapY + mapH + 9, { scale: TEXT, align: 'center' });
    }
    for (const v of latTicks.values) {
      const y = mapY + ((ext.north - v) / (ext.north - ext.south)) * mapH;
      fillRect(img, mapX - 6, y, 5, 1, INK);
      drawText(img, latLabel(v), mapX - 9, y, { scale: TEXT, align: 'right', baseline: 'middle' });
    }
  }

  if (categories) {
    drawText(img, opts.unitLabel, sideX, mapY, { scale: TEXT, bold: true });
    legendRows.forEach((row, i) => {
      const y = mapY + lineHeight(TEXT) + i * (swatch + 8);
      fillRect(img, sideX, y, swatch, swatch, row.rgba);
      strokeRect(img, sideX, y, swatch, swatch, INK);
      drawText(img, row.label, sideX + swatch + 8, y + swatch / 2, { scale: TEXT, baseline: 'middle' });
    });
  } else {
    drawColorbar(img, sideX, mapY, barH, barSpec);
    if (hasNan) {
      const y = mapY + barH + 12;
      fillRect(img, sideX, y, swatch, swatch, nanColor);
      strokeRect(img, sideX, y, swatch, swatch, INK);
      drawText(img, 'no data', sideX + swatch + 6, y + swatch / 2, { scale: TEXT, baseline: 'middle' });
    }
  }
  return { ...img, map: { x: mapX, y: mapY, width: mapW, height: mapH, scale }, range: [min, max] };
}

function finiteMinMax(data: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  }
  return hi > lo ? [lo, hi] : Number.isFinite(lo) ? [lo - 1, lo + 1] : [0, 1];
}

/** Value → colour through the 256-entry table without allocating per pixel. */
function colorLookup(cm: Colormap, min: number, max: number): (v: number) => Rgba {
  const colors: Rgba[] = [];
  for (let i = 0; i < 256; i++) colors.push([cm.lut[i * 3], cm.lut[i * 3 + 1], cm.lut[i * 3 + 2], 255]);
  const span = max - min;
  const cyclic = cm.kind === 'cyclic';
  return (v) => {
    let f = span > 0 ? (v - min) / span : 0.5;
    if (cyclic) f -= Math.floor(f);
    const i = Math.round((f < 0 ? 0 : f > 1 ? 1 : f) * 255);
    return colors[i];
  };
}
