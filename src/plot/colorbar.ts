// Vertical colour bar with ticks, numbers, a rotated unit label, and "extend" triangles when
// data fall outside the colour range (so a clipped map is never mistaken for the full range).

import { colorAt, type Colormap } from './colormap.ts';
import { capHeight, drawText, textWidth } from './font.ts';
import { blendPixel, fillRect, INK, strokeRect, type Image, type Rgba } from './image.ts';
import { formatCount, formatTick, niceTicks } from './ticks.ts';

export interface ColorbarSpec {
  colormap: Colormap;
  min: number;
  max: number;
  /** Unit label drawn along the bar, e.g. "mm/yr". */
  label?: string;
  /** Values below min / above max exist: draw a pointed end in the end colour. */
  extendLow?: boolean;
  extendHigh?: boolean;
  /** min and max are log10 of the quantity: ticks at powers of ten, labelled in the quantity. */
  log10?: boolean;
  /** Explicit tick values (in bar units); default 1-2-5 ticks. */
  ticks?: number[];
  tickLabels?: string[];
}

export const COLORBAR_BAR_WIDTH = 18;
const TICK_LENGTH = 5;
const LABEL_GAP = 4;
const TEXT_SCALE = 2;

function tickSet(spec: ColorbarSpec): { values: number[]; labels: string[] } {
  if (spec.ticks) {
    return { values: spec.ticks, labels: spec.tickLabels ?? spec.ticks.map((v) => String(v)) };
  }
  if (spec.log10) {
    const values: number[] = [];
    for (let k = Math.ceil(spec.min - 1e-9); k <= spec.max + 1e-9; k++) values.push(k);
    return { values, labels: values.map((k) => (k >= 6 ? `1e${k}` : formatCount(10 ** k))) };
  }
  const ticks = niceTicks(spec.min, spec.max, 6);
  return { values: ticks.values, labels: ticks.values.map((v) => formatTick(v, ticks)) };
}

/** Total width the bar, its tick labels and its unit label take. */
export function colorbarWidth(spec: ColorbarSpec): number {
  const { labels } = tickSet(spec);
  const widest = Math.max(0, ...labels.map((l) => textWidth(l, TEXT_SCALE)));
  const unit = spec.label ? LABEL_GAP * 2 + capHeight(TEXT_SCALE) : 0;
  return COLORBAR_BAR_WIDTH + TICK_LENGTH + LABEL_GAP + widest + unit;
}

/** Draws the bar with its top-left at (x, y), `height` pixels tall (triangles included). */
export function drawColorbar(img: Image, x: number, y: number, height: number, spec: ColorbarSpec): void {
  const w = COLORBAR_BAR_WIDTH;
  const tri = Math.round(w * 0.9);
  const top = y + (spec.extendHigh ? tri : 0);
  const bottom = y + height - (spec.extendLow ? tri : 0);
  const barH = bottom - top;
  for (let row = 0; row < barH; row++) {
    // Top row = max. Sample at the row centre so both ends hit the end colours.
    const f = 1 - (row + 0.5) / barH;
    fillRect(img, x, top + row, w, 1, colorAt(spec.colormap, f));
  }
  strokeRect(img, x, top, w, barH, INK);
  if (spec.extendHigh) drawTriangle(img, x, top, w, -tri, colorAt(spec.colormap, 1));
  if (spec.extendLow) drawTriangle(img, x, bottom, w, tri, colorAt(spec.colormap, 0));

  const { values, labels } = tickSet(spec);
  const span = spec.max - spec.min;
  let widest = 0;
  values.forEach((v, i) => {
    const f = span > 0 ? (v - spec.min) / span : 0.5;
    if (f < -1e-9 || f > 1 + 1e-9) return;
    const ty = Math.round(bottom - f * barH);
    const yLine = Math.min(Math.max(ty, top), bottom - 1);
    fillRect(img, x + w, yLine, TICK_LENGTH, 1, INK);
    drawText(img, labels[i], x + w + TICK_LENGTH + LABEL_GAP, yLine, { scale: TEXT_SCALE, baseline: 'middle' });
    widest = Math.max(widest, textWidth(labels[i], TEXT_SCALE));
  });
  if (spec.label) {
    const lx = x + w + TICK_LENGTH + LABEL_GAP + widest + LABEL_GAP * 2;
    drawText(img, spec.label, lx, top + barH / 2, { scale: TEXT_SCALE, rotate: 90, align: 'center' });
  }
}

/** Isosceles triangle on the bar's end: base at y, apex at y + dy (dy < 0 points up). */
function drawTriangle(img: Image, x: number, y: number, w: number, dy: number, color: Rgba): void {
  const n = Math.abs(dy);
  const dir = Math.sign(dy);
  for (let i = 0; i < n; i++) {
    // Half-width shrinks linearly from w/2 at the base to 0 at the apex.
    const half = (w / 2) * (1 - (i + 0.5) / n);
    const cx = x + w / 2;
    const row = dir > 0 ? y + i : y - 1 - i;
    for (let px = Math.floor(cx - half - 1); px <= Math.ceil(cx + half); px++) {
      const coverage = Math.min(1, Math.max(0, Math.min(px + 1, cx + half) - Math.max(px, cx - half)));
      if (coverage > 0) blendPixel(img, px, row, color, coverage);
    }
    // Outline the two slanted sides.
    blendPixel(img, Math.floor(cx - half), row, INK, 0.9);
    blendPixel(img, Math.ceil(cx + half) - 1, row, INK, 0.9);
  }
}
