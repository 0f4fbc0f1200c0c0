// A compact embedded bitmap font, so labels render identically in Node and in the browser with
// no font files, canvas or native text shaping.
//
// Glyphs are 5 columns on a 9-row cell: rows 0–6 are the cap height (baseline under row 6), rows
// 7–8 hold descenders (g, j, p, q, y, comma). Each glyph is written as rows of '#'/'.' so it can
// be read and fixed in the source. Text is proportional: blank columns at a glyph's sides are
// trimmed, except for digits, which keep all five so numbers in tick labels line up.
//
// Scaling: scale 1 is the raw 5×9 cell; even scales first apply Scale2x (EPX), which rounds the
// staircase on diagonals and curves, then repeat pixels; odd scales just repeat pixels. Scale 2 is
// the default for figure text (about a 14-px cap height).

import { blendPixel, type Image, type Rgba } from './image.ts';

export const GLYPH_COLUMNS = 5;
export const GLYPH_ROWS = 9;
/** Rows above the baseline (the cap height). */
export const CAP_ROWS = 7;

// prettier-ignore
const GLYPH_SOURCE: Record<string, string> = {
  ' ': '..... ..... ..... ..... ..... ..... .....',
  '!': '..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..',
  '"': '.#.#. .#.#. ..... ..... ..... ..... .....',
  '#': '.#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.',
  '$': '..#.. .#### #.#.. .###. ..#.# ####. ..#..',
  '%': '##..# ##..# ...#. ..#.. .#... #..## #..##',
  '&': '.##.. #..#. #.#.. .#... #.#.# #..#. .##.#',
  "'": '..#.. ..#.. ..... ..... ..... ..... .....',
  '(': '...#. ..#.. .#... .#... .#... ..#.. ...#.',
  ')': '.#... ..#.. ...#. ...#. ...#. ..#.. .#...',
  '*': '..... ..#.. #.#.# .###. #.#.# ..#.. .....',
  '+': '..... ..#.. ..#.. ##### ..#.. ..#.. .....',
  ',': '..... ..... ..... ..... ..... ..#.. ..#.. .#...',
  '-': '..... ..... ..... .###. ..... ..... .....',
  '.': '..... ..... ..... ..... ..... ..... ..#..',
  '/': '..... ....# ...#. ..#.. .#... #.... .....',
  '0': '.###. #...# #..## #.#.# ##..# #...# .###.',
  '1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  '2': '.###. #...# ....# ...#. ..#.. .#... #####',
  '3': '##### ...#. ..#.. ...#. ....# #...# .###.',
  '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  '5': '##### #.... ####. ....# ....# #...# .###.',
  '6': '..##. .#... #.... ####. #...# #...# .###.',
  '7': '##### ....# ...#. ..#.. .#... .#... .#...',
  '8': '.###. #...# #...# .###. #...# #...# .###.',
  '9': '.###. #...# #...# .#### ....# ...#. .##..',
  ':': '..... ..... ..#.. ..... ..... ..#.. .....',
  ';': '..... ..... ..#.. ..... ..... ..#.. ..#.. .#...',
  '<': '...#. ..#.. .#... #.... .#... ..#.. ...#.',
  '=': '..... ..... ##### ..... ##### ..... .....',
  '>': '.#... ..#.. ...#. ....# ...#. ..#.. .#...',
  '?': '.###. #...# ....# ...#. ..#.. ..... ..#..',
  '@': '.###. #...# ....# .##.# #.#.# #.#.# .###.',
  'A': '.###. #...# #...# #...# ##### #...# #...#',
  'B': '####. #...# #...# ####. #...# #...# ####.',
  'C': '.###. #...# #.... #.... #.... #...# .###.',
  'D': '###.. #..#. #...# #...# #...# #..#. ###..',
  'E': '##### #.... #.... ####. #.... #.... #####',
  'F': '##### #.... #.... ####. #.... #.... #....',
  'G': '.###. #...# #.... #.### #...# #...# .####',
  'H': '#...# #...# #...# ##### #...# #...# #...#',
  'I': '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  'J': '..### ...#. ...#. ...#. ...#. #..#. .##..',
  'K': '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
  'L': '#.... #.... #.... #.... #.... #.... #####',
  'M': '#...# ##.## #.#.# #.#.# #...# #...# #...#',
  'N': '#...# #...# ##..# #.#.# #..## #...# #...#',
  'O': '.###. #...# #...# #...# #...# #...# .###.',
  'P': '####. #...# #...# ####. #.... #.... #....',
  'Q': '.###. #...# #...# #...# #.#.# #..#. .##.#',
  'R': '####. #...# #...# ####. #.#.. #..#. #...#',
  'S': '.#### #.... #.... .###. ....# ....# ####.',
  'T': '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  'U': '#...# #...# #...# #...# #...# #...# .###.',
  'V': '#...# #...# #...# #...# #...# .#.#. ..#..',
  'W': '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
  'X': '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
  'Y': '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
  'Z': '##### ....# ...#. ..#.. .#... #.... #####',
  '[': '.###. .#... .#... .#... .#... .#... .###.',
  '\\': '..... #.... .#... ..#.. ...#. ....# .....',
  ']': '.###. ...#. ...#. ...#. ...#. ...#. .###.',
  '^': '..#.. .#.#. #...# ..... ..... ..... .....',
  '_': '..... ..... ..... ..... ..... ..... ..... #####',
  '`': '.#... ..#.. ..... ..... ..... ..... .....',
  'a': '..... ..... .###. ....# .#### #...# .####',
  'b': '#.... #.... #.##. ##..# #...# #...# ####.',
  'c': '..... ..... .###. #.... #.... #...# .###.',
  'd': '....# ....# .##.# #..## #...# #...# .####',
  'e': '..... ..... .###. #...# ##### #.... .###.',
  'f': '..##. .#..# .#... ###.. .#... .#... .#...',
  'g': '..... ..... .#### #...# #...# #...# .#### ....# .###.',
  'h': '#.... #.... #.##. ##..# #...# #...# #...#',
  'i': '..#.. ..... .##.. ..#.. ..#.. ..#.. .###.',
  'j': '...#. ..... ..##. ...#. ...#. ...#. ...#. #..#. .##..',
  'k': '#.... #.... #..#. #.#.. ##... #.#.. #..#.',
  'l': '.##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  'm': '..... ..... ##.#. #.#.# #.#.# #.#.# #.#.#',
  'n': '..... ..... #.##. ##..# #...# #...# #...#',
  'o': '..... ..... .###. #...# #...# #...# .###.',
  'p': '..... ..... ####. #...# #...# #...# ####. #.... #....',
  'q': '..... ..... .#### #...# #...# #...# .#### ....# ....#',
  'r': '..... ..... #.##. ##..# #.... #.... #....',
  's': '..... ..... .###. #.... .###. ....# ####.',
  't': '.#... .#... ###.. .#... .#... .#..# ..##.',
  'u': '..... ..... #...# #...# #...# #..## .##.#',
  'v': '..... ..... #...# #...# #...# .#.#. ..#..',
  'w': '..... ..... #...# #...# #.#.# #.#.# .#.#.',
  'x': '..... ..... #...# .#.#. ..#.. .#.#. #...#',
  'y': '..... ..... #...# #...# #...# #...# .#### ....# .###.',
  'z': '..... ..... ##### ...#. ..#.. .#... #####',
  '{': '...#. ..#.. ..#.. .#... ..#.. ..#.. ...#.',
  '|': '..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  '}': '.#... ..#.. ..#.. ...#. ..#.. ..#.. .#...',
  '~': '..... ..... .#... #.#.# ...#. ..... .....',
  '°': '.##.. #..#. #..#. .##.. ..... ..... .....',
  '±': '..#.. ..#.. ##### ..#.. ..#.. ..... #####',
  '²': '.##.. ...#. ..#.. .#... .###. ..... .....',
  '³': '.##.. ...#. ..#.. ...#. .##.. ..... .....',
  'µ': '..... ..... #...# #...# #...# #..## ###.# #.... #....',
  'μ': '..... ..... #...# #...# #...# #..## ###.# #.... #....',
  '−': '..... ..... ..... ##### ..... ..... .....',
  '×': '..... #...# .#.#. ..#.. .#.#. #...# .....',
  '·': '..... ..... ..... ..#.. ..... ..... .....',
  'Δ': '..#.. ..#.. .#.#. .#.#. #...# #...# #####',
  'σ': '..... ..... .#### #..#. #...# #...# .###.',
  'ρ': '..... ..... .###. #...# #...# #...# ####. #.... #....',
  'φ': '..#.. ..#.. .###. #.#.# #.#.# .###. ..#.. ..#..',
  '–': '..... ..... ..... ##### ..... ..... .....',
  '∞': '..... ..... .#.#. #.#.# #.#.# .#.#. .....',
};

interface Glyph {
  /** Trimmed width in columns at scale 1. */
  width: number;
  /** Column offset of the trimmed glyph inside the 5-column cell. */
  left: number;
  /** GLYPH_ROWS × GLYPH_COLUMNS, row-major, 1 = ink. */
  bits: Uint8Array;
}

const GLYPHS = new Map<string, Glyph>();
for (const [ch, source] of Object.entries(GLYPH_SOURCE)) {
  const rows = source.split(' ');
  const bits = new Uint8Array(GLYPH_ROWS * GLYPH_COLUMNS);
  rows.forEach((row, r) => {
    for (let c = 0; c < GLYPH_COLUMNS; c++) if (row[c] === '#') bits[r * GLYPH_COLUMNS + c] = 1;
  });
  let left = GLYPH_COLUMNS;
  let right = -1;
  for (let c = 0; c < GLYPH_COLUMNS; c++) {
    for (let r = 0; r < GLYPH_ROWS; r++) {
      if (bits[r * GLYPH_COLUMNS + c]) { left = Math.min(left, c); right = Math.max(right, c); }
    }
  }
  if (ch === ' ') GLYPHS.set(ch, { width: 3, left: 0, bits });
  else if (/[0-9]/.test(ch) || right < 0) GLYPHS.set(ch, { width: GLYPH_COLUMNS, left: 0, bits });
  else GLYPHS.set(ch, { width: right - left + 1, left, bits });
}
const FALLBACK = GLYPHS.get('?')!;

/** Unknown characters draw as '?', so a missing glyph is visible rather than silent. */
function glyphFor(ch: string): Glyph {
  return GLYPHS.get(ch) ?? FALLBACK;
}

/** Characters the font draws (for tests and for callers that sanitise labels). */
export function hasGlyph(ch: string): boolean {
  return GLYPHS.has(ch);
}

interface ScaledGlyph { width: number; height: number; bits: Uint8Array; advance: number }
const scaledCache = new Map<string, ScaledGlyph>();

function scaledGlyph(ch: string, scale: number): ScaledGlyph {
  const key = `${scale}:${ch}`;
  const cached = scaledCache.get(key);
  if (cached) return cached;
  const g = glyphFor(ch);
  // Crop to the trimmed columns, with one blank column each side so Scale2x sees the edges.
  let w = g.width + 2;
  let h = GLYPH_ROWS;
  let bits: Uint8Array = new Uint8Array(w * h);
  for (let r = 0; r < GLYPH_ROWS; r++) {
    for (let c = 0; c < g.width; c++) bits[r * w + c + 1] = g.bits[r * GLYPH_COLUMNS + c + g.left];
  }
  let remaining = scale;
  if (remaining % 2 === 0) {
    ({ bits, w, h } = scale2x(bits, w, h));
    remaining /= 2;
  }
  if (remaining > 1) ({ bits, w, h } = repeatPixels(bits, w, h, remaining));
  // Drop the padding column again (now `scale` pixels wide each side).
  const out = new Uint8Array((w - 2 * scale) * h);
  const ow = w - 2 * scale;
  for (let r = 0; r < h; r++) for (let c = 0; c < ow; c++) out[r * ow + c] = bits[r * w + c + scale];
  const result = { width: ow, height: h, bits: out, advance: ow + scale };
  scaledCache.set(key, result);
  return result;
}

/** Scale2x / EPX (Andrea Mazzoleni): doubles a bitmap, rounding diagonal staircases. */
function scale2x(src: Uint8Array, w: number, h: number): { bits: Uint8Array; w: number; h: number } {
  const at = (x: number, y: number): number => (x < 0 || y < 0 || x >= w || y >= h ? 0 : src[y * w + x]);
  const W = w * 2;
  const out = new Uint8Array(W * h * 2);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = at(x, y);
      const a = at(x, y - 1); const b = at(x + 1, y); const c = at(x - 1, y); const d = at(x, y + 1);
      out[2 * y * W + 2 * x] = c === a && c !== d && a !== b ? a : p;
      out[2 * y * W + 2 * x + 1] = a === b && a !== c && b !== d ? b : p;
      out[(2 * y + 1) * W + 2 * x] = d === c && d !== b && c !== a ? c : p;
      out[(2 * y + 1) * W + 2 * x + 1] = b === d && b !== a && d !== c ? d : p;
    }
  }
  return { bits: out, w: W, h: h * 2 };
}

function repeatPixels(src: Uint8Array, w: number, h: number, k: number): { bits: Uint8Array; w: number; h: number } {
  const out = new Uint8Array(w * k * h * k);
  for (let y = 0; y < h * k; y++) for (let x = 0; x < w * k; x++) out[y * w * k + x] = src[Math.floor(y / k) * w + Math.floor(x / k)];
  return { bits: out, w: w * k, h: h * k };
}

export interface TextStyle {
  /** Integer pixel scale (default 2). */
  scale?: number;
  color?: Rgba;
  /** Horizontal anchor along the reading direction (default 'left'). */
  align?: 'left' | 'center' | 'right';
  /** Which part of the line sits at y (default 'top'): top of the caps, middle of the caps, or baseline. */
  baseline?: 'top' | 'middle' | 'bottom';
  /** 90 = rotated counter-clockwise, reading bottom to top (y-axis titles). */
  rotate?: 0 | 90;
  /** Double-strike one pixel to the right, for titles. */
  bold?: boolean;
}

/** Width of `text` in pixels along its reading direction. */
export function textWidth(text: string, scale = 2, bold = false): number {
  let w = 0;
  for (const ch of text) w += scaledGlyph(ch, scale).advance;
  return Math.max(0, w - scale) + (bold && text.length > 0 ? 1 : 0);
}

/** Height of a text line's caps in pixels (what 'top'/'middle'/'bottom' refer to). */
export function capHeight(scale = 2): number {
  return CAP_ROWS * scale;
}

/** Line spacing for stacked text: cell height plus a little leading. */
export function lineHeight(scale = 2): number {
  return (GLYPH_ROWS + 2) * scale;
}

/**
 * Draws one line of text. (x, y) is the anchor: with rotate 0, x is the left/centre/right of the
 * line and y its top/middle/baseline; with rotate 90 the same anchors apply in the rotated frame
 * (the line runs upwards from (x, y), "top" of the caps facing left).
 */
export function drawText(img: Image, text: string, x: number, y: number, style: TextStyle = {}): void {
  const scale = style.scale ?? 2;
  const color = style.color ?? [34, 34, 34, 255];
  const width = textWidth(text, scale, style.bold);
  const cap = capHeight(scale);
  const alongStart = style.align === 'center' ? -width / 2 : style.align === 'right' ? -width : 0;
  const acrossStart = style.baseline === 'middle' ? -cap / 2 : style.baseline === 'bottom' ? -cap : 0;
  const strikes = style.bold ? 2 : 1;
  let along = Math.round(alongStart);
  const across = Math.round(acrossStart);
  for (const ch of text) {
    const g = scaledGlyph(ch, scale);
    for (let r = 0; r < g.height; r++) {
      for (let c = 0; c < g.width; c++) {
        if (!g.bits[r * g.width + c]) continue;
        for (let s = 0; s < strikes; s++) {
          const u = along + c + s; // along the reading direction
          const v = across + r; // down the glyph
          if (style.rotate === 90) blendPixel(img, Math.round(x) + v, Math.round(y) - u - 1, color);
          else blendPixel(img, Math.round(x) + u, Math.round(y) + v, color);
        }
      }
    }
    along += g.advance;
  }
}
