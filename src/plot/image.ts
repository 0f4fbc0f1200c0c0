// An RGBA raster in memory and the drawing primitives the plots are made of.
//
// Platform-free on purpose: the CLI (Node) and the web app (browser) render the same figures
// from the same code, so nothing here may touch canvas, the DOM or the file system. Colours are
// non-premultiplied 8-bit RGBA, the layout PNG stores, so encoding is a straight copy.

/** Straight (non-premultiplied) RGBA, each 0..255. */
export type Rgba = readonly [number, number, number, number];

export interface Image {
  width: number;
  height: number;
  /** Row-major RGBA, 4 bytes per pixel, top row first. */
  data: Uint8ClampedArray;
  /** When set, blended drawing only lands inside this box (x0 ≤ x < x1, y0 ≤ y < y1): charts
   *  clip their data to the plot area this way. */
  clip?: ClipBox;
}

export interface ClipBox { x0: number; y0: number; x1: number; y1: number }

/** Runs `draw` with blended drawing clipped to `box`, restoring the previous clip afterwards. */
export function withClip(img: Image, box: ClipBox, draw: () => void): void {
  const previous = img.clip;
  img.clip = box;
  try { draw(); } finally { img.clip = previous; }
}

export const WHITE: Rgba = [255, 255, 255, 255];
export const BLACK: Rgba = [0, 0, 0, 255];
/** Axis lines and text: near-black reads softer than pure black but prints the same. */
export const INK: Rgba = [34, 34, 34, 255];
export const GRID_GREY: Rgba = [225, 225, 225, 255];
export const TRANSPARENT: Rgba = [0, 0, 0, 0];

export function createImage(width: number, height: number, background: Rgba = WHITE): Image {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`image size must be positive integers, got ${width}×${height}`);
  }
  const img: Image = { width, height, data: new Uint8ClampedArray(width * height * 4) };
  fill(img, background);
  return img;
}

export function fill(img: Image, color: Rgba): void {
  const d = img.data;
  // One 32-bit store a pixel (the RGBA bytes in memory order) where the buffer allows it.
  if (d.byteOffset % 4 === 0 && d.length % 4 === 0) {
    const word = new Uint32Array(Uint8ClampedArray.of(color[0], color[1], color[2], color[3]).buffer)[0];
    new Uint32Array(d.buffer, d.byteOffset, d.length / 4).fill(word);
    return;
  }
  for (let i = 0; i < d.length; i += 4) {
    d[i] = color[0]; d[i + 1] = color[1]; d[i + 2] = color[2]; d[i + 3] = color[3];
  }
}

/** Colour with its alpha scaled by `opacity` (0..1), e.g. for translucent fills. */
export function withAlpha(color: Rgba, opacity: number): Rgba {
  return [color[0], color[1], color[2], Math.round(color[3] * Math.min(1, Math.max(0, opacity)))];
}

/** "#rrggbb" or "#rrggbbaa" → Rgba. */
export function hexColor(hex: string): Rgba {
  const m = /^#?([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(hex.trim());
  if (!m) throw new Error(`not a hex colour: "${hex}"`);
  const v = parseInt(m[1], 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255, m[2] ? parseInt(m[2], 16) : 255];
}

export function getPixel(img: Image, x: number, y: number): Rgba {
  const i = (y * img.width + x) * 4;
  const d = img.data;
  return [d[i], d[i + 1], d[i + 2], d[i + 3]];
}

/** Overwrites one pixel (no blending); out-of-bounds is ignored so callers need not clip. */
export function setPixel(img: Image, x: number, y: number, color: Rgba): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const i = (y * img.width + x) * 4;
  const d = img.data;
  d[i] = color[0]; d[i + 1] = color[1]; d[i + 2] = color[2]; d[i + 3] = color[3];
}

/**
 * Porter–Duff "over" of `color` at `coverage` (0..1, the anti-aliasing weight) onto one pixel.
 * Straight alpha, so the result colour is divided by the result alpha; this keeps translucent
 * shading on a transparent background from darkening.
 */
export function blendPixel(img: Image, x: number, y: number, color: Rgba, coverage = 1): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const c = img.clip;
  if (c && (x < c.x0 || y < c.y0 || x >= c.x1 || y >= c.y1)) return;
  const srcA = (color[3] / 255) * coverage;
  if (srcA <= 0) return;
  const i = (y * img.width + x) * 4;
  const d = img.data;
  if (srcA >= 1) {
    d[i] = color[0]; d[i + 1] = color[1]; d[i + 2] = color[2]; d[i + 3] = 255;
    return;
  }
  const dstA = d[i + 3] / 255;
  const outA = srcA + dstA * (1 - srcA);
  const k = dstA * (1 - srcA);
  d[i] = (color[0] * srcA + d[i] * k) / outA;
  d[i + 1] = (color[1] * srcA + d[i + 1] * k) / outA;
  d[i + 2] = (color[2] * srcA + d[i + 2] * k) / outA;
  d[i + 3] = outA * 255;
}

/** Filled axis-aligned rectangle, blended; x, y, w, h are rounded to whole pixels (crisp edges). */
export function fillRect(img: Image, x: number, y: number, w: number, h: number, color: Rgba): void {
  const x0 = Math.max(0, Math.round(x));
  const y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(img.width, Math.round(x + w));
  const y1 = Math.min(img.height, Math.round(y + h));
  for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) blendPixel(img, xx, yy, color);
}

/** Rectangle outline `thickness` pixels wide, drawn inside the box. */
export function strokeRect(img: Image, x: number, y: number, w: number, h: number, color: Rgba, thickness = 1): void {
  fillRect(img, x, y, w, thickness, color);
  fillRect(img, x, y + h - thickness, w, thickness, color);
  fillRect(img, x, y + thickness, thickness, h - 2 * thickness, color);
  fillRect(img, x + w - thickness, y + thickness, thickness, h - 2 * thickness, color);
}

export interface LineStyle {
  /** Stroke width in pixels (default 1). */
  width?: number;
  /** Dash pattern [on, off] in pixels; absent = solid. */
  dash?: readonly [number, number];
}

/**
 * Anti-aliased line segment between pixel-space points (pixel centres are at +0.5).
 * Coverage comes from the distance of each pixel centre to the segment, so thick lines get
 * round caps and smooth edges without a separate thick-line algorithm.
 */
export function drawLine(img: Image, x0: number, y0: number, x1: number, y1: number, color: Rgba, style: LineStyle = {}): void {
  if (![x0, y0, x1, y1].every(Number.isFinite)) return;
  const dash = style.dash;
  if (dash) {
    const length = Math.hypot(x1 - x0, y1 - y0);
    const period = dash[0] + dash[1];
    if (length === 0 || period <= 0) return;
    const ux = (x1 - x0) / length;
    const uy = (y1 - y0) / length;
    for (let s = 0; s < length; s += period) {
      const e = Math.min(length, s + dash[0]);
      strokeSegment(img, x0 + ux * s, y0 + uy * s, x0 + ux * e, y0 + uy * e, color, style.width ?? 1);
    }
    return;
  }
  strokeSegment(img, x0, y0, x1, y1, color, style.width ?? 1);
}

function strokeSegment(img: Image, x0: number, y0: number, x1: number, y1: number, color: Rgba, width: number): void {
  const half = width / 2;
  const pad = half + 1;
  const minX = Math.max(0, Math.floor(Math.min(x0, x1) - pad));
  const maxX = Math.min(img.width - 1, Math.ceil(Math.max(x0, x1) + pad));
  const minY = Math.max(0, Math.floor(Math.min(y0, y1) - pad));
  const maxY = Math.min(img.height - 1, Math.ceil(Math.max(y0, y1) + pad));
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  for (let py = minY; py <= maxY; py++) {
    for (let px = minX; px <= maxX; px++) {
      const cx = px + 0.5;
      const cy = py + 0.5;
      let t = len2 > 0 ? ((cx - x0) * dx + (cy - y0) * dy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const dist = Math.hypot(cx - (x0 + t * dx), cy - (y0 + t * dy));
      // Coverage of a 1-px pixel by a band of half-width `half`, linear over the edge pixel.
      const coverage = Math.min(1, half + 0.5 - dist);
      if (coverage > 0) blendPixel(img, px, py, color, coverage);
    }
  }
}

/**
 * Connected polyline; NaN points break it into separate runs (gaps in a time series stay gaps).
 * A dash pattern restarts at each segment, which is fine for the short segments charts draw.
 */
export function drawPolyline(img: Image, xs: ArrayLike<number>, ys: ArrayLike<number>, color: Rgba, style: LineStyle = {}): void {
  for (let i = 1; i < xs.length; i++) {
    if ([xs[i - 1], ys[i - 1], xs[i], ys[i]].every(Number.isFinite)) {
      drawLine(img, xs[i - 1], ys[i - 1], xs[i], ys[i], color, style);
    }
  }
}

/** Anti-aliased filled disc centred at (cx, cy), e.g. a scatter marker. */
export function fillCircle(img: Image, cx: number, cy: number, radius: number, color: Rgba): void {
  const minX = Math.floor(cx - radius - 1);
  const maxX = Math.ceil(cx + radius + 1);
  const minY = Math.floor(cy - radius - 1);
  const maxY = Math.ceil(cy + radius + 1);
  for (let py = minY; py <= maxY; py++) {
    for (let px = minX; px <= maxX; px++) {
      const dist = Math.hypot(px + 0.5 - cx, py + 0.5 - cy);
      const coverage = Math.min(1, radius + 0.5 - dist);
      if (coverage > 0) blendPixel(img, px, py, color, coverage);
    }
  }
}

/** Copies `src` onto `dst` with its top-left at (x, y), alpha-blended. */
export function drawImage(dst: Image, src: Image, x: number, y: number): void {
  const s = src.data;
  for (let sy = 0; sy < src.height; sy++) {
    for (let sx = 0; sx < src.width; sx++) {
      const i = (sy * src.width + sx) * 4;
      blendPixel(dst, x + sx, y + sy, [s[i], s[i + 1], s[i + 2], s[i + 3]]);
    }
  }
}
